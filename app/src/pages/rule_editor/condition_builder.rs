//! The builder view of the condition: event types picked from the catalogue (by service, with
//! search), and filters on attributes, free-form tags and defined tags. It holds no state of its
//! own: it reads the condition text and writes the whole text back on every change, so it and the
//! JSON view can never disagree.

use crate::catalogue::{EVENT_TYPES, find};
use crate::condition::Condition;
use crate::condition::builder::{Draft, FilterKind, SUGGESTED_PATHS, split_path, split_values};
use leptos::prelude::*;

/// Services in catalogue order, each once.
fn services() -> Vec<&'static str> {
    let mut seen = Vec::new();
    for t in EVENT_TYPES {
        if !seen.contains(&t.service) {
            seen.push(t.service);
        }
    }
    seen
}

/// Which kind of filter the add row makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewFilter {
    Attribute,
    FreeformTag,
    DefinedTag,
}

impl NewFilter {
    fn parse(value: &str) -> Self {
        match value {
            "freeform" => Self::FreeformTag,
            "defined" => Self::DefinedTag,
            _ => Self::Attribute,
        }
    }
}

/// The builder, editing `condition` in place.
#[component]
pub fn ConditionBuilder(condition: RwSignal<String>) -> impl IntoView {
    let draft = Memo::new(move |_| condition.with(|text| Condition::parse(text).ok().map(|c| Draft::of(&c))));
    let change = move |edit: &dyn Fn(&mut Draft)| {
        if let Some(mut d) = draft.get_untracked() {
            edit(&mut d);
            condition.set(d.to_text());
        }
    };
    let service = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let matching = Memo::new(move |_| {
        let (service, needle) = (service.get(), search.get().trim().to_lowercase());
        EVENT_TYPES
            .iter()
            .filter(|t| service.is_empty() || t.service == service)
            .filter(|t| needle.is_empty() || t.name.contains(&needle) || t.description.to_lowercase().contains(&needle))
            .map(|t| t.name)
            .collect::<Vec<_>>()
    });
    let selected = move || draft.get().map(|d| d.event_types).unwrap_or_default();

    let kind = RwSignal::new(NewFilter::Attribute);
    let (namespace, key, values) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let new_path = move || match kind.get() {
        NewFilter::Attribute => split_path(&key.get()),
        NewFilter::FreeformTag => {
            let key = key.get().trim().to_owned();
            (!key.is_empty()).then(|| vec!["data".to_owned(), "freeformTags".to_owned(), key])
        }
        NewFilter::DefinedTag => {
            let (namespace, key) = (namespace.get().trim().to_owned(), key.get().trim().to_owned());
            (!namespace.is_empty() && !key.is_empty())
                .then(|| vec!["data".to_owned(), "definedTags".to_owned(), namespace, key])
        }
    };
    let can_add = move || draft.get().is_some() && new_path().is_some() && !split_values(&values.get()).is_empty();
    let add = move || {
        if let Some(path) = new_path() {
            let accepted = split_values(&values.get_untracked());
            change(&|d| d.add(path.clone(), accepted.clone()));
            key.set(String::new());
            namespace.set(String::new());
            values.set(String::new());
        }
    };

    view! {
        <div class="condition-builder" role="group" aria-label="Condition builder">
            <span class="field-label">"Builder"</span>
            {move || {
                draft
                    .get()
                    .is_none()
                    .then(|| {
                        view! {
                            <p class="builder-blocked" role="note">
                                "The JSON has a mistake (see below it). Fix it there and the builder follows."
                            </p>
                        }
                    })
            }}
            <div class="builder-section">
                <span class="builder-heading">"Event types"</span>
                <div class="chips chips-editable" aria-label="Chosen event types">
                    {move || {
                        let chosen = selected();
                        if chosen.is_empty() {
                            return view! { <span class="muted">"Any event type"</span> }.into_any();
                        }
                        chosen
                            .into_iter()
                            .map(|name| {
                                let known = name.contains('*') || find(&name).is_some();
                                let label = name.strip_prefix("com.oraclecloud.").unwrap_or(&name).to_owned();
                                let remove = name.clone();
                                view! {
                                    <span class=if known { "chip" } else { "chip chip-warning" } title=name.clone()>
                                        <code>{label}</code>
                                        <button
                                            type="button"
                                            class="chip-remove"
                                            aria-label=format!("Remove event type {name}")
                                            on:click=move |_| change(&|d| d.toggle_type(&remove))
                                        >
                                            "×"
                                        </button>
                                    </span>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }}
                </div>
                <div class="builder-pickers">
                    <select aria-label="Service" on:change=move |e| service.set(event_target_value(&e))>
                        <option value="">"All services"</option>
                        {services().into_iter().map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                    </select>
                    <input
                        type="search"
                        placeholder="Search event types…"
                        aria-label="Search event types"
                        prop:value=move || search.get()
                        on:input=move |e| search.set(event_target_value(&e))
                    />
                </div>
                <ul class="type-list" aria-label="Event types">
                    {move || {
                        let names = matching.get();
                        if names.is_empty() {
                            return view! { <li class="muted">"No event type matches. OCI adds types over time: a type missing here can still be typed into the JSON."</li> }
                                .into_any();
                        }
                        names
                            .into_iter()
                            .filter_map(find)
                            .map(|t| {
                                let name = t.name;
                                view! {
                                    <li>
                                        <label class="type-option">
                                            <input
                                                type="checkbox"
                                                prop:checked=move || selected().iter().any(|s| s == name)
                                                disabled=move || draft.get().is_none()
                                                on:change=move |_| change(&|d| d.toggle_type(name))
                                            />
                                            <span>
                                                {t.description}
                                                {(!t.confirmed).then(|| view! { <span class="muted">" (unconfirmed)"</span> })}
                                                <code class="type-name">{name.strip_prefix("com.oraclecloud.").unwrap_or(name)}</code>
                                            </span>
                                        </label>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }}
                </ul>
            </div>
            <div class="builder-section">
                <span class="builder-heading">"Filters"</span>
                <ul class="filter-list" aria-label="Filters">
                    {move || {
                        let filters = draft.get().map(|d| d.filters).unwrap_or_default();
                        if filters.is_empty() {
                            return view! { <li class="muted">"No filters: every event of the chosen types matches."</li> }.into_any();
                        }
                        filters
                            .into_iter()
                            .map(|f| {
                                let label = match f.kind() {
                                    FilterKind::FreeformTag => "Free-form tag",
                                    FilterKind::DefinedTag => "Defined tag",
                                    FilterKind::Attribute => "Attribute",
                                };
                                let (path, dotted) = (f.path.clone(), f.dotted());
                                let shown = if f.values.is_empty() {
                                    "is present".to_owned()
                                } else {
                                    format!("is {}", f.values.join(" or "))
                                };
                                view! {
                                    <li class="filter-item">
                                        <span class="filter-kind">{label}</span>
                                        <span class="filter-text">
                                            <code>{dotted.clone()}</code>
                                            " "
                                            {shown}
                                        </span>
                                        <button
                                            type="button"
                                            class="btn btn-small btn-danger-quiet"
                                            aria-label=format!("Remove filter {dotted}")
                                            on:click=move |_| {
                                                change(&|d| d.filters.retain(|x| x.path != path))
                                            }
                                        >
                                            "Remove"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }}
                </ul>
                <div
                    class="filter-add"
                    on:keydown=move |e| {
                        if e.key() == "Enter" {
                            e.prevent_default();
                            if can_add() {
                                add();
                            }
                        }
                    }
                >
                    <select aria-label="Filter on" on:change=move |e| kind.set(NewFilter::parse(&event_target_value(&e)))>
                        <option value="attribute">"Attribute"</option>
                        <option value="freeform">"Free-form tag"</option>
                        <option value="defined">"Defined tag"</option>
                    </select>
                    {move || {
                        (kind.get() == NewFilter::DefinedTag)
                            .then(|| {
                                view! {
                                    <input
                                        type="text"
                                        placeholder="Namespace"
                                        aria-label="Tag namespace"
                                        prop:value=move || namespace.get()
                                        on:input=move |e| namespace.set(event_target_value(&e))
                                    />
                                }
                            })
                    }}
                    <input
                        type="text"
                        list="condition-paths"
                        placeholder=move || if kind.get() == NewFilter::Attribute { "data.resourceName" } else { "Tag key" }
                        aria-label=move || if kind.get() == NewFilter::Attribute { "Field" } else { "Tag key" }
                        prop:value=move || key.get()
                        on:input=move |e| key.set(event_target_value(&e))
                    />
                    <input
                        type="text"
                        placeholder="Values, comma-separated (web-*, api-*)"
                        aria-label="Values"
                        prop:value=move || values.get()
                        on:input=move |e| values.set(event_target_value(&e))
                    />
                    <button type="button" class="btn btn-small" disabled=move || !can_add() on:click=move |_| add()>
                        "Add filter"
                    </button>
                    <datalist id="condition-paths">
                        {SUGGESTED_PATHS.iter().map(|p| view! { <option value=*p></option> }).collect_view()}
                    </datalist>
                </div>
            </div>
        </div>
    }
}
