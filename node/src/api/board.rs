//! The public notice board's JSON (docs/operations.md#board): registrations in public notice
//! (R22), and announcements of issuances, cancellations (lapses included, R23) and revocations
//! (R27), for every log the node holds; the page at `/` reads them.
//!
//! Only what R22 makes public leaves here: the registrant's and co-applicants' names, the
//! registration type, the data name and the content summary, with the notice's dates and the
//! certificate's status and validity. Never a credit code or an individual's identity commitment,
//! never a field commitment, and nothing of a registration that was never in notice (such a code
//! answers 404 like an unknown one). Every read is a bounded page of the store's board indexes
//! ([`crate::store::Store::notices_after`], [`crate::store::Store::announcements_before`]).

use axum::Json;
use axum::extract::State;
use ledger_format::Canonical;
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::date::Date;
use ledger_format::lifecycle::{CertificateState, PendingNotice, Status};
use ledger_format::record::{Body, Record, RegistrationType};
use serde::{Deserialize, Serialize};

use super::certificates::{locate, parse_code};
use super::extract::{ApiPath, ApiQuery};
use super::{ApiError, ApiState, LogParam};
use crate::logs::LogEntry;
use crate::store::{Store, StoreError};

/// Most entries one board page returns: a hostile reader gets at most this many state or record
/// reads per request.
pub const MAX_BOARD_PAGE: usize = 100;
/// Entries returned when `limit` is not given.
const DEFAULT_BOARD_PAGE: usize = 20;

/// Where a reader finds an entry's proof: the JSON endpoints of the record, its inclusion proof,
/// the certificate's state, history and offline bundle, each naming the log.
#[derive(Debug, Serialize)]
pub struct Links {
    record: String,
    inclusion: String,
    certificate: String,
    history: String,
    bundle: String,
}

impl Links {
    fn new(origin: &str, code: &CertificateCode, index: u64) -> Self {
        let log = encode_query(origin);
        Links {
            record: format!("/v1/records/{index}?log={log}"),
            inclusion: format!("/v1/proofs/inclusion?index={index}&log={log}"),
            certificate: format!("/v1/certificates/{code}?log={log}"),
            history: format!("/v1/certificates/{code}/history?log={log}"),
            bundle: format!("/v1/certificates/{code}/bundle?log={log}"),
        }
    }
}

/// Percent-encodes a query value: everything but RFC 3986's unreserved characters and `/`.
fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One log on the board: its origin, its agency's name and how to object to its notices.
#[derive(Debug, Serialize)]
pub struct BoardLog {
    log: String,
    agency: Option<String>,
    objections: Option<String>,
    own: bool,
}

impl BoardLog {
    fn of(log: &LogEntry, own: bool) -> Self {
        BoardLog {
            log: log.origin.clone(),
            agency: log.board.agency.clone(),
            objections: log.board.objections.clone(),
            own,
        }
    }
}

/// `GET /v1/board`: the logs the board covers.
#[derive(Debug, Serialize)]
pub struct BoardLogs {
    logs: Vec<BoardLog>,
    max_page: usize,
}

/// `GET /v1/board`: every log the node holds (its own first), with its agency's objection
/// instructions.
pub async fn logs(State(state): State<ApiState>) -> Json<BoardLogs> {
    let logs = state.logs.load();
    let mut out = vec![BoardLog::of(&logs.own, true)];
    out.extend(
        logs.mirrors
            .iter()
            .chain(&logs.retired)
            .map(|log| BoardLog::of(log, false)),
    );
    Json(BoardLogs {
        logs: out,
        max_page: MAX_BOARD_PAGE,
    })
}

/// A registration in public notice (R22).
#[derive(Debug, Serialize)]
pub struct NoticeEntry {
    log: String,
    code: CertificateCode,
    /// Index of the notice record.
    index: u64,
    registration_type: RegistrationType,
    object_kind: ObjectKind,
    registrant: String,
    co_applicants: Vec<String>,
    data_name: String,
    summary: String,
    starts_on: Date,
    ends_on: Date,
    /// An objection is open: the registration is suspended (R22).
    suspended: bool,
    links: Links,
}

impl NoticeEntry {
    fn new(origin: &str, code: &CertificateCode, notice: &PendingNotice) -> Self {
        let content = &notice.content;
        NoticeEntry {
            log: origin.to_owned(),
            code: code.clone(),
            index: notice.notice_index,
            registration_type: notice.registration_type,
            object_kind: content.object_kind,
            registrant: content.registrant.name.clone(),
            co_applicants: content
                .co_applicants
                .iter()
                .map(|r| r.name.clone())
                .collect(),
            data_name: content.data_name.clone(),
            summary: content.summary.clone(),
            starts_on: notice.starts_on,
            ends_on: notice.ends_on,
            suspended: !notice.open_objections.is_empty(),
            links: Links::new(origin, code, notice.notice_index),
        }
    }
}

/// `?log=&after=&limit=`.
#[derive(Debug, Deserialize)]
pub struct NoticesQuery {
    log: Option<String>,
    after: Option<String>,
    limit: Option<usize>,
}

/// A page of notices, in code order; `next` is the `after` of the next page.
#[derive(Debug, Serialize)]
pub struct Notices {
    log: String,
    agency: Option<String>,
    objections: Option<String>,
    notices: Vec<NoticeEntry>,
    next: Option<CertificateCode>,
}

fn page_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_BOARD_PAGE);
    if limit == 0 || limit > MAX_BOARD_PAGE {
        return Err(ApiError::bad_request(
            "limit",
            format!("limit must be between 1 and {MAX_BOARD_PAGE}, not {limit}"),
        ));
    }
    Ok(limit)
}

/// The log `origin` names (the node's own for `None`); 404 for a log the node does not hold.
fn board_log(state: &ApiState, origin: Option<&str>) -> Result<LogEntry, ApiError> {
    state.logs.load().get(origin).cloned().ok_or_else(|| {
        ApiError::NotFound(format!("this node holds no log {}", origin.unwrap_or("")))
    })
}

/// `GET /v1/board/notices`: the registrations of one log in public notice now, by code.
pub async fn notices(
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<NoticesQuery>,
) -> Result<Json<Notices>, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = query
        .after
        .as_deref()
        .map(|text| parse_code(text).map_err(|_| bad_code("after", text)))
        .transpose()?;
    let log = board_log(&state, query.log.as_deref())?;
    let origin = log.origin.clone();
    let states = state
        .read_log(query.log.as_deref(), move |store, _| {
            store.notices_after(after.as_ref(), limit)
        })
        .await??;
    let next = (states.len() == limit)
        .then(|| states.last().map(|s| s.code.clone()))
        .flatten();
    let notices = states
        .iter()
        .filter_map(|s| Some(NoticeEntry::new(&origin, &s.code, s.notice.as_ref()?)))
        .collect();
    Ok(Json(Notices {
        log: origin,
        agency: log.board.agency,
        objections: log.board.objections,
        notices,
        next,
    }))
}

fn bad_code(field: &str, text: &str) -> ApiError {
    let shown: String = text.chars().take(40).collect();
    ApiError::bad_request(
        field,
        format!(
            "{field}: {shown:?} is not a certificate code (20 characters with a check character)"
        ),
    )
}

/// What an announcement announces.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Announced {
    /// The certificate was issued (R23).
    Issued {
        /// First day of validity.
        valid_from: Date,
        /// Last day of validity.
        valid_until: Date,
    },
    /// The certificate was cancelled (R21), or lapsed unrenewed (R23).
    Cancelled {
        /// Why, as the record states it.
        reason: ledger_format::record::CancellationReason,
    },
    /// The agency revoked the certificate (R27).
    Revoked {
        /// Why, as the record states it.
        reason: ledger_format::record::RevocationReason,
    },
}

/// One announcement: a record of the log, with the registration's public names.
#[derive(Debug, Serialize)]
pub struct Announcement {
    log: String,
    code: CertificateCode,
    index: u64,
    /// When the agency recorded it (Unix seconds).
    time: i64,
    #[serde(flatten)]
    announced: Announced,
    registrant: Option<String>,
    data_name: Option<String>,
    links: Links,
}

/// `?log=&before=&limit=`.
#[derive(Debug, Deserialize)]
pub struct AnnouncementsQuery {
    log: Option<String>,
    before: Option<u64>,
    limit: Option<usize>,
}

/// A page of announcements, newest first; `next` is the `before` of the next page.
#[derive(Debug, Serialize)]
pub struct Announcements {
    log: String,
    announcements: Vec<Announcement>,
    next: Option<u64>,
}

/// The announcement record `index` of `origin` makes, with the registration's current names.
fn announcement(store: &dyn Store, origin: &str, index: u64) -> Result<Announcement, ApiError> {
    let bytes = store.record(index)?.ok_or_else(|| StoreError::Corrupted {
        key: format!("announcements/{index}"),
        reason: "no such record".into(),
    })?;
    let corrupted = |reason: String| StoreError::Corrupted {
        key: format!("record/{index}"),
        reason,
    };
    let record = Record::decode_exact(&bytes).map_err(|e| corrupted(e.to_string()))?;
    let (code, announced) = match record.body {
        Body::Issued(issued) => (
            issued.code,
            Announced::Issued {
                valid_from: issued.valid_from,
                valid_until: issued.valid_until,
            },
        ),
        Body::Cancelled(cancelled) => (
            cancelled.code,
            Announced::Cancelled {
                reason: cancelled.reason,
            },
        ),
        Body::Revoked(revoked) => (
            revoked.code,
            Announced::Revoked {
                reason: revoked.reason,
            },
        ),
        _ => return Err(corrupted("indexed as an announcement".into()).into()),
    };
    let current = store.state(&code)?;
    Ok(Announcement {
        log: origin.to_owned(),
        links: Links::new(origin, &code, index),
        code,
        index,
        time: record.header.time,
        announced,
        registrant: current
            .as_ref()
            .and_then(|s| s.registrant.as_ref())
            .map(|r| r.name.clone()),
        data_name: current.and_then(|s| s.data_name),
    })
}

/// `GET /v1/board/announcements`: one log's issuances, cancellations and revocations, newest
/// first.
pub async fn announcements(
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<AnnouncementsQuery>,
) -> Result<Json<Announcements>, ApiError> {
    let limit = page_limit(query.limit)?;
    let before = query.before.unwrap_or(u64::MAX);
    let origin = board_log(&state, query.log.as_deref())?.origin;
    let page = state
        .read_log(
            query.log.as_deref(),
            move |store, _| -> Result<Announcements, ApiError> {
                let indexes = store.announcements_before(before, limit)?;
                let next = (indexes.len() == limit)
                    .then(|| indexes.last().copied())
                    .flatten();
                let announcements = indexes
                    .into_iter()
                    .map(|index| announcement(store, &origin, index))
                    .collect::<Result<_, _>>()?;
                Ok(Announcements {
                    log: origin,
                    announcements,
                    next,
                })
            },
        )
        .await??;
    Ok(Json(page))
}

/// `GET /v1/board/certificates/{code}`: the public face of one registration.
#[derive(Debug, Serialize)]
pub struct BoardCertificate {
    log: String,
    code: CertificateCode,
    /// `in-notice`, `active`, `cancelled`, `revoked`, `terminated`, `refused` or `withdrawn`.
    status: &'static str,
    /// Why it was cancelled or revoked, as the record states it.
    reason: Option<serde_json::Value>,
    object_kind: ObjectKind,
    registrant: String,
    data_name: Option<String>,
    valid_from: Option<Date>,
    valid_until: Option<Date>,
    /// The notice in progress, if any.
    notice: Option<NoticeEntry>,
    /// Index of the latest record about the code.
    index: u64,
    links: Links,
}

impl BoardCertificate {
    /// The public view of `state`, or `None` for a registration that was never in notice.
    fn new(origin: &str, state: CertificateState) -> Option<Self> {
        let registrant = state.registrant.as_ref()?;
        let reason = match &state.status {
            Status::Cancelled(reason) => serde_json::to_value(reason).ok(),
            Status::Revoked(reason) => serde_json::to_value(reason).ok(),
            _ => None,
        };
        Some(BoardCertificate {
            log: origin.to_owned(),
            status: state.status.name(),
            reason,
            object_kind: state.object_kind(),
            registrant: registrant.name.clone(),
            data_name: state.data_name.clone(),
            valid_from: state.validity.map(|v| v.from),
            valid_until: state.validity.map(|v| v.until),
            notice: state
                .notice
                .as_ref()
                .map(|n| NoticeEntry::new(origin, &state.code, n)),
            index: state.latest_index,
            links: Links::new(origin, &state.code, state.latest_index),
            code: state.code,
        })
    }
}

/// `GET /v1/board/certificates/{code}[?log=]`: one registration as the board shows it; 404 for an
/// unknown code and for one never in notice alike (an application is not public, R22).
pub async fn certificate(
    State(state): State<ApiState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(log): ApiQuery<LogParam>,
) -> Result<Json<BoardCertificate>, ApiError> {
    let code = parse_code(&code).map_err(|_| bad_code("code", &code))?;
    let origin = locate(&state, log.log, &code).await?;
    let entry = board_log(&state, origin.as_deref())?;
    let lookup = code.clone();
    let current = state
        .read_log(origin.as_deref(), move |store, _| store.state(&lookup))
        .await??;
    current
        .and_then(|s| BoardCertificate::new(&entry.origin, s))
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no public registration with code {code}")))
}

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
