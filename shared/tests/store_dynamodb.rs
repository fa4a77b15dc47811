//! The Store conformance suite on DynamoDB, served by moto, each test on a fresh table.

use igconnect::conformance::moto;

igconnect::store_conformance!(moto::dynamo_store());

/// Creating the table again (every `igconnect serve --store dynamodb` start) is harmless.
#[tokio::test]
async fn creating_an_existing_table_is_a_no_op() {
    let store = moto::dynamo_store().await;
    store.create_table().await.expect("second create_table");
}
