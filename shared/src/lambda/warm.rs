//! Opening the AWS connections during init, so the first invocation after a cold start
//! does not pay the TLS handshakes (a few round trips each) on top of its own calls.
//!
//! The SDK clients pool their connections, so one cheap request per service at init leaves
//! a connection open for the first invocation. The probes run concurrently, within
//! [`BUDGET`] altogether, and never fail init: a function that cannot reach a service at
//! init reports it when a request needs it, as it would without the warm-up. Each function
//! probes only the clients it builds (`list` has no KMS client and so no KMS probe), and
//! Secrets Manager needs no probe: reading the Meta secret at init opened that connection.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// How long init may spend warming connections, all probes together. Long enough for a
/// TLS handshake to a regional endpoint, short enough that an unreachable endpoint costs
/// a cold start little.
pub(super) const BUDGET: Duration = Duration::from_millis(1500);

/// One connection to open; see [`dynamodb`] and [`kms`].
pub(super) type Probe<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs `probes` concurrently within [`BUDGET`]; logs (names and AWS error codes only)
/// what did not answer.
pub(super) async fn warm_up(probes: Vec<Probe<'_>>) {
    let started = Instant::now();
    let count = probes.len();
    match tokio::time::timeout(BUDGET, futures_util::future::join_all(probes)).await {
        Ok(_) => tracing::debug!(
            probes = count,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "connections warmed"
        ),
        Err(_) => tracing::warn!(
            budget_ms = BUDGET.as_millis() as u64,
            "warming connections took too long; the first request opens its own"
        ),
    }
}

/// DynamoDB's `DescribeEndpoints`: DynamoDB skips authorization for it on its public
/// endpoints, so it needs no IAM action, reads nothing from the table and cannot be
/// refused by the functions' least-privilege policies (from inside a VPC endpoint it
/// would need `dynamodb:DescribeEndpoints`, and a refusal still leaves the connection
/// open).
pub(super) fn dynamodb(client: &aws_sdk_dynamodb::Client) -> Probe<'_> {
    Box::pin(async move {
        let answer = client.describe_endpoints().send().await;
        log("dynamodb", "DescribeEndpoints", answer.err().as_ref());
    })
}

/// KMS `DescribeKey` on the function's own key: metadata only (no key material, no
/// encryption context), allowed by `kms:DescribeKey`. Where a policy does not allow it,
/// the `AccessDeniedException` answer comes over the same TLS connection, which stays
/// pooled and warm all the same; it only costs a denied call in CloudTrail.
pub(super) fn kms<'a>(client: &'a aws_sdk_kms::Client, key_id: &'a str) -> Probe<'a> {
    Box::pin(async move {
        let answer = client.describe_key().key_id(key_id).send().await;
        log("kms", "DescribeKey", answer.err().as_ref());
    })
}

/// Logs a probe's failure by service, operation and AWS error code: an answer (even a
/// refusal) means the connection is open, so only a request that got none is a warning.
fn log<E, R>(
    service: &'static str,
    operation: &'static str,
    error: Option<&aws_sdk_dynamodb::error::SdkError<E, R>>,
) where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_dynamodb::error::SdkError;
    match error {
        None => tracing::debug!(service, operation, "connection warmed"),
        Some(SdkError::ServiceError(e)) => tracing::debug!(
            service,
            operation,
            code = e.err().code().unwrap_or("unknown"),
            "connection warmed (the probe was answered with an error)"
        ),
        Some(e) => tracing::warn!(
            service,
            operation,
            reason = %aws_sdk_dynamodb::error::DisplayErrorContext(e),
            "could not warm the connection"
        ),
    }
}
