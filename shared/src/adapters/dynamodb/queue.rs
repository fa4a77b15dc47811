//! Reading the sharded queues on `gsi1` (due posts, due refreshes, the outbox), and reading
//! many items by key. Both stay within what the request-path audit allows: index queries
//! and single `GetItem`s, never a scan or a batch read.

use super::items::{GSI1, GSI1_PK, GSI1_SK, Item};
use super::{DynamoStore, unavailable};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use tokio::task::JoinSet;

/// How many items are read at once.
const READS_AT_ONCE: usize = 16;

/// The queue order of an index entry: its `gsi1` sort key.
fn order(item: &Item) -> &str {
    match item.get(GSI1_SK) {
        Some(AttributeValue::S(v)) => v,
        _ => "",
    }
}

impl DynamoStore {
    /// The first `limit` entries of a queue spread over `partitions` of `gsi1`, in sort key
    /// order, only those sorting at or before `until` when given. Each shard is read in
    /// order, all at once, and merged: the first `limit` of all are among the first `limit`
    /// of each. Entries hold what `gsi1` projects.
    pub(super) async fn queue_head(
        &self,
        partitions: Vec<AttributeValue>,
        until: Option<AttributeValue>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut shards = JoinSet::new();
        for partition in partitions {
            let (store, until) = (self.clone(), until.clone());
            shards.spawn(async move { store.shard_head(partition, until, limit).await });
        }
        let mut entries = Vec::new();
        while let Some(joined) = shards.join_next().await {
            entries.extend(joined.map_err(|e| StoreError::Unavailable(e.to_string()))??);
        }
        entries.sort_by(|a, b| order(a).cmp(order(b)));
        entries.truncate(limit);
        Ok(entries)
    }

    /// Up to `limit` entries of one shard, in order. A query page may stop short (1 MB), so
    /// this reads on until there are enough or the shard ends.
    async fn shard_head(
        &self,
        partition: AttributeValue,
        until: Option<AttributeValue>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let condition = match until {
            Some(_) => "#pk = :pk AND #sk <= :until",
            None => "#pk = :pk",
        };
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let wanted = i32::try_from(limit - found.len()).unwrap_or(i32::MAX);
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression(condition)
                .expression_attribute_names("#pk", GSI1_PK)
                .expression_attribute_values(":pk", partition.clone())
                .set_exclusive_start_key(start.take())
                .limit(wanted);
            if let Some(until) = &until {
                query = query
                    .expression_attribute_names("#sk", GSI1_SK)
                    .expression_attribute_values(":until", until.clone());
            }
            let out = query.send().await.map_err(unavailable)?;
            found.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if found.len() < limit => start = Some(key),
                _ => return Ok(found),
            }
        }
    }

    /// Strongly consistent reads of the items at `keys`, of `attributes`, a few at a time,
    /// in the keys' order; `None` for an item that is not there.
    pub(super) async fn get_each(
        &self,
        keys: Vec<Item>,
        attributes: &'static [&'static str],
    ) -> Result<Vec<Option<Item>>, StoreError> {
        let mut items = Vec::with_capacity(keys.len());
        let mut keys = keys.into_iter().peekable();
        while keys.peek().is_some() {
            let mut reads = JoinSet::new();
            for (i, key) in keys.by_ref().take(READS_AT_ONCE).enumerate() {
                let store = self.clone();
                reads.spawn(async move { (i, store.get(key, attributes).await) });
            }
            let mut batch = Vec::new();
            while let Some(joined) = reads.join_next().await {
                let (i, read) = joined.map_err(|e| StoreError::Unavailable(e.to_string()))?;
                batch.push((i, read?));
            }
            batch.sort_by_key(|(i, _)| *i);
            items.extend(batch.into_iter().map(|(_, item)| item));
        }
        Ok(items)
    }
}
