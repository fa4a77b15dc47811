//! Pure product rules: no I/O, no framework types. Permission rules live here and nowhere else.

mod account;
mod audit;
mod caller;
mod deletion;
mod delivery_signature;
mod event;
mod ids;
mod insights;
mod lifecycle;
pub mod media;
mod oauth_state;
mod page;
mod permission;
mod post;
mod publish_error;
mod return_to;
mod signed_request;
mod webhook_signature;

pub use account::{
    Account, AccountStatus, Connection, LoginPath, MetaGrantor, Owner, OwnerKind, Profile,
};
pub use audit::{AuditEntry, AuditEvent};
pub use caller::{Caller, Role};
pub use deletion::{DataDeletion, DeletionStatus};
pub use delivery_signature::{
    ID_HEADER, MAX_SKEW_SECONDS, MAX_WEBHOOK_SECRETS, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    WebhookSecret, WebhookSecretError, WebhookSecrets,
};
pub use event::Event;
pub use ids::{AccountId, AuditId, IdError, IgUserId, MediaId, PostId, TenantId, UserId};
pub use insights::{
    ACCOUNT_METRICS, DayMetrics, DayValue, FOLLOWERS_COUNT, Feature, MAX_METRICS, MAX_RANGE_DAYS,
    MEDIA_METRICS, META_WINDOW, MediaSurface, MetricCatalog, MetricDef, MetricError, MetricSeries,
    SNAPSHOT_BACKFILL_DAYS, series,
};
pub use lifecycle::{
    FIRST_RETRY, MAX_RETRY, MIN_TOKEN_AGE, RefreshFailure, RefreshPolicy, Upkeep, backoff,
};
pub use oauth_state::{OAuthState, STATE_TTL, StateKey, StateToken};
pub use page::{Cursor, CursorKey, Page, PageError, PageRequest};
pub use permission::{Denied, Grant, MemberAccess, Permission, permission_of, require};
pub use post::{
    AltText, CancelRefused, Caption, ContainerParams, Handle, IdempotencyKey, LocationId,
    MAX_ALT_TEXT_CHARS, MAX_CAPTION_CHARS, MAX_COLLABORATORS, MAX_HANDLE_CHARS, MAX_HASHTAGS,
    MAX_IDEMPOTENCY_KEY_LEN, MAX_MENTIONS, MAX_USER_TAGS, MediaItem, MediaItemRequest, MediaKind,
    MediaSource, MediaUrl, NewPost, Post, PostError, PostFailure, PostKind, PostOption,
    PostOptions, PostOptionsRequest, PostRequest, PostSpec, PostStatus, Progress, TagPosition,
    Upload, UrlField, UserTag, UserTagRequest, VideoUpload,
};
pub use publish_error::PublishFailure;
pub use return_to::{AllowedOrigins, ReturnTo, ReturnToError};
pub use signed_request::{
    MAX_SIGNED_REQUEST_LEN, SIGNED_REQUEST_MAX_SKEW, SignedRequest, SignedRequestError,
};
pub use webhook_signature::{
    MAX_CHALLENGE_LEN, SubscriptionError, WebhookSignatureError, verify_subscription,
    verify_webhook_signature,
};
