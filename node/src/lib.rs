//! The registration agency's node. It will own the durable RocksDB log, the single sequencer, the
//! checkpoint signer, the HTTP API and libp2p replication (issues 3 and 5). For now it only links
//! `ledger-format`, so that the workspace's dependency direction (`node -> ledger-format`) is fixed
//! from the start.
#![forbid(unsafe_code)]

/// The version of the format crate this node was built against.
pub fn format_version() -> u8 {
    ledger_format::record::FORMAT_VERSION
}
