//! The C2SP witness endpoint, `POST /add-checkpoint` (c2sp.org/tlog-witness), for a log this node
//! mirrors.
//!
//! A cosignature of this node means "I replayed this log to this size and got this status-map
//! root", whatever the path that asked for it. So `add-checkpoint` checks what tlog-witness asks
//! (the log's signature, `old` equal to the witnessed size, the consistency proof from it), and
//! then cosigns only a checkpoint the mirror verified: one it already holds, or one it reaches
//! within the request by fetching the missing records from the log's writer or any member and
//! replaying them ([`super::mirror::Mirror::apply`]). When the records cannot be had in time it
//! answers 503 with `Retry-After`; it never cosigns an unverified map root. Every refusal is
//! counted in `ledger_witness_refused_total{origin, reason}`.

use std::sync::Arc;
use std::time::Duration;

use ledger_format::checkpoint::{AddCheckpointRequest, SignedCheckpoint};
use ledger_format::hash::Hash;
use ledger_format::merkle::verify_consistency;

use super::mirror::MirrorError;
use super::protocol::Gossip;
use super::shared::Shared;
use crate::export;

/// How long `add-checkpoint` waits for the records of a checkpoint the witness does not hold yet.
pub const WITNESS_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The `Retry-After` of a 503: about the time a writer's next checkpoint takes to reach members.
pub const RETRY_AFTER_SECONDS: u64 = 5;
/// Largest `add-checkpoint` body: `old`, a consistency proof of at most 64 hashes, and a note of
/// at most 16 KiB.
pub const MAX_ADD_CHECKPOINT_BYTES: usize = 20 * 1024;

/// Why `add-checkpoint` did not cosign. [`WitnessError::status`] is the one place that decides
/// the HTTP status (c2sp.org/tlog-witness).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The node runs alone and witnesses nothing (404).
    #[error("this node runs alone and witnesses no log")]
    NotAWitness,
    /// The body is malformed (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The log is not one this node mirrors (404).
    #[error("unknown log {0}")]
    UnknownLog(String),
    /// The checkpoint is not signed by the log's key (403).
    #[error("checkpoint not signed by the log's key")]
    BadSignature,
    /// The checkpoint is dated ahead of this node's clock (422).
    #[error("{0}")]
    Future(String),
    /// The log equivocated; the node no longer cosigns it (409).
    #[error("log {0} equivocated; this witness no longer cosigns it")]
    Equivocated(String),
    /// The witnessed size is not `old` (409, body: the size).
    #[error("witnessed size is {0}")]
    Conflict(u64),
    /// The consistency proof does not verify (422).
    #[error("consistency proof: {0}")]
    BadProof(String),
    /// The checkpoint cannot be checked against the records (422): the witness holds the log past
    /// its size but never verified a checkpoint of that size.
    #[error("cannot verify: {0}")]
    Unverifiable(String),
    /// The witness does not hold the records up to the checkpoint and could not fetch and verify
    /// them in time (503, with `Retry-After`).
    #[error("records up to size {0} not verified yet; retry later")]
    NotYet(u64),
    /// The store failed (500).
    #[error("store: {0}")]
    Store(String),
}

impl WitnessError {
    /// The HTTP status c2sp.org/tlog-witness gives this refusal.
    pub fn status(&self) -> u16 {
        match self {
            WitnessError::Malformed(_) => 400,
            WitnessError::BadSignature => 403,
            WitnessError::NotAWitness | WitnessError::UnknownLog(_) => 404,
            WitnessError::Equivocated(_) | WitnessError::Conflict(_) => 409,
            WitnessError::Future(_) | WitnessError::BadProof(_) | WitnessError::Unverifiable(_) => {
                422
            }
            WitnessError::NotYet(_) => 503,
            WitnessError::Store(_) => 500,
        }
    }

    /// Seconds to wait before asking again, for a refusal that may pass later.
    pub fn retry_after(&self) -> Option<u64> {
        matches!(self, WitnessError::NotYet(_)).then_some(RETRY_AFTER_SECONDS)
    }

    /// A short, fixed word for metrics labels.
    pub fn reason(&self) -> &'static str {
        match self {
            WitnessError::NotAWitness => "not_a_witness",
            WitnessError::Malformed(_) => "malformed",
            WitnessError::UnknownLog(_) => "unknown_log",
            WitnessError::BadSignature => "bad_signature",
            WitnessError::Future(_) => "future",
            WitnessError::Equivocated(_) => "equivocated",
            WitnessError::Conflict(_) => "old_size",
            WitnessError::BadProof(_) => "bad_proof",
            WitnessError::Unverifiable(_) => "unverifiable",
            WitnessError::NotYet(_) => "records_missing",
            WitnessError::Store(_) => "store",
        }
    }
}

impl From<MirrorError> for WitnessError {
    fn from(e: MirrorError) -> Self {
        match e {
            MirrorError::Future { .. } => WitnessError::Future(e.to_string()),
            MirrorError::Store(e) => WitnessError::Store(e.to_string()),
            other => WitnessError::Unverifiable(other.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for WitnessError {
    fn from(e: crate::store::StoreError) -> Self {
        WitnessError::Store(e.to_string())
    }
}

/// Parses an `add-checkpoint` body (`checkpoint::AddCheckpointRequest`: `old <size>`, the
/// consistency proof lines, an empty line, and the checkpoint note), with this endpoint's limits:
/// at most [`MAX_ADD_CHECKPOINT_BYTES`] and 64 proof lines (the longest RFC 6962 proof).
///
/// # Errors
/// [`WitnessError::Malformed`] naming what is wrong.
pub fn parse_add_checkpoint(body: &str) -> Result<AddCheckpointRequest<'_>, WitnessError> {
    if body.len() > MAX_ADD_CHECKPOINT_BYTES {
        return Err(WitnessError::Malformed("body too large".into()));
    }
    let request =
        AddCheckpointRequest::parse(body).map_err(|e| WitnessError::Malformed(e.to_string()))?;
    if request.proof.len() > 64 {
        return Err(WitnessError::Malformed(
            "a consistency proof has at most 64 hashes".into(),
        ));
    }
    Ok(request)
}

/// What the checks found the witness must do.
enum Next {
    /// It cosigned: the line.
    Cosigned(String),
    /// It must first fetch and verify the records up to the checkpoint.
    Fetch(SignedCheckpoint),
}

/// `add-checkpoint` on `shared`: returns the cosignature line.
///
/// # Errors
/// [`WitnessError`], whose [`WitnessError::status`] is the HTTP status.
pub async fn add_checkpoint(shared: Arc<Shared>, body: String) -> Result<String, WitnessError> {
    let result = add_checkpoint_inner(&shared, &body).await;
    if let Err(e) = &result {
        // The log named by the note, for the metric; empty when the body does not parse.
        let origin = parse_add_checkpoint(&body)
            .ok()
            .and_then(|r| SignedCheckpoint::parse(r.checkpoint).ok())
            .map(|s| s.checkpoint().origin.clone())
            .unwrap_or_default();
        shared.metrics().witness_refused(&origin, e.reason());
        tracing::warn!(%origin, status = e.status(), error = %e, "add-checkpoint refused");
    }
    result
}

async fn add_checkpoint_inner(shared: &Arc<Shared>, body: &str) -> Result<String, WitnessError> {
    let request = parse_add_checkpoint(body)?;
    let signed = SignedCheckpoint::parse(request.checkpoint)
        .map_err(|e| WitnessError::Malformed(format!("checkpoint: {e}")))?;
    let origin = signed.checkpoint().origin.clone();
    let (old, proof) = (request.old, request.proof);
    let next = {
        let shared = shared.clone();
        tokio::task::spawn_blocking(move || shared.witness_check(old, &proof, signed))
            .await
            .map_err(|e| WitnessError::Store(e.to_string()))??
    };
    let signed = match next {
        Next::Cosigned(line) => return Ok(line),
        Next::Fetch(signed) => signed,
    };
    let size = signed.checkpoint().size;
    fetch(shared, &origin, &signed).await?;
    let shared2 = shared.clone();
    let line = tokio::task::spawn_blocking(move || shared2.cosign_verified(&signed))
        .await
        .map_err(|e| WitnessError::Store(e.to_string()))??;
    tracing::info!(%origin, size, "cosigned a checkpoint after fetching and replaying its records");
    Ok(line)
}

/// Points the log's sync at `signed` (from its writer first) and waits until the mirror holds it,
/// the sync gives up on it (no peer could serve its records), or [`WITNESS_FETCH_TIMEOUT`] passes.
async fn fetch(
    shared: &Arc<Shared>,
    origin: &str,
    signed: &SignedCheckpoint,
) -> Result<(), WitnessError> {
    let size = signed.checkpoint().size;
    let unknown = || WitnessError::UnknownLog(origin.to_owned());
    let mut sizes = shared.watch_size(origin).ok_or_else(unknown)?;
    let mut targets = shared.watch_target(origin).ok_or_else(unknown)?;
    shared.point_sync(origin, signed, shared.writer_of(origin));
    let reached = async {
        loop {
            if *sizes.borrow_and_update() >= size {
                return true;
            }
            let given_up = targets
                .borrow_and_update()
                .as_ref()
                .is_none_or(|t| t.checkpoint.checkpoint().size < size);
            if given_up {
                return false;
            }
            tokio::select! {
                changed = sizes.changed() => if changed.is_err() { return false },
                changed = targets.changed() => if changed.is_err() { return false },
            }
        }
    };
    match tokio::time::timeout(WITNESS_FETCH_TIMEOUT, reached).await {
        Ok(true) => Ok(()),
        _ => Err(WitnessError::NotYet(size)),
    }
}

impl Shared {
    /// The checks of `add-checkpoint` that need no network (a blocking task: they read the store).
    fn witness_check(
        &self,
        old: u64,
        proof: &[Hash],
        signed: SignedCheckpoint,
    ) -> Result<Next, WitnessError> {
        let origin = signed.checkpoint().origin.clone();
        let logs = self.logs();
        let log = logs
            .mirrors
            .iter()
            .find(|log| log.origin == origin)
            .ok_or_else(|| WitnessError::UnknownLog(origin.clone()))?;
        let Some(mirror) = &log.mirror else {
            return Err(WitnessError::UnknownLog(origin));
        };
        // Only the key in force at the checkpoint's size (from the replayed log) may sign it; a
        // checkpoint ahead of a rotation the node has not replayed yet is refused until it has.
        if self.judge_key(log, &signed) != super::intake::KeyVerdict::InForce {
            return Err(WitnessError::BadSignature);
        }
        mirror.check_not_ahead(&signed)?;
        if let Some(gossip) = self.check_consistency(log, &signed) {
            self.publish_later(gossip);
            return Err(WitnessError::Equivocated(origin));
        }
        if self.is_equivocated(&origin) {
            return Err(WitnessError::Equivocated(origin));
        }
        self.seen.remember(&origin, &signed);
        let witnessed = mirror.witnessed()?;
        let witnessed_size = witnessed.as_ref().map_or(0, |w| w.checkpoint().size);
        if old != witnessed_size {
            return Err(WitnessError::Conflict(witnessed_size));
        }
        let new = signed.checkpoint();
        if new.size < old {
            return Err(WitnessError::Malformed(format!(
                "checkpoint size {} is below old size {old}",
                new.size
            )));
        }
        match &witnessed {
            Some(w) if new.size > old => {
                verify_consistency(
                    mirror.store().suite(),
                    old,
                    new.size,
                    proof,
                    &w.checkpoint().root,
                    &new.root,
                )
                .map_err(|e| WitnessError::BadProof(e.to_string()))?;
            }
            _ if !proof.is_empty() => {
                return Err(WitnessError::BadProof(
                    "a proof from the witnessed size to itself, or from 0, is empty".into(),
                ));
            }
            _ => {}
        }
        let held = mirror.held(new.size)?.is_some_and(|h| {
            let h = h.checkpoint();
            h.root == new.root && h.map_root == new.map_root
        });
        if held {
            return self.cosign_verified(&signed).map(Next::Cosigned);
        }
        if mirror.size() >= new.size {
            return Err(WitnessError::Unverifiable(format!(
                "this witness holds the log past size {} and never verified a checkpoint of that size",
                new.size
            )));
        }
        Ok(Next::Fetch(signed))
    }

    /// Cosigns `signed`, which the mirror verified, and gossips the checkpoint with every
    /// cosignature the node holds.
    fn cosign_verified(&self, signed: &SignedCheckpoint) -> Result<String, WitnessError> {
        let origin = &signed.checkpoint().origin;
        let logs = self.logs();
        let log = logs
            .current(origin)
            .ok_or_else(|| WitnessError::UnknownLog(origin.clone()))?;
        let mirror = log
            .mirror
            .as_ref()
            .ok_or_else(|| WitnessError::UnknownLog(origin.clone()))?;
        if self.is_equivocated(origin) {
            return Err(WitnessError::Equivocated(origin.clone()));
        }
        let line = mirror
            .cosign_held(signed, self.cosigner().get())
            .map_err(|e| match e {
                MirrorError::NotCosigned(_) if mirror.size() < signed.checkpoint().size => {
                    WitnessError::NotYet(signed.checkpoint().size)
                }
                other => other.into(),
            })?;
        if let Ok(Some(stored)) = log.store.checkpoint_at(signed.checkpoint().size)
            && let Ok(note) = export::served_note(&*log.store, &stored)
        {
            self.publish_later(Gossip::Checkpoint(note));
        }
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_tlog_witness() {
        assert_eq!(WitnessError::Malformed(String::new()).status(), 400);
        assert_eq!(WitnessError::BadSignature.status(), 403);
        assert_eq!(WitnessError::UnknownLog(String::new()).status(), 404);
        assert_eq!(WitnessError::Conflict(3).status(), 409);
        assert_eq!(WitnessError::BadProof(String::new()).status(), 422);
        assert_eq!(WitnessError::NotYet(3).status(), 503);
        assert_eq!(
            WitnessError::NotYet(3).retry_after(),
            Some(RETRY_AFTER_SECONDS)
        );
        assert_eq!(WitnessError::Conflict(3).retry_after(), None);
    }

    #[test]
    fn bodies_parse_strictly() {
        let note = "log\n1\nAAAA\n\n— log sig\n";
        let body = format!("old 0\n\n{note}");
        let parsed = parse_add_checkpoint(&body).unwrap();
        assert_eq!(parsed.old, 0);
        assert!(parsed.proof.is_empty());
        assert_eq!(parsed.checkpoint, note);
        for bad in [
            "old 1\n",
            "old x\n\nnote",
            "old -1\n\nnote",
            "old +1\n\nnote",
            "old 01\n\nnote",
            "new 1\n\nnote",
            "old 1\nnot-base64\n\nnote",
            "old 1\nAAAA\n\nnote",
        ] {
            assert!(
                matches!(parse_add_checkpoint(bad), Err(WitnessError::Malformed(_))),
                "{bad:?}"
            );
        }
        let many = format!(
            "old 1\n{}\nnote",
            format!("{}\n", ledger_format::encoding::to_base64(&[0; 32])).repeat(65)
        );
        assert!(parse_add_checkpoint(&many).is_err());
        assert!(parse_add_checkpoint(&"x".repeat(MAX_ADD_CHECKPOINT_BYTES + 1)).is_err());
    }
}
