//! Replication and witnessing over libp2p (docs/format.md#replication): every node mirrors every
//! other agency's log, re-verifies every record, and cosigns the checkpoints it verified.
//!
//! [`Replication::start`] spawns one actor that owns the libp2p swarm (`swarm.rs`), and one sync
//! task per mirrored log (`sync.rs`). They share [`Shared`] (`shared.rs`): a [`View`] of the
//! membership, the logs and the witness keys (replaced whole by a membership reload,
//! [`Shared::apply_view`]), and one module per job: checkpoints that arrive (`intake.rs`),
//! equivocation proofs (`equivocations.rs`), other witnesses' cosignatures (`cosignatures.rs`),
//! answering peers (`serve.rs`), and the C2SP witness endpoint (`witness.rs`); each mirrored log is
//! a [`mirror::Mirror`]. [`Replication::shutdown`] stops them all and waits for them.

mod cosignatures;
mod equivocations;
mod freshness;
mod intake;
pub mod membership;
pub mod mirror;
pub mod protocol;
pub mod restore;
mod serve;
mod shared;
mod swarm;
mod sync;
pub mod witness;
mod work;

use std::sync::Arc;

use libp2p::identity::Keypair;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::logs::Logs;
use crate::metrics::Metrics;
use crate::sequencer::{CheckpointSigned, Fence};
use crate::swap::Swap;

pub use freshness::RECOSIGN_INTERVAL_SECS;
pub use intake::{Intake, Verdict};
pub use membership::{Member, MemberEntry, Membership, MembershipError, WitnessKey};
pub use shared::{Shared, View, WitnessSigner, WitnessSigners};
pub use witness::WitnessError;

/// Why replication could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicationError {
    /// libp2p could not be set up (transport, listen address).
    #[error("p2p: {0}")]
    P2p(String),
}

/// Depth of the command queue of the swarm actor.
const COMMAND_QUEUE: usize = 1_024;

/// The running replication: the swarm actor and the sync tasks (kept in [`Shared`], since a
/// reload adds some).
#[derive(Debug)]
pub struct Replication {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    swarm_task: JoinHandle<()>,
}

/// What [`Replication::start`] needs.
#[derive(Debug)]
pub struct ReplicationConfig {
    /// The network.
    pub membership: Membership,
    /// The node's logs (its own and one mirror per other member), as the HTTP API reads them:
    /// a reload replaces them there too.
    pub logs: Swap<Logs>,
    /// The node's libp2p identity; its peer id must be listed in the membership.
    pub p2p_key: Keypair,
    /// The node's witness keys.
    pub witness_keys: WitnessSigners,
    /// Addresses to listen on.
    pub listen: Vec<libp2p::Multiaddr>,
    /// How old this node's cosignature on a quiet log's latest checkpoint may get before it
    /// cosigns it again ([`RECOSIGN_INTERVAL_SECS`] by default).
    pub recosign_interval: std::time::Duration,
    /// What the network holds of the node's own log: raised here, obeyed by the sequencer.
    pub fence: Arc<Fence>,
}

impl Replication {
    /// Starts the swarm actor and the sync tasks. Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// [`ReplicationError::P2p`] when the transport cannot be built or an address not listened on.
    pub fn start(
        config: ReplicationConfig,
        checkpoints: watch::Receiver<Option<Arc<CheckpointSigned>>>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Result<Replication, ReplicationError> {
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (stop, stopped) = watch::channel(false);
        let local_peer = config.p2p_key.public().to_peer_id();
        let view = View {
            membership: config.membership,
            logs: config.logs.load(),
            witness: config.witness_keys,
        };
        let shared = Arc::new(Shared::new(
            view,
            shared::SharedParts {
                api_logs: config.logs,
                clock,
                metrics,
                commands,
                local_peer,
                stopped: stopped.clone(),
                fence: config.fence,
            },
        ));
        let swarm = swarm::build(&shared, config.p2p_key, &config.listen)?;
        let swarm_task = tokio::spawn(swarm::run(
            swarm,
            shared.clone(),
            command_rx,
            checkpoints,
            stopped.clone(),
        ));
        let recosign = tokio::spawn(freshness::run(
            shared.clone(),
            config.recosign_interval,
            stopped,
        ));
        if let Ok(mut tasks) = shared.tasks.lock() {
            tasks.push(recosign);
        }
        shared.start_sync_tasks();
        Ok(Replication {
            shared,
            stop,
            swarm_task,
        })
    }

    /// Learns from the peers what the network holds of the node's own log, fences the sequencer
    /// at it, and restores the store up to it ([`restore`]); to be called before the sequencer
    /// starts. Waits up to `wait` for a peer; `need_peer` makes "no answer" an error (a store
    /// created empty to be rebuilt).
    ///
    /// # Errors
    /// [`restore::RestoreError`] when the store forked from the network, or cannot be restored.
    pub async fn restore_own(
        &self,
        wait: std::time::Duration,
        need_peer: bool,
    ) -> Result<restore::Restored, restore::RestoreError> {
        let result = restore::restore_own(&self.shared, wait, need_peer).await;
        self.shared.restored();
        result
    }

    /// What the actors share (for the HTTP API: `add-checkpoint`, equivocations).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops the swarm and the sync tasks and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.swarm_task.await;
        let tasks = self
            .shared
            .tasks
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        for task in tasks {
            let _ = task.await;
        }
    }
}

impl Shared {
    /// Puts `view` in force (a membership reload): starts following the logs of members added,
    /// stops following those of members removed (their logs stay readable in
    /// [`Logs::retired`]), leaves the sync of every other log running, and has the swarm
    /// allow and refuse peers accordingly.
    pub fn apply_view(self: &Arc<Self>, view: View) {
        self.replace_view(view);
        self.start_sync_tasks();
        let logs = self.logs();
        let followed: Vec<String> = logs.mirrors.iter().map(|l| l.origin.clone()).collect();
        for retired in &logs.retired {
            if !followed.contains(&retired.origin) {
                self.remove_sync(&retired.origin);
            }
        }
        self.members_changed();
    }

    /// Starts a sync task for every mirror that has none.
    fn start_sync_tasks(self: &Arc<Self>) {
        if *self.stopped.borrow() {
            return;
        }
        for log in &self.logs().mirrors {
            if self.has_sync(&log.origin) {
                continue;
            }
            let (target, rx) = watch::channel(None);
            let size = watch::Sender::new(log.mirror.as_ref().map_or(0, |m| m.size()));
            self.add_sync(&log.origin, shared::SyncChannels { target, size });
            let task = tokio::spawn(sync::run(
                self.clone(),
                log.clone(),
                rx,
                self.stopped.clone(),
            ));
            if let Ok(mut tasks) = self.tasks.lock() {
                tasks.push(task);
            }
        }
    }
}
