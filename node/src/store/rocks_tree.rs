//! The RFC 6962 tree in the `tree` column family (schema version 2, docs/format.md#store-tree):
//! the leaf hashes (level 0) and the complete subtrees of levels 8 and up are stored; a complete
//! subtree of levels 1 to 7 is computed from the (at most 128) leaf hashes below it when asked for.

use std::collections::HashMap;

use ledger_format::hash::Hash;
use ledger_format::merkle::{NodeId, node_hash};
use rocksdb::{ColumnFamily, DB, ReadOptions};

use super::{StoreError, corrupted, decode_hash, engine_error};

/// The lowest level above the leaves that is stored.
pub(super) const FIRST_STORED_LEVEL: u8 = 8;

/// True for the levels the `tree` family holds: the leaves and levels from
/// [`FIRST_STORED_LEVEL`] up.
pub(super) fn is_stored(level: u8) -> bool {
    level == 0 || level >= FIRST_STORED_LEVEL
}

/// The leaves `[start, end)` under `id`; `None` past `u64::MAX` (no such leaves).
fn leaf_range(id: NodeId) -> Option<(u64, u64)> {
    let width = 1u64.checked_shl(u32::from(id.level))?;
    let start = id.index.checked_mul(width)?;
    Some((start, start.checked_add(width)?))
}

/// The leaf ranges under `ids`, sorted, with overlapping and adjacent ranges merged.
pub(super) fn merged_ranges(ids: &[NodeId]) -> Vec<(u64, u64)> {
    let mut ranges: Vec<_> = ids.iter().filter_map(|id| leaf_range(*id)).collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The index of a level-0 key of the `tree` family.
fn leaf_index(key: &[u8]) -> Option<u64> {
    let key: &[u8; NodeId::KEY_LEN] = key.try_into().ok()?;
    let id = NodeId::from_key(key);
    (id.level == 0).then_some(id.index)
}

/// Stored leaf hashes by index: a value that is not 32 bytes is kept as the error that names it,
/// so that a reader fails only if it needs that leaf.
pub(super) type Leaves = HashMap<u64, Result<Hash, StoreError>>;

/// The stored leaf hashes in `ranges` (sorted, disjoint), read with one iterator: one seek per
/// range, then the leaves in key order. A leaf that is not stored is absent from the map.
///
/// # Errors
/// Engine errors.
pub(super) fn read_leaves(
    db: &DB,
    tree: &ColumnFamily,
    ranges: &[(u64, u64)],
) -> Result<Leaves, StoreError> {
    let mut leaves = HashMap::new();
    let Some(&(_, last_end)) = ranges.last() else {
        return Ok(leaves);
    };
    let mut options = ReadOptions::default();
    options.set_iterate_upper_bound(NodeId::leaf(last_end).to_key());
    let mut iter = db.raw_iterator_cf_opt(tree, options);
    for &(start, end) in ranges {
        iter.seek(NodeId::leaf(start).to_key());
        while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
            let Some(index) = leaf_index(key).filter(|i| *i < end) else {
                break;
            };
            let hash = decode_hash(value).ok_or_else(|| {
                corrupted(format!("tree/0/{index}"), format!("{} bytes", value.len()))
            });
            leaves.insert(index, hash);
            iter.next();
        }
        iter.status()
            .map_err(|e| engine_error(|| format!("tree/0/{start}"), &e))?;
    }
    Ok(leaves)
}

/// The stored leaf hash `index` of `leaves`.
///
/// # Errors
/// [`StoreError::Corrupted`] when its value is not 32 bytes.
pub(super) fn leaf(leaves: &Leaves, index: u64) -> Result<Option<Hash>, StoreError> {
    leaves.get(&index).cloned().transpose()
}

/// The hash of `id` from `leaves`: `None` when one of its leaves is missing. Nodes computed on the
/// way are kept in `memo`, so that overlapping requests hash each node once.
fn compute(
    id: NodeId,
    leaves: &Leaves,
    memo: &mut HashMap<NodeId, Option<Hash>>,
) -> Result<Option<Hash>, StoreError> {
    let Some(below) = id.level.checked_sub(1) else {
        return leaf(leaves, id.index);
    };
    if let Some(known) = memo.get(&id) {
        return Ok(*known);
    }
    let children = id
        .index
        .checked_mul(2)
        .and_then(|left| Some([left, left.checked_add(1)?]));
    let Some([left, right]) = children else {
        return Ok(None);
    };
    let child = |index| NodeId {
        level: below,
        index,
    };
    let hash = match compute(child(left), leaves, memo)? {
        Some(l) => compute(child(right), leaves, memo)?.map(|r| node_hash(&l, &r)),
        None => None,
    };
    memo.insert(id, hash);
    Ok(hash)
}

/// The hashes of `ids` (nodes of levels 1 to 7), computed from their leaves with one range read per
/// run of adjacent leaves; `None` for a node whose leaves are not all stored (not complete).
///
/// # Errors
/// [`StoreError::Corrupted`] naming a leaf below a requested node whose value is not 32 bytes;
/// engine errors.
pub(super) fn computed_nodes(
    db: &DB,
    tree: &ColumnFamily,
    ids: &[NodeId],
) -> Result<Vec<Option<Hash>>, StoreError> {
    let leaves = read_leaves(db, tree, &merged_ranges(ids))?;
    let mut memo = HashMap::new();
    ids.iter()
        .map(|id| compute(*id, &leaves, &mut memo))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    #[test]
    fn stored_levels() {
        assert!(is_stored(0));
        assert!((1..8).all(|level| !is_stored(level)));
        assert!((8..=63).all(is_stored));
    }

    #[test]
    fn ranges_merge_when_they_touch() {
        assert_eq!(merged_ranges(&[]), vec![]);
        assert_eq!(
            merged_ranges(&[id(1, 3), id(2, 0), id(1, 1), id(7, 1), id(3, 2)]),
            vec![(0, 4), (6, 8), (16, 24), (128, 256)]
        );
        // Past u64::MAX: no leaves, no range.
        assert_eq!(merged_ranges(&[id(7, u64::MAX >> 7)]), vec![]);
        assert_eq!(merged_ranges(&[id(7, u64::MAX)]), vec![]);
    }

    #[test]
    fn computed_from_leaves_or_none() {
        let mut leaves: Leaves = (0..6).map(|i| (i, Ok(Hash([i as u8; 32])))).collect();
        let mut memo = HashMap::new();
        let mut node = |id| compute(id, &leaves, &mut memo).unwrap();
        let n = |a: u64, b: u64| node_hash(&Hash([a as u8; 32]), &Hash([b as u8; 32]));
        assert_eq!(node(id(1, 2)), Some(n(4, 5)));
        assert_eq!(node(id(2, 0)), Some(node_hash(&n(0, 1), &n(2, 3))));
        assert_eq!(node(id(2, 1)), None, "leaves 6, 7 missing");
        assert_eq!(node(id(7, u64::MAX)), None);
        let bad = corrupted("tree/0/9", "31 bytes");
        leaves.insert(9, Err(bad.clone()));
        leaves.insert(8, Ok(Hash::ZERO));
        let mut memo = HashMap::new();
        assert_eq!(compute(id(1, 4), &leaves, &mut memo), Err(bad));
        assert_eq!(compute(id(1, 3), &leaves, &mut memo), Ok(None));
    }
}
