//! What the behaviours share: reading a whole trail, connecting a fixture account.

use crate::conformance::fixtures::{connection, sealed, tenant};
use crate::domain::{Account, AuditEntry, AuditId, PageRequest, TenantId};
use crate::ports::{AccountWriter, AuditLog};

/// The tenant's whole trail, newest first, read a page at a time.
pub(super) async fn whole_trail<S: AuditLog + ?Sized>(
    store: &S,
    tenant: &TenantId,
) -> Vec<AuditEntry> {
    let mut trail = Vec::new();
    let mut request = PageRequest::<AuditId> {
        limit: PageRequest::<AuditId>::MAX_LIMIT,
        after: None,
    };
    loop {
        let page = store
            .list_audit(tenant, &request)
            .await
            .expect("list audit");
        trail.extend(page.items);
        match page.next {
            Some(cursor) => request.after = Some(cursor),
            None => return trail,
        }
    }
}

/// Asserts that `entry` is not in the tenant's trail: a refused change must leave no record.
pub(super) async fn assert_not_audited<S: AuditLog + ?Sized>(
    store: &S,
    tenant: &TenantId,
    entry: &AuditEntry,
) {
    assert!(
        !whole_trail(store, tenant)
            .await
            .iter()
            .any(|e| e.id == entry.id),
        "a refused change left its audit entry {:?}",
        entry.event
    );
}

/// Connects (or reconnects) the fixture login of `ig_user_id` in `tenant-a`.
pub(super) async fn connect<S: AccountWriter + ?Sized>(store: &S, ig_user_id: &str) -> Account {
    store
        .save_connection(
            &connection(&tenant("tenant-a"), ig_user_id),
            &sealed(ig_user_id),
        )
        .await
        .expect("save connection")
}
