//! Open confirmations that survive a re-render of the page's content.
//!
//! A page that reloads live (an out-of-band change arrives, the list is read again) renders its
//! rows and header anew, and with them every [`ConfirmButton`](super::ConfirmButton) and
//! [`TypedConfirm`](super::TypedConfirm). Their state would start over: a question being
//! answered, or a name half typed, would vanish under the user's cursor. Such a page calls
//! [`KeptConfirmations::provide`] once, outside what it re-renders; the confirmations inside then
//! keep their state there, by what they ask, for the life of the page.

use leptos::prelude::*;
use std::collections::HashMap;

/// Whether a confirmation is open and what was typed into it.
#[derive(Debug, Clone, Copy)]
pub(super) struct ConfirmationState {
    pub open: RwSignal<bool>,
    pub typed: RwSignal<String>,
}

/// The page's confirmations by what they ask, owned by the page.
#[derive(Clone)]
pub struct KeptConfirmations {
    owner: Owner,
    kept: StoredValue<HashMap<String, ConfirmationState>>,
}

impl KeptConfirmations {
    /// Keeps the state of the confirmations rendered below the current component for its life.
    pub fn provide() {
        let owner = Owner::current().unwrap_or_default();
        provide_context(Self { owner, kept: StoredValue::new(HashMap::new()) });
    }
}

/// The state of the confirmation `key` names: the page's kept one when the page keeps them, else
/// a new one owned by the confirmation itself.
pub(super) fn confirmation_state(key: &str) -> ConfirmationState {
    let fresh = || ConfirmationState { open: RwSignal::new(false), typed: RwSignal::new(String::new()) };
    let Some(page) = use_context::<KeptConfirmations>() else { return fresh() };
    if let Some(state) = page.kept.with_value(|kept| kept.get(key).copied()) {
        return state;
    }
    // Owned by the page, so the state outlives the component that asked for it first.
    let state = page.owner.with(fresh);
    page.kept.update_value(|kept| {
        kept.insert(key.to_owned(), state);
    });
    state
}
