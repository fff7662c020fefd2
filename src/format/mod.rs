//! Wire layouts. Each format knows only its own separators, field lengths
//! and encodings; the codecs decide the order in which checks run.

pub(crate) mod django;
#[cfg(feature = "flask")]
pub(crate) mod flask;
pub(crate) mod native;
