//! Setting up the work through the public API, as client apps would: tenants connect the
//! sandbox's Instagram Login accounts, then schedule image posts on them.

use futures_util::StreamExt;
use igconnect_blackbox::{Consent, Server, param};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The sandbox's four Instagram Login accounts. A connection is unique per (tenant,
/// Instagram account), so `n` accounts take `n / 4` tenants (rounded up).
pub const IG_ACCOUNTS: [&str; 4] = [
    "17841400000000201",
    "17841400000000202",
    "17841400000000203",
    "17841400000000204",
];

/// A connected account and a token of a user who may publish to it.
pub struct Account {
    pub id: String,
    pub token: String,
}

/// Connects `count` accounts: tenant `bench-<t>`'s owner connects up to four Instagram
/// Login accounts as their own, `concurrency` logins at a time.
pub async fn connect(
    server: &Server,
    count: usize,
    concurrency: usize,
) -> Result<Vec<Account>, String> {
    let tenants = count.div_ceil(IG_ACCOUNTS.len());
    let tokens: Vec<String> = (0..tenants)
        .map(|t| server.token(&format!("bench-{t}"), "owner", "owner"))
        .collect();
    let logins: Vec<(usize, &str)> = (0..count)
        .map(|i| (i / IG_ACCOUNTS.len(), IG_ACCOUNTS[i % IG_ACCOUNTS.len()]))
        .collect();
    let results: Vec<Result<(), String>> = futures_util::stream::iter(logins)
        .map(|(tenant, ig)| {
            let token = &tokens[tenant];
            async move {
                let consent = Consent {
                    account: Some(ig.to_owned()),
                    ..Consent::allow()
                };
                let landed = server.connect(token, "instagram", "user", &consent).await;
                match param(&landed, "ig_connect").as_deref() {
                    Some("success") => Ok(()),
                    _ => Err(format!(
                        "tenant {tenant} connecting {ig} landed on {landed}"
                    )),
                }
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    results.into_iter().collect::<Result<(), String>>()?;

    let mut accounts = Vec::with_capacity(count);
    for token in &tokens {
        let list = server.accounts(token, "?limit=100").await;
        for a in list["data"].as_array().into_iter().flatten() {
            let id = a["id"].as_str().ok_or("an account without an id")?;
            accounts.push(Account {
                id: id.to_owned(),
                token: token.clone(),
            });
        }
    }
    if accounts.len() != count {
        return Err(format!(
            "{} accounts listed after connecting {count}",
            accounts.len()
        ));
    }
    Ok(accounts)
}

/// `POST /v1/accounts/{id}/posts` for post `n`: one image, `publish_at` if given.
pub async fn create_post(
    server: &Server,
    account: &Account,
    n: usize,
    publish_at: Option<&str>,
) -> Result<Value, String> {
    let mut body = json!({
        "type": "image",
        "media": [{"url": format!("https://cdn.example/bench/{n}.jpg"), "kind": "image"}],
        "caption": format!("bench {n}"),
    });
    if let Some(at) = publish_at {
        body["publish_at"] = at.into();
    }
    let res = server
        .http
        .post(server.url(&format!("/v1/accounts/{}/posts", account.id)))
        .bearer_auth(&account.token)
        .header("idempotency-key", format!("bench-{n}"))
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("post {n}: {e}"))?;
    let status = res.status().as_u16();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    let expected = if publish_at.is_some() { 202 } else { 201 };
    if status != expected {
        return Err(format!("post {n}: {status} {answer}"));
    }
    Ok(answer)
}

/// Schedules `per_account` posts on every account at `publish_at`, `concurrency` requests
/// at a time.
pub async fn schedule(
    server: &Server,
    accounts: &[Account],
    per_account: usize,
    publish_at: &str,
    concurrency: usize,
) -> Result<usize, String> {
    let jobs: Vec<(usize, &Account)> = (0..accounts.len() * per_account)
        .map(|n| (n, &accounts[n % accounts.len()]))
        .collect();
    let results: Vec<Result<Value, String>> = futures_util::stream::iter(jobs)
        .map(|(n, account)| create_post(server, account, n, Some(publish_at)))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut scheduled = 0;
    for r in results {
        let post = r?;
        if post["status"] != "scheduled" {
            return Err(format!("a post was not scheduled: {post}"));
        }
        scheduled += 1;
    }
    Ok(scheduled)
}

/// Every account's posts by status, read back through `GET /v1/accounts/{id}/posts`.
pub async fn statuses(
    server: &Server,
    accounts: &[Account],
) -> Result<HashMap<String, usize>, String> {
    let mut by_status = HashMap::new();
    for account in accounts {
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/accounts/{}/posts?limit=100", account.id);
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, page) = server.call("GET", &path, &account.token, None).await;
            if status != 200 {
                return Err(format!("listing posts: {status} {page}"));
            }
            for post in page["data"].as_array().into_iter().flatten() {
                let s = post["status"].as_str().unwrap_or("?").to_owned();
                *by_status.entry(s).or_insert(0) += 1;
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
    }
    Ok(by_status)
}
