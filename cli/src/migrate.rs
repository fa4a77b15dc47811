//! `igconnect migrate`: moves a DynamoDB table's items to the layout this release reads
//! (today: grants beside their accounts; docs/dynamodb.md, "Moving grants beside their
//! accounts"). Run once after deploying; running it again finds nothing left to move.
//! SQLite needs no command: its schema migrates when the file is opened.

use igconnect::adapters::dynamodb::{DynamoStore, GrantMove};

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The table to migrate (the stack's `TableName` output).
    #[arg(long, env = "IGC_TABLE_NAME")]
    table: String,
}

fn line(done: &GrantMove) -> String {
    format!(
        "grants: {} looked at, {} moved beside their account, {} replaced by a newer grant, \
         {} of deleted accounts dropped",
        done.seen, done.moved, done.superseded, done.orphaned
    )
}

pub async fn run(args: MigrateArgs) -> Result<(), String> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), args.table);
    eprintln!(
        "scanning {} for grants of the first layout ...",
        store.table()
    );
    let done = store
        .move_legacy_grants(|so_far| eprintln!("  {}", line(so_far)))
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", line(&done));
    Ok(())
}
