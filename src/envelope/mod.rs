//! What happens to payload bytes between the JSON and the signature:
//! compression today (zlib, with a hard cap when inflating).

pub(crate) mod compress;
