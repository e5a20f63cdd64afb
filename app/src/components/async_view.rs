use super::{ErrorPanel, LoadingPanel};
use crate::api::ApiError;
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use std::sync::Arc;

/// The one loading/error pattern every page uses for data from the API.
///
/// On first load it shows a skeleton; while refetching it keeps showing the previous data (a
/// `Transition`, so the page does not jump); on failure it shows the error with its code and a
/// retry button. `set_pending` reports refetches so the page can mark its refresh control busy.
///
/// `children` render after the data, inside the same boundary, for parts that read the resource
/// but must not be rebuilt with it (a form that keeps what is typed while the list reloads reads
/// it through a `Memo`). A resource must be read in one boundary only: Leptos's server renderer
/// can leave a response unfinished when two boundaries wait on the same resource
/// (leptos-rs/leptos#4851).
#[component]
pub fn AsyncView<T, V, F>(
    /// The data to show.
    resource: Resource<Result<T, ApiError>>,
    /// Renders the data once it is there.
    render: F,
    /// Told `true` while a refetch is in flight.
    #[prop(optional, into)]
    set_pending: Option<SignalSetter<bool>>,
    /// Rendered after the data, in the same boundary.
    #[prop(optional)]
    children: Option<ChildrenFn>,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let data = Arc::new(move || {
        resource.get().map(|result| match result {
            Ok(data) => render(data).into_any(),
            Err(error) => view! { <ErrorPanel error retry=move || resource.refetch() /> }.into_any(),
        })
    });
    // The data and the children are separate reactive parts, so a reload re-renders the data only.
    let body = move || {
        view! {
            {move || data()}
            {children.as_ref().map(|children| children())}
        }
    };
    // Not a boxed closure handed to a shared function: a `dyn` call in the main module keeps
    // every page's render code out of the lazily loaded chunks (47 KB gzip on the first page).
    // The pending state is reported in the browser only. On the server nothing is refetched, and
    // the Transition's effect that reports it can outlive the boundary (the router renders a page
    // once to find its resources, then drops it) and panic on the disposed boundary, which cuts
    // the response short or leaves it hanging.
    let set_pending = set_pending.filter(|_| !cfg!(feature = "ssr"));
    match set_pending {
        Some(set_pending) => view! {
            <Transition fallback=|| view! { <LoadingPanel /> } set_pending>
                {body()}
            </Transition>
        }
        .into_any(),
        None => view! { <Transition fallback=|| view! { <LoadingPanel /> }>{body()}</Transition> }.into_any(),
    }
}
