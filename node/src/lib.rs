//! The registration agency's node: its durable log on RocksDB, the single sequencer with group
//! commit, the checkpoint signer, the HTTP API and the command-line tool `ledger-node`.
//!
//! A node started alone is a complete notary for its agency. [`start`] brings everything up from
//! a [`config::Config`] and returns a [`RunningNode`] to stop, so tests start nodes in-process.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod access_log;
pub mod api;
pub mod audit;
pub mod clock;
pub mod config;
pub mod export;
pub mod init;
pub mod lapse;
pub mod logs;
pub mod metrics;
pub mod officers;
pub mod parallel;
pub mod policy;
pub mod reload;
pub mod replication;
pub mod sequencer;
pub mod store;
pub mod swap;
pub mod witness_key;
pub mod witnessed;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::clock::Clock;
use crate::config::Config;
use crate::logs::{BoardInfo, LogEntry, Logs};
use crate::metrics::Metrics;
use crate::reload::{Reloader, ReloaderParts};
use crate::sequencer::{Sequencer, SequencerHandle};
use crate::store::{RocksStore, Store};
use crate::swap::Swap;

/// How long an evidence receipt request with `wait=true` waits for the next checkpoint.
pub const RECEIPT_WAIT: Duration = Duration::from_secs(10);

/// Why the node could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// A key, token or policy file is unusable.
    #[error(transparent)]
    Init(#[from] init::InitError),
    /// The officer registry or the access log is unusable.
    #[error(transparent)]
    Officers(#[from] officers::OfficerError),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    /// The sequencer could not start.
    #[error("sequencer: {0}")]
    Sequencer(#[from] sequencer::AppendError),
    /// The network could not be joined.
    #[error("network: {0}")]
    Network(String),
    /// The HTTP server failed.
    #[error("http on {addr}: {message}")]
    Http {
        /// The address.
        addr: SocketAddr,
        /// What failed.
        message: String,
    },
}

/// A node running in this process.
#[derive(Debug)]
pub struct RunningNode {
    /// The public API's address (the configured one, or the port the OS chose for port 0).
    pub addr: SocketAddr,
    /// The address of the agency and admin routes and `/metrics`.
    pub admin_addr: SocketAddr,
    /// A handle to its sequencer.
    pub sequencer: SequencerHandle,
    /// Its store.
    pub store: Arc<RocksStore>,
    servers: HttpServers,
    owner: Sequencer,
    replication: Option<replication::Replication>,
    reloader: Option<Reloader>,
    relay: tokio::task::JoinHandle<()>,
    recorder: Option<tokio::task::JoinHandle<()>>,
    lapse: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

/// Opens the store; in a network, starts replication and brings the own log in line with what the
/// network witnessed ([`replication::restore`]); then starts the sequencer and the HTTP server.
///
/// # Errors
/// [`NodeError`] naming what could not be opened or bound.
pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> Result<RunningNode, NodeError> {
    let officers = Arc::new(open_officers(config)?);
    let access_log_path = config.access_log_path();
    let access_log = Arc::new(
        access_log::AccessLog::open(&access_log_path).map_err(|source| {
            officers::OfficerError::Io {
                path: access_log_path,
                source,
            }
        })?,
    );
    let metrics = Arc::new(Metrics::new());
    let membership = load_membership(config)?;
    let (store, rebuilding) = open_own_store(config, membership.as_ref())?;
    let mut sequencer_config = config.sequencer_config();
    sequencer_config.regions = log_regions(config, membership.as_ref());
    sequencer_config.profiles = log_profiles(config, membership.as_ref());
    // The membership names a log by its genesis key; the key in force comes from its records.
    let genesis_key =
        ledger_format::checkpoint::VerifierKey::log(&config.origin, store.identity()?.genesis_key)
            .map_err(|e| init::InitError::Config(e.to_string()))?;
    let own = LogEntry {
        origin: config.origin.clone(),
        store: store.clone(),
        keys: vec![genesis_key.clone()],
        mirror: None,
        regions: sequencer_config.regions.clone(),
        profiles: sequencer_config.profiles.clone(),
        board: log_board(config, membership.as_ref()),
    };
    let (signed_tx, signed_rx) = tokio::sync::watch::channel(None);
    let (logs, replication, peer) = match membership {
        None => (Swap::new(Logs::alone(own)), None, None),
        Some(membership) => {
            let network = Network {
                clock: clock.clone(),
                metrics: metrics.clone(),
                fence: sequencer_config.fence.clone(),
                checkpoints: signed_rx,
            };
            let (logs, replication, peer) = join_network(config, membership, own, network)?;
            if let Err(e) = check_own_log(config, &replication, &store, rebuilding).await {
                replication.shutdown().await;
                return Err(e);
            }
            (logs, Some(replication), Some(peer))
        }
    };
    if store.suite() != config.suite {
        return Err(NodeError::Init(init::InitError::Config(format!(
            "the configuration says suite {}, but the store's log is {}: a log keeps its suite for life",
            config.suite,
            store.suite()
        ))));
    }
    // After the restore: the records (perhaps fetched from the network) say which key is in force.
    let key = init::open_log_key(config, store.agency_key()?)?;
    let verifier_key = init::log_verifier_key(&config.origin, &key)?;
    let policy_text = Arc::new(policy::own_policy_text(
        &config.origin,
        &verifier_key,
        Some(&config.regions)
            .filter(|r| !r.is_empty())
            .map(Vec::as_slice),
    ));
    let reloader = match (&replication, peer) {
        (Some(replication), Some(peer)) => Some(Reloader::new(ReloaderParts {
            config: config.clone(),
            own_key: genesis_key,
            peer,
            clock: clock.clone(),
            metrics: metrics.clone(),
            shared: replication.shared().clone(),
        })),
        _ => None,
    };
    let owner = Sequencer::start(
        store.clone(),
        key.clone(),
        clock.clone(),
        metrics.clone(),
        sequencer_config.clone(),
    )?;
    let relay = relay_checkpoints(owner.handle.checkpoints(), signed_tx);
    let recorder = replication
        .is_some()
        .then(|| witnessed::WitnessedRecord::new(config).spawn_updates(store.clone()));
    let state = api::ApiState {
        sequencer: owner.handle.clone(),
        logs,
        network: replication.as_ref().map(|r| r.shared().clone()),
        reloader: reloader.clone(),
        policy_text,
        officers,
        access_log,
        // A key in a module is rotated with the module's tools, not over HTTP.
        key_file: config
            .log_key_hsm
            .is_none()
            .then(|| config.path(&config.key_file)),
        metrics,
        clock: clock.clone(),
        limits: api::ApiLimits {
            max_body_bytes: config.http.max_body_bytes,
            max_evidence_batch: config.http.max_evidence_batch,
            receipt_wait: RECEIPT_WAIT,
        },
    };
    let (servers, addr, admin_addr) = serve_http(config, state).await?;
    let lapse = lapse::spawn(
        &config.lifecycle,
        store.clone(),
        owner.handle.clone(),
        clock.clone(),
    );
    tracing::info!(%addr, %admin_addr, origin = %config.origin, "node started");
    Ok(RunningNode {
        addr,
        admin_addr,
        sequencer: owner.handle.clone(),
        store,
        servers,
        owner,
        replication,
        reloader,
        relay,
        recorder,
        lapse,
    })
}

/// The node's two HTTP servers (the public API and the agency's routes), owned and stopped
/// together.
#[derive(Debug)]
struct HttpServers {
    stop: tokio_util::sync::CancellationToken,
    tasks: tokio::task::JoinSet<std::io::Result<()>>,
}

impl HttpServers {
    /// Stops both servers (requests in flight finish) and waits for them.
    ///
    /// # Errors
    /// What a server failed with while running.
    async fn stop(mut self) -> Result<(), String> {
        self.stop.cancel();
        let mut outcome = Ok(());
        while let Some(ended) = self.tasks.join_next().await {
            let failure = match ended {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            };
            outcome = Err(failure);
        }
        outcome
    }
}

/// Binds the public and the admin listeners and serves the API's two routers on them, each with
/// its own connection and in-flight bounds (docs/operations.md#http).
async fn serve_http(
    config: &Config,
    state: api::ApiState,
) -> Result<(HttpServers, SocketAddr, SocketAddr), NodeError> {
    let http = &config.http;
    let bind = |addr: SocketAddr| async move {
        let failed = |e: std::io::Error| NodeError::Http {
            addr,
            message: e.to_string(),
        };
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(failed)?;
        let bound = listener.local_addr().map_err(failed)?;
        Ok::<_, NodeError>((listener, bound))
    };
    let (public, addr) = bind(http.listen).await?;
    let (admin, admin_addr) = bind(http.admin_listen).await?;
    let request_timeout = Duration::from_secs(http.request_timeout_secs);
    let admission = || {
        Arc::new(api::limits::Admission::new(
            http.max_in_flight,
            request_timeout,
            state.metrics.clone(),
        ))
    };
    let limits = api::serve::ServeLimits {
        max_connections: http.max_connections,
        header_timeout: Duration::from_secs(http.header_timeout_secs),
    };
    let protection = api::Protection {
        admission: admission(),
        write_rate: Arc::new(api::limits::WriteRate::new(
            http.write_rate_per_second,
            http.write_burst,
            state.metrics.clone(),
        )),
    };
    let admin_admission = admission();
    let stop = tokio_util::sync::CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(api::serve::serve(
        public,
        api::public_router(state.clone(), &protection),
        limits,
        protection.admission.clone(),
        stop.clone(),
    ));
    tasks.spawn(api::serve::serve(
        admin,
        api::admin_router(state, admin_admission.clone()),
        limits,
        admin_admission,
        stop.clone(),
    ));
    Ok((HttpServers { stop, tasks }, addr, admin_addr))
}

/// The officer registry of the node, created from the legacy agency token when absent
/// ([`officers::ensure_registry`]: the token becomes officer `administrator`).
///
/// # Errors
/// [`NodeError`] when the registry is invalid, or absent and the token unreadable.
pub fn open_officers(config: &Config) -> Result<officers::OfficerBook, NodeError> {
    let path = config.path(&config.officers_file);
    if !path.exists() {
        let token = init::read_token(&config.path(&config.token_file))?;
        officers::ensure_registry(&path, &token)?;
        tracing::info!(file = %path.display(), "officer registry created: the agency token is officer administrator");
    }
    Ok(officers::OfficerBook::open(
        &path,
        &config.origin,
        config.suite,
    )?)
}

/// Brings the own log in line with what the network holds of it ([`replication::restore`]), before
/// the sequencer starts. A store behind what the network was last seen to hold (its
/// [`witnessed::WitnessedRecord`]) was rolled back: like a store rebuilt from nothing, it needs a
/// peer before it may sign anything.
async fn check_own_log(
    config: &Config,
    replication: &replication::Replication,
    store: &RocksStore,
    rebuilding: bool,
) -> Result<(), NodeError> {
    let recorded = witnessed::WitnessedRecord::new(config).read();
    let behind = recorded > store.tip()?.size;
    let wait = Duration::from_secs(config.network.restore_wait_secs);
    let restored = replication
        .restore_own(wait, rebuilding || behind)
        .await
        .map_err(|e| NodeError::Network(e.to_string()))?;
    tracing::info!(peers = restored.peers, fence = ?restored.fence, records = restored.records, "checked the own log against the network");
    let held = store.tip()?.size;
    if held < recorded {
        return Err(NodeError::Network(format!(
            "the store holds {held} records, but the network was seen holding {recorded} ({}) \
             and no peer served the rest: start it while the network is up",
            config.path(&config.db_dir).display()
        )));
    }
    if rebuilding {
        let marker = rebuild_marker(config);
        std::fs::remove_file(&marker)
            .map_err(|e| NodeError::Network(format!("{}: {e}", marker.display())))?;
    }
    Ok(())
}

/// Opens the node's own store. In a network, a store that is absent (a lost disk) is created empty
/// to be rebuilt from the network: the second value is then true, and start-up needs a peer. A
/// marker beside the store ([`rebuild_marker`]) keeps it so until a restore succeeded, so that a
/// start that failed (no peer) or crashed half-way never goes on as a new, empty log.
fn open_own_store(
    config: &Config,
    membership: Option<&replication::Membership>,
) -> Result<(Arc<RocksStore>, bool), NodeError> {
    let path = config.path(&config.db_dir);
    let marker = rebuild_marker(config);
    let me = membership.and_then(|m| m.by_origin(&config.origin));
    if let Some(me) = me.filter(|_| !path.join("CURRENT").exists()) {
        tracing::warn!(path = %path.display(), "no store: creating an empty one to rebuild the log from the network");
        std::fs::write(&marker, "the store is being rebuilt from the network\n")
            .map_err(|e| NodeError::Network(format!("{}: {e}", marker.display())))?;
        let identity = store::LogIdentity {
            origin: config.origin.clone(),
            genesis_key: *me.log_key.public_key(),
        };
        return Ok((Arc::new(RocksStore::create(&path, identity)?), true));
    }
    let rebuilding = membership.is_some() && marker.exists();
    Ok((
        Arc::new(RocksStore::open(&path, &config.origin)?),
        rebuilding,
    ))
}

/// The file that marks the own store as created empty to be rebuilt from the network:
/// `<db_dir>.rebuilding`, beside the store.
fn rebuild_marker(config: &Config) -> std::path::PathBuf {
    config.beside_db("rebuilding")
}

/// Forwards the checkpoints the sequencer signs to replication, which starts before it. Ends when
/// the sequencer stops.
fn relay_checkpoints(
    mut from: tokio::sync::watch::Receiver<Option<Arc<sequencer::CheckpointSigned>>>,
    to: tokio::sync::watch::Sender<Option<Arc<sequencer::CheckpointSigned>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            to.send_replace(from.borrow_and_update().clone());
            if from.changed().await.is_err() {
                return;
            }
        }
    })
}

/// What replication shares with the rest of the node.
struct Network {
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    fence: Arc<sequencer::Fence>,
    checkpoints: tokio::sync::watch::Receiver<Option<Arc<sequencer::CheckpointSigned>>>,
}

/// The GB/T 2260 divisions this node's log may issue for: in a network, its entry in the
/// membership file (the list its replicas apply when they replay it); alone, the configuration's.
pub fn log_regions(config: &Config, membership: Option<&replication::Membership>) -> Vec<u32> {
    membership
        .and_then(|m| m.by_origin(&config.origin))
        .map_or_else(|| config.regions.clone(), |me| me.regions.clone())
}

/// The rule profiles this node's log may adopt: in a network, its entry in the membership file;
/// alone (or with no list), the built-in profiles of measures, not drafts.
pub fn log_profiles(config: &Config, membership: Option<&replication::Membership>) -> Vec<String> {
    membership
        .and_then(|m| m.by_origin(&config.origin))
        .map(|me| me.profiles.clone())
        .unwrap_or_default()
}

/// What the public notice board shows of this node's agency: in a network, its entry in the
/// membership file (what every other node shows of it), the configuration's `[board]` filling
/// what the entry leaves out; alone, the configuration's.
pub fn log_board(config: &Config, membership: Option<&replication::Membership>) -> BoardInfo {
    let entry = membership
        .and_then(|m| m.by_origin(&config.origin))
        .map(member_board)
        .unwrap_or_default();
    BoardInfo {
        agency: entry.agency.or_else(|| config.board.agency.clone()),
        objections: entry.objections.or_else(|| config.board.objections.clone()),
    }
}

/// What the public notice board shows of `member`'s agency: its name and objection instructions.
pub fn member_board(member: &replication::Member) -> BoardInfo {
    BoardInfo {
        agency: Some(member.name.clone()),
        objections: member.objections.clone(),
    }
}

/// Reads the membership file the configuration names, if any.
///
/// # Errors
/// [`NodeError::Network`] when it cannot be read or is invalid.
pub fn load_membership(config: &Config) -> Result<Option<replication::Membership>, NodeError> {
    config
        .network
        .membership
        .as_ref()
        .map(|path| {
            replication::Membership::load(&config.path(path))
                .map_err(|e| NodeError::Network(e.to_string()))
        })
        .transpose()
}

/// This node's entry in `membership`, checked against its keys: listed, with its peer id and
/// its log key.
///
/// # Errors
/// [`NodeError::Network`] naming what does not match.
pub fn check_own_entry<'m>(
    config: &Config,
    membership: &'m replication::Membership,
    own_key: &ledger_format::checkpoint::VerifierKey,
    peer: libp2p::PeerId,
) -> Result<&'m replication::Member, NodeError> {
    let me = membership.by_origin(&config.origin).ok_or_else(|| {
        NodeError::Network(format!(
            "the membership file does not list this node's log {}",
            config.origin
        ))
    })?;
    if me.peer_id != peer || me.log_key != *own_key {
        return Err(NodeError::Network(format!(
            "the membership entry of {} does not match this node's keys (peer id {peer})",
            config.origin
        )));
    }
    Ok(me)
}

/// Whether the node keeps a mirror of the log `origin` on disk.
pub fn has_mirror(config: &Config, origin: &str) -> bool {
    config
        .path(&config.network.mirrors_dir)
        .join(mirror_dir_name(origin))
        .exists()
}

/// Opens (or creates) the mirror of `member`'s log, verified with its log key, keeping
/// `witnesses`' signatures on its checkpoints.
///
/// # Errors
/// [`NodeError`] when its store cannot be created or opened.
pub fn open_mirror(
    config: &Config,
    member: &replication::Member,
    witnesses: &[ledger_format::checkpoint::VerifierKey],
    clock: &Arc<dyn Clock>,
) -> Result<LogEntry, NodeError> {
    let network = |m: String| NodeError::Network(m);
    let dir = config
        .path(&config.network.mirrors_dir)
        .join(mirror_dir_name(&member.origin));
    let store: Arc<dyn Store> = Arc::new(if dir.exists() {
        RocksStore::open(&dir, &member.origin)?
    } else {
        std::fs::create_dir_all(&dir).map_err(|e| network(format!("{}: {e}", dir.display())))?;
        RocksStore::create(
            &dir,
            store::LogIdentity {
                origin: member.origin.clone(),
                genesis_key: *member.log_key.public_key(),
            },
        )?
    });
    let mirror =
        replication::mirror::Mirror::open(&member.origin, member.log_key.clone(), store.clone())
            .map_err(|e| network(format!("mirror of {}: {e}", member.origin)))?
            .with_regions(&member.regions)
            .with_profiles(&member.profiles)
            .with_clock(clock.clone());
    let mut keys = vec![member.log_key.clone()];
    keys.extend(witnesses.iter().cloned());
    Ok(LogEntry {
        origin: member.origin.clone(),
        store,
        keys,
        mirror: Some(Arc::new(mirror)),
        regions: member.regions.clone(),
        profiles: member.profiles.clone(),
        board: member_board(member),
    })
}

/// Opens a mirror for every other member (and the mirrors kept of removed agencies' logs) and
/// starts replication; returns the logs as the API reads them, the replication, and the node's
/// peer id.
fn join_network(
    config: &Config,
    membership: replication::Membership,
    mut own: LogEntry,
    parts: Network,
) -> Result<(Swap<Logs>, replication::Replication, libp2p::PeerId), NodeError> {
    let Network {
        clock,
        metrics,
        fence,
        checkpoints,
    } = parts;
    let network = |m: String| NodeError::Network(m);
    init::ensure_network_keys(config)?;
    let p2p_key = init::read_p2p_key(&config.path(&config.network.p2p_key_file))?;
    let peer = p2p_key.public().to_peer_id();
    let own_key = own.keys[0].clone();
    let me = check_own_entry(config, &membership, &own_key, peer)?;
    let held = witness_key::held(config, me, clock.now()).map_err(network)?;
    if held.promote {
        witness_key::promote(config)?;
    }
    let witnesses = membership.witness_keys();
    own.keys.extend(witnesses.iter().cloned());
    let mirrors = membership
        .members
        .iter()
        .filter(|m| m.origin != config.origin)
        .map(|member| open_mirror(config, member, &witnesses, &clock))
        .collect::<Result<Vec<_>, _>>()?;
    let retired = membership
        .removed
        .iter()
        .filter(|m| has_mirror(config, &m.origin))
        .map(|member| open_mirror(config, member, &witnesses, &clock))
        .collect::<Result<Vec<_>, _>>()?;
    let logs = Swap::new(Logs {
        own,
        mirrors,
        retired,
    });
    let listen = config
        .network
        .listen
        .iter()
        .map(|a| a.parse().map_err(|e| network(format!("listen {a}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let replication = replication::Replication::start(
        replication::ReplicationConfig {
            membership,
            logs: logs.clone(),
            p2p_key,
            witness_keys: held.signers,
            listen,
            recosign_interval: Duration::from_secs(config.network.recosign_interval_secs.max(1)),
            fence,
        },
        checkpoints,
        clock,
        metrics,
    )
    .map_err(|e| network(e.to_string()))?;
    Ok((logs, replication, peer))
}

/// The directory name of a mirror: the origin with every character but letters, digits, `.` and
/// `-` replaced by `_`, and 8 hex digits of its hash so that two origins never share a directory.
pub fn mirror_dir_name(origin: &str) -> String {
    let readable: String = origin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hash = ledger_format::sha256(origin.as_bytes());
    format!("{readable}-{}", &hash.to_hex()[..8])
}

impl RunningNode {
    /// Reloads the membership file (as SIGHUP and `POST /v1/admin/reload` do). Blocking: call it
    /// from a blocking task.
    ///
    /// # Errors
    /// [`reload::ReloadError`]; the membership in force is then unchanged.
    pub fn reload(&self) -> Result<reload::Reloaded, reload::ReloadError> {
        self.reloader
            .as_ref()
            .ok_or(reload::ReloadError::Alone)?
            .reload()
    }

    /// The reloader, for a task that reloads on a signal; `None` when the node runs alone.
    pub fn reloader(&self) -> Option<Reloader> {
        self.reloader.clone()
    }

    /// Stops accepting requests, finishes those in flight, signs a last checkpoint if the log
    /// grew, and closes the store.
    ///
    /// # Errors
    /// [`NodeError::Http`] when the server failed while running.
    pub async fn stop(self) -> Result<(), NodeError> {
        let RunningNode {
            addr,
            admin_addr: _,
            sequencer,
            store,
            servers,
            owner,
            replication,
            reloader,
            relay,
            recorder,
            lapse,
        } = self;
        drop(reloader);
        if let Some((stop_lapse, task)) = lapse {
            let _ = stop_lapse.send(());
            let _ = task.await;
        }
        if let Some(replication) = replication {
            replication.shutdown().await;
        }
        let served = servers.stop().await;
        drop(sequencer);
        owner.shutdown().await;
        // Both loop until told to stop; they hold no state that a stop could lose.
        relay.abort();
        let _ = relay.await;
        if let Some(recorder) = recorder {
            recorder.abort();
            let _ = recorder.await;
        }
        drop(store);
        served.map_err(|message| NodeError::Http { addr, message })
    }
}
