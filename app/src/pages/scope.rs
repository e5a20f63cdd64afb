//! Where a page works: one of the team's connections and one of its compartments, chosen in the
//! URL (`?connection=..&compartment=..`) so a view can be shared and the back button works. A
//! choice missing from the URL, or no longer there, falls back to the first.

use crate::api::ApiError;
use crate::api::connections::{CompartmentSummary, Connection, list_compartments, list_connections};
use crate::components::{KeptConfirmations, Place, show_scope};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The team's connections and the chosen one's compartments, with the choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// The team's connections.
    pub connections: Vec<Connection>,
    /// The chosen connection, if the team has one.
    pub connection: Option<i64>,
    /// Its compartments, in tree order.
    pub compartments: Vec<CompartmentSummary>,
    /// The chosen compartment, if there is one.
    pub compartment: Option<String>,
}

impl Scope {
    /// Loads the lists and resolves the choices the URL made.
    pub async fn resolve(team: i64, connection: Option<String>, compartment: Option<String>) -> Result<Self, ApiError> {
        let connections = list_connections(team).await?;
        let asked = connection.and_then(|c| c.parse::<i64>().ok());
        let connection =
            asked.filter(|id| connections.iter().any(|c| c.id == *id)).or(connections.first().map(|c| c.id));
        let Some(id) = connection else {
            return Ok(Self { connections, connection, compartments: Vec::new(), compartment: None });
        };
        let compartments = list_compartments(team, id).await?;
        let compartment = compartment
            .filter(|c| compartments.iter().any(|k| &k.id == c))
            .or(compartments.first().map(|c| c.id.clone()));
        Ok(Self { connections, connection, compartments, compartment })
    }

    /// The chosen connection and compartment, when both are known.
    pub fn chosen(&self) -> Option<(i64, &str)> {
        Some((self.connection?, self.compartment.as_deref()?))
    }

    /// Tells the header which connection and compartment the page shows.
    pub fn show(&self) {
        let connection = self.connection.and_then(|id| self.connections.iter().find(|c| c.id == id));
        let compartment = self.compartment.as_deref().and_then(|id| self.compartments.iter().find(|c| c.id == id));
        if let (Some(connection), Some(compartment)) = (connection, compartment) {
            let place = Place { connection: connection.id, compartment: compartment.id.clone() };
            show_scope(place, connection_label(connection), compartment.path.clone());
        }
    }

    /// The connection and compartment pickers. Choosing another connection calls `go` with no
    /// compartment (its first is taken); choosing a compartment keeps the connection.
    pub fn pickers<G>(&self, go: G) -> impl IntoView + use<G>
    where
        G: Fn(Option<i64>, Option<String>) + Copy + Send + Sync + 'static,
    {
        let connection_options = self
            .connections
            .iter()
            .map(|c| view! { <option value=c.id.to_string() selected=self.connection == Some(c.id)>{c.name.clone()}</option> })
            .collect_view();
        let compartment_options = self
            .compartments
            .iter()
            .map(|c| {
                let selected = self.compartment.as_deref() == Some(c.id.as_str());
                view! { <option value=c.id.clone() selected=selected>{c.path.clone()}</option> }
            })
            .collect_view();
        let current = self.connection;
        view! {
            <div class="toolbar">
                <label class="inline-label">
                    <span>"Connection"</span>
                    <select on:change=move |e| {
                        if let Ok(id) = event_target_value(&e).parse() {
                            go(Some(id), None);
                        }
                    }>{connection_options}</select>
                </label>
                <label class="inline-label">
                    <span>"Compartment"</span>
                    <select on:change=move |e| go(current, Some(event_target_value(&e)))>{compartment_options}</select>
                </label>
            </div>
        }
    }
}

/// The connection a detail page's URL asks for (`?connection=`), or the team's first; `what`
/// names what the page shows, for the error when the team has none.
pub async fn pick_connection(team: i64, wanted: Option<String>, what: &str) -> Result<Connection, ApiError> {
    let connections = list_connections(team).await?;
    let wanted = wanted.and_then(|c| c.parse::<i64>().ok());
    let chosen = connections.iter().position(|c| Some(c.id) == wanted).unwrap_or(0);
    connections
        .into_iter()
        .nth(chosen)
        .ok_or_else(|| ApiError::not_found(format!("This team has no connection to reach the {what} with.")))
}

/// A connection as the header names it: its name, and its region when it has one.
pub fn connection_label(connection: &Connection) -> String {
    if connection.region.is_empty() {
        connection.name.clone()
    } else {
        format!("{} ({})", connection.name, connection.region)
    }
}

/// Reads the page's data again whenever the inventory of its chosen connection and compartment
/// changes (a sync, the change feed, someone else's edit), so out-of-band changes show without a
/// reload. Browser only: the server renders once. The page's confirmations keep their state
/// across those reloads ([`KeptConfirmations`]): a question being answered stays open.
pub fn follow_changes<R>(team: i64, chosen: Memo<Option<(i64, String)>>, refetch: R)
where
    R: Fn() + Clone + Send + Sync + 'static,
{
    KeptConfirmations::provide();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Some((connection, compartment)) = chosen.get() else { return };
        let url = format!(
            "/api/v1/teams/{team}/connections/{connection}/inventory/changes?compartment_id={}",
            crate::api::urlencoding(&compartment)
        );
        let Ok(source) = web_sys::EventSource::new(&url) else { return };
        let refetch = refetch.clone();
        let on_changed = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| refetch());
        let _ = source.add_event_listener_with_callback("changed", on_changed.as_ref().unchecked_ref());
        on_changed.forget();
        let source = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || source.close());
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (team, chosen, refetch);
}
