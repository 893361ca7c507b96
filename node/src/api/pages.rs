//! The static pages every node serves on its public listener: the public notice board at `/`
//! (`web/board/`, docs/operations.md#board) and the bank's certificate check at `/verify/`
//! (`web/verify/`, docs/operations.md#the-banks-page-verify). The files are built into the binary; each is one row
//! of [`PAGES`] (path, content type, bytes), served with a strict Content-Security-Policy (scripts
//! and styles from the node only, no inline script, no request to another origin), an `ETag`, and
//! `Cache-Control: no-cache`, so that a browser revalidates (a `304` with no body) and never shows
//! an old page after an upgrade.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ApiError;

/// One file of a page: where it is served, its content type, its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// The path it is served at.
    pub path: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// Its Content-Security-Policy.
    pub csp: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The bank's page: as [`CONTENT_SECURITY_POLICY_VALUE`], and WebAssembly may be compiled (its
/// verifier), and it may connect nowhere at all: it verifies offline.
pub const VERIFY_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; \
     media-src 'self' blob: mediastream:; connect-src 'none'; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Every file the node serves as a page.
pub const PAGES: &[Page] = &[
    Page {
        path: "/",
        content_type: HTML,
        bytes: include_bytes!("../../../web/board/index.html"),
        csp: CONTENT_SECURITY_POLICY_VALUE,
    },
    Page {
        path: "/board/board.js",
        content_type: JS,
        bytes: include_bytes!("../../../web/board/board.js"),
        csp: CONTENT_SECURITY_POLICY_VALUE,
    },
    Page {
        path: "/board/board.css",
        content_type: CSS,
        bytes: include_bytes!("../../../web/board/board.css"),
        csp: CONTENT_SECURITY_POLICY_VALUE,
    },
    Page {
        path: "/verify/",
        content_type: HTML,
        bytes: include_bytes!("../../../web/verify/index.html"),
        csp: VERIFY_CONTENT_SECURITY_POLICY,
    },
    Page {
        path: "/verify/verify.js",
        content_type: JS,
        bytes: include_bytes!("../../../web/verify/verify.js"),
        csp: VERIFY_CONTENT_SECURITY_POLICY,
    },
    Page {
        path: "/verify/verify.css",
        content_type: CSS,
        bytes: include_bytes!("../../../web/verify/verify.css"),
        csp: VERIFY_CONTENT_SECURITY_POLICY,
    },
    // The verifier module, as base64 in a classic script (scripts/build-wasm.sh).
    Page {
        path: "/verify/ledger-wasm.js",
        content_type: JS,
        bytes: include_bytes!("../../../web/verify/ledger-wasm.js"),
        csp: VERIFY_CONTENT_SECURITY_POLICY,
    },
];

/// The pages' Content-Security-Policy: everything from the node itself, no inline script or
/// style, no plugin, no framing, no form posted elsewhere.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The routes of every row of [`PAGES`], and `/verify` redirected to `/verify/` (the page's files
/// are named relative to it, as they are on disk).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    PAGES
        .iter()
        .fold(Router::new(), |router, page| {
            router.route(page.path, get(serve))
        })
        .route(
            "/verify",
            get(|| async { axum::response::Redirect::permanent("/verify/") }),
        )
}

/// The row of [`PAGES`] for `path`.
pub fn page(path: &str) -> Option<&'static Page> {
    PAGES.iter().find(|page| page.path == path)
}

/// The strong `ETag` of `bytes`: a quoted prefix of their SHA-256.
fn etag(bytes: &[u8]) -> String {
    let hash = ledger_format::hash::sha256(bytes).to_hex();
    format!("\"{}\"", &hash[..32])
}

async fn serve(headers: HeaderMap, request: Request) -> Result<Response, ApiError> {
    let page =
        page(request.uri().path()).ok_or_else(|| ApiError::NotFound("no such page".into()))?;
    let tag = etag(page.bytes);
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Response::new(Body::from(page.bytes));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(page.content_type));
        response
    };
    let out = response.headers_mut();
    out.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(page.csp));
    out.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    out.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    out.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        out.insert(ETAG, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_listed_once_and_not_empty() {
        for (i, page) in PAGES.iter().enumerate() {
            assert!(!page.bytes.is_empty(), "{} is empty", page.path);
            assert!(page.path.starts_with('/'), "{}", page.path);
            assert!(
                PAGES[..i].iter().all(|p| p.path != page.path),
                "{} listed twice",
                page.path
            );
        }
        assert_eq!(page("/").map(|p| p.content_type), Some(HTML));
    }

    #[test]
    fn the_board_loads_nothing_from_elsewhere_and_no_inline_script() {
        let html = std::str::from_utf8(page("/").unwrap().bytes).unwrap();
        assert!(html.contains(r#"<script src="/board/board.js""#), "{html}");
        assert!(!html.contains("<script>"), "inline script in {html}");
        for handler in [
            " onclick",
            " onload",
            " onerror",
            " onsubmit",
            " oninput",
            " onchange",
        ] {
            assert!(!html.contains(handler), "inline handler in {html}");
        }
        for page in PAGES {
            let text = String::from_utf8_lossy(page.bytes);
            assert!(
                !text.contains("http://"),
                "{} names another origin",
                page.path
            );
            assert!(
                !text.contains("https://"),
                "{} names another origin",
                page.path
            );
        }
    }

    #[test]
    fn the_verify_page_names_only_its_own_files_and_connects_nowhere() {
        let html = std::str::from_utf8(page("/verify/").unwrap().bytes).unwrap();
        assert!(!html.contains("<script>"), "inline script in /verify/");
        for reference in html
            .split(['"'])
            .filter(|s| s.ends_with(".js") || s.ends_with(".css"))
        {
            // Relative names, served beside the page, as they sit beside it on disk.
            assert!(
                page(&format!("/verify/{reference}")).is_some(),
                "/verify/ names {reference}, which the node does not serve"
            );
        }
        for row in PAGES.iter().filter(|p| p.path.starts_with("/verify/")) {
            assert_eq!(row.csp, VERIFY_CONTENT_SECURITY_POLICY, "{}", row.path);
        }
        assert!(VERIFY_CONTENT_SECURITY_POLICY.contains("connect-src 'none'"));
        // The board's pages do not get the verifier's leave to compile WebAssembly.
        assert!(!page("/").unwrap().csp.contains("wasm"));
    }

    #[test]
    fn etags_differ_by_content() {
        assert_ne!(etag(b"a"), etag(b"b"));
        assert_eq!(etag(b"a"), etag(b"a"));
    }
}
