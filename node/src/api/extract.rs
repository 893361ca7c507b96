//! Extractors whose rejections are [`ApiError`]s, so that a malformed body, path or query answers
//! with the API's one error shape. (The officers' bearer tokens are checked in
//! [`super::access::guard`].)

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body; malformed JSON or a wrong type is a 400 naming the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// A large JSON body (an evidence batch of up to 16 MiB), parsed on the blocking pool rather than
/// on an async worker: parsing it takes tens of milliseconds, which would stall every other
/// request the worker serves. Same answers as [`ApiJson`].
#[derive(Debug)]
pub struct LargeJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send + 'static> FromRequest<S> for LargeJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            return Err(ApiError::UnsupportedMediaType(
                "Expected request with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge(format!("request body too large: {}", e.body_text()))
                }
                _ => ApiError::BadRequest {
                    message: format!("cannot read the body: {}", e.body_text()),
                    field: None,
                },
            })?;
        let parsed = tokio::task::spawn_blocking(move || axum::Json::<T>::from_bytes(&bytes))
            .await
            .map_err(|e| ApiError::Internal(format!("the body parser failed: {e}")))?;
        let axum::Json(value) = parsed?;
        Ok(LargeJson(value))
    }
}

/// Whether a `Content-Type` value names JSON (`application/json`, or `application/…+json`), as
/// axum's `Json` extractor decides.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Path parameters.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// Query parameters.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// Parses a decimal `u64` path parameter named `field`.
///
/// # Errors
/// [`ApiError::BadRequest`] naming `field`.
pub fn u64_param(field: &str, text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|e| {
        ApiError::bad_request(
            field,
            format!("{field}: {e}: expected a decimal number, not {text:?}"),
        )
    })
}

/// Parses `N` bytes of lowercase or uppercase hex from a path or query parameter named `field`.
///
/// # Errors
/// [`ApiError::BadRequest`] naming `field`.
pub fn hex_param<const N: usize>(field: &str, text: &str) -> Result<[u8; N], ApiError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|e| {
        ApiError::bad_request(
            field,
            format!("{field}: {e} (expected {} hex digits)", 2 * N),
        )
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_params_name_the_field() {
        assert_eq!(hex_param::<2>("hash", "0aff").unwrap(), [0x0a, 0xff]);
        let err = hex_param::<2>("hash", "0a").unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { field: Some(f), .. } if f == "hash"));
    }
}
