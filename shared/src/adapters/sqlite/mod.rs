//! The embedded Store: one SQLite file (rusqlite, bundled) in the data directory. Calls run
//! on tokio's blocking pool behind one connection; the local stack serves one team, not a
//! fleet, so a single writer is the simple, correct choice.

mod access;
mod accounts;
mod audit;
mod health;
mod insights;
mod lifecycle;
mod media;
mod post_rows;
mod posts;
mod rows;
mod states;

use crate::ports::StoreError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    tenant           TEXT NOT NULL,
    id               TEXT NOT NULL,
    ig_user_id       TEXT NOT NULL,
    login            TEXT NOT NULL,
    owner_type       TEXT NOT NULL,
    owner_user       TEXT,
    status           TEXT NOT NULL,
    profile          TEXT NOT NULL,
    grantor          TEXT NOT NULL,
    token_expires_at INTEGER,
    connected_at     INTEGER NOT NULL,
    connected_by     TEXT NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    token_sealed     TEXT NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, ig_user_id)
);
CREATE TABLE oauth_states (
    key        TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    login      TEXT NOT NULL,
    owner      TEXT NOT NULL,
    return_to  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
"#,
    r#"
ALTER TABLE accounts ADD COLUMN member_access TEXT NOT NULL DEFAULT 'publish';
CREATE TABLE grants (
    tenant      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    permission  TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, account_id, user_id),
    FOREIGN KEY (tenant, account_id) REFERENCES accounts (tenant, id) ON DELETE CASCADE
);
CREATE TABLE audit (
    tenant      TEXT NOT NULL,
    id          TEXT NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    account_id  TEXT,
    event       TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
"#,
    r#"
CREATE TABLE posts (
    tenant              TEXT NOT NULL,
    account_id          TEXT NOT NULL,
    id                  TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    idempotency_digest  TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    request             TEXT NOT NULL,
    kind                TEXT NOT NULL,
    status              TEXT NOT NULL,
    publish_at          INTEGER,
    progress            TEXT NOT NULL,
    media_id            TEXT,
    permalink           TEXT,
    failure_code        TEXT,
    failure_message     TEXT,
    due_at              INTEGER,
    attempts            INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    published_at        INTEGER,
    version             INTEGER NOT NULL,
    PRIMARY KEY (tenant, account_id, id),
    UNIQUE (tenant, account_id, idempotency_digest)
);
CREATE INDEX posts_due ON posts (due_at, id)
    WHERE due_at IS NOT NULL AND status IN ('scheduled', 'processing');
"#,
    r#"
ALTER TABLE accounts ADD COLUMN upkeep TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN refresh_due_at INTEGER;
ALTER TABLE accounts ADD COLUMN grantor_id TEXT NOT NULL DEFAULT '';
UPDATE accounts SET grantor_id = json_extract(grantor, '$.meta_user_id'),
    refresh_due_at = CASE WHEN status = 'active' THEN updated_at + 86400000 END;
CREATE INDEX accounts_refresh_due ON accounts (refresh_due_at, tenant, id)
    WHERE refresh_due_at IS NOT NULL AND status = 'active';
CREATE INDEX accounts_grantor ON accounts (grantor_id);
CREATE INDEX accounts_ig_user ON accounts (ig_user_id);
ALTER TABLE audit ADD COLUMN undelivered INTEGER;
CREATE INDEX audit_outbox ON audit (id) WHERE undelivered = 1;
CREATE TABLE data_deletions (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE insight_days (
    tenant      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    date        TEXT NOT NULL,
    metrics     TEXT NOT NULL,
    PRIMARY KEY (tenant, account_id, date),
    FOREIGN KEY (tenant, account_id) REFERENCES accounts (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE media (
    tenant         TEXT NOT NULL,
    id             TEXT NOT NULL,
    status         TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    body           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
CREATE INDEX media_expiry ON media (expires_at) WHERE status <> 'expired';
CREATE TABLE media_usage (
    tenant  TEXT PRIMARY KEY,
    bytes   INTEGER NOT NULL
);
"#,
];

pub(super) const ACCOUNT_COLUMNS: &str = "id, tenant, ig_user_id, login, owner_type, owner_user, status, \
    profile, grantor, token_expires_at, connected_at, connected_by, updated_at, version, member_access, \
    upkeep";

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

pub(super) fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// A write transaction that takes the write lock at once, so a writer in another process
/// on the same file (`igconnect refresh` beside `serve`) is waited for, up to the busy
/// timeout, instead of failing when a deferred transaction tries to upgrade.
pub(super) fn immediate(c: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(unavailable)
}

pub(super) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl SqliteStore {
    /// Opens (creating and migrating) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(unavailable)?;
        }
        Self::init(Connection::open(path).map_err(unavailable)?)
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(unavailable)?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(unavailable)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(unavailable)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(unavailable)?;
        let applied: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(unavailable)?;
        let tx = conn.transaction().map_err(unavailable)?;
        for sql in MIGRATIONS.iter().skip(applied) {
            tx.execute_batch(sql).map_err(unavailable)?;
        }
        tx.pragma_update(None, "user_version", MIGRATIONS.len())
            .map_err(unavailable)?;
        tx.commit().map_err(unavailable)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| unavailable("store lock poisoned"))?;
            f(&mut guard)
        })
        .await
        .map_err(unavailable)?
    }
}
