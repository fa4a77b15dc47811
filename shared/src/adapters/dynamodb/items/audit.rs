//! Audit items: one per entry, in the tenant's partition, keyed `AUDIT#<audit id>`. Audit
//! ids are time-ordered, so a backward query reads the trail newest first.

use super::{ACCOUNT_ID, Item, PK, SK, corrupt, get_i64, get_opt_s, get_s, n, s, tenant_pk, time};
use crate::domain::{AccountId, AuditEntry, AuditEvent, AuditId, TenantId, UserId};
use crate::ports::StoreError;
use std::collections::HashMap;

/// The sort-key prefix of every audit item.
pub(in crate::adapters::dynamodb) const AUDIT_PREFIX: &str = "AUDIT#";

/// Every attribute an entry is read from (the tenant is the partition's).
pub(in crate::adapters::dynamodb) const AUDIT_ATTRIBUTES: &[&str] =
    &["id", "at", "actor", ACCOUNT_ID, "event"];

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
