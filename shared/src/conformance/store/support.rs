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
