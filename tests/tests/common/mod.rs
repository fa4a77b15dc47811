//! Shared by the test files that run `igconnect serve` on the production adapters, and by
//! the scenarios that run on both runtimes. Not every file uses every helper.
#![allow(dead_code, unused_macros)]

#[macro_use]
pub mod receiver;

use igconnect::conformance::moto;
use igconnect_blackbox::Server;

/// `igconnect serve --store dynamodb --sealer kms` against moto, on a fresh table; the
/// server and the table's name.
pub async fn server_on_moto() -> (Server, String) {
    server_on_moto_with(&[]).await
}

/// Same, with extra environment for the server (and for `igconnect worker` passes run
/// beside it).
pub async fn server_on_moto_with(extra_env: &[(&str, &str)]) -> (Server, String) {
    let table = moto::unique_name("igconnect-serve");
    let key = moto::kms_key().await;
    let mut env: Vec<(&str, String)> = moto::child_env();
    env.push(("IGC_TABLE_NAME", table.clone()));
    env.push(("IGC_KMS_KEY_ID", key));
    env.extend(extra_env.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start_with_args(&["--store", "dynamodb", "--sealer", "kms"], &env).await;
    (server, table)
}

/// Makes each scenario (an `async fn(Server)` of the same name) two tests, `<name>::on_sqlite`
/// and `<name>::on_dynamodb` (DynamoDB and KMS on moto), each on a fresh server started with
/// the given environment:
///
/// ```ignore
/// on_both_runtimes! {
///     a_scheduled_post_is_published_on_time(WORKER_OFF);
/// }
/// async fn a_scheduled_post_is_published_on_time(server: Server) { ... }
/// ```
macro_rules! on_both_runtimes {
    ($($name:ident($env:expr);)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn on_sqlite() {
                super::$name(igconnect_blackbox::Server::start_with($env).await).await;
            }

            #[tokio::test]
            async fn on_dynamodb() {
                let (server, _table) = crate::common::server_on_moto_with($env).await;
                super::$name(server).await;
            }
        }
    )*};
}

/// Environment that turns `serve`'s own publish worker off, so only the `igconnect worker`
/// passes a test runs (at the instants it picks) publish what is due.
pub const WORKER_OFF: &[(&str, &str)] = &[("IGC_WORKER_INTERVAL_MS", "0")];

/// An instant as `--now` takes it (RFC 3339, UTC, whole seconds).
pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `now` plus `seconds`, as `--now` takes it.
pub fn in_seconds(seconds: i64) -> String {
    rfc3339(chrono::Utc::now() + chrono::TimeDelta::seconds(seconds))
}
