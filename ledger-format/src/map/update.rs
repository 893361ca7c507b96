//! Batch updates: one pass down the tree for a sorted batch (docs/format.md#updates).
//!
//! Only the paths of the updated keys are read, so a batch of k updates over n keys reads and
//! writes O(k log n) nodes. Below an internal node the batch splits on the next key bit; where a
//! path reaches an empty position or a leaf, the few keys that now live there (the updates plus
//! that leaf) are built into a fresh subtree.

use crate::suite::Suite;
use std::collections::BTreeMap;

use super::{EMPTY_HASH, MapError, MapStore, Node, NodeKey, read_child, read_root};
use crate::hash::Hash;

/// What [`apply`] computed: the new root and the store changes that produce it.
///
/// The node applies `deletes` and `writes` in the same RocksDB write batch as the records they
/// come from. Both lists are sorted by key, and no key is in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapUpdate {
    /// Root hash after the batch.
    pub new_root: Hash,
    /// Nodes to put (new positions, or positions whose node changed).
    pub writes: Vec<(NodeKey, Node)>,
    /// Positions that no longer hold a node.
    pub deletes: Vec<NodeKey>,
}

/// Applies a batch of updates to the map whose root is `root`: `Some(value_hash)` sets a key,
/// `None` removes it (removing an absent key does nothing). The order of `updates` does not matter.
///
/// # Errors
/// [`MapError::DuplicateKey`] when a key appears twice; [`MapError::StaleRoot`] when the store's
/// root is not `root`; store errors and [`MapError::MissingNode`] / [`MapError::Corrupted`] when
/// the stored tree is inconsistent.
pub fn apply<S: MapStore + ?Sized>(
    store: &S,
    root: Hash,
    updates: &[(Hash, Option<Hash>)],
) -> Result<MapUpdate, MapError> {
    let mut sorted = updates.to_vec();
    sorted.sort_unstable_by_key(|(key, _)| *key);
    if let Some(pair) = sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(MapError::DuplicateKey(pair[0].0));
    }
    let current = read_root(store, root)?;
    if sorted.is_empty() {
        return Ok(MapUpdate {
            new_root: root,
            writes: Vec::new(),
            deletes: Vec::new(),
        });
    }
    let mut pass = Pass {
        store,
        loaded: BTreeMap::new(),
        written: BTreeMap::new(),
    };
    if let Some(node) = current {
        pass.loaded.insert(NodeKey::root(), node);
    }
    let result = pass.update(NodeKey::root(), current, &sorted)?;
    pass.place(NodeKey::root(), result);
    let new_root = result.hash(store.suite());
    Ok(pass.finish(new_root))
}

/// A subtree after the updates, as its parent needs to see it.
#[derive(Debug, Clone, Copy)]
enum Sub {
    /// No key.
    Empty,
    /// Exactly one key; its node is not written yet because it moves up while it stays alone.
    Leaf(Hash, Hash),
    /// An internal node, already written at its position.
    Internal(Hash),
    /// A subtree no update touched; still in place, and it may be a leaf.
    Untouched(Hash),
}

impl Sub {
    fn hash(&self, suite: Suite) -> Hash {
        match self {
            Sub::Empty => EMPTY_HASH,
            Sub::Leaf(key, value_hash) => super::hash_leaf(suite, key, value_hash),
            Sub::Internal(hash) | Sub::Untouched(hash) => *hash,
        }
    }
}

/// The state of one [`apply`] call: the nodes it read and the nodes it placed.
struct Pass<'a, S: ?Sized> {
    store: &'a S,
    loaded: BTreeMap<NodeKey, Node>,
    written: BTreeMap<NodeKey, Node>,
}

impl<S: MapStore + ?Sized> Pass<'_, S> {
    /// Updates the subtree at `pos`, which currently holds `current` (a leaf there may sit at
    /// a deeper position in the final tree, or higher).
    fn update(
        &mut self,
        pos: NodeKey,
        current: Option<Node>,
        updates: &[(Hash, Option<Hash>)],
    ) -> Result<Sub, MapError> {
        match current {
            Some(Node::Internal { left, right }) => {
                let split = updates.partition_point(|(key, _)| !pos.branch(key));
                let (left_updates, right_updates) = updates.split_at(split);
                let left = self.child(pos, false, left, left_updates)?;
                let right = self.child(pos, true, right, right_updates)?;
                self.combine(pos, left, right)
            }
            leaf_or_empty => {
                let entries = merge(leaf_or_empty, updates);
                self.build(pos, &entries)
            }
        }
    }

    /// Updates one child of the internal node at `pos`, reading it only when it has updates.
    fn child(
        &mut self,
        pos: NodeKey,
        right: bool,
        hash: Hash,
        updates: &[(Hash, Option<Hash>)],
    ) -> Result<Sub, MapError> {
        if updates.is_empty() {
            return Ok(if hash == EMPTY_HASH {
                Sub::Empty
            } else {
                Sub::Untouched(hash)
            });
        }
        let child = child_of(pos, right)?;
        let node = self.read(child, hash)?;
        self.update(child, node, updates)
    }

    /// Builds the subtree at `pos` holding exactly `entries` (sorted, distinct, all below `pos`).
    fn build(&mut self, pos: NodeKey, entries: &[(Hash, Hash)]) -> Result<Sub, MapError> {
        match entries {
            [] => Ok(Sub::Empty),
            [(key, value_hash)] => Ok(Sub::Leaf(*key, *value_hash)),
            _ => {
                let split = entries.partition_point(|(key, _)| !pos.branch(key));
                let (left, right) = entries.split_at(split);
                let left = self.build(child_of(pos, false)?, left)?;
                let right = self.build(child_of(pos, true)?, right)?;
                self.combine(pos, left, right)
            }
        }
    }

    /// Joins two updated halves at `pos`: a lone leaf moves up, anything else becomes an
    /// internal node written at `pos`.
    fn combine(&mut self, pos: NodeKey, left: Sub, right: Sub) -> Result<Sub, MapError> {
        let (left, right) = match (left, right) {
            (Sub::Empty, Sub::Empty) => return Ok(Sub::Empty),
            (leaf @ Sub::Leaf(..), Sub::Empty) | (Sub::Empty, leaf @ Sub::Leaf(..)) => {
                return Ok(leaf);
            }
            (Sub::Untouched(hash), Sub::Empty) => (self.resolve(pos, false, hash)?, Sub::Empty),
            (Sub::Empty, Sub::Untouched(hash)) => (Sub::Empty, self.resolve(pos, true, hash)?),
            halves => halves,
        };
        if let (leaf @ Sub::Leaf(..), Sub::Empty) | (Sub::Empty, leaf @ Sub::Leaf(..)) =
            (left, right)
        {
            return Ok(leaf);
        }
        self.place(child_of(pos, false)?, left);
        self.place(child_of(pos, true)?, right);
        let node = Node::Internal {
            left: left.hash(self.store.suite()),
            right: right.hash(self.store.suite()),
        };
        self.written.insert(pos, node);
        Ok(Sub::Internal(node.hash(self.store.suite())))
    }

    /// Reads an untouched child whose sibling became empty: a leaf must move up.
    fn resolve(&mut self, pos: NodeKey, right: bool, hash: Hash) -> Result<Sub, MapError> {
        let child = child_of(pos, right)?;
        // Only a leaf leaves its position; an internal node stays and must not be deleted.
        Ok(match read_child(self.store, child, hash)? {
            Some(leaf @ Node::Leaf { key, value_hash }) => {
                self.loaded.insert(child, leaf);
                Sub::Leaf(key, value_hash)
            }
            _ => Sub::Untouched(hash),
        })
    }

    /// Writes a leaf at the position where it came to rest; other subtrees are already placed.
    fn place(&mut self, pos: NodeKey, sub: Sub) {
        if let Sub::Leaf(key, value_hash) = sub {
            self.written.insert(pos, Node::Leaf { key, value_hash });
        }
    }

    /// Reads and checks a child node, remembering it so that its position is deleted if the
    /// pass does not write there again.
    fn read(&mut self, pos: NodeKey, hash: Hash) -> Result<Option<Node>, MapError> {
        let node = read_child(self.store, pos, hash)?;
        if let Some(node) = node {
            self.loaded.insert(pos, node);
        }
        Ok(node)
    }

    /// The store changes: positions written with a different node, and positions read but no
    /// longer occupied.
    fn finish(self, new_root: Hash) -> MapUpdate {
        let deletes = self
            .loaded
            .keys()
            .filter(|key| !self.written.contains_key(key))
            .copied()
            .collect();
        let writes = self
            .written
            .into_iter()
            .filter(|(key, node)| self.loaded.get(key) != Some(node))
            .collect();
        MapUpdate {
            new_root,
            writes,
            deletes,
        }
    }
}

/// A child position of `pos`; an internal node at depth 256 means the store is corrupted.
fn child_of(pos: NodeKey, right: bool) -> Result<NodeKey, MapError> {
    pos.child(right).ok_or(MapError::Corrupted {
        key: pos,
        reason: "tree deeper than 256 levels",
    })
}

/// The entries a leaf-or-empty position holds after `updates` (sorted): the updates that set a
/// value, plus the existing leaf unless an update names its key.
fn merge(current: Option<Node>, updates: &[(Hash, Option<Hash>)]) -> Vec<(Hash, Hash)> {
    let mut entries: Vec<(Hash, Hash)> = updates
        .iter()
        .filter_map(|(key, value)| value.map(|value_hash| (*key, value_hash)))
        .collect();
    if let Some(Node::Leaf { key, value_hash }) = current
        && updates.binary_search_by_key(&key, |(k, _)| *k).is_err()
    {
        let at = entries.partition_point(|(k, _)| *k < key);
        entries.insert(at, (key, value_hash));
    }
    entries
}
