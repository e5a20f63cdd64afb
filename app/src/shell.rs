//! The HTML document, the application frame and the route table.

use crate::components::{Layout, ToTeam};
use crate::pages::{
    AuditEntryRoute, AuditRoute, ChangePasswordRoute, CloudAuditRoute, ComplianceRoute, Dashboard, DeployRoute,
    DeploymentRoute, HealthRoute, InboxesRoute, Login, NotFound, PipelinesRoute, RuleRoute, RulesRoute, SandboxRoute,
    SetRoute, SettingsRoute, TemplateRoute, TopicRoute, TopicsRoute,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

/// Where the page loads the built files from (`/assets/{version}`, the server's content-named
/// address for `pkg/`), provided by the server to each render; without it, `/pkg/`.
#[derive(Debug, Clone)]
pub struct AssetRoot(pub String);

/// The whole HTML document the server sends for a page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let root = use_context::<AssetRoot>().map(|r| r.0).unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options root />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: the login page, and every other page inside the signed-in frame.
///
/// Pages render with `SsrMode::Async`: the server waits for the data and sends complete HTML, so
/// a page is readable before (and without) the WebAssembly, the browser never shows a spinner for
/// something the server already knew, and a redirect to the login page is a real HTTP redirect.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/signalbox.css" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=Login ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("/") view=Dashboard ssr=SsrMode::Async />
                    <Route path=path!("/account/password") view={Lazy::<ChangePasswordRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/pipelines") view={Lazy::<PipelinesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/pipelines/deploy") view={Lazy::<DeployRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/pipelines/templates/:template_id") view={Lazy::<TemplateRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/pipelines/deployments/:deployment_id") view={Lazy::<DeploymentRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/pipelines/sets/:set_id") view={Lazy::<SetRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/rules") view={Lazy::<RulesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/rules/:rule_id") view={Lazy::<RuleRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/topics") view={Lazy::<TopicsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/topics/:topic_id") view={Lazy::<TopicRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/audit/cloud") view={Lazy::<CloudAuditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/health") view={Lazy::<HealthRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/compliance") view={Lazy::<ComplianceRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/compliance/:check_id") view={Lazy::<ComplianceRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/inboxes") view={Lazy::<InboxesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/sandbox") view={Lazy::<SandboxRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async />
                    // Before `/audit/:entry_id`, which would take it: routes match in order.
                    <Route path=path!("/audit/cloud") view=ToTeam ssr=SsrMode::Async />
                    <Route path=path!("/audit/:entry_id") view={Lazy::<AuditEntryRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/t/:team/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
