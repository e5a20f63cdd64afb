//! Server-rendering transport: calls the `/api/v1` router in the same process.
//!
//! The page being rendered acts on behalf of the visitor, so the visitor's `Cookie` header is
//! forwarded. No port, HTTP client or serialisation round trip through the kernel is needed, and
//! the API's own middleware (authentication, limits) still runs exactly as for a browser call.

use super::{ApiError, Outgoing};
use axum::{Router, body::Body};
use http::{HeaderValue, Method, Request, header};
use leptos::prelude::use_context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;
use tower::ServiceExt;
use tracing::Instrument;

/// Largest API response the renderer will read into memory.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// The server's `/api/v1` router, placed in the rendering context by the server.
#[derive(Clone)]
pub struct InProcessApi(Router);

impl InProcessApi {
    /// Wraps the API router (with its state and middleware already applied).
    pub fn new(router: Router) -> Self {
        Self(router)
    }
}

/// The answers to the GETs made while rendering one page. The router renders a lazily loaded
/// route twice on the server (once to find its resources, once to render them), so every loader
/// runs twice; the second run reads the first one's answers from here instead of asking the API
/// again. One per request (the server provides a new one for each render), so nothing is shared
/// between visitors; failures are not kept.
#[derive(Clone, Default)]
pub struct RenderCache(Arc<Mutex<HashMap<String, Arc<Answer>>>>);

/// One GET's answer (status and body), once it has come.
type Answer = OnceCell<(u16, Vec<u8>)>;

impl RenderCache {
    fn cell(&self, url: &str) -> Arc<Answer> {
        let mut cells = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cells.entry(url.to_owned()).or_default().clone()
    }
}

/// The span of the page request being rendered, placed in the rendering context by the server.
///
/// Leptos runs a page's loaders as tasks of their own, outside the request's span; their API calls
/// (and the queries and OCI calls those make) run inside this one again, so a slow page can be
/// followed into the calls that made it slow.
#[derive(Clone)]
pub struct RenderSpan(pub tracing::Span);

/// What an in-process call needs from the page being rendered: the router, the visitor's cookie,
/// the render's answers so far and its span.
#[derive(Clone)]
struct Caller {
    api: Option<InProcessApi>,
    cookie: Option<HeaderValue>,
    cache: Option<RenderCache>,
    span: Option<tracing::Span>,
}

tokio::task_local! {
    /// The caller fixed by [`bind_caller`] for a chain of calls.
    static BOUND: Caller;
}

impl Caller {
    /// The caller bound to this task, else the one in the reactive context.
    fn current() -> Self {
        BOUND.try_with(Clone::clone).unwrap_or_else(|_| Self {
            api: use_context::<InProcessApi>(),
            cookie: use_context::<http::request::Parts>().and_then(|parts| parts.headers.get(header::COOKIE).cloned()),
            cache: use_context::<RenderCache>(),
            span: use_context::<RenderSpan>().map(|span| span.0),
        })
    }
}

/// Fixes the caller for every call `future` makes, now, while the reactive context is there.
///
/// A call reads the router and cookie from the reactive owner when it starts. A loader that
/// awaits one call before starting the next may resume after the owner is gone: the router
/// renders a lazily loaded route once to discover its resources and drops that owner. The
/// resources of that first pass are the ones the browser hydrates from, so a second call failing
/// there would hand the browser an error the server never showed.
pub(super) fn bind_caller<F: Future>(future: F) -> impl Future<Output = F::Output> {
    BOUND.scope(Caller::current(), future)
}

/// Runs `future`'s API calls as the visitor whose cookie is `cookie`, outside any rendering: the
/// server resolves who is visiting before a page renders (see [`crate::components::Visitor`]).
pub fn as_visitor<F: Future>(
    api: InProcessApi,
    cookie: Option<HeaderValue>,
    future: F,
) -> impl Future<Output = F::Output> {
    BOUND.scope(Caller { api: Some(api), cookie, cache: None, span: None }, future)
}

pub(super) async fn send(outgoing: Outgoing) -> Result<(u16, Vec<u8>), ApiError> {
    let caller = Caller::current();
    match (&caller.cache, outgoing.method == Method::GET) {
        (Some(cache), true) => {
            let cell = cache.cell(&outgoing.url);
            cell.get_or_try_init(|| call(caller.clone(), outgoing)).await.cloned()
        }
        _ => call(caller, outgoing).await,
    }
}

async fn call(caller: Caller, outgoing: Outgoing) -> Result<(u16, Vec<u8>), ApiError> {
    let Caller { api, cookie, span, .. } = caller;
    let Some(InProcessApi(router)) = api else {
        return Err(ApiError::network("the API router is not available while rendering this page"));
    };
    let mut request =
        Request::builder().method(outgoing.method).uri(&outgoing.url).header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(csrf) = &outgoing.csrf {
        request = request.header("x-csrf-token", csrf);
    }
    let body = match outgoing.body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json)
        }
        None => Body::empty(),
    };
    let request = request.body(body).map_err(ApiError::network)?;
    let answering = router.oneshot(request);
    let response = match span {
        Some(span) => answering.instrument(span).await,
        None => answering.await,
    }
    .map_err(ApiError::network)?;
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), MAX_RESPONSE_BYTES).await.map_err(ApiError::network)?;
    Ok((status, body.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use leptos::prelude::{Owner, provide_context};

    /// The in-process call reaches the router with the visitor's cookie and decodes the answer.
    #[tokio::test]
    async fn forwards_the_visitors_cookie_to_the_api() {
        let router = Router::new().route(
            "/api/v1/echo",
            get(|headers: http::HeaderMap| async move {
                let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
                axum::Json(serde_json::json!({ "cookie": cookie }))
            }),
        );
        let (parts, ()) = Request::builder().header(header::COOKIE, "session=abc").body(()).unwrap().into_parts();
        let owner = Owner::new();
        owner.set();
        provide_context(InProcessApi::new(router));
        provide_context(parts);
        let answer: serde_json::Value = crate::api::get_json("/echo").await.unwrap();
        assert_eq!(answer["cookie"], "session=abc");
    }

    /// Within one render, a GET asked twice reaches the API once; another render asks again.
    #[tokio::test]
    async fn a_render_asks_the_api_once_per_address() {
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        let router = Router::new().route(
            "/api/v1/count",
            get(move || {
                let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                async move { axum::Json(serde_json::json!({ "n": n })) }
            }),
        );
        let render = |router: Router| async move {
            let owner = Owner::new();
            owner.set();
            provide_context(InProcessApi::new(router));
            provide_context(RenderCache::default());
            let first: serde_json::Value = crate::api::get_json("/count").await.unwrap();
            let (second, third) = tokio::join!(
                crate::api::get_json::<serde_json::Value>("/count"),
                crate::api::get_json::<serde_json::Value>("/count")
            );
            (first["n"].clone(), second.unwrap()["n"].clone(), third.unwrap()["n"].clone())
        };
        assert_eq!(render(router.clone()).await, (1.into(), 1.into(), 1.into()));
        assert_eq!(render(router).await, (2.into(), 2.into(), 2.into()), "a new render asks again");
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    /// A bound chain keeps its caller after the reactive owner that started it is gone.
    #[tokio::test]
    async fn bound_calls_outlive_the_owner() {
        let router =
            Router::new().route("/api/v1/echo", get(|| async { axum::Json(serde_json::json!({ "ok": true })) }));
        let owner = Owner::new();
        owner.set();
        provide_context(InProcessApi::new(router));
        let chain = crate::api::bind_caller(async {
            tokio::task::yield_now().await;
            crate::api::get_json::<serde_json::Value>("/echo").await
        });
        owner.unset();
        let answer = chain.await.unwrap();
        assert_eq!(answer["ok"], true);
    }

    /// Without the router in context the call fails with a typed error instead of panicking.
    #[tokio::test]
    async fn missing_router_is_a_network_error() {
        let owner = Owner::new();
        owner.set();
        let err = crate::api::get_json::<serde_json::Value>("/echo").await.unwrap_err();
        assert_eq!(err.code(), crate::api::ErrorCode::Network);
    }
}
