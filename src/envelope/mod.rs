//! What happens to payload bytes between the JSON and the signature:
//! compression (zlib, with a hard cap when inflating) and encryption
//! (AES-256-GCM with a key per message).

pub(crate) mod compress;
pub(crate) mod encrypt;
