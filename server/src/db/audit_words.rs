//! `audit_words`: the compound words of each audit row, so searching for `shard-777` or
//! `orders-alerts-14708` is one prefix lookup instead of a phrase of its parts (see the
//! migration that creates the table for why that matters at a million rows).
//!
//! A compound is a run of letters and digits joined by `-`, `_`, `.` or `@`. Each row's document
//! holds its compounds and their suffixes that start after a joiner, so a search matches a
//! compound from its start or from any of its parts, as the phrase would. The table is
//! contentless: the words are derived from the row, which stays the one source of truth.

use super::{Conn, Pool};
use crate::audit::chain::Content;
use crate::db::DbError;
use std::collections::BTreeSet;

/// Characters that join the parts of a compound (the table's `tokenchars`).
const JOINERS: [char; 4] = ['-', '_', '.', '@'];
/// Parts of a compound beyond which no more suffixes are indexed (a long dotted string would
/// otherwise index a quadratic amount of text).
const MAX_SUFFIXES: usize = 12;
/// Rows given words per transaction while working through the backlog.
const BACKLOG_BATCH: i64 = 2000;

fn is_joiner(c: char) -> bool {
    JOINERS.contains(&c)
}

/// The compounds of `texts` and their suffixes, each once, separated by spaces.
pub fn words<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut found = BTreeSet::new();
    for text in texts {
        for run in text.split(|c: char| !(c.is_alphanumeric() || is_joiner(c))) {
            let run = run.trim_matches(is_joiner);
            if !run.contains(is_joiner) {
                continue;
            }
            found.insert(run);
            let starts = run.match_indices(is_joiner).map(|(i, _)| i + 1).take(MAX_SUFFIXES);
            for start in starts {
                let suffix = run[start..].trim_start_matches(is_joiner);
                if suffix.contains(is_joiner) {
                    found.insert(suffix);
                }
            }
        }
    }
    found.into_iter().collect::<Vec<_>>().join(" ")
}

/// The search term for this index, when `term` is a compound (letters and digits joined by
/// joiners, nothing else); `None` for a plain word or other punctuation, which the main index
/// answers.
pub fn compound(term: &str) -> Option<&str> {
    let term = term.trim_matches(is_joiner);
    let only_word_chars = term.chars().all(|c| c.is_alphanumeric() || is_joiner(c));
    (only_word_chars && term.contains(is_joiner)).then_some(term)
}

/// The searchable text of a row (the columns the main full-text index covers).
fn searchable<'a>(row: &'a Content<'a>) -> [&'a str; 10] {
    [
        row.actor_name,
        row.action,
        row.target_kind.unwrap_or_default(),
        row.target_id.unwrap_or_default(),
        row.target_name.unwrap_or_default(),
        row.compartment_id.unwrap_or_default(),
        row.detail.unwrap_or_default(),
        row.before_json.unwrap_or_default(),
        row.after_json.unwrap_or_default(),
        row.opc_request_id.unwrap_or_default(),
    ]
}

/// Indexes the words of `row`, in the transaction that writes it.
pub async fn insert(conn: &mut Conn, row: &Content<'_>) -> Result<(), DbError> {
    let words = words(searchable(row));
    if words.is_empty() {
        return Ok(());
    }
    let sql = match super::Backend::of_conn(conn) {
        super::Backend::Sqlite => "INSERT INTO audit_words (rowid, words) VALUES ($1, $2)",
        // One lexeme per compound, lower-cased as FTS5 folds them; no parser splits them again.
        super::Backend::Postgres => {
            "INSERT INTO audit_words (id, words) VALUES ($1, array_to_tsvector(string_to_array(lower($2), ' ')))"
        }
    };
    sqlx::query(sql).bind(row.id).bind(words).execute(conn).await?;
    Ok(())
}

/// Forgets the words of rows up to `through_id` (retention pruning).
pub async fn delete_through(conn: &mut Conn, through_id: i64) -> Result<(), DbError> {
    let sql = match super::Backend::of_conn(conn) {
        super::Backend::Sqlite => "DELETE FROM audit_words WHERE rowid <= $1",
        super::Backend::Postgres => "DELETE FROM audit_words WHERE id <= $1",
    };
    sqlx::query(sql).bind(through_id).execute(conn).await?;
    Ok(())
}

/// Gives words to rows written before this index existed, newest first, a batch per
/// transaction; returns how many rows it indexed.
pub async fn index_backlog(pool: &Pool) -> Result<u64, DbError> {
    let mut indexed = 0;
    loop {
        let mut tx = crate::db::begin(pool).await?;
        let backlog: i64 =
            sqlx::query_scalar("SELECT words_backlog FROM audit_chain WHERE id = 1").fetch_one(&mut *tx).await?;
        if backlog <= 0 {
            return Ok(indexed);
        }
        let rows: Vec<super::audit_events::AuditRow> = sqlx::query_as(&format!(
            "SELECT {} FROM audit_events WHERE id <= $1 ORDER BY id DESC LIMIT $2",
            super::audit_events::COLUMNS
        ))
        .bind(backlog)
        .bind(BACKLOG_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            insert(&mut tx, &row.content()).await?;
        }
        let next = rows.last().map_or(0, |row| row.id - 1);
        sqlx::query("UPDATE audit_chain SET words_backlog = $1 WHERE id = 1").bind(next).execute(&mut *tx).await?;
        tx.commit().await?;
        indexed += rows.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compounds_and_their_suffixes_are_words() {
        let words = words([r#"{"name":"orders-alerts-14708","tags":{"shard":"shard-777"}}"#, "plain text here."]);
        assert_eq!(words, "alerts-14708 orders-alerts-14708 shard-777");
        assert_eq!(
            super::words(["ocid1.compartment.oc1..sandboxdev", "oncall@example.com"]),
            "compartment.oc1..sandboxdev example.com oc1..sandboxdev ocid1.compartment.oc1..sandboxdev oncall@example.com"
        );
        assert_eq!(super::words(["no compounds at all", "-lonely- ."]), "");
    }

    #[test]
    fn a_term_is_a_compound_only_when_made_of_word_characters_and_joiners() {
        assert_eq!(compound("shard-777"), Some("shard-777"));
        assert_eq!(compound("-shard-777."), Some("shard-777"));
        assert_eq!(compound("rule.update"), Some("rule.update"));
        assert_eq!(compound("alerts"), None);
        assert_eq!(compound("a-b/c"), None, "other punctuation goes to the main index as a phrase");
    }
}
