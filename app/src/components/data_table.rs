use leptos::prelude::*;

/// A list as a table: a header row of column names (the last one right-aligned when it holds
/// the row actions) and the rows the page renders.
#[component]
pub fn DataTable(
    /// The table's accessible name, such as "Topics".
    #[prop(into)]
    label: String,
    /// Column names, in order.
    columns: &'static [&'static str],
    /// Whether the last column holds the row actions.
    #[prop(optional)]
    actions: bool,
    /// The `<tr>` rows.
    children: Children,
) -> impl IntoView {
    let last = columns.len().saturating_sub(1);
    let headers = columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let class = (actions && i == last).then_some("actions-col");
            view! {
                <th scope="col" class=class>
                    {*name}
                </th>
            }
        })
        .collect_view();
    view! {
        <table class="table" aria-label=label>
            <thead>
                <tr>{headers}</tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}
