//! Who acts on the agency and admin routes (docs/operations.md#officers): [`guard`] checks the
//! bearer token against the officer registry before the handler runs, hands the handler the
//! [`Acting`] officer, and writes one access-log line per request once the answer is known and
//! before it is sent. Handlers check the act against the officer's role with [`Acting::may`].

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledger_format::hash::Hash;

use super::{ApiError, ApiState};
use crate::access_log::AccessEntry;
use crate::officers::{Officer, Refusal, role_may};

/// What the handler tells the access log: the act asked for, the record appended, a refusal.
#[derive(Debug, Default)]
struct Note {
    kind: Option<String>,
    index: Option<u64>,
    refused_role: bool,
}

/// The officer a request acts as, with its note for the access log.
#[derive(Debug, Clone)]
pub struct Acting {
    officer: Officer,
    note: Arc<Mutex<Note>>,
}

impl Acting {
    /// The commitment the officer's records carry (`record::officer_commitment`).
    pub fn commitment(&self) -> Hash {
        self.officer.commitment
    }

    fn note(&self) -> std::sync::MutexGuard<'_, Note> {
        self.note
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks that the officer's role may perform `act` (a record kind or
    /// [`crate::officers::ADMIN_RELOAD`]), and notes the act for the access log.
    ///
    /// # Errors
    /// [`ApiError::Forbidden`] naming the role and the act.
    pub fn may(&self, act: &str) -> Result<(), ApiError> {
        let mut note = self.note();
        note.kind = Some(act.to_owned());
        if role_may(self.officer.role, act) {
            return Ok(());
        }
        note.refused_role = true;
        Err(ApiError::Forbidden {
            role: self.officer.role.name(),
            act: act.to_owned(),
        })
    }

    /// Notes the index of the record the request appended.
    pub fn appended(&self, index: u64) {
        self.note().index = Some(index);
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Acting {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Acting>()
            .cloned()
            .ok_or_else(|| ApiError::Internal("this route is not behind the officer check".into()))
    }
}

/// The officer check and access log of the agency and admin routes: refuses a missing, malformed,
/// unknown or revoked credential (401; 503 while the registry is unusable) without running the
/// handler; counts every refusal in `ledger_auth_refused_total{reason}`; writes and syncs the
/// request's access-log line before the response is sent.
pub async fn guard(State(state): State<ApiState>, mut request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let authorization = request.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
    let checked = state
        .officers
        .authenticate(authorization, state.clock.now());
    let (response, entry) = match checked {
        Err(refusal) => {
            let (officer, role) = match &refusal {
                Refusal::Revoked { id, role } => (Some(id.clone()), Some(role.name())),
                _ => (None, None),
            };
            tracing::warn!(%method, %route, reason = refusal.reason(), officer = ?officer, "credential refused");
            let entry = AccessEntry {
                time: String::new(),
                officer,
                role,
                method,
                route,
                status: 0,
                kind: None,
                index: None,
                reason: Some(refusal.reason()),
            };
            (ApiError::from(refusal).into_response(), entry)
        }
        Ok(officer) => {
            let acting = Acting {
                officer: officer.clone(),
                note: Arc::default(),
            };
            request.extensions_mut().insert(acting.clone());
            let response = next.run(request).await;
            let note = std::mem::take(&mut *acting.note());
            let entry = AccessEntry {
                time: String::new(),
                officer: Some(officer.id),
                role: Some(officer.role.name()),
                method,
                route,
                status: 0,
                kind: note.kind,
                index: note.index,
                reason: note.refused_role.then_some("role"),
            };
            (response, entry)
        }
    };
    let entry = AccessEntry {
        time: ledger_format::date::instant_text(state.clock.now()),
        status: response.status().as_u16(),
        ..entry
    };
    if let Some(reason) = entry.reason {
        state.metrics.auth_refused(reason);
    }
    let log = state.access_log.clone();
    let written = tokio::task::spawn_blocking(move || log.append(&entry)).await;
    if let Err(e) = written
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
    {
        state.metrics.access_log_failure();
        tracing::error!(error = %e, file = %state.access_log.path().display(), "access log not written");
    }
    response
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            // The reason (a path, a parse error) goes to the node's log, not to the caller.
            Refusal::Registry(_) => ApiError::Unavailable(
                "the officer registry is unusable: no credential is accepted until the agency \
                 fixes it"
                    .into(),
            ),
            _ => ApiError::Unauthenticated(refusal.to_string()),
        }
    }
}
