//! Store behaviours: what the use cases rely on from any storage backend.

mod access;
mod accounts;
mod audit;
mod grants;
mod states;
mod support;

pub use access::*;
pub use accounts::*;
pub use audit::*;
pub use grants::*;
pub use states::*;
