//! The offline bundle a registrant hands to a bank, and its pure verifier
//! (docs/format.md#bundle).
//!
//! A [`Bundle`] holds a certificate's current state (or nothing, for a code the log does not know),
//! the status-map proof of that state, a compact cosigned checkpoint, and optionally lifecycle
//! records with inclusion proofs. [`verify_bundle`] checks it against a [`TrustPolicy`] at a given
//! time and returns a [`Verdict`]: what a loan officer needs, with the reason and the "as of" time.
//! Nothing here reads a clock or a file; the caller passes both the time and the policy.

use serde::{Deserialize, Serialize};

use crate::checkpoint::{CompactCheckpoint, SignedCheckpoint, VerifierKey};
use crate::code::CertificateCode;
use crate::date::Date;
use crate::encoding::{Canonical, DecodeError};
use crate::lifecycle::{CertificateState, Status};
use crate::map::{self, MapProof};
use crate::merkle::InclusionProof;
use crate::record::{CancellationReason, Record, RevocationReason};

mod trust;

pub use trust::{Cosigner, TrustPolicy, TrustedLog, TrustedWitness, WitnessRole};

/// The bundle format version this library writes and reads.
pub const BUNDLE_VERSION: u8 = 2;
/// Largest encoded bundle accepted: records make bundles larger than the QR form.
pub const MAX_BUNDLE_LEN: usize = 1024 * 1024;
/// Most lifecycle records one bundle carries.
pub const MAX_BUNDLE_RECORDS: usize = 256;

/// A certificate's offline proof of status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always [`BUNDLE_VERSION`].
    pub version: u8,
    /// The certificate code asked about.
    pub code: CertificateCode,
    /// Its state as of the checkpoint; `None` when the map proves the code absent.
    pub state: Option<CertificateState>,
    /// Membership (or absence) of the state in the checkpoint's status map.
    pub map_proof: MapProof,
    /// The log's signed checkpoint with witness cosignatures.
    pub checkpoint: CompactCheckpoint,
    /// Optionally, records about the certificate, each with its inclusion proof to the checkpoint.
    pub records: Vec<ProvenRecord>,
}

/// A record and its inclusion proof in the checkpoint's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenRecord {
    /// The record.
    pub record: Record,
    /// Its RFC 6962 inclusion proof; `tree_size` equals the checkpoint's size.
    pub proof: InclusionProof,
}

impl Canonical for Bundle {
    const MAX_ENCODED_LEN: usize = MAX_BUNDLE_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        if self.version != BUNDLE_VERSION {
            return Err(DecodeError::UnsupportedVersion(self.version));
        }
        if let Some(state) = &self.state {
            state.validate()?;
            if state.code != self.code {
                return Err(DecodeError::invalid("state", "is for another code"));
            }
        }
        self.map_proof.validate()?;
        self.checkpoint.validate()?;
        if self.records.len() > MAX_BUNDLE_RECORDS {
            return Err(DecodeError::invalid("records", "too many"));
        }
        for proven in &self.records {
            proven.record.validate()?;
            proven.proof.validate()?;
        }
        Ok(())
    }
}

/// The outcome of verifying a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What the bundle shows.
    pub kind: VerdictKind,
    /// The certificate code, when the bundle could be read.
    pub code: Option<CertificateCode>,
    /// The origin of the log whose checkpoint the bundle carries, when the bundle could be read.
    pub log: Option<String>,
    /// The witnesses whose cosignatures counted, once the checkpoint is trusted.
    pub cosigners: Vec<Cosigner>,
    /// The time the status is proven for (the witnessed checkpoint time), once it is trusted.
    pub as_of: Option<i64>,
    /// The CST date the validity dates were judged on.
    pub checked_on: Option<Date>,
    /// The proven state, once it is trusted.
    pub state: Option<CertificateState>,
}

/// What a bundle shows. Only [`VerdictKind::Valid`] means "lend against it".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerdictKind {
    /// Issued, in force, and within its validity on the day checked.
    Valid {
        /// First valid day.
        valid_from: Date,
        /// Last valid day.
        valid_until: Date,
    },
    /// Past its last valid day.
    Expired {
        /// The last valid day.
        valid_until: Date,
    },
    /// Before its first valid day.
    NotYetValid {
        /// The first valid day.
        valid_from: Date,
    },
    /// Cancelled (R21, R23).
    Cancelled(CancellationReason),
    /// Revoked (R27).
    Revoked(RevocationReason),
    /// An objection is pending: the registration is suspended (R22).
    Suspended,
    /// In public notice, no certificate yet.
    InNotice {
        /// Last day of the notice.
        ends_on: Date,
    },
    /// The registration ended without a certificate (objection upheld, R22).
    Terminated,
    /// A first registration is applied for and not yet in notice: no certificate yet.
    Applied,
    /// The first registration was refused (R16, R17): no certificate.
    Refused(crate::record::RefusalGround),
    /// The first registration was withdrawn (R16, R18): no certificate.
    Withdrawn,
    /// The log proves that it holds no certificate with this code.
    UnknownCertificate,
    /// The checkpoint is older than the policy accepts.
    Stale {
        /// Age of the witnessed checkpoint, in seconds.
        age_seconds: i64,
    },
    /// A key is not trusted, out of its window, or the witness quorum is not met.
    Untrusted(String),
    /// A signature, proof or record does not check out.
    Tampered(String),
    /// The bytes are not a bundle.
    Malformed(String),
}

impl VerdictKind {
    /// A short stable name: `valid`, `expired`, ..., for reports and exit codes.
    pub fn name(&self) -> &'static str {
        match self {
            VerdictKind::Valid { .. } => "valid",
            VerdictKind::Expired { .. } => "expired",
            VerdictKind::NotYetValid { .. } => "not-yet-valid",
            VerdictKind::Cancelled(_) => "cancelled",
            VerdictKind::Revoked(_) => "revoked",
            VerdictKind::Suspended => "suspended",
            VerdictKind::InNotice { .. } => "in-notice",
            VerdictKind::Terminated => "terminated",
            VerdictKind::Applied => "applied",
            VerdictKind::Refused(_) => "refused",
            VerdictKind::Withdrawn => "withdrawn",
            VerdictKind::UnknownCertificate => "unknown-certificate",
            VerdictKind::Stale { .. } => "stale",
            VerdictKind::Untrusted(_) => "untrusted",
            VerdictKind::Tampered(_) => "tampered",
            VerdictKind::Malformed(_) => "malformed",
        }
    }
}

/// Decodes and verifies a bundle file's bytes at Unix time `at`.
pub fn verify_bundle_bytes(bytes: &[u8], policy: &TrustPolicy, at: i64) -> Verdict {
    match Bundle::decode_exact(bytes) {
        Ok(bundle) => verify_bundle(&bundle, policy, at),
        Err(e) => Verdict {
            kind: VerdictKind::Malformed(e.to_string()),
            code: None,
            log: None,
            cosigners: Vec::new(),
            as_of: None,
            checked_on: None,
            state: None,
        },
    }
}

/// Verifies `bundle` against `policy` at Unix time `at` (validity is judged on the CST date of
/// `at`). Checks, in order: the log's signature, the witness quorums, the witnessed time against
/// `at`, the log key's window at the witnessed time, the checkpoint's age, the code's region, the
/// status-map proof, every record and its inclusion proof; then reads the status.
pub fn verify_bundle(bundle: &Bundle, policy: &TrustPolicy, at: i64) -> Verdict {
    let mut verdict = Verdict {
        kind: VerdictKind::Malformed(String::new()),
        code: Some(bundle.code.clone()),
        log: Some(bundle.checkpoint.origin.clone()),
        cosigners: Vec::new(),
        as_of: None,
        checked_on: Date::from_unix_cst(at).ok(),
        state: None,
    };
    verdict.kind = match check_trust(bundle, policy, at) {
        Err(kind) => kind,
        Ok(trusted) => {
            verdict.as_of = Some(trusted.as_of);
            verdict.cosigners = trusted.cosigners;
            verdict.state = bundle.state.clone();
            match verdict.checked_on {
                Some(today) => status_on(bundle.state.as_ref(), today),
                None => VerdictKind::Malformed(format!("verification time {at} out of range")),
            }
        }
    };
    verdict
}

/// A checkpoint that passed [`verify_checkpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCheckpoint {
    /// The checkpoint with the signature lines of the policy's keys.
    pub signed: SignedCheckpoint,
    /// The witnessed "as of" time (docs/format.md#verification, step 5).
    pub as_of: i64,
    /// The distinct witnesses whose cosignatures counted: replicas first, newest first.
    pub cosigners: Vec<Cosigner>,
    /// The log's suite: that of the trusted log key that signed it (never taken from the bundle,
    /// so that whoever made the bundle cannot choose the hash its proofs are checked with).
    pub suite: crate::suite::Suite,
}

/// Checks a compact checkpoint against `policy` at Unix time `at`: a trusted log key signed it, a
/// quorum of replicas other than the log's own node (and of consistency witnesses, if the policy
/// asks) cosigned it, its witnessed time is not ahead of `at` by more than
/// [`crate::MAX_CLOCK_SKEW_SECONDS`], the log key was in force at that witnessed time, and it is
/// not older than the policy allows (docs/format.md#verification, steps 2–7).
///
/// # Errors
/// The verdict that ends verification: [`VerdictKind::Untrusted`], [`VerdictKind::Tampered`] or
/// [`VerdictKind::Stale`].
pub fn verify_checkpoint(
    compact: &CompactCheckpoint,
    policy: &TrustPolicy,
    at: i64,
) -> Result<TrustedCheckpoint, VerdictKind> {
    let trusted = verify_witnessed_checkpoint(compact, policy, at)?;
    let age = at.saturating_sub(trusted.as_of);
    if age > policy.max_age_seconds {
        return Err(VerdictKind::Stale { age_seconds: age });
    }
    Ok(trusted)
}

/// Every step of [`verify_checkpoint`] but the age (docs/format.md#verification, steps 2–6): what
/// a checkpoint proves about the past holds however old it is, so an evidence receipt is judged
/// this way (docs/format.md#receipt).
///
/// # Errors
/// [`VerdictKind::Untrusted`] or [`VerdictKind::Tampered`].
pub fn verify_witnessed_checkpoint(
    compact: &CompactCheckpoint,
    policy: &TrustPolicy,
    at: i64,
) -> Result<TrustedCheckpoint, VerdictKind> {
    let (signed, signers) = signed_by_log(compact, policy)?;
    let witnessed = trust::witness(&signed, policy)?;
    let as_of = witnessed.as_of;
    let checkpoint = signed.checkpoint();
    check_not_ahead(checkpoint, as_of, at)?;
    if !signers.iter().any(|log| log.valid_at(as_of)) {
        let names: Vec<&str> = signers.iter().map(|l| l.key.name()).collect();
        return Err(VerdictKind::Untrusted(format!(
            "log key {} was not in force at the witnessed time {as_of}",
            names.join(", ")
        )));
    }
    let suite = signers
        .first()
        .map_or(crate::suite::Suite::Ed25519Sha256, |log| {
            log.key.public_key().suite()
        });
    Ok(TrustedCheckpoint {
        signed,
        as_of,
        cosigners: witnessed.cosigners,
        suite,
    })
}

/// Refuses a checkpoint whose witnessed time, or whose own timestamp, is ahead of the verification
/// time by more than the clock skew: a signer that dates a checkpoint in the future is either
/// broken or buying freshness. (A spare cosignature dated in the future, outside the quorum, does
/// not move the witnessed time and is tolerated.)
fn check_not_ahead(
    checkpoint: &crate::checkpoint::Checkpoint,
    as_of: i64,
    at: i64,
) -> Result<(), VerdictKind> {
    let limit = at.saturating_add(crate::MAX_CLOCK_SKEW_SECONDS);
    if as_of > limit {
        return Err(VerdictKind::Untrusted(format!(
            "witnessed time {as_of} is in the future: ahead of the verification time {at} by more than {} s",
            crate::MAX_CLOCK_SKEW_SECONDS
        )));
    }
    if checkpoint.timestamp > limit {
        return Err(VerdictKind::Untrusted(format!(
            "checkpoint of {} is dated {}, in the future: ahead of the verification time {at} by more than {} s",
            checkpoint.origin,
            checkpoint.timestamp,
            crate::MAX_CLOCK_SKEW_SECONDS
        )));
    }
    Ok(())
}

/// Every cryptographic check; returns the trusted checkpoint.
fn check_trust(
    bundle: &Bundle,
    policy: &TrustPolicy,
    at: i64,
) -> Result<TrustedCheckpoint, VerdictKind> {
    let trusted = verify_checkpoint(&bundle.checkpoint, policy, at)?;
    let checkpoint = trusted.signed.checkpoint();
    let region = bundle.code.region();
    if !policy.covers(&checkpoint.origin, region) {
        let listed: Vec<String> = policy
            .regions_of(&checkpoint.origin)
            .unwrap_or_default()
            .iter()
            .map(u32::to_string)
            .collect();
        return Err(VerdictKind::Untrusted(format!(
            "code {} is of region {region}, which log {} may not issue for (its regions: {})",
            bundle.code,
            checkpoint.origin,
            listed.join(", ")
        )));
    }
    let suite = trusted.suite;
    let key = map::map_key(suite, bundle.code.as_str().as_bytes());
    let value = bundle
        .state
        .as_ref()
        .map(|state| state.map_value_hash(suite));
    map::verify(suite, checkpoint.map_root, key, value, &bundle.map_proof)
        .map_err(|e| VerdictKind::Tampered(format!("status-map proof: {e}")))?;
    check_records(bundle, policy, checkpoint, suite)?;
    Ok(trusted)
}

/// Rebuilds the checkpoint note with the policy's key names and checks the log's signature.
/// Returns the note and the trusted log keys whose signature on it verifies (their windows are
/// judged later, at the witnessed time).
fn signed_by_log<'p>(
    compact: &CompactCheckpoint,
    policy: &'p TrustPolicy,
) -> Result<(SignedCheckpoint, Vec<&'p TrustedLog>), VerdictKind> {
    let origin = &compact.origin;
    if let Some(proof) = policy.equivocated.iter().find(|e| &e.origin == origin) {
        return Err(VerdictKind::Untrusted(format!(
            "log {origin} equivocated: {}",
            proof.describe()
        )));
    }
    let log_keys: Vec<&TrustedLog> = policy.logs.iter().filter(|l| &l.origin == origin).collect();
    if log_keys.is_empty() {
        return Err(VerdictKind::Untrusted(format!(
            "no trusted key for log {origin}"
        )));
    }
    let known: Vec<VerifierKey> = log_keys
        .iter()
        .map(|l| l.key.clone())
        .chain(policy.witness_keys())
        .collect();
    // Keep only lines by keys the policy names; others cannot be checked and do not count.
    let mut compact = compact.clone();
    compact
        .signatures
        .retain(|s| known.iter().any(|k| k.key_id() == s.key_id));
    let signed = compact.to_signed(&known).map_err(|_| {
        VerdictKind::Untrusted(format!(
            "checkpoint of {origin} is not signed by a trusted key"
        ))
    })?;
    let mut signers = Vec::new();
    for log in log_keys {
        match signed.verify_log_signature(&log.key) {
            Ok(()) => signers.push(log),
            Err(crate::checkpoint::VerifyError::MissingSignature { .. }) => {}
            Err(e) => return Err(VerdictKind::Tampered(format!("checkpoint: {e}"))),
        }
    }
    if signers.is_empty() {
        return Err(VerdictKind::Untrusted(format!(
            "checkpoint of {origin} is not signed by a trusted log key"
        )));
    }
    Ok((signed, signers))
}

fn check_records(
    bundle: &Bundle,
    policy: &TrustPolicy,
    checkpoint: &crate::checkpoint::Checkpoint,
    suite: crate::suite::Suite,
) -> Result<(), VerdictKind> {
    let tampered =
        |index: u64, what: String| VerdictKind::Tampered(format!("record {index}: {what}"));
    for proven in &bundle.records {
        let record = &proven.record;
        let index = record.header.index;
        if record.header.origin != checkpoint.origin {
            return Err(tampered(index, "from another log".into()));
        }
        if record.body.certificate_code() != Some(&bundle.code) {
            return Err(tampered(index, "about another certificate".into()));
        }
        if proven.proof.leaf_index != index || proven.proof.tree_size != checkpoint.size {
            return Err(tampered(
                index,
                "proof is for another position or tree".into(),
            ));
        }
        if record.suite() != suite {
            return Err(tampered(
                index,
                format!("a {} record in a {suite} log", record.suite()),
            ));
        }
        proven
            .proof
            .verify(suite, &record.hash(), &checkpoint.root)
            .map_err(|e| tampered(index, format!("inclusion proof: {e}")))?;
        let author_trusted = policy.logs.iter().any(|l| {
            l.origin == checkpoint.origin
                && l.key.public_key() == &record.header.author
                && l.valid_at(record.header.time)
        });
        if !author_trusted {
            return Err(tampered(index, "not signed by a log key in force".into()));
        }
        record
            .verify_signature()
            .map_err(|e| tampered(index, e.to_string()))?;
    }
    if let (Some(last), Some(state)) = (bundle.records.last(), &bundle.state)
        && last.record.header.index > state.latest_index
    {
        return Err(VerdictKind::Tampered(
            "a record is newer than the state".into(),
        ));
    }
    Ok(())
}

/// The verdict a trusted state gives on `today`.
fn status_on(state: Option<&CertificateState>, today: Date) -> VerdictKind {
    let Some(state) = state else {
        return VerdictKind::UnknownCertificate;
    };
    match &state.status {
        Status::Cancelled(reason) => VerdictKind::Cancelled(reason.clone()),
        Status::Revoked(reason) => VerdictKind::Revoked(reason.clone()),
        Status::Terminated => VerdictKind::Terminated,
        Status::Applied => VerdictKind::Applied,
        Status::Refused(ground) => VerdictKind::Refused(ground.clone()),
        Status::Withdrawn => VerdictKind::Withdrawn,
        Status::InNotice if state.is_suspended() => VerdictKind::Suspended,
        Status::InNotice => match &state.notice {
            Some(n) => VerdictKind::InNotice { ends_on: n.ends_on },
            None => VerdictKind::Tampered("in notice without a notice".into()),
        },
        Status::Active => match state.validity {
            None => VerdictKind::Tampered("active without validity dates".into()),
            Some(v) if today < v.from => VerdictKind::NotYetValid { valid_from: v.from },
            Some(v) if today > v.until => VerdictKind::Expired {
                valid_until: v.until,
            },
            Some(v) => VerdictKind::Valid {
                valid_from: v.from,
                valid_until: v.until,
            },
        },
    }
}

#[cfg(test)]
mod tests;
