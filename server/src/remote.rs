//! The `signalbox` command's way to a running server's API. The typed client in `app::api` sends
//! its requests to an [`InProcessApi`], a router; here that router forwards each request over
//! HTTP(S) to the server named by `--server`, with the API token as `Authorization: Bearer`. So the
//! command, the console and the tests speak through one set of request and answer types, and the
//! server decides access exactly as for any other API client.
//!
//! The token only ever goes to the server it was given for; a request that never gets an answer
//! comes back as the client-side `Network` error the console shows for the same failure.

use app::api::{ApiError, InProcessApi};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// Largest request body the command sends (templates and plans are far smaller).
const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
/// How long one request may take, answer included.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Why the API of a server cannot be reached.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// `--server` is not an http(s) URL.
    #[error("--server \"{0}\" is not a URL; write it in full, such as https://signalbox.example.com")]
    BadServer(String),
    /// The token cannot be sent as a header.
    #[error("the API token holds characters a header cannot carry; copy it again from Settings → API tokens")]
    BadToken,
    /// The HTTP client cannot be built.
    #[error("cannot set up HTTP: {0}")]
    Http(String),
}

/// Why a download stopped.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The server or the token cannot be used.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The server refused, or could not be reached.
    #[error("{}", .0.body.message)]
    Api(ApiError),
    /// What came could not be written where it goes.
    #[error("cannot write the download: {0}")]
    Write(std::io::Error),
}

struct Remote {
    base: String,
    /// The token, or none for a session (`signalbox login`, whose cookie the client keeps).
    authorization: Option<HeaderValue>,
    http: reqwest::Client,
}

/// The API of the server at `server` (`https://signalbox.example.com`), called with `token`.
pub fn api(server: &str, token: &str) -> Result<InProcessApi, RemoteError> {
    let mut authorization =
        HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| RemoteError::BadToken)?;
    authorization.set_sensitive(true);
    router(server, Some(authorization), false)
}

/// The API of the server at `server` for a browser-like session: the client keeps the session
/// cookie a login answers with (for `signalbox login`, which uses it once to make a token).
pub fn session_api(server: &str) -> Result<InProcessApi, RemoteError> {
    router(server, None, true)
}

fn router(server: &str, authorization: Option<HeaderValue>, cookies: bool) -> Result<InProcessApi, RemoteError> {
    let base = base_of(server)?;
    let http = http_client(cookies)?;
    let remote = Arc::new(Remote { base, authorization, http });
    Ok(InProcessApi::new(Router::new().fallback(forward).with_state(remote)))
}

/// `server` without a trailing slash, once it is an http(s) URL with a host.
fn base_of(server: &str) -> Result<String, RemoteError> {
    let base = server.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(base).map_err(|_| RemoteError::BadServer(server.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(RemoteError::BadServer(server.to_owned()));
    }
    Ok(base.to_owned())
}

fn http_client(cookies: bool) -> Result<reqwest::Client, RemoteError> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .cookie_store(cookies)
        .user_agent(concat!("signalbox/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| RemoteError::Http(err.to_string()))
}

/// Streams the answer to `GET {server}{path}` into `sink` as it comes, for answers too large to
/// hold (an audit export of 100,000 entries); answers how many bytes were written.
pub async fn download(
    server: &str,
    token: &str,
    path: &str,
    sink: &mut impl std::io::Write,
) -> Result<u64, DownloadError> {
    let base = base_of(server)?;
    let mut authorization =
        HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| RemoteError::BadToken)?;
    authorization.set_sensitive(true);
    // No overall timeout: a large export takes as long as it takes; a stalled one is Ctrl-C.
    let http = reqwest::Client::builder()
        .connect_timeout(TIMEOUT)
        .user_agent(concat!("signalbox/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| RemoteError::Http(err.to_string()))?;
    let unreachable = |err: reqwest::Error| DownloadError::Api(ApiError::network(describe(&err)));
    let mut answer = http
        .get(format!("{base}{path}"))
        .header(header::AUTHORIZATION, authorization)
        .send()
        .await
        .map_err(unreachable)?;
    let status = answer.status();
    if !status.is_success() {
        let body = answer.bytes().await.unwrap_or_default();
        return Err(DownloadError::Api(ApiError::from_response(status.as_u16(), &body)));
    }
    let mut written = 0;
    while let Some(chunk) = answer.chunk().await.map_err(unreachable)? {
        sink.write_all(&chunk).map_err(DownloadError::Write)?;
        written += chunk.len() as u64;
    }
    sink.flush().map_err(DownloadError::Write)?;
    Ok(written)
}

/// Sends one request of the typed client to the server and hands its answer back unchanged.
async fn forward(State(remote): State<Arc<Remote>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return unreachable(format!("the request is over {MAX_REQUEST_BYTES} bytes"));
    };
    let mut outgoing = remote.http.request(parts.method, format!("{}{path}", remote.base)).body(body);
    if let Some(authorization) = &remote.authorization {
        outgoing = outgoing.header(header::AUTHORIZATION, authorization.clone());
    }
    for name in [header::ACCEPT, header::CONTENT_TYPE, header::HeaderName::from_static("x-csrf-token")] {
        if let Some(value) = parts.headers.get(&name) {
            outgoing = outgoing.header(name, value.clone());
        }
    }
    let answer = match outgoing.send().await {
        Ok(answer) => answer,
        Err(err) => return unreachable(describe(&err)),
    };
    let status = answer.status();
    let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
    let body = match answer.bytes().await {
        Ok(body) => body,
        Err(err) => return unreachable(describe(&err)),
    };
    let mut response = (status, Body::from(body)).into_response();
    if let Some(content_type) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    response
}

/// What went wrong on the way, without the URL's query (it may name resources) or the token.
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if err.is_connect() {
        "the connection was refused or could not be made".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The `Network` error, as the typed client reports a request that got no answer.
fn unreachable(detail: String) -> Response {
    let error = ApiError::network(detail);
    (StatusCode::BAD_GATEWAY, axum::Json(error.body)).into_response()
}
