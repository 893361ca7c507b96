//! The registration ledger's format: canonical records, RFC 6962 Merkle proofs, C2SP checkpoints,
//! the certificate status map, certificate and credit codes, lifecycle rules, and the offline bundle.
//!
//! This crate is pure: it performs no I/O, reads no clock, and starts no threads. Storage reaches it
//! through small traits ([`merkle::HashReader`]); time is always an argument. The node (`ledger-node`)
//! and the offline verifier (`ledger-client`) both build on it, and `docs/format.md` specifies every
//! byte it reads and writes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod encoding;
pub mod hash;
pub mod keys;

pub use encoding::{Canonical, DecodeError};
pub use hash::{Hash, sha256};
pub use keys::{PublicKey, Signature, SignatureError, SigningKey};
pub mod bundle;
pub mod calendar;
pub mod checkpoint;
pub mod code;
pub mod date;
pub mod lifecycle;
pub mod map;
pub mod merkle;
pub mod receipt;
pub mod record;
pub mod replay;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
