//! Reading the tenant's audit trail: a company-wide record, so only owners and admins read it.

use super::ServiceError;
use crate::domain::{AuditEntry, AuditId, Caller, Page, PageRequest};
use crate::ports::AuditLog;

/// The caller's tenant's audit entries, newest first.
pub async fn list_audit(
    log: &dyn AuditLog,
    caller: &Caller,
    page: &PageRequest<AuditId>,
) -> Result<Page<AuditEntry, AuditId>, ServiceError> {
    if !caller.role.is_company_admin() {
        return Err(ServiceError::PermissionDenied(
            "only owners and admins may read the audit trail".into(),
        ));
    }
    Ok(log.list_audit(&caller.tenant, page).await?)
}
