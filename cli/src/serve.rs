//! `igconnect serve`: the whole product on one port with embedded defaults. It mounts the
//! same routers the Lambda functions use, the Meta sandbox under `/sandbox` (for every login
//! path without real app credentials), and the Integrations page (`web/app/`) at `/`.

use igconnect::adapters::graph::GraphClient;
use igconnect::config::{MetaConfig, Settings};
use igconnect::domain::AllowedOrigins;
use igconnect::domain::MetricCatalog;
use igconnect::http::{
    self, AccountsState, Authenticator, CallbackState, InitiateState, JwtVerifier, PostsState,
    ShareState, SyncState,
};
use igconnect::ports::{Clock, Meta, Publisher, SystemClock};
use igconnect::ports::{TokenUpkeep, UpkeepGraph};
use igconnect::service::PassPolicy;
use igconnect::service::{ConnectPolicy, MediaPolicy, PublishPolicy};
use igconnect::telemetry::{self, LogFormat};
use igconnect_sandbox::{self as sandbox, Sandbox, SandboxApps, SandboxOptions};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use url::Url;

pub mod backends;
pub mod media;
pub mod web;

pub use backends::StackArgs;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one (printed on start).
    #[arg(long, env = "IGC_PORT", default_value_t = 8080)]
    port: u16,
    /// Address to bind. Keep the loopback default unless you put TLS in front.
    #[arg(long, env = "IGC_HOST", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    #[command(flatten)]
    stack: StackArgs,
    /// The sandbox waits this long before answering each Graph call (as Meta's latency).
    #[arg(long, env = "IGC_SANDBOX_LATENCY_MS", default_value_t = 0)]
    sandbox_latency_ms: u64,
    /// Posts each sandbox account may publish in 24 hours (content_publishing_limit).
    #[arg(long, env = "IGC_SANDBOX_PUBLISHING_QUOTA", default_value_t = 100)]
    sandbox_publishing_quota: u32,
    /// Status reads a sandbox video container answers IN_PROGRESS before FINISHED.
    #[arg(long, env = "IGC_SANDBOX_VIDEO_POLLS", default_value_t = 3)]
    sandbox_video_polls: u32,
    /// Whether each sandbox account starts with posts made "before igconnect" (an image, a
    /// carousel, a reel and a story, with comments), so insights and comments have
    /// something to show: `true` or `false`.
    #[arg(long, env = "IGC_SANDBOX_SEED_MEDIA", default_value_t = true, action = clap::ArgAction::Set)]
    sandbox_seed_media: bool,
    /// Whether the page offers a development sign-in (`POST /dev/token`: a token for any
    /// tenant, user and role). Default: on when bound to a loopback address, off otherwise.
    #[arg(long, env = "IGC_DEV_SIGN_IN", action = clap::ArgAction::Set)]
    dev_sign_in: Option<bool>,
}

pub async fn run(args: ServeArgs) -> Result<(), String> {
    telemetry::init(if args.stack.json_logs {
        LogFormat::Json
    } else {
        LogFormat::Text
    });
    let mut settings = Settings::from_env().map_err(|e| e.to_string())?;

    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let origin = Url::parse(&format!("http://{addr}/")).map_err(|e| e.to_string())?;

    if std::env::var_os("IGC_REDIRECT_URI").is_none() {
        settings.meta.redirect_uri = origin
            .join("v1/oauth/callback")
            .map_err(|e| e.to_string())?;
    }
    let allowed_origins = match settings.allowed_return_origins.clone() {
        Some(list) => list,
        // People type `localhost` as often as `127.0.0.1`; both name this server.
        None if addr.ip().is_loopback() => {
            AllowedOrigins::parse(&format!("{origin},http://localhost:{}", addr.port()))?
        }
        None => AllowedOrigins::parse(origin.as_str())?,
    };

    let sandbox_base = origin.join("sandbox/").map_err(|e| e.to_string())?;
    let sandbox = Sandbox::with_options(
        SandboxApps::dev_defaults(),
        sandbox_base.clone(),
        SandboxOptions {
            latency: std::time::Duration::from_millis(args.sandbox_latency_ms),
            publishing_quota: args.sandbox_publishing_quota,
            video_processing_polls: args.sandbox_video_polls,
            seeded_media: args.sandbox_seed_media,
        },
    );
    let (meta_config, sandboxed) = meta_config(&settings, &sandbox_base);
    // Meta's callbacks are signed with the secrets of the apps in use (the sandbox's for a
    // sandboxed login path); their status URLs are built on this server's address.
    let callbacks = Arc::new(http::MetaCallbacks::new(
        &meta_config,
        settings.meta_webhook_verify_token.clone(),
    ));
    let graph = GraphClient::new(meta_config).map_err(|e| e.to_string())?;
    let meta: Arc<dyn Meta> = Arc::new(graph.clone());
    let upkeep: Arc<dyn UpkeepGraph> = Arc::new(graph.clone());
    let revoke: Arc<dyn TokenUpkeep> = Arc::new(graph.clone());
    let engagement: Arc<dyn igconnect::ports::EngagementGraph> = Arc::new(graph.clone());
    let publisher: Arc<dyn Publisher> = Arc::new(graph);

    crate::data_dir::ensure(&args.stack.data.data_dir)?;
    crate::data_dir::write_sandbox_url(&args.stack.data.data_dir, &sandbox_base)?;
    let backends = backends::build(
        args.stack.store,
        args.stack.sealer,
        &args.stack.data.data_dir,
        &settings,
    )
    .await?;
    let secret = crate::data_dir::jwt_secret(&settings, &args.stack.data.data_dir)?;
    let auth = Arc::new(Authenticator::Jwt(Box::new(JwtVerifier::new(
        &secret,
        &settings.jwt,
    ))));
    // Anyone who can reach the server may mint a token of any tenant: only where that is
    // the person at the keyboard, unless asked for.
    let dev_sign_in = args
        .dev_sign_in
        .unwrap_or(addr.ip().is_loopback())
        .then(|| web::DevSignIn {
            secret: secret.clone(),
            jwt: settings.jwt.clone(),
        });
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let policy = publish_policy(&settings);
    let store = backends.store;
    let files = Arc::new(media::local_files(
        &args.stack.data.data_dir,
        origin.clone(),
    )?);
    let media_policy = Arc::new(MediaPolicy::from_settings(&settings.media));
    let media_files = media::MediaFilesState {
        files: files.clone(),
        store: store.clone(),
        clock: clock.clone(),
        policy: media_policy.clone(),
    };
    let sealer = backends.sealer;
    let pass_policy = PassPolicy {
        rules: settings.refresh,
        catalog: MetricCatalog::for_version(&settings.meta.graph_version),
        ..PassPolicy::default()
    };
    let refresher = crate::refresh::Refresher {
        store: store.clone(),
        sealer: sealer.clone(),
        meta: upkeep.clone(),
        clock: clock.clone(),
        policy: pass_policy.clone(),
    };
    let sink = crate::refresh::event_sink(&settings)?;
    let sync = SyncState {
        auth: Arc::clone(&auth),
        accounts: store.clone(),
        tokens: store.clone(),
        queue: store.clone(),
        sealer: sealer.clone(),
        meta: upkeep,
        clock: clock.clone(),
        policy: Arc::new(pass_policy),
    };
    let events_store = store.clone();
    let meta_callbacks = http::MetaState {
        removal: store.clone(),
        audit: store.clone(),
        deletions: store.clone(),
        clock: clock.clone(),
        callbacks,
    };
    let insights = igconnect::lambda::insights_router(
        &settings,
        Arc::clone(&auth),
        igconnect::lambda::EngagementPorts {
            accounts: store.clone(),
            tokens: store.clone(),
            health: store.clone(),
            sealer: sealer.clone(),
            meta: engagement,
            snapshots: store.clone(),
            posts: store.clone(),
            audit: store.clone(),
            clock: clock.clone(),
        },
    );
    let worker = crate::worker::Worker {
        store: store.clone(),
        sealer: sealer.clone(),
        meta: publisher.clone(),
        clock: clock.clone(),
        policy: policy.clone(),
        files: files.clone(),
        media_policy: (*media_policy).clone(),
    };

    let api = http::api_router(
        InitiateState {
            auth: Arc::clone(&auth),
            states: store.clone(),
            meta: Arc::clone(&meta),
            clock: clock.clone(),
            policy: ConnectPolicy {
                allowed_origins,
                state_ttl: settings.state_ttl,
            },
        },
        CallbackState {
            states: store.clone(),
            accounts: store.clone(),
            sealer: sealer.clone(),
            meta,
            clock: clock.clone(),
        },
        AccountsState {
            auth: Arc::clone(&auth),
            accounts: store.clone(),
        },
        ShareState {
            auth: Arc::clone(&auth),
            accounts: store.clone(),
            writer: store.clone(),
            audit: store.clone(),
            clock: clock.clone(),
            removal: store.clone(),
            revoke,
        },
        PostsState {
            auth,
            accounts: store.clone(),
            tokens: store.clone(),
            health: store.clone(),
            posts: store.clone(),
            sealer,
            meta: publisher,
            clock,
            policy: Arc::new(policy),
            media: store,
            files,
            media_policy,
        },
    );
    let app = http::finish(
        api.merge(http::sync_routes(sync))
            .merge(insights)
            .merge(http::meta_routes(meta_callbacks))
            .merge(web::routes(dev_sign_in.clone()))
            .merge(media::routes(media_files))
            .nest("/sandbox", sandbox.router()),
    );

    println!("igconnect listening on {origin}");
    println!(
        "  store: {}, sealer: {}, data dir: {}",
        args.stack.store,
        args.stack.sealer,
        args.stack.data.data_dir.display()
    );
    if sandboxed.is_empty() {
        println!("  Meta: real apps for both login paths");
    } else {
        println!(
            "  Meta sandbox at {sandbox_base} for: {}",
            sandboxed.join(", ")
        );
    }
    if dev_sign_in.is_some() {
        println!("  Integrations page: {origin} (sign in as any dev user)");
    } else {
        println!("  Integrations page: {origin} (dev sign-in off: IGC_DEV_SIGN_IN=true)");
    }
    println!(
        "  get a dev token: {} token --data-dir {} --tenant acme --user alice --role owner",
        invocation(),
        args.stack.data.data_dir.display()
    );
    if settings.worker_interval.is_zero() {
        println!("  publish worker: off (IGC_WORKER_INTERVAL_MS=0); run `igconnect worker`");
    } else {
        println!(
            "  publish worker: a pass every {} ms (scheduled posts, videos, retries)",
            settings.worker_interval.as_millis()
        );
        tokio::spawn(worker.run_forever(settings.worker_interval));
    }
    if settings.refresh_interval.is_zero() {
        println!("  token refresh: off (IGC_REFRESH_INTERVAL_MS=0); run `igconnect refresh`");
    } else {
        println!(
            "  token refresh: a pass every {} s (refresh window {} d, validate every {} h)",
            settings.refresh_interval.as_secs(),
            settings.refresh.window.num_days(),
            settings.refresh.validate_every.num_hours()
        );
        tokio::spawn(refresher.run_forever(settings.refresh_interval));
    }
    match &settings.webhook {
        Some((url, secrets)) => println!(
            "  events: Standard Webhooks POSTs to {url} (signed with {} secret{})",
            secrets.len(),
            if secrets.len() == 1 { "" } else { "s" }
        ),
        None => println!(
            "  events: logged (set IGC_WEBHOOK_URL and IGC_WEBHOOK_SECRET to receive them)"
        ),
    }
    if settings.delivery_interval.is_zero() {
        println!(
            "  event delivery: off (IGC_DELIVERY_INTERVAL_MS=0); `igconnect refresh` delivers"
        );
    } else {
        tokio::spawn(crate::refresh::deliver_forever(
            events_store,
            sink,
            settings.delivery_interval,
        ));
    }
    tracing::info!(%addr, "listening");

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// How to run this same binary again from a shell: through cargo when it was started by
/// `cargo run` (the README's way, which leaves nothing on PATH), else as it was invoked.
fn invocation() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    // A build directory: `target/`, or wherever CARGO_TARGET_DIR (inherited from the shell
    // that ran cargo) put it.
    let in_build_dir = exe.components().any(|c| c.as_os_str() == "target")
        || std::env::var_os("CARGO_TARGET_DIR")
            .is_some_and(|dir| !dir.is_empty() && exe.starts_with(dir));
    let built_by_cargo = in_build_dir && std::env::var_os("CARGO").is_some_and(|v| !v.is_empty());
    if built_by_cargo {
        "cargo run -q -p igconnect-cli --".to_owned()
    } else {
        std::env::args()
            .next()
            .unwrap_or_else(|| "igconnect".to_owned())
    }
}

/// Publishing's timings, with the in-request wait from the settings.
pub fn publish_policy(settings: &Settings) -> PublishPolicy {
    PublishPolicy {
        in_request_wait: settings.publish_wait,
        ..PublishPolicy::default()
    }
}

/// The Meta configuration: real endpoints for login paths with app credentials, the
/// sandbox for the others. Returns the names of the sandboxed paths.
pub fn meta_config(settings: &Settings, sandbox_base: &Url) -> (MetaConfig, Vec<&'static str>) {
    let real = &settings.meta;
    let mut cfg = sandbox::meta_config(
        sandbox_base,
        &real.graph_version,
        real.redirect_uri.clone(),
        &SandboxApps::dev_defaults(),
    );
    cfg.optional_features = real.optional_features.clone();
    let mut sandboxed = Vec::new();
    match &real.facebook_app {
        Some(app) => {
            cfg.facebook_app = Some(app.clone());
            cfg.facebook_dialog_url = real.facebook_dialog_url.clone();
            cfg.facebook_graph_url = real.facebook_graph_url.clone();
            cfg.facebook_upload_url = real.facebook_upload_url.clone();
        }
        None => sandboxed.push("facebook"),
    }
    match &real.instagram_app {
        Some(app) => {
            cfg.instagram_app = Some(app.clone());
            cfg.instagram_auth_url = real.instagram_auth_url.clone();
            cfg.instagram_api_url = real.instagram_api_url.clone();
            cfg.instagram_graph_url = real.instagram_graph_url.clone();
        }
        None => sandboxed.push("instagram"),
    }
    (cfg, sandboxed)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
