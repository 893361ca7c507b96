//! Proof that a log equivocated (docs/format.md#equivocation): two checkpoints of one log, both
//! signed by its key, that cannot both be true.
//!
//! A log that shows one history to a bank and another to everyone else must sign two checkpoints
//! that are not consistent. When both reach one witness, the pair is the proof: anyone holding the
//! log's key can check it offline, and from then on trusts nothing that log signs. This version
//! proves the plain case, two signed checkpoints of the **same tree size** whose Merkle roots or
//! status-map roots differ: the case a witness meets when a log signs a second history and shows
//! it anywhere the first one is known. (Checkpoints of different sizes need the diverging records
//! as well to prove anything; a witness that cannot verify consistency simply refuses to cosign.)

use serde::{Deserialize, Serialize};

use crate::checkpoint::{SignedCheckpoint, VerifierKey};
use crate::encoding::{Canonical, DecodeError};

/// The equivocation format version this library writes and reads.
pub const EQUIVOCATION_VERSION: u8 = 1;

/// Largest encoded proof: two notes of at most 16 KiB each.
pub const MAX_EQUIVOCATION_LEN: usize = 33 * 1024;

/// Two signed checkpoints of one log and one size with different roots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equivocation {
    /// Always [`EQUIVOCATION_VERSION`].
    pub version: u8,
    /// The note text of one checkpoint (the smaller text, bytewise), with the log's signature.
    pub first: String,
    /// The note text of the other.
    pub second: String,
}

/// What a verified equivocation proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EquivocationFacts {
    /// The log that equivocated.
    pub origin: String,
    /// The tree size both checkpoints claim.
    pub size: u64,
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
    /// The checkpoints are of different sizes.
    #[error("the checkpoints are of different tree sizes")]
    DifferentSizes,
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
        if self.first >= self.second {
            return Err(DecodeError::invalid(
                "equivocation",
                "notes must be in increasing bytewise order",
            ));
        }
        self.facts()
            .map(|_| ())
            .map_err(|e| DecodeError::invalid("equivocation", e.to_string()))
    }
}

impl Equivocation {
    /// The proof that `a` and `b` equivocate, keeping only the signature lines of `log_key`.
    ///
    /// # Errors
    /// [`EquivocationError`] when the pair proves nothing or `log_key` did not sign both.
    pub fn new(
        a: &SignedCheckpoint,
        b: &SignedCheckpoint,
        log_key: &VerifierKey,
    ) -> Result<Self, EquivocationError> {
        let [a, b] = [a, b].map(|c| only_log_signature(c, log_key));
        let (a, b) = (a?, b?);
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        let proof = Equivocation {
            version: EQUIVOCATION_VERSION,
            first,
            second,
        };
        proof.verify(log_key)?;
        Ok(proof)
    }

    /// Checks the proof against the log's key: both checkpoints are signed by it, name the same
    /// log and size, and commit to different roots.
    ///
    /// # Errors
    /// [`EquivocationError`] naming the first check that fails.
    pub fn verify(&self, log_key: &VerifierKey) -> Result<EquivocationFacts, EquivocationError> {
        let facts = self.facts()?;
        for text in [&self.first, &self.second] {
            parse(text)?
                .verify_log_signature(log_key)
                .map_err(|_| EquivocationError::NotSigned(log_key.name().to_owned()))?;
        }
        Ok(facts)
    }

    /// The log and size the proof is about, checking everything but the signatures.
    ///
    /// # Errors
    /// [`EquivocationError`] when the notes do not parse or do not conflict.
    pub fn facts(&self) -> Result<EquivocationFacts, EquivocationError> {
        let a = parse(&self.first)?;
        let b = parse(&self.second)?;
        let (a, b) = (a.checkpoint(), b.checkpoint());
        if a.origin != b.origin {
            return Err(EquivocationError::DifferentLogs);
        }
        if a.size != b.size {
            return Err(EquivocationError::DifferentSizes);
        }
        if a.root == b.root && a.map_root == b.map_root {
            return Err(EquivocationError::Consistent);
        }
        Ok(EquivocationFacts {
            origin: a.origin.clone(),
            size: a.size,
        })
    }
}

fn parse(text: &str) -> Result<SignedCheckpoint, EquivocationError> {
    SignedCheckpoint::parse(text).map_err(|e| EquivocationError::Malformed(e.to_string()))
}

/// The note text of `checkpoint` with only the signature lines of `log_key`, which must verify.
fn only_log_signature(
    checkpoint: &SignedCheckpoint,
    log_key: &VerifierKey,
) -> Result<String, EquivocationError> {
    checkpoint
        .verify_log_signature(log_key)
        .map_err(|_| EquivocationError::NotSigned(log_key.name().to_owned()))?;
    checkpoint
        .note_signed_by(log_key)
        .map_err(|e| EquivocationError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::hash::Hash;
    use crate::testing;

    fn signed(root: u8, map_root: u8) -> SignedCheckpoint {
        let checkpoint = Checkpoint {
            origin: testing::ORIGIN.into(),
            size: 7,
            root: Hash([root; 32]),
            map_root: Hash([map_root; 32]),
            timestamp: 1_700_000_000,
        };
        let mut c =
            SignedCheckpoint::sign(checkpoint, testing::ORIGIN, &testing::agency_key()).unwrap();
        c.add_cosignature("witness.example", &testing::witness_key(0), 1_700_000_001)
            .unwrap();
        c
    }

    fn log_key() -> VerifierKey {
        VerifierKey::ed25519(testing::ORIGIN, testing::agency_key().public_key()).unwrap()
    }

    #[test]
    fn two_roots_for_one_size_prove_equivocation() {
        let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
        assert_eq!(
            proof.verify(&log_key()).unwrap(),
            EquivocationFacts {
                origin: testing::ORIGIN.into(),
                size: 7
            }
        );
        // Cosignatures are dropped; the order is canonical.
        assert!(!proof.first.contains("witness.example"));
        let swapped = Equivocation::new(&signed(2, 9), &signed(1, 9), &log_key()).unwrap();
        assert_eq!(swapped, proof);
        assert_eq!(Equivocation::decode_exact(&proof.encode()).unwrap(), proof);
        // A different status-map root over the same tree is a split view too.
        assert!(Equivocation::new(&signed(1, 8), &signed(1, 9), &log_key()).is_ok());
    }

    #[test]
    fn agreeing_or_unsigned_checkpoints_prove_nothing() {
        assert_eq!(
            Equivocation::new(&signed(1, 9), &signed(1, 9), &log_key()).unwrap_err(),
            EquivocationError::Consistent
        );
        let other =
            VerifierKey::ed25519("other.example/1", testing::witness_key(1).public_key()).unwrap();
        assert!(matches!(
            Equivocation::new(&signed(1, 9), &signed(2, 9), &other).unwrap_err(),
            EquivocationError::NotSigned(_)
        ));
        let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
        assert!(matches!(
            proof.verify(&other).unwrap_err(),
            EquivocationError::NotSigned(_)
        ));
    }

    #[test]
    fn decoding_rejects_non_canonical_order() {
        let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
        let swapped = Equivocation {
            first: proof.second.clone(),
            second: proof.first.clone(),
            ..proof
        };
        assert!(Equivocation::decode_exact(&swapped.encode()).is_err());
    }

    #[test]
    fn a_policy_that_accepts_the_proof_distrusts_the_log() {
        use crate::bundle::{TrustPolicy, TrustedLog, VerdictKind, verify_checkpoint};
        use crate::checkpoint::CompactCheckpoint;
        let mut policy = TrustPolicy {
            logs: vec![TrustedLog {
                origin: testing::ORIGIN.into(),
                key: log_key(),
                not_before: None,
                not_after: None,
            }],
            witnesses: vec![],
            quorum: 0,
            max_age_seconds: i64::MAX,
            equivocated: Vec::new(),
        };
        let compact = CompactCheckpoint::from_signed(&signed(1, 9), &[log_key()]).unwrap();
        assert!(verify_checkpoint(&compact, &policy, 1_700_000_100).is_ok());
        let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
        policy.accept_equivocation(&proof).unwrap();
        assert!(matches!(
            verify_checkpoint(&compact, &policy, 1_700_000_100),
            Err(VerdictKind::Untrusted(reason)) if reason.contains("equivocated")
        ));
        // A proof for a log the policy does not know changes nothing.
        let mut other = policy.clone();
        other.logs.clear();
        other.equivocated.clear();
        assert!(other.accept_equivocation(&proof).is_err());
        assert!(other.equivocated.is_empty());
    }
}
