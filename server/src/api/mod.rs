//! The `/api/v1` REST API: handlers, the OpenAPI document generated from them, and the JSON
//! answers for anything under `/api` that no handler claims.

mod audit;
mod auth;
pub(crate) mod cloud;
mod cloud_audit;
mod connections;
mod deployments;
mod extract;
mod fallback;
mod functions;
pub mod health;
mod inboxes;
pub mod json;
mod live;
mod pipeline_health;
mod rules;
mod sandbox_activity;
mod subscriptions;
mod system;
mod teams;
mod templates;
mod tokens;
mod topics;
mod users;

use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use axum::Json;
use axum::Router;
use axum::routing::{any, get};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Signalbox API",
        description = "The REST API behind the Signalbox console. The UI, the signalbox command and automation all use it. Errors share one body: {\"code\", \"message\"} plus \"field\" when one input is at fault.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "system", description = "The Signalbox instance itself"),
        (name = "auth", description = "Logging in and out; the caller's own account"),
        (name = "users", description = "Accounts (site administrators)"),
        (name = "teams", description = "Teams and their members"),
        (name = "tokens", description = "API tokens for automation"),
        (name = "connections", description = "A team's connections to OCI (or the built-in sandbox)"),
        (name = "topics", description = "Notifications topics, through a connection"),
        (name = "subscriptions", description = "Notifications subscriptions, through a connection"),
        (name = "functions", description = "Functions that subscriptions and rule actions can target"),
        (name = "rules", description = "Events rules, through a connection"),
        (name = "audit", description = "The audit trail: every change, who made it, and whether OCI accepted it"),
        (name = "templates", description = "The template library: pipeline templates and their versions"),
        (name = "deployments", description = "Template versions applied to a compartment: plans, applies, progress, drift"),
        (name = "health", description = "Pipeline health (rule to delivery) and the end-to-end verify probe"),
        (name = "inboxes", description = "Webhook inboxes: URLs that receive ONS deliveries, confirm subscriptions and keep what arrived"),
    )
)]
struct ApiDoc;

/// The API router (state not yet applied) and its OpenAPI document.
///
/// Routes are registered through `OpenApiRouter`, so a handler cannot be served without appearing
/// in the document: the document is derived from the same list, not written beside it.
pub fn router() -> (Router<AppState>, Arc<OpenApiDoc>) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .routes(routes!(system::get_system))
                .routes(routes!(audit::list_audit))
                .routes(routes!(audit::get_audit_entry))
                .routes(routes!(audit::audit_activity))
                .routes(routes!(audit::verify_audit))
                .routes(routes!(audit::export_audit))
                .routes(routes!(auth::login))
                .routes(routes!(auth::get_me))
                .routes(routes!(auth::logout))
                .routes(routes!(auth::logout_everywhere))
                .routes(routes!(auth::change_password))
                .routes(routes!(users::list_users, users::create_user))
                .routes(routes!(users::update_user))
                .routes(routes!(teams::list_teams, teams::create_team))
                .routes(routes!(teams::list_members, teams::add_member))
                .routes(routes!(teams::set_member, teams::remove_member))
                .routes(routes!(tokens::list_tokens, tokens::create_token))
                .routes(routes!(tokens::revoke_token))
                .routes(routes!(connections::list_connections, connections::create_connection))
                .routes(routes!(connections::delete_connection))
                .routes(routes!(connections::test_connection))
                .routes(routes!(connections::list_compartments))
                .routes(routes!(topics::list_topics, topics::create_topic))
                .routes(routes!(topics::get_topic, topics::update_topic, topics::delete_topic))
                .routes(routes!(topics::publish_message))
                .routes(routes!(subscriptions::list_topic_subscriptions, subscriptions::create_subscription))
                .routes(routes!(subscriptions::list_subscriptions))
                .routes(routes!(subscriptions::delete_subscription))
                .routes(routes!(subscriptions::resend_confirmation))
                .routes(routes!(functions::list_functions))
                .routes(routes!(cloud_audit::list_cloud_audit))
                .routes(routes!(rules::list_rules, rules::create_rule))
                .routes(routes!(rules::get_rule, rules::update_rule, rules::delete_rule))
                .routes(routes!(rules::move_rule))
                .routes(routes!(templates::get_template_schema))
                .routes(routes!(templates::list_starters))
                .routes(routes!(templates::list_templates, templates::create_template))
                .routes(routes!(templates::get_template, templates::update_template))
                .routes(routes!(templates::get_template_version))
                .routes(routes!(templates::publish_version))
                .routes(routes!(deployments::list_deployments, deployments::create_deployment))
                .routes(routes!(deployments::plan_new_deployment))
                .routes(routes!(deployments::get_deployment))
                .routes(routes!(deployments::plan_deployment))
                .routes(routes!(deployments::apply_deployment))
                .routes(routes!(deployments::check_drift))
                .routes(routes!(deployments::get_run))
                .routes(routes!(deployments::run_events))
                .routes(routes!(deployments::resume_run))
                .routes(routes!(inboxes::list_inboxes, inboxes::create_inbox))
                .routes(routes!(inboxes::get_inbox, inboxes::delete_inbox))
                .routes(routes!(inboxes::list_deliveries))
                .routes(routes!(inboxes::inbox_events))
                .routes(routes!(pipeline_health::check_health))
                .routes(routes!(pipeline_health::get_health))
                .routes(routes!(pipeline_health::verify_rule))
                .routes(routes!(sandbox_activity::get_sandbox_activity)),
        )
        .split_for_parts();
    let doc = Arc::new(doc);
    let served = doc.clone();
    let router = router
        .route("/api/v1/openapi.json", get(move || async move { Json(served) }))
        .route("/api", any(fallback::route_not_found))
        .route("/api/{*rest}", any(fallback::route_not_found))
        .method_not_allowed_fallback(fallback::method_not_allowed);
    (router, doc)
}

/// Result type of every handler.
pub type ApiResult<T> = Result<T, AppError>;
