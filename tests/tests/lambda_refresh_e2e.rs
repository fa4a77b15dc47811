//! The token refresh on the Lambda runtime, end to end: the real `refresh` function binary
//! under `cargo lambda watch`, DynamoDB and KMS on moto, Meta played by `igconnect sandbox`,
//! invoked the way EventBridge invokes it, with the scheduled event of
//! `tests/fixtures/eventbridge/scheduled.json`. Accounts are connected through the real
//! `initiate` and `callback` functions; the function's clock is the wall clock, so the test
//! makes an account due by storing an earlier due time through the store's own port.

#[path = "common/lambda.rs"]
mod lambda;

use igconnect::adapters::dynamodb::DynamoStore;
use igconnect::conformance::moto;
use igconnect::domain::{AccountId, TenantId};
use igconnect::ports::{AccountReader, RefreshQueue};
use lambda::{Claims, Stack, by_username, connect, list_event, routed, with_query};
use serde_json::{Value, json};

const SCHEDULED_EVENT: &str = "tests/fixtures/eventbridge/scheduled.json";

/// Makes the account due now, as it would be a day after connecting.
async fn make_due(store: &DynamoStore, tenant: &str, id: &str) {
    let tenant = TenantId::parse(tenant).unwrap();
    let id = AccountId::parse(id).unwrap();
    let mut account = store.get_account(&tenant, &id).await.unwrap().unwrap();
    account.version += 1;
    account.upkeep.refresh_due_at = Some(chrono::Utc::now() - chrono::TimeDelta::seconds(5));
    store.save_upkeep(&account, None, None).await.unwrap();
}

fn report_count(report: &Value, section: &str, field: &str) -> u64 {
    report[section][field]
        .as_u64()
        .unwrap_or_else(|| panic!("no {section}.{field} in {report}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scheduled_refresh_function_validates_due_accounts_and_marks_dead_ones() {
    let stack = Stack::start().await;
    let store = DynamoStore::new(moto::dynamodb_client(), stack.table.clone());
    let bob = Claims {
        tenant: "tenant-cafe",
        user: "user-bob",
        role: "member",
    };
    assert_eq!(connect(&stack, &bob, "instagram", "user").await, 1);
    let listed = stack.invoke("list", &list_event(&bob)).await;
    let account = by_username(&listed.json())["pixel.cafe"].clone();
    let id = account["id"]
        .as_str()
        .expect("pixel.cafe is connected")
        .to_owned();
    let ig_user_id = account["ig_user_id"].as_str().unwrap().to_owned();
    assert_eq!(account["status"], "active");
    assert_eq!(account["last_refreshed_at"], Value::Null);

    // Nothing is due right after connecting: the pass answers an empty report, and delivers
    // the connection's event (logged: no bus is configured here).
    let idle = stack.invoke_cli("refresh", SCHEDULED_EVENT).await;
    assert_eq!(report_count(&idle, "refresh", "due"), 0, "{idle}");
    assert!(report_count(&idle, "events", "delivered") >= 1, "{idle}");

    // A day later (made due through the store), the pass checks the token and syncs the
    // profile.
    make_due(&store, "tenant-cafe", &id).await;
    let report = stack.invoke_cli("refresh", SCHEDULED_EVENT).await;
    assert_eq!(report_count(&report, "refresh", "due"), 1, "{report}");
    assert_eq!(report_count(&report, "refresh", "validated"), 1, "{report}");
    let listed = stack.invoke("list", &list_event(&bob)).await;
    let checked = by_username(&listed.json())["pixel.cafe"].clone();
    assert_eq!(checked["status"], "active");
    assert!(checked["last_refreshed_at"].is_string(), "{checked}");
    // The same look took the account's daily snapshot (its last week, and the followers),
    // which the `insights` function answers from, on the table the `refresh` function wrote.
    assert_eq!(report_count(&report, "refresh", "snapshots"), 1, "{report}");
    assert_eq!(
        report_count(&report, "refresh", "snapshot_days"),
        7,
        "{report}"
    );
    let today = chrono::Utc::now().date_naive();
    let (since, until) = (
        today - chrono::TimeDelta::days(7),
        today - chrono::TimeDelta::days(1),
    );
    let path = format!("/v1/accounts/{id}/insights");
    let event = with_query(
        routed(list_event(&bob), &path, &[("id", &id)]),
        &[
            ("metrics", "reach,views"),
            ("since", &since.to_string()),
            ("until", &until.to_string()),
        ],
    );
    let answer = stack.invoke("insights", &event).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let insights = answer.json();
    assert!(
        insights["days_from_snapshots"].as_u64().unwrap_or(0) >= 6,
        "{insights}"
    );
    assert_eq!(insights["data"][0]["metric"], "reach");
    assert_eq!(
        insights["data"][0]["values"].as_array().map(Vec::len),
        Some(7),
        "{insights}"
    );
    let other_tenant = Claims {
        tenant: "tenant-other",
        ..bob
    };
    let event = routed(list_event(&other_tenant), &path, &[("id", &id)]);
    assert_eq!(stack.invoke("insights", &event).await.status, 404);

    // The token dies at Meta: the next due pass marks the account needs_reauth, once.
    let res = stack
        .http
        .post(stack.sandbox.url("_inspect/faults"))
        .json(&json!({"ig_user_id": ig_user_id, "fault": "invalid_token", "count": 100}))
        .send()
        .await
        .expect("the sandbox answers");
    assert!(res.status().is_success());
    make_due(&store, "tenant-cafe", &id).await;
    let report = stack.invoke_cli("refresh", SCHEDULED_EVENT).await;
    assert_eq!(
        report_count(&report, "refresh", "needs_reauth"),
        1,
        "{report}"
    );
    assert_eq!(report_count(&report, "events", "delivered"), 1, "{report}");
    let listed = stack.invoke("list", &list_event(&bob)).await;
    let dead = by_username(&listed.json())["pixel.cafe"].clone();
    assert_eq!(dead["status"], "needs_reauth");
    assert_eq!(dead["last_error"], "token_invalid");
    let again = stack.invoke_cli("refresh", SCHEDULED_EVENT).await;
    assert_eq!(report_count(&again, "refresh", "due"), 0, "{again}");
    assert!(
        stack.watch.logs().contains("account.needs_reauth"),
        "the event is put (logged without a bus)"
    );
    stack.assert_no_secret_in_logs();
}
