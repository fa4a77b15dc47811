//! Store behaviours: what the use cases rely on from any storage backend.

mod access;
mod accounts;
mod audit;
mod grants;
mod health;
mod insights;
mod lifecycle;
mod listing;
mod media;
mod post_fixtures;
mod post_updates;
mod posts;
mod removal;
mod states;
mod support;

pub use access::*;
pub use accounts::*;
pub use audit::*;
pub use grants::*;
pub use health::*;
pub use insights::*;
pub use lifecycle::*;
pub use listing::*;
pub use media::*;
pub use post_updates::*;
pub use posts::*;
pub use removal::*;
pub use states::*;
