use super::{ErrorPanel, LoadingPanel};
use crate::api::ApiError;
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

/// The one loading/error pattern every page uses for data from the API.
///
/// On first load it shows a skeleton; while refetching it keeps showing the previous data (a
/// `Transition`, so the page does not jump); on failure it shows the error with its code and a
/// retry button. `set_pending` reports refetches so the page can mark its refresh control busy.
#[component]
pub fn AsyncView<T, V, F>(
    /// The data to show.
    resource: Resource<Result<T, ApiError>>,
    /// Renders the data once it is there.
    render: F,
    /// Told `true` while a refetch is in flight.
    #[prop(optional, into)]
    set_pending: SignalSetter<bool>,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=|| view! { <LoadingPanel /> } set_pending>
            {move || {
                resource
                    .get()
                    .map(|result| match result {
                        Ok(data) => render(data).into_any(),
                        Err(error) => view! { <ErrorPanel error retry=move || resource.refetch() /> }.into_any(),
                    })
            }}
        </Transition>
    }
}
