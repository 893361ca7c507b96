//! Extractors whose rejections are [`ApiError`]s, so that a malformed body, path or query answers
//! with the API's one error shape; and the agency's bearer-token check.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use ledger_format::hash::sha256;
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

/// Checks `Authorization: Bearer <token>` against the agency's token in constant time: both sides
/// are hashed first, so neither the content nor the length of the token leaks through timing.
///
/// # Errors
/// [`ApiError::Unauthenticated`] when the header is missing, malformed or wrong, and always when
/// no agency token is configured.
pub fn check_bearer(headers: &axum::http::HeaderMap, token: &str) -> Result<(), ApiError> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::Unauthenticated("missing bearer token".into()))?;
    if token.is_empty() || !constant_time_eq(presented.trim().as_bytes(), token.as_bytes()) {
        return Err(ApiError::Unauthenticated("wrong bearer token".into()));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (sha256(a), sha256(b));
    a.0.iter()
        .zip(b.0.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
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
    fn bearer_token_is_checked() {
        let mut headers = axum::http::HeaderMap::new();
        assert!(check_bearer(&headers, "secret").is_err());
        headers.insert(AUTHORIZATION, "Bearer secret".parse().unwrap());
        assert!(check_bearer(&headers, "secret").is_ok());
        assert!(check_bearer(&headers, "secret2").is_err());
        assert!(check_bearer(&headers, "").is_err());
        headers.insert(AUTHORIZATION, "Basic secret".parse().unwrap());
        assert!(check_bearer(&headers, "secret").is_err());
    }

    #[test]
    fn hex_params_name_the_field() {
        assert_eq!(hex_param::<2>("hash", "0aff").unwrap(), [0x0a, 0xff]);
        let err = hex_param::<2>("hash", "0a").unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { field: Some(f), .. } if f == "hash"));
    }
}
