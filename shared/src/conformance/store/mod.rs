//! Store behaviours: what the use cases rely on from any storage backend.

mod accounts;
mod states;

pub use accounts::*;
pub use states::*;
