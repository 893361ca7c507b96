//! The agency's own records (an officer's, behind [`super::access::guard`]), and the registry of
//! evidence services.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use ledger_format::keys::PublicKey;
use ledger_format::record::Body;
use serde::{Deserialize, Serialize};

use super::extract::ApiJson;
use super::{Acting, ApiError, ApiState};
use crate::init::{next_key_path, read_key, switch_to_next_key};

/// What an agency write answers: where the record landed.
#[derive(Debug, Serialize)]
pub struct AppendedJson {
    index: u64,
    record_hash: String,
    time: i64,
    kind: &'static str,
}

impl AppendedJson {
    /// The answer for the record of `kind` the sequencer appended.
    pub fn new(appended: &crate::sequencer::Appended, kind: &'static str) -> Self {
        AppendedJson {
            index: appended.index,
            record_hash: appended.record_hash.to_hex(),
            time: appended.time,
            kind,
        }
    }
}

/// `POST /v1/agency/records`: appends one agency record (JSON of `ledger_format::record::Body`)
/// naming the officer who made it, if the officer's role may append its kind.
///
/// The credential is checked before the body is read, so an unauthenticated caller learns
/// nothing about the body's validity.
pub async fn append(
    State(state): State<ApiState>,
    acting: Acting,
    request: Request,
) -> Result<(StatusCode, Json<AppendedJson>), ApiError> {
    let ApiJson(body) = ApiJson::<Body>::from_request(request, &()).await?;
    let kind = body.kind_name();
    acting.may(kind)?;
    let appended = state
        .sequencer
        .append_as(body, Some(acting.commitment()))
        .await?;
    acting.appended(appended.index);
    Ok((
        StatusCode::CREATED,
        Json(AppendedJson::new(&appended, kind)),
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

/// The body of `POST /v1/agency/key-rotation`: the public key of the next key, which the node
/// loads from its own key directory (`agency.key.next`); the private key never crosses HTTP.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// The next key's public key, 64 hex digits: a check that the node rotates to the key the
    /// operator prepared.
    new_key: String,
}

#[derive(Debug, Serialize)]
pub struct RotatedJson {
    #[serde(flatten)]
    appended: AppendedJson,
    /// The new key as a C2SP verifier key (what verifiers add to their policy).
    verifier_key: String,
}

/// `POST /v1/agency/key-rotation`: rotates the log key to the next key prepared in the node's
/// key directory (docs/operations.md#rotating-a-log-key). Administrators only.
pub async fn rotate_key(
    State(state): State<ApiState>,
    acting: Acting,
    request: Request,
) -> Result<(StatusCode, Json<RotatedJson>), ApiError> {
    acting.may("key-rotation")?;
    let ApiJson(body) = ApiJson::<RotateRequest>::from_request(request, &()).await?;
    let expected = PublicKey::from_hex(&body.new_key)
        .map_err(|e| ApiError::bad_request("new_key", e.to_string()))?;
    let key_file = state
        .key_file
        .clone()
        .ok_or_else(|| ApiError::Unavailable("this node cannot rotate its key over HTTP".into()))?;
    let next = next_key_path(&key_file);
    let key = blocking(move || read_key(&next)).await?.map_err(|e| {
        ApiError::Unprocessable(format!(
            "no next key to rotate to ({e}): run `ledger-node rotate-key` on the node's machine"
        ))
    })?;
    if key.public_key() != expected {
        return Err(ApiError::bad_request(
            "new_key",
            "is not the key prepared in the node's key directory",
        ));
    }
    let appended = state
        .sequencer
        .rotate_key_as(key, Some(acting.commitment()))
        .await?;
    acting.appended(appended.index);
    if let Err(e) = blocking(move || switch_to_next_key(&key_file)).await? {
        // The rotation is durable; the node switches the file at its next start.
        tracing::error!(error = %e, "log key rotated, but the key file could not be switched");
    }
    let origin = state.logs.load().own.origin.clone();
    let verifier_key = crate::logs::verifier_key(&origin, expected)
        .map(|k| k.to_string())
        .unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(RotatedJson {
            appended: AppendedJson::new(&appended, "key-rotation"),
            verifier_key,
        }),
    ))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("key file task failed: {e}")))
}
