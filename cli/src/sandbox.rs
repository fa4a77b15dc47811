//! `igconnect sandbox`: the Meta sandbox on its own port, so Lambda functions (under
//! `cargo lambda watch`) or any other client can be pointed at it.

use igconnect::telemetry::{self, LogFormat};
use igconnect_sandbox::{Sandbox, SandboxApps, SandboxOptions};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use url::Url;

#[derive(clap::Args)]
pub struct SandboxArgs {
    /// Port to listen on; 0 picks a free one (printed on start).
    #[arg(long, default_value_t = 9100)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Delay added to every Graph answer, to emulate what a call to Meta costs (benchmarks).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Publishes each Instagram account may make in 24 hours (content_publishing_limit).
    #[arg(long, default_value_t = SandboxOptions::default().publishing_quota)]
    publishing_quota: u32,
    /// Whether each account starts with posts made "before igconnect" (with comments), so
    /// insights and comments have something to show: `true` or `false`.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    seed_media: bool,
}

pub async fn run(args: SandboxArgs) -> Result<(), String> {
    telemetry::init(LogFormat::Text);
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let base = Url::parse(&format!("http://{addr}/")).map_err(|e| e.to_string())?;
    let apps = SandboxApps::dev_defaults();
    let options = SandboxOptions {
        latency: Duration::from_millis(args.latency_ms),
        publishing_quota: args.publishing_quota,
        seeded_media: args.seed_media,
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::with_options(apps.clone(), base.clone(), options);
    println!("Meta sandbox listening on {base}");
    println!("Point igconnect at it with:");
    let join = |p: &str| base.join(p).map(|u| u.to_string()).unwrap_or_default();
    println!("  IGC_FACEBOOK_DIALOG_URL={}", join("facebook-www/"));
    println!("  IGC_FACEBOOK_GRAPH_URL={}", join("facebook-graph/"));
    println!("  IGC_INSTAGRAM_AUTH_URL={}", join("instagram-www/"));
    println!("  IGC_INSTAGRAM_API_URL={}", join("instagram-api/"));
    println!("  IGC_INSTAGRAM_GRAPH_URL={}", join("instagram-graph/"));
    println!(
        "  IGC_META_APP_ID={}  IGC_INSTAGRAM_APP_ID={}",
        apps.facebook.app_id, apps.instagram.app_id
    );
    println!("  (app secrets: the documented sandbox dev secrets, see docs/sandbox.md)");
    axum::serve(listener, sandbox.router())
        .await
        .map_err(|e| format!("sandbox failed: {e}"))
}
