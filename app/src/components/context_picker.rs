use super::{Icon, IconName};
use leptos::prelude::*;

/// One of the header's pickers (connection, compartment).
///
/// Until connections can be managed there is only the built-in sandbox, so the picker shows the
/// current value and explains why it cannot be changed yet instead of offering an empty list.
#[component]
pub fn ContextPicker(
    /// What is being picked, shown as a small caption.
    #[prop(into)]
    label: String,
    /// The current choice.
    #[prop(into)]
    value: String,
    /// Why it cannot be changed right now.
    #[prop(into)]
    reason: String,
) -> impl IntoView {
    view! {
        <div class="picker" title=reason.clone()>
            <span class="picker-label">{label.clone()}</span>
            <button type="button" class="picker-button" aria-label=format!("{label}: {value}. {reason}") aria-disabled="true">
                <span class="picker-value">{value.clone()}</span>
                <Icon name=IconName::ChevronDown />
            </button>
        </div>
    }
}
