//! One `igconnect` child process (`worker --once`, or `refresh` for the refresh benchmark),
//! measured from the outside: wall time from spawn to exit, and peak resident set size,
//! sampled from `/proc/<pid>/status` (`VmHWM`, the kernel's own high-water mark) every
//! ~20 ms until the process exits.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// Variables of the bench's own environment the worker must not inherit: real Meta apps
/// and AWS endpoints other than the one the bench picks.
const SCRUBBED: [&str; 8] = [
    "IGC_META_APP_ID",
    "IGC_META_APP_SECRET",
    "IGC_INSTAGRAM_APP_ID",
    "IGC_INSTAGRAM_APP_SECRET",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_KMS",
    "AWS_PROFILE",
    "IGC_TEST_HOLD_AFTER_CONTAINERS",
];

/// The binary under test: the release build `IGCONNECT_BIN` names (the harness starts
/// `serve` from it too). A debug build would measure the wrong thing, so there is no
/// fallback. `script` is the bench's own script, named in the error.
pub fn release_bin(script: &str) -> Result<PathBuf, String> {
    let bin = std::env::var_os("IGCONNECT_BIN")
        .map(PathBuf::from)
        .ok_or_else(|| {
            format!(
                "IGCONNECT_BIN is not set: run {script}, or `cargo build --release -p \
                 igconnect-cli` and set IGCONNECT_BIN=target/release/igconnect"
            )
        })?;
    if !bin.is_file() {
        return Err(format!("IGCONNECT_BIN={} is not a file", bin.display()));
    }
    Ok(bin)
}

/// What one measured process did and cost.
pub struct WorkerRun {
    pub wall: Duration,
    /// The highest `VmHWM` seen, in KiB.
    pub peak_rss_kib: u64,
    /// How many samples found the process alive (a sanity check on `peak_rss_kib`).
    pub samples: usize,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// How the command's one summary line starts (`publish worker:`, `refresh:`).
    summary_prefix: &'static str,
}

impl WorkerRun {
    /// The command's one summary line (`publish worker: taken N, published N, ...`).
    pub fn summary(&self) -> Option<&str> {
        self.stdout
            .lines()
            .find(|l| l.starts_with(self.summary_prefix))
    }

    /// The number after `field` in the summary line (`published` -> N).
    pub fn count(&self, field: &str) -> Option<u64> {
        let summary = self.summary()?;
        let (_, rest) = summary.split_once(self.summary_prefix)?;
        rest.split(',').find_map(|part| {
            let (name, value) = part.trim().split_once(' ')?;
            (name == field)
                .then(|| value.split_whitespace().next()?.parse().ok())
                .flatten()
        })
    }

    /// Its exit, summary, warnings and errors, for a failure message.
    pub fn problems(&self) -> String {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("WARN"))
            .take(20)
            .collect();
        format!(
            "the process ({}) said {:?}; its warnings and errors:\n{}",
            self.status,
            self.stdout.trim(),
            lines.join("\n")
        )
    }

    pub fn peak_rss_mb(&self) -> f64 {
        self.peak_rss_kib as f64 * 1024.0 / 1e6
    }
}

/// `VmHWM` of `pid` in KiB, while it is alive (a reaped or zombie process has none).
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Runs `igconnect worker --once --now <now> --data-dir <data_dir> <args>` with `env`,
/// blocking until it exits.
pub fn run(
    bin: &Path,
    data_dir: &Path,
    now: &str,
    args: &[&str],
    env: &[(String, String)],
) -> Result<WorkerRun, String> {
    let mut command: Vec<&OsStr> = ["worker", "--once", "--now", now, "--data-dir"]
        .map(OsStr::new)
        .to_vec();
    command.push(data_dir.as_os_str());
    command.extend(args.iter().map(OsStr::new));
    measure(
        bin,
        &command,
        env,
        "publish worker:",
        "PUBLISH_BENCH_WORKER_WRAP",
    )
}

/// Runs `bin <args>` with `env` (and `IGC_LOG=info`), blocking until it exits; its summary
/// line starts with `summary_prefix`. Its output goes to files, so a chatty log never
/// blocks it on a full pipe. The variable `wrap_var` may name a profiling command to put in
/// front of it (e.g. `perf record -g -o perf.data --`; the figures are then the wrapper's).
pub fn measure(
    bin: &Path,
    args: &[&OsStr],
    env: &[(String, String)],
    summary_prefix: &'static str,
    wrap_var: &str,
) -> Result<WorkerRun, String> {
    let out_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out_path = out_dir.path().join("stdout");
    let err_path = out_dir.path().join("stderr");
    let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
    let err = std::fs::File::create(&err_path).map_err(|e| e.to_string())?;
    let wrap = std::env::var(wrap_var).unwrap_or_default();
    let mut wrap = wrap.split_whitespace();
    let mut cmd = match wrap.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(wrap).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(args)
        .env("IGC_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    for name in SCRUBBED {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id();
    let mut peak = 0;
    let mut samples = 0;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
            samples += 1;
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    let wall = started.elapsed();
    Ok(WorkerRun {
        wall,
        peak_rss_kib: peak,
        samples,
        status,
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        summary_prefix,
    })
}
