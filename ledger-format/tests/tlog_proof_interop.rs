//! A receipt's c2sp.org/tlog-proof text, checked the way a third-party tool would: straight from
//! the spec (c2sp.org/tlog-proof, signed-note, tlog-cosignature, RFC 9162 §2.1.3.2), with
//! `sha2`, `ed25519-dalek` and `base64` only, none of this crate's parsers or verifiers. The
//! application's step 1 (the leaf and the hash asked about) follows docs/format.md#tlog-proof.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use ledger_format::checkpoint::{CompactCheckpoint, VerifierKey};
use ledger_format::receipt::{EvidenceReceipt, RECEIPT_VERSION};
use ledger_format::record::{Body, Record};
use ledger_format::testing::{self, Ledger, at};
use ledger_format::{Canonical, merkle, sha256};
use sha2::{Digest, Sha256};

const WITNESSES: u8 = 3;

/// A log of three pieces of evidence, and the tlog-proof of the one at `index`.
fn proof_text(index: u64) -> (Ledger, String) {
    let mut l = Ledger::default();
    for n in 0..3u8 {
        l.evidence(at("2026-11-23", 11 + i64::from(n)), sha256(&[n]));
    }
    let signed = l.checkpoint(at("2026-11-24", 9), WITNESSES);
    let keys = keys(&l);
    let receipt = EvidenceReceipt {
        version: RECEIPT_VERSION,
        record: l.log.records[index as usize].clone(),
        proof: merkle::inclusion_proof(index, l.tree.size(), &l.tree).unwrap(),
        checkpoint: CompactCheckpoint::from_signed(&signed, &keys).unwrap(),
    };
    let text = receipt.to_tlog_proof(&keys).unwrap().to_text();
    (l, text)
}

fn keys(l: &Ledger) -> Vec<VerifierKey> {
    let policy = l.policy(WITNESSES, 0);
    policy
        .logs
        .iter()
        .map(|l| l.key.clone())
        .chain(policy.witness_keys())
        .collect()
}

fn b64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).unwrap()
}

fn node(left: &[u8], right: &[u8]) -> Vec<u8> {
    Sha256::new()
        .chain_update([1])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .to_vec()
}

/// RFC 9162 §2.1.3.2: the root that `path` leads to from `leaf` at `index` in a tree of `size`.
fn root_from(leaf: Vec<u8>, index: u64, size: u64, path: &[Vec<u8>]) -> Option<Vec<u8>> {
    let (mut fnode, mut snode, mut r) = (index, size.checked_sub(1)?, leaf);
    for p in path {
        if snode == 0 {
            return None;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    (snode == 0).then_some(r)
}

/// Verifies the signature line by `name` over `message` with the raw Ed25519 key; `prefix` is the
/// byte count between the key ID and the signature (8 for a cosignature's timestamp).
fn signed_by(lines: &[&str], name: &str, key: &[u8], prefix: usize, message: &[u8]) -> bool {
    let Some(line) = lines
        .iter()
        .find_map(|l| l.strip_prefix(&format!("\u{2014} {name} ")))
    else {
        return false;
    };
    let bytes = b64(line);
    let signature = Signature::from_slice(&bytes[4 + prefix..]).unwrap();
    VerifyingKey::from_bytes(key.try_into().unwrap())
        .unwrap()
        .verify(message, &signature)
        .is_ok()
}

/// What a third-party tlog-proof verifier, plus the application's step 1, concludes about `text`:
/// the evidence hash the proof anchors, if every check holds.
fn third_party_check(l: &Ledger, text: &str) -> Option<[u8; 32]> {
    let (head, note) = text.split_once("\n\n")?;
    let mut lines = head.lines();
    (lines.next()? == "c2sp.org/tlog-proof@v1").then_some(())?;
    let extra = b64(lines.next()?.strip_prefix("extra ")?);
    let index: u64 = lines.next()?.strip_prefix("index ")?.parse().ok()?;
    let path: Vec<Vec<u8>> = lines.map(b64).collect();
    let (body, signatures) = note.rsplit_once("\n\n")?;
    let body = format!("{body}\n");
    let body_lines: Vec<&str> = body.lines().collect();
    let size: u64 = body_lines[1].parse().ok()?;
    let root = b64(body_lines[2]);
    let signature_lines: Vec<&str> = signatures.lines().collect();
    // The log's signature, then each witness's cosignature (c2sp.org/tlog-cosignature).
    let log_key = testing::agency_key().public_key();
    let log_key = log_key.as_bytes();
    signed_by(
        &signature_lines,
        testing::ORIGIN,
        log_key,
        0,
        body.as_bytes(),
    )
    .then_some(())?;
    for n in 0..WITNESSES {
        let name = testing::witness_name(n);
        let line = signature_lines.iter().find(|s| s.contains(&name))?;
        let timestamp = u64::from_be_bytes(b64(line.rsplit(' ').next()?)[4..12].try_into().ok()?);
        let message = format!("cosignature/v1\ntime {timestamp}\n{body}");
        let key = testing::witness_key(n).public_key();
        let key = key.as_bytes();
        signed_by(&signature_lines, &name, key, 8, message.as_bytes()).then_some(())?;
    }
    // The leaf is SHA-256(0x00 || extra); the proof leads from it to the signed root.
    let leaf = Sha256::new()
        .chain_update([0])
        .chain_update(&extra)
        .finalize();
    (root_from(leaf.to_vec(), index, size, &path)? == root).then_some(())?;
    // Step 1, the application's: `extra` is an evidence record of the hash (docs/format.md §5).
    let record = Record::decode_exact(&extra).ok()?;
    assert_eq!(record.header.origin, l.log.origin);
    match record.body {
        Body::Evidence(evidence) => Some(evidence.hash.0),
        _ => None,
    }
}

#[test]
fn a_third_party_checker_accepts_the_receipt() {
    for index in 0..3 {
        let (l, text) = proof_text(index);
        assert_eq!(
            third_party_check(&l, &text),
            Some(sha256(&[index as u8]).0),
            "{text}"
        );
    }
}

#[test]
fn a_third_party_checker_refuses_tampered_receipts() {
    let (l, text) = proof_text(1);
    // The record of another hash put in `extra`: the leaf no longer leads to the root.
    let other = l.log.records[2].encode();
    let extra_line = text.lines().nth(1).unwrap();
    let swapped = text.replacen(extra_line, &format!("extra {}", STANDARD.encode(other)), 1);
    assert_eq!(third_party_check(&l, &swapped), None);
    // Another index, and a root the log did not sign.
    assert_eq!(
        third_party_check(&l, &text.replacen("\nindex 1\n", "\nindex 0\n", 1)),
        None
    );
    let root_line = text.split("\n\n").nth(1).unwrap().lines().nth(2).unwrap();
    let forged_root = STANDARD.encode([7u8; 32]);
    assert_eq!(
        third_party_check(&l, &text.replacen(root_line, &forged_root, 1)),
        None
    );
}
