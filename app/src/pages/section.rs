use crate::components::{EmptyState, IconName, PageHeader};
use leptos::prelude::*;

/// Sections of the console whose pages are not built yet. Each says what it will hold, so the
/// navigation is honest about the product's shape instead of leading to a 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upcoming {
    Rules,
    Topics,
    Sandbox,
}

impl Upcoming {
    fn text(self) -> (&'static str, &'static str, IconName, &'static str) {
        match self {
            Upcoming::Rules => (
                "Rules",
                "Events rules that watch resource changes and send them to topics, streams and functions.",
                IconName::Rules,
                "Rule management arrives with connections: list, create and test rules against sample events in the browser.",
            ),
            Upcoming::Topics => (
                "Topics",
                "Notifications topics and the subscriptions that deliver to e-mail, HTTPS, Slack and PagerDuty.",
                IconName::Topics,
                "Topic and subscription management arrives with connections, including the pending-confirmation view.",
            ),
            Upcoming::Sandbox => (
                "Sandbox",
                "The embedded OCI emulator: its resources, the events it emits and everything it delivered.",
                IconName::Sandbox,
                "The sandbox is running (the dashboard shows its URL). Browsing its resources, the events it emitted and everything it delivered arrives with pipeline verification.",
            ),
        }
    }
}

/// A section of the console that is not available in this build yet.
#[component]
pub fn Section(upcoming: Upcoming) -> impl IntoView {
    let (title, description, icon, body) = upcoming.text();
    view! {
        <PageHeader title=title description=description />
        <EmptyState icon title="Not available in this build yet" body=body />
    }
}
