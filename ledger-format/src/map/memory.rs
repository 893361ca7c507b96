//! An in-memory [`MapStore`] for tests, tools and the offline client.

use std::collections::BTreeMap;

use super::{EMPTY_HASH, MapError, MapStore, MapUpdate, Node, NodeKey};
use crate::hash::Hash;
use crate::suite::Suite;

/// A [`MapStore`] in a `BTreeMap`, in the order RocksDB would keep the same keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryMapStore {
    suite: Suite,
    nodes: BTreeMap<NodeKey, Node>,
}

impl MemoryMapStore {
    /// An empty store (the empty map, root [`EMPTY_HASH`]) for a log of `suite`.
    pub fn new(suite: Suite) -> Self {
        MemoryMapStore {
            suite,
            nodes: BTreeMap::new(),
        }
    }

    /// Applies the deletes, then the writes, of an update computed against this store.
    pub fn apply_update(&mut self, update: &MapUpdate) {
        for key in &update.deletes {
            self.nodes.remove(key);
        }
        for (key, node) in &update.writes {
            self.nodes.insert(*key, *node);
        }
    }

    /// The root hash of the stored tree.
    pub fn root(&self) -> Hash {
        self.nodes
            .get(&NodeKey::root())
            .map_or(EMPTY_HASH, |node| node.hash(self.suite))
    }

    /// Number of stored nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the store holds no node (the empty map).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// All nodes, in store-key order.
    pub fn nodes(&self) -> impl Iterator<Item = (&NodeKey, &Node)> {
        self.nodes.iter()
    }
}

impl MapStore for MemoryMapStore {
    fn suite(&self) -> Suite {
        self.suite
    }

    fn get(&self, key: &NodeKey) -> Result<Option<Node>, MapError> {
        Ok(self.nodes.get(key).copied())
    }
}
