//! A fingerprint of everything a request could change: every row of every table of the database
//! (but the session store and usage timestamps, which reading changes) and the first team's
//! sandbox tenancy, serialised whole.

use crate::helpers::TestApp;
use sqlx::Row;

/// Columns that a read legitimately updates.
const VOLATILE: [&str; 2] = ["last_used_at", "last_seen_at"];

/// The fingerprint: one line per table (its name and its rows) plus the sandbox world.
pub async fn fingerprint(app: &TestApp) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '%session%' ORDER BY name",
    )
    .fetch_all(&app.pool)
    .await
    .expect("tables");
    let mut out = String::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
            .fetch_all(&app.pool)
            .await
            .expect("columns")
            .iter()
            .map(|row| row.get::<String, _>("name"))
            .filter(|name| !VOLATILE.contains(&name.as_str()))
            .collect();
        if columns.is_empty() {
            continue;
        }
        let row_text = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || ',' || ");
        let rows: Option<String> =
            sqlx::query_scalar(&format!("SELECT group_concat({row_text}, char(10)) FROM \"{table}\""))
                .fetch_one(&app.pool)
                .await
                .unwrap_or_else(|err| panic!("rows of {table}: {err}"));
        out.push_str(&format!("{table}: {}\n", rows.unwrap_or_default()));
    }
    let world = serde_json::to_string(&*app.builtin.sandbox.world()).expect("the world serialises");
    out.push_str(&world);
    out
}

/// Where two fingerprints first differ, for a readable failure.
pub fn first_difference(before: &str, after: &str) -> String {
    before
        .lines()
        .zip(after.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| {
            // Around the first differing character: a line can be a whole table or the world.
            let at = a.char_indices().zip(b.chars()).find(|((_, x), y)| x != y).map_or(0, |((i, _), _)| i);
            let from = a.floor_char_boundary(at.saturating_sub(150));
            let cut = |s: &str| s.get(from..).unwrap_or_default().chars().take(300).collect::<String>();
            format!("before: …{}\nafter:  …{}", cut(a), cut(b))
        })
        .unwrap_or_else(|| "the fingerprints differ in length".into())
}
