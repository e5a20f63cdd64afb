//! The built-in starter templates a library begins from: the seed's pipelines, written once.
//!
//! Only the server and tests carry them (the browser gets them through the API), so they add
//! nothing to the WebAssembly.

use super::Template;

/// A built-in template.
#[derive(Debug, Clone, Copy)]
pub struct Starter {
    /// Stable identifier, used in URLs.
    pub slug: &'static str,
    text: &'static str,
}

/// Every starter, in the order the library offers them.
pub const STARTERS: [Starter; 6] = [
    Starter { slug: "infra-alerts", text: include_str!("starters/infra-alerts.json") },
    Starter { slug: "bucket-change-processor", text: include_str!("starters/bucket-change-processor.json") },
    Starter { slug: "iam-change-alerts", text: include_str!("starters/iam-change-alerts.json") },
    Starter { slug: "audit-everything", text: include_str!("starters/audit-everything.json") },
    Starter { slug: "live-inventory", text: include_str!("starters/live-inventory.json") },
    Starter { slug: "cis-oci-monitoring", text: include_str!("starters/cis-oci-monitoring.json") },
];

impl Starter {
    /// The starter called `slug`.
    pub fn find(slug: &str) -> Option<Self> {
        STARTERS.into_iter().find(|s| s.slug == slug)
    }

    /// The template (each one is checked by a test, so parsing cannot fail at run time).
    pub fn template(&self) -> Result<Template, Vec<super::Problem>> {
        Template::parse(self.text)
    }
}
