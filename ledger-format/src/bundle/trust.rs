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
//! whatever names or policy entries it appears under. A witness's successive keys (after a
//! rotation) carry the same key name, and one name counts once too.
//!
//! Every key has a validity window. A log key counts only if it was in force at the checkpoint's
//! witnessed time; a witness key's cosignature counts only if its own timestamp is inside the
//! key's window. A key declared compromised as of T gets `not_after = T`: nothing it witnessed
//! after T counts (docs/operations.md#a-key-was-compromised).

use std::collections::BTreeMap;

use super::VerdictKind;
use crate::checkpoint::{KeyId, SignedCheckpoint, VerifiedCosignature, VerifierKey};
use crate::date::in_window;
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
        in_window(self.not_before, self.not_after, time)
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
    /// First Unix second a cosignature by this key may be dated at (inclusive), if bounded: set
    /// when the key replaced an older one.
    pub not_before: Option<i64>,
    /// Last Unix second a cosignature by this key may be dated at (inclusive), if bounded: set
    /// when the key was replaced, or to the time it was compromised.
    pub not_after: Option<i64>,
}

impl TrustedWitness {
    /// A replica that is no log's own node, with an unbounded window.
    pub fn replica(key: VerifierKey) -> Self {
        TrustedWitness {
            key,
            role: WitnessRole::Replica { node_of: None },
            not_before: None,
            not_after: None,
        }
    }

    /// The replica that is the own node of the log `origin`, with an unbounded window.
    pub fn node_of(key: VerifierKey, origin: &str) -> Self {
        TrustedWitness {
            key,
            role: WitnessRole::Replica {
                node_of: Some(origin.to_owned()),
            },
            not_before: None,
            not_after: None,
        }
    }

    /// A consistency-only witness, with an unbounded window.
    pub fn consistency_only(key: VerifierKey) -> Self {
        TrustedWitness {
            key,
            role: WitnessRole::ConsistencyOnly,
            not_before: None,
            not_after: None,
        }
    }

    /// The same witness with the window `[not_before, not_after]` (Unix seconds, inclusive).
    pub fn with_window(self, not_before: Option<i64>, not_after: Option<i64>) -> Self {
        TrustedWitness {
            not_before,
            not_after,
            ..self
        }
    }

    /// Whether a cosignature dated `time` falls inside the key's window.
    pub fn valid_at(&self, time: i64) -> bool {
        in_window(self.not_before, self.not_after, time)
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
        let facts = proof.checked_structure()?;
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

    /// One key per distinct witness of `kind` for `origin`: a key, or a key name shared by a
    /// witness's successive keys, counts once.
    fn distinct_keys(&self, origin: &str, kind: Counts) -> Vec<PublicKey> {
        let mut counted: Vec<(PublicKey, &str)> = Vec::new();
        for w in &self.witnesses {
            let key = *w.key.public_key();
            let name = w.key.name();
            let seen = counted.iter().any(|(k, n)| *k == key || *n == name);
            if !seen && self.counts(&key, origin) == kind {
                counted.push((key, name));
            }
        }
        counted.into_iter().map(|(key, _)| key).collect()
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

/// Checks every cosignature by a witness of the policy, counts the eligible ones per distinct
/// witness (a cosignature dated outside its key's window is not eligible), and returns the
/// witnessed time: the quorum-th newest replica time, and with a consistency quorum the older of
/// that and the consistency quorum-th newest time; the log's own timestamp when both quorums are 0.
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
    let Tally {
        mut replicas,
        mut consistency,
        outside,
    } = tally(&check.valid, policy, origin);
    let short = |kind: &str, counted: usize, quorum: usize| {
        VerdictKind::Untrusted(format!(
            "{counted} of the {quorum} {kind} cosignatures required for log {origin} \
             (its own node's does not count){}",
            outside_text(&outside)
        ))
    };
    let replica_time = quorum_time(&mut replicas, policy.quorum)
        .map_err(|counted| short("replica", counted, policy.quorum))?;
    let consistency_time = quorum_time(&mut consistency, policy.consistency_quorum)
        .map_err(|counted| short("consistency witness", counted, policy.consistency_quorum))?;
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

/// One vote per distinct witness: the key, and the cosigner reported for it.
type Votes = Vec<(PublicKey, Cosigner)>;

/// The votes for one checkpoint, and the cosignatures left out for being dated outside their key's
/// window.
struct Tally {
    replicas: Votes,
    consistency: Votes,
    outside: Vec<Outside>,
}

/// A valid cosignature that does not count: its timestamp is outside its key's window.
struct Outside {
    name: String,
    key_id: KeyId,
    timestamp: i64,
    not_before: Option<i64>,
    not_after: Option<i64>,
}

/// `; ignored: …` naming each key whose cosignature was dated outside its window, or nothing.
fn outside_text(outside: &[Outside]) -> String {
    let lines: Vec<String> = outside
        .iter()
        .map(|o| {
            let mut window = Vec::new();
            if let Some(t) = o.not_before {
                window.push(format!("not-before {t}"));
            }
            if let Some(t) = o.not_after {
                window.push(format!("not-after {t}"));
            }
            format!(
                "witness key {}+{} cosigned at {}, outside its window ({})",
                o.name,
                o.key_id,
                o.timestamp,
                window.join(", ")
            )
        })
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!("; ignored: {}", lines.join("; "))
    }
}

/// The distinct witnesses behind `valid` cosignatures that count for the log `origin`, replicas
/// and consistency witnesses apart. A cosignature counts only if its timestamp is inside the
/// window of its key; a key cosigning under several names, or keys sharing a name (one witness
/// across a rotation), vote once, at their newest time.
fn tally(valid: &[VerifiedCosignature], policy: &TrustPolicy, origin: &str) -> Tally {
    let mut tally = Tally {
        replicas: Vec::new(),
        consistency: Vec::new(),
        outside: Vec::new(),
    };
    for line in valid {
        let mut entries = policy
            .witnesses
            .iter()
            .filter(|w| w.key.name() == line.name && w.key.key_id() == line.key_id)
            .peekable();
        let Some(first) = entries.peek().copied() else {
            continue;
        };
        let timestamp = i64::try_from(line.timestamp).unwrap_or(i64::MAX);
        if !entries.any(|w| w.valid_at(timestamp)) {
            tally.outside.push(Outside {
                name: line.name.clone(),
                key_id: line.key_id,
                timestamp,
                not_before: first.not_before,
                not_after: first.not_after,
            });
            continue;
        }
        let public = *first.key.public_key();
        let (list, consistency_only) = match policy.counts(&public, origin) {
            Counts::OwnNode => continue,
            Counts::Replica => (&mut tally.replicas, false),
            Counts::Consistency => (&mut tally.consistency, true),
        };
        match list
            .iter_mut()
            .find(|(k, seen)| *k == public || seen.name == line.name)
        {
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
    tally
}

/// Sorts `list` newest first and returns the `quorum`-th newest time (None for a quorum of 0).
///
/// # Errors
/// The number of votes, when fewer than `quorum`.
fn quorum_time(list: &mut [(PublicKey, Cosigner)], quorum: usize) -> Result<Option<i64>, usize> {
    list.sort_by_key(|(_, c)| std::cmp::Reverse(c.timestamp));
    if quorum == 0 {
        return Ok(None);
    }
    match list.get(quorum - 1) {
        Some((_, c)) => Ok(Some(c.timestamp)),
        None => Err(list.len()),
    }
}
