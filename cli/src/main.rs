//! `igconnect`: the local stack (`serve`), the standalone Meta sandbox (`sandbox`) and
//! operator commands (`token`, `accounts`, `migrate`).

mod accounts;
mod data_dir;
mod migrate;
mod refresh;
mod sandbox;
mod serve;
mod token;
mod worker;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "igconnect",
    version,
    about = "Connect, keep and publish to Instagram professional accounts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the local stack: API, OAuth callback, Meta sandbox and web page on one port.
    Serve(serve::ServeArgs),
    /// Mint a development bearer token the local server accepts.
    Token(token::TokenArgs),
    /// Run the Meta sandbox on its own (to point Lambda functions or other tools at it).
    Sandbox(sandbox::SandboxArgs),
    /// Run the publish worker (scheduled posts, processing videos, retries) against the
    /// configured store; `--once` runs one pass and exits.
    Worker(worker::WorkerArgs),
    /// Run one token refresh pass (refresh, validate, sync profiles of due accounts)
    /// against the configured store, print a summary, deliver the events it made and exit.
    Refresh(refresh::RefreshArgs),
    /// Operator commands on a tenant's accounts against the configured store: list, show,
    /// sync, disconnect, and import a connection from a token read on standard input.
    Accounts(accounts::AccountsArgs),
    /// Move a DynamoDB table's items to the layout this release reads; run once after
    /// deploying an upgrade (docs/dynamodb.md). Safe to run again.
    Migrate(migrate::MigrateArgs),
}

/// Where local state lives; shared by the commands that read it.
#[derive(clap::Args, Clone)]
pub struct DataDirArg {
    /// Directory for the SQLite file, the master key and the dev JWT secret.
    #[arg(long, env = "IGC_DATA_DIR", default_value = ".igconnect")]
    pub data_dir: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Token(args) => token::run(args),
            Command::Sandbox(args) => sandbox::run(args).await,
            Command::Worker(args) => worker::run(args).await,
            Command::Refresh(args) => refresh::run(args).await,
            Command::Accounts(args) => accounts::run(args).await,
            Command::Migrate(args) => migrate::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
