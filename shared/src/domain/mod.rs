//! Pure product rules: no I/O, no framework types. Permission rules live here and nowhere else.

mod account;
mod audit;
mod caller;
mod ids;
mod oauth_state;
mod page;
mod permission;
mod return_to;

pub use account::{
    Account, AccountStatus, Connection, LoginPath, MetaGrantor, Owner, OwnerKind, Profile,
};
pub use audit::{AuditEntry, AuditEvent};
pub use caller::{Caller, Role};
pub use ids::{AccountId, AuditId, IdError, IgUserId, TenantId, UserId};
pub use oauth_state::{OAuthState, STATE_TTL, StateKey, StateToken};
pub use page::{Cursor, CursorKey, Page, PageError, PageRequest};
pub use permission::{Denied, Grant, MemberAccess, Permission, permission_of, require};
pub use return_to::{AllowedOrigins, ReturnTo, ReturnToError};
