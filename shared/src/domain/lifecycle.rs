//! Keeping a connection alive: when each account is next looked at, and what a refresh or
//! validation outcome does to it. Pure rules; the refresh pass (`service::refresh`) applies
//! them to what Meta answers.
//!
//! - Instagram Login tokens live 60 days and can be refreshed once they are at least 24
//!   hours old and not yet expired. An account is due when its token enters the refresh
//!   window (`IGC_REFRESH_WINDOW`, default 15 days before expiry), but never before the
//!   token is a day old.
//! - Facebook Login Page tokens do not expire, but die with a password change, a lost Page
//!   role or a deauthorization, and data access lapses after 90 days: each connection is
//!   validated once per `IGC_VALIDATE_EVERY` (default 24 hours).
//! - A transient failure (Meta unreachable, 5xx) keeps the account active and tries again
//!   after a back-off doubling from a few minutes, capped at a few hours; an invalid token
//!   (code 190) makes it `needs_reauth`, with no further attempts until a person connects it
//!   again.

use super::{Account, AccountStatus, LoginPath};
use chrono::{DateTime, TimeDelta, Utc};

/// Instagram refuses to refresh a token younger than this.
pub const MIN_TOKEN_AGE: TimeDelta = TimeDelta::hours(24);
/// The first back-off after a transient failure.
pub const FIRST_RETRY: TimeDelta = TimeDelta::minutes(5);
/// The longest back-off after transient failures.
pub const MAX_RETRY: TimeDelta = TimeDelta::hours(4);

/// How the refresh pass treats accounts; from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Instagram Login tokens are refreshed this long before they expire.
    pub window: TimeDelta,
    /// Facebook Login connections are validated this often.
    pub validate_every: TimeDelta,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            window: TimeDelta::days(15),
            validate_every: TimeDelta::hours(24),
        }
    }
}

/// Why a refresh or validation did not succeed, as far as the account is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshFailure {
    /// Meta could not be reached or failed; try again later, backing off.
    Transient,
    /// Meta throttles the app: try again once its estimate has passed, without counting
    /// it against the account.
    RateLimited { retry_after: TimeDelta },
    /// Meta refused the token for good (code 190, an expired token, data access lapsed): a
    /// person must connect the account again.
    Invalid,
}

/// What the account keeps about its token's upkeep. Stored as one JSON document beside the
/// account; `refresh_due_at` is also the key of the due index.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Upkeep {
    /// When the stored token was issued (connection or last refresh).
    pub token_issued_at: Option<DateTime<Utc>>,
    /// The last successful refresh or validation.
    pub last_refreshed_at: Option<DateTime<Utc>>,
    /// The stable code of the last failure, cleared by a success.
    pub last_error: Option<String>,
    /// Facebook Login: when the app's access to the user's data lapses.
    pub data_access_expires_at: Option<DateTime<Utc>>,
    /// When the refresh pass should look at the account next; `None`: never on its own.
    pub refresh_due_at: Option<DateTime<Utc>>,
    /// Transient failures since the last success.
    pub failures: u32,
    /// The last complete UTC day whose account metrics (and follower count) the daily
    /// snapshot stored; the next look stores the days after it.
    pub snapshot_through: Option<chrono::NaiveDate>,
}

impl RefreshPolicy {
    /// When an account in good standing is next due, from its token as it is now: a day
    /// after it was last looked at (which also catches tokens Meta killed early), or when
    /// an Instagram Login token enters the refresh window (never before it is a day old),
    /// or when Facebook data access lapses, whichever comes first.
    pub fn next_due(&self, account: &Account, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if account.status != AccountStatus::Active {
            return None;
        }
        let last = account
            .upkeep
            .last_refreshed_at
            .or(account.upkeep.token_issued_at)
            .unwrap_or(now);
        let mut due = last + self.validate_every;
        match account.login {
            LoginPath::Instagram => {
                if let Some(expires) = account.token_expires_at {
                    let issued = account.upkeep.token_issued_at.unwrap_or(account.updated_at);
                    due = due.min((expires - self.window).max(issued + MIN_TOKEN_AGE));
                }
            }
            LoginPath::Facebook => {
                if let Some(lapse) = account.upkeep.data_access_expires_at {
                    due = due.min(lapse);
                }
            }
        }
        Some(due)
    }

    /// Whether the pass should trade the token for a new one now, rather than only check
    /// it: an Instagram Login token inside the refresh window that Meta will refresh.
    pub fn should_refresh(&self, account: &Account, now: DateTime<Utc>) -> bool {
        account.login == LoginPath::Instagram
            && account
                .token_expires_at
                .is_some_and(|expires| now >= expires - self.window)
            && self.can_refresh(account, now)
    }

    /// Whether an Instagram Login token can be refreshed at `now`: old enough, not expired.
    pub fn can_refresh(&self, account: &Account, now: DateTime<Utc>) -> bool {
        let issued = account.upkeep.token_issued_at.unwrap_or(account.updated_at);
        now >= issued + MIN_TOKEN_AGE && account.token_expires_at.is_none_or(|e| now < e)
    }

    /// The account after a successful refresh (a new token expiring at `expires_at`) or
    /// validation (`expires_at` unchanged), at `now`.
    pub fn succeeded(
        &self,
        account: &Account,
        now: DateTime<Utc>,
        refreshed_token: bool,
        expires_at: Option<DateTime<Utc>>,
        data_access_expires_at: Option<DateTime<Utc>>,
    ) -> Account {
        let mut next = Account {
            token_expires_at: expires_at,
            updated_at: now,
            version: account.version + 1,
            ..account.clone()
        };
        if refreshed_token {
            next.upkeep.token_issued_at = Some(now);
        }
        next.upkeep.last_refreshed_at = Some(now);
        next.upkeep.last_error = None;
        next.upkeep.failures = 0;
        if data_access_expires_at.is_some() {
            next.upkeep.data_access_expires_at = data_access_expires_at;
        }
        next.upkeep.refresh_due_at = self.next_due(&next, now);
        next
    }

    /// The account after a failed refresh or validation at `now`; `code` is the stable
    /// code recorded as its last error.
    pub fn failed(
        &self,
        account: &Account,
        now: DateTime<Utc>,
        failure: &RefreshFailure,
        code: &str,
    ) -> Account {
        if *failure == RefreshFailure::Invalid {
            return account.needing_reauth(now, code);
        }
        let mut next = Account {
            updated_at: now,
            version: account.version + 1,
            ..account.clone()
        };
        next.upkeep.last_error = Some(code.to_owned());
        match failure {
            RefreshFailure::Transient => {
                next.upkeep.failures = account.upkeep.failures + 1;
                next.upkeep.refresh_due_at = Some(now + backoff(account.upkeep.failures));
            }
            RefreshFailure::RateLimited { retry_after } => {
                next.upkeep.refresh_due_at = Some(now + (*retry_after).max(FIRST_RETRY));
            }
            RefreshFailure::Invalid => {}
        }
        next
    }
}

impl Account {
    /// The account after Meta refused its token for good at `at` (`code` becomes its last
    /// error): `needs_reauth`, never looked at again on its own, grants and posts kept.
    /// Wherever the refusal is seen (refresh pass, sync, publishing) it ends the same way.
    pub fn needing_reauth(&self, at: DateTime<Utc>, code: &str) -> Account {
        let mut next = Account {
            status: AccountStatus::NeedsReauth,
            updated_at: at,
            version: self.version + 1,
            ..self.clone()
        };
        next.upkeep.last_error = Some(code.to_owned());
        next.upkeep.refresh_due_at = None;
        next
    }
}

/// The wait before retrying after `failures` earlier transient failures: 5 minutes,
/// doubling, at most 4 hours.
pub fn backoff(failures: u32) -> TimeDelta {
    let factor = 1i32.checked_shl(failures.min(16)).unwrap_or(i32::MAX);
    (FIRST_RETRY * factor).min(MAX_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        AccountId, IgUserId, MemberAccess, MetaGrantor, Owner, Profile, TenantId, UserId,
    };

    fn at(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::days(days)
    }

    fn account(login: LoginPath, issued: DateTime<Utc>, expires: Option<DateTime<Utc>>) -> Account {
        Account {
            id: AccountId::generate(),
            tenant: TenantId::parse("t").unwrap(),
            ig_user_id: IgUserId::parse("1").unwrap(),
            login,
            owner: Owner::Company,
            member_access: MemberAccess::default(),
            status: AccountStatus::Active,
            profile: Profile::default(),
            grantor: MetaGrantor {
                meta_user_id: "m".into(),
                page_id: None,
                scopes: None,
            },
            token_expires_at: expires,
            connected_at: issued,
            connected_by: UserId::parse("u").unwrap(),
            updated_at: issued,
            version: 1,
            upkeep: Upkeep {
                token_issued_at: Some(issued),
                ..Upkeep::default()
            },
        }
    }

    #[test]
    fn an_instagram_token_is_due_when_it_enters_the_window() {
        let p = RefreshPolicy::default();
        let mut a = account(LoginPath::Instagram, at(0), Some(at(60)));
        assert_eq!(p.next_due(&a, at(0)), Some(at(1)), "looked at daily");
        assert!(!p.should_refresh(&a, at(1)));
        a.upkeep.last_refreshed_at = Some(at(44) + TimeDelta::hours(12));
        assert_eq!(p.next_due(&a, at(44)), Some(at(45)));
        assert!(p.should_refresh(&a, at(45)));
    }

    #[test]
    fn an_instagram_token_is_never_due_before_it_is_a_day_old() {
        let p = RefreshPolicy::default();
        let a = account(LoginPath::Instagram, at(0), Some(at(10)));
        assert_eq!(p.next_due(&a, at(0)), Some(at(1)));
        assert!(!p.can_refresh(&a, at(0) + TimeDelta::hours(23)));
        assert!(p.can_refresh(&a, at(1)));
        assert!(
            !p.can_refresh(&a, at(10)),
            "an expired token cannot be refreshed"
        );
    }

    #[test]
    fn a_facebook_connection_is_validated_daily_and_when_data_access_lapses() {
        let p = RefreshPolicy::default();
        let mut a = account(LoginPath::Facebook, at(0), None);
        assert_eq!(p.next_due(&a, at(0)), Some(at(1)));
        a.upkeep.data_access_expires_at = Some(at(0) + TimeDelta::hours(3));
        assert_eq!(p.next_due(&a, at(0)), Some(at(0) + TimeDelta::hours(3)));
    }

    #[test]
    fn a_refresh_renews_the_token_and_moves_the_due_time() {
        let p = RefreshPolicy::default();
        let a = account(LoginPath::Instagram, at(0), Some(at(60)));
        let next = p.succeeded(&a, at(45), true, Some(at(105)), None);
        assert_eq!(next.upkeep.token_issued_at, Some(at(45)));
        assert_eq!(next.token_expires_at, Some(at(105)));
        assert_eq!(next.upkeep.refresh_due_at, Some(at(46)));
        assert_eq!(next.version, a.version + 1);
    }

    #[test]
    fn transient_failures_back_off_to_a_cap_and_keep_the_account_active() {
        let p = RefreshPolicy::default();
        let mut a = account(LoginPath::Instagram, at(0), Some(at(60)));
        let mut waits = Vec::new();
        for _ in 0..8 {
            let next = p.failed(&a, at(45), &RefreshFailure::Transient, "meta_unavailable");
            waits.push(next.upkeep.refresh_due_at.unwrap() - at(45));
            assert_eq!(next.status, AccountStatus::Active);
            a = next;
        }
        assert_eq!(waits[0], TimeDelta::minutes(5));
        assert_eq!(waits[1], TimeDelta::minutes(10));
        assert_eq!(*waits.last().unwrap(), MAX_RETRY);
    }

    #[test]
    fn an_invalid_token_needs_reauth_and_is_not_retried() {
        let p = RefreshPolicy::default();
        let a = account(LoginPath::Instagram, at(0), Some(at(60)));
        let next = p.failed(&a, at(45), &RefreshFailure::Invalid, "token_invalid");
        assert_eq!(next.status, AccountStatus::NeedsReauth);
        assert_eq!(next.upkeep.refresh_due_at, None);
        assert_eq!(next.upkeep.last_error.as_deref(), Some("token_invalid"));
        assert_eq!(p.next_due(&next, at(46)), None);
    }
}
