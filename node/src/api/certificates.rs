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
use super::{ApiError, ApiState};
use crate::export;

/// Parses the `{code}` path parameter; a malformed code is a 400 that says why.
fn parse_code(text: &str) -> Result<CertificateCode, ApiError> {
    CertificateCode::parse(text)
        .map_err(|e| ApiError::bad_request("code", format!("malformed certificate code: {e}")))
}

fn unknown(code: &CertificateCode) -> ApiError {
    ApiError::NotFound(format!("no registration with code {code}"))
}

/// `GET /v1/certificates/{code}`: the current state (including records not yet checkpointed).
pub async fn state(
    State(state): State<ApiState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<CertificateState>, ApiError> {
    let code = parse_code(&code)?;
    let lookup = code.clone();
    let current = state.read(move |store, _| store.state(&lookup)).await??;
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
) -> Result<Json<History>, ApiError> {
    let code = parse_code(&code)?;
    let lookup = code.clone();
    let records = state
        .read(move |store, _| -> Result<Vec<RecordJson>, ApiError> {
            store
                .code_records(&lookup)?
                .into_iter()
                .map(|index| read_record_json(store, index))
                .collect()
        })
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
    let bundle = state
        .read(move |store, keys| export::bundle(store, keys, &code, query.records))
        .await??;
    let mut response = ([(CONTENT_TYPE, OCTET_STREAM)], bundle.encode()).into_response();
    if let Ok(value) = HeaderValue::from_str(&filename) {
        response.headers_mut().insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
