//! What a verifier trusts (docs/format.md#trust-policy), and how the cosignatures on a checkpoint
//! are counted against it.
//!
//! Two kinds of witness vouch for a checkpoint. A **replica** is another agency's node: it replayed
//! the log record by record and recomputed the status map, so its cosignature vouches for the
//! certificate status. A **consistency-only** witness (c2sp.org/tlog-witness software run by a third
//! party) checks that the tree only grows, and vouches for the tree alone. A verifier demands a
//! quorum of replicas and, on top, may demand a quorum of consistency witnesses.
//!
//! Quorums are per log: a replica marked as the node of a log never counts for that log (one stolen
//! server must not vouch for its own agency), and each distinct Ed25519 public key counts once,
//! whatever names or policy entries it appears under.

use std::collections::BTreeMap;

use super::VerdictKind;
use crate::checkpoint::{SignedCheckpoint, VerifiedCosignature, VerifierKey};
use crate::equivocation::{Equivocation, EquivocationError, EquivocationFacts};
use crate::keys::PublicKey;

/// A log key a verifier trusts, for the checkpoints and records of one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedLog {
    /// The log's origin.
    pub origin: String,
    /// The log's Ed25519 note key (its name is usually the origin).
    pub key: VerifierKey,
    /// First Unix second the key may sign at (inclusive), if bounded.
    pub not_before: Option<i64>,
    /// Last Unix second the key may sign at (inclusive), if bounded: set when the key was rotated.
    pub not_after: Option<i64>,
}

impl TrustedLog {
    /// Whether the key was in force at `time`.
    pub fn valid_at(&self, time: i64) -> bool {
        self.not_before.is_none_or(|t| time >= t) && self.not_after.is_none_or(|t| time <= t)
    }
}

/// What a witness's cosignature vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessRole {
    /// Another agency's node, which replays the logs it witnesses and recomputes their status maps:
    /// it vouches for the status. It never counts for the log named by `node_of`, the log this node
    /// writes.
    Replica {
        /// The origin of the log whose own node this is, if any.
        node_of: Option<String>,
    },
    /// A witness that checks the tree's consistency only (c2sp.org/tlog-witness): it vouches for
    /// the tree, not for the status.
    ConsistencyOnly,
}

/// A witness key a verifier trusts, and what its cosignature vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedWitness {
    /// The witness's `cosignature/v1` key.
    pub key: VerifierKey,
    /// A replica (of which log it is the node, if any) or a consistency-only witness.
    pub role: WitnessRole,
}

impl TrustedWitness {
    /// A replica that is no log's own node.
    pub fn replica(key: VerifierKey) -> Self {
        TrustedWitness {
            key,
            role: WitnessRole::Replica { node_of: None },
        }
    }

    /// The replica that is the own node of the log `origin`.
    pub fn node_of(key: VerifierKey, origin: &str) -> Self {
        TrustedWitness {
            key,
            role: WitnessRole::Replica {
                node_of: Some(origin.to_owned()),
            },
        }
    }

    /// A consistency-only witness.
    pub fn consistency_only(key: VerifierKey) -> Self {
        TrustedWitness {
            key,
            role: WitnessRole::ConsistencyOnly,
        }
    }
}

/// What a verifier trusts: log keys with their windows and regions, witness keys with their roles,
/// the two quorums, and how old a checkpoint may be (in the spirit of c2sp.org/tlog-policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    /// Trusted log keys; several per origin across key rotations.
    pub logs: Vec<TrustedLog>,
    /// Per origin, the GB/T 2260 divisions the log may issue certificate codes for
    /// ([`crate::code::region_covers`]). A log with no entry may issue for any region.
    pub regions: BTreeMap<String, Vec<u32>>,
    /// Trusted witness keys (`cosignature/v1`) and their roles.
    pub witnesses: Vec<TrustedWitness>,
    /// How many distinct replica keys, other than the log's own node, must cosign a checkpoint.
    pub quorum: usize,
    /// How many distinct consistency-only witness keys must cosign it as well.
    pub consistency_quorum: usize,
    /// Oldest acceptable checkpoint, in seconds before the verification time.
    pub max_age_seconds: i64,
    /// Logs proven to have equivocated ([`TrustPolicy::accept_equivocation`]): nothing they sign
    /// is trusted any more.
    pub equivocated: Vec<EquivocationFacts>,
}

/// A witness whose cosignature counted towards a checkpoint's quorums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigner {
    /// The witness's key name.
    pub name: String,
    /// True for a consistency-only witness, false for a replica.
    pub consistency_only: bool,
    /// When it cosigned, in Unix seconds.
    pub timestamp: i64,
}

/// How a witness key counts for one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counts {
    /// Towards the replica quorum.
    Replica,
    /// Towards the consistency quorum.
    Consistency,
    /// Not at all: it is the log's own node.
    OwnNode,
}

impl TrustPolicy {
    /// Checks a proof that a log of this policy equivocated and, if it holds, distrusts the log:
    /// every later verdict on its checkpoints is [`VerdictKind::Untrusted`].
    ///
    /// # Errors
    /// [`EquivocationError`] when the proof does not verify under any of the policy's keys for
    /// its log (then the policy is unchanged).
    pub fn accept_equivocation(
        &mut self,
        proof: &Equivocation,
    ) -> Result<EquivocationFacts, EquivocationError> {
        let facts = proof.facts()?;
        let mut last_error =
            EquivocationError::NotSigned(format!("no key for log {}", facts.origin));
        for log in self.logs.iter().filter(|l| l.origin == facts.origin) {
            match proof.verify(&log.key) {
                Ok(facts) => {
                    if !self.equivocated.contains(&facts) {
                        self.equivocated.push(facts.clone());
                    }
                    return Ok(facts);
                }
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// Every witness key of the policy, whatever its role.
    pub fn witness_keys(&self) -> Vec<VerifierKey> {
        self.witnesses.iter().map(|w| w.key.clone()).collect()
    }

    /// The regions listed for `origin`, if any.
    pub fn regions_of(&self, origin: &str) -> Option<&[u32]> {
        self.regions.get(origin).map(Vec::as_slice)
    }

    /// Whether the log `origin` may issue codes of the GB/T 2260 division `region`: one of its
    /// listed regions covers it, or the policy lists no regions for it.
    pub fn covers(&self, origin: &str, region: u32) -> bool {
        self.regions_of(origin).is_none_or(|listed| {
            listed
                .iter()
                .any(|l| crate::code::region_covers(*l, region))
        })
    }

    /// The distinct replica public keys that count towards the quorum of the log `origin`: every
    /// replica but the log's own node.
    pub fn replicas_for(&self, origin: &str) -> Vec<PublicKey> {
        self.distinct_keys(origin, Counts::Replica)
    }

    /// The distinct consistency-only public keys that count for the log `origin`.
    pub fn consistency_witnesses_for(&self, origin: &str) -> Vec<PublicKey> {
        self.distinct_keys(origin, Counts::Consistency)
    }

    fn distinct_keys(&self, origin: &str, kind: Counts) -> Vec<PublicKey> {
        let mut keys: Vec<PublicKey> = Vec::new();
        for w in &self.witnesses {
            let key = *w.key.public_key();
            if !keys.contains(&key) && self.counts(&key, origin) == kind {
                keys.push(key);
            }
        }
        keys
    }

    /// How the public key `key` counts for the log `origin`. A key is judged as a whole over every
    /// entry that lists it: marked as the log's own node anywhere, or one of the log's own keys, it
    /// never counts; listed as a replica anywhere, it counts as one; otherwise as a consistency
    /// witness.
    fn counts(&self, key: &PublicKey, origin: &str) -> Counts {
        if self
            .logs
            .iter()
            .any(|l| l.origin == origin && l.key.public_key() == key)
        {
            // A log cannot witness itself, whatever name its key cosigns under.
            return Counts::OwnNode;
        }
        let roles = self
            .witnesses
            .iter()
            .filter(|w| w.key.public_key() == key)
            .map(|w| &w.role);
        let mut counts = Counts::Consistency;
        for role in roles {
            match role {
                WitnessRole::Replica { node_of } if node_of.as_deref() == Some(origin) => {
                    return Counts::OwnNode;
                }
                WitnessRole::Replica { .. } => counts = Counts::Replica,
                WitnessRole::ConsistencyOnly => {}
            }
        }
        counts
    }
}

/// The cosignatures that vouch for `signed` under `policy`, and the witnessed time.
pub(super) struct Witnessed {
    /// The witnessed "as of" time (docs/format.md#verification).
    pub as_of: i64,
    /// The distinct witnesses that counted, replicas first, newest first.
    pub cosigners: Vec<Cosigner>,
}

/// Checks every cosignature by a witness of the policy, counts the eligible ones per distinct key,
/// and returns the witnessed time: the quorum-th newest replica time, and with a consistency quorum
/// the older of that and the consistency quorum-th newest time; the log's own timestamp when both
/// quorums are 0.
pub(super) fn witness(
    signed: &SignedCheckpoint,
    policy: &TrustPolicy,
) -> Result<Witnessed, VerdictKind> {
    let checkpoint = signed.checkpoint();
    let origin = &checkpoint.origin;
    let check = signed.verify_cosignatures(&policy.witness_keys());
    if let Some(e) = check.invalid.first() {
        return Err(VerdictKind::Tampered(format!("cosignature: {e}")));
    }
    let (mut replicas, mut consistency) = tally(&check.valid, policy, origin);
    let replica_time = quorum_time(&mut replicas, policy.quorum, "replica", origin)?;
    let consistency_time = quorum_time(
        &mut consistency,
        policy.consistency_quorum,
        "consistency witness",
        origin,
    )?;
    let as_of = match (replica_time, consistency_time) {
        (Some(r), Some(c)) => r.min(c),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => checkpoint.timestamp,
    };
    let cosigners = replicas
        .into_iter()
        .chain(consistency)
        .map(|(_, c)| c)
        .collect();
    Ok(Witnessed { as_of, cosigners })
}

impl TrustPolicy {
    /// The witnessed time of `signed` under this policy (the quorum-th newest replica
    /// cosignature, as a verdict's `as_of`), with the same counting as every verdict; the log's
    /// signature is not checked here.
    ///
    /// # Errors
    /// [`VerdictKind::Tampered`] for a cosignature that does not verify,
    /// [`VerdictKind::Untrusted`] when a quorum is not met.
    pub fn witnessed_time(&self, signed: &SignedCheckpoint) -> Result<i64, VerdictKind> {
        witness(signed, self).map(|w| w.as_of)
    }
}

/// One vote per distinct witness key: the key, and the cosigner reported for it.
type Votes = Vec<(PublicKey, Cosigner)>;

/// The distinct keys behind `valid` cosignatures that count for the log `origin`, replicas and
/// consistency witnesses apart; a key cosigning under several names votes once, at its newest time.
fn tally(valid: &[VerifiedCosignature], policy: &TrustPolicy, origin: &str) -> (Votes, Votes) {
    let mut replicas: Votes = Vec::new();
    let mut consistency: Votes = Vec::new();
    for line in valid {
        let Some(key) = policy
            .witnesses
            .iter()
            .map(|w| &w.key)
            .find(|k| k.name() == line.name && k.key_id() == line.key_id)
        else {
            continue;
        };
        let public = *key.public_key();
        let timestamp = i64::try_from(line.timestamp).unwrap_or(i64::MAX);
        let (list, consistency_only) = match policy.counts(&public, origin) {
            Counts::OwnNode => continue,
            Counts::Replica => (&mut replicas, false),
            Counts::Consistency => (&mut consistency, true),
        };
        match list.iter_mut().find(|(k, _)| *k == public) {
            Some((_, seen)) => seen.timestamp = seen.timestamp.max(timestamp),
            None => list.push((
                public,
                Cosigner {
                    name: line.name.clone(),
                    consistency_only,
                    timestamp,
                },
            )),
        }
    }
    (replicas, consistency)
}

/// Sorts `list` newest first and returns the `quorum`-th newest time (None for a quorum of 0).
fn quorum_time(
    list: &mut [(PublicKey, Cosigner)],
    quorum: usize,
    kind: &str,
    origin: &str,
) -> Result<Option<i64>, VerdictKind> {
    list.sort_by_key(|(_, c)| std::cmp::Reverse(c.timestamp));
    if quorum == 0 {
        return Ok(None);
    }
    match list.get(quorum - 1) {
        Some((_, c)) => Ok(Some(c.timestamp)),
        None => Err(VerdictKind::Untrusted(format!(
            "{} of the {quorum} {kind} cosignatures required for log {origin} \
             (its own node's does not count)",
            list.len()
        ))),
    }
}
