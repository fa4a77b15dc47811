//! Creating the table: what `igconnect serve --store dynamodb` and the tests need. In
//! production the infrastructure template owns the table; this mirrors it.

use super::items::{AUDIT_ATTRIBUTES, GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK, PK, SK, TTL};
use super::{DynamoStore, unavailable};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
    TimeToLiveStatus,
};
use std::time::Duration;

/// How long a new table may take to become active (real DynamoDB: seconds to a minute).
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

fn built<T>(r: Result<T, aws_sdk_dynamodb::error::BuildError>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Unavailable(format!("building a table request: {e}")))
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    built(
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build(),
    )
}

fn text_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    built(
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build(),
    )
}

/// An index on `pk`/`sk` projecting the keys and `attributes`. The keys carry tenant and
/// account id, which is all a due queue or a deauthorize sweep needs before it reads the
/// item itself.
fn index(
    name: &str,
    pk: &str,
    sk: &str,
    attributes: &[&str],
) -> Result<GlobalSecondaryIndex, StoreError> {
    let projection = if attributes.is_empty() {
        Projection::builder().projection_type(ProjectionType::KeysOnly)
    } else {
        let names = attributes.iter().map(|a| (*a).to_owned()).collect();
        Projection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(names))
    };
    built(
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(pk, KeyType::Hash)?)
            .key_schema(key(sk, KeyType::Range)?)
            .projection(projection.build())
            .build(),
    )
}

impl DynamoStore {
    /// Creates the table (keys; `gsi1`, the due queues and the outbox, projecting the audit
    /// attributes so the outbox is read from the index alone; `gsi2`, accounts by Meta
    /// user, keys only; on-demand billing, TTL on `ttl`) and waits until it and its indexes
    /// are active. A table that already exists is left as it is, so this is safe to call on
    /// every start.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let mut request = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .global_secondary_indexes(index(GSI1, GSI1_PK, GSI1_SK, AUDIT_ATTRIBUTES)?)
            .global_secondary_indexes(index(GSI2, GSI2_PK, GSI2_SK, &[])?);
        for name in [PK, SK, GSI1_PK, GSI1_SK, GSI2_PK, GSI2_SK] {
            request = request.attribute_definitions(text_attribute(name)?);
        }
        match request.send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) => {}
            Err(e) => return Err(unavailable(e)),
        }
        self.wait_until_active().await?;
        self.enable_ttl().await
    }

    async fn wait_until_active(&self) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        loop {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(unavailable)?;
            if let Some(table) = described.table() {
                let indexes_active = table
                    .global_secondary_indexes()
                    .iter()
                    .all(|i| i.index_status() == Some(&IndexStatus::Active));
                if table.table_status() == Some(&TableStatus::Active) && indexes_active {
                    return Ok(());
                }
            }
            if started.elapsed() > ACTIVE_TIMEOUT {
                return Err(StoreError::Unavailable(format!(
                    "table {} did not become active within {}s",
                    self.table,
                    ACTIVE_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn enable_ttl(&self) -> Result<(), StoreError> {
        let current = self
            .client
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .await
            .map_err(unavailable)?;
        let status = current
            .time_to_live_description()
            .and_then(|d| d.time_to_live_status());
        if matches!(
            status,
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ) {
            return Ok(());
        }
        let spec = built(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL)
                .enabled(true)
                .build(),
        )?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
