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
