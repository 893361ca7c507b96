//! Records by index, and RFC 6962 inclusion and consistency proofs.

use axum::Json;
use axum::extract::State;
use ledger_format::Canonical;
use ledger_format::merkle::{self, ConsistencyProof, InclusionProof};
use ledger_format::record::{Record, leaf_hash_of};
use serde::{Deserialize, Serialize};

use super::extract::{ApiPath, ApiQuery, u64_param};
use super::{ApiError, ApiState, LogParam};
use crate::export::{self, ExportError};
use crate::store::{Store, StoreError, TreeReader};

/// Most records one `GET /v1/records` returns.
pub const MAX_RECORDS_PAGE: u64 = 1_000;
/// Records returned when `limit` is not given.
const DEFAULT_RECORDS_PAGE: u64 = 100;

/// One record as JSON: its index, hash, canonical bytes and decoded form.
#[derive(Debug, Serialize)]
pub struct RecordJson {
    index: u64,
    record_hash: String,
    hex: String,
    record: Record,
}

impl RecordJson {
    /// Decodes stored bytes of record `index`.
    ///
    /// # Errors
    /// [`ApiError::Internal`] when the bytes do not decode (a corrupted store).
    pub fn from_bytes(index: u64, bytes: Vec<u8>) -> Result<Self, ApiError> {
        let record = Record::decode_exact(&bytes).map_err(|e| {
            ApiError::from(StoreError::Corrupted {
                key: format!("record/{index}"),
                reason: e.to_string(),
            })
        })?;
        Ok(RecordJson {
            index,
            record_hash: leaf_hash_of(record.suite(), &bytes).to_hex(),
            hex: hex::encode(&bytes),
            record,
        })
    }
}

/// Reads record `index` as JSON; 404 when the log is shorter.
pub fn read_record_json(store: &dyn Store, index: u64) -> Result<RecordJson, ApiError> {
    let bytes = store
        .record(index)?
        .ok_or_else(|| ApiError::NotFound(format!("no record at index {index}")))?;
    RecordJson::from_bytes(index, bytes)
}

/// `GET /v1/records/{index}`.
pub async fn one(
    State(state): State<ApiState>,
    ApiPath(index): ApiPath<String>,
    ApiQuery(log): ApiQuery<LogParam>,
) -> Result<Json<RecordJson>, ApiError> {
    let index = u64_param("index", &index)?;
    let record = state
        .read_log(log.log.as_deref(), move |store, _| {
            read_record_json(store, index)
        })
        .await??;
    Ok(Json(record))
}

#[derive(Debug, Deserialize)]
pub struct Page {
    #[serde(default)]
    start: u64,
    limit: Option<u64>,
    log: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Records {
    start: u64,
    size: u64,
    records: Vec<RecordJson>,
}

/// `GET /v1/records?start=S&limit=L`: up to `L` (≤ 1000, default 100) records from `S`.
pub async fn list(
    State(state): State<ApiState>,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Records>, ApiError> {
    let limit = page.limit.unwrap_or(DEFAULT_RECORDS_PAGE);
    if limit == 0 || limit > MAX_RECORDS_PAGE {
        return Err(ApiError::bad_request(
            "limit",
            format!("limit must be between 1 and {MAX_RECORDS_PAGE}, not {limit}"),
        ));
    }
    let start = page.start;
    let records = state
        .read_log(
            page.log.as_deref(),
            move |store, _| -> Result<Records, ApiError> {
                let size = store.tip()?.size;
                let chunk = store.records(start, start.saturating_add(limit))?;
                let records = (start..)
                    .zip(chunk)
                    .map(|(index, bytes)| RecordJson::from_bytes(index, bytes))
                    .collect::<Result<_, _>>()?;
                Ok(Records {
                    start,
                    size,
                    records,
                })
            },
        )
        .await??;
    Ok(Json(records))
}

#[derive(Debug, Deserialize)]
pub struct InclusionQuery {
    index: u64,
    size: Option<u64>,
    log: Option<String>,
}

/// `GET /v1/proofs/inclusion?index=I&size=N`; `N` defaults to the latest checkpoint's size.
pub async fn inclusion(
    State(state): State<ApiState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProof>, ApiError> {
    let log = q.log.clone();
    let proof = state
        .read_log(
            log.as_deref(),
            move |store, _| -> Result<InclusionProof, ApiError> {
                let tip = store.tip()?.size;
                let size = match q.size {
                    Some(size) => size,
                    None => match export::latest_checkpoint(store) {
                        Ok(signed) => signed.checkpoint().size,
                        Err(ExportError::NoCheckpoint) => {
                            return Err(ApiError::bad_request(
                                "size",
                                "no checkpoint yet: give the tree size",
                            ));
                        }
                        Err(e) => return Err(e.into()),
                    },
                };
                check_size("size", size, tip)?;
                if q.index >= size {
                    return Err(ApiError::bad_request(
                        "index",
                        format!("index {} is not in a tree of size {size}", q.index),
                    ));
                }
                merkle::inclusion_proof(q.index, size, &TreeReader(store))
                    .map_err(|e| ApiError::Internal(format!("tree: {e}")))
            },
        )
        .await??;
    Ok(Json(proof))
}

fn check_size(field: &str, size: u64, tip: u64) -> Result<(), ApiError> {
    if size == 0 || size > tip {
        return Err(ApiError::bad_request(
            field,
            format!("{field} must be between 1 and the log's size {tip}, not {size}"),
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct ConsistencyQuery {
    from: u64,
    to: u64,
    log: Option<String>,
}

/// `GET /v1/proofs/consistency?from=A&to=B` (1 ≤ A ≤ B ≤ the log's size).
pub async fn consistency(
    State(state): State<ApiState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let log = q.log.clone();
    let proof = state
        .read_log(
            log.as_deref(),
            move |store, _| -> Result<ConsistencyProof, ApiError> {
                let tip = store.tip()?.size;
                check_size("to", q.to, tip)?;
                if q.from == 0 || q.from > q.to {
                    return Err(ApiError::bad_request(
                        "from",
                        format!("from must be between 1 and to ({}), not {}", q.to, q.from),
                    ));
                }
                merkle::consistency_proof(q.from, q.to, &TreeReader(store))
                    .map_err(|e| ApiError::Internal(format!("tree: {e}")))
            },
        )
        .await??;
    Ok(Json(proof))
}
