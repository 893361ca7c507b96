//! Proof verification: RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
//!
//! Both functions are total: every input, including sizes near `u64::MAX` and proofs of any length,
//! gives `Ok` or an error, never a panic. The proof length is checked against the sizes first, so
//! that a wrong-length proof gets its own error rather than a root mismatch.

use super::{MerkleError, check_sizes, consistency_proof_len, inclusion_proof_len, node_hash};
use crate::hash::Hash;
use crate::suite::Suite;

/// Verifies that the leaf with RFC 6962 hash `leaf_hash` is at `index` in the tree of `size` leaves
/// whose root is `root`, given the inclusion proof `path` (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`MerkleError::IndexOutOfRange`] when `index >= size`; [`MerkleError::ProofLength`] when `path`
/// does not have the length the sizes imply; [`MerkleError::RootMismatch`] when the computed root
/// differs from `root`.
pub fn verify_inclusion(
    suite: Suite,
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let expected = inclusion_proof_len(index, size)?;
    if path.len() != expected {
        return Err(MerkleError::ProofLength {
            expected,
            got: path.len(),
        });
    }
    // `index < size`, so `size - 1` does not underflow.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in path {
        if sn == 0 {
            return Err(MerkleError::ProofLength {
                expected,
                got: path.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(suite, p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(suite, &r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 || r != *root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
/// with root `root1`, given the consistency proof `proof` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots. An old size of 0 is rejected, as in RFC 9162:
/// every tree extends the empty tree, so such a proof proves nothing.
///
/// # Errors
/// [`MerkleError::SizeOrder`] when `size1 > size2`; [`MerkleError::EmptyOldTree`] when `size1` is
/// 0; [`MerkleError::ProofLength`] when `proof` does not have the length the sizes imply;
/// [`MerkleError::OldRootMismatch`] or [`MerkleError::RootMismatch`] when a computed root differs.
pub fn verify_consistency(
    suite: Suite,
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), MerkleError> {
    check_sizes(size1, size2)?;
    let expected = consistency_proof_len(size1, size2)?;
    if proof.len() != expected {
        return Err(MerkleError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    if size1 == size2 {
        return if root1 == root2 {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        };
    }
    // RFC 9162 step 2: when size1 is a power of two, the old root is the proof's implicit first
    // element. `proof` is non-empty here since size1 < size2.
    let (seed, rest) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        match proof.split_first() {
            Some(split) => split,
            None => return Err(MerkleError::ProofLength { expected, got: 0 }),
        }
    };
    let (fr, sr, sn) = chain_consistency(suite, size1, size2, seed, rest);
    if sn != 0 {
        return Err(MerkleError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    if fr != *root1 {
        return Err(MerkleError::OldRootMismatch);
    }
    if sr != *root2 {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2 steps 3 to 6: returns the old root, the new root and the final `sn`.
/// Requires `0 < size1 < size2`.
fn chain_consistency(
    suite: Suite,
    size1: u64,
    size2: u64,
    seed: &Hash,
    rest: &[Hash],
) -> (Hash, Hash, u64) {
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if sn == 0 {
            // More hashes than levels: report a non-zero `sn` so the caller rejects the proof.
            return (fr, sr, 1);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(suite, c, &fr);
            sr = node_hash(suite, c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(suite, &sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (fr, sr, sn)
}
