//! `igconnect accounts import`: a token someone already holds becomes connected accounts.
//! The token comes from standard input only: an argument would sit in the shell history and
//! in every process listing. It is never printed, logged or put in an error.

use super::{Actor, Common, deliver, open, print};
use crate::worker::graph_client;
use igconnect::domain::{LoginPath, Owner, UserId};
use igconnect::service::{ImportDeps, ImportRequest, ServiceError, import_connection};
use secrecy::SecretString;
use secrecy::zeroize::Zeroize;
use serde_json::json;
use std::io::{IsTerminal, Read};

/// Longer than any token Meta issues (a few hundred characters), short enough that a file
/// piped in by mistake is refused rather than sent to Meta.
const MAX_TOKEN_BYTES: u64 = 4096;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Who owns the accounts: `user:<user id>` or `company`. An account already connected
    /// in the tenant keeps its owner (the import renews it in place, as a login would).
    #[arg(long, value_parser = parse_owner)]
    owner: Owner,
    /// Which login issued the token: `facebook` (a Facebook user token; every granted Page
    /// with a linked Instagram professional account is imported) or `instagram` (an
    /// Instagram Login token; its one account).
    #[arg(long, value_parser = parse_login)]
    login: LoginPath,
    /// Recorded as who connected the accounts (and the audit entry's actor); default:
    /// `operator:<name>`.
    #[arg(long, value_parser = parse_user)]
    connected_by: Option<UserId>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    actor: Actor,
}

fn parse_owner(raw: &str) -> Result<Owner, String> {
    match raw.split_once(':') {
        None if raw == "company" => Ok(Owner::Company),
        Some(("user", id)) => Ok(Owner::User {
            user_id: UserId::parse(id).map_err(|e| e.to_string())?,
        }),
        _ => Err("expected `user:<user id>` or `company`".to_owned()),
    }
}

fn parse_login(raw: &str) -> Result<LoginPath, String> {
    LoginPath::parse(raw).ok_or_else(|| "expected `facebook` or `instagram`".to_owned())
}

fn parse_user(raw: &str) -> Result<UserId, String> {
    UserId::parse(raw).map_err(|e| e.to_string())
}

/// The token on standard input, trimmed. Refused when standard input is a terminal (a token
/// typed or pasted there stays on screen and in the scrollback): pipe it in instead.
fn read_token() -> Result<SecretString, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(
            "the token is read from standard input, which is a terminal here; pipe it \
             in instead, e.g. `igconnect accounts import ... < token.txt` (an argument or a \
             terminal would keep it in the shell history or on screen)"
                .to_owned(),
        );
    }
    let mut raw = Vec::new();
    let read = stdin
        .lock()
        .take(MAX_TOKEN_BYTES + 1)
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read standard input: {e}"));
    let checked = read.and_then(|n| {
        if n as u64 > MAX_TOKEN_BYTES {
            return Err(format!(
                "standard input holds more than {MAX_TOKEN_BYTES} bytes: expected one token"
            ));
        }
        let text = std::str::from_utf8(&raw)
            .map_err(|_| "standard input is not text: expected one token".to_owned())?;
        let token = text.trim();
        if token.is_empty() {
            return Err("standard input is empty: expected one token".to_owned());
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(
                "standard input holds more than one word: expected one token alone".to_owned(),
            );
        }
        Ok(SecretString::from(token.to_owned()))
    });
    raw.zeroize();
    checked
}

pub async fn run(args: ImportArgs) -> Result<(), String> {
    // Read (and refused) before anything else runs, so a mistake costs nothing.
    let token = read_token()?;
    let operator = args.actor.user_id()?;
    let connected_by = args.connected_by.clone().unwrap_or(operator);
    let common = &args.common;
    let stack = open(&common.stack).await?;
    let meta = graph_client(&stack.settings, &common.stack.data.data_dir)?;
    let clock = args.actor.clock();
    let deps = ImportDeps {
        accounts: stack.store.as_ref(),
        sealer: stack.sealer.as_ref(),
        meta: &meta,
        clock: clock.as_ref(),
    };
    let request = ImportRequest {
        tenant: common.tenant.clone(),
        login: args.login,
        owner: args.owner.clone(),
        connected_by: connected_by.clone(),
    };
    let imported = import_connection(deps, &request, &token)
        .await
        .map_err(|e| match e {
            ServiceError::Invalid {
                code: "token_invalid",
                ..
            } => format!(
                "nothing was imported: {e} (check --login, and that the token is still valid)"
            ),
            e => format!("nothing was imported: {e}"),
        })?;
    drop(token);
    let events = deliver(&stack).await;
    if common.json {
        let data: Vec<_> = imported
            .iter()
            .map(|a| {
                let mut v = print::account_json(a, None);
                v["renewed"] = json!(a.version > 1);
                v
            })
            .collect();
        print::json(&json!({
            "tenant": common.tenant.as_str(),
            "data": data,
            "events": events.json(),
        }));
    } else {
        println!(
            "imported {} account(s) into tenant {} ({} Login, connected by {}):",
            imported.len(),
            common.tenant,
            match args.login {
                LoginPath::Facebook => "Facebook",
                LoginPath::Instagram => "Instagram",
            },
            connected_by
        );
        print::account_table(&imported);
        for a in imported.iter().filter(|a| a.version > 1) {
            println!(
                "note: {} (@{}) was already connected: renewed in place, owner {} kept",
                a.id,
                a.profile.username,
                print::owner(&a.owner)
            );
        }
        events.print();
    }
    Ok(())
}
