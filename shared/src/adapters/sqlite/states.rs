//! Pending logins: consumed with `DELETE ... RETURNING`, so single use is one statement.

use super::rows::{from_millis, millis, owner_kind_str};
use super::{SqliteStore, corrupt, unavailable};
use crate::domain::{LoginPath, OAuthState, OwnerKind, ReturnTo, StateKey, TenantId, UserId};
use crate::ports::{OAuthStates, StoreError};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

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
