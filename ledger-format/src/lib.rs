//! The registration ledger's format: canonical records, RFC 6962 Merkle proofs, C2SP checkpoints,
//! the certificate status map, certificate and credit codes, rule profiles and lifecycle rules, the
//! offline bundle, and evidence receipts (also in the C2SP tlog-proof text form).
//! The cryptographic suites (`ed25519-sha256`, `sm2-sm3`: SM2 keys and signatures, SM3) are in
//! [`suite`].
//!
//! This crate is pure: it performs no I/O, reads no clock, and starts no threads. Storage reaches it
//! through small traits ([`merkle::HashReader`]); time is always an argument. The node (`ledger-node`)
//! and the offline verifier (`ledger-client`) both build on it, and `docs/format.md` specifies every
//! byte it reads and writes.
//!
//! ```
//! use ledger_format::{Canonical, Hash, SigningKey};
//! use ledger_format::merkle::{MemoryTree, inclusion_proof};
//! use ledger_format::record::{Header, Record, evidence_message};
//!
//! // An evidence service signs a hash for a log; the agency sequences it as record 0.
//! let service = SigningKey::from_seed(&[2; 32]);
//! let origin = "ledger.yuxi.example/2026";
//! let hash = ledger_format::sha256(b"a data snapshot");
//! let header = Header { origin: origin.into(), index: 0, prev_hash: Hash::ZERO, time: 1_795_363_200, author: service.public_key(), officer: None };
//! let record = Record::evidence(header, hash, service.sign(&evidence_message(origin, &hash)));
//! record.verify_signature()?;
//!
//! // Its canonical bytes are the leaf of the log's RFC 6962 tree; anyone can check its inclusion.
//! let bytes = record.encode();
//! assert_eq!(Record::decode_exact(&bytes)?, record);
//! let mut tree = MemoryTree::new(ledger_format::suite::Suite::Ed25519Sha256);
//! tree.push(&bytes)?;
//! let proof = inclusion_proof(0, tree.size(), &tree)?;
//! proof.verify(ledger_format::suite::Suite::Ed25519Sha256, &record.hash(), &tree.root())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
pub use hash::{Hash, sha256, sm3};
pub use keys::{PublicKey, Signature, SignatureError, SigningKey};

/// How far, in seconds, a signed time may be ahead of the clock of whoever checks it.
///
/// The verifier refuses a checkpoint whose witnessed time (or own timestamp) is more than this
/// ahead of the verification time, and the node refuses records and checkpoints dated more than
/// this ahead of its own clock. Five minutes: well above the drift of NTP-synchronised servers
/// (milliseconds) and of office PCs that sync daily (seconds to a minute), yet far below the
/// day-scale `max-age` a policy sets, so a post-dated checkpoint cannot buy meaningful freshness.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 300;
pub mod bundle;
pub mod calendar;
pub mod checkpoint;
pub mod code;
pub mod date;
pub mod equivocation;
pub mod lifecycle;
pub mod map;
pub mod merkle;
pub mod profile;
pub mod receipt;
pub mod record;
pub mod replay;
pub mod suite;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tlog_proof;
