//! What the swarm actor, the sync tasks and the HTTP API share: the network, the node's logs and
//! witness key, and one component per job ([`Seen`] checkpoints, [`Equivocations`], the
//! [`CosignaturePool`]), plus the way to the swarm actor and to each log's sync task.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ledger_format::checkpoint::{NoteSigningKey, SignedCheckpoint, VerifierKey};
use libp2p::PeerId;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

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
use crate::swap::Swap;

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
    /// The membership changed: allow the new members' peers, refuse and disconnect the removed.
    Members,
}

/// What replication works with, replaced whole by a reload: every task reads one consistent
/// snapshot (membership, the logs it implies, the witness key in force).
#[derive(Debug)]
pub struct View {
    /// The network.
    pub membership: Membership,
    /// The node's logs: its own, one mirror per other member, the removed members' logs.
    pub logs: Arc<Logs>,
    /// The node's witness keys, each with the window the membership gives it.
    pub witness: WitnessSigners,
}

/// A witness key this node holds, and the window in which its cosignatures count.
#[derive(Debug)]
pub struct WitnessSigner {
    /// The private key.
    pub key: NoteSigningKey,
    /// First second it may cosign at, if bounded.
    pub not_before: Option<i64>,
    /// Last second it may cosign at, if bounded.
    pub not_after: Option<i64>,
}

impl WitnessSigner {
    /// Whether a cosignature dated `time` falls in the key's window.
    pub fn valid_at(&self, time: i64) -> bool {
        ledger_format::date::in_window(self.not_before, self.not_after, time)
    }
}

/// The node's witness keys: the key file's and, during a rotation, the next one (`rotate-key
/// --witness`). A cosignature is made with the next key once its window has begun, else with
/// the current key.
#[derive(Debug)]
pub struct WitnessSigners {
    /// The key of the witness key file.
    pub current: WitnessSigner,
    /// The next key, once the membership lists it.
    pub next: Option<WitnessSigner>,
}

impl WitnessSigners {
    /// The key to cosign with at `time`.
    pub fn at(&self, time: i64) -> &NoteSigningKey {
        match &self.next {
            Some(next) if next.valid_at(time) => &next.key,
            _ => &self.current.key,
        }
    }
}

/// The witness key in force and a timestamp: what a mirror needs to cosign.
pub(super) struct CurrentCosigner {
    view: Arc<View>,
    timestamp: u64,
}

impl CurrentCosigner {
    /// The cosigner to hand to the mirror: the key whose window holds the timestamp.
    pub(super) fn get(&self) -> Cosigner<'_> {
        let time = i64::try_from(self.timestamp).unwrap_or(i64::MAX);
        Cosigner {
            key: self.view.witness.at(time),
            timestamp: self.timestamp,
        }
    }
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
    view: Swap<View>,
    /// The logs the HTTP API reads, replaced together with the view.
    api_logs: Swap<Logs>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    local_peer: PeerId,
    pub(super) seen: Seen,
    pub(super) equivocations: Equivocations,
    pub(super) cosignatures: CosignaturePool,
    connected: Mutex<Vec<PeerId>>,
    sync: Mutex<BTreeMap<String, SyncChannels>>,
    commands: mpsc::Sender<Command>,
    /// The sync tasks, of the members at start and of those added by reloads.
    pub(super) tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Set when replication stops; handed to every sync task.
    pub(super) stopped: watch::Receiver<bool>,
    fence: Arc<Fence>,
    /// True until the start-up restore of the own log finished (a checkpoint of it from a peer
    /// beyond the store is expected then, not an alarm).
    restoring: AtomicBool,
}

/// What [`Shared::new`] needs besides the view.
pub(super) struct SharedParts {
    pub api_logs: Swap<Logs>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    pub commands: mpsc::Sender<Command>,
    pub local_peer: PeerId,
    pub stopped: watch::Receiver<bool>,
    pub fence: Arc<Fence>,
}

impl Shared {
    pub(super) fn new(view: View, parts: SharedParts) -> Self {
        let SharedParts {
            api_logs,
            clock,
            metrics,
            commands,
            local_peer,
            stopped,
            fence,
        } = parts;
        let equivocations = Equivocations::load(&view.logs, &metrics);
        metrics.membership_members(view.membership.members.len());
        Shared {
            view: Swap::new(view),
            api_logs,
            clock,
            metrics,
            local_peer,
            seen: Seen::default(),
            equivocations,
            cosignatures: CosignaturePool::default(),
            connected: Mutex::new(Vec::new()),
            sync: Mutex::new(BTreeMap::new()),
            commands,
            tasks: Mutex::new(Vec::new()),
            stopped,
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

    /// This node's witness keys (the current one and, during a rotation, the next), as verifiers
    /// name them.
    pub(super) fn witness_verifiers(&self) -> Vec<VerifierKey> {
        let view = self.view();
        std::iter::once(&view.witness.current)
            .chain(view.witness.next.as_ref())
            .map(|signer| signer.key.verifier_key().clone())
            .collect()
    }

    /// The witness keys whose cosignatures count for `origin`: every key, current or past, of
    /// every member but its own node. (A line dated outside its key's window is kept: verifiers
    /// leave it out, with the same trust counting as everywhere, `ledger_format::bundle`.)
    pub(super) fn witnesses_of(&self, origin: &str) -> Vec<VerifierKey> {
        self.view()
            .membership
            .members
            .iter()
            .filter(|m| m.origin != origin)
            .flat_map(|m| m.witness_keys.iter().map(|w| w.key.clone()))
            .collect()
    }

    /// The view in force: membership, logs and witness key, one consistent snapshot.
    pub fn view(&self) -> Arc<View> {
        self.view.load()
    }

    /// Replaces the view: every later read sees the new membership, logs and witness key.
    pub(super) fn replace_view(&self, view: View) {
        self.metrics
            .membership_members(view.membership.members.len());
        self.api_logs.store(view.logs.clone());
        self.view.store(Arc::new(view));
    }

    /// This node's libp2p peer id.
    pub fn local_peer(&self) -> PeerId {
        self.local_peer
    }

    /// The node's logs in force.
    pub fn logs(&self) -> Arc<Logs> {
        self.view().logs.clone()
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
            .on_gossip(&self.logs(), bytes, &self.metrics)
    }

    /// Every equivocation proof the node keeps, with its log.
    pub fn equivocations(&self) -> Vec<(String, Vec<u8>)> {
        self.equivocations.all(&self.logs())
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

    /// The witness key in force, at the current time.
    pub(super) fn cosigner(&self) -> CurrentCosigner {
        CurrentCosigner {
            view: self.view(),
            timestamp: u64::try_from(self.clock.now()).unwrap_or(0),
        }
    }

    /// The libp2p peer of the node that writes `origin`, if it is a member.
    pub(super) fn writer_of(&self, origin: &str) -> Option<PeerId> {
        self.view().membership.by_origin(origin).map(|m| m.peer_id)
    }

    /// Registers the sync channels of a mirrored log.
    pub(super) fn add_sync(&self, origin: &str, channels: SyncChannels) {
        if let Ok(mut sync) = self.sync.lock() {
            sync.insert(origin.to_owned(), channels);
        }
    }

    /// Forgets the sync channels of `origin`: its sync task ends once idle (a range in flight is
    /// finished and stored first).
    pub(super) fn remove_sync(&self, origin: &str) {
        if let Ok(mut sync) = self.sync.lock() {
            sync.remove(origin);
        }
    }

    /// Whether `origin` has a sync task.
    pub(super) fn has_sync(&self, origin: &str) -> bool {
        self.sync.lock().is_ok_and(|sync| sync.contains_key(origin))
    }

    fn with_sync<R>(&self, origin: &str, f: impl FnOnce(&SyncChannels) -> R) -> Option<R> {
        self.sync.lock().ok()?.get(origin).map(f)
    }

    /// Points the sync task of `origin` at `signed` if it is newer than its current target; true
    /// when it was.
    pub(super) fn point_sync(
        &self,
        origin: &str,
        signed: &SignedCheckpoint,
        peer: Option<PeerId>,
    ) -> bool {
        self.with_sync(origin, |channels| {
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
        })
        .unwrap_or(false)
    }

    /// Forgets the sync target of `origin` if it is still `size`: no peer could serve it (a
    /// checkpoint ahead of the real log, signed with a stolen key, must not stall mirroring).
    pub(super) fn drop_target(&self, origin: &str, size: u64) {
        self.with_sync(origin, |channels| {
            channels.target.send_if_modified(|target| {
                let same = target
                    .as_ref()
                    .is_some_and(|t| t.checkpoint.checkpoint().size == size);
                if same {
                    *target = None;
                }
                same
            });
        });
    }

    /// Tells waiters that the mirror of `origin` now holds `size` records.
    pub(super) fn mirrored_to(&self, origin: &str, size: u64) {
        self.with_sync(origin, |channels| channels.size.send_replace(size));
    }

    /// Watches the sync target of `origin`.
    pub(super) fn watch_target(&self, origin: &str) -> Option<watch::Receiver<Option<Target>>> {
        self.with_sync(origin, |c| c.target.subscribe())
    }

    /// Watches the size of the mirror of `origin`.
    pub(super) fn watch_size(&self, origin: &str) -> Option<watch::Receiver<u64>> {
        self.with_sync(origin, |c| c.size.subscribe())
    }

    /// Tells the swarm actor, without waiting, that the membership changed.
    pub(super) fn members_changed(&self) {
        if self.commands.try_send(Command::Members).is_err() {
            tracing::warn!(
                "the swarm actor's queue is full or gone: membership applied at its next poll"
            );
        }
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
