//! The use cases, each a plain async function over the ports it needs. Handlers translate
//! HTTP to these and back; nothing here knows about HTTP, Lambda or a particular adapter.

mod access;
mod accounts;
mod audit;
mod callback;
mod error;
mod initiate;
mod publish;
mod sharing;

pub use access::{AccessDeps, authorize};
pub use accounts::{VisibleAccount, get_account, list_accounts};
pub use audit::list_audit;
pub use callback::{CallbackDeps, CallbackParams, ConnectFailure, Connected, callback};
pub use error::ServiceError;
pub use initiate::{ConnectPolicy, InitiateRequest, Initiated, initiate};
pub use publish::{
    CreatePost, PassReport, PublishDeps, PublishPolicy, cancel_post, create_post, get_post,
    list_posts, work_once,
};
pub use sharing::{
    AccessChange, SharingDeps, list_grants, parse_permission, remove_grant, set_grant,
    update_account,
};
