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
