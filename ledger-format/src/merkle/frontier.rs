//! The right edge of the tree: what the sequencer keeps in memory to append without reads.

use super::{HashReader, MerkleError, NodeId, fold_subtrees, node_hash, subtrees_of};
use crate::hash::Hash;
use crate::suite::Suite;

/// The complete subtrees that make up a tree of [`Frontier::size`] leaves: one per set bit of the
/// size, largest (leftmost) first, so at most 64 hashes. Also called a compact range.
///
/// Appending a leaf costs amortized one hash (at most 64) and no reads; it returns the complete
/// subtrees it finishes, which are what a store must write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier {
    suite: Suite,
    size: u64,
    /// Hashes of the complete subtrees of [`subtrees_of`]`(size)`, in that order.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree of a log of `suite`.
    pub fn new(suite: Suite) -> Self {
        Frontier {
            suite,
            size: 0,
            hashes: Vec::new(),
        }
    }

    /// The suite whose hash makes the tree.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Rebuilds the frontier of the tree of the first `size` leaves with one read.
    ///
    /// # Errors
    /// Any error of the reader.
    pub fn load(size: u64, reader: &impl HashReader) -> Result<Self, MerkleError> {
        let ids = subtrees_of(size);
        if ids.is_empty() {
            return Ok(Self::new(reader.suite()));
        }
        let hashes = reader.read_hashes(&ids)?;
        if hashes.len() != ids.len() {
            return Err(MerkleError::ReadCount {
                expected: ids.len(),
                got: hashes.len(),
            });
        }
        Ok(Frontier {
            suite: reader.suite(),
            size,
            hashes,
        })
    }

    /// Number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The ids of the complete subtrees this frontier holds, largest first.
    pub fn ids(&self) -> Vec<NodeId> {
        subtrees_of(self.size)
    }

    /// The hashes of the complete subtrees this frontier holds, largest first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The RFC 6962 root of the tree; [`super::empty_root`] when it is empty.
    pub fn root(&self) -> Hash {
        fold_subtrees(self.suite, &self.hashes)
    }

    /// Appends the leaf whose RFC 6962 hash is `leaf` (see [`super::leaf_hash`]).
    ///
    /// Returns every complete subtree this leaf finishes, to be stored: the leaf itself at level 0,
    /// then each parent it completes, bottom-up.
    ///
    /// # Errors
    /// [`MerkleError::TreeFull`] when the tree already holds `u64::MAX` leaves.
    pub fn append(&mut self, leaf: Hash) -> Result<Vec<(NodeId, Hash)>, MerkleError> {
        let index = self.size;
        let new_size = index.checked_add(1).ok_or(MerkleError::TreeFull)?;
        // The leaf merges with one stored subtree per trailing one bit of the old size.
        let merges = index.trailing_ones();
        let mut done = Vec::with_capacity(merges as usize + 1);
        let mut hash = leaf;
        done.push((NodeId::leaf(index), hash));
        for level in 1..=merges {
            let Some(left) = self.hashes.pop() else {
                // Unreachable: the old size has a stored subtree per set bit.
                return Err(MerkleError::MissingNode(NodeId {
                    level: level as u8 - 1,
                    index: (index >> (level - 1)) - 1,
                }));
            };
            hash = node_hash(self.suite, &left, &hash);
            done.push((
                NodeId {
                    level: level as u8,
                    index: index >> level,
                },
                hash,
            ));
        }
        self.hashes.push(hash);
        self.size = new_size;
        Ok(done)
    }
}
