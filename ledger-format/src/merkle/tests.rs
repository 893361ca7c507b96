//! Unit, exhaustive and property tests of the Merkle tree against a naive RFC 6962 reference.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;
use crate::encoding::{Canonical, DecodeError};

/// Leaves used by the exhaustive tests.
const LEAVES: u64 = 300;

fn leaf_data(i: u64) -> Vec<u8> {
    format!("leaf {i}").into_bytes()
}

fn tree() -> &'static MemoryTree {
    static TREE: OnceLock<MemoryTree> = OnceLock::new();
    TREE.get_or_init(|| {
        let data: Vec<Vec<u8>> = (0..LEAVES).map(leaf_data).collect();
        MemoryTree::from_leaves(
            crate::suite::Suite::Ed25519Sha256,
            data.iter().map(Vec::as_slice),
        )
        .unwrap()
    })
}

/// RFC 6962 §2.1.1 and §2.1.2 written as the RFC states them, recursively over leaf ranges, with
/// `MTH` memoised so that the exhaustive tests stay fast.
struct Reference {
    leaves: Vec<Hash>,
    /// `MTH(D[a:b])` at `a * (n + 1) + b`, once computed.
    memo: RefCell<Vec<Option<Hash>>>,
}

impl Reference {
    fn new(n: u64) -> Self {
        Reference {
            leaves: (0..n)
                .map(|i| leaf_hash(crate::suite::Suite::Ed25519Sha256, &leaf_data(i)))
                .collect(),
            memo: RefCell::new(vec![None; (n as usize + 1) * (n as usize + 1)]),
        }
    }

    /// The largest power of two smaller than n.
    fn k(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// MTH(D[a:b]).
    fn mth(&self, a: usize, b: usize) -> Hash {
        let slot = a * (self.leaves.len() + 1) + b;
        if let Some(h) = self.memo.borrow()[slot] {
            return h;
        }
        let h = match b - a {
            0 => crate::sha256(b""),
            1 => self.leaves[a],
            n => {
                let k = Self::k(n);
                node_hash(
                    crate::suite::Suite::Ed25519Sha256,
                    &self.mth(a, a + k),
                    &self.mth(a + k, b),
                )
            }
        };
        self.memo.borrow_mut()[slot] = Some(h);
        h
    }

    /// PATH(m, D[a:b]).
    fn path(&self, m: usize, a: usize, b: usize) -> Vec<Hash> {
        let n = b - a;
        if n == 1 {
            return vec![];
        }
        let k = Self::k(n);
        if m < k {
            let mut p = self.path(m, a, a + k);
            p.push(self.mth(a + k, b));
            p
        } else {
            let mut p = self.path(m - k, a + k, b);
            p.push(self.mth(a, a + k));
            p
        }
    }

    /// SUBPROOF(m, D[a:b], whole).
    fn subproof(&self, m: usize, a: usize, b: usize, whole: bool) -> Vec<Hash> {
        let n = b - a;
        if m == n {
            return if whole { vec![] } else { vec![self.mth(a, b)] };
        }
        let k = Self::k(n);
        if m <= k {
            let mut p = self.subproof(m, a, a + k, whole);
            p.push(self.mth(a + k, b));
            p
        } else {
            let mut p = self.subproof(m - k, a + k, b, false);
            p.push(self.mth(a, a + k));
            p
        }
    }
}

fn reference() -> &'static Reference {
    thread_local! {
        static REF: &'static Reference = Box::leak(Box::new(Reference::new(LEAVES)));
    }
    REF.with(|r| *r)
}

/// A reader that counts its calls and the ids asked for.
struct Counting<'a> {
    inner: &'a MemoryTree,
    calls: Cell<usize>,
    ids: Cell<usize>,
}

impl<'a> Counting<'a> {
    fn new(inner: &'a MemoryTree) -> Self {
        Counting {
            inner,
            calls: Cell::new(0),
            ids: Cell::new(0),
        }
    }
}

impl HashReader for Counting<'_> {
    fn suite(&self) -> crate::suite::Suite {
        crate::suite::Suite::Ed25519Sha256
    }

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MerkleError> {
        self.calls.set(self.calls.get() + 1);
        self.ids.set(self.ids.get() + ids.len());
        self.inner.read_hashes(ids)
    }
}

/// A tree of `u64::MAX` identical leaves, for sizes no memory can hold: every node of a level has
/// the same hash.
struct Uniform([Hash; 64]);

impl Uniform {
    fn new() -> Self {
        let mut levels = [leaf_hash(crate::suite::Suite::Ed25519Sha256, b"same"); 64];
        for l in 1..64 {
            levels[l] = node_hash(
                crate::suite::Suite::Ed25519Sha256,
                &levels[l - 1],
                &levels[l - 1],
            );
        }
        Uniform(levels)
    }
}

impl HashReader for Uniform {
    fn suite(&self) -> crate::suite::Suite {
        crate::suite::Suite::Ed25519Sha256
    }

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MerkleError> {
        Ok(ids.iter().map(|id| self.0[usize::from(id.level)]).collect())
    }
}

#[test]
fn hash_functions_known_answers() {
    // RFC 9162 §2.1.1 / transparency-dev/merkle testonly/constants.go.
    assert_eq!(
        empty_root(crate::suite::Suite::Ed25519Sha256).to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        leaf_hash(crate::suite::Suite::Ed25519Sha256, b"").to_hex(),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
    let (a, b) = (
        leaf_hash(crate::suite::Suite::Ed25519Sha256, b""),
        leaf_hash(crate::suite::Suite::Ed25519Sha256, &[0x00]),
    );
    assert_eq!(
        node_hash(crate::suite::Suite::Ed25519Sha256, &a, &b).to_hex(),
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
    );
    assert_eq!(
        MemoryTree::new(crate::suite::Suite::Ed25519Sha256).root(),
        empty_root(crate::suite::Suite::Ed25519Sha256)
    );
    assert_eq!(
        root_at(0, &MemoryTree::new(crate::suite::Suite::Ed25519Sha256)).unwrap(),
        empty_root(crate::suite::Suite::Ed25519Sha256)
    );
}

#[test]
fn node_id_keys_sort_by_level_then_index() {
    let ids = [
        NodeId::leaf(0),
        NodeId::leaf(1),
        NodeId::leaf(256),
        NodeId::leaf(u64::MAX),
        NodeId { level: 1, index: 0 },
        NodeId {
            level: 63,
            index: 1,
        },
    ];
    for pair in ids.windows(2) {
        assert!(pair[0].to_key() < pair[1].to_key());
        assert!(pair[0] < pair[1]);
    }
    for id in ids {
        assert_eq!(NodeId::from_key(&id.to_key()), id);
    }
    assert_eq!(
        NodeId {
            level: 2,
            index: 0x0102
        }
        .to_key(),
        [2, 0, 0, 0, 0, 0, 0, 1, 2]
    );
}

#[test]
fn append_returns_every_complete_subtree_once() {
    let mut frontier = Frontier::new(crate::suite::Suite::Ed25519Sha256);
    let mut stored = HashMap::new();
    for i in 0..LEAVES {
        for (id, hash) in frontier
            .append(leaf_hash(crate::suite::Suite::Ed25519Sha256, &leaf_data(i)))
            .unwrap()
        {
            assert!(stored.insert(id, hash).is_none(), "{id:?} stored twice");
        }
        let n = i + 1;
        assert_eq!(stored.len() as u64, 2 * n - u64::from(n.count_ones()));
    }
    let r = reference();
    for (id, hash) in stored {
        let width = 1usize << id.level;
        let start = id.index as usize * width;
        assert_eq!(hash, r.mth(start, start + width), "{id:?}");
    }
}

#[test]
fn roots_and_frontiers_at_every_size() {
    let mut frontier = Frontier::new(crate::suite::Suite::Ed25519Sha256);
    for size in 0..=LEAVES {
        let counting = Counting::new(tree());
        let root = root_at(size, &counting).unwrap();
        assert_eq!(counting.calls.get(), usize::from(size > 0));
        assert_eq!(root, reference().mth(0, size as usize), "size {size}");
        assert_eq!(frontier.root(), root);
        let loaded = Frontier::load(size, tree()).unwrap();
        assert_eq!(loaded, frontier);
        assert_eq!(loaded.root(), root);
        assert_eq!(loaded.ids().len(), loaded.hashes().len());
        if size < LEAVES {
            frontier
                .append(leaf_hash(
                    crate::suite::Suite::Ed25519Sha256,
                    &leaf_data(size),
                ))
                .unwrap();
        }
    }
    assert_eq!(tree().root(), frontier.root());
}

#[test]
fn inclusion_proofs_match_reference_for_every_index_and_size() {
    let r = reference();
    for size in 1..=LEAVES {
        let root = r.mth(0, size as usize);
        for index in 0..size {
            let counting = Counting::new(tree());
            let proof = inclusion_proof(index, size, &counting).unwrap();
            assert_eq!(counting.calls.get(), usize::from(!proof.path.is_empty()));
            let want = r.path(index as usize, 0, size as usize);
            assert_eq!(proof.path, want, "index {index} size {size}");
            assert_eq!(proof.path.len(), inclusion_proof_len(index, size).unwrap());
            proof
                .verify(
                    crate::suite::Suite::Ed25519Sha256,
                    &r.leaves[index as usize],
                    &root,
                )
                .unwrap();
        }
    }
}

#[test]
fn consistency_proofs_match_reference_for_every_pair_of_sizes() {
    let r = reference();
    for size2 in 1..=200u64 {
        let root2 = r.mth(0, size2 as usize);
        for size1 in 1..=size2 {
            let counting = Counting::new(tree());
            let proof = consistency_proof(size1, size2, &counting).unwrap();
            assert!(counting.calls.get() <= 1);
            let want = r.subproof(size1 as usize, 0, size2 as usize, true);
            assert_eq!(proof.path, want, "{size1} -> {size2}");
            let root1 = r.mth(0, size1 as usize);
            proof
                .verify(crate::suite::Suite::Ed25519Sha256, &root1, &root2)
                .unwrap();
            // A proof for the wrong pair of roots fails (on small trees, to keep the test fast).
            if size1 < size2 && size2 <= 64 {
                assert!(
                    proof
                        .verify(crate::suite::Suite::Ed25519Sha256, &root2, &root2)
                        .is_err()
                );
                assert!(
                    proof
                        .verify(crate::suite::Suite::Ed25519Sha256, &root1, &root1)
                        .is_err()
                );
            }
        }
    }
}

#[test]
fn reads_stay_logarithmic_at_huge_sizes() {
    let size = u64::MAX;
    let counting = Counting::new(tree());
    let _ = root_at(size, &counting);
    assert!(counting.ids.get() <= 64);
    let uniform = Uniform::new();
    for (index, size1) in [
        (0, u64::MAX),
        (u64::MAX - 1, u64::MAX),
        (1 << 40, (1 << 62) + 3),
    ] {
        let proof = inclusion_proof(index, size1, &uniform).unwrap();
        assert_eq!(proof.path.len(), inclusion_proof_len(index, size1).unwrap());
        let root = root_at(size1, &uniform).unwrap();
        proof
            .verify(crate::suite::Suite::Ed25519Sha256, &uniform.0[0], &root)
            .unwrap();
        let root_of_other = root_at(size1 - 1, &uniform).unwrap();
        assert!(
            proof
                .verify(
                    crate::suite::Suite::Ed25519Sha256,
                    &uniform.0[0],
                    &root_of_other
                )
                .is_err()
        );
    }
    let proof = consistency_proof(u64::MAX - 2, u64::MAX, &uniform).unwrap();
    assert_eq!(proof.path.len(), MAX_CONSISTENCY_PROOF_LEN);
    let root1 = root_at(u64::MAX - 2, &uniform).unwrap();
    let root2 = root_at(u64::MAX, &uniform).unwrap();
    proof
        .verify(crate::suite::Suite::Ed25519Sha256, &root1, &root2)
        .unwrap();
    proof.validate().unwrap();
}

#[test]
fn generation_errors() {
    let t = tree();
    assert_eq!(
        inclusion_proof(5, 5, t),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert_eq!(
        consistency_proof(3, 2, t),
        Err(MerkleError::SizeOrder { size1: 3, size2: 2 })
    );
    assert_eq!(consistency_proof(0, 2, t), Err(MerkleError::EmptyOldTree));
    assert_eq!(consistency_proof(7, 7, t).unwrap().path, vec![]);
    // The tree holds 300 leaves: leaf 300 is missing.
    assert_eq!(
        root_at(LEAVES + 1, t),
        Err(MerkleError::MissingNode(NodeId::leaf(LEAVES)))
    );
    assert!(matches!(
        Frontier::load(LEAVES + 1, t),
        Err(MerkleError::MissingNode(_))
    ));
    struct Short;
    impl HashReader for Short {
        fn suite(&self) -> crate::suite::Suite {
            crate::suite::Suite::Ed25519Sha256
        }

        fn read_hashes(&self, _: &[NodeId]) -> Result<Vec<Hash>, MerkleError> {
            Ok(vec![])
        }
    }
    assert_eq!(
        root_at(3, &Short),
        Err(MerkleError::ReadCount {
            expected: 2,
            got: 0
        })
    );
}

#[test]
fn full_tree_refuses_to_append() {
    let uniform = Uniform::new();
    let mut frontier = Frontier::load(u64::MAX, &uniform).unwrap();
    assert_eq!(frontier.hashes().len(), 64);
    assert_eq!(frontier.append(Hash::ZERO), Err(MerkleError::TreeFull));
    assert_eq!(frontier.size(), u64::MAX);
    assert_eq!(frontier.root(), root_at(u64::MAX, &uniform).unwrap());
}

#[test]
fn verify_inclusion_errors_are_distinct() {
    let (size, index) = (10u64, 3u64);
    let proof = inclusion_proof(index, size, tree()).unwrap();
    let root = root_at(size, tree()).unwrap();
    let leaf = leaf_hash(crate::suite::Suite::Ed25519Sha256, &leaf_data(index));
    assert_eq!(
        proof.verify(crate::suite::Suite::Ed25519Sha256, &leaf, &root),
        Ok(())
    );
    assert_eq!(
        verify_inclusion(
            crate::suite::Suite::Ed25519Sha256,
            &leaf,
            size,
            size,
            &proof.path,
            &root
        ),
        Err(MerkleError::IndexOutOfRange { index: size, size })
    );
    assert_eq!(
        verify_inclusion(
            crate::suite::Suite::Ed25519Sha256,
            &leaf,
            0,
            0,
            &[],
            &empty_root(crate::suite::Suite::Ed25519Sha256)
        ),
        Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
    );
    let mut long = proof.path.clone();
    long.push(root);
    assert_eq!(
        verify_inclusion(
            crate::suite::Suite::Ed25519Sha256,
            &leaf,
            index,
            size,
            &long,
            &root
        ),
        Err(MerkleError::ProofLength {
            expected: 4,
            got: 5
        })
    );
    assert_eq!(
        verify_inclusion(
            crate::suite::Suite::Ed25519Sha256,
            &leaf,
            index,
            size,
            &proof.path,
            &leaf
        ),
        Err(MerkleError::RootMismatch)
    );
}

#[test]
fn verify_consistency_errors_are_distinct() {
    let (root6, root9) = (root_at(6, tree()).unwrap(), root_at(9, tree()).unwrap());
    let proof = consistency_proof(6, 9, tree()).unwrap();
    assert_eq!(
        proof.verify(crate::suite::Suite::Ed25519Sha256, &root6, &root9),
        Ok(())
    );
    assert_eq!(
        verify_consistency(
            crate::suite::Suite::Ed25519Sha256,
            9,
            6,
            &proof.path,
            &root9,
            &root6
        ),
        Err(MerkleError::SizeOrder { size1: 9, size2: 6 })
    );
    assert_eq!(
        verify_consistency(
            crate::suite::Suite::Ed25519Sha256,
            0,
            0,
            &[],
            &root6,
            &root6
        ),
        Err(MerkleError::EmptyOldTree)
    );
    assert_eq!(
        verify_consistency(
            crate::suite::Suite::Ed25519Sha256,
            6,
            6,
            &[],
            &root6,
            &root6
        ),
        Ok(())
    );
    assert_eq!(
        verify_consistency(
            crate::suite::Suite::Ed25519Sha256,
            6,
            6,
            &[],
            &root6,
            &root9
        ),
        Err(MerkleError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(
            crate::suite::Suite::Ed25519Sha256,
            6,
            6,
            &[root6],
            &root6,
            &root6
        ),
        Err(MerkleError::ProofLength {
            expected: 0,
            got: 1
        })
    );
    assert_eq!(
        verify_consistency(
            crate::suite::Suite::Ed25519Sha256,
            6,
            9,
            &proof.path[1..],
            &root6,
            &root9
        ),
        Err(MerkleError::ProofLength {
            expected: proof.path.len(),
            got: proof.path.len() - 1
        })
    );
    assert_eq!(
        proof.verify(crate::suite::Suite::Ed25519Sha256, &root9, &root9),
        Err(MerkleError::OldRootMismatch)
    );
    assert_eq!(
        proof.verify(crate::suite::Suite::Ed25519Sha256, &root6, &root6),
        Err(MerkleError::RootMismatch)
    );
}

#[test]
fn proof_encoding_layout_and_round_trip() {
    let proof = inclusion_proof(2, 3, tree()).unwrap();
    let bytes = proof.encode();
    assert_eq!(bytes.len(), 8 + 8 + 1 + 32);
    // BCS u64 are 8 bytes little-endian.
    assert_eq!(&bytes[..8], &[2, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&bytes[8..16], &[3, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(bytes[16], 1);
    assert_eq!(&bytes[17..], proof.path[0].as_bytes());
    assert_eq!(InclusionProof::decode_exact(&bytes).unwrap(), proof);

    let consistency = consistency_proof(3, 7, tree()).unwrap();
    let bytes = consistency.encode();
    assert_eq!(bytes.len(), 17 + 32 * consistency.path.len());
    assert_eq!(ConsistencyProof::decode_exact(&bytes).unwrap(), consistency);
}

#[test]
fn proof_decoding_rejects_bad_input() {
    let proof = inclusion_proof(2, 3, tree()).unwrap();
    let mut trailing = proof.encode();
    trailing.push(0);
    assert!(matches!(
        InclusionProof::decode_exact(&trailing),
        Err(DecodeError::Bcs(_))
    ));
    let bytes = proof.encode();
    assert!(InclusionProof::decode_exact(&bytes[..bytes.len() - 1]).is_err());
    let bad = |p: InclusionProof| InclusionProof::decode_exact(&p.encode());
    for p in [
        InclusionProof {
            leaf_index: 3,
            ..proof.clone()
        },
        InclusionProof {
            tree_size: 8,
            ..proof.clone()
        },
        InclusionProof {
            path: vec![],
            ..proof.clone()
        },
        InclusionProof {
            path: vec![Hash::ZERO; 65],
            ..proof.clone()
        },
    ] {
        assert!(matches!(
            bad(p),
            Err(DecodeError::Invalid { .. }) | Err(DecodeError::TooLarge { .. })
        ));
    }
    let good = ConsistencyProof {
        size1: 3,
        size2: 7,
        path: vec![Hash::ZERO; 4],
    };
    assert_eq!(
        ConsistencyProof::decode_exact(&good.encode()),
        Ok(good.clone())
    );
    let bad = |p: ConsistencyProof| ConsistencyProof::decode_exact(&p.encode());
    for p in [
        ConsistencyProof {
            size1: 8,
            ..good.clone()
        },
        ConsistencyProof {
            size1: 0,
            ..good.clone()
        },
        ConsistencyProof {
            path: vec![Hash::ZERO; 3],
            ..good.clone()
        },
        ConsistencyProof {
            size1: 7,
            ..good.clone()
        },
    ] {
        assert!(matches!(bad(p), Err(DecodeError::Invalid { .. })));
    }
    // A count written as two-byte ULEB128 (0x84 0x00) is not canonical.
    let mut long = good.encode();
    long.splice(16..17, [0x84, 0x00]);
    assert!(ConsistencyProof::decode_exact(&long).is_err());
}

fn flip(hash: &mut Hash, bit: usize) {
    hash.0[bit / 8] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn one_bit_change_breaks_inclusion(
        size in 1..=LEAVES, index_seed: u64, which: usize, bit in 0..256usize,
    ) {
        let index = index_seed % size;
        let mut proof = inclusion_proof(index, size, tree()).unwrap();
        let mut root = root_at(size, tree()).unwrap();
        let mut leaf = leaf_hash(crate::suite::Suite::Ed25519Sha256, &leaf_data(index));
        prop_assert!(proof.verify(crate::suite::Suite::Ed25519Sha256, &leaf, &root).is_ok());
        match which % (proof.path.len() + 2) {
            0 => flip(&mut root, bit),
            1 => flip(&mut leaf, bit),
            i => flip(&mut proof.path[i - 2], bit),
        }
        prop_assert!(proof.verify(crate::suite::Suite::Ed25519Sha256, &leaf, &root).is_err());
    }

    #[test]
    fn one_bit_change_breaks_consistency(
        size2 in 2..=LEAVES, size1_seed: u64, which: usize, bit in 0..256usize,
    ) {
        let size1 = 1 + size1_seed % (size2 - 1);
        let mut proof = consistency_proof(size1, size2, tree()).unwrap();
        let mut root1 = root_at(size1, tree()).unwrap();
        let mut root2 = root_at(size2, tree()).unwrap();
        prop_assert!(proof.verify(crate::suite::Suite::Ed25519Sha256, &root1, &root2).is_ok());
        match which % (proof.path.len() + 2) {
            0 => flip(&mut root1, bit),
            1 => flip(&mut root2, bit),
            i => flip(&mut proof.path[i - 2], bit),
        }
        prop_assert!(proof.verify(crate::suite::Suite::Ed25519Sha256, &root1, &root2).is_err());
    }

    #[test]
    fn verification_is_total(
        index: u64, size: u64, size1: u64, len in 0..70usize, small in 0..4u64,
    ) {
        // Sizes near u64::MAX, zero and random, with proofs of any length: never a panic.
        let path = vec![Hash::ZERO; len];
        for s in [size, u64::MAX, u64::MAX - small, small] {
            let _ = verify_inclusion(crate::suite::Suite::Ed25519Sha256, &Hash::ZERO, index, s, &path, &Hash::ZERO);
            let _ = verify_inclusion(crate::suite::Suite::Ed25519Sha256, &Hash::ZERO, s.saturating_sub(1), s, &path, &Hash::ZERO);
            let _ = verify_consistency(crate::suite::Suite::Ed25519Sha256, size1, s, &path, &Hash::ZERO, &Hash::ZERO);
            let _ = verify_consistency(crate::suite::Suite::Ed25519Sha256, s.saturating_sub(small), s, &path, &Hash::ZERO, &Hash::ZERO);
        }
    }

    #[test]
    fn proof_lengths_are_bounded(index: u64, size: u64, size1: u64) {
        if let Ok(n) = inclusion_proof_len(index, size) {
            prop_assert!(n <= MAX_INCLUSION_PROOF_LEN);
        }
        if let Ok(n) = consistency_proof_len(size1, size) {
            prop_assert!(n <= MAX_CONSISTENCY_PROOF_LEN);
        }
    }
}

/// The worked example of docs/format.md#merkle-tree: leaf 2 of the 8-leaf tree of the RFC 6962 vectors.
#[test]
fn spec_worked_example() {
    let inputs = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
    ];
    let mut leaves: Vec<Vec<u8>> = inputs.iter().map(|h| hex::decode(h).unwrap()).collect();
    leaves.push(hex::decode("606162636465666768696a6b6c6d6e6f").unwrap());
    let tree = MemoryTree::from_leaves(
        crate::suite::Suite::Ed25519Sha256,
        leaves.iter().map(Vec::as_slice),
    )
    .unwrap();
    let proof = inclusion_proof(2, 8, &tree).unwrap();
    assert_eq!(
        hex::encode(proof.encode()),
        concat!(
            "0200000000000000",
            "0800000000000000",
            "03",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        )
    );
    assert_eq!(
        leaf_hash(crate::suite::Suite::Ed25519Sha256, &leaves[2]).to_hex(),
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"
    );
    assert_eq!(
        tree.root().to_hex(),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );
    proof
        .verify(
            crate::suite::Suite::Ed25519Sha256,
            &leaf_hash(crate::suite::Suite::Ed25519Sha256, &leaves[2]),
            &tree.root(),
        )
        .unwrap();
    // The stored nodes read: leaf 3, node (1, 0) and node (2, 1).
    let ids = [
        NodeId::leaf(3),
        NodeId { level: 1, index: 0 },
        NodeId { level: 2, index: 1 },
    ];
    assert_eq!(tree.read_hashes(&ids).unwrap(), proof.path);

    // Leaf 0 in the tree of 7: the last path element is the unstored range [4, 7).
    let proof = inclusion_proof(0, 7, &tree).unwrap();
    assert_eq!(
        proof.path[2].to_hex(),
        "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"
    );
    assert_eq!(
        root_at(7, &tree).unwrap().to_hex(),
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"
    );
}
