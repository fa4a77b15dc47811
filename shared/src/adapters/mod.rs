//! Implementations of the ports: embedded defaults (SQLite, local keyring) and production
//! (DynamoDB, KMS) side by side, with the one Graph client both use. The Meta sandbox the
//! embedded stack talks to is not an adapter: it is its own crate, `igconnect-sandbox`.

pub mod dynamodb;
pub mod envelope;
pub mod eventbridge;
pub mod graph;
pub mod keyring;
pub mod kms;
pub mod local_files;
pub mod s3;
pub mod sqlite;
pub mod webhook;
