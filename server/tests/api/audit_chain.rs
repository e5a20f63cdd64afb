//! The audit trail's hash chain on a real SQLite file of 10,000 rows: any single row edited,
//! removed or moved is detected and named, by the library and by `signalbox audit verify`.

use server::audit::chain::{Break, Checkpoint};
use server::db::Pool;
use server::db::audit_events::{self, NewAuditEvent, Source};
use server::db::audit_query;
use std::process::Command;
use tempfile::TempDir;

const ROWS: usize = 10_000;

/// A data directory whose database holds a chain of `ROWS` rule updates (plus checkpoints).
async fn chain() -> (TempDir, Pool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = server::db::open(&dir.path().join(server::data_dir::DATABASE_FILE)).await.expect("database");
    let mut tx = pool.begin().await.expect("transaction");
    for i in 0..ROWS {
        let name = format!("rule-{i}");
        let after = format!("{{\"name\":\"{name}\",\"isEnabled\":{}}}", i % 2 == 0);
        NewAuditEvent {
            actor_name: "tester",
            team_id: Some(1),
            source: Source::Api,
            action: "rule.update",
            target_kind: Some("rule"),
            target_name: Some(&name),
            after_json: Some(&after),
            ok: true,
            ..NewAuditEvent::default()
        }
        .append(&mut tx)
        .await
        .expect("append");
    }
    tx.commit().await.expect("commit");
    (dir, pool)
}

/// What an attacker with the database file does: lift the append-only trigger, then change rows.
async fn tamper(pool: &Pool, statements: &[&str]) {
    let mut conn = pool.acquire().await.expect("connection");
    sqlx::query("DROP TRIGGER IF EXISTS audit_events_sealed").execute(&mut *conn).await.expect("drop trigger");
    for statement in statements {
        sqlx::query(statement).execute(&mut *conn).await.expect(statement);
    }
}

async fn broken(pool: &Pool, checkpoints: Vec<Checkpoint>) -> Option<Break> {
    audit_events::verify(pool, checkpoints).await.expect("verify").broken
}

fn verify_command(dir: &TempDir, extra: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_signalbox"))
        .args(["audit", "verify", "--data-dir"])
        .arg(dir.path())
        .args(extra)
        .output()
        .expect("signalbox runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn an_intact_chain_verifies_and_the_command_exits_zero() {
    let (dir, pool) = chain().await;
    let outcome = audit_events::verify(&pool, Vec::new()).await.expect("verify");
    assert_eq!(outcome.broken, None);
    let expected_rows = (ROWS + ROWS / 1000) as i64;
    assert_eq!(outcome.rows, expected_rows, "every row plus one checkpoint per 1000");
    let head = audit_events::head(&pool).await.expect("head");
    assert_eq!((head.rows, head.last_hash.clone()), (expected_rows, outcome.head.clone()));
    let checkpoints: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'audit.checkpoint' ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("checkpoints");
    assert_eq!(checkpoints.len(), ROWS / 1000);
    assert!(checkpoints[0].starts_with("1000 rows; head "), "{}", checkpoints[0]);

    let (code, text) = verify_command(&dir, &[&format!("--checkpoint={expected_rows}:{}", outcome.head)]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("intact: {expected_rows} rows")), "{text}");
}

#[tokio::test]
async fn the_application_cannot_change_a_sealed_row() {
    let (_dir, pool) = chain().await;
    let refused = sqlx::query("UPDATE audit_events SET detail = 'edited' WHERE id = 10").execute(&pool).await;
    assert!(refused.is_err_and(|e| e.to_string().contains("append-only")));
    assert_eq!(broken(&pool, Vec::new()).await, None);
}

#[tokio::test]
async fn an_edited_row_is_named() {
    let (dir, pool) = chain().await;
    tamper(
        &pool,
        &["UPDATE audit_events SET after_json = '{\"name\":\"rule-4242\",\"isEnabled\":false}' WHERE id = 4242"],
    )
    .await;
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Changed { id: 4242 }));
    let (code, text) = verify_command(&dir, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("row 4242 was changed"), "{text}");
}

#[tokio::test]
async fn a_removed_row_is_named() {
    let (dir, pool) = chain().await;
    tamper(&pool, &["DELETE FROM audit_events WHERE id = 5000"]).await;
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Missing { after: 4999, id: 5001 }));
    let (code, text) = verify_command(&dir, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("row 5000 is missing"), "{text}");
}

#[tokio::test]
async fn a_moved_row_is_named() {
    let (dir, pool) = chain().await;
    // Rows 700 and 701 swap places.
    tamper(
        &pool,
        &[
            "UPDATE audit_events SET id = -1 WHERE id = 700",
            "UPDATE audit_events SET id = 700 WHERE id = 701",
            "UPDATE audit_events SET id = 701 WHERE id = -1",
        ],
    )
    .await;
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Changed { id: 700 }));
    let (code, text) = verify_command(&dir, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("row 700 was changed or moved"), "{text}");
}

#[tokio::test]
async fn a_row_rehashed_to_hide_an_edit_breaks_the_next_link() {
    let (_dir, pool) = chain().await;
    // The attacker recomputes the edited row's own hash; the row after it still points at the
    // old one.
    let mut row: audit_events::AuditRow =
        sqlx::query_as(&format!("SELECT {} FROM audit_events WHERE id = 1234", audit_events::COLUMNS))
            .fetch_one(&pool)
            .await
            .expect("row");
    row.actor_name = "someone-else".to_owned();
    let hash = row.content().hash(row.prev_hash.as_deref().unwrap_or_default());
    tamper(&pool, &[&format!("UPDATE audit_events SET actor_name = 'someone-else', hash = '{hash}' WHERE id = 1234")])
        .await;
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Unlinked { id: 1235, previous: 1234 }));
}

#[tokio::test]
async fn a_removed_tail_is_detected_by_the_head_and_by_a_logged_checkpoint() {
    let (dir, pool) = chain().await;
    let intact = audit_events::verify(&pool, Vec::new()).await.expect("verify");
    let logged = Checkpoint { rows: intact.rows, head: intact.head.clone() };
    tamper(&pool, &["DELETE FROM audit_events WHERE id > 9990"]).await;
    assert!(matches!(broken(&pool, Vec::new()).await, Some(Break::Truncated { last_id: 9990, .. })));
    let (code, text) = verify_command(&dir, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("ends at row 9990"), "{text}");

    // Removing the head's record too still leaves the checkpoint the log kept.
    tamper(&pool, &["UPDATE audit_chain SET rows = 9990, last_id = 9990, last_hash = (SELECT hash FROM audit_events WHERE id = 9990)"])
        .await;
    assert_eq!(broken(&pool, Vec::new()).await, None, "without the log, the shortened chain looks whole");
    assert!(matches!(broken(&pool, vec![logged.clone()]).await, Some(Break::Checkpoint { found: None, .. })));
    let (code, text) = verify_command(&dir, &[&format!("--checkpoint={}:{}", logged.rows, logged.head)]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("beyond the end of the chain"), "{text}");
}

#[tokio::test]
async fn a_missing_data_directory_cannot_be_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, text) = verify_command(&dir, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no database at"), "{text}");
}

#[tokio::test]
async fn rows_written_before_the_chain_existed_are_sealed_when_the_server_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = server::db::open(&dir.path().join(server::data_dir::DATABASE_FILE)).await.expect("database");
    for action in ["user.bootstrap", "auth.login"] {
        sqlx::query(
            "INSERT INTO audit_events (actor_name, source, action, result) VALUES ('admin', 'system', $1, 'ok')",
        )
        .bind(action)
        .execute(&pool)
        .await
        .expect("an unsealed row, as an older version wrote it");
    }
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Unsealed { id: 1 }));
    server::audit::open_chain(&pool).await.expect("sealed");
    assert_eq!(broken(&pool, Vec::new()).await, None);
    let mut conn = pool.acquire().await.expect("connection");
    NewAuditEvent { actor_name: "admin", action: "auth.logout", ok: true, ..NewAuditEvent::default() }
        .append(&mut conn)
        .await
        .expect("append");
    let outcome = audit_events::verify(&pool, Vec::new()).await.expect("verify");
    assert_eq!((outcome.rows, outcome.broken), (3, None));
}

/// The search indexes are merged once enough rows arrived, and searches answer the same after.
#[tokio::test]
async fn search_indexes_are_merged_once_the_trail_has_grown() {
    let (_dir, pool) = chain().await;
    let search = |query: &'static str| {
        let pool = pool.clone();
        async move {
            let selection = audit_query::Selection { search: audit_query::search_query(query), ..Default::default() };
            audit_query::list(&pool, &selection, 500).await.expect("search").iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    let (words, compounds) = (search("rule update").await, search("rule-77").await);
    assert_eq!(compounds.len(), 111, "rule-77, rule-770 to rule-779 and rule-7700 to rule-7799");
    let steps = server::db::audit_search::merge_if_grown(&pool, false).await.expect("merge");
    assert!(steps >= 2, "10,000 new rows are worth a merge of both indexes ({steps} steps)");
    assert_eq!((search("rule update").await, search("rule-77").await), (words, compounds));
    assert_eq!(server::db::audit_search::merge_if_grown(&pool, false).await.expect("merge"), 0, "nothing new since");
}

/// Rows an older version wrote have no compound words; the server gives them words when it
/// starts (the migration marks them as the backlog), so searching for a hyphenated name finds them.
#[tokio::test]
async fn rows_written_before_the_word_index_are_indexed_when_the_server_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = server::db::open(&dir.path().join(server::data_dir::DATABASE_FILE)).await.expect("database");
    for name in ["orders-alerts-1", "orders-alerts-2", "payments"] {
        sqlx::query(
            "INSERT INTO audit_events (actor_name, source, action, target_name, result) VALUES ('admin', 'api', 'topic.create', $1, 'ok')",
        )
        .bind(name)
        .execute(&pool)
        .await
        .expect("a row as an older version wrote it");
    }
    sqlx::query("UPDATE audit_chain SET words_backlog = (SELECT max(id) FROM audit_events)")
        .execute(&pool)
        .await
        .expect("the backlog, as the migration records it");
    let found = |query: &'static str| {
        let pool = pool.clone();
        async move {
            let selection = audit_query::Selection { search: audit_query::search_query(query), ..Default::default() };
            audit_query::list(&pool, &selection, 50).await.expect("search").len()
        }
    };
    assert_eq!(found("alerts-1").await, 0, "not indexed yet");
    server::audit::open_chain(&pool).await.expect("opened");
    assert_eq!(found("alerts-1").await, 1);
    assert_eq!(found("orders-alerts").await, 2);
    let backlog: i64 =
        sqlx::query_scalar("SELECT words_backlog FROM audit_chain").fetch_one(&pool).await.expect("backlog");
    assert_eq!(backlog, 0, "done, so the next start has nothing to do");
}

/// Retention pruning through `signalbox audit prune`: the old rows go, the pruning is a row of the
/// chain, what is left verifies (also against the checkpoint the command printed), a wrong
/// checkpoint at the cut is caught, and a change to a kept row is still named.
#[tokio::test]
async fn pruning_removes_old_rows_and_the_rest_still_verifies() {
    let (dir, pool) = chain().await;
    let old = audit_events::head(&pool).await.expect("head");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let cutoff = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut conn = pool.acquire().await.expect("connection");
    for i in 0..100 {
        let name = format!("kept-{i}");
        NewAuditEvent {
            actor_name: "tester",
            action: "rule.update",
            target_name: Some(&name),
            ok: true,
            ..NewAuditEvent::default()
        }
        .append(&mut conn)
        .await
        .expect("append");
    }
    drop(conn);

    let output = Command::new(env!("CARGO_BIN_EXE_signalbox"))
        .args(["audit", "prune", "--data-dir"])
        .arg(dir.path())
        .args(["--before", &cutoff])
        .output()
        .expect("signalbox runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains(&format!("removed {} rows", old.rows)), "{printed}");
    let checkpoint = printed.rsplit("checkpoint ").next().expect("a checkpoint").trim().to_owned();
    assert_eq!(checkpoint, format!("{}:{}", old.rows, old.last_hash), "the chain starts where it ended");

    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&pool).await.expect("count");
    assert_eq!(kept, 101, "the 100 newer rows and the pruning's own row");
    let words = |query: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_words WHERE audit_words MATCH $1")
                .bind(query)
                .fetch_one(&pool)
                .await
                .expect("word search")
        }
    };
    assert_eq!(words("\"rule-1\"*").await, 0, "the removed rows' words are gone");
    assert_eq!(words("\"kept-1\"*").await, 11, "kept-1 and kept-10 to kept-19");
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'audit.prune'")
        .fetch_one(&pool)
        .await
        .expect("the pruning is audited");
    assert!(detail.contains(&checkpoint), "{detail}");
    let outcome = audit_events::verify(&pool, Vec::new()).await.expect("verify");
    assert_eq!((outcome.rows, outcome.broken), (old.rows + 101, None), "positions count the removed rows");
    let (code, text) = verify_command(&dir, &["--checkpoint", &checkpoint]);
    assert_eq!(code, 0, "{text}");
    let wrong = format!("{}:{}", old.rows, "0".repeat(64));
    let (code, text) = verify_command(&dir, &["--checkpoint", &wrong]);
    assert_eq!(code, 1, "{text}");

    tamper(&pool, &["UPDATE audit_events SET target_name = 'edited' WHERE id = (SELECT min(id) FROM audit_events)"])
        .await;
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Changed { id: old.last_id + 1 }));
}

/// A date in the future would empty the trail: refused, nothing removed.
#[tokio::test]
async fn pruning_refuses_a_future_date() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_signalbox"))
        .args(["audit", "prune", "--data-dir"])
        .arg(dir.path())
        .args(["--before", "2999-01-01"])
        .output()
        .expect("signalbox runs");
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && text.contains("in the future"), "{text}");
}
