//! The use cases, each a plain async function over the ports it needs. Handlers translate
//! HTTP to these and back; nothing here knows about HTTP, Lambda or a particular adapter.

mod accounts;
mod callback;
mod error;
mod initiate;

pub use accounts::{get_account, list_accounts};
pub use callback::{CallbackDeps, CallbackParams, ConnectFailure, Connected, callback};
pub use error::ServiceError;
pub use initiate::{ConnectPolicy, InitiateRequest, Initiated, initiate};
