//! Security headers on every response.
//!
//! Pages carry a Content-Security-Policy that allows only the app's own files: its WASM, JS and
//! CSS from this origin, plus the inline scripts hydration needs, each marked with a nonce. The
//! nonce is made here, per request, and handed to the renderer in the request's extensions
//! ([`PageNonce`], which the render context gives Leptos); the policy is added here once the
//! answer is known to be HTML. Setting the header from inside the render (Leptos's response
//! options) lost it now and then when two pages rendered at once, leaving a page whose own
//! scripts were refused. Everything else (JSON, files, errors) gets a policy that allows nothing. API answers and pages are private to the caller,
//! so neither may be cached; the built files may, for good under their version's address
//! ([`crate::assets`]), else asked for again before each use.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderMap, HeaderValue};

/// The policy of a rendered page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    // 'wasm-unsafe-eval' lets the page compile its own WebAssembly, nothing else; `cargo leptos
    // watch` reloads over a WebSocket on another port, which only debug builds allow.
    let reload = if cfg!(debug_assertions) { " ws:" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{reload}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// For anything that is not a rendered page: nothing may run or load, nobody may frame it.
const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The nonce of the page being answered, in the request's extensions.
#[derive(Debug, Clone)]
pub struct PageNonce(pub String);

impl PageNonce {
    fn new() -> Self {
        let bytes: [u8; 16] = rand::random();
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
}

/// Adds the security headers to every response.
pub async fn add_security_headers(mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_static = path.starts_with("/pkg/") || path.starts_with("/assets/");
    let unversioned = path.starts_with("/pkg/");
    let nonce = PageNonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let page = HeaderValue::from_str(&page_policy(&nonce.0)).ok().filter(|_| is_html(headers));
    headers.insert(CONTENT_SECURITY_POLICY, page.unwrap_or(HeaderValue::from_static(NOTHING_POLICY)));
    if !is_static && (is_html(headers) || is_json(headers)) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if unversioned && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(crate::assets::REVALIDATE));
    }
    response
}

fn content_type(headers: &HeaderMap) -> &str {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn is_html(headers: &HeaderMap) -> bool {
    content_type(headers).starts_with("text/html")
}

fn is_json(headers: &HeaderMap) -> bool {
    content_type(headers).contains("json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_policy_allows_own_files_and_the_nonce_only() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
