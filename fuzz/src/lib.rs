//! Fuzz targets for every decoder and verifier of `ledger-format`, and for the decoders of the
//! node and the client that read untrusted input (see `fuzz/README.md`).
//!
//! The checks live in [`checks`] (`ledger-format`), [`node_checks`] and [`client_checks`]; the
//! corpus replay tests of those crates include the same files, so that `cargo test` on stable
//! runs exactly what the fuzzer runs.
//!
//! The node's decoders are compiled here from the node's own source files, [`protocol`] and
//! [`membership`], so that a fuzz build links neither RocksDB nor the rest of the node. Those two
//! files must keep to `ledger_format`, `libp2p`, `futures`, `serde`, `toml` and `thiserror`
//! (no `crate::` or `super::` paths outside their `tests` modules).

pub mod checks;
pub mod client_checks;
pub mod corpus;
pub mod node_checks;

#[path = "../../node/src/replication/membership.rs"]
pub mod membership;
#[path = "../../node/src/replication/protocol.rs"]
pub mod protocol;
