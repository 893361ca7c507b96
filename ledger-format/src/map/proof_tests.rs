//! Proof tests: membership, absence, tampering, encoding, sizes and the worked example.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::tests::{apply_to, flip, h, naive_root, store_of};
use super::*;
use crate::encoding::Canonical;

/// Proves `key` and checks the proof verifies for `value` (its true value).
fn prove_ok(store: &MemoryMapStore, key: Hash, value: Option<Hash>) -> MapProof {
    let proof = prove(store, store.root(), key).unwrap();
    assert_eq!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            store.root(),
            key,
            value,
            &proof
        ),
        Ok(()),
        "{key}"
    );
    proof
}

fn random_map(n: u64) -> (BTreeMap<Hash, Hash>, MemoryMapStore) {
    let entries: BTreeMap<_, _> = (0..n).map(|i| (h(i), h(i + 1_000_000))).collect();
    let store = store_of(&entries);
    (entries, store)
}

#[test]
fn empty_map_proves_absence_only() {
    let store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
    let proof = prove_ok(&store, h(1), None);
    assert_eq!(proof.depth, 0);
    assert_eq!(proof.terminal, ProofTerminal::Empty);
    assert_eq!(proof.encode(), [0, 0, 0, 0, 0]);
    assert!(matches!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            EMPTY_HASH,
            h(1),
            Some(h(2)),
            &proof
        ),
        Err(MapError::WrongProofKind(_))
    ));
}

#[test]
fn single_key_map_is_its_leaf() {
    let mut store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
    let root = apply_to(&mut store, &[(h(1), Some(h(2)))]);
    assert_eq!(
        root,
        hash_leaf(crate::suite::Suite::Ed25519Sha256, &h(1), &h(2))
    );
    let member = prove_ok(&store, h(1), Some(h(2)));
    assert_eq!((member.depth, member.terminal), (0, ProofTerminal::Leaf));
    let absent = prove_ok(&store, h(3), None);
    let other = ProofTerminal::OtherLeaf {
        key: h(1),
        value_hash: h(2),
    };
    assert_eq!((absent.depth, absent.terminal), (0, other));
    assert_eq!(apply_to(&mut store, &[(h(1), None)]), EMPTY_HASH);
    assert!(store.is_empty());
}

#[test]
fn every_present_key_and_random_absent_keys_prove() {
    let (entries, store) = random_map(2_000);
    for (key, value) in &entries {
        let proof = prove_ok(&store, *key, Some(*value));
        assert_eq!(proof.terminal, ProofTerminal::Leaf);
        assert!(matches!(
            verify(
                crate::suite::Suite::Ed25519Sha256,
                store.root(),
                *key,
                None,
                &proof
            ),
            Err(MapError::WrongProofKind(_))
        ));
    }
    let (mut empty_ends, mut leaf_ends) = (0, 0);
    for i in 0..2_000 {
        match prove_ok(&store, h(10_000_000 + i), None).terminal {
            ProofTerminal::Empty => empty_ends += 1,
            ProofTerminal::OtherLeaf { .. } => leaf_ends += 1,
            ProofTerminal::Leaf => unreachable!("absent key proved present"),
        }
    }
    assert!(
        empty_ends > 100 && leaf_ends > 100,
        "{empty_ends} / {leaf_ends}"
    );
}

#[test]
fn crafted_keys_with_long_shared_prefixes() {
    let base = h(42);
    let twin = flip(base, 255); // shares 255 bits: both leaves sit at depth 256
    let far = flip(base, 0);
    let entries: BTreeMap<_, _> = [(base, h(1)), (twin, h(2)), (far, h(3))].into();
    let store = store_of(&entries);
    assert_eq!(store.root(), naive_root(&entries));

    let member = prove_ok(&store, twin, Some(h(2)));
    assert_eq!(member.depth, 256);
    assert_eq!(
        member.siblings.len(),
        2,
        "only levels 0 and 255 are non-empty"
    );
    assert!(member.encode().len() < 2 + 33 + 1 + 64 + 1 + 1);

    // Diverges from base and twin at bit 254: the path ends in an empty subtree at depth 255.
    let proof = prove_ok(&store, flip(base, 254), None);
    assert_eq!((proof.depth, proof.terminal), (255, ProofTerminal::Empty));
    // Diverges at bit 100: empty subtree at depth 101.
    let proof = prove_ok(&store, flip(base, 100), None);
    assert_eq!((proof.depth, proof.terminal), (101, ProofTerminal::Empty));
    // Shares 200 bits with `far`, alone on its side of the root: ends in far's leaf at depth 1.
    let near_far = flip(far, 200);
    let proof = prove_ok(&store, near_far, None);
    let other = ProofTerminal::OtherLeaf {
        key: far,
        value_hash: h(3),
    };
    assert_eq!((proof.depth, proof.terminal), (1, other));
    // The same proof cannot show the absence of a key off far's path, nor of far itself.
    assert_eq!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            store.root(),
            flip(far, 0),
            None,
            &proof
        ),
        Err(MapError::KeyMismatch("the leaf is not on the key's path"))
    );
    assert_eq!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            store.root(),
            far,
            None,
            &proof
        ),
        Err(MapError::KeyMismatch("the key is present"))
    );
}

/// A map, one member's proof and one absent key's proof, for the tampering tests.
fn tamper_fixture() -> (MemoryMapStore, Hash, Hash, MapProof) {
    let (_, store) = random_map(300);
    let key = h(7);
    let value = h(1_000_007);
    let proof = prove_ok(&store, key, Some(value));
    assert!(proof.siblings.len() >= 4);
    (store, key, value, proof)
}

#[test]
fn tampered_membership_proofs_fail() {
    let (store, key, value, proof) = tamper_fixture();
    let root = store.root();
    let root_mismatch = |r: Result<(), MapError>| matches!(r, Err(MapError::RootMismatch { .. }));
    for i in 0..proof.siblings.len() {
        let mut bad = proof.clone();
        bad.siblings[i].0[31] ^= 1;
        assert!(
            root_mismatch(verify(
                crate::suite::Suite::Ed25519Sha256,
                root,
                key,
                Some(value),
                &bad
            )),
            "sibling {i}"
        );
    }
    assert!(
        root_mismatch(verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            key,
            Some(h(5)),
            &proof
        )),
        "wrong value"
    );
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            h(8),
            Some(h(1_000_008)),
            &proof
        )
        .is_err(),
        "wrong key"
    );
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            flip(key, 255),
            Some(value),
            &proof
        )
        .is_err(),
        "near key"
    );
    // A proof from another root: the same key in the map with one more entry.
    let mut bigger = store.clone();
    apply_to(&mut bigger, &[(h(999_999), Some(h(1)))]);
    let other = prove_ok(&bigger, key, Some(value));
    assert!(root_mismatch(verify(
        crate::suite::Suite::Ed25519Sha256,
        root,
        key,
        Some(value),
        &other
    )));
    // Truncated: one sibling fewer; or the deepest level dropped entirely.
    let mut short = proof.clone();
    short.siblings.pop();
    assert!(matches!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            key,
            Some(value),
            &short
        ),
        Err(MapError::MalformedProof(_))
    ));
    let shallower = drop_deepest_level(&proof);
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            key,
            Some(value),
            &shallower
        )
        .is_err()
    );
    // Swapped bitmap: move a set bit to an unset level (the last level stays set).
    let depth = usize::from(proof.depth);
    let set = (0..depth - 1).find(|l| proof.has_sibling(*l)).unwrap();
    let unset = (0..depth - 1).find(|l| !proof.has_sibling(*l));
    if let Some(unset) = unset {
        let mut swapped = proof.clone();
        swapped.bitmap[set / 8] ^= 0x80 >> (set % 8);
        swapped.bitmap[unset / 8] ^= 0x80 >> (unset % 8);
        assert!(root_mismatch(verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            key,
            Some(value),
            &swapped
        )));
    }
    let mut reordered = proof.clone();
    reordered.siblings.swap(0, 1);
    assert!(root_mismatch(verify(
        crate::suite::Suite::Ed25519Sha256,
        root,
        key,
        Some(value),
        &reordered
    )));
}

/// The same proof with its deepest level removed (a consistent but wrong shorter proof).
fn drop_deepest_level(proof: &MapProof) -> MapProof {
    let mut short = proof.clone();
    let last = usize::from(proof.depth) - 1;
    short.depth -= 1;
    if proof.has_sibling(last) {
        short.siblings.pop();
    }
    short.bitmap[last / 8] &= !(0x80 >> (last % 8));
    short.bitmap.truncate(usize::from(short.depth).div_ceil(8));
    short
}

#[test]
fn tampered_absence_proofs_fail() {
    let (store, key, value, member) = tamper_fixture();
    let root = store.root();
    // Turning a membership proof into an absence proof, either way.
    let mut as_empty = member.clone();
    as_empty.terminal = ProofTerminal::Empty;
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            key,
            None,
            &as_empty
        )
        .is_err()
    );
    let absent = (0..).map(|i| h(5_000_000 + i)).find(|k| {
        let p = prove(&store, root, *k).unwrap();
        matches!(p.terminal, ProofTerminal::OtherLeaf { .. })
    });
    let absent = absent.unwrap();
    let proof = prove_ok(&store, absent, None);
    let ProofTerminal::OtherLeaf { key: other, .. } = proof.terminal else {
        unreachable!()
    };
    let mut wrong_value = proof.clone();
    wrong_value.terminal = ProofTerminal::OtherLeaf {
        key: other,
        value_hash: value,
    };
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            absent,
            None,
            &wrong_value
        )
        .is_err()
    );
    let mut emptied = proof.clone();
    emptied.terminal = ProofTerminal::Empty;
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            absent,
            None,
            &emptied
        )
        .is_err()
    );
    // The other leaf's own proof of membership cannot be read as absence of `other`.
    let mut as_member = proof.clone();
    as_member.terminal = ProofTerminal::Leaf;
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            absent,
            None,
            &as_member
        )
        .is_err()
    );
    assert!(
        verify(
            crate::suite::Suite::Ed25519Sha256,
            root,
            absent,
            Some(value),
            &as_member
        )
        .is_err()
    );
}

#[test]
fn decode_exact_round_trips_and_rejects() {
    let (store, key, _, proof) = tamper_fixture();
    let bytes = proof.encode();
    assert_eq!(MapProof::decode_exact(&bytes), Ok(proof.clone()));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        MapProof::decode_exact(&trailing),
        Err(DecodeError::Bcs(_))
    ));
    assert!(MapProof::decode_exact(&bytes[..bytes.len() - 1]).is_err());
    let invalid = |p: &MapProof| {
        matches!(
            MapProof::decode_exact(&p.encode()),
            Err(DecodeError::Invalid { .. })
        )
    };
    let mut deep = proof.clone();
    deep.depth = 257;
    assert!(invalid(&deep));
    let mut long_bitmap = proof.clone();
    long_bitmap.bitmap.push(0);
    assert!(invalid(&long_bitmap));
    let mut padding = proof.clone();
    padding.depth = 255;
    padding.bitmap = vec![0xFF; 32];
    padding.siblings = vec![h(1); 256];
    assert!(invalid(&padding), "bit 255 set past depth 255");
    let mut count = proof.clone();
    count.siblings.push(h(3));
    assert!(invalid(&count));
    assert!(invalid(&drop_last_sibling_bit(&proof)));
    let mut zero = proof.clone();
    zero.siblings[0] = EMPTY_HASH;
    assert!(invalid(&zero));
    let mut bad_tag = bytes.clone();
    *bad_tag.last_mut().unwrap() = 3;
    assert!(MapProof::decode_exact(&bad_tag).is_err());
    let max = MapProof {
        depth: 256,
        bitmap: vec![0xFF; 32],
        siblings: vec![h(1); 256],
        terminal: ProofTerminal::OtherLeaf {
            key,
            value_hash: store.root(),
        },
    };
    assert_eq!(max.encode().len(), MapProof::MAX_ENCODED_LEN);
    assert_eq!(MapProof::decode_exact(&max.encode()), Ok(max));
    assert!(matches!(
        MapProof::decode_exact(&vec![0; MapProof::MAX_ENCODED_LEN + 1]),
        Err(DecodeError::TooLarge { .. })
    ));
}

/// Clears the bit of the deepest level and removes its sibling: breaks "last sibling non-empty".
fn drop_last_sibling_bit(proof: &MapProof) -> MapProof {
    let mut bad = proof.clone();
    let last = usize::from(proof.depth) - 1;
    bad.bitmap[last / 8] &= !(0x80 >> (last % 8));
    bad.siblings.pop();
    bad
}

fn terminal_strategy() -> impl Strategy<Value = ProofTerminal> {
    prop_oneof![
        Just(ProofTerminal::Empty),
        Just(ProofTerminal::Leaf),
        (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(|(k, v)| ProofTerminal::OtherLeaf {
            key: Hash(k),
            value_hash: Hash(v)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn verify_never_panics_on_arbitrary_proofs(
        depth in prop_oneof![0..=300u16, any::<u16>()],
        bitmap in prop::collection::vec(any::<u8>(), 0..40),
        siblings in prop::collection::vec(any::<[u8; 32]>().prop_map(Hash), 0..40),
        terminal in terminal_strategy(),
        key in any::<[u8; 32]>(),
        member in any::<bool>(),
    ) {
        let proof = MapProof { depth, bitmap, siblings, terminal };
        let value = member.then(|| h(1));
        prop_assert!(verify(crate::suite::Suite::Ed25519Sha256, h(0), Hash(key), value, &proof).is_err());
    }

    #[test]
    fn decode_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
        if let Ok(proof) = MapProof::decode_exact(&bytes) {
            prop_assert_eq!(proof.encode(), bytes);
            let _ = verify(crate::suite::Suite::Ed25519Sha256, h(0), h(1), None, &proof);
        }
    }

    #[test]
    fn any_changed_byte_breaks_a_proof(index in any::<prop::sample::Index>(), mask in 1..=255u8) {
        let (store, key, value, proof) = tamper_fixture();
        let mut bytes = proof.encode();
        let at = index.index(bytes.len());
        bytes[at] ^= mask;
        if let Ok(bad) = MapProof::decode_exact(&bytes) {
            prop_assert!(verify(crate::suite::Suite::Ed25519Sha256, store.root(), key, Some(value), &bad).is_err());
        }
    }
}

/// Expected (non-empty siblings, levels) of a proof for a present key among `n` random keys.
///
/// Level i is on the path when another key shares the key's first i bits; its sibling is
/// non-empty when another key shares exactly i bits.
fn expected_member_proof(n: f64) -> (f64, f64) {
    let none_share = |bits: f64| ((n - 1.0) * (-(2f64.powf(-bits))).ln_1p()).exp();
    let siblings = (0..256).map(|i| 1.0 - none_share(f64::from(i) + 1.0)).sum();
    let levels = (0..256).map(|i| 1.0 - none_share(f64::from(i))).sum();
    (siblings, levels)
}

/// Encoded size of a membership proof with `siblings` non-empty siblings over `levels` levels.
fn member_proof_len(siblings: f64, levels: f64) -> f64 {
    2.0 + 1.0 + (levels / 8.0).ceil() + 1.0 + 32.0 * siblings + 1.0
}

#[test]
fn proof_sizes_for_a_hundred_thousand_keys() {
    const N: u64 = 100_000;
    let mut store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
    for batch in 0..10 {
        let updates: Vec<_> = (batch * N / 10..(batch + 1) * N / 10)
            .map(|i| (h(i), Some(h(i))))
            .collect();
        apply_to(&mut store, &updates);
    }
    let samples = 2_000;
    let mean = |lens: &[usize]| lens.iter().sum::<usize>() as f64 / lens.len() as f64;
    let member: Vec<_> = (0..samples)
        .map(|i| prove_ok(&store, h(i * 37), Some(h(i * 37))))
        .collect();
    let absent: Vec<_> = (0..samples)
        .map(|i| prove_ok(&store, h(N + 1 + i), None))
        .collect();
    let member_lens: Vec<_> = member.iter().map(|p| p.encode().len()).collect();
    let absent_lens: Vec<_> = absent.iter().map(|p| p.encode().len()).collect();
    let member_siblings: Vec<_> = member.iter().map(|p| p.siblings.len()).collect();
    let max = member_lens
        .iter()
        .chain(&absent_lens)
        .max()
        .copied()
        .unwrap_or(0);
    println!(
        "map proof, {N} keys, {} nodes: member mean {:.1} B ({:.2} siblings), \
         absent mean {:.1} B, max {max} B",
        store.len(),
        mean(&member_lens),
        mean(&member_siblings),
        mean(&absent_lens),
    );
    for n in [1e5, 1e6, 1e8] {
        let (siblings, levels) = expected_member_proof(n);
        println!(
            "expected member proof for {n:e} keys: {siblings:.2} siblings over {levels:.2} \
             levels, about {:.0} B (+64 B for an absence proof ending in another leaf)",
            member_proof_len(siblings, levels)
        );
    }
    let (siblings, _) = expected_member_proof(N as f64);
    assert!((mean(&member_siblings) - siblings).abs() < 0.5);
    assert!(max < 1_000);
}

/// The worked example of docs/format.md#example: if this test changes, so must the document.
#[test]
fn worked_example() {
    let hex = crate::encoding::to_hex;
    let codes: [&[u8]; 3] = [b"CERT-0001", b"CERT-0002", b"CERT-0003"];
    let states: [&[u8]; 3] = [b"state-1", b"state-2", b"state-3"];
    let updates: Vec<_> = codes
        .iter()
        .zip(states)
        .map(|(code, state)| {
            (
                map_key(crate::suite::Suite::Ed25519Sha256, code),
                Some(map_value_hash(crate::suite::Suite::Ed25519Sha256, state)),
            )
        })
        .collect();
    let mut store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
    let update = apply(&store, EMPTY_HASH, &updates).unwrap();
    store.apply_update(&update);
    let nodes: Vec<String> = store
        .nodes()
        .map(|(pos, node)| format!("{} {}", hex(&pos.to_bytes()), hex(&node.encode())))
        .collect();
    for line in &nodes {
        println!("{line}");
    }
    assert_eq!(nodes.len(), 7);
    assert_eq!(
        store.root().to_hex(),
        "dd1579e65ae631523e5fd0d6f3423ea3af648fefa9609631a3153afe8587a187"
    );
    let member = prove_ok(&store, updates[1].0, updates[1].1);
    assert_eq!(
        hex(&member.encode()),
        "02000140015866143db1323f048062b3a68d2c20f464fafa1951f75df04963700ed884d3aa01"
    );
    let absent = prove_ok(
        &store,
        map_key(crate::suite::Suite::Ed25519Sha256, b"CERT-0004"),
        None,
    );
    assert_eq!(
        hex(&absent.encode()),
        concat!(
            "0400015002",
            "a9ee5a1459df22ae2c3c3225d743015e2e8068f579cc422f422a2cde88dc8d4e",
            "25a03def5f6a7423d1cb0f4bb897cc148fd67187df3b8b24fdb13ace40184c9f",
            "02",
            "9919da59b193f15c08f58cc1c179ac89decfd551b56a4adc12a08ad8665c144c",
            "aa5c6c8ab9f7015b7f33ced501d9f9d38edbd5b2d42e3297729cf1ad3789e2e9",
        )
    );
}
