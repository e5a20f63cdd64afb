//! One page per file; the route table is in `shell.rs`.

mod audit;
mod change_password;
mod compliance;
mod dashboard;
mod export_panel;
mod health;
mod impact_panel;
mod inboxes;
mod login;
mod not_found;
mod pipelines;
mod preflight_panel;
mod rule;
mod rule_editor;
mod rules;
mod sandbox;
mod scope;
mod settings;
mod topic;
mod topics;
mod verify_panel;

pub use audit::{AuditEntryRoute, AuditRoute, CloudAuditRoute};
pub use change_password::ChangePasswordRoute;
pub use compliance::ComplianceRoute;
pub use dashboard::Dashboard;
pub use health::HealthRoute;
pub use inboxes::InboxesRoute;
pub use login::Login;
pub use not_found::NotFound;
pub use pipelines::{DeployRoute, DeploymentRoute, PipelinesRoute, SetRoute, TemplateRoute};
pub use rule::RuleRoute;
pub use rules::RulesRoute;
pub use sandbox::SandboxRoute;
pub use settings::SettingsRoute;
pub use topic::TopicRoute;
pub use topics::TopicsRoute;

use leptos::prelude::*;
use leptos_meta::Stylesheet;

/// The styles only the rules, rule and topic pages use (`public/pages.css`: filters, chips,
/// detail facts, the rule editor, the export panel), kept out of the stylesheet every first page
/// loads; those pages render this.
#[component]
fn PageStyles() -> impl IntoView {
    view! { <Stylesheet id="pages-css" href="/pages.css" /> }
}
