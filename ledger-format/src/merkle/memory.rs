//! An in-memory tree: every complete subtree hash, level by level.

use super::{Frontier, HashReader, MerkleError, NodeId, leaf_hash};
use crate::hash::Hash;
use crate::suite::Suite;

/// A Merkle tree held in memory: `levels[l][i]` is the hash of [`NodeId`] `{ level: l, index: i }`.
///
/// It stores exactly what a persistent store stores (the nodes [`Frontier::append`] returns), so
/// proofs served from it take the same path as proofs served from disk.
#[derive(Debug, Clone)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
    frontier: Frontier,
}

impl MemoryTree {
    /// The empty tree of a log of `suite`.
    pub fn new(suite: Suite) -> Self {
        MemoryTree {
            levels: Vec::new(),
            frontier: Frontier::new(suite),
        }
    }

    /// A tree of the given leaf inputs (each hashed with [`leaf_hash`]).
    ///
    /// # Errors
    /// [`MerkleError::TreeFull`] only past `u64::MAX` leaves.
    pub fn from_leaves<'a>(
        suite: Suite,
        leaves: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, MerkleError> {
        let mut tree = Self::new(suite);
        for data in leaves {
            tree.push(data)?;
        }
        Ok(tree)
    }

    /// Appends a leaf input (the canonical bytes of a record).
    ///
    /// # Errors
    /// [`MerkleError::TreeFull`] only past `u64::MAX` leaves.
    pub fn push(&mut self, data: &[u8]) -> Result<(), MerkleError> {
        self.push_hash(leaf_hash(self.frontier.suite(), data))
    }

    /// Appends a leaf by its RFC 6962 leaf hash.
    ///
    /// # Errors
    /// [`MerkleError::TreeFull`] only past `u64::MAX` leaves.
    pub fn push_hash(&mut self, leaf: Hash) -> Result<(), MerkleError> {
        for (id, hash) in self.frontier.append(leaf)? {
            let level = usize::from(id.level);
            if self.levels.len() <= level {
                self.levels.resize_with(level + 1, Vec::new);
            }
            self.levels[level].push(hash);
        }
        Ok(())
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The frontier of the whole tree.
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    fn get(&self, id: NodeId) -> Option<Hash> {
        let level = self.levels.get(usize::from(id.level))?;
        level.get(usize::try_from(id.index).ok()?).copied()
    }
}

impl HashReader for MemoryTree {
    fn suite(&self) -> Suite {
        self.frontier.suite()
    }

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MerkleError> {
        ids.iter()
            .map(|id| self.get(*id).ok_or(MerkleError::MissingNode(*id)))
            .collect()
    }
}
