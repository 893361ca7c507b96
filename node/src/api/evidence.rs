//! Evidence: batches of hashes anchored by registered services, and their receipts.

use axum::Json;
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ledger_format::Canonical;
use ledger_format::hash::Hash;
use ledger_format::keys::{PublicKey, Signature};
use ledger_format::receipt::EvidenceReceipt;
use serde::{Deserialize, Serialize};

use super::extract::{ApiPath, ApiQuery, LargeJson, hex_param};
use super::info::TEXT_PLAIN;
use super::{ApiError, ApiState};
use crate::export::{self, ExportError};
use crate::sequencer::{AppendError, Appended, EvidenceSubmission};

/// Content type of binary (BCS) answers.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The body of `POST /v1/evidence`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    submissions: Vec<SubmissionJson>,
}

/// One hash with its service's signature over `evidence_message(origin, hash)`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionJson {
    submitter: PublicKey,
    hash: Hash,
    signature: Signature,
}

#[derive(Debug, Serialize)]
pub struct ReceiptJson {
    index: u64,
    record_hash: String,
    time: i64,
    existing: bool,
}

#[derive(Debug, Serialize)]
pub struct Receipts {
    receipts: Vec<ReceiptJson>,
}

/// `POST /v1/evidence`: appends the batch, all or nothing; 201 when any hash is new, else 200.
pub async fn submit(
    State(state): State<ApiState>,
    LargeJson(request): LargeJson<EvidenceRequest>,
) -> Result<(StatusCode, Json<Receipts>), ApiError> {
    let count = request.submissions.len();
    let max = state.limits.max_evidence_batch;
    if count == 0 || count > max {
        return Err(ApiError::bad_request(
            "submissions",
            format!("a batch holds 1 to {max} submissions, not {count}"),
        ));
    }
    let items = request
        .submissions
        .into_iter()
        .map(|s| EvidenceSubmission {
            submitter: s.submitter,
            hash: s.hash,
            signature: s.signature,
        })
        .collect();
    let results = state.sequencer.submit_evidence(items).await?;
    let appended = collect(results)?;
    let status = if appended.iter().any(|a| !a.existing) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let receipts = appended
        .into_iter()
        .map(|a| ReceiptJson {
            index: a.index,
            record_hash: a.record_hash.to_hex(),
            time: a.time,
            existing: a.existing,
        })
        .collect();
    Ok((status, Json(Receipts { receipts })))
}

/// The receipts of an accepted batch, or the first refusal, naming its item and the count.
fn collect(results: Vec<Result<Appended, AppendError>>) -> Result<Vec<Appended>, ApiError> {
    let mut appended = Vec::with_capacity(results.len());
    let mut first: Option<(usize, AppendError)> = None;
    let mut refused = 0usize;
    for (item, result) in results.into_iter().enumerate() {
        match result {
            Ok(a) => appended.push(a),
            Err(AppendError::BatchRefused) => {}
            Err(e) => {
                refused += 1;
                first.get_or_insert((item, e));
            }
        }
    }
    match first {
        None if refused == 0 && !appended.is_empty() => Ok(appended),
        None => Err(ApiError::from(AppendError::BatchRefused)),
        Some((item, e)) => Err(refusal(item, e, refused)),
    }
}

fn refusal(item: usize, e: AppendError, refused: usize) -> ApiError {
    let note = format!("{refused} submission(s) refused; nothing of the batch was appended");
    match e {
        AppendError::UnknownSubmitter(key) => ApiError::UnknownSubmitter {
            message: format!("submissions[{item}]: unknown submitter {key}; {note}"),
            field: format!("submissions[{item}].submitter"),
        },
        AppendError::BadSignature(key) => ApiError::BadSignature {
            message: format!(
                "submissions[{item}]: the signature by {key} over the hash does not verify; {note}"
            ),
            field: format!("submissions[{item}].signature"),
        },
        other => ApiError::from(other),
    }
}

#[derive(Debug, Deserialize)]
pub struct ReceiptQuery {
    #[serde(default)]
    wait: bool,
    #[serde(default)]
    format: ReceiptFormat,
}

/// The form of a served receipt: `?format=receipt` (the default; BCS, or JSON with its hex) or
/// `?format=tlog-proof` (the C2SP text, docs/format.md#tlog-proof).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReceiptFormat {
    #[default]
    Receipt,
    TlogProof,
}

#[derive(Debug, Serialize)]
pub struct ReceiptBody {
    index: u64,
    time: i64,
    tree_size: u64,
    receipt: String,
}

#[derive(Debug, Serialize)]
pub struct Pending {
    status: &'static str,
    index: Option<u64>,
    checkpoint_size: Option<u64>,
}

/// `GET /v1/evidence/{submitter}/{hash}/receipt[?wait=true][&format=tlog-proof]`: the receipt once
/// a checkpoint covers the record; 202 `pending` before (or after waiting up to `receipt_wait`);
/// 404 if never anchored.
pub async fn receipt(
    State(state): State<ApiState>,
    ApiPath((submitter, hash)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ReceiptQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Either suite's key: an `sm2-sm3` log's evidence services have SM2 keys (130 hex digits),
    // which a 32-byte Ed25519-only parse refused with 400.
    let submitter = PublicKey::from_hex(&submitter)
        .map_err(|e| ApiError::bad_request("submitter", format!("submitter: {e}")))?;
    let hash = Hash(hex_param::<32>("hash", &hash)?);
    let format = query.format;
    let binary = accepts_binary(&headers);
    let mut checkpoints = state.sequencer.checkpoints();
    let deadline = tokio::time::Instant::now() + state.limits.receipt_wait;
    loop {
        // Mark the current checkpoint seen before reading, so one landing meanwhile wakes us.
        checkpoints.borrow_and_update();
        let attempt = state
            .read(move |store, keys| {
                let receipt = export::receipt(store, keys, &submitter, &hash)?;
                match format {
                    ReceiptFormat::Receipt => Ok(render(&receipt, binary)),
                    ReceiptFormat::TlogProof => export::tlog_proof_text(&receipt, keys)
                        .map(|text| ([(CONTENT_TYPE, TEXT_PLAIN)], text).into_response()),
                }
            })
            .await?;
        let pending = match attempt {
            Ok(response) => return Ok(response),
            Err(ExportError::NotYetCovered { index, size }) => Pending {
                status: "pending",
                index: Some(index),
                checkpoint_size: Some(size),
            },
            Err(ExportError::NoCheckpoint) => Pending {
                status: "pending",
                index: None,
                checkpoint_size: None,
            },
            Err(e) => return Err(e.into()),
        };
        let waited = query.wait
            && tokio::time::timeout_at(deadline, checkpoints.changed())
                .await
                .is_ok_and(|r| r.is_ok());
        if !waited {
            return Ok((StatusCode::ACCEPTED, Json(pending)).into_response());
        }
    }
}

/// Whether the request accepts `application/octet-stream`.
fn accepts_binary(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(OCTET_STREAM))
}

/// The receipt as BCS when `binary`, else as JSON.
fn render(receipt: &EvidenceReceipt, binary: bool) -> Response {
    let bytes = receipt.encode();
    if binary {
        return ([(CONTENT_TYPE, OCTET_STREAM)], bytes).into_response();
    }
    Json(ReceiptBody {
        index: receipt.record.header.index,
        time: receipt.record.header.time,
        tree_size: receipt.proof.tree_size,
        receipt: hex::encode(bytes),
    })
    .into_response()
}
