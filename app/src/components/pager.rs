use crate::format;
use leptos::prelude::*;

/// Where a page of a longer list sits ("1–50 of 1,000") with links to the pages around it.
#[component]
pub fn Pager(
    /// Rows on this page.
    shown: usize,
    /// Rows on every page together.
    total: u64,
    /// The link to the page before, when there is one.
    previous: Option<String>,
    /// The link to the page after, when there is one.
    next: Option<String>,
) -> impl IntoView {
    let noun = if total == 1 { "row" } else { "rows" };
    let summary = if previous.is_none() && next.is_none() {
        format!("{} {noun}", format::grouped(total))
    } else {
        format!("{} of {} {noun}", format::grouped(shown as u64), format::grouped(total))
    };
    let link = |href: Option<String>, label: &'static str, rel: &'static str| match href {
        Some(href) => view! { <a class="btn btn-small" href=href rel=rel>{label}</a> }.into_any(),
        None => view! { <span class="btn btn-small" aria-disabled="true">{label}</span> }.into_any(),
    };
    let links = (previous.is_some() || next.is_some())
        .then(|| view! { {link(previous, "← Previous", "prev")} {link(next, "Next →", "next")} });
    view! {
        <nav class="pager" aria-label="Pages">
            <span class="pager-summary">{summary}</span>
            {links}
        </nav>
    }
}
