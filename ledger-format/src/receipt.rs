//! Evidence receipts: proof that an evidence service's hash is in a log (docs/format.md#receipt).
//!
//! A receipt is the evidence record itself, its RFC 6962 inclusion proof, and a compact cosigned
//! checkpoint of a tree that contains it. Anyone holding the receipt and a trust policy can check,
//! offline, that the service anchored exactly this hash at this index and time.

use serde::{Deserialize, Serialize};

use crate::bundle::{TrustPolicy, VerdictKind, verify_checkpoint};
use crate::checkpoint::CompactCheckpoint;
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;
use crate::keys::PublicKey;
use crate::merkle::InclusionProof;
use crate::record::{Body, Record};

/// Receipt format version.
pub const RECEIPT_VERSION: u8 = 1;
/// Largest encoded receipt accepted.
const MAX_RECEIPT_LEN: usize = 32 * 1024;

/// Proof that a hash was anchored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceReceipt {
    /// Always [`RECEIPT_VERSION`].
    pub version: u8,
    /// The evidence record.
    pub record: Record,
    /// Its inclusion proof; `tree_size` is the checkpoint's size.
    pub proof: InclusionProof,
    /// A signed (and cosigned) checkpoint of a tree containing the record.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptInfo {
    /// The log's origin.
    pub origin: String,
    /// Index of the evidence record.
    pub index: u64,
    /// When the agency sequenced it (Unix seconds).
    pub time: i64,
    /// The evidence service that signed it.
    pub submitter: PublicKey,
    /// The witnessed time of the checkpoint that includes it.
    pub as_of: i64,
}

/// Why a receipt does not prove what it claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The receipt is for another hash, or is not an evidence record.
    #[error("the receipt is not for hash {0}")]
    WrongHash(Hash),
    /// The service's signature does not verify.
    #[error("the evidence signature does not verify")]
    BadSignature,
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error("inclusion proof: {0}")]
    Proof(String),
    /// The checkpoint is not trusted, is stale, or was tampered with.
    #[error("checkpoint: {0:?}")]
    Checkpoint(VerdictKind),
}

/// Verifies that `receipt` proves `hash` was anchored, against `policy` at Unix time `at`.
///
/// # Errors
/// The first [`ReceiptError`] found.
pub fn verify_receipt(
    hash: &Hash,
    receipt: &EvidenceReceipt,
    policy: &TrustPolicy,
    at: i64,
) -> Result<ReceiptInfo, ReceiptError> {
    let record = &receipt.record;
    match &record.body {
        Body::Evidence(e) if &e.hash == hash => {}
        _ => return Err(ReceiptError::WrongHash(*hash)),
    }
    record
        .verify_signature()
        .map_err(|_| ReceiptError::BadSignature)?;
    let (signed, as_of) =
        verify_checkpoint(&receipt.checkpoint, policy, at).map_err(ReceiptError::Checkpoint)?;
    let checkpoint = signed.checkpoint();
    if record.header.origin != checkpoint.origin
        || receipt.proof.leaf_index != record.header.index
        || receipt.proof.tree_size != checkpoint.size
    {
        return Err(ReceiptError::Proof(
            "proof is for another log, position or tree".into(),
        ));
    }
    receipt
        .proof
        .verify(&record.hash(), &checkpoint.root)
        .map_err(|e| ReceiptError::Proof(e.to_string()))?;
    Ok(ReceiptInfo {
        origin: checkpoint.origin.clone(),
        index: record.header.index,
        time: record.header.time,
        submitter: record.header.author,
        as_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Ledger, at};

    fn receipt(l: &Ledger, index: u64, witnesses: u8) -> EvidenceReceipt {
        let signed = l.checkpoint(at("2026-11-24", 9), witnesses);
        let policy = l.policy(witnesses, 0);
        let keys: Vec<_> = policy
            .logs
            .iter()
            .map(|t| t.key.clone())
            .chain(policy.witnesses.iter().cloned())
            .collect();
        EvidenceReceipt {
            version: RECEIPT_VERSION,
            record: l.log.records[index as usize].clone(),
            proof: crate::merkle::inclusion_proof(index, l.tree.size(), &l.tree).unwrap(),
            checkpoint: CompactCheckpoint::from_signed(&signed, &keys).unwrap(),
        }
    }

    #[test]
    fn receipt_proves_the_hash() {
        let mut l = Ledger::default();
        let hashes: Vec<Hash> = (0..5u8).map(|n| crate::sha256(&[n])).collect();
        for h in &hashes {
            l.evidence(at("2026-11-23", 10), *h);
        }
        let policy = l.policy(2, 2);
        let r = receipt(&l, 3, 2);
        let bytes = r.encode();
        assert_eq!(EvidenceReceipt::decode_exact(&bytes), Ok(r.clone()));
        let info = verify_receipt(&hashes[3], &r, &policy, at("2026-11-24", 10)).unwrap();
        assert_eq!(info.index, 3);
        assert_eq!(info.submitter, crate::testing::submitter_key().public_key());
        assert_eq!(
            verify_receipt(&hashes[2], &r, &policy, at("2026-11-24", 10)),
            Err(ReceiptError::WrongHash(hashes[2]))
        );
        let mut moved = r.clone();
        moved.proof = crate::merkle::inclusion_proof(2, l.tree.size(), &l.tree).unwrap();
        assert!(matches!(
            verify_receipt(&hashes[3], &moved, &policy, at("2026-11-24", 10)),
            Err(ReceiptError::Proof(_))
        ));
        assert!(matches!(
            verify_receipt(&hashes[3], &r, &l.policy(2, 3), at("2026-11-24", 10)),
            Err(ReceiptError::Checkpoint(VerdictKind::Untrusted(_)))
        ));
    }
}
