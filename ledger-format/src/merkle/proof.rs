//! The proof types of the offline bundle, with their canonical (BCS) encoding
//! (docs/format.md#merkle-proofs).

use serde::{Deserialize, Serialize};

use super::{
    MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN, MerkleError, consistency_proof_len,
    inclusion_proof_len, verify_consistency, verify_inclusion,
};
use crate::encoding::{Canonical, DecodeError};
use crate::hash::{HASH_LEN, Hash};
use crate::suite::Suite;

/// BCS length of a `Vec<Hash>` of at most 127 hashes: a one-byte ULEB128 count, then the hashes.
const fn path_encoded_len(max_hashes: usize) -> usize {
    1 + max_hashes * HASH_LEN
}

/// An RFC 6962 inclusion proof: the audit path of leaf `leaf_index` in the tree of `tree_size`
/// leaves, bottom-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Zero-based index of the leaf.
    pub leaf_index: u64,
    /// Number of leaves in the tree the proof is for.
    pub tree_size: u64,
    /// Sibling hashes from the leaf's level up to the root's children (RFC 6962 §2.1.1 `PATH`).
    pub path: Vec<Hash>,
}

impl InclusionProof {
    /// Verifies that the leaf with RFC 6962 hash `leaf_hash` is in the tree of a log of `suite`
    /// with root `root`.
    ///
    /// # Errors
    /// As [`verify_inclusion`].
    pub fn verify(&self, suite: Suite, leaf_hash: &Hash, root: &Hash) -> Result<(), MerkleError> {
        verify_inclusion(
            suite,
            leaf_hash,
            self.leaf_index,
            self.tree_size,
            &self.path,
            root,
        )
    }
}

impl Canonical for InclusionProof {
    /// Two u64, then at most 64 hashes.
    const MAX_ENCODED_LEN: usize = 8 + 8 + path_encoded_len(MAX_INCLUSION_PROOF_LEN);

    fn validate(&self) -> Result<(), DecodeError> {
        if self.path.len() > MAX_INCLUSION_PROOF_LEN {
            return Err(DecodeError::invalid(
                "inclusion proof",
                format!(
                    "{} hashes exceed {MAX_INCLUSION_PROOF_LEN}",
                    self.path.len()
                ),
            ));
        }
        let expected = inclusion_proof_len(self.leaf_index, self.tree_size)
            .map_err(|e| DecodeError::invalid("inclusion proof", e.to_string()))?;
        check_len("inclusion proof", expected, self.path.len())
    }
}

/// An RFC 6962 consistency proof between the trees of `size1` and `size2` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// Number of leaves in the older tree (at least 1).
    pub size1: u64,
    /// Number of leaves in the newer tree (at least `size1`).
    pub size2: u64,
    /// The proof hashes (RFC 6962 §2.1.2 `PROOF`); empty when the sizes are equal.
    pub path: Vec<Hash>,
}

impl ConsistencyProof {
    /// Verifies that the tree with root `root2` extends the tree with root `root1`, in a log of
    /// `suite`.
    ///
    /// # Errors
    /// As [`verify_consistency`].
    pub fn verify(&self, suite: Suite, root1: &Hash, root2: &Hash) -> Result<(), MerkleError> {
        verify_consistency(suite, self.size1, self.size2, &self.path, root1, root2)
    }
}

impl Canonical for ConsistencyProof {
    /// Two u64, then at most 65 hashes.
    const MAX_ENCODED_LEN: usize = 8 + 8 + path_encoded_len(MAX_CONSISTENCY_PROOF_LEN);

    fn validate(&self) -> Result<(), DecodeError> {
        if self.path.len() > MAX_CONSISTENCY_PROOF_LEN {
            return Err(DecodeError::invalid(
                "consistency proof",
                format!(
                    "{} hashes exceed {MAX_CONSISTENCY_PROOF_LEN}",
                    self.path.len()
                ),
            ));
        }
        let expected = consistency_proof_len(self.size1, self.size2)
            .map_err(|e| DecodeError::invalid("consistency proof", e.to_string()))?;
        check_len("consistency proof", expected, self.path.len())
    }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), DecodeError> {
    if got == expected {
        Ok(())
    } else {
        Err(DecodeError::invalid(
            what,
            MerkleError::ProofLength { expected, got }.to_string(),
        ))
    }
}
