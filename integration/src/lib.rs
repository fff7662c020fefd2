//! Nothing here: this package exists for its tests (`tests/`), which run
//! from the workspace only. See `Cargo.toml`.
