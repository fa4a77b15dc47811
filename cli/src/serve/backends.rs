//! Which Store and Sealer `serve` runs on: the embedded defaults, or DynamoDB and KMS for
//! local development against AWS (or moto).

use igconnect::adapters::keyring::LocalKeyring;
use igconnect::adapters::sqlite::SqliteStore;
use igconnect::config::Settings;
use igconnect::ports::{Sealer, Store};
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StoreKind {
    /// A SQLite file in the data directory.
    Sqlite,
    /// The DynamoDB table named by IGC_TABLE_NAME (created if missing).
    Dynamodb,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SealerKind {
    /// A local master key in the data directory.
    Keyring,
    /// The KMS key named by IGC_KMS_KEY_ID.
    Kms,
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "sqlite",
            Self::Dynamodb => "dynamodb",
        })
    }
}

impl std::fmt::Display for SealerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Keyring => "keyring",
            Self::Kms => "kms",
        })
    }
}

/// Where the stack keeps its state, shared by every command that runs against it (`serve`,
/// `worker`), so they always agree on flags and defaults.
#[derive(clap::Args)]
pub struct StackArgs {
    #[command(flatten)]
    pub data: crate::DataDirArg,
    /// Where accounts, logins and posts are stored.
    #[arg(long, value_enum, default_value_t = StoreKind::Sqlite)]
    pub store: StoreKind,
    /// How tokens are sealed.
    #[arg(long, value_enum, default_value_t = SealerKind::Keyring)]
    pub sealer: SealerKind,
    /// Log lines as JSON (as on Lambda) instead of text.
    #[arg(long)]
    pub json_logs: bool,
}

/// The chosen adapters. `serve` hands each route group the single ports it needs.
pub struct Backends {
    pub store: Arc<dyn Store>,
    pub sealer: Arc<dyn Sealer>,
}

pub async fn build(
    store: StoreKind,
    sealer: SealerKind,
    data_dir: &Path,
    settings: &Settings,
) -> Result<Backends, String> {
    // The SDK configuration (credential chain, region, endpoint) is resolved once, and only
    // when an AWS adapter is chosen.
    let aws = if matches!(store, StoreKind::Dynamodb) || matches!(sealer, SealerKind::Kms) {
        Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    } else {
        None
    };
    let sealer: Arc<dyn Sealer> = match (sealer, &aws) {
        (SealerKind::Keyring, _) => Arc::new(
            LocalKeyring::open_or_create(&data_dir.join("master.key"))
                .map_err(|e| e.to_string())?,
        ),
        (SealerKind::Kms, aws) => {
            let key_id = settings
                .kms_key_id
                .clone()
                .ok_or("--sealer kms needs IGC_KMS_KEY_ID")?;
            let aws = aws.as_ref().ok_or("no AWS configuration")?;
            Arc::new(igconnect::adapters::kms::KmsSealer::new(
                aws_sdk_kms::Client::new(aws),
                key_id,
            ))
        }
    };
    Ok(match store {
        StoreKind::Sqlite => {
            let s = Arc::new(
                SqliteStore::open(&data_dir.join("igconnect.sqlite3"))
                    .map_err(|e| e.to_string())?,
            );
            Backends { store: s, sealer }
        }
        StoreKind::Dynamodb => {
            let table = settings
                .table_name
                .clone()
                .ok_or("--store dynamodb needs IGC_TABLE_NAME")?;
            let aws = aws.as_ref().ok_or("no AWS configuration")?;
            let s = Arc::new(igconnect::adapters::dynamodb::DynamoStore::new(
                aws_sdk_dynamodb::Client::new(aws),
                table,
            ));
            s.create_table().await.map_err(|e| e.to_string())?;
            Backends { store: s, sealer }
        }
    })
}
