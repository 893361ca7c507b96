//! Downloading a bundle from a node (feature `fetch`): `GET {node}/v1/certificates/{code}/bundle`,
//! whose body is exactly the bundle's BCS bytes. The node is never trusted: the caller verifies
//! what it returns exactly as an offline file, with [`crate::verify_for_code`] so that a bundle for
//! another certificate is rejected.
//!
//! Blocking HTTP with `ureq`, without TLS support compiled in: the bundle authenticates itself,
//! so plain HTTP cannot make a forged bundle pass (it can only reveal which code was asked about).

use std::time::Duration;

use ledger_format::bundle::MAX_BUNDLE_LEN;
use ledger_format::code::CertificateCode;

/// How long a whole request may take: a bundle is a few KiB, a node that takes longer is down.
const FETCH_TIMEOUT_SECONDS: u64 = 30;

/// Why a bundle could not be downloaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The node URL is not `http://host[:port][/prefix]`.
    #[error("node URL {0:?} must start with http:// (https is not compiled in)")]
    Url(String),
    /// The request failed, or the node answered with an error status.
    #[error("request to {url} failed: {reason}")]
    Http {
        /// The URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

/// The bundle URL for `code` on the node at `node`.
///
/// # Errors
/// [`FetchError::Url`] unless `node` is an `http://` URL.
pub fn bundle_url(node: &str, code: &CertificateCode) -> Result<String, FetchError> {
    if !node.starts_with("http://") || node.len() <= "http://".len() {
        return Err(FetchError::Url(node.to_owned()));
    }
    Ok(format!(
        "{}/v1/certificates/{}/bundle",
        node.trim_end_matches('/'),
        code
    ))
}

/// Downloads the bundle bytes for `code` from the node at `node`, reading at most
/// [`MAX_BUNDLE_LEN`] bytes. The bytes are not verified here.
///
/// # Errors
/// [`FetchError`] when the URL is wrong, the request fails, the status is not 2xx, or the body is
/// larger than any bundle.
pub fn fetch_bundle(node: &str, code: &CertificateCode) -> Result<Vec<u8>, FetchError> {
    let url = bundle_url(node, code)?;
    let http = |reason: String| FetchError::Http {
        url: url.clone(),
        reason,
    };
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(FETCH_TIMEOUT_SECONDS)))
        .max_redirects(0)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut response = agent
        .get(&url)
        .header("Accept", "application/octet-stream")
        .call()
        .map_err(|e| http(e.to_string()))?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_BUNDLE_LEN as u64)
        .read_to_vec()
        .map_err(|e| http(e.to_string()))
}

/// Largest answer to an evidence submission accepted: a receipt line per hash, for the node's
/// largest batch (20,000 hashes at ~150 bytes of JSON each).
const MAX_SUBMISSION_ANSWER: u64 = 8 * 1024 * 1024;

/// Posts a signed submission (the output of [`crate::evidence::sign_submission`]) to
/// `{node}/v1/evidence` and returns the node's JSON answer: one receipt line per hash (index,
/// record hash, time, whether it was already anchored). The node's signed receipts, which prove
/// inclusion offline, are fetched afterwards from `/v1/evidence/{submitter}/{hash}/receipt`.
///
/// # Errors
/// [`FetchError`] when the URL is wrong, the request fails or the node refuses the batch (the
/// reason is the node's error message).
pub fn submit_evidence(
    node: &str,
    submission: &crate::evidence::Submission,
) -> Result<serde_json::Value, FetchError> {
    if !node.starts_with("http://") || node.len() <= "http://".len() {
        return Err(FetchError::Url(node.to_owned()));
    }
    let url = format!("{}/v1/evidence", node.trim_end_matches('/'));
    let http = |reason: String| FetchError::Http {
        url: url.clone(),
        reason,
    };
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(FETCH_TIMEOUT_SECONDS)))
        .max_redirects(0)
        .http_status_as_error(false)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut response = agent
        .post(&url)
        .send_json(submission)
        .map_err(|e| http(e.to_string()))?;
    let status = response.status();
    let answer: serde_json::Value = response
        .body_mut()
        .with_config()
        .limit(MAX_SUBMISSION_ANSWER)
        .read_json()
        .map_err(|e| http(format!("status {status}: {e}")))?;
    if !status.is_success() {
        let reason = answer["error"].as_str().unwrap_or("no reason given");
        return Err(http(format!("status {status}: {reason}")));
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let code = ledger_format::testing::code(2026, 1);
        assert_eq!(
            bundle_url("http://127.0.0.1:8080/", &code).unwrap(),
            format!("http://127.0.0.1:8080/v1/certificates/{code}/bundle")
        );
        assert!(matches!(
            bundle_url("https://node.example", &code),
            Err(FetchError::Url(_))
        ));
        assert!(matches!(
            bundle_url("http://", &code),
            Err(FetchError::Url(_))
        ));
        assert!(matches!(
            bundle_url("node.example", &code),
            Err(FetchError::Url(_))
        ));
    }
}
