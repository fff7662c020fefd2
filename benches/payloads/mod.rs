//! The payloads every benchmark uses: a typical auth session (~130 bytes
//! of JSON), a 2 KB cart-like session and a 4 KB one.

use serde_json::{Value, json};

/// Name and JSON value of each benchmark payload.
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("small", small()),
        ("2kb", cart(2_000)),
        ("4kb", cart(4_000)),
    ]
}

/// Three keys, as Django's auth middleware stores them.
pub fn small() -> Value {
    json!({
        "_auth_user_id": "4217",
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        "_auth_user_hash": "37d475eb22cc384338503808422621e3"
    })
}

/// A user id, a CSRF token and cart lines until the JSON reaches `bytes`.
pub fn cart(bytes: usize) -> Value {
    let mut lines = Vec::new();
    let mut value =
        json!({"user_id": 4217, "csrf": "kP3xQ9vLm2ZtR8wYb6NcJ4hF1sD7gA0e", "cart": []});
    let mut n = 0u32;
    while session_cookie::json::to_string(&value).map_or(0, |s| s.len()) < bytes {
        n += 1;
        lines.push(json!({
            "sku": format!("SKU-{n:05}"),
            "qty": n % 4 + 1,
            "price": f64::from(n) * 1.25 + 0.99,
            "name": format!("Item n\u{b0}{n}"),
            "gift": n % 3 == 0
        }));
        value["cart"] = Value::Array(lines.clone());
    }
    value
}
