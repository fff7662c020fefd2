//! Sharing logins with a Django site: what `django.contrib.auth` and
//! `CsrfViewMiddleware` keep in the session and the cookies, done the way
//! Django 5.2 does it (feature `django-auth`).
//!
//! A Django site that uses the `signed_cookies` session backend keeps the
//! logged-in user in the session ([`DjangoCodec`](crate::DjangoCodec)
//! already reads and writes that cookie). This module holds the rest of the
//! contract, each part next to the Django function it mirrors:
//!
//! | module       | Django 5.2                                                            |
//! |--------------|-----------------------------------------------------------------------|
//! | [`auth`]     | `django.contrib.auth`: `login`, `logout`, `get_user`, `get_session_auth_hash` |
//! | [`csrf`]     | `django.middleware.csrf`: the `csrftoken` cookie, masked tokens, `Origin`/`Referer` checks |
//! | [`password`] | `django.contrib.auth.hashers`: `pbkdf2_sha256` password hashes         |
//!
//! The data flow of one request that shares a login:
//!
//! ```text
//! cookie sessionid ──DjangoCodec──▶ Session ──DjangoAuth::read──▶ Claimed { user id, backend, hash }
//!                                                                   │ your user lookup (may be async)
//!                                                                   ▼
//!                                     DjangoAuth::verify(session, claimed, Option<UserRecord>)
//!                                                                   │
//!                          LoggedIn { rehashed }  ◀─────────────────┴──▶  Anonymous { flushed }
//!
//! unsafe method: CsrfConfig::check(CsrfRequest { Origin, Referer, csrftoken cookie, token })
//! POST /login:   password::check_password ─▶ DjangoAuth::login(session, …) ─▶ new CsrfSecret
//! ```
//!
//! Every case in `tests/vectors/django_auth.json` was produced by Django
//! 5.2 itself (`tests/django/auth_vectors.py`) and is checked by
//! `tests/django_auth_vectors.rs`.
//!
//! # Examples
//!
//! ```
//! use session_cookie::django::auth::{DjangoAuth, Outcome, UserRecord};
//! use session_cookie::django::password::make_password_with;
//! use session_cookie::{SecretKeys, Session};
//!
//! let auth = DjangoAuth::new(&SecretKeys::new("django-insecure-example")?);
//! let password_hash = make_password_with("wonderland", "fixedsaltfixedsalt1234", 1_000)?;
//!
//! // POST /login, after checking the password:
//! let mut session = Session::new();
//! let csrf = auth.login(&mut session, "42", &password_hash)?; // Set-Cookie: csrftoken=<csrf>
//! assert_eq!(csrf.as_str().len(), 32);
//!
//! // Any later request:
//! let claimed = auth.read(&session).expect("a user is logged in");
//! assert_eq!(claimed.user_id(), "42");
//! let user = UserRecord::new(password_hash, true); // from your database, by claimed.user_id()
//! let outcome = auth.verify(&mut session, &claimed, Some(&user));
//! assert_eq!(outcome, Outcome::LoggedIn { rehashed: false });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod auth;
pub mod csrf;
pub mod password;
