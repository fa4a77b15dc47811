//! Pure product rules: no I/O, no framework types. Permission rules live here and nowhere else.

mod account;
mod caller;
mod ids;
mod oauth_state;
mod page;
mod return_to;

pub use account::{
    Account, AccountStatus, Connection, LoginPath, MetaGrantor, Owner, OwnerKind, Profile,
};
pub use caller::{Caller, Role};
pub use ids::{AccountId, IdError, IgUserId, TenantId, UserId};
pub use oauth_state::{OAuthState, STATE_TTL, StateKey, StateToken};
pub use page::{Cursor, Page, PageError, PageRequest};
pub use return_to::{AllowedOrigins, ReturnTo, ReturnToError};
