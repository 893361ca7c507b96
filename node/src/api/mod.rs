//! The node's HTTP API (docs/openapi.yaml): thin handlers over the sequencer, the store and the
//! exporters, with one error type ([`ApiError`]) mapped to HTTP statuses in one place.
//!
//! Reads go to the store on tokio's blocking pool (RocksDB reads block); writes go through the
//! [`SequencerHandle`], which validates and persists them, so a refused request never writes
//! anything. Every response is counted in [`Metrics`] by status and logged with its method, path,
//! status and latency (never its headers: the officers' bearer tokens stay out of the logs). The
//! agency and admin routes sit behind `access::guard`: the officer registry's check, the role
//! table and the access log.
//!
//! Two routers, for two listeners: [`public_router`] (the public API) and [`admin_router`] (the
//! agency and admin routes and `/metrics`, on loopback by default). Each has its own bound on
//! requests in flight ([`limits::Admission`]), so that no public load reaches the officers.

mod access;
mod admin;
mod agency;
mod board;
mod certificates;
mod error;
mod evidence;
mod extract;
mod info;
pub mod limits;
pub mod pages;
mod profiles;
mod records;
pub mod serve;
pub mod tiles;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use ledger_format::checkpoint::VerifierKey;

mod network;

pub use access::Acting;
pub use error::ApiError;

use crate::logs::Logs;
use crate::metrics::Metrics;
use crate::reload::Reloader;
use crate::sequencer::SequencerHandle;
use crate::store::Store;
use crate::swap::Swap;

/// Default largest request body: a full evidence batch of 20,000 items is about 6 MiB of JSON.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Default most evidence items in one request: one group commit of the sequencer
/// ([`crate::sequencer::MAX_BATCH_ENTRIES`]).
pub const MAX_EVIDENCE_BATCH: usize = crate::sequencer::MAX_BATCH_ENTRIES;
/// Default longest wait of `GET …/receipt?wait=true`: several checkpoint intervals (1 s each).
pub const RECEIPT_WAIT_MS: u64 = 10_000;

/// Limits the API enforces on requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    /// Largest request body in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Most evidence items in one `POST /v1/evidence`.
    pub max_evidence_batch: usize,
    /// Longest time a receipt request with `wait=true` waits for a checkpoint.
    pub receipt_wait: Duration,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            max_body_bytes: MAX_BODY_BYTES,
            max_evidence_batch: MAX_EVIDENCE_BATCH,
            receipt_wait: Duration::from_millis(RECEIPT_WAIT_MS),
        }
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The single writer.
    pub sequencer: SequencerHandle,
    /// Every log the node holds (its own, its mirrors, removed members' logs), for reads; a
    /// membership reload replaces them.
    pub logs: Swap<Logs>,
    /// The replication (witness, equivocations); `None` when the node runs alone.
    pub network: Option<Arc<crate::replication::Shared>>,
    /// Reloads the membership (`POST /v1/admin/reload`); `None` when the node runs alone.
    pub reloader: Option<Reloader>,
    /// The officer registry: who may call the agency and admin routes, with which role.
    pub officers: Arc<crate::officers::OfficerBook>,
    /// The access log of the agency and admin routes.
    pub access_log: Arc<crate::access_log::AccessLog>,
    /// The node's log key file, for `POST /v1/agency/key-rotation` (which loads the next key
    /// from beside it); `None` disables rotation over HTTP.
    pub key_file: Option<std::path::PathBuf>,
    /// The node's metrics.
    pub metrics: Arc<Metrics>,
    /// The policy of the node's own log, served at `GET /v1/policy` by a node running alone (in a
    /// network the policy is written from the membership and the logs in force).
    pub policy_text: Arc<String>,
    /// Request limits.
    pub limits: ApiLimits,
    /// The node's clock (what "today" is for defaults such as a profile's first day).
    pub clock: Arc<dyn crate::clock::Clock>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("sequencer", &self.sequencer)
            .field("logs", &self.logs.load().mirrors.len())
            .field("officers", &self.officers.path())
            .field("access_log", &self.access_log.path())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ApiState {
    /// Runs `read` against the node's own log on the blocking pool.
    ///
    /// # Errors
    /// [`ApiError::Internal`] when the task panicked or was cancelled.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&dyn Store, &[VerifierKey]) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.read_log(None, read).await
    }

    /// Runs `read` against the log `origin` (the node's own for `None`) on the blocking pool.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] for a log the node does not hold; [`ApiError::Internal`] when the
    /// task panicked or was cancelled.
    async fn read_log<T: Send + 'static>(
        &self,
        origin: Option<&str>,
        read: impl FnOnce(&dyn Store, &[VerifierKey]) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let log = self
            .logs
            .load()
            .get(origin)
            .ok_or_else(|| {
                ApiError::NotFound(format!("this node holds no log {}", origin.unwrap_or("")))
            })?
            .clone();
        tokio::task::spawn_blocking(move || read(&*log.store, &log.note_keys()))
            .await
            .map_err(|e| ApiError::Internal(format!("store reader failed: {e}")))
    }
}

/// `?log=<origin>`: which log a read is about (the node's own when absent).
#[derive(Debug, Default, serde::Deserialize)]
pub struct LogParam {
    /// The log's origin.
    pub log: Option<String>,
}

/// What protects a router from its traffic: its listener's bound on requests in flight, and (on
/// the public listener) the rate of the write routes per client address.
#[derive(Debug, Clone)]
pub struct Protection {
    /// The listener's requests in flight and request timeout.
    pub admission: Arc<limits::Admission>,
    /// The rate per client address of `POST /v1/evidence` and `POST /add-checkpoint`.
    pub write_rate: Arc<limits::WriteRate>,
}

/// The public API's routes, with their body limits, the write rate, the admission bound, metrics
/// and request logging.
pub fn public_router(state: ApiState, protection: &Protection) -> Router {
    let evidence_bytes = state.limits.max_body_bytes;
    let metrics = state.metrics.clone();
    let rate = middleware::from_fn_with_state(protection.write_rate.clone(), limits::limit_writes);
    Router::new()
        .route("/healthz", get(info::healthz))
        .route("/v1/policy", get(info::policy))
        .route("/v1/log", get(info::log))
        .route("/v1/checkpoint", get(info::latest_checkpoint))
        .route("/v1/checkpoints/{size}", get(info::checkpoint_at))
        .route("/v1/records", get(records::list))
        .route("/v1/records/{index}", get(records::one))
        .route("/v1/proofs/inclusion", get(records::inclusion))
        .route("/v1/proofs/consistency", get(records::consistency))
        .route(
            "/v1/evidence",
            post(evidence::submit)
                .layer(DefaultBodyLimit::max(evidence_bytes))
                .layer(rate.clone()),
        )
        .route(
            "/v1/evidence/{submitter}/{hash}/receipt",
            get(evidence::receipt),
        )
        .route("/v1/submitters", get(agency::submitters))
        .route("/v1/profiles", get(profiles::list))
        .route("/v1/certificates/{code}", get(certificates::state))
        .route(
            "/v1/certificates/{code}/history",
            get(certificates::history),
        )
        .route("/v1/certificates/{code}/bundle", get(certificates::bundle))
        .route("/v1/board", get(board::logs))
        .route("/v1/board/notices", get(board::notices))
        .route("/v1/board/announcements", get(board::announcements))
        .route("/v1/board/certificates/{code}", get(board::certificate))
        .merge(pages::routes())
        .route("/v1/logs", get(network::logs))
        .route("/v1/equivocations", get(network::equivocations))
        .route(
            "/add-checkpoint",
            post(network::add_checkpoint)
                .layer(DefaultBodyLimit::max(limits::CHECKPOINT_BODY_BYTES))
                .layer(rate),
        )
        .route("/checkpoint", get(tiles::checkpoint))
        .route("/tile/{*path}", get(tiles::tile))
        .route("/logs/{*path}", get(tiles::log_resource))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits::OTHER_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            protection.admission.clone(),
            limits::admit,
        ))
        .layer(middleware::from_fn_with_state(metrics, observe))
}

/// Whether `path` is served by the admin listener ([`admin_router`]: the agency and admin routes
/// and `/metrics`) rather than the public one: what a client of both needs to know.
pub fn admin_path(path: &str) -> bool {
    path == "/metrics" || path.starts_with("/v1/agency/") || path.starts_with("/v1/admin/")
}

/// The agency and admin routes and `/metrics`, for the admin listener.
pub fn admin_router(state: ApiState, admission: Arc<limits::Admission>) -> Router {
    let metrics = state.metrics.clone();
    Router::new()
        .route("/healthz", get(info::healthz))
        .route("/metrics", get(info::metrics))
        .merge(officer_routes(state.clone()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits::AGENCY_BODY_BYTES))
        .layer(middleware::from_fn_with_state(admission, limits::admit))
        .layer(middleware::from_fn_with_state(metrics, observe))
}

/// The routes an officer calls, behind the officer check and the access log.
fn officer_routes(state: ApiState) -> Router<ApiState> {
    Router::new()
        .route("/v1/agency/records", post(agency::append))
        .route("/v1/agency/key-rotation", post(agency::rotate_key))
        .route("/v1/agency/profile", post(profiles::adopt))
        .route("/v1/admin/reload", post(admin::reload))
        .route_layer(middleware::from_fn_with_state(state, access::guard))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("method not allowed on this endpoint".into())
}

/// Counts the response's status and logs the request (method, path, status, latency).
async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    metrics.http_response(status);
    tracing::info!(
        %method,
        path = %path,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "http request"
    );
    response
}
