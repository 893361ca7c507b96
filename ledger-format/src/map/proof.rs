//! Compact membership and non-membership proofs (docs/format.md#proofs).

use serde::{Deserialize, Serialize};

use super::{
    EMPTY_HASH, KEY_BITS, MapError, MapStore, Node, NodeKey, common_prefix_bits, hash_internal,
    hash_leaf, key_bit, read_child, read_root,
};
use crate::DecodeError;
use crate::encoding::Canonical;
use crate::hash::{HASH_LEN, Hash};

/// A proof that a key holds a value hash, or holds none, under a map root.
///
/// The proof follows the key's path from the root down `depth` levels to a terminal position.
/// `bitmap` has one bit per level (bit `i` = byte `i / 8`, mask `0x80 >> (i % 8)`): set when the
/// sibling at that level is non-empty. `siblings` lists the non-empty siblings, root level first;
/// empty siblings are implied ([`EMPTY_HASH`]). Encoded in BCS, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapProof {
    /// Number of levels from the root to the terminal position (0..=256).
    pub depth: u16,
    /// Which levels have a non-empty sibling; exactly `ceil(depth / 8)` bytes, unused bits zero.
    pub bitmap: Vec<u8>,
    /// The non-empty siblings, root level first; as many as bits set in `bitmap`.
    pub siblings: Vec<Hash>,
    /// What the terminal position holds.
    pub terminal: ProofTerminal,
}

/// What a [`MapProof`] finds at the end of the key's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProofTerminal {
    /// An empty subtree: the key is absent.
    Empty,
    /// The key's own leaf; the verifier supplies the key and the value hash.
    Leaf,
    /// The leaf of another key sharing the path so far: the key is absent.
    OtherLeaf {
        /// The other key.
        key: Hash,
        /// The other key's value hash.
        value_hash: Hash,
    },
}

impl MapProof {
    /// Whether the sibling at `level` is non-empty (`false` past the bitmap).
    pub fn has_sibling(&self, level: usize) -> bool {
        self.bitmap
            .get(level / 8)
            .is_some_and(|byte| byte & (0x80 >> (level % 8)) != 0)
    }
}

impl Canonical for MapProof {
    /// depth (2) + bitmap (1 + 32) + siblings (2 + 256 * 32) + terminal (1 + 64).
    const MAX_ENCODED_LEN: usize = 2 + (1 + 32) + (2 + KEY_BITS * HASH_LEN) + (1 + 2 * HASH_LEN);

    fn validate(&self) -> Result<(), DecodeError> {
        let depth = usize::from(self.depth);
        if depth > KEY_BITS {
            return Err(DecodeError::invalid("map proof", "depth over 256"));
        }
        if self.bitmap.len() != depth.div_ceil(8) {
            return Err(DecodeError::invalid(
                "map proof",
                "bitmap length does not fit depth",
            ));
        }
        let padding = self.bitmap.len() * 8;
        if (depth..padding).any(|level| self.has_sibling(level)) {
            return Err(DecodeError::invalid(
                "map proof",
                "bitmap bit set past depth",
            ));
        }
        let set: u32 = self.bitmap.iter().map(|byte| byte.count_ones()).sum();
        if set as usize != self.siblings.len() {
            return Err(DecodeError::invalid(
                "map proof",
                "sibling count differs from bitmap",
            ));
        }
        // The terminal's parent holds at least two keys, so the last sibling is never empty.
        if depth > 0 && !self.has_sibling(depth - 1) {
            return Err(DecodeError::invalid("map proof", "last sibling is empty"));
        }
        if self.siblings.contains(&EMPTY_HASH) {
            return Err(DecodeError::invalid("map proof", "listed sibling is empty"));
        }
        Ok(())
    }
}

/// Proves the presence or absence of `key` in the map whose root is `root`.
///
/// # Errors
/// [`MapError::StaleRoot`] when the store's root is not `root` (the store keeps only the current
/// tree); store errors and [`MapError::MissingNode`] / [`MapError::Corrupted`].
pub fn prove<S: MapStore + ?Sized>(store: &S, root: Hash, key: Hash) -> Result<MapProof, MapError> {
    let mut pos = NodeKey::root();
    let mut node = read_root(store, root)?;
    let mut bitmap = Vec::new();
    let mut siblings = Vec::new();
    let terminal = loop {
        match node {
            None => break ProofTerminal::Empty,
            Some(Node::Leaf { key: found, .. }) if found == key => break ProofTerminal::Leaf,
            Some(Node::Leaf { key, value_hash }) => {
                break ProofTerminal::OtherLeaf { key, value_hash };
            }
            Some(Node::Internal { left, right }) => {
                let right_side = pos.branch(&key);
                let (next, sibling) = if right_side {
                    (right, left)
                } else {
                    (left, right)
                };
                let level = usize::from(pos.depth());
                if level % 8 == 0 {
                    bitmap.push(0);
                }
                if sibling != EMPTY_HASH {
                    if let Some(byte) = bitmap.last_mut() {
                        *byte |= 0x80 >> (level % 8);
                    }
                    siblings.push(sibling);
                }
                pos = pos.child(right_side).ok_or(MapError::Corrupted {
                    key: pos,
                    reason: "tree deeper than 256 levels",
                })?;
                node = read_child(store, pos, next)?;
            }
        }
    };
    Ok(MapProof {
        depth: pos.depth(),
        bitmap,
        siblings,
        terminal,
    })
}

/// Verifies that under `root`, `key` holds `value_hash` (`Some`) or holds nothing (`None`).
///
/// Pure and total: any proof, however malformed, yields `Ok` or an error, never a panic.
///
/// # Errors
/// [`MapError::MalformedProof`], [`MapError::WrongProofKind`], [`MapError::KeyMismatch`] or
/// [`MapError::RootMismatch`].
pub fn verify(
    suite: crate::suite::Suite,
    root: Hash,
    key: Hash,
    value_hash: Option<Hash>,
    proof: &MapProof,
) -> Result<(), MapError> {
    proof.validate().map_err(MapError::MalformedProof)?;
    let depth = usize::from(proof.depth);
    let mut hash = match (value_hash, proof.terminal) {
        (Some(value_hash), ProofTerminal::Leaf) => hash_leaf(suite, &key, &value_hash),
        (None, ProofTerminal::Empty) => EMPTY_HASH,
        (
            None,
            ProofTerminal::OtherLeaf {
                key: other,
                value_hash,
            },
        ) => {
            if other == key {
                return Err(MapError::KeyMismatch("the key is present"));
            }
            if common_prefix_bits(&other, &key) < depth {
                return Err(MapError::KeyMismatch("the leaf is not on the key's path"));
            }
            hash_leaf(suite, &other, &value_hash)
        }
        (Some(_), _) => {
            return Err(MapError::WrongProofKind(
                "membership asked, proof of absence",
            ));
        }
        (None, ProofTerminal::Leaf) => {
            return Err(MapError::WrongProofKind(
                "absence asked, proof of membership",
            ));
        }
    };
    let mut siblings = proof.siblings.iter().rev();
    for level in (0..depth).rev() {
        let sibling = if proof.has_sibling(level) {
            *siblings
                .next()
                .ok_or(MapError::MalformedProof(DecodeError::invalid(
                    "map proof",
                    "too few siblings",
                )))?
        } else {
            EMPTY_HASH
        };
        hash = if key_bit(&key, level) {
            hash_internal(suite, &sibling, &hash)
        } else {
            hash_internal(suite, &hash, &sibling)
        };
    }
    if hash != root {
        return Err(MapError::RootMismatch {
            expected: root,
            computed: hash,
        });
    }
    Ok(())
}
