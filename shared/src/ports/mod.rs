//! The traits the use cases need, split by capability: a function depends only on what it
//! uses, so the `list` path is handed an [`AccountReader`] and has no way to reach a
//! [`Sealer`] or a token, mirroring its IAM policy.

mod clock;
mod engagement;
mod events;
mod lifecycle;
mod media;
mod meta;
mod publisher;
mod sealer;
mod store;
mod upkeep;

pub use clock::{Clock, FixedClock, SystemClock};
pub use engagement::{
    Comment, CommentsGraph, EngagementGraph, GraphPage, InsightSnapshots, InsightsGraph,
    MediaSummary, MetricValue,
};
pub use events::{DeliveryError, EventSink};
pub use lifecycle::{
    AccountRemoval, ClaimedAccount, DeletionRequests, DueAccount, Outbox, RefreshQueue,
    UpkeepOutcome,
};
pub use media::{FilesError, MediaFiles, MediaInsert, MediaStore, NoMediaFiles, UploadTarget};
pub use meta::{
    FacebookGraph, FacebookPage, FacebookUser, InstagramCodeGrant, InstagramGraph, InstagramMe,
    IssuedToken, Meta, MetaError, PermissionGrant,
};
pub use publisher::{ContainerStatus, GraphAccount, PublishedMedia, Publisher, PublishingLimit};
pub use sealer::{EncryptionContext, Purpose, SealError, SealedSecret, Sealer};
pub use store::{
    AccessWriter, AccountHealth, AccountReader, AccountWithGrants, AccountWriter, AuditLog,
    GrantReader, OAuthStates, PostInsert, PostQueue, PostStore, Store, StoreError, TokenReader,
};
pub use upkeep::{TokenHealth, TokenUpkeep, UpkeepGraph};
