//! Building offline bundles and evidence receipts from a store (docs/format.md#bundle).
//!
//! A bundle pairs the latest checkpoint with the state and map proof of the same checkpoint. The
//! sequencer writes map, checkpointed states and checkpoint in one batch, but a reader may read the
//! checkpoint before a new one lands and the map after: so the export checks its own result and
//! retries, which is cheaper than holding a snapshot open for every read.

use ledger_format::Canonical;
use ledger_format::bundle::{BUNDLE_VERSION, Bundle, ProvenRecord};
use ledger_format::checkpoint::{CompactCheckpoint, SignedCheckpoint, VerifierKey};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::keys::PublicKey;
use ledger_format::map;
use ledger_format::merkle::inclusion_proof;
use ledger_format::receipt::{EvidenceReceipt, RECEIPT_VERSION};
use ledger_format::record::Record;

use crate::store::{MapReader, Store, StoreError, StoredCheckpoint, TreeReader};

/// How often an export is retried when a checkpoint lands while it reads.
const EXPORT_ATTEMPTS: usize = 5;

/// Why an export failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// No checkpoint has been signed yet.
    #[error("no checkpoint yet")]
    NoCheckpoint,
    /// The record is newer than the latest checkpoint: wait for the next one.
    #[error("record {index} is not yet covered by a checkpoint (size {size})")]
    NotYetCovered {
        /// The record's index.
        index: u64,
        /// The latest checkpoint's size.
        size: u64,
    },
    /// The submitter never anchored this hash.
    #[error("hash not anchored by this submitter")]
    UnknownEvidence,
    /// The store failed or contradicts itself.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

fn corrupted(key: &str, reason: impl std::fmt::Display) -> ExportError {
    ExportError::Store(StoreError::Corrupted {
        key: key.to_owned(),
        reason: reason.to_string(),
    })
}

/// The latest signed checkpoint, parsed.
///
/// # Errors
/// [`ExportError::NoCheckpoint`] or a store error.
pub fn latest_checkpoint<S: Store + ?Sized>(store: &S) -> Result<SignedCheckpoint, ExportError> {
    let stored = store
        .latest_checkpoint()?
        .ok_or(ExportError::NoCheckpoint)?;
    with_cosignatures(store, &stored)
}

/// How many recent checkpoints an export looks through for the best-cosigned one.
const COSIGNED_LOOKBACK: usize = 16;

/// The checkpoint to export with: among the latest checkpoint and the few before it that satisfy
/// `usable` and are signed by the same log key, the one carrying the most cosignatures (the newest
/// of those). Witnesses cosign a checkpoint a moment after it is signed, so under steady writes the
/// latest one often has none yet while its predecessor has a quorum. A predecessor signed by the
/// key before a rotation is never taken: its cosignatures date from after the rotation, when
/// verifiers no longer trust that key (docs/format.md#key-rotation).
///
/// # Errors
/// [`ExportError::NoCheckpoint`] or a store error.
pub fn best_checkpoint<S: Store + ?Sized>(
    store: &S,
    usable: impl Fn(&SignedCheckpoint) -> bool,
) -> Result<SignedCheckpoint, ExportError> {
    let latest = latest_checkpoint(store)?;
    let log_key = log_key_id(&latest);
    let mut best = latest.clone();
    let mut best_count = best.note().signatures().len();
    for stored in store.checkpoints_before(latest.checkpoint().size, COSIGNED_LOOKBACK)? {
        let candidate = with_cosignatures(store, &stored)?;
        let count = candidate.note().signatures().len();
        if count > best_count && usable(&candidate) && log_key_id(&candidate) == log_key {
            best_count = count;
            best = candidate;
        }
    }
    Ok(best)
}

/// The key ID of the log's own signature on `signed` (the line named by its origin).
fn log_key_id(signed: &SignedCheckpoint) -> Option<ledger_format::checkpoint::KeyId> {
    let origin = &signed.checkpoint().origin;
    signed
        .note()
        .signatures()
        .iter()
        .find(|line| line.name() == origin)
        .map(|line| line.key_id())
}

/// A stored checkpoint with the cosignatures collected for it, parsed.
///
/// # Errors
/// A store error when the note does not parse.
pub fn with_cosignatures<S: Store + ?Sized>(
    store: &S,
    stored: &StoredCheckpoint,
) -> Result<SignedCheckpoint, ExportError> {
    let key = format!("checkpoints/{}", stored.size);
    let mut signed = SignedCheckpoint::parse(&stored.note).map_err(|e| corrupted(&key, e))?;
    for line in store.cosignatures(stored.size)? {
        if let Err(e) = signed.add_signature_line(&line) {
            tracing::warn!(size = stored.size, error = %e, "skipping a stored cosignature line");
        }
    }
    Ok(signed)
}

/// The note text served for a stored checkpoint: the log's signature and the cosignatures.
///
/// # Errors
/// A store error.
pub fn served_note<S: Store + ?Sized>(
    store: &S,
    stored: &StoredCheckpoint,
) -> Result<String, ExportError> {
    Ok(with_cosignatures(store, stored)?.to_note_text())
}

/// The compact form of `signed` with the signature lines of `keys` (the log key and the witnesses
/// whose cosignatures the node vouches with).
///
/// # Errors
/// A store error when the note lacks the log's own signature.
pub fn compact(
    signed: &SignedCheckpoint,
    keys: &[VerifierKey],
) -> Result<CompactCheckpoint, ExportError> {
    CompactCheckpoint::from_signed(signed, keys).map_err(|e| corrupted("meta/latest-checkpoint", e))
}

/// The offline bundle of `code` at the latest checkpoint, with the certificate's records and their
/// inclusion proofs when `with_records`.
///
/// # Errors
/// [`ExportError::NoCheckpoint`] before the first checkpoint; store errors.
pub fn bundle<S: Store + ?Sized>(
    store: &S,
    keys: &[VerifierKey],
    code: &CertificateCode,
    with_records: bool,
) -> Result<Bundle, ExportError> {
    let mut last_error = ExportError::NoCheckpoint;
    for _ in 0..EXPORT_ATTEMPTS {
        match try_bundle(store, keys, code, with_records) {
            Ok(Some(bundle)) => return Ok(bundle),
            Ok(None) => last_error = corrupted("map", "changed during every export attempt"),
            Err(e) => return Err(e),
        }
    }
    Err(last_error)
}

/// One attempt; `None` when a checkpoint landed between the reads.
fn try_bundle<S: Store + ?Sized>(
    store: &S,
    keys: &[VerifierKey],
    code: &CertificateCode,
    with_records: bool,
) -> Result<Option<Bundle>, ExportError> {
    let latest = latest_checkpoint(store)?;
    let map_root = latest.checkpoint().map_root;
    let signed = best_checkpoint(store, |c| c.checkpoint().map_root == map_root)?;
    let checkpoint = signed.checkpoint();
    let key = map::map_key(store.suite(), code.as_str().as_bytes());
    let map_proof = match map::prove(&MapReader(store), checkpoint.map_root, key) {
        Ok(proof) => proof,
        Err(map::MapError::StaleRoot { .. }) => return Ok(None),
        Err(e) => return Err(corrupted("map", e)),
    };
    let state = store.checkpointed_state(code)?;
    let value = state.as_ref().map(|s| s.map_value_hash(store.suite()));
    if map::verify(store.suite(), checkpoint.map_root, key, value, &map_proof).is_err() {
        return Ok(None);
    }
    let records = match (&state, with_records) {
        (Some(state), true) => proven_records(store, code, state.latest_index, checkpoint.size)?,
        _ => Vec::new(),
    };
    Ok(Some(Bundle {
        version: BUNDLE_VERSION,
        code: code.clone(),
        state,
        map_proof,
        checkpoint: compact(&signed, keys)?,
        records,
    }))
}

fn proven_records<S: Store + ?Sized>(
    store: &S,
    code: &CertificateCode,
    up_to: u64,
    size: u64,
) -> Result<Vec<ProvenRecord>, ExportError> {
    let mut out = Vec::new();
    for index in store
        .code_records(code)?
        .into_iter()
        .filter(|i| *i <= up_to)
    {
        let record = read_record(store, index)?;
        let proof =
            inclusion_proof(index, size, &TreeReader(store)).map_err(|e| corrupted("tree", e))?;
        out.push(ProvenRecord { record, proof });
    }
    Ok(out)
}

/// Reads and decodes record `index`.
///
/// # Errors
/// A store error when it is missing or does not decode.
pub fn read_record<S: Store + ?Sized>(store: &S, index: u64) -> Result<Record, ExportError> {
    let key = format!("record/{index}");
    let bytes = store
        .record(index)?
        .ok_or_else(|| corrupted(&key, "missing"))?;
    Record::decode_exact(&bytes).map_err(|e| corrupted(&key, e))
}

/// `receipt` in the C2SP tlog-proof text form (docs/format.md#tlog-proof), its checkpoint note
/// naming the signatures after `keys`, the keys its compact checkpoint was made with.
///
/// # Errors
/// A store error when the receipt's checkpoint cannot be named by `keys`.
pub fn tlog_proof_text(
    receipt: &EvidenceReceipt,
    keys: &[VerifierKey],
) -> Result<String, ExportError> {
    receipt
        .to_tlog_proof(keys)
        .map(|proof| proof.to_text())
        .map_err(|e| corrupted("receipt", e))
}

/// The receipt of `hash` anchored by `submitter`, against the latest checkpoint.
///
/// # Errors
/// [`ExportError::UnknownEvidence`], [`ExportError::NotYetCovered`] until the next checkpoint, or a
/// store error.
pub fn receipt<S: Store + ?Sized>(
    store: &S,
    keys: &[VerifierKey],
    submitter: &PublicKey,
    hash: &Hash,
) -> Result<EvidenceReceipt, ExportError> {
    let index = store
        .evidence_index(submitter, hash)?
        .ok_or(ExportError::UnknownEvidence)?;
    let signed = best_checkpoint(store, |c| c.checkpoint().size > index)?;
    let size = signed.checkpoint().size;
    if index >= size {
        return Err(ExportError::NotYetCovered { index, size });
    }
    let record = read_record(store, index)?;
    let proof =
        inclusion_proof(index, size, &TreeReader(store)).map_err(|e| corrupted("tree", e))?;
    Ok(EvidenceReceipt {
        version: RECEIPT_VERSION,
        record,
        proof,
        checkpoint: compact(&signed, keys)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{LogIdentity, MemoryStore, WriteBatch};
    use ledger_format::checkpoint::Checkpoint;
    use ledger_format::keys::SigningKey;
    use ledger_format::testing;

    fn stored(size: u64, key: &SigningKey) -> StoredCheckpoint {
        let checkpoint = Checkpoint {
            origin: testing::ORIGIN.into(),
            size,
            root: ledger_format::sha256(&size.to_be_bytes()),
            map_root: ledger_format::sha256(b"map"),
            timestamp: 1_800_000_000,
        };
        let signed = SignedCheckpoint::sign(checkpoint, testing::ORIGIN, key).unwrap();
        StoredCheckpoint {
            size,
            note: signed.to_note_text(),
        }
    }

    fn cosignature(stored: &StoredCheckpoint, n: u8) -> (u64, String, String) {
        let mut signed = SignedCheckpoint::parse(&stored.note).unwrap();
        let name = testing::witness_name(n);
        signed
            .add_cosignature(&name, &testing::witness_key(n), 1_800_000_001)
            .unwrap();
        let line = signed
            .note()
            .signatures()
            .iter()
            .find(|l| l.name() == name)
            .unwrap()
            .to_line();
        (stored.size, name, line)
    }

    #[test]
    fn a_checkpoint_of_the_key_before_a_rotation_is_not_exported() {
        let store = MemoryStore::new(LogIdentity {
            origin: testing::ORIGIN.into(),
            genesis_key: testing::agency_key().public_key(),
        });
        let new_key = SigningKey::from_seed(&[71; 32]);
        let cosigned_old = stored(5, &testing::agency_key());
        let cosigned_new = stored(6, &new_key);
        let latest = stored(7, &new_key);
        for (checkpoint, witnesses) in [(&cosigned_old, 3), (&cosigned_new, 1), (&latest, 0)] {
            store
                .write(WriteBatch {
                    checkpoint: Some(checkpoint.clone()),
                    cosignatures: (0..witnesses).map(|n| cosignature(checkpoint, n)).collect(),
                    ..WriteBatch::default()
                })
                .unwrap();
        }
        // The old key's checkpoint carries the most cosignatures, but the new key's is taken.
        let best = best_checkpoint(&store, |_| true).unwrap();
        assert_eq!(best.checkpoint().size, 6);
    }
}
