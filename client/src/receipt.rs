//! Evidence receipts (docs/format.md#receipt): the format and its verifier live in
//! `ledger_format::receipt`, shared with the node that issues receipts; this module adds the file
//! forms a receipt travels in (canonical BCS bytes, or JSON with hex strings).

use ledger_format::Canonical;
pub use ledger_format::receipt::{
    EvidenceReceipt, MAX_RECEIPT_LEN, RECEIPT_VERSION, ReceiptError, ReceiptInfo, verify_receipt,
};

/// Reads a receipt file: JSON when it starts with `{` (after white space), otherwise the canonical
/// BCS bytes.
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
