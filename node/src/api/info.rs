//! Health, metrics, the trust policy text, the log's summary and its signed checkpoints.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::extract::{ApiPath, ApiQuery, u64_param};
use super::{ApiError, ApiState, LogParam};
use crate::export::{self, ExportError};

/// Content type of plain-text answers (signed notes, the policy).
pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
/// Content type of `/metrics`.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn text(body: String) -> Response {
    ([(CONTENT_TYPE, TEXT_PLAIN)], body).into_response()
}

#[derive(Debug, Serialize)]
pub struct Health {
    status: &'static str,
    size: u64,
}

/// `GET /healthz`: the node answers and its store reads.
pub async fn healthz(State(state): State<ApiState>) -> Result<Json<Health>, ApiError> {
    let tip = state.read(|store, _| store.tip()).await??;
    Ok(Json(Health {
        status: "ok",
        size: tip.size,
    }))
}

/// `GET /metrics`: OpenMetrics text.
pub async fn metrics(State(state): State<ApiState>) -> Response {
    ([(CONTENT_TYPE, OPENMETRICS)], state.metrics.encode()).into_response()
}

/// `GET /v1/policy`: the agency's published trust policy. In a network it is written afresh from
/// the membership and the logs held, so that a log key rotated since the start is listed with its
/// window.
///
/// # Errors
/// [`ApiError::Internal`] when the writing task fails.
pub async fn policy(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let Some(network) = state.network.clone() else {
        return Ok(text(state.policy_text.as_str().to_owned()));
    };
    let written = tokio::task::spawn_blocking(move || {
        let view = network.view();
        crate::policy::network_policy_text(&view.membership, Some(&view.logs))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("writing the policy failed: {e}")))?;
    Ok(text(written))
}

#[derive(Debug, Serialize)]
pub struct LogInfo {
    origin: String,
    size: u64,
    last_record_hash: String,
    agency_key: String,
    checkpoint_size: Option<u64>,
    checkpoint_timestamp: Option<i64>,
}

/// `GET /v1/log`: origin, size, last record hash, agency key and the latest checkpoint's size.
pub async fn log(
    State(state): State<ApiState>,
    ApiQuery(log): ApiQuery<LogParam>,
) -> Result<Json<LogInfo>, ApiError> {
    let info = state
        .read_log(
            log.log.as_deref(),
            |store, _| -> Result<LogInfo, ApiError> {
                let identity = store.identity()?;
                let tip = store.tip()?;
                let key = store.agency_key()?;
                let latest = match export::latest_checkpoint(store) {
                    Ok(signed) => Some(signed.checkpoint().clone()),
                    Err(ExportError::NoCheckpoint) => None,
                    Err(e) => return Err(e.into()),
                };
                Ok(LogInfo {
                    origin: identity.origin,
                    size: tip.size,
                    last_record_hash: tip.last_hash.to_hex(),
                    agency_key: key.to_hex(),
                    checkpoint_size: latest.as_ref().map(|c| c.size),
                    checkpoint_timestamp: latest.as_ref().map(|c| c.timestamp),
                })
            },
        )
        .await??;
    Ok(Json(info))
}

/// `GET /v1/checkpoint`: the latest signed note; 404 before the first.
pub async fn latest_checkpoint(
    State(state): State<ApiState>,
    ApiQuery(log): ApiQuery<LogParam>,
) -> Result<Response, ApiError> {
    let note = state
        .read_log(log.log.as_deref(), |store, _| -> Result<_, ApiError> {
            match store.latest_checkpoint()? {
                Some(stored) => Ok(Some(export::served_note(store, &stored)?)),
                None => Ok(None),
            }
        })
        .await??;
    let note =
        note.ok_or_else(|| ApiError::NotFound("no checkpoint has been signed yet".into()))?;
    Ok(text(note))
}

/// `GET /v1/checkpoints/{size}`: the signed note of that tree size; 404 if none was signed.
pub async fn checkpoint_at(
    State(state): State<ApiState>,
    ApiPath(size): ApiPath<String>,
    ApiQuery(log): ApiQuery<LogParam>,
) -> Result<Response, ApiError> {
    let size = u64_param("size", &size)?;
    let note = state
        .read_log(log.log.as_deref(), move |store, _| -> Result<_, ApiError> {
            match store.checkpoint_at(size)? {
                Some(stored) => Ok(Some(export::served_note(store, &stored)?)),
                None => Ok(None),
            }
        })
        .await??;
    let note =
        note.ok_or_else(|| ApiError::NotFound(format!("no checkpoint was signed at size {size}")))?;
    Ok(text(note))
}
