//! Proof that a log equivocated (docs/format.md#equivocation): two checkpoints of one log, both
//! signed by its key, that cannot both be true.
//!
//! A log that shows one history to a bank and another to everyone else must sign two checkpoints
//! that are not consistent. When both reach one witness, the pair is the proof: anyone holding the
//! log's key can check it offline, and from then on trusts nothing that log signs. Two forms:
//!
//! - **same size** ([`Equivocation::new`]): two signed checkpoints of one tree size whose Merkle
//!   roots or status-map roots differ;
//! - **across sizes** ([`Equivocation::across_sizes`]): a smaller signed checkpoint (size `m`, root
//!   `r`), a larger one (size `n > m`, root `R`), and an RFC 6962 consistency proof from `m` to `n`
//!   in the larger tree together with that tree's root `x` at size `m`: the proof verifies from
//!   `(m, x)` to `(n, R)` and `x ≠ r`, so the log signed two different trees of size `m`.
//!
//! Either way the proof shows two roots signed for one tree size, which [`EquivocationFacts`]
//! reports.

use crate::suite::Suite;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, SignedCheckpoint, VerifierKey};
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;

/// The equivocation format version this library writes and reads (2: the cross-size form).
pub const EQUIVOCATION_VERSION: u8 = 2;

/// Largest encoded proof: two notes of at most 16 KiB each, a root and a consistency proof of at
/// most 65 hashes, with room for the length prefixes.
pub const MAX_EQUIVOCATION_LEN: usize = 36 * 1024;

/// Two signed checkpoints of one log that cannot both be true, and what shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equivocation {
    /// Always [`EQUIVOCATION_VERSION`].
    pub version: u8,
    /// The note text of one checkpoint with the log's signature: for [`Conflict::SameSize`] the
    /// smaller text bytewise, for [`Conflict::AcrossSizes`] the smaller tree.
    pub first: String,
    /// The note text of the other: for [`Conflict::AcrossSizes`] the larger tree.
    pub second: String,
    /// Why the two cannot both be true.
    pub conflict: Conflict,
}

/// Why two checkpoints of one log conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Conflict {
    /// One tree size, different Merkle or status-map roots.
    SameSize,
    /// The larger tree's root at the smaller size differs from the smaller checkpoint's root.
    AcrossSizes {
        /// The root `x` of the larger tree's first `m` leaves (`m` the smaller size).
        prefix_root: Hash,
        /// The RFC 6962 consistency proof from `(m, prefix_root)` to the larger checkpoint.
        proof: Vec<Hash>,
    },
}

/// What a verified equivocation proves: the log signed two different trees of size `size`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EquivocationFacts {
    /// The log that equivocated.
    pub origin: String,
    /// The tree size for which the log signed two different roots (across sizes: the smaller
    /// checkpoint's size).
    pub size: u64,
    /// Across sizes, the size of the larger checkpoint whose tree holds the other root; `None`
    /// for the same-size form.
    pub larger_size: Option<u64>,
}

impl EquivocationFacts {
    /// A short English description, e.g. for a verdict's reason.
    pub fn describe(&self) -> String {
        match self.larger_size {
            None => format!("it signed two different checkpoints of size {}", self.size),
            Some(larger) => format!(
                "its checkpoint of size {larger} does not extend its checkpoint of size {}",
                self.size
            ),
        }
    }
}

/// Why two checkpoints are not a proof of equivocation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EquivocationError {
    /// The bytes or a note do not parse.
    #[error("malformed equivocation proof: {0}")]
    Malformed(String),
    /// The checkpoints are of different logs.
    #[error("the checkpoints are of different logs")]
    DifferentLogs,
    /// Same-size form: the checkpoints are of different sizes.
    #[error("the checkpoints are of different tree sizes")]
    DifferentSizes,
    /// Cross-size form: the first checkpoint is not smaller than the second.
    #[error("the first checkpoint's tree is not smaller than the second's")]
    SizeOrder,
    /// Cross-size form: the consistency proof does not lead from the prefix root to the larger
    /// checkpoint's root.
    #[error("the consistency proof does not verify: {0}")]
    BadConsistencyProof(String),
    /// The checkpoints commit to the same roots: they agree.
    #[error("the checkpoints agree")]
    Consistent,
    /// A checkpoint is not signed by the given log key.
    #[error("a checkpoint is not signed by the log key {0}")]
    NotSigned(String),
}

impl Canonical for Equivocation {
    const MAX_ENCODED_LEN: usize = MAX_EQUIVOCATION_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        if self.version != EQUIVOCATION_VERSION {
            return Err(DecodeError::UnsupportedVersion(self.version));
        }
        if self.conflict == Conflict::SameSize && self.first >= self.second {
            return Err(DecodeError::invalid(
                "equivocation",
                "notes must be in increasing bytewise order",
            ));
        }
        // The consistency proof is checked when the log's suite is known ([`Equivocation::facts`]).
        self.checked_facts(None)
            .map(|_| ())
            .map_err(|e| DecodeError::invalid("equivocation", e.to_string()))
    }
}

impl Equivocation {
    /// The same-size proof that `a` and `b` equivocate, keeping only the signature lines of
    /// `log_key`.
    ///
    /// # Errors
    /// [`EquivocationError`] when the pair proves nothing or `log_key` did not sign both.
    pub fn new(
        a: &SignedCheckpoint,
        b: &SignedCheckpoint,
        log_key: &VerifierKey,
    ) -> Result<Self, EquivocationError> {
        Self::new_with_keys(a, b, std::slice::from_ref(log_key))
    }

    /// [`Equivocation::new`] for a log whose key rotated: each checkpoint keeps the signature
    /// lines of the first of `log_keys` that signed it (the key in force at its size, or any of
    /// the log's keys; docs/format.md#key-rotation).
    ///
    /// # Errors
    /// [`EquivocationError`] when the pair proves nothing or no key of `log_keys` signed one.
    pub fn new_with_keys(
        a: &SignedCheckpoint,
        b: &SignedCheckpoint,
        log_keys: &[VerifierKey],
    ) -> Result<Self, EquivocationError> {
        let [a, b] = [a, b].map(|c| only_log_signature(c, log_keys));
        let (a, b) = (a?, b?);
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        let proof = Equivocation {
            version: EQUIVOCATION_VERSION,
            first,
            second,
            conflict: Conflict::SameSize,
        };
        proof.verify_with_keys(log_keys)?;
        Ok(proof)
    }

    /// The cross-size proof: `larger`'s tree has root `prefix_root` at `smaller`'s size (shown by
    /// the consistency `proof` from there to `larger`), which is not `smaller`'s root. Keeps only
    /// the signature lines of `log_key`.
    ///
    /// # Errors
    /// [`EquivocationError`] when the checkpoints are of other logs or sizes, the proof does not
    /// verify, the roots agree, or `log_key` did not sign both.
    pub fn across_sizes(
        smaller: &SignedCheckpoint,
        larger: &SignedCheckpoint,
        proof: Vec<Hash>,
        prefix_root: Hash,
        log_key: &VerifierKey,
    ) -> Result<Self, EquivocationError> {
        Self::across_sizes_with_keys(
            smaller,
            larger,
            proof,
            prefix_root,
            std::slice::from_ref(log_key),
        )
    }

    /// [`Equivocation::across_sizes`] for a log whose key rotated: each checkpoint may be signed
    /// by any of `log_keys`.
    ///
    /// # Errors
    /// As [`Equivocation::across_sizes`].
    pub fn across_sizes_with_keys(
        smaller: &SignedCheckpoint,
        larger: &SignedCheckpoint,
        proof: Vec<Hash>,
        prefix_root: Hash,
        log_keys: &[VerifierKey],
    ) -> Result<Self, EquivocationError> {
        let equivocation = Equivocation {
            version: EQUIVOCATION_VERSION,
            first: only_log_signature(smaller, log_keys)?,
            second: only_log_signature(larger, log_keys)?,
            conflict: Conflict::AcrossSizes { prefix_root, proof },
        };
        equivocation.verify_with_keys(log_keys)?;
        Ok(equivocation)
    }

    /// Checks the proof against the log's key: both checkpoints are signed by it, and they
    /// conflict ([`Equivocation::facts`]).
    ///
    /// # Errors
    /// [`EquivocationError`] naming the first check that fails.
    pub fn verify(&self, log_key: &VerifierKey) -> Result<EquivocationFacts, EquivocationError> {
        self.verify_with_keys(std::slice::from_ref(log_key))
    }

    /// Checks the proof against the keys of a log whose key rotated: each checkpoint is signed by
    /// one of `log_keys` (a verifier passes the key in force at each size, or all of the log's
    /// keys), and they conflict.
    ///
    /// # Errors
    /// [`EquivocationError`] naming the first check that fails.
    pub fn verify_with_keys(
        &self,
        log_keys: &[VerifierKey],
    ) -> Result<EquivocationFacts, EquivocationError> {
        let suite = log_keys
            .first()
            .map_or(Suite::Ed25519Sha256, |key| key.public_key().suite());
        let facts = self.facts(suite)?;
        for text in [&self.first, &self.second] {
            let signed = parse(text)?;
            if !log_keys
                .iter()
                .any(|key| signed.verify_log_signature(key).is_ok())
            {
                return Err(not_signed(log_keys));
            }
        }
        Ok(facts)
    }

    /// The log and sizes the proof is about, checking everything but the signatures: one origin;
    /// same size with different roots, or a smaller and a larger tree whose consistency proof
    /// (in the hash of `suite`, the log's) shows another root at the smaller size.
    ///
    /// # Errors
    /// [`EquivocationError`] when the notes do not parse or do not conflict.
    pub fn facts(&self, suite: Suite) -> Result<EquivocationFacts, EquivocationError> {
        self.checked_facts(Some(suite))
    }

    /// The log and sizes the proof is about, checking what needs no hash: one origin, same size
    /// with different roots, or a smaller and a larger tree (the consistency proof is checked by
    /// [`Equivocation::facts`] and [`Equivocation::verify`], which know the log's suite).
    ///
    /// # Errors
    /// [`EquivocationError`] when the notes do not parse or cannot conflict.
    pub fn checked_structure(&self) -> Result<EquivocationFacts, EquivocationError> {
        self.checked_facts(None)
    }

    /// [`Equivocation::facts`], checking the consistency proof only when `suite` is given.
    fn checked_facts(&self, suite: Option<Suite>) -> Result<EquivocationFacts, EquivocationError> {
        let a = parse(&self.first)?;
        let b = parse(&self.second)?;
        let (a, b) = (a.checkpoint(), b.checkpoint());
        if a.origin != b.origin {
            return Err(EquivocationError::DifferentLogs);
        }
        let larger_size = match &self.conflict {
            Conflict::SameSize => {
                same_size_conflict(a, b)?;
                None
            }
            Conflict::AcrossSizes { prefix_root, proof } => {
                across_sizes_conflict(suite, a, b, prefix_root, proof)?;
                Some(b.size)
            }
        };
        Ok(EquivocationFacts {
            origin: a.origin.clone(),
            size: a.size,
            larger_size,
        })
    }
}

/// Two checkpoints of one size that commit to different roots.
fn same_size_conflict(a: &Checkpoint, b: &Checkpoint) -> Result<(), EquivocationError> {
    if a.size != b.size {
        return Err(EquivocationError::DifferentSizes);
    }
    if a.root == b.root && a.map_root == b.map_root {
        return Err(EquivocationError::Consistent);
    }
    Ok(())
}

/// `larger`'s tree has `prefix_root` at `smaller`'s size (the proof verifies), and it is not
/// `smaller`'s root. Status-map roots of different sizes are not comparable and are not looked at.
fn across_sizes_conflict(
    suite: Option<Suite>,
    smaller: &Checkpoint,
    larger: &Checkpoint,
    prefix_root: &Hash,
    proof: &[Hash],
) -> Result<(), EquivocationError> {
    if smaller.size >= larger.size {
        return Err(EquivocationError::SizeOrder);
    }
    if let Some(suite) = suite {
        crate::merkle::verify_consistency(
            suite,
            smaller.size,
            larger.size,
            proof,
            prefix_root,
            &larger.root,
        )
        .map_err(|e| EquivocationError::BadConsistencyProof(e.to_string()))?;
    }
    if *prefix_root == smaller.root {
        return Err(EquivocationError::Consistent);
    }
    Ok(())
}

fn parse(text: &str) -> Result<SignedCheckpoint, EquivocationError> {
    SignedCheckpoint::parse(text).map_err(|e| EquivocationError::Malformed(e.to_string()))
}

/// The note text of `checkpoint` with only the signature lines of the first of `log_keys` that
/// signed it.
fn only_log_signature(
    checkpoint: &SignedCheckpoint,
    log_keys: &[VerifierKey],
) -> Result<String, EquivocationError> {
    let key = log_keys
        .iter()
        .find(|key| checkpoint.verify_log_signature(key).is_ok())
        .ok_or_else(|| not_signed(log_keys))?;
    checkpoint
        .note_signed_by(key)
        .map_err(|e| EquivocationError::Malformed(e.to_string()))
}

fn not_signed(log_keys: &[VerifierKey]) -> EquivocationError {
    EquivocationError::NotSigned(
        log_keys
            .first()
            .map_or_else(String::new, |k| k.name().to_owned()),
    )
}

#[cfg(test)]
mod tests;
