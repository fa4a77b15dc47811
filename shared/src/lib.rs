//! igconnect: connect Instagram professional accounts, keep their tokens sealed and fresh,
//! and publish to them.
//!
//! The crate is laid out as ports and adapters (see ARCHITECTURE.md at the repository root):
//! [`domain`] holds pure rules, [`ports`] the traits the use cases need, [`service`] the use
//! cases as plain async functions over those traits, [`adapters`] the implementations
//! (SQLite/keyring for the embedded stack, DynamoDB/KMS/Graph for production) and [`http`]
//! the one router shared by the Lambda functions and `igconnect serve`. The Meta sandbox
//! lives in its own crate, `igconnect-sandbox`, which depends on this one, never the reverse.

pub mod adapters;
pub mod config;
pub mod domain;
pub mod http;
pub mod lambda;
pub mod ports;
pub mod service;
pub mod telemetry;

#[cfg(feature = "conformance")]
pub mod conformance;
