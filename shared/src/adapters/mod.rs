//! Implementations of the ports: embedded defaults (SQLite, local keyring, Meta sandbox) and
//! production (DynamoDB, KMS) side by side, with the one Graph client both use.

pub mod dynamodb;
pub mod envelope;
pub mod graph;
pub mod keyring;
pub mod kms;
pub mod sandbox;
pub mod sqlite;
