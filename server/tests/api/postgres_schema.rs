//! The PostgreSQL schema kept in step with SQLite's: every migration has its twin, and the two
//! schemas, each built by its migrations on a real server (a SQLite file, a throwaway
//! PostgreSQL), hold the same tables, columns, types, keys, indexes and triggers, and behave
//! alike where the application relies on the database (names unique whatever their case, new
//! teams' sandbox connection, sealed audit rows, immutable template versions, one unfinished run,
//! the full-text index, the time format), and take one query text with numbered parameters.

use crate::postgres_support;
use server::db::{MIGRATOR, POSTGRES_MIGRATOR};
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};

/// What differs by design, and why (migrations-postgres/README.md).
const ONLY_IN_SQLITE: &[&str] = &[
    // FTS5 removes a deleted row's words with a trigger; PostgreSQL's index rows cascade.
    "trigger audit_events_unindexed",
];
const ONLY_IN_POSTGRES: &[&str] = &[
    // SQLite's full-text indexes are virtual tables; PostgreSQL's are tables with a GIN index.
    "table audit_search",
    "table audit_words",
    "index audit_search_document",
    "index audit_words_words",
];

/// The migrations' versions and names, from their files.
fn migration_names(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("{}/../{dir}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_migration_has_its_postgres_twin() {
    let sqlite = migration_names("migrations");
    let postgres = migration_names("migrations-postgres");
    assert!(!sqlite.is_empty());
    let missing: Vec<&String> = sqlite.iter().filter(|name| !postgres.contains(name)).collect();
    let extra: Vec<&String> = postgres.iter().filter(|name| !sqlite.contains(name)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "migrations without a PostgreSQL twin: {missing:?}; PostgreSQL migrations without a SQLite one: {extra:?}"
    );
    let versions = |migrator: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
        migrator.iter().map(|m| (m.version, m.description.to_string())).collect()
    };
    assert_eq!(versions(&MIGRATOR), versions(&POSTGRES_MIGRATOR));
}

/// A schema as the comparison sees it: every item ("table users", "column users.id bigint not
/// null", "index …", "trigger …").
type Schema = BTreeSet<String>;

fn sqlite_type(declared: &str) -> &'static str {
    match declared {
        "INTEGER" => "bigint",
        "TEXT" => "text",
        "BLOB" => "bytea",
        other => panic!("a column type the comparison does not know: {other}"),
    }
}

async fn sqlite_schema(pool: &SqlitePool) -> Schema {
    let mut schema = Schema::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables {
        schema.insert(format!("table {table}"));
        let columns = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        for column in columns {
            let (name, declared): (String, String) = (column.get(0), column.get(1));
            // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever the pragma says.
            let not_null = column.get::<i64, _>(2) == 1 || column.get::<i64, _>(3) > 0;
            let key = if column.get::<i64, _>(3) > 0 { " primary key" } else { "" };
            let null = if not_null { " not null" } else { "" };
            schema.insert(format!("column {table}.{name} {}{null}{key}", sqlite_type(&declared)));
        }
    }
    let named: Vec<(String, String)> =
        sqlx::query_as("SELECT type, name FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL")
            .fetch_all(pool)
            .await
            .unwrap();
    schema.extend(named.into_iter().map(|(kind, name)| format!("{kind} {name}")));
    schema
}

async fn postgres_schema(pool: &PgPool) -> Schema {
    let mut schema = Schema::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx\\_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables {
        schema.insert(format!("table {table}"));
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisprimary",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for (name, data_type, nullable) in columns {
            let null = if nullable == "NO" { " not null" } else { "" };
            let key = if keys.contains(&name) { " primary key" } else { "" };
            schema.insert(format!("column {table}.{name} {data_type}{null}{key}"));
        }
    }
    // Indexes made by hand, not those behind a primary key or a UNIQUE constraint.
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    schema.extend(indexes.into_iter().map(|name| format!("index {name}")));
    let triggers: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT trigger_name::text FROM information_schema.triggers")
            .fetch_all(pool)
            .await
            .unwrap();
    schema.extend(triggers.into_iter().map(|name| format!("trigger {name}")));
    schema
}

/// The behaviour both schemas must share, run as the same statements on each.
async fn check_behaviour<DB: sqlx::Database>(pool: &sqlx::Pool<DB>, backend: &str) -> BTreeMap<&'static str, String>
where
    for<'c> &'c mut <DB as sqlx::Database>::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    String: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB> + for<'q> sqlx::Encode<'q, DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB> + for<'q> sqlx::Encode<'q, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let mut seen = BTreeMap::new();
    let run = |sql: &'static str| async move { sqlx::query(sql).execute(pool).await.map(|_| ()) };
    let count = |sql: &'static str| async move { sqlx::query_scalar::<DB, i64>(sql).fetch_one(pool).await.unwrap() };
    let refused = |result: Result<(), sqlx::Error>| match result {
        Ok(()) => "accepted".to_owned(),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => "refused: unique".to_owned(),
        Err(sqlx::Error::Database(_)) => "refused".to_owned(),
        Err(other) => panic!("{backend}: {other}"),
    };

    run("INSERT INTO teams (name) VALUES ('Platform')").await.unwrap();
    seen.insert("a team named again in other case", refused(run("INSERT INTO teams (name) VALUES ('PLATFORM')").await));
    seen.insert(
        "a new team's sandbox connections",
        count("SELECT count(*) FROM connections WHERE kind = 'sandbox'").await.to_string(),
    );
    run("INSERT INTO users (username, password_hash) VALUES ('Ada', 'x')").await.unwrap();
    seen.insert(
        "a user named again in other case",
        refused(run("INSERT INTO users (username, password_hash) VALUES ('ada', 'x')").await),
    );
    seen.insert(
        "a user found by another case",
        count("SELECT count(*) FROM users WHERE username = 'ADA'").await.to_string(),
    );
    let at: String = sqlx::query_scalar("SELECT created_at FROM teams").fetch_one(pool).await.unwrap();
    let shape: String = at.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
    seen.insert("the time format", shape);

    run("INSERT INTO audit_events (actor_name, source, action, result, target_name) \
         VALUES ('ada', 'ui', 'topic.create', 'ok', 'orders-alerts')")
    .await
    .unwrap();
    seen.insert("an unsealed audit row updated", refused(run("UPDATE audit_events SET detail = 'sealing'").await));
    run("UPDATE audit_events SET hash = 'h', prev_hash = ''").await.unwrap();
    seen.insert("a sealed audit row updated", refused(run("UPDATE audit_events SET detail = 'changed'").await));
    seen.insert(
        "a sealed audit row's detail",
        count("SELECT count(*) FROM audit_events WHERE detail = 'sealing'").await.to_string(),
    );

    run("INSERT INTO templates (team_id, name) VALUES (1, 'pipeline')").await.unwrap();
    run("INSERT INTO template_versions (template_id, version, document) VALUES (1, 1, '{}')").await.unwrap();
    seen.insert("a template version changed", refused(run("UPDATE template_versions SET notes = 'new'").await));
    run("INSERT INTO deployments (uid, team_id, name, template_id, version, connection_id, compartment_id) \
         VALUES ('u1', 1, 'd', 1, 1, 1, 'ocid1.compartment.oc1..c')")
    .await
    .unwrap();
    let second_run =
        "INSERT INTO apply_runs (deployment_id, kind, version, desired, plan) VALUES (1, 'apply', 1, '{}', '{}')";
    run(second_run).await.unwrap();
    seen.insert("a second unfinished run", refused(run(second_run).await));

    // One query text for both: numbered parameters, bound by number on SQLite too (in any order).
    let found: i64 = sqlx::query_scalar::<DB, i64>(
        "SELECT count(*) FROM users WHERE is_site_admin = $2 AND username = $1 AND display_name = $3",
    )
    .bind("ADA".to_owned())
    .bind(0_i64)
    .bind(String::new())
    .fetch_one(pool)
    .await
    .unwrap();
    seen.insert("numbered parameters out of order", found.to_string());
    seen
}

#[tokio::test]
async fn the_postgres_schema_matches_sqlite_and_behaves_alike() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("schema.db")).create_if_missing(true),
    )
    .await
    .unwrap();
    MIGRATOR.run(&sqlite).await.unwrap();
    let postgres = postgres_support::start();
    let pg = PgPool::connect(&postgres.url).await.unwrap();
    POSTGRES_MIGRATOR.run(&pg).await.expect("the PostgreSQL migrations apply to an empty database");

    let (lite, pgs) = (sqlite_schema(&sqlite).await, postgres_schema(&pg).await);
    let only_lite: Vec<&String> =
        lite.difference(&pgs).filter(|item| !ONLY_IN_SQLITE.contains(&item.as_str())).collect();
    // The columns of a table PostgreSQL alone has are that table's business.
    let own_table = |item: &str| {
        ONLY_IN_POSTGRES
            .iter()
            .filter_map(|listed| listed.strip_prefix("table "))
            .any(|table| item.strip_prefix("column ").is_some_and(|column| column.starts_with(&format!("{table}."))))
    };
    let only_pg: Vec<&String> =
        pgs.difference(&lite).filter(|item| !ONLY_IN_POSTGRES.contains(&item.as_str()) && !own_table(item)).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_lite:#?}\nonly in PostgreSQL: {only_pg:#?}"
    );
    for expected in ONLY_IN_SQLITE {
        assert!(lite.contains(*expected), "{expected} is listed as SQLite's alone but SQLite lacks it");
    }
    for expected in ONLY_IN_POSTGRES {
        assert!(pgs.contains(*expected), "{expected} is listed as PostgreSQL's alone but PostgreSQL lacks it");
    }

    let on_sqlite = check_behaviour(&sqlite, "SQLite").await;
    let on_postgres = check_behaviour(&pg, "PostgreSQL").await;
    assert_eq!(on_sqlite, on_postgres);
    assert_eq!(on_sqlite["a team named again in other case"], "refused: unique");
    assert_eq!(on_sqlite["a new team's sandbox connections"], "1");
    assert_eq!(on_sqlite["the time format"], "9999-99-99T99:99:99.999Z");
    assert_eq!(on_sqlite["a sealed audit row updated"], "refused");
    assert_eq!(on_sqlite["a second unfinished run"], "refused: unique");
    assert_eq!(on_sqlite["numbered parameters out of order"], "1");

    // The full-text index follows every new row on both (each in its own dialect).
    let lite_hits: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_search WHERE audit_search MATCH 'orders'")
        .fetch_one(&sqlite)
        .await
        .unwrap();
    let pg_hits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_search WHERE document @@ to_tsquery('simple', 'orders')")
            .fetch_one(&pg)
            .await
            .unwrap();
    assert_eq!((lite_hits, pg_hits), (1, 1));
}
