//! The API's one error type and the one place that maps errors to HTTP statuses.
//!
//! Every error answers with the same JSON shape (docs/openapi.yaml `Error`):
//! `{"error": "<message>", "field": "<json path>" | null, "rule": "<R22…>" | null}`.

use std::borrow::Cow;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::export::ExportError;
use crate::reload::ReloadError;
use crate::sequencer::AppendError;
use crate::store::StoreError;

/// Why a request failed; each variant has one HTTP status (see [`ApiError::status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request is malformed (bad JSON, wrong type, bad parameter).
    BadRequest {
        /// What is wrong.
        message: String,
        /// The offending field (JSON path or parameter name), when known.
        field: Option<String>,
    },
    /// 401: the officer's bearer token is missing, malformed, unknown or revoked.
    Unauthenticated(String),
    /// 403: the officer's role may not perform the act (docs/operations.md#roles).
    Forbidden {
        /// The officer's role.
        role: &'static str,
        /// The act: a record kind, or `admin-reload`.
        act: String,
    },
    /// 401: an evidence signature does not verify.
    BadSignature {
        /// What is wrong.
        message: String,
        /// The offending item, e.g. `submissions[3].signature`.
        field: String,
    },
    /// 403: the evidence submitter is not registered.
    UnknownSubmitter {
        /// What is wrong.
        message: String,
        /// The offending item, e.g. `submissions[3].submitter`.
        field: String,
    },
    /// 404: no such record, certificate, checkpoint, evidence or route.
    NotFound(String),
    /// 405: the endpoint exists but not with this method.
    MethodNotAllowed(String),
    /// 409: a lifecycle rule forbids the record.
    Rule {
        /// The rule's message.
        message: String,
        /// The rule's article (`R22`, `R23`, …) when the message names one.
        rule: Option<String>,
    },
    /// 413: the body exceeds the configured limit.
    PayloadTooLarge(String),
    /// 415: the body is not `application/json`.
    UnsupportedMediaType(String),
    /// 422: well-formed, but the registry refuses it (`AppendError::Invalid`).
    Unprocessable(String),
    /// 408: the request (its body included) took longer than the node allows.
    Timeout(String),
    /// 429: the client made more write requests than its rate allows; retry after the seconds
    /// given (the `Retry-After` header).
    TooManyRequests {
        /// What is wrong.
        message: String,
        /// Whole seconds until a request is allowed again (at least 1).
        retry_after: u64,
    },
    /// 500: the store failed or contradicts itself.
    Internal(String),
    /// 503: the sequencer stopped, or nothing is checkpointed yet.
    Unavailable(String),
    /// 503: too many requests are in flight; retry after the seconds given (`Retry-After`).
    Overloaded {
        /// What is wrong.
        message: String,
        /// Whole seconds to wait (at least 1).
        retry_after: u64,
    },
}

/// The JSON body of every error.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    field: Option<&'a str>,
    rule: Option<&'a str>,
}

impl ApiError {
    /// A 400 naming `field`.
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) | ApiError::BadSignature { .. } => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::UnknownSubmitter { .. } | ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Rule { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) | ApiError::Overloaded { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    fn parts(&self) -> (Cow<'_, str>, Option<&str>, Option<&str>) {
        let (message, field, rule): (&str, Option<&str>, Option<&str>) = match self {
            ApiError::Forbidden { role, act } => {
                let message = format!("the role {role} may not perform {act}");
                return (Cow::Owned(message), Some("kind"), None);
            }
            ApiError::BadRequest { message, field } => (message, field.as_deref(), None),
            ApiError::BadSignature { message, field }
            | ApiError::UnknownSubmitter { message, field } => (message, Some(field), None),
            ApiError::Rule { message, rule } => (message, None, rule.as_deref()),
            ApiError::Unauthenticated(m)
            | ApiError::NotFound(m)
            | ApiError::MethodNotAllowed(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::Unprocessable(m)
            | ApiError::Internal(m)
            | ApiError::Timeout(m)
            | ApiError::Unavailable(m) => (m, None, None),
            ApiError::TooManyRequests { message, .. } | ApiError::Overloaded { message, .. } => {
                (message, None, None)
            }
        };
        (Cow::Borrowed(message), field, rule)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        // Shedding is counted and logged where it happens (`limits`), not once per request.
        if status.is_server_error() && !matches!(self, ApiError::Overloaded { .. }) {
            tracing::error!(status = status.as_u16(), error = %self.parts().0, "request failed");
        }
        let (error, field, rule) = self.parts();
        let mut response = (
            status,
            Json(ErrorBody {
                error: &error,
                field,
                rule,
            }),
        )
            .into_response();
        match &self {
            ApiError::Unauthenticated(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::Overloaded { retry_after, .. } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

/// The article a rule's message starts with (`"R22: …"` → `R22`; `A17` for the authorized
/// operation measure).
fn rule_of(message: &str) -> Option<String> {
    let (head, _) = message.split_once(':')?;
    let digits = head.strip_prefix('R').or_else(|| head.strip_prefix('A'))?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| head.to_owned())
}

impl From<AppendError> for ApiError {
    fn from(e: AppendError) -> Self {
        match e {
            AppendError::Rule(rule) => {
                let message = rule.to_string();
                ApiError::Rule {
                    rule: rule_of(&message),
                    message,
                }
            }
            AppendError::Invalid(_) => ApiError::Unprocessable(e.to_string()),
            AppendError::UnknownSubmitter(_) => ApiError::UnknownSubmitter {
                message: e.to_string(),
                field: "submitter".into(),
            },
            AppendError::BadSignature(_) => ApiError::BadSignature {
                message: e.to_string(),
                field: "signature".into(),
            },
            AppendError::BatchRefused => ApiError::Unprocessable(e.to_string()),
            AppendError::Store(s) => ApiError::from(s),
            AppendError::Stopped | AppendError::Fenced(_) | AppendError::Signing(_) => {
                ApiError::Unavailable(e.to_string())
            }
        }
    }
}

impl From<ReloadError> for ApiError {
    fn from(e: ReloadError) -> Self {
        match e {
            // 409: the node is not in a state where the call applies.
            ReloadError::Alone => ApiError::Rule {
                message: e.to_string(),
                rule: None,
            },
            ReloadError::Invalid(_) => ApiError::Unprocessable(e.to_string()),
            ReloadError::Store(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(format!("store: {e}"))
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::NoCheckpoint => ApiError::Unavailable(
                "no checkpoint has been signed yet: retry after the first checkpoint".into(),
            ),
            ExportError::UnknownEvidence => ApiError::NotFound(e.to_string()),
            ExportError::NotYetCovered { .. } => ApiError::Unavailable(e.to_string()),
            ExportError::Store(s) => ApiError::from(s),
        }
    }
}

/// The prefix axum puts before serde's message in a JSON rejection.
const JSON_PREFIXES: [&str; 2] = [
    "Failed to deserialize the JSON body into the target type: ",
    "Failed to parse the request body as JSON: ",
];

/// Splits serde_path_to_error's `"a.b[0].c: message"` into the path and the message.
fn split_path(text: &str) -> (Option<String>, String) {
    let text = JSON_PREFIXES
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text);
    match text.split_once(": ") {
        Some((path, rest)) if !path.is_empty() && !path.contains(char::is_whitespace) => {
            (Some(path.to_owned()), format!("{path}: {rest}"))
        }
        _ => (None, text.to_owned()),
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge(format!("request body too large: {}", r.body_text()))
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(r.body_text()),
            _ => {
                let (field, detail) = split_path(&r.body_text());
                let message = match r {
                    JsonRejection::JsonSyntaxError(_) => format!("malformed JSON: {detail}"),
                    JsonRejection::JsonDataError(_) => format!("invalid JSON body: {detail}"),
                    _ => format!("cannot read the body: {detail}"),
                };
                ApiError::BadRequest { message, field }
            }
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest {
            message: r.body_text(),
            field: None,
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let text = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        let (field, detail) = split_path(text);
        ApiError::BadRequest {
            message: format!("invalid query string: {detail}"),
            field,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_is_read_from_the_message() {
        assert_eq!(rule_of("R22: the notice runs until …"), Some("R22".into()));
        assert_eq!(rule_of("R23: renewal must"), Some("R23".into()));
        assert_eq!(rule_of("the registration is Cancelled"), None);
        assert_eq!(rule_of("Rx: no"), None);
        assert_eq!(rule_of("A17: the operation period"), Some("A17".into()));
        assert_eq!(rule_of("R: no"), None);
    }

    #[test]
    fn json_path_is_split_from_serde_message() {
        let (field, message) = split_path(
            "Failed to deserialize the JSON body into the target type: submissions[0].hash: invalid type: integer `1`, expected 32 bytes at line 1 column 40",
        );
        assert_eq!(field.as_deref(), Some("submissions[0].hash"));
        assert!(message.starts_with("submissions[0].hash: invalid type"));
        let (field, _) = split_path(
            "Failed to deserialize the JSON body into the target type: invalid type: map, expected a sequence",
        );
        assert_eq!(field, None);
    }

    #[test]
    fn append_and_export_errors_map_to_their_statuses() {
        use ledger_format::lifecycle::TransitionError;
        let status = |e: ApiError| e.status().as_u16();
        assert_eq!(status(AppendError::Stopped.into()), 503);
        assert_eq!(status(AppendError::Invalid("x".into()).into()), 422);
        assert_eq!(
            status(AppendError::Store(StoreError::Io("disk".into())).into()),
            500
        );
        let rule: ApiError = AppendError::Rule(TransitionError::ObjectionPending(1)).into();
        assert_eq!(rule.status().as_u16(), 409);
        assert_eq!(rule.parts().2, Some("R22"));
        assert_eq!(status(ExportError::NoCheckpoint.into()), 503);
        assert_eq!(status(ExportError::UnknownEvidence.into()), 404);
    }

    #[test]
    fn every_error_has_the_json_shape() {
        let e = ApiError::bad_request("limit", "too large");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(e.parts(), ("too large".into(), Some("limit"), None));
        let e = ApiError::Forbidden {
            role: "registrar",
            act: "issued".into(),
        };
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        let (message, field, _) = e.parts();
        assert!(message.contains("registrar") && message.contains("issued"));
        assert_eq!(field, Some("kind"));
    }
}
