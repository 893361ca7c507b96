//! Evidence receipts (docs/format.md#receipt): proof that an evidence service anchored a SHA-256
//! hash in an agency's log, checkable offline, for ever.
//!
//! A receipt is the evidence record, its RFC 6962 inclusion proof, and a compact cosigned
//! checkpoint of the log. It is a proof of existence: the hash was in a witnessed log at the
//! witnessed time. [`verify_receipt`] checks, in this order: the checkpoint against the trust
//! policy (log signature, witness quorum, witnessed time not in the future, log key in force at the
//! witnessed time: the bundle's steps without the age, [`verify_witnessed_checkpoint`]), that the
//! record is evidence of exactly the hash asked about, that it belongs to the checkpoint's log,
//! that the submitter's signature verifies, and that the inclusion proof places the record at its
//! own index in the checkpoint's tree. No `max-age` applies: the result reports the witnessed time
//! (`as_of`) and the caller judges how old a proof it accepts.
//!
//! [`verify_receipt_extended`] also checks a newer cosigned checkpoint of the same log and the
//! consistency proof that leads to it, and reports that checkpoint's witnessed time too. A receipt
//! travels as BCS bytes, as JSON, or as the C2SP tlog-proof text
//! ([`EvidenceReceipt::to_tlog_proof`], [`EvidenceReceipt::from_tlog_proof`]).

use serde::{Deserialize, Serialize};

use crate::bundle::{TrustPolicy, VerdictKind, verify_witnessed_checkpoint};
use crate::checkpoint::{CompactCheckpoint, NoteError, SignedCheckpoint, VerifierKey};
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;
use crate::keys::PublicKey;
use crate::merkle::{ConsistencyProof, InclusionProof};
use crate::record::{Body, Record};
use crate::tlog_proof::{TlogProof, TlogProofError};

/// The receipt format version this library writes and reads.
pub const RECEIPT_VERSION: u8 = 2;

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
    /// The witnessed time of the checkpoint that proves the inclusion: the hash was in the log
    /// then. A receipt does not expire; this says how old the proof is.
    pub as_of: i64,
    /// The newer checkpoint the receipt was checked against, if any
    /// ([`verify_receipt_extended`]).
    pub consistent_with: Option<ConsistentCheckpoint>,
}

/// A newer checkpoint of the receipt's log, proven to extend the receipt's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsistentCheckpoint {
    /// Its tree size.
    pub size: u64,
    /// Its witnessed time.
    pub as_of: i64,
}

/// A newer cosigned checkpoint of a receipt's log, with the consistency proof from the receipt's
/// checkpoint to it: what `GET /v1/checkpoint` and `GET /v1/proofs/consistency` serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewerCheckpoint {
    /// The newer checkpoint, in note form with its cosignatures.
    pub checkpoint: SignedCheckpoint,
    /// The consistency proof from the receipt's tree size to the newer one.
    pub consistency: ConsistencyProof,
}

/// Why a receipt does not prove its hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The bytes are not a receipt.
    #[error("malformed receipt: {0}")]
    Malformed(String),
    /// The checkpoint is not signed by a trusted log key in force, the witness quorum is not met,
    /// its witnessed time is in the future, or its log equivocated.
    #[error("untrusted checkpoint: {0}")]
    Untrusted(String),
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

/// Checks that `receipt` proves that `hash` was anchored in a log `policy` trusts, verifying at
/// Unix time `at` (which only bounds the witnessed time from above: a receipt does not expire).
///
/// # Errors
/// The first check that fails, as a [`ReceiptError`].
pub fn verify_receipt(
    hash: &Hash,
    receipt: &EvidenceReceipt,
    policy: &TrustPolicy,
    at: i64,
) -> Result<ReceiptInfo, ReceiptError> {
    let trusted =
        verify_witnessed_checkpoint(&receipt.checkpoint, policy, at).map_err(from_verdict)?;
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
    if record.suite() != trusted.suite {
        return Err(ReceiptError::Tampered(format!(
            "a {} record in a {} log",
            record.suite(),
            trusted.suite
        )));
    }
    receipt
        .proof
        .verify(trusted.suite, &record.hash(), &checkpoint.root)
        .map_err(|e| ReceiptError::Tampered(format!("inclusion proof: {e}")))?;
    Ok(ReceiptInfo {
        origin: header.origin.clone(),
        index: header.index,
        time: header.time,
        submitter: header.author,
        as_of: trusted.as_of,
        consistent_with: None,
    })
}

/// [`verify_receipt`], then checks that `newer` is a checkpoint of the same log that `policy`
/// trusts on its own (log key, quorum, witnessed time not in the future), and that its
/// consistency proof leads from the receipt's checkpoint to it. Reports both witnessed times.
///
/// # Errors
/// The first check that fails; those about `newer` say "newer checkpoint".
pub fn verify_receipt_extended(
    hash: &Hash,
    receipt: &EvidenceReceipt,
    newer: &NewerCheckpoint,
    policy: &TrustPolicy,
    at: i64,
) -> Result<ReceiptInfo, ReceiptError> {
    let mut info = verify_receipt(hash, receipt, policy, at)?;
    let old = &receipt.checkpoint;
    let new = newer.checkpoint.checkpoint();
    if new.origin != old.origin {
        return Err(ReceiptError::Tampered(format!(
            "the newer checkpoint is of log {}, the receipt of {}",
            new.origin, old.origin
        )));
    }
    let trusted = compact_for(&newer.checkpoint, policy)
        .and_then(|compact| verify_witnessed_checkpoint(&compact, policy, at).map_err(from_verdict))
        .map_err(about_newer)?;
    let proof = &newer.consistency;
    if proof.size1 != old.size || proof.size2 != new.size {
        return Err(ReceiptError::Tampered(format!(
            "the consistency proof leads from size {} to {}, not from {} to {}",
            proof.size1, proof.size2, old.size, new.size
        )));
    }
    proof
        .verify(trusted.suite, &old.root, &new.root)
        .map_err(|e| ReceiptError::Tampered(format!("consistency proof: {e}")))?;
    info.consistent_with = Some(ConsistentCheckpoint {
        size: new.size,
        as_of: trusted.as_of,
    });
    Ok(info)
}

impl EvidenceReceipt {
    /// The receipt in the C2SP tlog-proof text form (docs/format.md#tlog-proof): `extra` is the
    /// record's canonical bytes (the leaf), then the index, the audit path, and the checkpoint note
    /// rebuilt with the names of `keys` (the log key and the witnesses of the compact checkpoint).
    ///
    /// # Errors
    /// [`TlogProofError::Checkpoint`] when `keys` do not name the checkpoint's signatures;
    /// [`TlogProofError::IndexOutOfRange`] for a proof outside the checkpoint's tree.
    pub fn to_tlog_proof(&self, keys: &[VerifierKey]) -> Result<TlogProof, TlogProofError> {
        let signed = self.checkpoint.to_signed(keys)?;
        TlogProof::new(
            self.record.encode(),
            self.proof.leaf_index,
            self.proof.path.clone(),
            signed,
        )
    }

    /// The receipt a tlog-proof carries: the record is its `extra`, the proof its index and path
    /// under its checkpoint's size, and the checkpoint keeps the signature lines by keys of
    /// `policy` (others cannot count). Nothing is verified yet: call [`verify_receipt`].
    ///
    /// # Errors
    /// [`ReceiptError::Malformed`] when `extra` is not one canonical record, or the result is not a
    /// valid receipt; [`ReceiptError::Untrusted`] when no signature line is by a key of `policy`.
    pub fn from_tlog_proof(proof: &TlogProof, policy: &TrustPolicy) -> Result<Self, ReceiptError> {
        if proof.extra().is_empty() {
            return Err(ReceiptError::Malformed(
                "the tlog-proof has no extra line: it must carry the evidence record".into(),
            ));
        }
        let record = Record::decode_exact(proof.extra())
            .map_err(|e| ReceiptError::Malformed(format!("extra: not a record: {e}")))?;
        let receipt = EvidenceReceipt {
            version: RECEIPT_VERSION,
            record,
            proof: proof.inclusion_proof(),
            checkpoint: compact_for(proof.checkpoint(), policy)?,
        };
        receipt
            .validate()
            .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        Ok(receipt)
    }
}

/// The keys that name a checkpoint's signature lines for `policy`: its log keys for `origin`, then
/// every witness key. What a compact checkpoint is made with and rebuilt with.
pub fn note_keys(policy: &TrustPolicy, origin: &str) -> Vec<VerifierKey> {
    policy
        .logs
        .iter()
        .filter(|l| l.origin == origin)
        .map(|l| l.key.clone())
        .chain(policy.witness_keys())
        .collect()
}

/// The compact form of `signed` with the lines by the policy's keys for its log and witnesses.
fn compact_for(
    signed: &SignedCheckpoint,
    policy: &TrustPolicy,
) -> Result<CompactCheckpoint, ReceiptError> {
    let origin = &signed.checkpoint().origin;
    let keys = note_keys(policy, origin);
    CompactCheckpoint::from_signed(signed, &keys).map_err(|e| match e {
        NoteError::MissingSignatures => ReceiptError::Untrusted(format!(
            "checkpoint of {origin} carries no signature by a key the policy names"
        )),
        other => ReceiptError::Malformed(format!("checkpoint: {other}")),
    })
}

fn from_verdict(kind: VerdictKind) -> ReceiptError {
    match kind {
        VerdictKind::Untrusted(reason) => ReceiptError::Untrusted(reason),
        VerdictKind::Tampered(reason) => ReceiptError::Tampered(reason),
        other => ReceiptError::Tampered(format!("checkpoint: {}", other.name())),
    }
}

/// Says that a failure is about the newer checkpoint.
fn about_newer(e: ReceiptError) -> ReceiptError {
    match e {
        ReceiptError::Untrusted(reason) => {
            ReceiptError::Untrusted(format!("newer checkpoint: {reason}"))
        }
        ReceiptError::Tampered(reason) => {
            ReceiptError::Tampered(format!("newer checkpoint: {reason}"))
        }
        ReceiptError::Malformed(reason) => {
            ReceiptError::Malformed(format!("newer checkpoint: {reason}"))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
