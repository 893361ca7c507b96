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

pub mod api;
pub mod audit;
pub mod clock;
pub mod config;
pub mod export;
pub mod init;
pub mod metrics;
pub mod policy;
pub mod replication;
pub mod sequencer;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::sequencer::{Sequencer, SequencerHandle};
use crate::store::{RocksStore, Store};

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
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    /// The sequencer could not start.
    #[error("sequencer: {0}")]
    Sequencer(#[from] sequencer::AppendError),
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
    /// The HTTP address it listens on (the configured one, or the port the OS chose for port 0).
    pub addr: SocketAddr,
    /// A handle to its sequencer.
    pub sequencer: SequencerHandle,
    /// Its store.
    pub store: Arc<RocksStore>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    owner: Sequencer,
}

/// Opens the store, starts the sequencer and the HTTP server.
///
/// # Errors
/// [`NodeError`] naming what could not be opened or bound.
pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> Result<RunningNode, NodeError> {
    let store = Arc::new(RocksStore::open(
        config.path(&config.db_dir),
        &config.origin,
    )?);
    let key = init::read_key(&config.path(&config.key_file))?;
    let token = init::read_token(&config.path(&config.token_file))?;
    let metrics = Arc::new(Metrics::new());
    let owner = Sequencer::start(
        store.clone(),
        key.clone(),
        clock,
        metrics.clone(),
        config.sequencer_config(),
    )?;
    let verifier_key = init::log_verifier_key(&config.origin, &key)?;
    let state = api::ApiState {
        sequencer: owner.handle.clone(),
        store: store.clone() as Arc<dyn Store>,
        policy_text: Arc::new(policy::own_policy_text(&config.origin, &verifier_key)),
        verifier_keys: Arc::new(vec![verifier_key]),
        agency_token: Arc::new(token),
        metrics,
        limits: api::ApiLimits {
            max_body_bytes: config.http.max_body_bytes,
            max_evidence_batch: config.http.max_evidence_batch,
            receipt_wait: RECEIPT_WAIT,
        },
    };
    let http_error = |e: std::io::Error| NodeError::Http {
        addr: config.http.listen,
        message: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .map_err(http_error)?;
    let addr = listener.local_addr().map_err(http_error)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let router = api::router(state);
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, origin = %config.origin, "node started");
    Ok(RunningNode {
        addr,
        sequencer: owner.handle.clone(),
        store,
        stop,
        server,
        owner,
    })
}

impl RunningNode {
    /// Stops accepting requests, finishes those in flight, signs a last checkpoint if the log
    /// grew, and closes the store.
    ///
    /// # Errors
    /// [`NodeError::Http`] when the server failed while running.
    pub async fn stop(self) -> Result<(), NodeError> {
        let RunningNode {
            addr,
            sequencer,
            store,
            stop,
            server,
            owner,
        } = self;
        let _ = stop.send(());
        let served = server.await;
        drop(sequencer);
        owner.shutdown().await;
        drop(store);
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(NodeError::Http {
                addr,
                message: e.to_string(),
            }),
            Err(e) => Err(NodeError::Http {
                addr,
                message: e.to_string(),
            }),
        }
    }
}
