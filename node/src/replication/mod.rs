//! Replication and witnessing over libp2p (docs/format.md#replication): every node mirrors every
//! other agency's log, re-verifies every record, and cosigns the checkpoints it verified.

pub mod membership;
pub mod mirror;
