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

/// Accounts whose token expires sit on `gsi1` in the hour bucket their refresh falls due,
/// ordered by expiry; tokens that never expire are not on it. The refresh job relies on it.
#[tokio::test]
async fn expiring_tokens_are_on_the_refresh_index() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use igconnect::adapters::dynamodb::{REFRESH_MARGIN, refresh_due_bucket};
    use igconnect::conformance::fixtures;
    use igconnect::ports::AccountWriter;

    let store = moto::dynamo_store().await;
    let t = fixtures::tenant("tenant-a");
    let expiring = fixtures::connection(&t, "17841400000000001");
    let expires_at = expiring.token_expires_at.expect("fixture token expires");
    let mut forever = fixtures::connection(&t, "17841400000000002");
    forever.token_expires_at = None;
    let due = store
        .save_connection(&expiring, &fixtures::sealed("a"))
        .await
        .expect("save");
    store
        .save_connection(&forever, &fixtures::sealed("b"))
        .await
        .expect("save");

    let found = moto::audited_dynamodb_client()
        .query()
        .table_name(store.table())
        .index_name("gsi1")
        .key_condition_expression("gsi1pk = :bucket")
        .expression_attribute_values(
            ":bucket",
            AttributeValue::S(refresh_due_bucket(expires_at - REFRESH_MARGIN)),
        )
        .send()
        .await
        .expect("query the refresh index");

    let keys: Vec<_> = found
        .items()
        .iter()
        .map(|item| item.get("sk").and_then(|v| v.as_s().ok()).cloned())
        .collect();
    assert_eq!(keys, [Some(format!("ACCOUNT#{}", due.id))]);
    let sort_key = found.items()[0].get("gsi1sk").and_then(|v| v.as_s().ok());
    assert_eq!(
        sort_key.map(String::as_str),
        Some(format!("{:013}#{}#{}", expires_at.timestamp_millis(), t, due.id).as_str())
    );
}
