//! Map tests: the naive model, batch updates, store encodings and store errors.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::encoding::Canonical;
use crate::hash::sha256;

/// A key with bit `index` flipped: crafts keys sharing long prefixes without hashing.
pub(super) fn flip(key: Hash, index: usize) -> Hash {
    let mut out = key;
    out.0[index / 8] ^= 0x80 >> (index % 8);
    out
}

/// The `n`-th pseudo-random key or value (SHA-256 of a counter).
pub(super) fn h(n: u64) -> Hash {
    sha256(&n.to_be_bytes())
}

/// The root, computed directly from the recursive definition over the whole set.
pub(super) fn naive_root(entries: &BTreeMap<Hash, Hash>) -> Hash {
    let all: Vec<(Hash, Hash)> = entries.iter().map(|(k, v)| (*k, *v)).collect();
    naive_subtree(0, &all)
}

fn naive_subtree(depth: usize, entries: &[(Hash, Hash)]) -> Hash {
    match entries {
        [] => EMPTY_HASH,
        [(key, value)] => hash_leaf(crate::suite::Suite::Ed25519Sha256, key, value),
        _ => {
            let (left, right): (Vec<_>, Vec<_>) =
                entries.iter().partition(|(key, _)| !key_bit(key, depth));
            hash_internal(
                crate::suite::Suite::Ed25519Sha256,
                &naive_subtree(depth + 1, &left),
                &naive_subtree(depth + 1, &right),
            )
        }
    }
}

/// Applies `updates` to `store` and returns the new root, checking the update's own invariants.
pub(super) fn apply_to(store: &mut MemoryMapStore, updates: &[(Hash, Option<Hash>)]) -> Hash {
    let update = apply(&*store, store.root(), updates).unwrap();
    for key in &update.deletes {
        assert!(update.writes.iter().all(|(written, _)| written != key));
    }
    store.apply_update(&update);
    assert_eq!(store.root(), update.new_root);
    update.new_root
}

/// A store holding exactly `entries`, built in one batch.
pub(super) fn store_of(entries: &BTreeMap<Hash, Hash>) -> MemoryMapStore {
    let mut store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
    let updates: Vec<_> = entries.iter().map(|(k, v)| (*k, Some(*v))).collect();
    apply_to(&mut store, &updates);
    store
}

/// Checks every stored node sits where the tree says and nothing else is stored.
fn assert_well_formed(store: &MemoryMapStore) {
    let mut reachable = 0;
    let mut stack = vec![(NodeKey::root(), store.root())];
    while let Some((pos, hash)) = stack.pop() {
        let Some(node) = read_child(store, pos, hash).unwrap() else {
            continue;
        };
        reachable += 1;
        if let Node::Internal { left, right } = node {
            stack.push((pos.child(false).unwrap(), left));
            stack.push((pos.child(true).unwrap(), right));
        }
    }
    assert_eq!(
        reachable,
        store.len(),
        "unreachable nodes left in the store"
    );
}

/// Keys of three kinds: random, and a few bases with one or two bits flipped anywhere.
fn key_strategy() -> impl Strategy<Value = Hash> {
    let bases = [h(1_000), h(2_000), Hash::ZERO, Hash([0xFF; 32])];
    prop_oneof![
        any::<[u8; 32]>().prop_map(Hash),
        (0..4usize, 0..256usize).prop_map(move |(b, i)| flip(bases[b], i)),
        (0..4usize, 200..256usize, 250..256usize)
            .prop_map(move |(b, i, j)| flip(flip(bases[b], i), j)),
        (0..4usize).prop_map(move |b| bases[b]),
    ]
}

/// Batches of (index into the key pool, new value or delete).
type Batches = Vec<Vec<(usize, Option<u8>)>>;

fn batches_strategy() -> impl Strategy<Value = Batches> {
    let op = (0..24usize, prop::option::weighted(0.7, any::<u8>()));
    prop::collection::vec(prop::collection::vec(op, 0..12), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn incremental_store_matches_naive_model(
        pool in prop::collection::vec(key_strategy(), 24),
        batches in batches_strategy(),
    ) {
        let mut store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
        let mut model = BTreeMap::new();
        for batch in batches {
            // One update per key and batch: the last one wins.
            let dedup: BTreeMap<Hash, Option<Hash>> = batch
                .iter()
                .map(|(i, v)| (pool[*i], v.map(|v| h(u64::from(v)))))
                .collect();
            let mut updates: Vec<_> = dedup.into_iter().collect();
            updates.reverse(); // apply() must not depend on the input order
            for (key, value) in &updates {
                match value {
                    Some(v) => model.insert(*key, *v),
                    None => model.remove(key),
                };
            }
            let root = apply_to(&mut store, &updates);
            prop_assert_eq!(root, naive_root(&model));
            assert_well_formed(&store);
            // Position-addressed nodes: the incremental store equals a fresh build node for node.
            prop_assert_eq!(&store, &store_of(&model));
        }
        // Insertion order independence: one key at a time, in reverse order.
        let mut one_by_one = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
        for (key, value) in model.iter().rev() {
            apply_to(&mut one_by_one, &[(*key, Some(*value))]);
        }
        prop_assert_eq!(&one_by_one, &store);
        for key in &pool {
            let proof = prove(&store, store.root(), *key).unwrap();
            prop_assert_eq!(verify(crate::suite::Suite::Ed25519Sha256, store.root(), *key, model.get(key).copied(), &proof), Ok(()));
            prop_assert_eq!(MapProof::decode_exact(&proof.encode()).unwrap(), proof);
        }
    }

    #[test]
    fn node_key_bytes_sort_like_node_keys(
        a in key_strategy(), b in key_strategy(), da in 0..=256u16, db in 0..=256u16,
    ) {
        let ka = NodeKey::on_path(&a, da).unwrap();
        let kb = NodeKey::on_path(&b, db).unwrap();
        prop_assert_eq!(ka.cmp(&kb), ka.to_bytes().cmp(&kb.to_bytes()));
        prop_assert_eq!(NodeKey::from_bytes(&ka.to_bytes()), Ok(ka));
        prop_assert!(ka.contains(&a));
    }
}

#[test]
fn hash_definitions_are_domain_separated() {
    let (k, v) = (h(1), h(2));
    assert_eq!(
        hash_leaf(crate::suite::Suite::Ed25519Sha256, &k, &v),
        sha256(&[b"registration-ledger/map-leaf/v1\0".as_slice(), &k.0, &v.0].concat())
    );
    assert_eq!(
        hash_internal(crate::suite::Suite::Ed25519Sha256, &k, &v),
        sha256(&[b"registration-ledger/map-node/v1\0".as_slice(), &k.0, &v.0].concat())
    );
    assert_ne!(
        hash_leaf(crate::suite::Suite::Ed25519Sha256, &k, &v),
        hash_internal(crate::suite::Suite::Ed25519Sha256, &k, &v)
    );
    assert_eq!(
        map_key(crate::suite::Suite::Ed25519Sha256, b"X"),
        sha256(&[domain::MAP_KEY, b"X"].concat())
    );
    assert_eq!(
        map_value_hash(crate::suite::Suite::Ed25519Sha256, b"X"),
        sha256(&[domain::MAP_VALUE, b"X"].concat())
    );
    let all = [
        LEAF_DOMAIN,
        INTERNAL_DOMAIN,
        domain::RECORD,
        domain::EVIDENCE,
        domain::FIELD_COMMITMENT,
        domain::CONTENT_COMMITMENT,
        domain::MAP_KEY,
        domain::MAP_VALUE,
    ];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert!(!a.starts_with(b) && !b.starts_with(a));
        }
    }
    for ours in [LEAF_DOMAIN, INTERNAL_DOMAIN] {
        assert_eq!(ours.last(), Some(&0));
        assert!(
            ours[0] > 0x01,
            "RFC 6962 uses the one-byte prefixes 0x00 and 0x01"
        );
    }
}

#[test]
fn key_bits_are_most_significant_first() {
    let mut key = Hash::ZERO;
    key.0[0] = 0b0100_0000;
    key.0[31] = 0b0000_0001;
    assert!(!key_bit(&key, 0) && key_bit(&key, 1) && key_bit(&key, 255));
    assert!(!key_bit(&key, 256), "past the key reads as zero");
    assert_eq!(common_prefix_bits(&key, &key), 256);
    assert_eq!(common_prefix_bits(&key, &flip(key, 255)), 255);
    assert_eq!(common_prefix_bits(&key, &flip(key, 0)), 0);
    assert_eq!(common_prefix_bits(&key, &flip(key, 77)), 77);
}

#[test]
fn node_key_encoding_is_depth_then_padded_prefix() {
    let key = Hash([0xFF; 32]);
    let pos = NodeKey::on_path(&key, 10).unwrap();
    let bytes = pos.to_bytes();
    assert_eq!(&bytes[..4], &[0x00, 0x0A, 0xFF, 0xC0]);
    assert!(bytes[4..].iter().all(|b| *b == 0));
    assert_eq!(NodeKey::root().to_bytes(), [0u8; 34]);
    assert_eq!(
        NodeKey::on_path(&key, 256).unwrap().to_bytes()[2..],
        [0xFF; 32]
    );
    assert!(NodeKey::on_path(&key, 257).is_none());
    assert_eq!(
        pos.child(true).unwrap(),
        NodeKey::on_path(&key, 11).unwrap()
    );
    assert!(NodeKey::on_path(&key, 256).unwrap().child(false).is_none());
    // Rejections: wrong length, depth over 256, bits after the depth.
    assert!(NodeKey::from_bytes(&bytes[..33]).is_err());
    let mut deep = bytes;
    deep[..2].copy_from_slice(&257u16.to_be_bytes());
    assert!(NodeKey::from_bytes(&deep).is_err());
    let mut dirty = bytes;
    dirty[33] = 1;
    assert!(NodeKey::from_bytes(&dirty).is_err());
}

#[test]
fn node_encoding_is_tag_and_two_hashes() {
    let leaf = Node::Leaf {
        key: h(1),
        value_hash: h(2),
    };
    let bytes = leaf.encode();
    assert_eq!(bytes.len(), 65);
    assert_eq!(bytes[0], 0);
    assert_eq!(&bytes[1..33], &h(1).0);
    assert_eq!(Node::decode_exact(&bytes), Ok(leaf));
    let internal = Node::Internal {
        left: h(3),
        right: EMPTY_HASH,
    };
    assert_eq!(internal.encode()[0], 1);
    assert_eq!(Node::decode_exact(&internal.encode()), Ok(internal));
    let both_empty = Node::Internal {
        left: EMPTY_HASH,
        right: EMPTY_HASH,
    };
    assert!(Node::decode_exact(&both_empty.encode()).is_err());
    let mut bad_tag = bytes.clone();
    bad_tag[0] = 2;
    assert!(Node::decode_exact(&bad_tag).is_err());
    assert!(Node::decode_exact(&bytes[..64]).is_err());
}

#[test]
fn empty_batches_and_absent_deletes_change_nothing() {
    let mut store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
    let update = apply(&store, EMPTY_HASH, &[(h(1), None)]).unwrap();
    assert_eq!(update.new_root, EMPTY_HASH);
    assert!(update.writes.is_empty() && update.deletes.is_empty());
    apply_to(&mut store, &[(h(1), Some(h(2))), (h(3), Some(h(4)))]);
    let root = store.root();
    for updates in [vec![], vec![(h(5), None)], vec![(h(1), Some(h(2)))]] {
        let update = apply(&store, root, &updates).unwrap();
        assert_eq!(update.new_root, root);
        assert!(
            update.writes.is_empty() && update.deletes.is_empty(),
            "{updates:?}"
        );
    }
}

#[test]
fn deleting_everything_empties_the_store() {
    let entries: BTreeMap<_, _> = (0..200).map(|i| (h(i), h(i + 1_000))).collect();
    let mut store = store_of(&entries);
    assert_eq!(store.root(), naive_root(&entries));
    let deletes: Vec<_> = entries.keys().map(|k| (*k, None)).collect();
    assert_eq!(apply_to(&mut store, &deletes), EMPTY_HASH);
    assert!(store.is_empty());
}

#[test]
fn batch_update_touches_few_nodes() {
    let entries: BTreeMap<_, _> = (0..4_096).map(|i| (h(i), h(i))).collect();
    let store = store_of(&entries);
    let updates: Vec<_> = (0..8).map(|i| (h(i * 500), Some(h(7)))).collect();
    let update = apply(&store, store.root(), &updates).unwrap();
    // 8 paths of about log2(4096) + 1 = 13 nodes each.
    assert!(
        update.writes.len() <= 8 * 16,
        "{} writes",
        update.writes.len()
    );
    assert!(update.deletes.is_empty());
}

#[test]
fn duplicate_keys_are_rejected() {
    let store = MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256);
    let updates = [(h(1), Some(h(2))), (h(3), None), (h(1), None)];
    assert_eq!(
        apply(&store, EMPTY_HASH, &updates),
        Err(MapError::DuplicateKey(h(1)))
    );
}

#[test]
fn store_errors_are_reported_not_panicked() {
    let entries: BTreeMap<_, _> = (0..16).map(|i| (h(i), h(i))).collect();
    let store = store_of(&entries);
    let root = store.root();
    assert_eq!(
        apply(&store, h(99), &[(h(1), None)]),
        Err(MapError::StaleRoot {
            expected: h(99),
            stored: root
        })
    );
    assert!(matches!(
        prove(
            &MemoryMapStore::new(crate::suite::Suite::Ed25519Sha256),
            root,
            h(1)
        ),
        Err(MapError::StaleRoot { .. })
    ));
    // Drop a node below the root: the path through it reports it missing.
    let (victim, _) = store.nodes().find(|(k, _)| k.depth() == 1).unwrap();
    let victim = *victim;
    let mut broken = store.clone();
    broken.apply_update(&MapUpdate {
        new_root: root,
        writes: vec![],
        deletes: vec![victim],
    });
    let on_victim = *entries.keys().find(|k| victim.contains(k)).unwrap();
    assert_eq!(
        prove(&broken, root, on_victim),
        Err(MapError::MissingNode { key: victim })
    );
    // Replace it with another node: its hash no longer matches the parent's.
    let mut tampered = store.clone();
    let fake = Node::Leaf {
        key: on_victim,
        value_hash: h(12_345),
    };
    tampered.apply_update(&MapUpdate {
        new_root: root,
        writes: vec![(victim, fake)],
        deletes: vec![],
    });
    assert!(matches!(
        apply(&tampered, root, &[(on_victim, None)]),
        Err(MapError::Corrupted { key, .. }) if key == victim
    ));
}
