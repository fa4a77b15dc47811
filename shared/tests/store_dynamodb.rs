//! The Store conformance suite on DynamoDB, served by moto, each test on a fresh table.

use igconnect::conformance::moto;

igconnect::store_conformance!(moto::dynamo_store());

/// Creating the table again (every `igconnect serve --store dynamodb` start) is harmless.
#[tokio::test]
async fn creating_an_existing_table_is_a_no_op() {
    let store = moto::dynamo_store().await;
    store.create_table().await.expect("second create_table");
}

/// The audit the whole suite runs under does refuse a Scan: the suite passing proves the
/// adapter issued none.
#[tokio::test]
async fn the_audited_client_refuses_a_scan() {
    let store = moto::dynamo_store().await;
    let scan = moto::audited_dynamodb_client()
        .scan()
        .table_name(store.table())
        .send()
        .await;
    let shown = format!(
        "{}",
        aws_sdk_dynamodb::error::DisplayErrorContext(scan.expect_err("scan refused"))
    );
    assert!(shown.contains("not a request-path operation"), "{shown}");
}

/// A query across tenants would be refused too.
#[tokio::test]
async fn the_audited_client_refuses_a_query_outside_a_tenant() {
    let store = moto::dynamo_store().await;
    let query = moto::audited_dynamodb_client()
        .query()
        .table_name(store.table())
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", "pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S("STATE#x".into()),
        )
        .send()
        .await;
    assert!(query.is_err());
}

/// The entries of every shard of a `gsi1` queue (`REFRESHDUE`, `OUTBOX`).
async fn queue_entries(
    table: &str,
    queue: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut entries = Vec::new();
    for shard in 0..4 {
        let found = moto::audited_dynamodb_client()
            .query()
            .table_name(table)
            .index_name("gsi1")
            .key_condition_expression("gsi1pk = :shard")
            .expression_attribute_values(":shard", AttributeValue::S(format!("{queue}#{shard}")))
            .send()
            .await
            .expect("query gsi1");
        entries.extend(found.items().iter().cloned());
    }
    entries
}

fn text<'a>(
    item: &'a std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    name: &str,
) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// An active account sits on one shard of the refresh queue, keyed by due time, tenant and
/// id; the entry announcing its connection sits in the outbox with the entry's attributes
/// (read from the index alone) and never the token. Once it needs reauth it leaves the
/// queue. The refresh pass and the event delivery rely on this layout.
#[tokio::test]
async fn due_accounts_and_announced_entries_are_on_their_gsi1_queues() {
    use igconnect::conformance::fixtures;
    use igconnect::ports::{AccountHealth, AccountWriter};

    let store = moto::dynamo_store().await;
    let t = fixtures::tenant("tenant-a");
    let account = store
        .save_connection(
            &fixtures::connection(&t, "17841400000000001"),
            &fixtures::sealed("a"),
        )
        .await
        .expect("save");
    let due = account.upkeep.refresh_due_at.expect("due");

    let queued = queue_entries(store.table(), "REFRESHDUE").await;
    assert_eq!(queued.len(), 1);
    assert_eq!(
        text(&queued[0], "sk"),
        Some(format!("ACCOUNT#{}", account.id).as_str())
    );
    assert_eq!(
        text(&queued[0], "gsi1sk"),
        Some(format!("{:013}#{}#{}", due.timestamp_millis(), t, account.id).as_str())
    );
    assert!(!queued[0].contains_key("token_sealed"));

    let outbox = queue_entries(store.table(), "OUTBOX").await;
    assert_eq!(outbox.len(), 1);
    assert!(text(&outbox[0], "event").is_some_and(|e| e.contains("account.connected")));
    assert_eq!(text(&outbox[0], "actor"), Some("auth0|owner-1"));

    store
        .mark_needs_reauth(&t, &account.id, fixtures::now(), "token_invalid")
        .await
        .expect("mark");
    assert!(queue_entries(store.table(), "REFRESHDUE").await.is_empty());
    assert_eq!(queue_entries(store.table(), "OUTBOX").await.len(), 2);
}
