//! Test support for black-box tests: start the real `igconnect` binary on a free port with
//! its own data directory, capture everything it logs, and speak HTTP to it as a client and
//! as a browser clicking through the sandbox consent page would; run `igconnect worker`
//! beside it to travel in time.

mod browser;
mod cargo;
mod flow;
mod process;
mod publishing;
pub mod signed_request;
mod worker;

pub use browser::{Consent, Form};
pub use cargo::without_test_crate_env;
pub use flow::{location, param};
pub use process::{Server, igconnect_bin};
pub use publishing::Answer;
pub use worker::{RunningWorker, WorkerRun};
