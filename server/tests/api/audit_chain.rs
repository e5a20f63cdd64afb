//! The audit trail's hash chain with 10,000 rows: any single row edited, removed or moved is
//! detected and named, by the library and by `signalbox audit verify`. On a real SQLite file, and
//! on a PostgreSQL database of its own when the suite runs on PostgreSQL (`.ci/with-postgres`),
//! where the command reads it through `--database-url`.

use crate::helpers::test_postgres;
use server::audit::chain::{Break, Checkpoint};
use server::db::audit_events::{self, NewAuditEvent, Source};
use server::db::{Backend, Pool, audit_query};
use std::process::Command;
use tempfile::TempDir;

const ROWS: usize = 10_000;

/// A database holding a chain of `ROWS` rule updates (plus checkpoints).
struct Trail {
    /// The data directory (the SQLite file's, else empty).
    dir: TempDir,
    pool: Pool,
    /// The PostgreSQL database's URL, when the chain is there.
    postgres: Option<String>,
}

/// The chain on the suite's backend.
async fn chain() -> Trail {
    let trail = match test_postgres().await {
        Some(url) => {
            let pool = server::db::open_postgres(&url.clone().into()).await.expect("database");
            Trail { dir: tempfile::tempdir().expect("temp dir"), pool, postgres: Some(url) }
        }
        None => sqlite_trail().await,
    };
    fill(&trail.pool).await;
    trail
}

async fn sqlite_trail() -> Trail {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = server::db::open(&dir.path().join(server::data_dir::DATABASE_FILE)).await.expect("database");
    Trail { dir, pool, postgres: None }
}

async fn fill(pool: &Pool) {
    let mut tx = server::db::begin(pool).await.expect("transaction");
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
}

/// What an attacker with the database does: lift the append-only trigger (on PostgreSQL, every
/// trigger and foreign key check of the session, as a superuser can), then change rows.
async fn tamper(pool: &Pool, statements: &[&str]) {
    let mut conn = pool.acquire().await.expect("connection");
    let (lift, restore) = match Backend::of(pool) {
        Backend::Sqlite => ("DROP TRIGGER IF EXISTS audit_events_sealed", None),
        Backend::Postgres => ("SET session_replication_role = replica", Some("RESET session_replication_role")),
    };
    sqlx::query(lift).execute(&mut *conn).await.expect(lift);
    for statement in statements {
        sqlx::query(statement).execute(&mut *conn).await.expect(statement);
    }
    if let Some(restore) = restore {
        sqlx::query(restore).execute(&mut *conn).await.expect(restore);
    }
}

async fn broken(pool: &Pool, checkpoints: Vec<Checkpoint>) -> Option<Break> {
    audit_events::verify(pool, checkpoints).await.expect("verify").broken
}

/// `signalbox audit verify` on the trail's database.
fn verify_command(trail: &Trail, extra: &[&str]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
    command.args(["audit", "verify", "--data-dir"]).arg(trail.dir.path());
    if let Some(url) = &trail.postgres {
        command.args(["--database-url", url]);
    }
    run(command.args(extra))
}

fn run(command: &mut Command) -> (i32, String) {
    let output = command.env_remove("SIGNALBOX_DATABASE_URL").output().expect("signalbox runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn an_intact_chain_verifies_and_the_command_exits_zero() {
    let trail = chain().await;
    let pool = trail.pool.clone();
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

    let (code, text) = verify_command(&trail, &[&format!("--checkpoint={expected_rows}:{}", outcome.head)]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("intact: {expected_rows} rows")), "{text}");
}

#[tokio::test]
async fn the_application_cannot_change_a_sealed_row() {
    let trail = chain().await;
    let pool = trail.pool.clone();
    let refused = sqlx::query("UPDATE audit_events SET detail = 'edited' WHERE id = 10").execute(&pool).await;
    assert!(refused.is_err_and(|e| e.to_string().contains("append-only")));
    assert_eq!(broken(&pool, Vec::new()).await, None);
}

#[tokio::test]
async fn an_edited_row_is_named() {
    let trail = chain().await;
    let pool = trail.pool.clone();
    tamper(
        &pool,
        &["UPDATE audit_events SET after_json = '{\"name\":\"rule-4242\",\"isEnabled\":false}' WHERE id = 4242"],
    )
    .await;
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Changed { id: 4242 }));
    let (code, text) = verify_command(&trail, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("row 4242 was changed"), "{text}");
}

#[tokio::test]
async fn a_removed_row_is_named() {
    let trail = chain().await;
    let pool = trail.pool.clone();
    tamper(&pool, &["DELETE FROM audit_events WHERE id = 5000"]).await;
    assert_eq!(broken(&pool, Vec::new()).await, Some(Break::Missing { after: 4999, id: 5001 }));
    let (code, text) = verify_command(&trail, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("row 5000 is missing"), "{text}");
}

#[tokio::test]
async fn a_moved_row_is_named() {
    let trail = chain().await;
    let pool = trail.pool.clone();
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
    let (code, text) = verify_command(&trail, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("row 700 was changed or moved"), "{text}");
}

#[tokio::test]
async fn a_row_rehashed_to_hide_an_edit_breaks_the_next_link() {
    let trail = chain().await;
    let pool = trail.pool.clone();
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
    let trail = chain().await;
    let pool = trail.pool.clone();
    let intact = audit_events::verify(&pool, Vec::new()).await.expect("verify");
    let logged = Checkpoint { rows: intact.rows, head: intact.head.clone() };
    tamper(&pool, &["DELETE FROM audit_events WHERE id > 9990"]).await;
    assert!(matches!(broken(&pool, Vec::new()).await, Some(Break::Truncated { last_id: 9990, .. })));
    let (code, text) = verify_command(&trail, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("ends at row 9990"), "{text}");

    // Removing the head's record too still leaves the checkpoint the log kept.
    tamper(&pool, &["UPDATE audit_chain SET rows = 9990, last_id = 9990, last_hash = (SELECT hash FROM audit_events WHERE id = 9990)"])
        .await;
    assert_eq!(broken(&pool, Vec::new()).await, None, "without the log, the shortened chain looks whole");
    assert!(matches!(broken(&pool, vec![logged.clone()]).await, Some(Break::Checkpoint { found: None, .. })));
    let (code, text) = verify_command(&trail, &[&format!("--checkpoint={}:{}", logged.rows, logged.head)]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("beyond the end of the chain"), "{text}");
}

#[tokio::test]
async fn a_missing_data_directory_cannot_be_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, text) =
        run(Command::new(env!("CARGO_BIN_EXE_signalbox")).args(["audit", "verify", "--data-dir"]).arg(dir.path()));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no database at"), "{text}");
}

/// The command inspects a database servers may be using: it migrates nothing and writes nothing,
/// so a database it cannot read as a Signalbox one (here: an empty one) stays as it was.
#[tokio::test]
async fn the_command_migrates_and_writes_nothing() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
    let dir = tempfile::tempdir().expect("temp dir");
    command.args(["audit", "verify", "--data-dir"]).arg(dir.path());
    let postgres = test_postgres().await;
    let pool = match &postgres {
        Some(url) => {
            command.args(["--database-url", url]);
            server::db::Pool::connect(url).await.expect("the empty database")
        }
        None => {
            let file = dir.path().join(server::data_dir::DATABASE_FILE);
            let url = format!("sqlite://{}?mode=rwc", file.display());
            sqlx::any::install_default_drivers();
            let pool = server::db::Pool::connect(&url).await.expect("an empty SQLite file");
            sqlx::query("CREATE TABLE unrelated (id INTEGER)").execute(&pool).await.expect("a table");
            pool
        }
    };
    let tables = || async {
        let sql = match Backend::of(&pool) {
            Backend::Sqlite => "SELECT count(*) FROM sqlite_master",
            Backend::Postgres => "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        };
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.expect("tables")
    };
    let before = tables().await;
    let (code, text) = run(&mut command);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("cannot read the audit trail in"), "{text}");
    assert_eq!(tables().await, before, "nothing was created: {text}");
}

/// A database URL that is not one, or names a server that does not answer, is refused with the
/// forms it takes; the password in it is never printed.
#[tokio::test]
async fn bad_database_urls_are_refused_without_their_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Not a URL the command takes: a bad command line (1). A server that does not answer: the
    // chain cannot be checked (2).
    for (url, expected) in [
        ("mysql://root:hunter2@db/signalbox", 1),
        ("postgres://root:hunter2@db.internal", 1),
        ("postgres://root:hunter2@127.0.0.1:1/signalbox", 2),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
        command.args(["audit", "verify", "--data-dir"]).arg(dir.path());
        let (code, text) = run(command.args(["--database-url", url]));
        assert_eq!(code, expected, "{url}: {text}");
        assert!(!text.contains("hunter2"), "{url}: {text}");
        assert!(text.contains("postgres://"), "{url}: the message names the form or the database: {text}");
        // The same value from the environment.
        let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
        command.args(["audit", "verify", "--data-dir"]).arg(dir.path());
        let output = command.env("SIGNALBOX_DATABASE_URL", url).output().expect("signalbox runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(expected), "{url} in the environment: {text}");
        assert!(!text.contains("hunter2"), "{url} in the environment: {text}");
    }
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
    // FTS5's merges; PostgreSQL's GIN index needs none.
    let trail = sqlite_trail().await;
    fill(&trail.pool).await;
    let pool = trail.pool.clone();
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
    let trail = chain().await;
    let pool = trail.pool.clone();
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

    let mut prune = Command::new(env!("CARGO_BIN_EXE_signalbox"));
    prune.args(["audit", "prune", "--data-dir"]).arg(trail.dir.path()).args(["--before", &cutoff]);
    if let Some(url) = &trail.postgres {
        prune.args(["--database-url", url]);
    }
    let output = prune.env_remove("SIGNALBOX_DATABASE_URL").output().expect("signalbox runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains(&format!("removed {} rows", old.rows)), "{printed}");
    let checkpoint = printed.rsplit("checkpoint ").next().expect("a checkpoint").trim().to_owned();
    assert_eq!(checkpoint, format!("{}:{}", old.rows, old.last_hash), "the chain starts where it ended");

    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&pool).await.expect("count");
    assert_eq!(kept, 101, "the 100 newer rows and the pruning's own row");
    if Backend::of(&pool) == Backend::Sqlite {
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
    }
    let selection = audit_query::Selection { search: audit_query::search_query("kept-1"), ..Default::default() };
    assert_eq!(audit_query::list(&pool, &selection, 50).await.expect("search").len(), 11, "kept-1, kept-10 to kept-19");
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'audit.prune'")
        .fetch_one(&pool)
        .await
        .expect("the pruning is audited");
    assert!(detail.contains(&checkpoint), "{detail}");
    let outcome = audit_events::verify(&pool, Vec::new()).await.expect("verify");
    assert_eq!((outcome.rows, outcome.broken), (old.rows + 101, None), "positions count the removed rows");
    let (code, text) = verify_command(&trail, &["--checkpoint", &checkpoint]);
    assert_eq!(code, 0, "{text}");
    let wrong = format!("{}:{}", old.rows, "0".repeat(64));
    let (code, text) = verify_command(&trail, &["--checkpoint", &wrong]);
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
