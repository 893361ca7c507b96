//! Certificates: current state, history, and the offline bundle (docs/format.md#11).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use ledger_format::Canonical;
use ledger_format::code::CertificateCode;
use ledger_format::lifecycle::CertificateState;
use serde::{Deserialize, Serialize};

use super::evidence::OCTET_STREAM;
use super::extract::{ApiPath, ApiQuery};
use super::records::{RecordJson, read_record_json};
use super::{ApiError, ApiState, LogParam};
use crate::export;

/// Parses the `{code}` path parameter; a malformed code is a 400 that says why.
pub(super) fn parse_code(text: &str) -> Result<CertificateCode, ApiError> {
    CertificateCode::parse(text)
        .map_err(|e| ApiError::bad_request("code", format!("malformed certificate code: {e}")))
}

fn unknown(code: &CertificateCode) -> ApiError {
    ApiError::NotFound(format!("no registration with code {code}"))
}

/// The log that holds `code`: the one named by `?log=`, else the log whose regions cover the code's
/// region (the agency that issues it: no other log may hold it), else the first of the node's logs
/// (its own first) that knows the code, else the node's own log.
pub(super) async fn locate(
    state: &ApiState,
    log: Option<String>,
    code: &CertificateCode,
) -> Result<Option<String>, ApiError> {
    if log.is_some() {
        return Ok(log);
    }
    let logs = state.logs.load();
    let code = code.clone();
    tokio::task::spawn_blocking(move || -> Result<Option<String>, ApiError> {
        if let Some(issuer) = logs.issuer_of(&code) {
            return Ok(Some(issuer.origin.clone()));
        }
        if logs.own.store.state(&code)?.is_some() {
            return Ok(None);
        }
        for log in logs.all().skip(1) {
            if log.store.state(&code)?.is_some() {
                return Ok(Some(log.origin.clone()));
            }
        }
        Ok(None)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("store reader failed: {e}")))?
}

/// `GET /v1/certificates/{code}[?log=]`: the current state (including records not yet
/// checkpointed).
pub async fn state(
    State(state): State<ApiState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(log): ApiQuery<LogParam>,
) -> Result<Json<CertificateState>, ApiError> {
    let code = parse_code(&code)?;
    let lookup = code.clone();
    let origin = locate(&state, log.log, &code).await?;
    let current = state
        .read_log(origin.as_deref(), move |store, _| store.state(&lookup))
        .await??;
    current.map(Json).ok_or_else(|| unknown(&code))
}

#[derive(Debug, Serialize)]
pub struct History {
    code: CertificateCode,
    records: Vec<RecordJson>,
}

/// `GET /v1/certificates/{code}/history`: every record about the code, oldest first.
pub async fn history(
    State(state): State<ApiState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(log): ApiQuery<LogParam>,
) -> Result<Json<History>, ApiError> {
    let code = parse_code(&code)?;
    let lookup = code.clone();
    let origin = locate(&state, log.log, &code).await?;
    let records = state
        .read_log(
            origin.as_deref(),
            move |store, _| -> Result<Vec<RecordJson>, ApiError> {
                store
                    .code_records(&lookup)?
                    .into_iter()
                    .map(|index| read_record_json(store, index))
                    .collect()
            },
        )
        .await??;
    if records.is_empty() {
        return Err(unknown(&code));
    }
    Ok(Json(History { code, records }))
}

#[derive(Debug, Deserialize)]
pub struct BundleQuery {
    #[serde(default)]
    records: bool,
    log: Option<String>,
}

/// `GET /v1/certificates/{code}/bundle[?records=true]`: the BCS bundle at the latest checkpoint.
/// An unknown code gets a valid bundle proving its absence; 503 before the first checkpoint.
pub async fn bundle(
    State(state): State<ApiState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<BundleQuery>,
) -> Result<Response, ApiError> {
    let code = parse_code(&code)?;
    let filename = format!("attachment; filename=\"{code}.bundle\"");
    let origin = locate(&state, query.log, &code).await?;
    let bundle = state
        .read_log(origin.as_deref(), move |store, keys| {
            export::bundle(store, keys, &code, query.records)
        })
        .await??;
    let mut response = ([(CONTENT_TYPE, OCTET_STREAM)], bundle.encode()).into_response();
    if let Ok(value) = HeaderValue::from_str(&filename) {
        response.headers_mut().insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
