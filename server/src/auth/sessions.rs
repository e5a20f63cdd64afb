//! The browser-session store: tower-sessions' records in the `sessions` table, on either backend,
//! so that every instance sharing a database honours a session any of them began.

use crate::db::{self, Pool};
use chrono::{DateTime, Utc};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Sessions in the database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// A store on `pool`.
    pub fn new(pool: Pool) -> Self {
        Store { pool }
    }

    /// Deletes every session that has expired; how many.
    pub async fn delete_expired(&self) -> Result<u64, db::DbError> {
        db::sessions::delete_expired(&self.pool, &db::types::stamp(Utc::now())).await
    }
}

fn backend(err: db::DbError) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn encode(record: &Record) -> session_store::Result<(String, String)> {
    let data = serde_json::to_string(record).map_err(|err| session_store::Error::Encode(err.to_string()))?;
    let expiry = record.expiry_date;
    let expires_at = DateTime::<Utc>::from_timestamp(expiry.unix_timestamp(), expiry.nanosecond())
        .ok_or_else(|| session_store::Error::Encode(format!("session expiry {expiry} is out of range")))?;
    Ok((data, db::types::stamp(expires_at)))
}

#[async_trait::async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (data, expires_at) = encode(record)?;
            if db::sessions::insert(&self.pool, &record.id.to_string(), &data, &expires_at).await.map_err(backend)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (data, expires_at) = encode(record)?;
        db::sessions::upsert(&self.pool, &record.id.to_string(), &data, &expires_at).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = db::types::stamp(Utc::now());
        let Some(data) = db::sessions::live(&self.pool, &id.to_string(), &now).await.map_err(backend)? else {
            return Ok(None);
        };
        serde_json::from_str(&data).map(Some).map_err(|err| session_store::Error::Decode(err.to_string()))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        db::sessions::delete(&self.pool, &id.to_string()).await.map_err(backend)
    }
}

/// How often expired sessions are deleted.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes expired sessions at start and every hour (a load ignores them anyway; this keeps the
/// table from growing). Runs until the task is dropped.
pub async fn keep_swept(store: Store) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        match store.delete_expired().await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "expired sessions deleted"),
            Err(err) => tracing::warn!(error = %err, "deleting expired sessions failed"),
        }
    }
}
