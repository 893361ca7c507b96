//! The RFC 6962 tree in the `tree` column family (schema version 2, docs/format.md#store-tree):
//! the leaf hashes (level 0) and the complete subtrees of levels 8 and up are stored; a complete
//! subtree of levels 1 to 7 is computed from the (at most 128) leaf hashes below it when asked for.
//! The upper stored levels are also held in memory ([`UpperLevels`]), so that a proof reads
//! RocksDB only for the leaves under one level-8 node.

use std::collections::HashMap;

use ledger_format::hash::Hash;
use ledger_format::merkle::{NodeId, node_hash};
use ledger_format::suite::Suite;
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
    suite: Suite,
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
    let hash = match compute(suite, child(left), leaves, memo)? {
        Some(l) => compute(suite, child(right), leaves, memo)?.map(|r| node_hash(suite, &l, &r)),
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
    suite: Suite,
    db: &DB,
    tree: &ColumnFamily,
    ids: &[NodeId],
) -> Result<Vec<Option<Hash>>, StoreError> {
    let leaves = read_leaves(db, tree, &merged_ranges(ids))?;
    let mut memo = HashMap::new();
    ids.iter()
        .map(|id| compute(suite, *id, &leaves, &mut memo))
        .collect()
}

/// The stored levels from `floor` up, in memory: at each level the hashes of nodes `0..len`,
/// exactly as the `tree` family holds them. Bounded by a number of hashes: when the tree outgrows
/// it, the lowest level held is dropped (the floor rises) and read from RocksDB again.
///
/// Only a prefix of each level is held, so a node past it (just written, or the tree's tail) is
/// read from RocksDB: the levels are filled from the store at open and extended after each
/// committed write, never before, so every hash held is one the store holds.
#[derive(Debug)]
pub(super) struct UpperLevels {
    /// The lowest level held, at least [`FIRST_STORED_LEVEL`]; 64 when none is.
    floor: u8,
    /// `levels[k]`: the hashes of level `floor + k`, from index 0.
    levels: Vec<Vec<Hash>>,
    /// Hashes held, across levels.
    held: usize,
    /// Most hashes held.
    budget: usize,
}

/// Levels of node ids (a node of level 64 would cover 2^64 leaves).
const LEVELS: u8 = 64;

impl UpperLevels {
    /// The lowest level (from [`FIRST_STORED_LEVEL`] up) whose nodes and those of every level above
    /// it, in a tree of `size` leaves, number at most `budget`; [`LEVELS`] when none fits.
    pub(super) fn floor_for(size: u64, budget: usize) -> u8 {
        (FIRST_STORED_LEVEL..LEVELS)
            .find(|&floor| {
                let nodes: u64 = (floor..LEVELS).map(|level| size >> level).sum();
                usize::try_from(nodes).is_ok_and(|n| n <= budget)
            })
            .unwrap_or(LEVELS)
    }

    /// Holds nothing yet: the floor a tree of no leaves gets.
    pub(super) fn new(budget: usize) -> Self {
        let floor = Self::floor_for(0, budget);
        UpperLevels {
            floor,
            levels: (floor..LEVELS).map(|_| Vec::new()).collect(),
            held: 0,
            budget,
        }
    }

    /// Loads the complete subtrees of a tree of `size` leaves from the `tree` family, from the
    /// level [`UpperLevels::floor_for`] gives up, with one iterator, within the budget all along
    /// (a store holding more than `size` implies raises the floor as it loads). A level stops at
    /// its first missing or malformed node (the readers then go to RocksDB, which reports it).
    ///
    /// # Errors
    /// Engine errors.
    pub(super) fn load(
        db: &DB,
        tree: &ColumnFamily,
        size: u64,
        budget: usize,
    ) -> Result<Self, StoreError> {
        let floor = Self::floor_for(size, budget);
        let mut upper = UpperLevels {
            floor,
            levels: (floor..LEVELS).map(|_| Vec::new()).collect(),
            held: 0,
            budget,
        };
        if floor >= LEVELS {
            return Ok(upper);
        }
        let mut iter = db.raw_iterator_cf(tree);
        iter.seek(
            NodeId {
                level: floor,
                index: 0,
            }
            .to_key(),
        );
        while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
            let id = <&[u8; NodeId::KEY_LEN]>::try_from(key).map(NodeId::from_key);
            if let (Ok(id), Some(hash)) = (id, decode_hash(value)) {
                upper.extend(id, hash);
                upper.fit();
            }
            iter.next();
        }
        iter.status()
            .map_err(|e| engine_error(|| format!("tree/{floor}"), &e))?;
        Ok(upper)
    }

    /// The hash of `id` if it is held.
    pub(super) fn get(&self, id: NodeId) -> Option<Hash> {
        let level = self
            .levels
            .get(usize::from(id.level.checked_sub(self.floor)?))?;
        level.get(usize::try_from(id.index).ok()?).copied()
    }

    /// Takes in the nodes of a committed write: each node of a level held that is next on its
    /// level is appended (one already held is replaced by what the store now holds); a node
    /// after a gap is left to RocksDB. Then drops the lowest levels while over the budget.
    pub(super) fn committed(&mut self, nodes: &[(NodeId, Hash)]) {
        for (id, hash) in nodes {
            self.extend(*id, *hash);
        }
        self.fit();
    }

    fn extend(&mut self, id: NodeId, hash: Hash) {
        let Some(level) = id
            .level
            .checked_sub(self.floor)
            .and_then(|k| self.levels.get_mut(usize::from(k)))
        else {
            return;
        };
        let Ok(index) = usize::try_from(id.index) else {
            return;
        };
        if let Some(held) = level.get_mut(index) {
            *held = hash;
        } else if index == level.len() {
            level.push(hash);
            self.held += 1;
        }
    }

    /// Drops the lowest levels held until the rest fit the budget.
    fn fit(&mut self) {
        while self.held > self.budget && !self.levels.is_empty() {
            let dropped = self.levels.remove(0);
            self.held -= dropped.len();
            self.floor += 1;
        }
    }
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
        let mut node = |id| compute(Suite::Ed25519Sha256, id, &leaves, &mut memo).unwrap();
        let n = |a: u64, b: u64| {
            node_hash(
                ledger_format::suite::Suite::Ed25519Sha256,
                &Hash([a as u8; 32]),
                &Hash([b as u8; 32]),
            )
        };
        assert_eq!(node(id(1, 2)), Some(n(4, 5)));
        assert_eq!(
            node(id(2, 0)),
            Some(node_hash(
                ledger_format::suite::Suite::Ed25519Sha256,
                &n(0, 1),
                &n(2, 3)
            ))
        );
        assert_eq!(node(id(2, 1)), None, "leaves 6, 7 missing");
        assert_eq!(node(id(7, u64::MAX)), None);
        let bad = corrupted("tree/0/9", "31 bytes");
        leaves.insert(9, Err(bad.clone()));
        leaves.insert(8, Ok(Hash::ZERO));
        let mut memo = HashMap::new();
        assert_eq!(
            compute(Suite::Ed25519Sha256, id(1, 4), &leaves, &mut memo),
            Err(bad)
        );
        assert_eq!(
            compute(Suite::Ed25519Sha256, id(1, 3), &leaves, &mut memo),
            Ok(None)
        );
    }

    fn hash(level: u8, index: u64) -> Hash {
        let mut bytes = [level; 32];
        bytes[..8].copy_from_slice(&index.to_be_bytes());
        Hash(bytes)
    }

    fn upper(floor: u8, budget: usize) -> UpperLevels {
        UpperLevels {
            floor,
            levels: (floor..LEVELS).map(|_| Vec::new()).collect(),
            held: 0,
            budget,
        }
    }

    #[test]
    fn floor_fits_the_budget() {
        // 10^7 leaves: levels 8 and up hold 39,062 + 19,531 + … ≈ 78,000 nodes.
        assert_eq!(UpperLevels::floor_for(10_000_000, 1 << 20), 8);
        assert_eq!(UpperLevels::floor_for(10_000_000, 78_000), 9);
        assert_eq!(UpperLevels::floor_for(0, 0), 8);
        assert_eq!(UpperLevels::floor_for(u64::MAX, 0), LEVELS);
        assert_eq!(UpperLevels::floor_for(u64::MAX, usize::MAX), 8);
    }

    #[test]
    fn holds_a_prefix_of_each_level_and_drops_the_lowest_over_budget() {
        let mut upper = upper(8, 5);
        let nodes = |level: u8, indexes: std::ops::Range<u64>| -> Vec<(NodeId, Hash)> {
            indexes.map(|i| (id(level, i), hash(level, i))).collect()
        };
        upper.committed(&nodes(0, 0..9));
        upper.committed(&nodes(7, 0..3));
        assert_eq!(upper.held, 0, "levels below the floor are never held");
        upper.committed(&nodes(8, 0..2));
        upper.committed(&nodes(8, 3..4));
        assert_eq!(upper.get(id(8, 1)), Some(hash(8, 1)));
        assert_eq!(upper.get(id(8, 3)), None, "after a gap: left to RocksDB");
        upper.committed(&nodes(9, 0..1));
        upper.committed(&[(id(8, 0), hash(1, 1))]);
        assert_eq!(
            upper.get(id(8, 0)),
            Some(hash(1, 1)),
            "replaced by what is stored"
        );
        assert_eq!((upper.floor, upper.held), (8, 3));
        upper.committed(&nodes(8, 2..5));
        // Six hashes over a budget of five: level 8 goes, level 9 stays.
        assert_eq!((upper.floor, upper.held), (9, 1));
        assert_eq!(upper.get(id(8, 0)), None);
        assert_eq!(upper.get(id(9, 0)), Some(hash(9, 0)));
        assert_eq!(upper.get(id(63, u64::MAX)), None);
    }
}
