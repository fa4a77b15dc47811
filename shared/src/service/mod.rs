//! The use cases, each a plain async function over the ports it needs. Handlers translate
//! HTTP to these and back; nothing here knows about HTTP, Lambda or a particular adapter.

mod access;
mod accounts;
mod audit;
mod callback;
mod comment_events;
mod disconnect;
mod engagement;
mod error;
mod events;
mod import;
mod initiate;
mod media;
mod meta_callbacks;
mod publish;
mod refresh;
mod sharing;

pub use access::{AccessDeps, authorize};
pub use accounts::{VisibleAccount, get_account, list_accounts};
pub use audit::list_audit;
pub use callback::{CallbackDeps, CallbackParams, ConnectFailure, Connected, callback};
pub use comment_events::{CommentChange, comment_changes, record_comment_events};
pub use disconnect::{
    DisconnectDeps, Disconnected, disconnect_account, disconnect_account_as_operator,
};
pub use engagement::{
    AccountInsights, CommentPage, CommentTarget, EngagementDeps, InsightCache, InsightsQuery,
    MediaInsights, MediaPage, account_insights, delete_comment, list_comments, list_media,
    media_insights, post_insights, reply_to_comment, set_hidden,
};
pub use error::ServiceError;
pub use events::{DeliveryReport, deliver_events};
pub use import::{ImportDeps, ImportRequest, YOUNG_TOKEN_LIFETIME, import_connection};
pub use initiate::{ConnectPolicy, InitiateRequest, Initiated, initiate};
pub use media::{
    ExpiryReport, MediaDeps, MediaPolicy, NewUpload, Processed, create_upload, expire_media,
    fetch_urls, get_media, preview_url, process_upload, settle_media, use_in_post,
};
pub use meta_callbacks::{
    DEAUTHORIZED, Deauthorized, SIGNED_REQUEST_MAX_AGE, WebhookSummary, deauthorize,
    deletion_status, receive_webhook, request_data_deletion, verify_webhook_subscription,
};
pub use publish::{
    CreatePost, PassReport, PublishDeps, PublishPolicy, cancel_post, create_post, get_post,
    list_posts, work_once,
};
pub use refresh::{
    LookOutcome, PassPolicy, RefreshDeps, RefreshReport, classify, refresh_once, sync_account,
    sync_account_as_operator,
};
pub use sharing::{
    AccessChange, SharingDeps, list_grants, parse_permission, remove_grant, set_grant,
    update_account,
};
