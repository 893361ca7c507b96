//! Evidence receipts (docs/format.md#receipt): proof that an evidence service anchored a SHA-256 hash
//! in an agency's log, checkable offline.
//!
//! A receipt is the evidence record, its RFC 6962 inclusion proof, and a compact cosigned
//! checkpoint of the log. [`verify_receipt`] checks, in this order: the checkpoint against the
//! trust policy (log signature and key window, witness quorum, age: exactly the bundle's steps,
//! [`crate::bundle::verify_checkpoint`]), that the record is evidence of exactly the hash
//! asked about, that it belongs to the checkpoint's log, that the submitter's signature verifies,
//! and that the inclusion proof places the record at its own index in the checkpoint's tree.

use serde::{Deserialize, Serialize};

use crate::bundle::{TrustPolicy, VerdictKind, verify_checkpoint};
use crate::checkpoint::CompactCheckpoint;
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;
use crate::keys::PublicKey;
use crate::merkle::InclusionProof;
use crate::record::{Body, Record};

/// The receipt format version this library writes and reads.
pub const RECEIPT_VERSION: u8 = 1;

/// Largest encoded receipt: a record (64 KiB at most), a proof (a few KiB) and a checkpoint.
pub const MAX_RECEIPT_LEN: usize = 96 * 1024;

/// An evidence record with its inclusion proof and the checkpoint the proof leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceReceipt {
    /// Always [`RECEIPT_VERSION`].
    pub version: u8,
    /// The evidence record, as sequenced and stored by the agency's log.
    pub record: Record,
    /// The record's inclusion proof: `leaf_index` = record index, `tree_size` = checkpoint size.
    pub proof: InclusionProof,
    /// The log's cosigned checkpoint, in the compact form of the offline bundle.
    pub checkpoint: CompactCheckpoint,
}

impl Canonical for EvidenceReceipt {
    const MAX_ENCODED_LEN: usize = MAX_RECEIPT_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        if self.version != RECEIPT_VERSION {
            return Err(DecodeError::UnsupportedVersion(self.version));
        }
        self.record.validate()?;
        self.proof.validate()?;
        self.checkpoint.validate()
    }
}

/// What a verified receipt proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptInfo {
    /// The log the hash is anchored in.
    pub origin: String,
    /// The record's index in that log.
    pub index: u64,
    /// When the agency sequenced it, Unix seconds.
    pub time: i64,
    /// The evidence service that submitted it (its Ed25519 key). The agency sequenced the record,
    /// which it does only for submitters it has admitted; the verifier decides whether it knows
    /// this service.
    pub submitter: PublicKey,
    /// The witnessed time of the checkpoint that proves the inclusion.
    pub as_of: i64,
}

/// Why a receipt does not prove its hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The bytes are not a receipt.
    #[error("malformed receipt: {0}")]
    Malformed(String),
    /// The checkpoint is not signed by a trusted log key in force, or the witness quorum is not met.
    #[error("untrusted checkpoint: {0}")]
    Untrusted(String),
    /// The checkpoint is older than the policy accepts.
    #[error("stale checkpoint: witnessed {age_seconds} s before the verification time")]
    Stale {
        /// Age of the witnessed checkpoint, in seconds.
        age_seconds: i64,
    },
    /// The record is not an evidence record.
    #[error("the record is a {0} record, not evidence")]
    NotEvidence(&'static str),
    /// The record anchors another hash.
    #[error("the receipt is for hash {found}, not {expected}")]
    WrongHash {
        /// The hash asked about.
        expected: Hash,
        /// The hash in the record.
        found: Hash,
    },
    /// A signature, proof or field does not check out.
    #[error("tampered receipt: {0}")]
    Tampered(String),
}

/// Checks that `receipt` proves that `hash` was anchored in a log `policy` trusts, at Unix time `at`.
///
/// # Errors
/// The first check that fails, as a [`ReceiptError`].
pub fn verify_receipt(
    hash: &Hash,
    receipt: &EvidenceReceipt,
    policy: &TrustPolicy,
    at: i64,
) -> Result<ReceiptInfo, ReceiptError> {
    let trusted = verify_checkpoint(&receipt.checkpoint, policy, at).map_err(from_verdict)?;
    let checkpoint = trusted.signed.checkpoint();
    let record = &receipt.record;
    let found = match &record.body {
        Body::Evidence(evidence) => evidence.hash,
        other => return Err(ReceiptError::NotEvidence(other.kind_name())),
    };
    if found != *hash {
        return Err(ReceiptError::WrongHash {
            expected: *hash,
            found,
        });
    }
    let header = &record.header;
    if header.origin != checkpoint.origin {
        return Err(ReceiptError::Tampered(format!(
            "the record is from log {}, the checkpoint from {}",
            header.origin, checkpoint.origin
        )));
    }
    record
        .verify_signature()
        .map_err(|e| ReceiptError::Tampered(format!("submitter signature: {e}")))?;
    if receipt.proof.leaf_index != header.index || receipt.proof.tree_size != checkpoint.size {
        return Err(ReceiptError::Tampered(
            "the proof is for another position or tree".into(),
        ));
    }
    receipt
        .proof
        .verify(&record.hash(), &checkpoint.root)
        .map_err(|e| ReceiptError::Tampered(format!("inclusion proof: {e}")))?;
    Ok(ReceiptInfo {
        origin: header.origin.clone(),
        index: header.index,
        time: header.time,
        submitter: header.author,
        as_of: trusted.as_of,
    })
}

fn from_verdict(kind: VerdictKind) -> ReceiptError {
    match kind {
        VerdictKind::Stale { age_seconds } => ReceiptError::Stale { age_seconds },
        VerdictKind::Untrusted(reason) => ReceiptError::Untrusted(reason),
        VerdictKind::Tampered(reason) => ReceiptError::Tampered(reason),
        other => ReceiptError::Tampered(format!("checkpoint: {}", other.name())),
    }
}

#[cfg(test)]
mod tests;
