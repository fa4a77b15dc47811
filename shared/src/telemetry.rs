//! The one place tracing is set up. Lambda logs JSON (CloudWatch picks fields out of it);
//! the local server logs human-readable lines. Filter with `IGC_LOG` (default `info`).

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Installs the global subscriber, writing to stderr. Safe to call twice (the second call
/// is ignored), which keeps tests that start several servers simple.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("IGC_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        // Colour only for a person at a terminal: codes in a file or a pipe are noise.
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
