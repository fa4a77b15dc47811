//! Setting up the work: Instagram Login tokens the sandbox issued (so it refreshes them as
//! Meta would), sealed and stored straight into the store as the callback stores a
//! connection. Logging 10,000 accounts in through the API would take minutes of consent
//! pages and callbacks; what the refresh pass reads is the same either way.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use futures_util::StreamExt;
use igconnect::domain::{
    Account, Connection, Feature, IgUserId, LoginPath, MetaGrantor, Owner, Profile, TenantId,
    UserId,
};
use igconnect::ports::{EncryptionContext, SealedSecret, Sealer, Store, StoreError};
use igconnect_blackbox::{Consent, Server, param};
use serde_json::Value;
use std::time::Duration;
use url::Url;

/// The sandbox's four Instagram Login accounts: (`user_id`, app-scoped id, username). A
/// connection is unique per (tenant, Instagram account), so `n` accounts take `n / 4`
/// tenants (rounded up).
pub const IG_ACCOUNTS: [(&str, &str, &str); 4] = [
    ("17841400000000201", "26000000000000201", "pixel.cafe"),
    ("17841400000000202", "26000000000000202", "nova.creates"),
    ("17841400000000203", "26000000000000203", "dan_creative"),
    (
        "17841400000000204",
        "26000000000000204",
        "creative_studios_official",
    ),
];

/// Instagram Login's sandbox app (docs/sandbox.md, Dev credentials).
const APP_ID: &str = "sandbox-instagram-app";
const APP_SECRET: &str = "sandbox-instagram-secret";
/// Where the sandbox would send the browser; never visited, the bench takes the code.
const REDIRECT_URI: &str = "http://127.0.0.1:9/bench/callback";
/// How long an Instagram Login token lives.
const TOKEN_LIFETIME: TimeDelta = TimeDelta::days(60);

/// `count` tokens, a quarter for each of the sandbox's Instagram Login accounts, in
/// [`IG_ACCOUNTS`] order.
pub async fn tokens(
    server: &Server,
    count: usize,
    concurrency: usize,
) -> Result<[Vec<String>; 4], String> {
    if !count.is_multiple_of(IG_ACCOUNTS.len()) {
        return Err(format!("{count} accounts are not a multiple of 4"));
    }
    let mut tokens: [Vec<String>; 4] = Default::default();
    for (k, (ig, ..)) in IG_ACCOUNTS.iter().enumerate() {
        tokens[k] = instagram_tokens(server, ig, count / IG_ACCOUNTS.len(), concurrency).await?;
    }
    Ok(tokens)
}

/// `n` long-lived Instagram Login tokens of sandbox account `ig`, each its own: one login
/// (consent page, code exchange for a short-lived token), then `n` long-lived exchanges of
/// that token, `concurrency` at a time (each exchange issues a new token).
async fn instagram_tokens(
    server: &Server,
    ig: &str,
    n: usize,
    concurrency: usize,
) -> Result<Vec<String>, String> {
    let mut dialog = server.url("/sandbox/instagram-www/oauth/authorize");
    dialog
        .query_pairs_mut()
        .append_pair("client_id", APP_ID)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair(
            "scope",
            &LoginPath::Instagram
                .requested_scopes(&Feature::ALL)
                .join(","),
        )
        .append_pair("state", "refresh-bench");
    let consent = Consent {
        account: Some(ig.to_owned()),
        ..Consent::allow()
    };
    let landed = server.consent(&dialog, &consent).await;
    let code =
        param(&landed, "code").ok_or_else(|| format!("consent as {ig} landed on {landed}"))?;
    let exchanged = answer(
        server
            .http
            .post(server.url("/sandbox/instagram-api/oauth/access_token"))
            .form(&[
                ("client_id", APP_ID),
                ("client_secret", APP_SECRET),
                ("grant_type", "authorization_code"),
                ("redirect_uri", REDIRECT_URI),
                ("code", &code),
            ]),
    )
    .await?;
    let short = exchanged["data"][0]["access_token"]
        .as_str()
        .ok_or_else(|| format!("the code exchange answered {exchanged}"))?
        .to_owned();
    let mut long_lived = server.url("/sandbox/instagram-graph/access_token");
    long_lived
        .query_pairs_mut()
        .append_pair("grant_type", "ig_exchange_token")
        .append_pair("client_secret", APP_SECRET)
        .append_pair("access_token", &short);
    let tokens: Vec<Result<String, String>> = futures_util::stream::iter(0..n)
        .map(|_| exchange(server, &long_lived))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    tokens.into_iter().collect()
}

async fn exchange(server: &Server, url: &Url) -> Result<String, String> {
    let answered = answer(server.http.get(url.clone())).await?;
    answered["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the long-lived exchange answered {answered}"))
}

/// Sends `request` and reads a JSON answer, which must be a success.
async fn answer(request: reqwest::RequestBuilder) -> Result<Value, String> {
    let res = request.send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("the sandbox answered {status}: {body}"));
    }
    Ok(body)
}

/// Stores account `i` of the bench for each token, `concurrency` at a time: tenant
/// `bench-<i / 4>` connected sandbox account `i % 4` at `at` with a 60-day token. The
/// store then has it due a day later (`Connection`'s fresh upkeep), and its token enters
/// the 15-day refresh window 45 days after `at`. `tokens[k]` are account `k`'s tokens.
pub async fn connect(
    store: &dyn Store,
    sealer: &dyn Sealer,
    tokens: &[Vec<String>; 4],
    at: DateTime<Utc>,
    concurrency: usize,
    snapshot_through: Option<NaiveDate>,
) -> Result<usize, String> {
    let count: usize = tokens.iter().map(Vec::len).sum();
    let stored: Vec<Result<(), String>> = futures_util::stream::iter(0..count)
        .map(|i| {
            let (ig, app_scoped, username) = IG_ACCOUNTS[i % 4];
            let token = &tokens[i % 4][i / 4];
            async move {
                let connection = Connection {
                    tenant: TenantId::parse(format!("bench-{}", i / 4))
                        .map_err(|e| e.to_string())?,
                    ig_user_id: IgUserId::parse(ig).map_err(|e| e.to_string())?,
                    login: LoginPath::Instagram,
                    owner: Owner::Company,
                    profile: Profile {
                        username: username.to_owned(),
                        ..Profile::default()
                    },
                    grantor: MetaGrantor {
                        meta_user_id: app_scoped.to_owned(),
                        page_id: None,
                        scopes: None,
                    },
                    token_expires_at: Some(at + TOKEN_LIFETIME),
                    connected_by: UserId::parse("owner").map_err(|e| e.to_string())?,
                    at,
                };
                let context =
                    EncryptionContext::access_token(&connection.tenant, &connection.ig_user_id);
                let sealed = sealer
                    .seal(&token.clone().into(), &context)
                    .await
                    .map_err(|e| format!("sealing account {i}'s token: {e}"))?;
                let account = save(store, &connection, &sealed)
                    .await
                    .map_err(|e| format!("storing account {i}: {e}"))?;
                if let Some(through) = snapshot_through {
                    // Snapshots taken daily up to `through`, as for an account looked at
                    // every day since it was connected.
                    let mut current = account;
                    current.upkeep.snapshot_through = Some(through);
                    current.version += 1;
                    save_upkeep(store, &current)
                        .await
                        .map_err(|e| format!("storing account {i}'s upkeep: {e}"))?;
                }
                Ok(())
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    stored.into_iter().collect::<Result<Vec<()>, String>>()?;
    Ok(count)
}

/// Stores one connection. `serve` delivers the `account.connected` events of the accounts
/// already stored meanwhile, and SQLite refuses at once (no busy wait: "database is
/// locked") a write transaction whose snapshot another connection wrote past; such a save
/// is sent again.
async fn save(
    store: &dyn Store,
    connection: &Connection,
    sealed: &SealedSecret,
) -> Result<Account, StoreError> {
    let mut attempt = 0;
    loop {
        match store.save_connection(connection, sealed).await {
            Err(StoreError::Unavailable(e)) if e.contains("locked") && attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            saved => return saved,
        }
    }
}

/// Stores the account's upkeep as [`save`] stores its connection.
async fn save_upkeep(store: &dyn Store, account: &Account) -> Result<(), StoreError> {
    let mut attempt = 0;
    loop {
        match store.save_upkeep(account, None, None).await {
            Err(StoreError::Unavailable(e)) if e.contains("locked") && attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            saved => return saved,
        }
    }
}
