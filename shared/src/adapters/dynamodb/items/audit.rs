//! Audit items: one per entry, in the tenant's partition, keyed `AUDIT#<audit id>`. Audit
//! ids are time-ordered, so a backward query reads the trail newest first.
//!
//! An entry that announces an event ([`Event::from_audit`]) is written into the outbox:
//! `gsi1pk = OUTBOX#<shard>`, `gsi1sk = <audit id>#<tenant>`, a sparse, sharded queue in
//! time order that delivery empties by removing the two keys. `gsi1` projects the entry's
//! attributes, so the outbox is read from the index alone.

use super::{
    ACCOUNT_ID, Changes, GSI1_PK, GSI1_SK, Item, ItemUpdate, PK, SK, corrupt, get_i64, get_opt_s,
    get_s, n, s, shard_of, tenant_pk, time,
};
use crate::domain::{AccountId, AuditEntry, AuditEvent, AuditId, Event, TenantId, UserId};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

const OUTBOX_PREFIX: &str = "OUTBOX#";

/// The sort-key prefix of every audit item.
pub(in crate::adapters::dynamodb) const AUDIT_PREFIX: &str = "AUDIT#";

/// Every attribute an entry is read from (the tenant is the partition's); `gsi1` projects
/// exactly these besides the keys.
pub(in crate::adapters::dynamodb) const AUDIT_ATTRIBUTES: &[&str] =
    &["id", "at", "actor", ACCOUNT_ID, "event"];

/// The `gsi1` partition of an outbox shard.
pub(in crate::adapters::dynamodb) fn outbox_partition(shard: u64) -> AttributeValue {
    s(format!("{OUTBOX_PREFIX}{shard}"))
}

/// Which entry of which tenant an outbox entry is, from its `gsi1` sort key.
pub(in crate::adapters::dynamodb) fn outbox_entry(
    item: &Item,
) -> Result<(TenantId, AuditId), StoreError> {
    let order = get_s(item, GSI1_SK)?;
    let (id, tenant) = order
        .split_once('#')
        .ok_or_else(|| corrupt("an outbox entry without its tenant"))?;
    Ok((
        TenantId::parse(tenant).map_err(corrupt)?,
        AuditId::parse(id).map_err(corrupt)?,
    ))
}

/// Takes an audit item out of the outbox (removes its `gsi1` keys), if the item is there:
/// an update of a missing key would create an item.
pub(in crate::adapters::dynamodb) fn delivered_update() -> ItemUpdate {
    Changes::default()
        .remove(GSI1_PK)
        .remove(GSI1_SK)
        .name(PK)
        .condition("attribute_exists(#pk)")
        .build()
}

/// The key of one of the tenant's entries; also where a listing resumes.
pub(in crate::adapters::dynamodb) fn audit_key(tenant: &TenantId, id: &AuditId) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("{AUDIT_PREFIX}{id}"))),
    ])
}

/// The item of `entry`. The event is kept as its JSON, tagged with its action, so new kinds
/// of event need no new attributes.
pub(in crate::adapters::dynamodb) fn audit_item(entry: &AuditEntry) -> Result<Item, StoreError> {
    let mut item = audit_key(&entry.tenant, &entry.id);
    let event = serde_json::to_string(&entry.event).map_err(corrupt)?;
    item.extend([
        ("entity".into(), s("audit")),
        ("id".into(), s(entry.id.as_str())),
        ("at".into(), n(entry.at.timestamp_millis())),
        ("actor".into(), s(entry.actor.as_str())),
        ("event".into(), s(event)),
    ]);
    if let Some(account) = &entry.account_id {
        item.insert(ACCOUNT_ID.into(), s(account.as_str()));
    }
    if Event::from_audit(entry).is_some() {
        item.insert(
            GSI1_PK.into(),
            outbox_partition(shard_of(entry.id.as_str())),
        );
        item.insert(GSI1_SK.into(), s(format!("{}#{}", entry.id, entry.tenant)));
    }
    Ok(item)
}

/// Reads an entry of `tenant` back.
pub(in crate::adapters::dynamodb) fn audit_from_item(
    tenant: &TenantId,
    item: &Item,
) -> Result<AuditEntry, StoreError> {
    let event: AuditEvent = serde_json::from_str(get_s(item, "event")?).map_err(corrupt)?;
    Ok(AuditEntry {
        id: AuditId::parse(get_s(item, "id")?).map_err(corrupt)?,
        tenant: tenant.clone(),
        at: time(get_i64(item, "at")?)?,
        actor: UserId::parse(get_s(item, "actor")?).map_err(corrupt)?,
        account_id: get_opt_s(item, ACCOUNT_ID)?
            .map(|id| AccountId::parse(id).map_err(corrupt))
            .transpose()?,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MemberAccess, Permission};
    use chrono::DateTime;

    fn entry(account_id: Option<AccountId>) -> AuditEntry {
        AuditEntry {
            id: AuditId::generate(),
            tenant: TenantId::parse("t").expect("tenant"),
            at: DateTime::from_timestamp_millis(1_700_000_000_123).expect("time"),
            actor: UserId::parse("auth0|dan").expect("user"),
            account_id,
            event: AuditEvent::GrantRemoved {
                user_id: UserId::parse("mike").expect("user"),
                permission: Permission::View,
            },
        }
    }

    #[test]
    fn an_entry_reads_back() {
        let given = entry(Some(AccountId::generate()));
        let item = audit_item(&given).expect("item");
        assert_eq!(audit_from_item(&given.tenant, &item).expect("read"), given);
    }

    #[test]
    fn only_entries_that_announce_an_event_are_in_the_outbox() {
        let grant = audit_item(&entry(Some(AccountId::generate()))).expect("item");
        assert!(!grant.contains_key(GSI1_PK) && !grant.contains_key(GSI1_SK));

        let mut reauth = entry(Some(AccountId::generate()));
        reauth.event = AuditEvent::NeedsReauth {
            code: "token_invalid".into(),
        };
        let item = audit_item(&reauth).expect("item");
        assert_eq!(
            item.get(GSI1_PK),
            Some(&outbox_partition(shard_of(reauth.id.as_str())))
        );
        assert_eq!(item.get(GSI1_SK), Some(&s(format!("{}#t", reauth.id))));
        assert_eq!(
            outbox_entry(&item).expect("entry"),
            (reauth.tenant.clone(), reauth.id.clone())
        );
        assert_eq!(
            audit_from_item(&reauth.tenant, &item).expect("read"),
            reauth
        );
    }

    #[test]
    fn an_entry_about_no_account_has_no_account_attribute() {
        let mut given = entry(None);
        given.event = AuditEvent::MemberAccessChanged {
            from: MemberAccess::Publish,
            to: MemberAccess::None,
        };
        let item = audit_item(&given).expect("item");
        assert!(!item.contains_key(ACCOUNT_ID));
        assert_eq!(audit_from_item(&given.tenant, &item).expect("read"), given);
    }
}
