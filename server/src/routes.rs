//! The route table: every URL the server answers, grouped by who calls it, and the middleware
//! around them.

use crate::api::{self, health};
use crate::auth::sessions::Store as SessionStore;
use crate::auth::{SESSION_COOKIE, access};
use crate::builtin::SANDBOX_PATH;
use crate::error::AppError;
use crate::headers;
use crate::inbox;
use crate::state::AppState;
use app::api::{InProcessApi, RenderCache, RenderSpan};
use app::components::Visitor;
use app::{App, AssetRoot, shell};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::header::CONTENT_LENGTH;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use std::sync::LazyLock;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The app's routes as Leptos lists them, generated once per process.
///
/// Generating the list renders the app with resource loading suspended, and the suspension is a
/// process-wide flag in `leptos_server` (leptos issue #4773): a page rendering on another thread
/// whose data starts loading in that window waits forever. Generated once, before the first
/// router exists, the window closes before any page can render, however many routers the
/// process builds afterwards (test suites do; so would an embedder running two servers).
static ROUTE_LIST: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// Builds the complete router for `state`.
pub fn router(state: AppState, sessions: SessionStore) -> Router {
    let (api_routes, _doc) = api::router();
    // Sessions and access control wrap the API router itself, so calls made in-process while
    // rendering a page pass through exactly the same checks as calls from a browser.
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.config.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnSessionEnd);
    let api_routes =
        api_routes.layer(middleware::from_fn_with_state(state.clone(), access::enforce)).layer(session_layer);
    let pkg_dir = state.config.site_root.join("pkg");
    let version = crate::assets::version(&pkg_dir);
    let asset_root = version.as_deref().map(crate::assets::root);
    let in_process = InProcessApi::new(api_routes.clone().with_state(state.clone()));
    let visitor_api = in_process.clone();
    let render_context = move || {
        provide_context(in_process.clone());
        provide_context(RenderCache::default());
        provide_context(RenderSpan(tracing::Span::current()));
        if let Some(root) = &asset_root {
            provide_context(AssetRoot(root.clone()));
        }
        // The nonce the security-header middleware put in the page's policy replaces the one
        // leptos_axum made for this render.
        if let Some(nonce) =
            use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<headers::PageNonce>().cloned())
        {
            provide_context(Nonce::from_value(nonce.0));
        }
    };
    let options = state.leptos_options.clone();
    let limit = state.config.max_body_bytes;
    let pages = Router::new()
        .leptos_routes_with_context(&state, ROUTE_LIST.clone(), render_context.clone(), move || shell(options.clone()))
        // Who is visiting is known before a page renders (see `app::components::Visitor`).
        .route_layer(middleware::from_fn_with_state(visitor_api.clone(), resolve_visitor));
    // Paths no page claims: static files, the 404 page, and the addresses of team pages without
    // their team (`/rules`), which the 404 page sends to the visitor's team and so needs to know
    // the visitor. Files are not asked for as HTML: they skip the lookup.
    let not_found = file_and_error_handler_with_context::<AppState, _>(render_context, shell)
        .layer(middleware::from_fn_with_state(visitor_api, resolve_html_visitor));

    let app = Router::new()
        // Probes for load balancers and orchestrators.
        .route("/healthz", get(health::get_healthz))
        .route("/readyz", get(health::get_readyz))
        // REST API used by the UI, the signalbox command and automation.
        .merge(api_routes)
        // Pages, rendered on the server with their data and hydrated in the browser.
        .merge(pages)
        // The built files under their content's version, kept by browsers for good (public, like
        // `/pkg/`).
        .merge(version.as_deref().map(|v| crate::assets::router(&pkg_dir, v)).unwrap_or_default())
        .route_layer(middleware::from_fn(crate::metrics::note_route))
        // Static assets from the site root; anything else renders the 404 page.
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(limit, refuse_large_bodies))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state.clone());

    // Webhook inboxes: public, the unguessable token in the URL is the credential; the receiver
    // limits sizes and rates itself (see `crate::inbox`).
    let hooks = Router::new()
        .route("/hooks/{token}", post(inbox::receive::receive_delivery))
        .route_layer(middleware::from_fn(crate::metrics::note_route))
        .layer(DefaultBodyLimit::max(app::api::inboxes::MAX_BODY_BYTES))
        .with_state(state.clone());

    let trusted_proxies = std::sync::Arc::new(state.config.trusted_proxies.clone());
    Router::new()
        // The embedded OCI sandbox: OCI's wire format, signatures and limits, not Signalbox's.
        .nest_service(SANDBOX_PATH, state.builtin.host.router())
        .merge(hooks)
        .merge(app)
        .layer(middleware::from_fn(headers::add_security_headers))
        .layer(middleware::from_fn_with_state(trusted_proxies.clone(), crate::auth::identify_client))
        .layer(CompressionLayer::new())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(move |request: &Request| crate::telemetry::request_span(request, &trusted_proxies))
                .on_response(crate::telemetry::note_response),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::from_fn(crate::metrics::record_request))
}

/// Resolves the caller of a page request through the API (`GET /api/v1/auth/me` with the
/// visitor's cookie) and hands it to the page in the request's extensions.
///
/// Opening a team's page (`/t/{team}/…`, the switcher's links included) makes that team the one
/// the console opens in next time: the team the user last worked in.
async fn resolve_visitor(State(api): State<InProcessApi>, mut request: Request, next: Next) -> Response {
    let cookie = request.headers().get(http::header::COOKIE).cloned();
    let mut me = app::api::as_visitor(api.clone(), cookie.clone(), app::api::auth::get_me()).await;
    let opened = app::components::team_in_path(request.uri().path()).and_then(|team| team.parse::<i64>().ok());
    if let (Ok(me), Some(team)) = (&mut me, opened)
        && me.preferred_team != Some(team)
        && me.membership(team).is_some()
        && let Some(csrf) = me.csrf_token.clone()
    {
        let remembered = app::api::as_visitor(api, cookie, app::api::auth::set_preferred_team(team, &csrf)).await;
        if remembered.is_ok() {
            me.preferred_team = Some(team);
        }
    }
    request.extensions_mut().insert(Visitor(me));
    next.run(request).await
}

/// [`resolve_visitor`] for requests that ask for HTML (a browser's navigation), not for files.
async fn resolve_html_visitor(state: State<InProcessApi>, request: Request, next: Next) -> Response {
    let wants_html = request
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html { resolve_visitor(state, request, next).await } else { next.run(request).await }
}

/// Refuses a body whose declared length is over the limit before reading any of it, with the
/// API's JSON error. Bodies without a declared length are cut off by `DefaultBodyLimit` as they
/// are read.
async fn refuse_large_bodies(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let declared =
        request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => AppError::PayloadTooLarge { limit }.into_response(),
        _ => next.run(request).await,
    }
}
