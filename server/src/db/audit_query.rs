//! Reading the audit trail: which rows a filter selects, full-text search terms, pages of rows
//! newest first and activity per day. Writing, sealing and verifying rows is
//! [`super::audit_events`]'s.

use super::audit_events::{AuditRow, AuditSummary, COLUMNS, SUMMARY_COLUMNS};
use super::builder::Builder;
use super::{Backend, DbError, audit_words};
use crate::db::Pool;

/// What to select from the trail. Time bounds are turned into id bounds first (ids grow with
/// time), so every query walks an id-ordered index from the newest row down and stops at the
/// page size.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only rows of these teams; `None` for every row (site administrators).
    pub teams: Option<Vec<i64>>,
    /// Only rows with id at least this.
    pub from_id: Option<i64>,
    /// Only rows with id below this (the cursor, or the end of a time range).
    pub below_id: Option<i64>,
    /// Exactly this actor.
    pub actor: Option<String>,
    /// This action, or every action starting with it when it ends with `.`.
    pub action: Option<String>,
    /// This kind of target.
    pub target_kind: Option<String>,
    /// This target id or OCID.
    pub target: Option<String>,
    /// `ok` or `failed`.
    pub result: Option<String>,
    /// Through this connection.
    pub connection: Option<i64>,
    /// Full-text search over names, OCIDs, details and snapshots.
    pub search: Option<Search>,
}

impl Selection {
    /// The id to order and bound by: the full-text index's own rowid when searching on SQLite,
    /// so SQLite walks the matches newest first and stops at the page size instead of sorting
    /// them all. PostgreSQL's GIN index yields matches unordered either way; its planner picks.
    fn id_column(&self, backend: Backend) -> &'static str {
        match (&self.search, backend) {
            (Some(search), Backend::Sqlite) if !search.words.is_empty() => "audit_words.rowid",
            (Some(_), Backend::Sqlite) => "audit_search.rowid",
            _ => "e.id",
        }
    }

    /// `FROM … WHERE …` with every filter bound.
    fn push_from_where<'a>(&'a self, backend: Backend, query: &mut super::builder::Builder<'a>) {
        match (&self.search, backend) {
            // The compound words are usually the rarer terms, so they drive; plain words are
            // then checked row by row through the main index's rowid lookup.
            (Some(Search { words, text }), Backend::Sqlite) if !words.is_empty() => {
                query
                    .push(" FROM audit_words JOIN audit_events e ON e.id = audit_words.rowid WHERE audit_words MATCH ");
                query.push_bind(fts5(words));
                if !text.is_empty() {
                    query.push(" AND EXISTS (SELECT 1 FROM audit_search WHERE audit_search MATCH ");
                    query.push_bind(fts5(text)).push(" AND audit_search.rowid = e.id)");
                }
            }
            (Some(Search { text, .. }), Backend::Sqlite) => {
                query.push(
                    " FROM audit_search JOIN audit_events e ON e.id = audit_search.rowid WHERE audit_search MATCH ",
                );
                query.push_bind(fts5(text));
            }
            (Some(Search { words, text }), Backend::Postgres) => {
                query.push(" FROM audit_events e WHERE 1 = 1");
                if !words.is_empty() {
                    query.push(" AND EXISTS (SELECT 1 FROM audit_words w WHERE w.id = e.id AND w.words @@ ");
                    query.push_bind(tsquery(words, Split::Whole)).push("::tsquery)");
                }
                if !text.is_empty() {
                    query.push(" AND EXISTS (SELECT 1 FROM audit_search s WHERE s.id = e.id AND s.document @@ ");
                    query.push_bind(tsquery(text, Split::Words)).push("::tsquery)");
                }
            }
            (None, _) => {
                query.push(" FROM audit_events e WHERE 1 = 1");
            }
        }
        if let Some(teams) = &self.teams {
            // An empty list matches nothing, which is right for a caller in no team.
            query.push(" AND e.team_id IN ").push_list(teams.iter().copied());
        }
        if let Some(from) = self.from_id {
            query.push(format!(" AND {} >= ", self.id_column(backend))).push_bind(from);
        }
        if let Some(below) = self.below_id {
            query.push(format!(" AND {} < ", self.id_column(backend))).push_bind(below);
        }
        if let Some(actor) = &self.actor {
            query.push(" AND e.actor_name = ").push_bind(actor);
        }
        match self.action.as_deref() {
            // `+` keeps SQLite from walking the action index for a prefix: that range is
            // unordered by id and wide (every rule.* row), where walking ids newest first and
            // checking the prefix stops after one page.
            Some(prefix) if prefix.ends_with('.') => {
                let column = if backend == Backend::Sqlite { "+e.action" } else { "e.action" };
                query
                    .push(format!(" AND {column} >= "))
                    .push_bind(prefix)
                    .push(format!(" AND {column} < "))
                    .push_bind(next_prefix(prefix));
            }
            Some(_) => {
                query.push(" AND e.action = ").push_bind(&self.action);
            }
            None => {}
        }
        if let Some(kind) = &self.target_kind {
            query.push(" AND e.target_kind = ").push_bind(kind);
        }
        if let Some(target) = &self.target {
            query.push(" AND e.target_id = ").push_bind(target);
        }
        if let Some(result) = &self.result {
            query.push(" AND e.result = ").push_bind(result);
        }
        if let Some(connection) = self.connection {
            query.push(" AND e.connection_id = ").push_bind(connection);
        }
    }
}

/// The smallest string greater than every string starting with `prefix` (its last byte plus one),
/// so a prefix match is an index range.
fn next_prefix(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last = last.saturating_add(1);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A search, split between the two full-text indexes: every term must appear, as a prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Terms for the main index (`audit_search`): plain words, or phrases of their parts.
    pub text: Vec<String>,
    /// Terms for the compound-word index (`audit_words`): `shard-777`, `rule.update`.
    pub words: Vec<String>,
}

/// The FTS5 query for `terms`: each a quoted phrase matched as a prefix, all required.
fn fts5(terms: &[String]) -> String {
    terms.iter().map(|t| format!("\"{}\"*", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

/// How [`tsquery`] reads a term.
#[derive(Clone, Copy)]
enum Split {
    /// As one lexeme (`audit_words` holds compounds whole).
    Whole,
    /// As its words, which must follow each other (`audit_search` holds a row's words as
    /// FTS5's tokenizer splits them: runs of letters and digits).
    Words,
}

/// The PostgreSQL `tsquery` for `terms`, written in its input syntax (cast, not parsed by a
/// text search parser, which would split compounds): each term a phrase whose last word is a
/// prefix, all required, lexemes lower-cased as the `simple` configuration stores them.
fn tsquery(terms: &[String], split: Split) -> String {
    let lexeme = |word: &str| format!("'{}'", word.to_lowercase().replace('\\', "\\\\").replace('\'', "''"));
    terms
        .iter()
        .filter_map(|term| {
            let words: Vec<&str> = match split {
                Split::Whole => vec![term.as_str()],
                Split::Words => term.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect(),
            };
            let (last, rest) = words.split_last()?;
            let mut phrase: Vec<String> = rest.iter().map(|w| lexeme(w)).collect();
            phrase.push(format!("{}:*", lexeme(last)));
            Some(format!("({})", phrase.join(" <-> ")))
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The search for what a user typed: every term must appear, each matching as a prefix. A
/// compound term (`shard-777`) is one word of `audit_words`; any other term is a quoted phrase of
/// the main index (so OCIDs and punctuation are taken literally). `None` when nothing
/// searchable is left.
pub fn search_query(text: &str) -> Option<Search> {
    let mut search = Search::default();
    for term in text.split_whitespace().map(ocid_tail).filter(|t| t.chars().any(char::is_alphanumeric)) {
        match audit_words::compound(term) {
            Some(compound) => search.words.push(compound.to_owned()),
            None => search.text.push(term.to_owned()),
        }
    }
    (search != Search::default()).then_some(search)
}

/// For an OCID, its unique part (after the last dot). The leading parts (`ocid1`, the type,
/// `oc1`, the region) are in nearly every row, so matching them as a phrase reads most of the
/// index; the unique part alone finds the same rows.
fn ocid_tail(term: &str) -> &str {
    match term.rsplit_once('.') {
        Some((_, tail)) if term.starts_with("ocid1.") && tail.len() >= 8 => tail,
        _ => term,
    }
}

/// Up to `limit` whole rows, newest first.
pub async fn list(pool: &Pool, selection: &Selection, limit: i64) -> Result<Vec<AuditRow>, DbError> {
    let columns = COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
    list_columns(pool, selection, &columns, limit).await
}

/// Up to `limit` rows without their snapshots, newest first: what a timeline shows.
pub async fn list_summaries(pool: &Pool, selection: &Selection, limit: i64) -> Result<Vec<AuditSummary>, DbError> {
    let columns = SUMMARY_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
    let has_diff = "CASE WHEN e.before_json IS NOT NULL OR e.after_json IS NOT NULL THEN 1 ELSE 0 END AS has_diff";
    list_columns(pool, selection, &format!("{columns}, {has_diff}"), limit).await
}

async fn list_columns<T>(pool: &Pool, selection: &Selection, columns: &str, limit: i64) -> Result<Vec<T>, DbError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let backend = Backend::of(pool);
    let mut query = Builder::new(format!("SELECT {columns}"));
    selection.push_from_where(backend, &mut query);
    query.push(format!(" ORDER BY {} DESC LIMIT ", selection.id_column(backend))).push_bind(limit);
    Ok(query.build_query_as()?.fetch_all(pool).await?)
}

/// Rows per day (UTC) that succeeded and failed, written in `[from, to)` (RFC 3339). The time
/// bounds are applied to `at` itself, so without other filters the counts come from the
/// `(at, result, team_id)` index alone.
pub async fn activity(
    pool: &Pool,
    selection: &Selection,
    from: &str,
    to: Option<&str>,
) -> Result<Vec<(String, i64, i64)>, DbError> {
    let by_time = Selection { from_id: None, below_id: None, ..selection.clone() };
    let mut query = Builder::new(
        "SELECT substr(e.at, 1, 10) AS day, sum(CASE WHEN e.result = 'ok' THEN 1 ELSE 0 END), \
         sum(CASE WHEN e.result = 'failed' THEN 1 ELSE 0 END)",
    );
    by_time.push_from_where(Backend::of(pool), &mut query);
    query.push(" AND e.at >= ").push_bind(from);
    if let Some(to) = to {
        query.push(" AND e.at < ").push_bind(to);
    }
    query.push(" GROUP BY day ORDER BY day");
    Ok(query.build_query_as()?.fetch_all(pool).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_are_quoted_prefixes() {
        let search = |text: &str| search_query(text).map(|s| (fts5(&s.text), fts5(&s.words)));
        let quoted = |q: &str| q.to_owned();
        assert_eq!(search("orders  alerts"), Some((quoted("\"orders\"* \"alerts\"*"), String::new())));
        assert_eq!(
            search("orders shard-777 ocid1.topic.oc1..aa"),
            Some((quoted("\"orders\"*"), quoted("\"shard-777\"* \"ocid1.topic.oc1..aa\"*"))),
            "compound terms are words of the compound index"
        );
        assert_eq!(search("say \"hi\""), Some((quoted("\"say\"* \"\"\"hi\"\"\"*"), String::new())));
        assert_eq!(search(" .. - "), None);
        assert_eq!(
            search("ocid1.onstopic.oc1.iad.aaaaaaaaq2x7mbzc"),
            Some((quoted("\"aaaaaaaaq2x7mbzc\"*"), String::new())),
            "an OCID is found by its unique part"
        );
    }

    #[test]
    fn postgres_terms_are_tsquery_prefixes_taken_literally() {
        let terms = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(tsquery(&terms(&["Orders", "a-b/c"]), Split::Words), "('orders':*) & ('a' <-> 'b' <-> 'c':*)");
        assert_eq!(tsquery(&terms(&["Shard-777", "o'neil"]), Split::Whole), "('shard-777':*) & ('o''neil':*)");
        assert_eq!(tsquery(&terms(&["back\\slash"]), Split::Whole), "('back\\\\slash':*)");
    }
}
