//! Feature unification for the workspace's two everyday commands (see this crate's
//! `Cargo.toml`): it has no code, only dependencies whose features it turns on for the node.
#![forbid(unsafe_code)]
