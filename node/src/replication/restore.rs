//! Rollback protection and restore from the network (docs/operations.md#rollback-protection).
//!
//! Before its sequencer starts, a node in a network asks its peers for the latest checkpoint of
//! its **own** log that they hold: signed by the log and cosigned by another member, so it is a
//! size the network witnessed. That size becomes the [`Fence`](crate::sequencer::Fence): the sequencer never appends or
//! signs while its tree is smaller. When the store is behind (a restored backup, a lost disk), the
//! node fetches the missing records back from the peers' mirrors, verified by the same engine a
//! mirror runs ([`super::mirror::Mirror`]), and continues from there; when the store holds that size
//! with another root, it forked from what the network witnessed, and the node refuses to start.
//! While it runs, a checkpoint of its own log arriving from a peer beyond its store raises the
//! fence too (another process signing with the same key): the node stops signing rather than
//! equivocate.

use std::sync::Arc;
use std::time::Duration;

use ledger_format::checkpoint::SignedCheckpoint;
use ledger_format::merkle;
use libp2p::PeerId;

use super::mirror::Mirror;
use super::protocol::{Request, Response};
use super::shared::{Shared, Target};
use super::sync;
use crate::logs::LogEntry;
use crate::store::{StoreError, TreeReader};

/// How long one peer may take to answer the question.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the node looks for connected peers while it waits.
const CONNECT_POLL: Duration = Duration::from_millis(200);

/// Why the node's own log cannot be brought in line with the network.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The store holds the witnessed size with another root: it forked from the published log.
    #[error(
        "this node's store holds {size} records with root {held}, but the network witnessed \
         root {witnessed} at that size: the store forked from the published log; move it aside \
         and start again to rebuild the log from the network (docs/operations.md)"
    )]
    Forked {
        /// The witnessed size.
        size: u64,
        /// The root of the store's tree at that size (hex).
        held: String,
        /// The witnessed root (hex).
        witnessed: String,
    },
    /// The store is behind and no peer could serve the missing records.
    #[error("the network holds this log up to size {size}; no peer served the records from {held}")]
    Incomplete {
        /// The witnessed size.
        size: u64,
        /// The records the store holds.
        held: u64,
    },
    /// The store was just created to be rebuilt, and no peer answered within the wait.
    #[error("no peer answered within {0:?}: a store rebuilt from the network needs one")]
    NoPeer(Duration),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// What the node learned from its peers about its own log, and what it restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// How many peers answered (0: nothing was confirmed; the node starts on its store alone).
    pub peers: usize,
    /// The largest size of the log the network witnessed, if any peer held one.
    pub fence: Option<u64>,
    /// Records fetched back from the network.
    pub records: u64,
}

/// Asks the connected peers (waiting up to `wait` for one) for the log's latest witnessed
/// checkpoint, raises the [`Fence`](crate::sequencer::Fence) to it, and brings the store up to it.
///
/// # Errors
/// [`RestoreError`] as documented on each variant.
pub(super) async fn restore_own(
    shared: &Arc<Shared>,
    wait: Duration,
    need_peer: bool,
) -> Result<Restored, RestoreError> {
    let own = shared.logs().own.clone();
    let answers = ask_peers(shared, wait).await;
    if answers.is_empty() {
        if need_peer {
            return Err(RestoreError::NoPeer(wait));
        }
        tracing::warn!(origin = %own.origin, ?wait, "no peer answered: starting without the network's view of this log");
        return Ok(Restored {
            peers: 0,
            fence: None,
            records: 0,
        });
    }
    let peers = answers.len();
    let held = own.store.tip()?.size;
    let Some((witnessed, from)) = highest_witnessed(shared, &own, held, answers) else {
        return Ok(Restored {
            peers,
            fence: None,
            records: 0,
        });
    };
    let size = witnessed.checkpoint().size;
    shared.fence().raise(size);
    if size <= held {
        check_same_root(&own, &witnessed)?;
        return Ok(Restored {
            peers,
            fence: Some(size),
            records: 0,
        });
    }
    tracing::warn!(origin = %own.origin, held, witnessed = size, "the store is behind what the network witnessed: restoring it from the peers");
    let records = fetch(shared, &own, witnessed, from).await?;
    shared.metrics().restored(records);
    tracing::info!(origin = %own.origin, records, size, "restored the log from the network");
    Ok(Restored {
        peers,
        fence: Some(size),
        records,
    })
}

/// Waits (up to `wait`) until a member is connected, then asks every connected member for the
/// latest checkpoints it holds. Returns the answers (empty when none came).
async fn ask_peers(shared: &Arc<Shared>, wait: Duration) -> Vec<(PeerId, Vec<String>)> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut answers = Vec::new();
    while answers.is_empty() && tokio::time::Instant::now() < deadline {
        let peers = shared.connected();
        if peers.is_empty() {
            tokio::time::sleep(CONNECT_POLL).await;
            continue;
        }
        for peer in peers {
            let asked =
                tokio::time::timeout(ANSWER_TIMEOUT, shared.request(peer, Request::Checkpoints))
                    .await;
            match asked {
                Ok(Ok(Response::Checkpoints(notes))) => answers.push((peer, notes)),
                Ok(Ok(_)) | Ok(Err(_)) | Err(_) => {
                    tracing::debug!(%peer, "peer did not answer the checkpoint question");
                }
            }
        }
        if answers.is_empty() {
            tokio::time::sleep(CONNECT_POLL).await;
        }
    }
    answers
}

/// Among the answers, the largest checkpoint of the own log that carries a valid cosignature of
/// another member and verifies under one of the log's keys the store knows (or, beyond the
/// `held` records, may be signed by a key rotated to later), with the peer that holds it.
fn highest_witnessed(
    shared: &Shared,
    own: &LogEntry,
    held: u64,
    answers: Vec<(PeerId, Vec<String>)>,
) -> Option<(SignedCheckpoint, PeerId)> {
    // Every key the store knows the log by. A checkpoint signed by none of them may be signed by a
    // key the log rotated to after the store's last record: it is taken when another member
    // cosigned it (a member replayed the log to it), since the mirror that restores the records
    // checks its signature under the key the replayed records put in force before anything is
    // kept; one that is neither verifiable nor cosigned is ignored.
    let log_keys = own.log_keys().ok()?;
    let witnesses = shared.witnesses_of(&own.origin);
    let mut best: Option<(SignedCheckpoint, PeerId)> = None;
    for (peer, notes) in answers {
        for note in notes {
            let Ok(signed) = SignedCheckpoint::parse(&note) else {
                continue;
            };
            if signed.checkpoint().origin != own.origin
                || signed.verify_cosignatures(&witnesses).valid.is_empty()
            {
                continue;
            }
            let signed_by_known_key = log_keys
                .iter()
                .any(|k| signed.verify_log_signature(k).is_ok());
            if !signed_by_known_key && signed.checkpoint().size <= held {
                // Every key of the log up to `held` is in the store: this is no checkpoint of it.
                continue;
            }
            if !signed_by_known_key {
                tracing::info!(%peer, size = signed.checkpoint().size, "a cosigned checkpoint of this log by a key the store does not know yet (a rotation after its last record): its signature is checked once the records are replayed");
            }
            let size = signed.checkpoint().size;
            if best
                .as_ref()
                .is_none_or(|(b, _)| size > b.checkpoint().size)
            {
                best = Some((signed, peer));
            }
        }
    }
    best
}

/// Checks that the store's tree at the witnessed size has the witnessed root.
fn check_same_root(own: &LogEntry, witnessed: &SignedCheckpoint) -> Result<(), RestoreError> {
    let checkpoint = witnessed.checkpoint();
    let held = merkle::root_at(checkpoint.size, &TreeReader(&*own.store)).map_err(|e| {
        StoreError::Corrupted {
            key: "tree".into(),
            reason: e.to_string(),
        }
    })?;
    if held != checkpoint.root {
        return Err(RestoreError::Forked {
            size: checkpoint.size,
            held: held.to_hex(),
            witnessed: checkpoint.root.to_hex(),
        });
    }
    Ok(())
}

/// Fetches the records the store lacks up to `witnessed` from the peers, verified and stored by a
/// mirror over the node's own store (the sequencer has not started: nothing else writes it).
async fn fetch(
    shared: &Arc<Shared>,
    own: &LogEntry,
    witnessed: SignedCheckpoint,
    from: PeerId,
) -> Result<u64, RestoreError> {
    let size = witnessed.checkpoint().size;
    let log_key = own
        .log_key()
        .ok_or_else(|| StoreError::Io("the node's own log has no key".into()))?
        .clone();
    let mirror = Mirror::open(&own.origin, log_key, own.store.clone())
        .map_err(|e| StoreError::Io(format!("opening the own log for restore: {e}")))?
        .with_regions(&own.regions)
        .with_profiles(&own.profiles)
        .with_clock(shared.clock());
    let held = mirror.size();
    let log = LogEntry {
        mirror: Some(Arc::new(mirror)),
        ..own.clone()
    };
    let target = Target {
        checkpoint: witnessed,
        peer: Some(from),
    };
    if !sync::catch_up(shared, &log, &target).await {
        let held = log.mirror.as_ref().map_or(held, |m| m.size());
        return Err(RestoreError::Incomplete { size, held });
    }
    Ok(size - held)
}

impl Shared {
    /// A checkpoint of the node's own log arrived: if it is beyond the store, signed by the log and
    /// cosigned by another member, raise the fence (the sequencer then signs nothing) and say so.
    pub(super) fn fence_own(&self, log: &LogEntry, signed: &SignedCheckpoint) {
        if log.mirror.is_some() || log.origin != self.logs().own.origin {
            return;
        }
        let size = signed.checkpoint().size;
        let held = log.store.tip().map_or(u64::MAX, |t| t.size);
        if size <= held
            || signed
                .verify_cosignatures(&self.witnesses_of(&log.origin))
                .valid
                .is_empty()
        {
            return;
        }
        if self.fence().raise(size) && !self.restoring() {
            self.metrics().fenced(size);
            tracing::error!(origin = %log.origin, held, witnessed = size, "a peer holds this log beyond this node's store: another process signs with this log's key, or the store was rolled back; the sequencer stops signing");
        }
    }
}
