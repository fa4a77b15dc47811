//! The token refresh pass end to end below HTTP: the real Graph client against the sandbox,
//! the SQLite store, the local keyring and a clock the test moves, walking connections
//! through 90 days (`igconnect refresh` and the `refresh` Lambda function run this pass).

mod support;

use chrono::{DateTime, TimeDelta, Utc};
use igconnect::adapters::graph::GraphClient;
use igconnect::adapters::keyring::LocalKeyring;
use igconnect::adapters::sqlite::SqliteStore;
use igconnect::domain::FOLLOWERS_COUNT;
use igconnect::domain::{
    Account, AccountStatus, Connection, IgUserId, LoginPath, MetaGrantor, Owner, Profile, TenantId,
    UserId,
};
use igconnect::ports::{
    AccountReader, AccountWriter, EncryptionContext, FacebookGraph, FixedClock, InsightSnapshots,
    Outbox, Sealer, TokenReader,
};
use igconnect::service::{PassPolicy, RefreshDeps, RefreshReport, refresh_once};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use support::publishing::SUNRISE_BAKERY;
use support::{Harness, NOVA_CREATES, PIXEL_CAFE, start};

const LONG: Duration = Duration::from_secs(60);

/// The test's world: the sandbox, and the one clock both the pass and the sandbox follow.
struct World {
    h: Harness,
    store: SqliteStore,
    keyring: LocalKeyring,
    now: DateTime<Utc>,
    policy: PassPolicy,
}

impl World {
    async fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("igc-refresh-{}", uuid_like()));
        Self {
            h: start().await,
            store: SqliteStore::in_memory().unwrap(),
            keyring: LocalKeyring::open_or_create(&dir.join("master.key")).unwrap(),
            now: Utc::now(),
            policy: PassPolicy::default(),
        }
    }

    /// Moves both clocks forward.
    fn advance(&mut self, by: TimeDelta) {
        self.h.sandbox.advance_clock(by);
        self.now += by;
    }

    async fn pass_with(&self, client: &GraphClient, budget: Duration) -> RefreshReport {
        let clock = FixedClock(self.now);
        let deps = RefreshDeps {
            queue: &self.store,
            sealer: &self.keyring,
            meta: client,
            clock: &clock,
            policy: &self.policy,
            snapshots: true,
        };
        refresh_once(deps, budget).await.unwrap()
    }

    async fn pass(&self) -> RefreshReport {
        self.pass_with(&self.h.client, LONG).await
    }

    /// Stores a connection as the callback would: sealed token, 60-day expiry for
    /// Instagram Login, none for a Page token.
    async fn connect(
        &self,
        tenant: &str,
        login: LoginPath,
        ig: &str,
        token: &SecretString,
    ) -> Account {
        self.connect_granted(tenant, login, ig, token, None).await
    }

    /// [`connect`](Self::connect) with the scopes the connection recorded.
    async fn connect_granted(
        &self,
        tenant: &str,
        login: LoginPath,
        ig: &str,
        token: &SecretString,
        scopes: Option<Vec<String>>,
    ) -> Account {
        let tenant = TenantId::parse(tenant).unwrap();
        let ig_user_id = IgUserId::parse(ig).unwrap();
        let context = EncryptionContext::access_token(&tenant, &ig_user_id);
        let sealed = self.keyring.seal(token, &context).await.unwrap();
        let connection = Connection {
            tenant,
            ig_user_id,
            login,
            owner: Owner::Company,
            profile: Profile {
                username: format!("user{ig}"),
                ..Profile::default()
            },
            grantor: MetaGrantor {
                meta_user_id: format!("m{ig}"),
                page_id: None,
                scopes,
            },
            token_expires_at: (login == LoginPath::Instagram)
                .then(|| self.now + TimeDelta::days(60)),
            connected_by: UserId::parse("alice").unwrap(),
            at: self.now,
        };
        self.store
            .save_connection(&connection, &sealed)
            .await
            .unwrap()
    }

    async fn account(&self, a: &Account) -> Account {
        self.store
            .get_account(&a.tenant, &a.id)
            .await
            .unwrap()
            .unwrap()
    }

    async fn token(&self, a: &Account) -> String {
        let sealed = self
            .store
            .sealed_token(&a.tenant, &a.id)
            .await
            .unwrap()
            .unwrap();
        let context = EncryptionContext::access_token(&a.tenant, &a.ig_user_id);
        let token = self.keyring.unseal(&sealed, &context).await.unwrap();
        token.expose_secret().to_owned()
    }

    async fn fault(&self, ig: &str, fault: &str, count: u32) {
        let res = self
            .h
            .browser
            .post(self.h.url("_inspect/faults"))
            .json(&serde_json::json!({ "ig_user_id": ig, "fault": fault, "count": count }))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }

    /// The announced events of the outbox, as `(type, account id)`.
    async fn events(&self) -> Vec<(String, String)> {
        self.store
            .undelivered(1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.event.action().to_owned(),
                    e.account_id.map(|a| a.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    }
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

#[tokio::test]
async fn instagram_tokens_are_refreshed_in_their_window_through_ninety_days() {
    let mut w = World::new().await;
    let token = w.h.instagram_token(PIXEL_CAFE).await;
    let account = w
        .connect("acme", LoginPath::Instagram, PIXEL_CAFE, &token)
        .await;
    let mut refreshed_on = Vec::new();
    let mut tokens = vec![w.token(&account).await];
    for day in 1..=90 {
        w.advance(TimeDelta::days(1));
        let report = w.pass().await;
        assert_eq!(report.errors, 0, "day {day}: {report:?}");
        assert_eq!(
            report.needs_reauth + report.failed,
            0,
            "day {day}: {report:?}"
        );
        if report.refreshed == 1 {
            refreshed_on.push(day);
            tokens.push(w.token(&account).await);
        }
        let now = w.account(&account).await;
        assert_eq!(now.status, AccountStatus::Active, "day {day}");
        let expires = now.token_expires_at.expect("an Instagram token expires");
        assert!(
            expires > w.now + TimeDelta::days(14),
            "day {day}: expires {expires}"
        );
        assert!(now.upkeep.last_refreshed_at.is_some_and(|t| t <= w.now));
        assert_eq!(now.upkeep.last_error, None);
        assert_eq!(
            now.profile.username, "pixel.cafe",
            "day {day}: the profile is synced"
        );
    }
    // Looked at daily; refreshed when 15 days or fewer were left: days 45 and 90.
    assert_eq!(refreshed_on, vec![45, 90]);
    tokens.dedup();
    assert_eq!(tokens.len(), 3, "each refresh stored the new token");
    assert!(
        w.events()
            .await
            .iter()
            .all(|(kind, _)| kind == "account.connected")
    );
}

#[tokio::test]
async fn the_daily_look_stores_each_complete_day_of_account_metrics_once() {
    let mut w = World::new().await;
    let token = w.h.instagram_token(PIXEL_CAFE).await;
    let full = w
        .connect("acme", LoginPath::Instagram, PIXEL_CAFE, &token)
        .await;
    let token = w.h.instagram_token(NOVA_CREATES).await;
    // Declined the insights scope at the login: only the follower count is kept.
    let basic = w
        .connect_granted(
            "acme",
            LoginPath::Instagram,
            NOVA_CREATES,
            &token,
            Some(vec!["instagram_business_basic".into()]),
        )
        .await;
    w.advance(TimeDelta::days(1));
    let report = w.pass().await;
    assert_eq!((report.validated, report.snapshots), (2, 2), "{report:?}");
    assert_eq!(report.snapshot_days, 7 + 1, "{report:?}");
    let yesterday = (w.now - TimeDelta::days(1)).date_naive();
    let week = w
        .store
        .days(
            &full.tenant,
            &full.id,
            yesterday - TimeDelta::days(6),
            yesterday,
        )
        .await
        .unwrap();
    assert_eq!(week.len(), 7);
    assert!(
        week.iter()
            .all(|d| d.values.get("reach").is_some_and(|v| *v >= 0))
    );
    assert!(week.iter().all(|d| d.values.contains_key("views")));
    assert!(
        week.last().unwrap().values.contains_key(FOLLOWERS_COUNT),
        "yesterday holds the follower count: {week:?}"
    );
    assert_eq!(
        w.account(&full).await.upkeep.snapshot_through,
        Some(yesterday)
    );
    let followers_only = w
        .store
        .days(
            &basic.tenant,
            &basic.id,
            yesterday - TimeDelta::days(30),
            yesterday,
        )
        .await
        .unwrap();
    assert_eq!(followers_only.len(), 1, "{followers_only:?}");
    assert_eq!(
        followers_only[0].values.keys().collect::<Vec<_>>(),
        [FOLLOWERS_COUNT]
    );

    // A day later: one more day each, nothing stored twice.
    w.advance(TimeDelta::days(1));
    let report = w.pass().await;
    assert_eq!(
        (report.snapshots, report.snapshot_days),
        (2, 2),
        "{report:?}"
    );
    let today = w.now.date_naive();
    let all = w
        .store
        .days(&full.tenant, &full.id, today - TimeDelta::days(30), today)
        .await
        .unwrap();
    assert_eq!(all.len(), 8);
}

#[tokio::test]
async fn a_meta_outage_keeps_the_account_active_and_is_retried_with_a_back_off() {
    let mut w = World::new().await;
    let token = w.h.instagram_token(PIXEL_CAFE).await;
    let account = w
        .connect("acme", LoginPath::Instagram, PIXEL_CAFE, &token)
        .await;
    w.advance(TimeDelta::days(45));
    w.fault(PIXEL_CAFE, "server_error", 2).await;
    let first = w.pass().await;
    assert_eq!((first.due, first.failed), (1, 1), "{first:?}");
    let after = w.account(&account).await;
    assert_eq!(after.status, AccountStatus::Active);
    assert_eq!(after.upkeep.last_error.as_deref(), Some("meta_unavailable"));
    assert_eq!(after.upkeep.failures, 1);
    // Not due again until its back-off has passed.
    assert_eq!(w.pass().await.due, 0);
    w.advance(TimeDelta::minutes(5));
    let second = w.pass().await;
    assert_eq!(second.failed, 1, "{second:?}");
    assert_eq!(w.account(&account).await.upkeep.failures, 2);
    w.advance(TimeDelta::minutes(10));
    let third = w.pass().await;
    assert_eq!(third.refreshed, 1, "{third:?}");
    let healed = w.account(&account).await;
    assert_eq!(healed.upkeep.last_error, None);
    assert_eq!(healed.upkeep.failures, 0);
}

#[tokio::test]
async fn a_dead_token_turns_needs_reauth_once_and_a_reconnect_restores_it() {
    let mut w = World::new().await;
    let token = w.h.instagram_token(PIXEL_CAFE).await;
    let account = w
        .connect("acme", LoginPath::Instagram, PIXEL_CAFE, &token)
        .await;
    let other_token = w.h.instagram_token(NOVA_CREATES).await;
    let other = w
        .connect("acme", LoginPath::Instagram, NOVA_CREATES, &other_token)
        .await;
    w.advance(TimeDelta::days(2));
    w.fault(PIXEL_CAFE, "invalid_token", 100).await;
    let report = w.pass().await;
    assert_eq!(
        (report.needs_reauth, report.validated),
        (1, 1),
        "{report:?}"
    );
    let dead = w.account(&account).await;
    assert_eq!(dead.status, AccountStatus::NeedsReauth);
    assert_eq!(dead.upkeep.last_error.as_deref(), Some("token_invalid"));
    assert_eq!(dead.upkeep.refresh_due_at, None, "no more attempts");
    assert_eq!(w.account(&other).await.status, AccountStatus::Active);
    // Later passes leave it alone: one event, ever.
    for _ in 0..3 {
        w.advance(TimeDelta::days(1));
        w.pass().await;
    }
    let reauth: Vec<_> = w
        .events()
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "account.needs_reauth")
        .collect();
    assert_eq!(
        reauth,
        vec![("account.needs_reauth".to_owned(), account.id.to_string())]
    );
    // A new login makes it active and due again, same id.
    w.fault(PIXEL_CAFE, "invalid_token", 0).await;
    let fresh = w.h.instagram_token(PIXEL_CAFE).await;
    let back = w
        .connect("acme", LoginPath::Instagram, PIXEL_CAFE, &fresh)
        .await;
    assert_eq!(back.id, account.id);
    assert_eq!(back.status, AccountStatus::Active);
    w.advance(TimeDelta::days(1));
    let report = w.pass().await;
    assert_eq!(report.needs_reauth, 0, "{report:?}");
    assert_eq!(w.account(&account).await.status, AccountStatus::Active);
}

#[tokio::test]
async fn facebook_connections_are_validated_daily_and_a_dead_page_token_is_caught() {
    let mut w = World::new().await;
    let user = w.h.facebook_user_token().await;
    let pages = w.h.client.facebook_pages(&user).await.unwrap();
    let account = w
        .connect(
            "acme",
            LoginPath::Facebook,
            SUNRISE_BAKERY,
            &pages[0].access_token,
        )
        .await;
    w.advance(TimeDelta::days(1));
    let report = w.pass().await;
    assert_eq!(report.validated, 1, "{report:?}");
    let checked = w.account(&account).await;
    assert_eq!(checked.token_expires_at, None);
    assert!(
        checked
            .upkeep
            .data_access_expires_at
            .is_some_and(|t| t > w.now + TimeDelta::days(80)),
        "data access expiry tracked: {:?}",
        checked.upkeep.data_access_expires_at
    );
    assert_eq!(w.pass().await.due, 0, "validated at most once a day");
    w.fault(SUNRISE_BAKERY, "invalid_token", 100).await;
    w.advance(TimeDelta::days(1));
    let report = w.pass().await;
    assert_eq!(report.needs_reauth, 1, "{report:?}");
    let dead = w.account(&account).await;
    assert_eq!(dead.status, AccountStatus::NeedsReauth);
    assert!(
        w.events()
            .await
            .iter()
            .any(|(kind, id)| kind == "account.needs_reauth" && *id == account.id.to_string())
    );
}

#[tokio::test]
async fn overlapping_passes_refresh_each_account_once() {
    let mut w = World::new().await;
    let mut accounts = Vec::new();
    for ig in [PIXEL_CAFE, NOVA_CREATES] {
        for tenant in ["acme", "globex", "initech"] {
            let token = w.h.instagram_token(ig).await;
            accounts.push(w.connect(tenant, LoginPath::Instagram, ig, &token).await);
        }
    }
    w.advance(TimeDelta::days(46));
    let (a, b, c) = tokio::join!(w.pass(), w.pass(), w.pass());
    let refreshed = a.refreshed + b.refreshed + c.refreshed;
    assert_eq!(refreshed, accounts.len(), "{a:?} {b:?} {c:?}");
    assert_eq!(a.errors + b.errors + c.errors, 0);
    for account in &accounts {
        let now = w.account(account).await;
        assert_eq!(
            now.version,
            account.version + 2,
            "claimed once and stored once"
        );
    }
}

#[tokio::test]
async fn a_pass_out_of_time_leaves_the_rest_to_the_next() {
    let mut w = World::new().await;
    let token = w.h.instagram_token(PIXEL_CAFE).await;
    let account = w
        .connect("acme", LoginPath::Instagram, PIXEL_CAFE, &token)
        .await;
    w.advance(TimeDelta::days(2));
    let starved = w.pass_with(&w.h.client, Duration::ZERO).await;
    assert!(starved.out_of_time, "{starved:?}");
    assert_eq!(starved.validated, 0);
    assert_eq!(
        w.account(&account).await.version,
        account.version,
        "untouched"
    );
    let next = w.pass().await;
    assert_eq!((next.due, next.validated, next.left), (1, 1, 0), "{next:?}");
}

#[tokio::test]
async fn throttling_stops_the_pass_early_and_the_account_waits() {
    let mut w = World::new().await;
    let token = w.h.instagram_token(PIXEL_CAFE).await;
    let account = w
        .connect("acme", LoginPath::Instagram, PIXEL_CAFE, &token)
        .await;
    w.advance(TimeDelta::days(2));
    w.fault(PIXEL_CAFE, "rate_limited", 1).await;
    let report = w.pass().await;
    assert!(report.rate_limited, "{report:?}");
    let waiting = w.account(&account).await;
    assert_eq!(waiting.status, AccountStatus::Active);
    assert_eq!(waiting.upkeep.last_error.as_deref(), Some("rate_limited"));
    assert_eq!(
        waiting.upkeep.failures, 0,
        "throttling is not the account's failure"
    );
    w.advance(TimeDelta::hours(2));
    assert_eq!(w.pass().await.validated, 1);
}
