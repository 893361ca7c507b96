//! The network's view: the logs this node holds, equivocation proofs, and the C2SP witness
//! endpoint `POST /add-checkpoint` (c2sp.org/tlog-witness).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use ledger_format::Canonical;
use ledger_format::equivocation::Equivocation;
use serde::Serialize;

use super::info::TEXT_PLAIN;
use super::{ApiError, ApiState};
use crate::replication::WitnessError;
use crate::replication::witness::MAX_ADD_CHECKPOINT_BYTES;

/// One log in `GET /v1/logs`.
#[derive(Debug, Serialize)]
pub struct LogSummary {
    origin: String,
    role: &'static str,
    size: u64,
    checkpoint_size: Option<u64>,
    cosignatures: usize,
    equivocated: bool,
    /// Every key the log has had, oldest first, as its records say.
    keys: Vec<LogKeyJson>,
}

/// One key of a log in `GET /v1/logs`: the window a trust policy's `log` line gives it.
#[derive(Debug, Serialize)]
pub struct LogKeyJson {
    /// The C2SP verifier key.
    verifier_key: String,
    /// The first tree size it signs.
    from_size: u64,
    /// When it took effect (Unix seconds; absent for the genesis key).
    not_before: Option<i64>,
    /// When the next key replaced it (absent while in force).
    not_after: Option<i64>,
}

fn key_history_json(log: &crate::logs::LogEntry) -> Result<Vec<LogKeyJson>, ApiError> {
    let history = log.key_history()?;
    let windows = ledger_format::replay::key_windows(&history);
    Ok(history
        .iter()
        .zip(windows)
        .map(|(epoch, window)| LogKeyJson {
            verifier_key: crate::logs::verifier_key(&log.origin, epoch.key)
                .map_or_else(|| epoch.key.to_hex(), |k| k.to_string()),
            from_size: epoch.from_size,
            not_before: window.not_before,
            not_after: window.not_after,
        })
        .collect())
}

/// `GET /v1/logs`: every log the node holds (its own, then its mirrors) with size, latest
/// checkpoint, the cosignatures on it, whether the log was proven to equivocate, and its key
/// history (each key with the time it took effect and the time it was replaced).
pub async fn logs(State(state): State<ApiState>) -> Result<Json<Vec<LogSummary>>, ApiError> {
    let logs = state.logs.load();
    let summaries = tokio::task::spawn_blocking(move || -> Result<Vec<LogSummary>, ApiError> {
        logs.all()
            .map(|log| {
                let latest = log.store.latest_checkpoint()?;
                let cosignatures = match &latest {
                    Some(c) => log.store.cosignatures(c.size)?.len(),
                    None => 0,
                };
                Ok(LogSummary {
                    origin: log.origin.clone(),
                    role: if log.mirror.is_some() {
                        "mirror"
                    } else {
                        "own"
                    },
                    size: log.store.tip()?.size,
                    checkpoint_size: latest.map(|c| c.size),
                    cosignatures,
                    equivocated: log.store.equivocation()?.is_some(),
                    keys: key_history_json(log)?,
                })
            })
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("store reader failed: {e}")))??;
    Ok(Json(summaries))
}

/// One proof in `GET /v1/equivocations`.
#[derive(Debug, Serialize)]
pub struct EquivocationJson {
    origin: String,
    size: u64,
    /// For a proof across sizes, the larger checkpoint's size.
    larger_size: Option<u64>,
    /// The two conflicting checkpoint notes.
    first: String,
    second: String,
    /// The canonical proof (docs/format.md#equivocation), hex: what `ledger-client` reads.
    hex: String,
}

/// `GET /v1/equivocations`: the proofs this node keeps that a log signed two histories.
pub async fn equivocations(
    State(state): State<ApiState>,
) -> Result<Json<Vec<EquivocationJson>>, ApiError> {
    let logs = state.logs.load();
    let proofs = tokio::task::spawn_blocking(move || -> Result<Vec<EquivocationJson>, ApiError> {
        let mut out = Vec::new();
        for log in logs.all() {
            let Some(bytes) = log.store.equivocation()? else {
                continue;
            };
            let proof = Equivocation::decode_exact(&bytes).map_err(|e| {
                ApiError::Internal(format!("stored equivocation of {}: {e}", log.origin))
            })?;
            let facts = proof.facts(log.store.suite()).ok();
            out.push(EquivocationJson {
                origin: log.origin.clone(),
                size: facts.as_ref().map_or(0, |f| f.size),
                larger_size: facts.and_then(|f| f.larger_size),
                hex: hex::encode(proof.encode()),
                first: proof.first,
                second: proof.second,
            });
        }
        Ok(out)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("store reader failed: {e}")))??;
    Ok(Json(proofs))
}

/// `POST /add-checkpoint` (c2sp.org/tlog-witness): cosigns a checkpoint of a log this node
/// mirrors once it replayed the log to that size and got the checkpoint's status-map root
/// (`replication/witness.rs`). 200 with the cosignature line; 409 with the witnessed size
/// (`text/x.tlog.size`) when `old` is not it; 503 with `Retry-After` while the records are not
/// verified yet; the other statuses as [`WitnessError::status`] decides.
pub async fn add_checkpoint(State(state): State<ApiState>, body: Bytes) -> Response {
    let Some(network) = state.network.clone() else {
        return witness_error(&WitnessError::NotAWitness);
    };
    if body.len() > MAX_ADD_CHECKPOINT_BYTES {
        return witness_error(&WitnessError::Malformed("body too large".into()));
    }
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return witness_error(&WitnessError::Malformed("body is not UTF-8".into()));
    };
    match crate::replication::witness::add_checkpoint(network, text).await {
        Ok(line) => plain(StatusCode::OK, &format!("{line}\n")),
        Err(e) => witness_error(&e),
    }
}

fn witness_error(e: &WitnessError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let WitnessError::Conflict(size) = e {
        return (
            status,
            [(CONTENT_TYPE, "text/x.tlog.size")],
            format!("{size}\n"),
        )
            .into_response();
    }
    let mut response = plain(status, &format!("{e}\n"));
    if let Some(seconds) = e.retry_after()
        && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
    {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

fn plain(status: StatusCode, body: &str) -> Response {
    (status, [(CONTENT_TYPE, TEXT_PLAIN)], body.to_owned()).into_response()
}
