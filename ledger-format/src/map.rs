//! The verifiable status map: a sparse Merkle tree from certificate code to the hash of the
//! certificate's current state (docs/format.md#status-map).
//!
//! Keys are 256-bit paths ([`map_key`]); the tree stores one 32-byte value hash per key
//! ([`map_value_hash`]). This module knows nothing about certificates: the caller encodes a state
//! and hashes it.
//!
//! The tree is defined recursively over the set of (key, value hash) pairs below a position, so one
//! set has exactly one root whatever the order of insertion:
//!
//! - a subtree holding no key hashes to [`EMPTY_HASH`] (32 zero bytes);
//! - a subtree holding exactly one key is that key's leaf, [`hash_leaf`], placed at the subtree's
//!   root (the leaf is not pushed down to depth 256, so paths have about log2(N) levels);
//! - any other subtree is an internal node, [`hash_internal`] of its left (bit 0) and right (bit 1)
//!   halves.
//!
//! Nodes live in a [`MapStore`] addressed by position ([`NodeKey`]), so the node can keep them in
//! RocksDB; [`apply`] turns a batch of updates into the writes and deletes of one write batch.
//! [`prove`] and [`verify`] produce and check a compact [`MapProof`] of membership or absence.
//!
//! ```
//! use ledger_format::map::{self, MemoryMapStore};
//!
//! let mut store = MemoryMapStore::new(ledger_format::suite::Suite::Ed25519Sha256);
//! let key = map::map_key(ledger_format::suite::Suite::Ed25519Sha256, b"CERT-0001");
//! let value = map::map_value_hash(ledger_format::suite::Suite::Ed25519Sha256, b"encoded state");
//! let update = map::apply(&store, map::EMPTY_HASH, &[(key, Some(value))])?;
//! store.apply_update(&update);
//!
//! let proof = map::prove(&store, update.new_root, key)?;
//! map::verify(ledger_format::suite::Suite::Ed25519Sha256, update.new_root, key, Some(value), &proof)?;
//! let absent = map::map_key(ledger_format::suite::Suite::Ed25519Sha256, b"CERT-0002");
//! map::verify(ledger_format::suite::Suite::Ed25519Sha256, update.new_root, absent, None, &map::prove(&store, update.new_root, absent)?)?;
//! # Ok::<(), ledger_format::map::MapError>(())
//! ```

mod memory;
mod node;
mod proof;
#[cfg(test)]
mod proof_tests;
#[cfg(test)]
mod tests;
mod update;

pub use memory::MemoryMapStore;
pub use node::{Node, NodeKey};
pub use proof::{MapProof, ProofTerminal, prove, verify};
pub use update::{MapUpdate, apply};

use crate::DecodeError;
use crate::hash::{Hash, domain};
use crate::suite::Suite;

/// Number of bits in a key, and so the greatest depth of a leaf.
pub const KEY_BITS: usize = 256;

/// Hash of an empty subtree: 32 zero bytes.
pub const EMPTY_HASH: Hash = Hash::ZERO;

/// Prefix of a leaf hash (docs/format.md#hashing). Distinct from every `hash::domain` string
/// and from the RFC 6962 one-byte prefixes, so a map node can never pass for a log node.
pub const LEAF_DOMAIN: &[u8] = b"registration-ledger/map-leaf/v1\0";

/// Prefix of an internal-node hash (docs/format.md#hashing).
pub const INTERNAL_DOMAIN: &[u8] = b"registration-ledger/map-node/v1\0";

/// The map key of a certificate code: H(`domain::MAP_KEY` || code bytes), `H` the log suite's
/// hash.
pub fn map_key(suite: Suite, code_bytes: &[u8]) -> Hash {
    suite.hash_parts(&[domain::MAP_KEY, code_bytes])
}

/// The value hash of an encoded state: H(`domain::MAP_VALUE` || encoded bytes).
pub fn map_value_hash(suite: Suite, encoded: &[u8]) -> Hash {
    suite.hash_parts(&[domain::MAP_VALUE, encoded])
}

/// Sets every given certificate state in the map whose root is `root`: the one map update of
/// the ledger, which the sequencer, mirrors, audit and fixtures all run at a checkpoint over the
/// certificates changed since the previous one.
///
/// # Errors
/// As [`apply`]; [`MapError::DuplicateKey`] when two states are of one code.
pub fn update_states<'a, S: MapStore + ?Sized>(
    store: &S,
    root: Hash,
    states: impl IntoIterator<Item = &'a crate::lifecycle::CertificateState>,
) -> Result<MapUpdate, MapError> {
    let suite = store.suite();
    let updates: Vec<(Hash, Option<Hash>)> = states
        .into_iter()
        .map(|state| {
            (
                map_key(suite, state.code.as_str().as_bytes()),
                Some(state.map_value_hash(suite)),
            )
        })
        .collect();
    apply(store, root, &updates)
}

/// Hash of a leaf: H(`LEAF_DOMAIN` || key || value hash).
pub fn hash_leaf(suite: Suite, key: &Hash, value_hash: &Hash) -> Hash {
    suite.hash_parts(&[LEAF_DOMAIN, &key.0, &value_hash.0])
}

/// Hash of an internal node: H(`INTERNAL_DOMAIN` || left || right).
pub fn hash_internal(suite: Suite, left: &Hash, right: &Hash) -> Hash {
    suite.hash_parts(&[INTERNAL_DOMAIN, &left.0, &right.0])
}

/// Bit `index` of `key`, most significant bit of byte 0 first; `false` past bit 255.
pub fn key_bit(key: &Hash, index: usize) -> bool {
    key.0
        .get(index / 8)
        .is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0)
}

/// Number of leading bits `a` and `b` share (256 when equal).
pub fn common_prefix_bits(a: &Hash, b: &Hash) -> usize {
    for (i, (x, y)) in a.0.iter().zip(b.0.iter()).enumerate() {
        let diff = x ^ y;
        if diff != 0 {
            return i * 8 + diff.leading_zeros() as usize;
        }
    }
    KEY_BITS
}

/// Why a map operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The store failed (the message comes from the store implementation).
    #[error("map store: {0}")]
    Store(String),
    /// A node the tree refers to is not in the store.
    #[error("map node missing at {key}")]
    MissingNode {
        /// Position of the missing node.
        key: NodeKey,
    },
    /// A stored node does not fit the tree (wrong hash, misplaced leaf, undecodable bytes).
    #[error("corrupted map node at {key}: {reason}")]
    Corrupted {
        /// Position of the node.
        key: NodeKey,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The store's root is not the root the caller expected.
    #[error("store root {stored} is not the expected root {expected}")]
    StaleRoot {
        /// The root the caller passed.
        expected: Hash,
        /// The hash of the root node in the store (zero when empty).
        stored: Hash,
    },
    /// The same key appears twice in one batch of updates.
    #[error("duplicate key {0} in one batch")]
    DuplicateKey(Hash),
    /// The proof breaks a structural rule (see [`MapProof`]).
    #[error("malformed map proof: {0}")]
    MalformedProof(DecodeError),
    /// Membership was asked and the proof shows absence, or the reverse.
    #[error("map proof is of the wrong kind: {0}")]
    WrongProofKind(&'static str),
    /// A non-membership proof ends in a leaf that does not lie on the key's path.
    #[error("map proof leaf does not fit the key: {0}")]
    KeyMismatch(&'static str),
    /// The proof does not lead to the expected root.
    #[error("map proof leads to {computed}, not to the root {expected}")]
    RootMismatch {
        /// The trusted root.
        expected: Hash,
        /// The root the proof computes.
        computed: Hash,
    },
}

/// Storage of map nodes by position; the node backs it with RocksDB, tests with a `BTreeMap`.
pub trait MapStore {
    /// The suite of the log whose map this is: its hash makes every node.
    fn suite(&self) -> Suite;

    /// The node at `key`, or `None` when that position holds no node.
    ///
    /// # Errors
    /// [`MapError::Store`] or [`MapError::Corrupted`] from the implementation.
    fn get(&self, key: &NodeKey) -> Result<Option<Node>, MapError>;
}

impl<S: MapStore + ?Sized> MapStore for &S {
    fn suite(&self) -> Suite {
        (**self).suite()
    }

    fn get(&self, key: &NodeKey) -> Result<Option<Node>, MapError> {
        (**self).get(key)
    }
}

/// Reads the node at `key` that the parent says hashes to `expected`, and checks that it does.
///
/// Returns `None` without reading when `expected` is the empty hash.
fn read_child<S: MapStore + ?Sized>(
    store: &S,
    key: NodeKey,
    expected: Hash,
) -> Result<Option<Node>, MapError> {
    if expected == EMPTY_HASH {
        return Ok(None);
    }
    let node = store.get(&key)?.ok_or(MapError::MissingNode { key })?;
    check_node(key, &node)?;
    if node.hash(store.suite()) != expected {
        return Err(MapError::Corrupted {
            key,
            reason: "node hash differs from the parent's",
        });
    }
    Ok(Some(node))
}

/// Reads the root node and checks it against the root the caller trusts.
fn read_root<S: MapStore + ?Sized>(store: &S, expected: Hash) -> Result<Option<Node>, MapError> {
    let key = NodeKey::root();
    let node = store.get(&key)?;
    let stored = node
        .as_ref()
        .map_or(EMPTY_HASH, |node| node.hash(store.suite()));
    if stored != expected {
        return Err(MapError::StaleRoot { expected, stored });
    }
    if let Some(node) = &node {
        check_node(key, node)?;
    }
    Ok(node)
}

/// Checks what a node's position says about it: a leaf lies on its key's path, an internal node
/// has a non-empty child and is not at the bottom.
fn check_node(key: NodeKey, node: &Node) -> Result<(), MapError> {
    let reason = match node {
        Node::Leaf { key: leaf_key, .. }
            if NodeKey::on_path(leaf_key, key.depth()) != Some(key) =>
        {
            "leaf key is not on the node's path"
        }
        Node::Internal { left, right } if *left == EMPTY_HASH && *right == EMPTY_HASH => {
            "internal node with two empty children"
        }
        Node::Internal { .. } if usize::from(key.depth()) >= KEY_BITS => {
            "internal node at depth 256"
        }
        _ => return Ok(()),
    };
    Err(MapError::Corrupted { key, reason })
}
