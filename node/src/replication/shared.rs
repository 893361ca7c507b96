//! What the swarm actor, the sync tasks and the HTTP API share: checking checkpoints that arrive,
//! collecting cosignatures, detecting and keeping equivocations, serving requests, and the C2SP
//! `add-checkpoint` witness endpoint.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use ledger_format::Canonical;
use ledger_format::checkpoint::{
    AddCheckpointRequest, NoteSigningKey, SignedCheckpoint, VerifierKey,
};
use ledger_format::equivocation::Equivocation;
use ledger_format::hash::Hash;
use ledger_format::merkle::consistency_proof;
use libp2p::PeerId;
use tokio::sync::{mpsc, oneshot, watch};

use super::membership::Membership;
use super::mirror::{Cosigner, WitnessError};
use super::protocol::{Gossip, MAX_LOGS, MAX_RANGE_RECORDS, MAX_RESPONSE_BYTES, Request, Response};
use crate::clock::Clock;
use crate::export;
use crate::logs::{LogEntry, Logs};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError, TreeReader, WriteBatch};

/// Checkpoints remembered per log to catch a second one of the same size.
const SEEN_PER_LOG: usize = 1_024;
/// Cosignatures kept per log for checkpoints not mirrored yet.
const PENDING_PER_LOG: usize = 4_096;

/// A checkpoint a mirror should reach, and a peer known to hold it.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub checkpoint: SignedCheckpoint,
    pub peer: Option<PeerId>,
}

/// A command to the swarm actor.
#[derive(Debug)]
pub(super) enum Command {
    Publish(Gossip),
    Request(PeerId, Request, oneshot::Sender<Result<Response, String>>),
}

/// Why `add-checkpoint` refused (c2sp.org/tlog-witness status codes in brackets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddCheckpointError {
    /// The body is malformed (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The log is not one this node witnesses (404).
    #[error("unknown log {0}")]
    UnknownLog(String),
    /// The checkpoint is not signed by the log's key (403).
    #[error("checkpoint not signed by the log's key")]
    BadSignature,
    /// The log equivocated; the node no longer cosigns it (409).
    #[error("log {0} equivocated; this witness no longer cosigns it")]
    Equivocated(String),
    /// The witnessed size is not `old` (409, body: the size).
    #[error("witnessed size is {0}")]
    Conflict(u64),
    /// The consistency proof does not verify (422).
    #[error("{0}")]
    BadProof(String),
    /// The store failed (500).
    #[error("store: {0}")]
    Store(String),
}

/// State shared by the replication tasks and the HTTP API.
#[derive(Debug)]
pub struct Shared {
    membership: Membership,
    logs: Arc<Logs>,
    witness: NoteSigningKey,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    local_peer: PeerId,
    equivocated: Mutex<BTreeSet<String>>,
    seen: Mutex<BTreeMap<String, BTreeMap<u64, SignedCheckpoint>>>,
    pending: Mutex<BTreeMap<String, BTreeMap<u64, Vec<String>>>>,
    connected: Mutex<Vec<PeerId>>,
    targets: BTreeMap<String, watch::Sender<Option<Target>>>,
    commands: mpsc::Sender<Command>,
}

impl Shared {
    #[allow(
        clippy::too_many_arguments,
        reason = "called once, by Replication::start"
    )]
    pub(super) fn new(
        membership: Membership,
        logs: Arc<Logs>,
        witness: NoteSigningKey,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        targets: BTreeMap<String, watch::Sender<Option<Target>>>,
        commands: mpsc::Sender<Command>,
        local_peer: PeerId,
    ) -> Self {
        let equivocated = logs
            .all()
            .filter(|log| matches!(log.store.equivocation(), Ok(Some(_))))
            .map(|log| log.origin.clone())
            .collect::<BTreeSet<_>>();
        for origin in &equivocated {
            metrics.equivocation(origin);
        }
        Shared {
            membership,
            logs,
            witness,
            clock,
            metrics,
            local_peer,
            equivocated: Mutex::new(equivocated),
            seen: Mutex::new(BTreeMap::new()),
            pending: Mutex::new(BTreeMap::new()),
            connected: Mutex::new(Vec::new()),
            targets,
            commands,
        }
    }

    /// The network.
    pub fn membership(&self) -> &Membership {
        &self.membership
    }

    /// This node's libp2p peer id.
    pub fn local_peer(&self) -> PeerId {
        self.local_peer
    }

    /// The node's logs.
    pub fn logs(&self) -> &Arc<Logs> {
        &self.logs
    }

    pub(super) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// True when `origin` was proven to equivocate.
    pub fn is_equivocated(&self, origin: &str) -> bool {
        self.equivocated
            .lock()
            .is_ok_and(|set| set.contains(origin))
    }

    /// The member peers connected now.
    pub(super) fn connected(&self) -> Vec<PeerId> {
        self.connected.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub(super) fn set_connected(&self, peers: Vec<PeerId>) {
        self.metrics.peers(peers.len());
        if let Ok(mut connected) = self.connected.lock() {
            *connected = peers;
        }
    }

    /// A cosigner at the current time.
    pub(super) fn cosigner(&self) -> Cosigner<'_> {
        Cosigner {
            key: &self.witness,
            timestamp: u64::try_from(self.clock.now()).unwrap_or(0),
        }
    }

    /// Sends a command to the swarm actor; dropped when the actor is gone.
    pub(super) async fn send(&self, command: Command) {
        let _ = self.commands.send(command).await;
    }

    /// Sends `request` to `peer` and waits for the answer.
    pub(super) async fn request(&self, peer: PeerId, request: Request) -> Result<Response, String> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Request(peer, request, reply)).await;
        answer.await.map_err(|_| "replication stopped".to_owned())?
    }

    /// Handles a checkpoint note from a peer (gossip or a `Checkpoints` answer): checks the log's
    /// signature, detects equivocation, keeps witnesses' cosignatures, and points the mirror's
    /// sync at it. Returns the gossip to publish (an equivocation proof), if any.
    pub fn on_checkpoint(&self, note: &str, from: Option<PeerId>) -> Option<Gossip> {
        let Ok(signed) = SignedCheckpoint::parse(note) else {
            self.metrics.gossip_rejected("malformed checkpoint");
            return None;
        };
        let origin = signed.checkpoint().origin.clone();
        let log = self.logs.get(Some(&origin))?;
        let log_key = log.log_key()?.clone();
        if signed.verify_log_signature(&log_key).is_err() {
            self.metrics
                .gossip_rejected("checkpoint not signed by the log");
            return None;
        }
        match self.find_conflict(log, &signed) {
            Ok(Some(other)) => return self.equivocation(log, &log_key, &signed, &other),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(%origin, error = %e, "cannot check a checkpoint for conflicts");
                return None;
            }
        }
        self.remember(&origin, &signed);
        self.keep_cosignatures(log, &signed);
        if let (Some(mirror), Some(tx)) = (&log.mirror, self.targets.get(&origin))
            && signed.checkpoint().size > mirror.size()
            && !self.is_equivocated(&origin)
        {
            tx.send_if_modified(|target| {
                let newer = target
                    .as_ref()
                    .is_none_or(|t| t.checkpoint.checkpoint().size < signed.checkpoint().size);
                if newer {
                    *target = Some(Target {
                        checkpoint: signed.clone(),
                        peer: from,
                    });
                }
                newer
            });
        }
        None
    }

    /// A signed checkpoint of the same log and size with other roots, from the store or from
    /// memory.
    fn find_conflict(
        &self,
        log: &LogEntry,
        signed: &SignedCheckpoint,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let checkpoint = signed.checkpoint();
        let conflicts = |other: &SignedCheckpoint| {
            let o = other.checkpoint();
            o.size == checkpoint.size
                && (o.root != checkpoint.root || o.map_root != checkpoint.map_root)
        };
        let stored = [
            log.store.checkpoint_at(checkpoint.size)?,
            log.store.witnessed()?,
        ];
        for stored in stored.into_iter().flatten() {
            if let Ok(other) = SignedCheckpoint::parse(&stored.note)
                && conflicts(&other)
            {
                return Ok(Some(other));
            }
        }
        let seen = self.seen.lock().ok().and_then(|seen| {
            seen.get(&checkpoint.origin)
                .and_then(|sizes| sizes.get(&checkpoint.size))
                .filter(|other| conflicts(other))
                .cloned()
        });
        Ok(seen)
    }

    fn remember(&self, origin: &str, signed: &SignedCheckpoint) {
        if let Ok(mut seen) = self.seen.lock() {
            let sizes = seen.entry(origin.to_owned()).or_default();
            sizes
                .entry(signed.checkpoint().size)
                .or_insert_with(|| signed.clone());
            while sizes.len() > SEEN_PER_LOG {
                sizes.pop_first();
            }
        }
    }

    /// Keeps the proof that `log` equivocated, stops cosigning it, and returns the gossip.
    fn equivocation(
        &self,
        log: &LogEntry,
        log_key: &VerifierKey,
        a: &SignedCheckpoint,
        b: &SignedCheckpoint,
    ) -> Option<Gossip> {
        let proof = match Equivocation::new(a, b, log_key) {
            Ok(proof) => proof,
            Err(e) => {
                tracing::warn!(origin = %log.origin, error = %e, "conflicting checkpoints prove nothing");
                return None;
            }
        };
        let first = self.keep_equivocation(log, &proof);
        first.then(|| Gossip::Equivocation(proof.encode()))
    }

    /// Stores `proof` (the first one for the log) and marks the log; true when it was new.
    fn keep_equivocation(&self, log: &LogEntry, proof: &Equivocation) -> bool {
        let known = matches!(log.store.equivocation(), Ok(Some(_)));
        if !known {
            let write = log.store.write(WriteBatch {
                equivocation: Some(proof.encode()),
                ..WriteBatch::default()
            });
            if let Err(e) = write {
                tracing::error!(origin = %log.origin, error = %e, "cannot store an equivocation proof");
            }
            tracing::error!(
                origin = %log.origin,
                size = proof.facts().map_or(0, |f| f.size),
                "log equivocated: two signed checkpoints of one size with different roots; \
                 no longer cosigning it"
            );
        }
        let newly = self
            .equivocated
            .lock()
            .map(|mut set| set.insert(log.origin.clone()))
            .unwrap_or(false);
        if newly {
            self.metrics.equivocation(&log.origin);
        }
        !known
    }

    /// Handles an equivocation proof from a peer: verifies it under the log's key and keeps it.
    /// Returns true when the proof verified.
    pub fn on_equivocation(&self, bytes: &[u8]) -> bool {
        let Ok(proof) = Equivocation::decode_exact(bytes) else {
            self.metrics.gossip_rejected("malformed equivocation proof");
            return false;
        };
        let Ok(facts) = proof.facts() else {
            return false;
        };
        let Some(log) = self.logs.get(Some(&facts.origin)) else {
            return false;
        };
        let verified = log.log_key().is_some_and(|key| proof.verify(key).is_ok());
        if !verified {
            self.metrics
                .gossip_rejected("equivocation proof not signed by the log");
            return false;
        }
        self.keep_equivocation(log, &proof);
        true
    }

    /// Stores the valid cosignatures of members' witnesses on `signed`, if the node holds the same
    /// checkpoint; keeps them for later otherwise.
    fn keep_cosignatures(&self, log: &LogEntry, signed: &SignedCheckpoint) {
        let witnesses = self.membership.witness_keys();
        let check = signed.verify_cosignatures(&witnesses);
        let lines: Vec<(String, String)> = signed
            .note()
            .signatures()
            .iter()
            .filter(|line| {
                check
                    .valid
                    .iter()
                    .any(|v| v.name == line.name() && v.key_id == line.key_id())
            })
            .map(|line| (line.name().to_owned(), line.to_line()))
            .collect();
        if lines.is_empty() {
            return;
        }
        let size = signed.checkpoint().size;
        match self.holds(log, signed) {
            Ok(true) => self.store_cosignatures(log, size, lines),
            Ok(false) => {
                if let Ok(mut pending) = self.pending.lock() {
                    let sizes = pending.entry(log.origin.clone()).or_default();
                    sizes
                        .entry(size)
                        .or_default()
                        .extend(lines.into_iter().map(|(_, line)| line));
                    while sizes.len() > PENDING_PER_LOG {
                        sizes.pop_first();
                    }
                }
            }
            Err(e) => tracing::warn!(origin = %log.origin, error = %e, "cannot read checkpoint"),
        }
    }

    /// True when the log's store holds the checkpoint `signed` (same size and roots).
    fn holds(&self, log: &LogEntry, signed: &SignedCheckpoint) -> Result<bool, StoreError> {
        let checkpoint = signed.checkpoint();
        Ok(log
            .store
            .checkpoint_at(checkpoint.size)?
            .and_then(|stored| SignedCheckpoint::parse(&stored.note).ok())
            .is_some_and(|held| {
                let h = held.checkpoint();
                h.root == checkpoint.root && h.map_root == checkpoint.map_root
            }))
    }

    fn store_cosignatures(&self, log: &LogEntry, size: u64, lines: Vec<(String, String)>) {
        let known = log.store.cosignatures(size).unwrap_or_default();
        let new: Vec<(u64, String, String)> = lines
            .into_iter()
            .filter(|(_, line)| !known.contains(line))
            .map(|(name, line)| (size, name, line))
            .collect();
        if new.is_empty() {
            return;
        }
        let count = new.len();
        match log.store.write(WriteBatch {
            cosignatures: new,
            ..WriteBatch::default()
        }) {
            Ok(()) => self.metrics.cosignatures_collected(count),
            Err(e) => tracing::warn!(origin = %log.origin, error = %e, "cannot store cosignatures"),
        }
    }

    /// After a mirror reached checkpoint `signed`: stores the cosignatures that arrived before it.
    pub(super) fn flush_pending(&self, log: &LogEntry, signed: &SignedCheckpoint) {
        let size = signed.checkpoint().size;
        let lines = self
            .pending
            .lock()
            .ok()
            .and_then(|mut p| p.get_mut(&log.origin).and_then(|s| s.remove(&size)))
            .unwrap_or_default();
        if lines.is_empty() {
            return;
        }
        let mut with_lines = signed.clone();
        for line in &lines {
            let _ = with_lines.add_signature_line(line);
        }
        self.keep_cosignatures(log, &with_lines);
    }

    /// Answers a peer's request.
    pub fn serve(&self, request: Request) -> Response {
        match self.try_serve(request) {
            Ok(response) => response,
            Err(reason) => Response::Refused(reason),
        }
    }

    fn try_serve(&self, request: Request) -> Result<Response, String> {
        match request {
            Request::Checkpoints => {
                let mut notes = Vec::new();
                for log in self.logs.all().take(MAX_LOGS) {
                    if let Some(stored) =
                        log.store.latest_checkpoint().map_err(|e| e.to_string())?
                    {
                        notes.push(
                            export::served_note(&*log.store, &stored).map_err(|e| e.to_string())?,
                        );
                    }
                }
                Ok(Response::Checkpoints(notes))
            }
            Request::Range {
                origin,
                start,
                end,
                proof_to,
            } => {
                let log = self
                    .logs
                    .get(Some(&origin))
                    .ok_or_else(|| format!("unknown log {origin}"))?;
                serve_range(&*log.store, start, end, proof_to)
            }
        }
    }

    /// C2SP `add-checkpoint` (c2sp.org/tlog-witness): the body is `old <size>`, the consistency
    /// proof lines (base64), an empty line, and the checkpoint note. Returns the cosignature line.
    ///
    /// # Errors
    /// [`AddCheckpointError`], which the HTTP API maps to the statuses the spec names.
    pub fn add_checkpoint(&self, body: &str) -> Result<String, AddCheckpointError> {
        let (old, proof, note) = parse_add_checkpoint(body)?;
        let signed = SignedCheckpoint::parse(note)
            .map_err(|e| AddCheckpointError::Malformed(format!("checkpoint: {e}")))?;
        let origin = signed.checkpoint().origin.clone();
        let log = self
            .logs
            .mirrors
            .iter()
            .find(|log| log.origin == origin)
            .ok_or_else(|| AddCheckpointError::UnknownLog(origin.clone()))?;
        let (Some(mirror), Some(log_key)) = (&log.mirror, log.log_key()) else {
            return Err(AddCheckpointError::UnknownLog(origin));
        };
        if signed.verify_log_signature(log_key).is_err() {
            return Err(AddCheckpointError::BadSignature);
        }
        if let Ok(Some(other)) = self.find_conflict(log, &signed) {
            if let Some(gossip) = self.equivocation(log, log_key, &signed, &other) {
                let commands = self.commands.clone();
                tokio::spawn(async move {
                    let _ = commands.send(Command::Publish(gossip)).await;
                });
            }
            return Err(AddCheckpointError::Equivocated(origin));
        }
        if self.is_equivocated(&origin) {
            return Err(AddCheckpointError::Equivocated(origin));
        }
        self.remember(&origin, &signed);
        mirror
            .witness(old, &proof, &signed, self.cosigner())
            .map_err(|e| match e {
                WitnessError::Conflict(size) => AddCheckpointError::Conflict(size),
                WitnessError::BadProof(reason) | WitnessError::Invalid(reason) => {
                    AddCheckpointError::BadProof(reason)
                }
                WitnessError::Store(e) => AddCheckpointError::Store(e.to_string()),
            })
    }

    /// Every equivocation proof the node keeps, with its log.
    pub fn equivocations(&self) -> Vec<(String, Vec<u8>)> {
        self.logs
            .all()
            .filter_map(|log| match log.store.equivocation() {
                Ok(Some(bytes)) => Some((log.origin.clone(), bytes)),
                _ => None,
            })
            .collect()
    }
}

/// Records `start..end` (cut to what one response carries) and the consistency proof from their
/// end to `proof_to`.
fn serve_range(store: &dyn Store, start: u64, end: u64, proof_to: u64) -> Result<Response, String> {
    let tip = store.tip().map_err(|e| e.to_string())?.size;
    if start >= tip || end <= start || proof_to > tip || end > proof_to {
        return Err(format!(
            "range {start}..{end} to {proof_to} is not within the {tip} records held"
        ));
    }
    let end = end.min(start.saturating_add(MAX_RANGE_RECORDS));
    let mut records = store.records(start, end).map_err(|e| e.to_string())?;
    let mut bytes = 0usize;
    let budget = MAX_RESPONSE_BYTES / 2;
    if let Some(cut) = records.iter().position(|r| {
        bytes += r.len() + 8;
        bytes > budget
    }) {
        records.truncate(cut.max(1));
    }
    let last = start + records.len() as u64;
    let proof = if last == proof_to {
        Vec::new()
    } else {
        consistency_proof(last, proof_to, &TreeReader(store))
            .map_err(|e| e.to_string())?
            .path
    };
    Ok(Response::Range { records, proof })
}

fn parse_add_checkpoint(body: &str) -> Result<(u64, Vec<Hash>, &str), AddCheckpointError> {
    let request = AddCheckpointRequest::parse(body)
        .map_err(|e| AddCheckpointError::Malformed(e.to_string()))?;
    Ok((request.old, request.proof, request.checkpoint))
}
