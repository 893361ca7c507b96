//! What the swarm actor, the sync tasks and the HTTP API share: the network, the node's logs and
//! witness key, and one component per job ([`Seen`] checkpoints, [`Equivocations`], the
//! [`CosignaturePool`]), plus the way to the swarm actor and to each log's sync task.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ledger_format::checkpoint::{NoteSigningKey, SignedCheckpoint, VerifierKey};
use libp2p::PeerId;
use tokio::sync::{mpsc, oneshot, watch};

use super::cosignatures::CosignaturePool;
use super::equivocations::Equivocations;
use super::intake::Seen;
use super::membership::Membership;
use super::mirror::Cosigner;
use super::protocol::{Gossip, Request, Response};
use crate::clock::Clock;
use crate::logs::Logs;
use crate::metrics::Metrics;
use crate::sequencer::Fence;

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

/// The channels of one mirrored log's sync task.
#[derive(Debug)]
pub(super) struct SyncChannels {
    /// The checkpoint to reach.
    pub target: watch::Sender<Option<Target>>,
    /// Records the mirror holds, after each range it stored.
    pub size: watch::Sender<u64>,
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
    pub(super) seen: Seen,
    pub(super) equivocations: Equivocations,
    pub(super) cosignatures: CosignaturePool,
    connected: Mutex<Vec<PeerId>>,
    sync: BTreeMap<String, SyncChannels>,
    commands: mpsc::Sender<Command>,
    fence: Arc<Fence>,
    /// True until the start-up restore of the own log finished (a checkpoint of it from a peer
    /// beyond the store is expected then, not an alarm).
    restoring: AtomicBool,
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
        sync: BTreeMap<String, SyncChannels>,
        commands: mpsc::Sender<Command>,
        local_peer: PeerId,
        fence: Arc<Fence>,
    ) -> Self {
        let equivocations = Equivocations::load(&logs, &metrics);
        Shared {
            membership,
            logs,
            witness,
            clock,
            metrics,
            local_peer,
            seen: Seen::default(),
            equivocations,
            cosignatures: CosignaturePool::default(),
            connected: Mutex::new(Vec::new()),
            sync,
            commands,
            fence,
            restoring: AtomicBool::new(true),
        }
    }

    /// What the network holds of the node's own log ([`Fence`]).
    pub(super) fn fence(&self) -> &Fence {
        &self.fence
    }

    /// Whether the start-up restore of the own log is still running.
    pub(super) fn restoring(&self) -> bool {
        self.restoring.load(Ordering::SeqCst)
    }

    /// Marks the start-up restore of the own log as done.
    pub(super) fn restored(&self) {
        self.restoring.store(false, Ordering::SeqCst);
    }

    /// The node's clock.
    pub(super) fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The witness keys whose cosignatures count for `origin`: every member's but its own node's.
    pub(super) fn witnesses_of(&self, origin: &str) -> Vec<VerifierKey> {
        self.membership
            .members
            .iter()
            .filter(|m| m.origin != origin)
            .map(|m| m.witness_key.clone())
            .collect()
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
        self.equivocations.is_proven(origin)
    }

    /// Handles an equivocation proof from a peer: verifies it under the log's key and keeps it.
    /// Returns true when the proof verified.
    pub fn on_equivocation(&self, bytes: &[u8]) -> bool {
        self.equivocations
            .on_gossip(&self.logs, bytes, &self.metrics)
    }

    /// Every equivocation proof the node keeps, with its log.
    pub fn equivocations(&self) -> Vec<(String, Vec<u8>)> {
        self.equivocations.all(&self.logs)
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

    /// The node's clock, in Unix seconds.
    pub(super) fn clock_now(&self) -> i64 {
        self.clock.now()
    }

    /// This node's witness key, as verifiers name it.
    pub(super) fn witness_verifier(&self) -> VerifierKey {
        self.witness.verifier_key().clone()
    }

    /// A cosigner at the current time.
    pub(super) fn cosigner(&self) -> Cosigner<'_> {
        Cosigner {
            key: &self.witness,
            timestamp: u64::try_from(self.clock.now()).unwrap_or(0),
        }
    }

    /// The libp2p peer of the node that writes `origin`, if it is a member.
    pub(super) fn writer_of(&self, origin: &str) -> Option<PeerId> {
        self.membership
            .members
            .iter()
            .find(|m| m.origin == origin)
            .map(|m| m.peer_id)
    }

    /// Points the sync task of `origin` at `signed` if it is newer than its current target; true
    /// when it was.
    pub(super) fn point_sync(
        &self,
        origin: &str,
        signed: &SignedCheckpoint,
        peer: Option<PeerId>,
    ) -> bool {
        let Some(channels) = self.sync.get(origin) else {
            return false;
        };
        channels.target.send_if_modified(|target| {
            let newer = target
                .as_ref()
                .is_none_or(|t| t.checkpoint.checkpoint().size < signed.checkpoint().size);
            if newer {
                *target = Some(Target {
                    checkpoint: signed.clone(),
                    peer,
                });
            }
            newer
        })
    }

    /// Forgets the sync target of `origin` if it is still `size`: no peer could serve it (a
    /// checkpoint ahead of the real log, signed with a stolen key, must not stall mirroring).
    pub(super) fn drop_target(&self, origin: &str, size: u64) {
        if let Some(channels) = self.sync.get(origin) {
            channels.target.send_if_modified(|target| {
                let same = target
                    .as_ref()
                    .is_some_and(|t| t.checkpoint.checkpoint().size == size);
                if same {
                    *target = None;
                }
                same
            });
        }
    }

    /// Tells waiters that the mirror of `origin` now holds `size` records.
    pub(super) fn mirrored_to(&self, origin: &str, size: u64) {
        if let Some(channels) = self.sync.get(origin) {
            channels.size.send_replace(size);
        }
    }

    /// Watches the sync target of `origin`.
    pub(super) fn watch_target(&self, origin: &str) -> Option<watch::Receiver<Option<Target>>> {
        self.sync.get(origin).map(|c| c.target.subscribe())
    }

    /// Watches the size of the mirror of `origin`.
    pub(super) fn watch_size(&self, origin: &str) -> Option<watch::Receiver<u64>> {
        self.sync.get(origin).map(|c| c.size.subscribe())
    }

    /// Sends a command to the swarm actor; dropped when the actor is gone.
    pub(super) async fn send(&self, command: Command) {
        let _ = self.commands.send(command).await;
    }

    /// Queues gossip from a thread that must not wait (a blocking task).
    pub(super) fn publish_later(&self, gossip: Gossip) {
        if self.commands.try_send(Command::Publish(gossip)).is_err() {
            tracing::warn!("gossip dropped: the swarm actor's queue is full or gone");
        }
    }

    /// Sends `request` to `peer` and waits for the answer.
    pub(super) async fn request(&self, peer: PeerId, request: Request) -> Result<Response, String> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Request(peer, request, reply)).await;
        answer.await.map_err(|_| "replication stopped".to_owned())?
    }
}
