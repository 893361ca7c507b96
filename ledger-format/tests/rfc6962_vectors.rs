//! The published RFC 6962 vectors of transparency-dev/merkle (tests/vectors/rfc6962/SOURCE.md):
//! every inclusion and consistency file, golden and mutated, and the roots of every prefix of the
//! 8-leaf reference tree.
//!
//! The vectors carry some hashes that are not 32 bytes long ("don't care" roots, empty leaves,
//! empty "garbage" proof elements). Our API takes [`Hash`], so:
//! - a leaf hash of the wrong length cannot be expressed; the Go verifier rejects it by length,
//!   and we count it as rejected (it must be a `wantErr` case);
//! - a root or proof element of the wrong length is replaced by a 32-byte stand-in that can equal
//!   no real tree hash, and equals another stand-in only for equal bytes, so the verifier itself
//!   still has to find the error (wrong proof length, root mismatch...).

use std::path::{Path, PathBuf};

use ledger_format::encoding::from_base64;
use ledger_format::hash::{Hash, sha256_parts};
use ledger_format::merkle::{
    MemoryTree, consistency_proof, inclusion_proof, leaf_hash, root_at, verify_consistency,
    verify_inclusion,
};
use serde_json::Value;

/// Files in `inclusion/` and in `consistency/` (a missing directory or file fails the test).
const INCLUSION_FILES: usize = 98;
const CONSISTENCY_FILES: usize = 98;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/rfc6962")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bytes(v: &Value, field: &str) -> Vec<u8> {
    from_base64(v[field].as_str().unwrap()).unwrap()
}

/// A 32-byte value as a [`Hash`]; anything else as a stand-in no SHA-256 tree hash can equal.
fn hash_or_stand_in(b: &[u8]) -> Hash {
    match <[u8; 32]>::try_from(b) {
        Ok(a) => Hash(a),
        Err(_) => sha256_parts(&[b"not a 32-byte hash\0", b]),
    }
}

fn proof(v: &Value) -> Vec<Hash> {
    match &v["proof"] {
        Value::Null => vec![],
        Value::Array(items) => items
            .iter()
            .map(|i| hash_or_stand_in(&from_base64(i.as_str().unwrap()).unwrap()))
            .collect(),
        other => panic!("bad proof {other}"),
    }
}

/// The 8-leaf tree of `roots.json`.
fn reference_tree() -> MemoryTree {
    let roots = load(&dir().join("roots.json"));
    let leaves: Vec<Vec<u8>> = roots["leaf_inputs_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hex::decode(h.as_str().unwrap()).unwrap())
        .collect();
    MemoryTree::from_leaves(
        ledger_format::suite::Suite::Ed25519Sha256,
        leaves.iter().map(Vec::as_slice),
    )
    .unwrap()
}

#[test]
fn roots_of_every_prefix() {
    let roots = load(&dir().join("roots.json"));
    let want = roots["root_by_size_hex"].as_array().unwrap();
    assert_eq!(want.len(), 9);
    let tree = reference_tree();
    for (size, hex_root) in want.iter().enumerate() {
        let want = Hash::from_hex(hex_root.as_str().unwrap()).unwrap();
        assert_eq!(root_at(size as u64, &tree).unwrap(), want, "size {size}");
    }
    assert_eq!(tree.root().to_hex(), want[8].as_str().unwrap());
    assert_eq!(
        leaf_hash(ledger_format::suite::Suite::Ed25519Sha256, b"").to_hex(),
        want[1].as_str().unwrap()
    );
}

/// Counts of what a vector run did.
#[derive(Default, Debug)]
struct Tally {
    files: usize,
    accepted: usize,
    rejected: usize,
    rejected_by_leaf_length: usize,
    generated_and_compared: usize,
}

#[test]
fn inclusion_vectors() {
    let tree = reference_tree();
    let mut files = Vec::new();
    json_files(&dir().join("inclusion"), &mut files);
    let mut tally = Tally::default();
    for path in &files {
        let v = load(path);
        let want_err = v["wantErr"].as_bool().unwrap();
        let (index, size) = (
            v["leafIdx"].as_u64().unwrap(),
            v["treeSize"].as_u64().unwrap(),
        );
        let root = hash_or_stand_in(&bytes(&v, "root"));
        let path_hashes = proof(&v);
        tally.files += 1;
        let Ok(leaf) = <[u8; 32]>::try_from(bytes(&v, "leafHash")) else {
            assert!(want_err, "{}", path.display());
            tally.rejected_by_leaf_length += 1;
            continue;
        };
        let got = verify_inclusion(
            ledger_format::suite::Suite::Ed25519Sha256,
            &Hash(leaf),
            index,
            size,
            &path_hashes,
            &root,
        );
        assert_eq!(got.is_err(), want_err, "{}: {got:?}", path.display());
        if want_err {
            tally.rejected += 1;
            continue;
        }
        tally.accepted += 1;
        // Golden proofs over the 8-leaf tree: ours must be byte-identical.
        if size <= tree.size() && root_at(size, &tree).unwrap() == root {
            let ours = inclusion_proof(index, size, &tree).unwrap();
            assert_eq!(ours.path, path_hashes, "{}", path.display());
            tally.generated_and_compared += 1;
        }
    }
    println!("inclusion: {tally:?}");
    assert_eq!(tally.files, INCLUSION_FILES);
    assert_eq!(tally.accepted, 6);
    assert_eq!(tally.generated_and_compared, 5);
    assert_eq!(tally.rejected_by_leaf_length, 11);
}

#[test]
fn consistency_vectors() {
    let tree = reference_tree();
    let mut files = Vec::new();
    json_files(&dir().join("consistency"), &mut files);
    let mut tally = Tally::default();
    for path in &files {
        let v = load(path);
        let want_err = v["wantErr"].as_bool().unwrap();
        let (size1, size2) = (v["size1"].as_u64().unwrap(), v["size2"].as_u64().unwrap());
        let root1 = hash_or_stand_in(&bytes(&v, "root1"));
        let root2 = hash_or_stand_in(&bytes(&v, "root2"));
        let proof_hashes = proof(&v);
        tally.files += 1;
        let got = verify_consistency(
            ledger_format::suite::Suite::Ed25519Sha256,
            size1,
            size2,
            &proof_hashes,
            &root1,
            &root2,
        );
        assert_eq!(got.is_err(), want_err, "{}: {got:?}", path.display());
        if want_err {
            tally.rejected += 1;
            continue;
        }
        tally.accepted += 1;
        if size2 <= tree.size() && root_at(size2, &tree).unwrap() == root2 {
            let ours = consistency_proof(size1, size2, &tree).unwrap();
            assert_eq!(ours.path, proof_hashes, "{}", path.display());
            assert_eq!(root_at(size1, &tree).unwrap(), root1);
            tally.generated_and_compared += 1;
        }
    }
    println!("consistency: {tally:?}");
    assert_eq!(tally.files, CONSISTENCY_FILES);
    assert_eq!(tally.accepted, 6);
    assert_eq!(tally.generated_and_compared, 5);
}
