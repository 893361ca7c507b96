//! The RFC 6962 Merkle tree over a log's records, with storage reached through [`HashReader`]
//! (docs/format.md#merkle-tree).
//!
//! The tree, its inclusion proofs and its consistency proofs are exactly those of RFC 6962 §2.1
//! (restated in RFC 9162 §2.1): [`leaf_hash`] prefixes `0x00`, [`node_hash`] prefixes `0x01`, with
//! the log suite's hash in place of SHA-256 (SHA-256 for `ed25519-sha256`, SM3 for `sm2-sm3`: the
//! same prefixes and shapes, docs/format.md#suites).
//! A leaf's input is the canonical encoding of one record.
//!
//! Storage holds only **complete subtrees**, addressed by [`NodeId`]: once a perfect subtree of
//! `2^level` leaves is full, its hash never changes, so a store can write it once and serve every
//! later tree size from it. A tree whose size is not a power of two has incomplete right parts; their
//! hashes are computed from the complete subtrees they are made of and never stored.
//!
//! - [`Frontier`] keeps the right edge of the tree in memory and appends leaves without reads;
//! - [`root_at`], [`inclusion_proof`] and [`consistency_proof`] answer for any tree size with one
//!   batched [`HashReader::read_hashes`] call of `O(log n)` ids;
//! - [`verify_inclusion`] and [`verify_consistency`] are the RFC 9162 §2.1.3.2 and §2.1.4.2
//!   algorithms, total on every input;
//! - [`MemoryTree`] is a plain in-memory [`HashReader`] for tests, benches and the in-memory store.
//!
//! This module is pure: no I/O, no clock, no threads.

use crate::hash::Hash;
use crate::suite::Suite;

mod frontier;
mod memory;
mod proof;
mod verify;

pub use frontier::Frontier;
pub use memory::MemoryTree;
pub use proof::{ConsistencyProof, InclusionProof};
pub use verify::{verify_consistency, verify_inclusion};

/// Most hashes an inclusion proof can hold: one per level of a tree of at most `2^64 - 1` leaves.
pub const MAX_INCLUSION_PROOF_LEN: usize = 64;

/// Most hashes a consistency proof can hold: one per level, plus the old tree's subtree hash when
/// the old size is not a power of two (reached only for new sizes above `2^63`).
pub const MAX_CONSISTENCY_PROOF_LEN: usize = 65;

/// Why a Merkle computation, a storage read or a proof verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// A leaf index is not below the tree size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof was asked between an older size larger than the newer one.
    #[error("old tree size {size1} exceeds new tree size {size2}")]
    SizeOrder {
        /// The old tree size.
        size1: u64,
        /// The new tree size.
        size2: u64,
    },
    /// A consistency proof from the empty tree is not defined (RFC 9162 §2.1.4).
    #[error("consistency from the empty tree is not defined")]
    EmptyOldTree,
    /// The proof does not hold the number of hashes its sizes imply.
    #[error("proof has {got} hashes, expected {expected}")]
    ProofLength {
        /// The number the sizes imply.
        expected: usize,
        /// The number in the proof.
        got: usize,
    },
    /// The root computed from the proof differs from the root given.
    #[error("computed root does not match the expected root")]
    RootMismatch,
    /// The old root computed from a consistency proof differs from the old root given.
    #[error("computed old root does not match the expected old root")]
    OldRootMismatch,
    /// The tree already holds `u64::MAX` leaves.
    #[error("tree is full")]
    TreeFull,
    /// The store has no hash for a complete subtree it should hold.
    #[error("missing stored node at level {} index {}", .0.level, .0.index)]
    MissingNode(NodeId),
    /// The store returned a different number of hashes than ids asked for.
    #[error("store returned {got} hashes for {expected} ids")]
    ReadCount {
        /// Number of ids asked for.
        expected: usize,
        /// Number of hashes returned.
        got: usize,
    },
    /// The store failed to read.
    #[error("storage: {0}")]
    Storage(String),
}

/// RFC 6962 leaf hash: `H(0x00 || data)`, `H` the suite's hash.
pub fn leaf_hash(suite: Suite, data: &[u8]) -> Hash {
    suite.hash_parts(&[&[0x00], data])
}

/// RFC 6962 interior node hash: `H(0x01 || left || right)`.
pub fn node_hash(suite: Suite, left: &Hash, right: &Hash) -> Hash {
    suite.hash_parts(&[&[0x01], &left.0, &right.0])
}

/// Root of the empty tree: `H("")` (RFC 9162 §2.1.1).
pub fn empty_root(suite: Suite) -> Hash {
    suite.hash(b"")
}

/// A complete (perfect) subtree: the `2^level` leaves `[index * 2^level, (index + 1) * 2^level)`.
///
/// Level 0 nodes are leaves. These are the only hashes a store keeps
/// (docs/format.md#merkle-tree). Valid ids have `level <= 63` and a last leaf below `u64::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height of the subtree: it covers `2^level` leaves.
    pub level: u8,
    /// Position of the subtree among those of its level, from the left.
    pub index: u64,
}

impl NodeId {
    /// Length of [`NodeId::to_key`].
    pub const KEY_LEN: usize = 9;

    /// The leaf `index` (level 0).
    pub fn leaf(index: u64) -> Self {
        NodeId { level: 0, index }
    }

    /// The storage key: the level byte, then the index as 8 big-endian bytes, so that keys sort by
    /// level, then left to right.
    pub fn to_key(&self) -> [u8; Self::KEY_LEN] {
        let mut key = [0u8; Self::KEY_LEN];
        key[0] = self.level;
        key[1..].copy_from_slice(&self.index.to_be_bytes());
        key
    }

    /// Parses a key written by [`NodeId::to_key`].
    pub fn from_key(key: &[u8; Self::KEY_LEN]) -> Self {
        let mut index = [0u8; 8];
        index.copy_from_slice(&key[1..]);
        NodeId {
            level: key[0],
            index: u64::from_be_bytes(index),
        }
    }
}

/// Read access to stored complete-subtree hashes.
///
/// Every operation of this module makes at most one call, so that a store can batch the reads
/// (one RocksDB `multi_get`).
pub trait HashReader {
    /// The suite of the log whose tree this is: its hash makes every node above the leaves.
    fn suite(&self) -> Suite;

    /// Returns the hash of each id, in the order asked.
    ///
    /// # Errors
    /// [`MerkleError::MissingNode`] when a node is not stored; [`MerkleError::Storage`] when the
    /// store fails.
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MerkleError>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn suite(&self) -> Suite {
        (**self).suite()
    }

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MerkleError> {
        (**self).read_hashes(ids)
    }
}

/// A range of leaves `[start, end)` that is one node of the RFC 6962 tree: `start` is a multiple of
/// a power of two at least `end - start`. Its hash is `MTH(D[start:end])` of RFC 6962 §2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

/// The largest power of two strictly below `n`; `n` must be at least 2.
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Calls `f` with the complete subtrees that make up `span`, left to right: one per set bit of its
/// length, largest first.
fn for_each_subtree(span: Span, mut f: impl FnMut(NodeId)) {
    let mut pos = span.start;
    let len = span.end - span.start;
    for level in (0..64u8).rev() {
        let width = 1u64 << level;
        if len & width != 0 {
            f(NodeId {
                level,
                index: pos >> level,
            });
            pos += width;
        }
    }
}

/// The spans whose hashes form the inclusion proof of leaf `index` in a tree of `size` leaves,
/// bottom-up (RFC 6962 §2.1.1 `PATH`). Requires `index < size`.
pub(crate) fn inclusion_spans(index: u64, size: u64, mut f: impl FnMut(Span)) {
    // Walk down from the root, recording each sibling, then replay them bottom-up.
    let mut stack = [Span { start: 0, end: 0 }; MAX_INCLUSION_PROOF_LEN];
    let mut depth = 0;
    let (mut start, mut n, mut m) = (0u64, size, index);
    while n > 1 && depth < stack.len() {
        let k = split_point(n);
        stack[depth] = if m < k {
            let sibling = Span {
                start: start + k,
                end: start + n,
            };
            n = k;
            sibling
        } else {
            let sibling = Span {
                start,
                end: start + k,
            };
            start += k;
            m -= k;
            n -= k;
            sibling
        };
        depth += 1;
    }
    stack[..depth].iter().rev().for_each(|s| f(*s));
}

/// The spans whose hashes form the consistency proof from `size1` to `size2` leaves, in proof order
/// (RFC 6962 §2.1.2 `PROOF` and `SUBPROOF`). Requires `0 < size1 <= size2`.
pub(crate) fn consistency_spans(size1: u64, size2: u64, mut f: impl FnMut(Span)) {
    let mut stack = [Span { start: 0, end: 0 }; MAX_CONSISTENCY_PROOF_LEN];
    let mut depth = 0;
    let (mut start, mut n, mut m, mut whole_old_tree) = (0u64, size2, size1, true);
    while depth < stack.len() {
        if m == n {
            // SUBPROOF(m, D[m], b): nothing when this is the whole old tree, else its hash.
            if !whole_old_tree {
                stack[depth] = Span {
                    start,
                    end: start + n,
                };
                depth += 1;
            }
            break;
        }
        let k = split_point(n);
        stack[depth] = if m <= k {
            let right = Span {
                start: start + k,
                end: start + n,
            };
            n = k;
            right
        } else {
            let left = Span {
                start,
                end: start + k,
            };
            start += k;
            m -= k;
            n -= k;
            whole_old_tree = false;
            left
        };
        depth += 1;
    }
    stack[..depth].iter().rev().for_each(|s| f(*s));
}

/// Number of hashes in the inclusion proof of leaf `index` in a tree of `size` leaves.
///
/// # Errors
/// [`MerkleError::IndexOutOfRange`] when `index >= size`.
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut count = 0;
    inclusion_spans(index, size, |_| count += 1);
    Ok(count)
}

/// Number of hashes in the consistency proof from `size1` to `size2` leaves (0 when they are equal).
///
/// # Errors
/// [`MerkleError::SizeOrder`] when `size1 > size2`; [`MerkleError::EmptyOldTree`] when `size1` is 0.
pub fn consistency_proof_len(size1: u64, size2: u64) -> Result<usize, MerkleError> {
    check_sizes(size1, size2)?;
    let mut count = 0;
    consistency_spans(size1, size2, |_| count += 1);
    Ok(count)
}

fn check_sizes(size1: u64, size2: u64) -> Result<(), MerkleError> {
    if size1 > size2 {
        return Err(MerkleError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(MerkleError::EmptyOldTree);
    }
    Ok(())
}

/// Reads, in one call, the complete subtrees that make up each span, and returns each span's hash.
fn span_hashes(spans: &[Span], reader: &impl HashReader) -> Result<Vec<Hash>, MerkleError> {
    let mut ids = Vec::new();
    let mut counts = Vec::with_capacity(spans.len());
    for span in spans {
        let before = ids.len();
        for_each_subtree(*span, |id| ids.push(id));
        counts.push(ids.len() - before);
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(&ids)?;
    if hashes.len() != ids.len() {
        return Err(MerkleError::ReadCount {
            expected: ids.len(),
            got: hashes.len(),
        });
    }
    let mut rest = hashes.as_slice();
    let mut out = Vec::with_capacity(spans.len());
    for count in counts {
        let (parts, tail) = rest.split_at(count);
        out.push(fold_subtrees(reader.suite(), parts));
        rest = tail;
    }
    Ok(out)
}

/// The RFC 6962 hash of consecutive complete subtrees given left to right, largest first: each is
/// the left child of the hash of all those to its right. No subtrees is the empty tree.
pub(crate) fn fold_subtrees(suite: Suite, parts: &[Hash]) -> Hash {
    let mut iter = parts.iter().rev();
    let Some(last) = iter.next() else {
        return empty_root(suite);
    };
    iter.fold(*last, |right, left| node_hash(suite, left, &right))
}

/// The ids of the complete subtrees that make up a tree of `size` leaves, largest first.
pub fn subtrees_of(size: u64) -> Vec<NodeId> {
    let mut ids = Vec::with_capacity(size.count_ones() as usize);
    for_each_subtree(
        Span {
            start: 0,
            end: size,
        },
        |id| ids.push(id),
    );
    ids
}

/// The root of the tree of the first `size` leaves, from stored complete subtrees (one read).
///
/// # Errors
/// Any error of the reader.
pub fn root_at(size: u64, reader: &impl HashReader) -> Result<Hash, MerkleError> {
    let hashes = span_hashes(
        &[Span {
            start: 0,
            end: size,
        }],
        reader,
    )?;
    Ok(hashes
        .first()
        .copied()
        .unwrap_or_else(|| empty_root(reader.suite())))
}

/// The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 6962 §2.1.1),
/// from stored complete subtrees (one read).
///
/// # Errors
/// [`MerkleError::IndexOutOfRange`] when `index >= size`; any error of the reader.
pub fn inclusion_proof(
    index: u64,
    size: u64,
    reader: &impl HashReader,
) -> Result<InclusionProof, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut spans = Vec::with_capacity(MAX_INCLUSION_PROOF_LEN);
    inclusion_spans(index, size, |s| spans.push(s));
    Ok(InclusionProof {
        leaf_index: index,
        tree_size: size,
        path: span_hashes(&spans, reader)?,
    })
}

/// The consistency proof between the trees of the first `size1` and `size2` leaves (RFC 6962
/// §2.1.2), from stored complete subtrees (one read). Equal sizes give an empty proof.
///
/// # Errors
/// [`MerkleError::SizeOrder`] when `size1 > size2`; [`MerkleError::EmptyOldTree`] when `size1` is
/// 0; any error of the reader.
pub fn consistency_proof(
    size1: u64,
    size2: u64,
    reader: &impl HashReader,
) -> Result<ConsistencyProof, MerkleError> {
    check_sizes(size1, size2)?;
    let mut spans = Vec::with_capacity(MAX_CONSISTENCY_PROOF_LEN);
    consistency_spans(size1, size2, |s| spans.push(s));
    Ok(ConsistencyProof {
        size1,
        size2,
        path: span_hashes(&spans, reader)?,
    })
}

#[cfg(test)]
mod tests;
