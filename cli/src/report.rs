//! Human-readable text: the `inspect` report and default key ids.

use core::fmt::Write as _;

use session_cookie::{Inspection, Mode, UnixTime, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `key-YYYYMMDD`, today in UTC.
pub(crate) fn default_key_id() -> String {
    let today = OffsetDateTime::now_utc();
    format!(
        "key-{:04}{:02}{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    )
}

fn utc_date(at: UnixTime) -> String {
    OffsetDateTime::from_unix_timestamp(at.as_secs())
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "out of range".to_owned())
}

fn time_line(label: &str, at: Option<UnixTime>, now: UnixTime) -> String {
    match at {
        Some(at) => {
            let age = i128::from(now.as_secs()) - i128::from(at.as_secs());
            format!("{label}{} ({}), age {age} s", at.as_secs(), utc_date(at))
        }
        None => format!("{label}unreadable"),
    }
}

/// The report of `inspect`: every line says what the cookie claims.
pub(crate) fn describe(seen: &Inspection, now: UnixTime) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "format:     {}", seen.format().name());
    match seen.native() {
        Some(header) => {
            let mode = match header.mode {
                Mode::Signed => "signed (HMAC-SHA256)",
                Mode::Encrypted => "encrypted (AES-256-GCM, then HMAC-SHA256)",
            };
            let _ = writeln!(out, "version:    {}", header.version);
            let _ = writeln!(out, "mode:       {mode}");
            let _ = writeln!(out, "key id:     {}", header.key_id);
            let _ = writeln!(out, "signature:  NOT VERIFIED (no key given)");
            let _ = writeln!(out, "{}", time_line("issued at:  ", seen.issued_at(), now));
            let _ = writeln!(
                out,
                "{}",
                time_line("origin:     ", header.first_issued_at, now)
            );
            let derived = if header.version == 1 {
                " (version 1: the first 16 bytes of its tag)"
            } else {
                ""
            };
            let _ = writeln!(out, "session id: {}{derived}", header.session_id);
        }
        None => {
            let mac = if seen.format().name() == "flask" {
                "HMAC-SHA1"
            } else {
                "HMAC-SHA256"
            };
            let _ = writeln!(out, "signature:  {mac}, NOT VERIFIED (no key given)");
            let _ = writeln!(out, "{}", time_line("issued at:  ", seen.issued_at(), now));
        }
    }
    let _ = writeln!(
        out,
        "compressed: {}",
        if seen.compressed() { "yes" } else { "no" }
    );
    let size =
        |n: Option<usize>| n.map_or_else(|| "unreadable".to_owned(), |n| format!("{n} bytes"));
    let _ = writeln!(
        out,
        "sizes:      cookie {} bytes, payload {}, JSON {}",
        seen.cookie_len(),
        size(seen.payload_len()),
        size(seen.json_len()),
    );
    let payload = match (seen.native().map(|h| h.mode), seen.payload_unverified()) {
        (Some(Mode::Encrypted), _) => "<encrypted: not shown without the key>".to_owned(),
        (_, Ok(value)) => json::to_string(value).unwrap_or_else(|err| format!("<{err}>")),
        (_, Err(err)) => format!("<{err}>"),
    };
    let _ = write!(out, "payload (UNVERIFIED): {payload}");
    out
}
