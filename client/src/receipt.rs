//! Evidence receipts (docs/format.md#receipt): the format and its verifier live in
//! `ledger_format::receipt`, shared with the node that issues receipts; this module adds the file
//! forms a receipt travels in (canonical BCS bytes, JSON with hex strings, or the C2SP tlog-proof
//! text), and the files of a newer checkpoint to check a receipt against.

use ledger_format::Canonical;
use ledger_format::bundle::TrustPolicy;
use ledger_format::checkpoint::SignedCheckpoint;
use ledger_format::merkle::ConsistencyProof;
pub use ledger_format::receipt::{
    ConsistentCheckpoint, EvidenceReceipt, MAX_RECEIPT_LEN, NewerCheckpoint, RECEIPT_VERSION,
    ReceiptError, ReceiptInfo, note_keys, verify_receipt, verify_receipt_extended,
};
pub use ledger_format::tlog_proof::{TLOG_PROOF_HEADER, TlogProof};

/// What every tlog-proof's first line starts with, whatever its version.
const TLOG_PROOF_PREFIX: &[u8] = b"c2sp.org/tlog-proof";

/// Reads a receipt file in any of its forms: the C2SP tlog-proof text when its first line starts
/// with `c2sp.org/tlog-proof`, else as [`read_receipt`]. The tlog-proof's checkpoint note keeps the
/// signature lines by keys of `policy` (which names them).
///
/// # Errors
/// [`ReceiptError::Malformed`] when the bytes are none of the forms;
/// [`ReceiptError::Untrusted`] when a tlog-proof's checkpoint has no line by a key of `policy`.
pub fn read_receipt_for(
    bytes: &[u8],
    policy: &TrustPolicy,
) -> Result<EvidenceReceipt, ReceiptError> {
    if bytes.starts_with(TLOG_PROOF_PREFIX) {
        let proof = TlogProof::from_bytes(bytes)
            .map_err(|e| ReceiptError::Malformed(format!("tlog-proof: {e}")))?;
        return EvidenceReceipt::from_tlog_proof(&proof, policy);
    }
    read_receipt(bytes)
}

/// The receipt as c2sp.org/tlog-proof text (docs/format.md#tlog-proof), its checkpoint's
/// signature lines named after the keys of `policy`.
///
/// # Errors
/// [`ReceiptError::Untrusted`] when `policy` does not name every signature of the receipt's
/// compact checkpoint.
pub fn tlog_proof_text(
    receipt: &EvidenceReceipt,
    policy: &TrustPolicy,
) -> Result<String, ReceiptError> {
    let keys = note_keys(policy, &receipt.checkpoint.origin);
    let proof = receipt.to_tlog_proof(&keys).map_err(|e| {
        ReceiptError::Untrusted(format!(
            "the policy does not name the checkpoint's keys: {e}"
        ))
    })?;
    Ok(proof.to_text())
}

/// Reads a newer checkpoint and its consistency proof: the note text `GET /v1/checkpoint` (or
/// `/v1/checkpoints/{size}`) serves, and the JSON of `GET /v1/proofs/consistency`.
///
/// # Errors
/// [`ReceiptError::Malformed`] naming the file that does not parse.
pub fn read_newer_checkpoint(
    note: &[u8],
    consistency: &[u8],
) -> Result<NewerCheckpoint, ReceiptError> {
    let text = std::str::from_utf8(note)
        .map_err(|_| ReceiptError::Malformed("newer checkpoint: not utf-8".into()))?;
    let checkpoint = SignedCheckpoint::parse(text)
        .map_err(|e| ReceiptError::Malformed(format!("newer checkpoint: {e}")))?;
    let consistency: ConsistencyProof = serde_json::from_slice(consistency)
        .map_err(|e| ReceiptError::Malformed(format!("consistency proof: {e}")))?;
    consistency
        .validate()
        .map_err(|e| ReceiptError::Malformed(format!("consistency proof: {e}")))?;
    Ok(NewerCheckpoint {
        checkpoint,
        consistency,
    })
}

/// Reads a receipt file in a form that needs no policy: JSON when it starts with `{` (after white
/// space), otherwise the canonical BCS bytes.
///
/// # Errors
/// [`ReceiptError::Malformed`] when the bytes are neither.
pub fn read_receipt(bytes: &[u8]) -> Result<EvidenceReceipt, ReceiptError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        let receipt: EvidenceReceipt = serde_json::from_slice(bytes)
            .map_err(|e| ReceiptError::Malformed(format!("JSON: {e}")))?;
        receipt
            .validate()
            .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        Ok(receipt)
    } else {
        EvidenceReceipt::decode_exact(bytes).map_err(|e| ReceiptError::Malformed(e.to_string()))
    }
}

/// The receipt as pretty JSON (hashes, keys and signatures in hex).
///
/// # Errors
/// Never in practice: every field serializes to JSON.
pub fn receipt_json(receipt: &EvidenceReceipt) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(receipt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::checkpoint::{CompactCheckpoint, VerifierKey};
    use ledger_format::testing::{Ledger, at};
    use ledger_format::{merkle, sha256};

    fn receipt() -> EvidenceReceipt {
        let mut l = Ledger::default();
        l.evidence(at("2026-11-23", 11), sha256(b"snapshot a"));
        let signed = l.checkpoint(at("2026-11-24", 9), 1);
        let policy = l.policy(1, 0);
        let keys: Vec<VerifierKey> = policy
            .logs
            .iter()
            .map(|l| l.key.clone())
            .chain(policy.witness_keys())
            .collect();
        EvidenceReceipt {
            version: RECEIPT_VERSION,
            record: l.log.records[0].clone(),
            proof: merkle::inclusion_proof(0, l.tree.size(), &l.tree).unwrap(),
            checkpoint: CompactCheckpoint::from_signed(&signed, &keys).unwrap(),
        }
    }

    #[test]
    fn file_forms_round_trip() {
        let r = receipt();
        let bytes = r.encode();
        assert_eq!(read_receipt(&bytes), Ok(r.clone()));
        let json = receipt_json(&r).unwrap();
        assert!(json.contains(&sha256(b"snapshot a").to_hex()), "{json}");
        assert_eq!(read_receipt(json.as_bytes()), Ok(r.clone()));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            read_receipt(&trailing),
            Err(ReceiptError::Malformed(_))
        ));
        assert!(matches!(
            read_receipt(b"{\"record\": 1}"),
            Err(ReceiptError::Malformed(_))
        ));
    }
}
