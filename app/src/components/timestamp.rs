use crate::format;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// A point in time shown relative to `now` ("4 min ago"), with the absolute UTC time on hover.
///
/// `now` is passed in (usually the time the server produced the data) rather than read from the
/// clock, so the server and the browser render the same text and hydration never disagrees.
#[component]
pub fn Timestamp(at: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=at.to_rfc3339() title=format::utc(at)>
            {format::relative(at, now)}
        </time>
    }
}
