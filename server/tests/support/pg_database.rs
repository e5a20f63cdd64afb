//! A new, empty database on a PostgreSQL server given by URL (`.ci/with-postgres` starts one and
//! names it in `SIGNALBOX_TEST_POSTGRES`), for a test app or a benchmark of its own.

use sqlx::Connection;

/// Creates a database with a random name on the server at `server` (`postgres://user@host:port`);
/// its URL.
pub async fn fresh(server: &str) -> String {
    let server = server.trim_end_matches('/');
    let name = format!("t_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::postgres::PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create a database");
    admin.close().await.expect("close");
    format!("{server}/{name}")
}

/// The master key apps on PostgreSQL are given (they need one): 32 bytes of 0x2a in base64.
pub const MASTER_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
