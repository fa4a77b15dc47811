//! `igconnect accounts`: what a support engineer needs without the API, against the
//! configured store (the same flags as `serve`, `worker` and `refresh`): list a tenant's
//! accounts, show one with its grants and upkeep, look at one now, disconnect one, and
//! import a connection from a token someone already holds. Operators act outside the
//! tenant's permissions (they hold the store and its keys already); changes are recorded
//! with an `operator:<name>` actor and their events delivered before the command exits.
//! Nothing here prints a token.

mod import;
mod print;

use crate::refresh::{deliver_all, event_sink};
use crate::serve::{StackArgs, backends};
use crate::worker::{graph_client, parse_now};
use chrono::{DateTime, Utc};
use igconnect::config::Settings;
use igconnect::domain::MetricCatalog;
use igconnect::domain::{Account, AccountId, PageRequest, TenantId, UserId};
use igconnect::ports::{Clock, FixedClock, Sealer, Store, SystemClock};
use igconnect::service::{
    AccessDeps, DeliveryReport, DisconnectDeps, PassPolicy, RefreshDeps, ServiceError,
    disconnect_account_as_operator, sync_account_as_operator,
};
use igconnect::telemetry::{self, LogFormat};
use serde_json::json;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct AccountsArgs {
    #[command(subcommand)]
    command: AccountsCommand,
}

#[derive(clap::Subcommand)]
enum AccountsCommand {
    /// Every account of the tenant: id, username, login, owner, status, token expiry, last
    /// refresh and last error.
    List(Common),
    /// One account with its grants and upkeep (never its token).
    Show(OneAccount),
    /// Look at one account now, as `POST /v1/accounts/{id}/sync` does: check its token at
    /// Meta and sync its profile.
    Sync(Look),
    /// Disconnect one account, as `DELETE /v1/accounts/{id}` does: its token, grants and
    /// posts are deleted (a Facebook user's grant is revoked at Meta with their last account).
    Disconnect(Change),
    /// Store the account(s) a token someone already holds reaches, checked at Meta and
    /// sealed like a login's. The token is read from standard input, never an argument.
    Import(import::ImportArgs),
}

/// What every subcommand takes.
#[derive(clap::Args)]
struct Common {
    /// The tenant whose accounts to act on.
    #[arg(long, value_parser = parse_tenant)]
    tenant: TenantId,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// The same as `serve`'s.
    #[command(flatten)]
    stack: StackArgs,
}

#[derive(clap::Args)]
struct OneAccount {
    /// The account's id (as `accounts list` or the API show it).
    #[arg(long, value_parser = parse_account)]
    account: AccountId,
    #[command(flatten)]
    common: Common,
}

/// `sync`: one account, at an instant.
#[derive(clap::Args)]
struct Look {
    #[command(flatten)]
    target: OneAccount,
    /// Take this instant (RFC 3339) as now.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
}

/// A subcommand that changes an account in someone's name.
#[derive(clap::Args)]
struct Change {
    #[command(flatten)]
    target: OneAccount,
    #[command(flatten)]
    actor: Actor,
}

/// Who changes things, and when.
#[derive(clap::Args)]
struct Actor {
    /// Your name for the audit trail, recorded as `operator:<name>` (default: $USER).
    #[arg(long, env = "IGC_OPERATOR")]
    operator: Option<String>,
    /// Take this instant (RFC 3339) as now.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
}

impl Actor {
    /// `operator:<name>`, from `--operator` or `$USER`, with any character an id may not
    /// hold replaced, so whatever the shell says still makes an id.
    fn user_id(&self) -> Result<UserId, String> {
        let name = [
            self.operator.clone(),
            std::env::var("USER").ok(),
            std::env::var("LOGNAME").ok(),
        ]
        .into_iter()
        .flatten()
        .find(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
        let safe: String = name
            .trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | ':' | '|') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        UserId::parse(format!("operator:{safe}")).map_err(|e| format!("--operator: {e}"))
    }

    fn clock(&self) -> Arc<dyn Clock> {
        clock(self.now)
    }
}

fn clock(now: Option<DateTime<Utc>>) -> Arc<dyn Clock> {
    match now {
        Some(now) => Arc::new(FixedClock(now)),
        None => Arc::new(SystemClock),
    }
}

fn parse_tenant(raw: &str) -> Result<TenantId, String> {
    TenantId::parse(raw).map_err(|e| e.to_string())
}

fn parse_account(raw: &str) -> Result<AccountId, String> {
    AccountId::parse(raw).map_err(|e| e.to_string())
}

/// The store and sealer of the stack, and the settings they were built from.
struct Stack {
    settings: Settings,
    store: Arc<dyn Store>,
    sealer: Arc<dyn Sealer>,
}

async fn open(stack: &StackArgs) -> Result<Stack, String> {
    telemetry::init(if stack.json_logs {
        LogFormat::Json
    } else {
        LogFormat::Text
    });
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    crate::data_dir::ensure(&stack.data.data_dir)?;
    let built = backends::build(stack.store, stack.sealer, &stack.data.data_dir, &settings).await?;
    Ok(Stack {
        settings,
        store: built.store,
        sealer: built.sealer,
    })
}

pub async fn run(args: AccountsArgs) -> Result<(), String> {
    match args.command {
        AccountsCommand::List(args) => list(args).await,
        AccountsCommand::Show(args) => show(args).await,
        AccountsCommand::Sync(args) => sync(args).await,
        AccountsCommand::Disconnect(args) => disconnect(args).await,
        AccountsCommand::Import(args) => import::run(args).await,
    }
}

async fn list(args: Common) -> Result<(), String> {
    let stack = open(&args.stack).await?;
    let mut accounts = Vec::new();
    let mut page: PageRequest = PageRequest {
        limit: PageRequest::<AccountId>::MAX_LIMIT,
        after: None,
    };
    loop {
        let found = stack
            .store
            .list_accounts(&args.tenant, &page)
            .await
            .map_err(|e| e.to_string())?;
        accounts.extend(found.items);
        match found.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    if args.json {
        let data: Vec<_> = accounts
            .iter()
            .map(|a| print::account_json(a, None))
            .collect();
        print::json(&json!({ "tenant": args.tenant.as_str(), "data": data }));
    } else {
        print::account_table(&accounts);
        println!(
            "{} account(s) in tenant {}",
            accounts.len(),
            args.tenant.as_str()
        );
    }
    Ok(())
}

/// The tenant's account, or the error an operator sees for one that is not there.
async fn find(store: &dyn Store, tenant: &TenantId, id: &AccountId) -> Result<Account, String> {
    store
        .get_account(tenant, id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| not_found(tenant, id))
}

fn not_found(tenant: &TenantId, id: &AccountId) -> String {
    format!(
        "tenant {} has no account {} (see `igconnect accounts list --tenant {}`)",
        tenant.as_str(),
        id.as_str(),
        tenant.as_str()
    )
}

async fn show(args: OneAccount) -> Result<(), String> {
    let stack = open(&args.common.stack).await?;
    let tenant = &args.common.tenant;
    let account = find(stack.store.as_ref(), tenant, &args.account).await?;
    let grants: Vec<_> = stack
        .store
        .grants_on(tenant, std::slice::from_ref(&account.id))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(_, g)| g)
        .collect();
    if args.common.json {
        print::json(&print::account_json(&account, Some(&grants)));
    } else {
        print::account_details(&account, Some(&grants));
    }
    Ok(())
}

async fn sync(args: Look) -> Result<(), String> {
    let common = &args.target.common;
    let stack = open(&common.stack).await?;
    let meta = graph_client(&stack.settings, &common.stack.data.data_dir)?;
    let clock = clock(args.now);
    let policy = PassPolicy {
        rules: stack.settings.refresh,
        catalog: MetricCatalog::for_version(&stack.settings.meta.graph_version),
        ..PassPolicy::default()
    };
    let deps = RefreshDeps {
        queue: stack.store.as_ref(),
        sealer: stack.sealer.as_ref(),
        meta: &meta,
        clock: clock.as_ref(),
        policy: &policy,
        snapshots: false,
    };
    let store = stack.store.as_ref();
    let account =
        sync_account_as_operator(store, store, deps, &common.tenant, &args.target.account)
            .await
            .map_err(|e| match e {
                ServiceError::AccountNotFound => not_found(&common.tenant, &args.target.account),
                e => format!("could not sync the account: {e}"),
            })?;
    let events = deliver(&stack).await;
    if common.json {
        let mut out = print::account_json(&account, None);
        out["events"] = events.json();
        print::json(&out);
    } else {
        println!(
            "synced {} (@{}): {}{}",
            account.id,
            account.profile.username,
            account.status.as_str(),
            account
                .upkeep
                .last_error
                .as_deref()
                .map(|e| format!(", last error {e}"))
                .unwrap_or_default()
        );
        print::account_details(&account, None);
        events.print();
    }
    Ok(())
}

async fn disconnect(args: Change) -> Result<(), String> {
    let common = &args.target.common;
    let operator = args.actor.user_id()?;
    let stack = open(&common.stack).await?;
    let meta = graph_client(&stack.settings, &common.stack.data.data_dir)?;
    let clock = args.actor.clock();
    let store = stack.store.as_ref();
    let deps = DisconnectDeps {
        access: AccessDeps { accounts: store },
        removal: store,
        meta: &meta,
        clock: clock.as_ref(),
    };
    let done =
        disconnect_account_as_operator(deps, &operator, &common.tenant, &args.target.account)
            .await
            .map_err(|e| match e {
                ServiceError::AccountNotFound => not_found(&common.tenant, &args.target.account),
                e => format!("could not disconnect the account: {e}"),
            })?;
    let events = deliver(&stack).await;
    if common.json {
        print::json(&json!({
            "disconnected": done.account.id.as_str(),
            "tenant": done.account.tenant.as_str(),
            "username": done.account.profile.username,
            "revoked_at_meta": done.revoked_at_meta,
            "actor": operator.as_str(),
            "events": events.json(),
        }));
    } else {
        println!(
            "disconnected {} (@{}) of tenant {} as {}{}",
            done.account.id,
            done.account.profile.username,
            done.account.tenant,
            operator,
            if done.revoked_at_meta {
                "; the Facebook user's grant was revoked at Meta"
            } else {
                ""
            }
        );
        events.print();
    }
    Ok(())
}

/// What delivering the outbox after a change did.
struct Delivered(Result<DeliveryReport, String>);

/// Delivers the events the change made (and any waiting), as `igconnect refresh` does. A
/// failure does not fail the command: the change is made, its events wait in the outbox
/// for the next `serve` or `refresh`.
async fn deliver(stack: &Stack) -> Delivered {
    let result = match event_sink(&stack.settings) {
        Ok(sink) => deliver_all(stack.store.as_ref(), sink.as_ref()).await,
        Err(e) => Err(e),
    };
    Delivered(result)
}

impl Delivered {
    fn print(&self) {
        match &self.0 {
            Ok(r) if r.failed > 0 => println!(
                "events: delivered {}, {} waiting (the receiver failed; delivered by the next `serve` or `refresh`)",
                r.delivered, r.failed
            ),
            Ok(r) => println!("events: delivered {}", r.delivered),
            Err(e) => eprintln!(
                "warning: events not delivered ({e}); they wait for the next `serve` or `refresh`"
            ),
        }
    }

    fn json(&self) -> serde_json::Value {
        match &self.0 {
            Ok(r) => json!({ "delivered": r.delivered, "waiting": r.failed }),
            Err(e) => json!({ "error": e }),
        }
    }
}
