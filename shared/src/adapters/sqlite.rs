//! The embedded Store: one SQLite file (rusqlite, bundled) in the data directory. Calls run
//! on tokio's blocking pool behind one connection; the local stack serves one team, not a
//! fleet, so a single writer is the simple, correct choice.

use crate::domain::{
    Account, AccountId, AccountStatus, Connection as Login, Cursor, IgUserId, LoginPath,
    MetaGrantor, OAuthState, Owner, OwnerKind, Page, PageRequest, Profile, ReturnTo, StateKey,
    TenantId, UserId,
};
use crate::ports::{
    AccountReader, AccountWriter, OAuthStates, SealedSecret, StoreError, TokenReader,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[r#"
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
"#];

const ACCOUNT_COLUMNS: &str = "id, tenant, ig_user_id, login, owner_type, owner_user, status, \
    profile, grantor, token_expires_at, connected_at, connected_by, updated_at, version";

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
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

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt("timestamp out of range"))
}

/// Reads an account row; columns in [`ACCOUNT_COLUMNS`] order.
fn account_from_row(row: &Row<'_>) -> Result<Account, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(corrupt);
    let owner = match get_s(4)?.as_str() {
        "company" => Owner::Company,
        "user" => Owner::User {
            user_id: UserId::parse(
                row.get::<_, Option<String>>(5)
                    .map_err(corrupt)?
                    .ok_or_else(|| corrupt("user owner without user"))?,
            )
            .map_err(corrupt)?,
        },
        other => return Err(corrupt(format!("owner type {other}"))),
    };
    let profile: Profile = serde_json::from_str(&get_s(7)?).map_err(corrupt)?;
    let grantor: MetaGrantor = serde_json::from_str(&get_s(8)?).map_err(corrupt)?;
    Ok(Account {
        id: AccountId::parse(get_s(0)?).map_err(corrupt)?,
        tenant: TenantId::parse(get_s(1)?).map_err(corrupt)?,
        ig_user_id: IgUserId::parse(get_s(2)?).map_err(corrupt)?,
        login: LoginPath::parse(&get_s(3)?).ok_or_else(|| corrupt("login path"))?,
        owner,
        status: AccountStatus::parse(&get_s(6)?).ok_or_else(|| corrupt("status"))?,
        profile,
        grantor,
        token_expires_at: row
            .get::<_, Option<i64>>(9)
            .map_err(corrupt)?
            .map(from_millis)
            .transpose()?,
        connected_at: from_millis(row.get(10).map_err(corrupt)?)?,
        connected_by: UserId::parse(get_s(11)?).map_err(corrupt)?,
        updated_at: from_millis(row.get(12).map_err(corrupt)?)?,
        version: row.get::<_, i64>(13).map_err(corrupt)? as u64,
    })
}

fn owner_columns(owner: &Owner) -> (&'static str, Option<String>) {
    match owner {
        Owner::Company => ("company", None),
        Owner::User { user_id } => ("user", Some(user_id.to_string())),
    }
}

fn owner_kind_str(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::User => "user",
        OwnerKind::Company => "company",
    }
}

#[async_trait]
impl OAuthStates for SqliteStore {
    async fn put_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        let s = state.clone();
        self.run(move |c| {
            // Housekeeping: abandoned logins older than a day go when new ones arrive.
            c.execute(
                "DELETE FROM oauth_states WHERE expires_at < ?1",
                params![millis(s.created_at) - 86_400_000],
            )
            .map_err(unavailable)?;
            c.execute(
                "INSERT INTO oauth_states (key, tenant, user_id, login, owner, return_to, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    s.key.as_str(),
                    s.tenant.as_str(),
                    s.user.as_str(),
                    s.login.as_str(),
                    owner_kind_str(s.owner),
                    s.return_to.as_str(),
                    millis(s.created_at),
                    millis(s.expires_at),
                ],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn take_state(&self, key: &StateKey) -> Result<Option<OAuthState>, StoreError> {
        let key = key.clone();
        self.run(move |c| {
            // DELETE ... RETURNING: reading and consuming are one statement, so a replay
            // racing the first use finds nothing.
            let row = c
                .query_row(
                    "DELETE FROM oauth_states WHERE key = ?1
                     RETURNING tenant, user_id, login, owner, return_to, created_at, expires_at",
                    params![key.as_str()],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, i64>(5)?,
                            r.get::<_, i64>(6)?,
                        ))
                    },
                )
                .optional()
                .map_err(unavailable)?;
            let Some((tenant, user, login, owner, return_to, created, expires)) = row else {
                return Ok(None);
            };
            Ok(Some(OAuthState {
                key,
                tenant: TenantId::parse(tenant).map_err(corrupt)?,
                user: UserId::parse(user).map_err(corrupt)?,
                login: LoginPath::parse(&login).ok_or_else(|| corrupt("login path"))?,
                owner: match owner.as_str() {
                    "user" => OwnerKind::User,
                    "company" => OwnerKind::Company,
                    _ => return Err(corrupt("owner kind")),
                },
                return_to: ReturnTo::from_stored(url::Url::parse(&return_to).map_err(corrupt)?),
                created_at: from_millis(created)?,
                expires_at: from_millis(expires)?,
            }))
        })
        .await
    }
}

#[async_trait]
impl AccountReader for SqliteStore {
    async fn get_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| {
            let sql =
                format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant = ?1 AND id = ?2");
            let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
            let mut rows = stmt
                .query(params![tenant.as_str(), id.as_str()])
                .map_err(unavailable)?;
            match rows.next().map_err(unavailable)? {
                Some(row) => account_from_row(row).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn list_accounts(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError> {
        let tenant = tenant.clone();
        let limit = page.limit as usize;
        let after = page
            .after
            .as_ref()
            .map(|c| c.last_seen().to_string())
            .unwrap_or_default();
        self.run(move |c| {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant = ?1 AND id > ?2
                 ORDER BY id LIMIT ?3"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
            // One row more than asked tells whether another page exists.
            let mut rows = stmt
                .query(params![tenant.as_str(), after, (limit + 1) as i64])
                .map_err(unavailable)?;
            let mut items = Vec::with_capacity(limit + 1);
            while let Some(row) = rows.next().map_err(unavailable)? {
                items.push(account_from_row(row)?);
            }
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|a| Cursor::after(&a.id))
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
    }
}

#[async_trait]
impl AccountWriter for SqliteStore {
    async fn save_connection(
        &self,
        connection: &Login,
        token: &SealedSecret,
    ) -> Result<Account, StoreError> {
        let login = connection.clone();
        let sealed = token.encode();
        self.run(move |c| {
            let tx = c.transaction().map_err(unavailable)?;
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant = ?1 AND ig_user_id = ?2"
            );
            let existing = {
                let mut stmt = tx.prepare(&sql).map_err(unavailable)?;
                let mut rows = stmt
                    .query(params![login.tenant.as_str(), login.ig_user_id.as_str()])
                    .map_err(unavailable)?;
                match rows.next().map_err(unavailable)? {
                    Some(row) => Some(account_from_row(row)?),
                    None => None,
                }
            };
            let account = match &existing {
                Some(old) => login.reconnect(old),
                None => login.new_account(AccountId::generate()),
            };
            let (owner_type, owner_user) = owner_columns(&account.owner);
            let profile = serde_json::to_string(&account.profile).map_err(corrupt)?;
            let grantor = serde_json::to_string(&account.grantor).map_err(corrupt)?;
            match &existing {
                Some(old) => {
                    let changed = tx
                        .execute(
                            "UPDATE accounts SET login = ?1, status = ?2, profile = ?3, grantor = ?4,
                                token_expires_at = ?5, updated_at = ?6, version = ?7, token_sealed = ?8
                             WHERE tenant = ?9 AND id = ?10 AND version = ?11",
                            params![
                                account.login.as_str(),
                                account.status.as_str(),
                                profile,
                                grantor,
                                account.token_expires_at.map(millis),
                                millis(account.updated_at),
                                account.version as i64,
                                sealed,
                                account.tenant.as_str(),
                                account.id.as_str(),
                                old.version as i64,
                            ],
                        )
                        .map_err(unavailable)?;
                    if changed != 1 {
                        return Err(StoreError::Conflict);
                    }
                }
                None => {
                    tx.execute(
                        &format!(
                            "INSERT INTO accounts ({ACCOUNT_COLUMNS}, token_sealed)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                        ),
                        params![
                            account.id.as_str(),
                            account.tenant.as_str(),
                            account.ig_user_id.as_str(),
                            account.login.as_str(),
                            owner_type,
                            owner_user,
                            account.status.as_str(),
                            profile,
                            grantor,
                            account.token_expires_at.map(millis),
                            millis(account.connected_at),
                            account.connected_by.as_str(),
                            millis(account.updated_at),
                            account.version as i64,
                            sealed,
                        ],
                    )
                    .map_err(unavailable)?;
                }
            }
            tx.commit().map_err(unavailable)?;
            Ok(account)
        })
        .await
    }
}

#[async_trait]
impl TokenReader for SqliteStore {
    async fn sealed_token(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<SealedSecret>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| {
            let raw: Option<String> = c
                .query_row(
                    "SELECT token_sealed FROM accounts WHERE tenant = ?1 AND id = ?2",
                    params![tenant.as_str(), id.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            raw.map(|s| SealedSecret::decode(&s).map_err(corrupt))
                .transpose()
        })
        .await
    }
}
