//! Shared by the test files that run `igconnect serve` on the production adapters.

use igconnect::conformance::moto;
use igconnect_blackbox::Server;

/// `igconnect serve --store dynamodb --sealer kms` against moto, on a fresh table; the
/// server and the table's name.
pub async fn server_on_moto() -> (Server, String) {
    let table = moto::unique_name("igconnect-serve");
    let key = moto::kms_key().await;
    let mut env: Vec<(&str, String)> = moto::child_env();
    env.push(("IGC_TABLE_NAME", table.clone()));
    env.push(("IGC_KMS_KEY_ID", key));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start_with_args(&["--store", "dynamodb", "--sealer", "kms"], &env).await;
    (server, table)
}
