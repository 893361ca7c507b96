//! The agency's own records (bearer-token protected), and the registry of evidence services.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use ledger_format::record::Body;
use serde::Serialize;

use super::extract::{ApiJson, check_bearer};
use super::{ApiError, ApiState};

#[derive(Debug, Serialize)]
pub struct AppendedJson {
    index: u64,
    record_hash: String,
    time: i64,
    kind: &'static str,
}

/// `POST /v1/agency/records`: appends one agency record (JSON of `ledger_format::record::Body`).
///
/// The token is checked before the body is read, so an unauthenticated caller learns nothing
/// about the body's validity.
pub async fn append(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<(StatusCode, Json<AppendedJson>), ApiError> {
    check_bearer(&headers, &state.agency_token)?;
    let ApiJson(body) = ApiJson::<Body>::from_request(request, &()).await?;
    let kind = body.kind_name();
    let appended = state.sequencer.append(body).await?;
    Ok((
        StatusCode::CREATED,
        Json(AppendedJson {
            index: appended.index,
            record_hash: appended.record_hash.to_hex(),
            time: appended.time,
            kind,
        }),
    ))
}

#[derive(Debug, Serialize)]
pub struct SubmitterJson {
    key: String,
    name: String,
    credit_code: String,
    added_at: u64,
}

#[derive(Debug, Serialize)]
pub struct Submitters {
    submitters: Vec<SubmitterJson>,
}

/// `GET /v1/submitters`: the registered evidence services.
pub async fn submitters(State(state): State<ApiState>) -> Result<Json<Submitters>, ApiError> {
    let list = state.read(|store, _| store.submitters()).await??;
    let submitters = list
        .into_iter()
        .map(|(key, s)| SubmitterJson {
            key: key.to_hex(),
            name: s.name,
            credit_code: s.credit_code,
            added_at: s.added_at,
        })
        .collect();
    Ok(Json(Submitters { submitters }))
}
