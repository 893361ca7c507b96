//! Map nodes and their positions, with their store encodings (docs/format.md#store).

use serde::{Deserialize, Serialize};

use super::{KEY_BITS, hash_internal, hash_leaf, key_bit};
use crate::DecodeError;
use crate::encoding::Canonical;
use crate::hash::{HASH_LEN, Hash};

/// Length of an encoded [`NodeKey`]: a big-endian `u16` depth and a 32-byte path prefix.
pub const NODE_KEY_LEN: usize = 2 + HASH_LEN;

/// The position of a node: its depth (0 = root, at most 256) and the first `depth` bits of every
/// key below it, the remaining bits zero.
///
/// Ordered by depth, then prefix, exactly as [`NodeKey::to_bytes`] sorts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeKey {
    depth: u16,
    prefix: Hash,
}

impl NodeKey {
    /// The root position.
    pub fn root() -> Self {
        NodeKey {
            depth: 0,
            prefix: Hash::ZERO,
        }
    }

    /// The position at `depth` on `key`'s path, or `None` when `depth` exceeds 256.
    pub fn on_path(key: &Hash, depth: u16) -> Option<Self> {
        let bits = usize::from(depth);
        if bits > KEY_BITS {
            return None;
        }
        let mut prefix = *key;
        for (i, byte) in prefix.0.iter_mut().enumerate() {
            let keep = bits.saturating_sub(i * 8).min(8);
            *byte &= !(0xFFu8.checked_shr(keep as u32).unwrap_or(0));
        }
        Some(NodeKey { depth, prefix })
    }

    /// Depth of the position (0 = root).
    pub fn depth(&self) -> u16 {
        self.depth
    }

    /// The path prefix, bits at and after `depth` zero.
    pub fn prefix(&self) -> &Hash {
        &self.prefix
    }

    /// The left (`right == false`) or right child position, or `None` at depth 256.
    pub fn child(&self, right: bool) -> Option<Self> {
        let bits = usize::from(self.depth);
        if bits >= KEY_BITS {
            return None;
        }
        let mut prefix = self.prefix;
        if right && let Some(byte) = prefix.0.get_mut(bits / 8) {
            *byte |= 0x80 >> (bits % 8);
        }
        Some(NodeKey {
            depth: self.depth + 1,
            prefix,
        })
    }

    /// The store key: depth as big-endian `u16`, then the 32 prefix bytes.
    pub fn to_bytes(&self) -> [u8; NODE_KEY_LEN] {
        let mut out = [0u8; NODE_KEY_LEN];
        let (depth, prefix) = out.split_at_mut(2);
        depth.copy_from_slice(&self.depth.to_be_bytes());
        prefix.copy_from_slice(&self.prefix.0);
        out
    }

    /// Parses a store key, rejecting depths over 256 and set bits after the depth.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] naming the broken rule.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let array: [u8; NODE_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| DecodeError::invalid("node key", format!("{} bytes", bytes.len())))?;
        let (depth, prefix) = array.split_at(2);
        let depth = u16::from_be_bytes([depth[0], depth[1]]);
        let mut path = Hash::ZERO;
        path.0.copy_from_slice(prefix);
        let key = NodeKey::on_path(&path, depth)
            .ok_or_else(|| DecodeError::invalid("node key", "depth over 256"))?;
        if key.prefix != path {
            return Err(DecodeError::invalid("node key", "bits set after the depth"));
        }
        Ok(key)
    }

    /// Whether `key` is below this position.
    pub fn contains(&self, key: &Hash) -> bool {
        NodeKey::on_path(key, self.depth) == Some(*self)
    }

    /// Bit `depth` of `key`: which child of this position `key` goes to.
    pub(super) fn branch(&self, key: &Hash) -> bool {
        key_bit(key, usize::from(self.depth))
    }
}

impl std::fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeKey({self})")
    }
}

impl std::fmt::Display for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.depth, self.prefix)
    }
}

/// A stored map node. Encoded in BCS: a one-byte variant tag (0 leaf, 1 internal), then two
/// 32-byte hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Node {
    /// The only key of its subtree.
    Leaf {
        /// The 256-bit key.
        key: Hash,
        /// The hash of the key's value.
        value_hash: Hash,
    },
    /// A subtree with at least two keys.
    Internal {
        /// Hash of the bit-0 half (zero when empty).
        left: Hash,
        /// Hash of the bit-1 half (zero when empty).
        right: Hash,
    },
}

impl Node {
    /// The node's hash in a map of a log of `suite`: [`hash_leaf`] or [`hash_internal`].
    pub fn hash(&self, suite: crate::suite::Suite) -> Hash {
        match self {
            Node::Leaf { key, value_hash } => hash_leaf(suite, key, value_hash),
            Node::Internal { left, right } => hash_internal(suite, left, right),
        }
    }
}

impl Canonical for Node {
    /// Tag byte and two hashes.
    const MAX_ENCODED_LEN: usize = 1 + 2 * HASH_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        match self {
            Node::Internal { left, right } if *left == Hash::ZERO && *right == Hash::ZERO => Err(
                DecodeError::invalid("map node", "internal node with two empty children"),
            ),
            _ => Ok(()),
        }
    }
}
