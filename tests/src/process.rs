//! Starting and stopping the `igconnect` binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use url::Url;

/// The `igconnect` binary under test: `IGCONNECT_BIN` when set, otherwise the workspace's
/// debug build, built once per test process if needed.
pub fn igconnect_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("IGCONNECT_BIN") {
            return PathBuf::from(p);
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = crate::without_test_crate_env(&mut Command::new(env!("CARGO")))
            .args([
                "build",
                "--quiet",
                "-p",
                "igconnect-cli",
                "--bin",
                "igconnect",
            ])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the igconnect binary failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        target.join("debug").join("igconnect")
    })
    .clone()
}

/// A running `igconnect serve`, killed on drop.
pub struct Server {
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
    data_dir: tempfile::TempDir,
    /// The extra environment the server was started with; `token` mints under it too.
    env: Vec<(String, String)>,
    /// The extra `serve` arguments it was started with (`--store`, `--sealer`, ...).
    args: Vec<String>,
    pub origin: Url,
    /// A client that does not follow redirects, so tests see every 302/303.
    pub http: reqwest::Client,
}

impl Server {
    /// The server's process id (benchmarks read its memory from `/proc`).
    pub fn pid(&self) -> Option<u32> {
        Some(self.child.id())
    }

    /// `igconnect serve --port 0` with embedded defaults.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Same, with extra environment variables.
    pub async fn start_with(env: &[(&str, &str)]) -> Self {
        Self::start_with_args(&[], env).await
    }

    /// Same, with extra `serve` arguments (e.g. `--store dynamodb`) and environment.
    pub async fn start_with_args(args: &[&str], env: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new(igconnect_bin());
        cmd.args(["serve", "--port", "0", "--data-dir"])
            .arg(data_dir.path())
            .args(args)
            .env_remove("IGC_JWT_SECRET")
            .env_remove("IGC_META_APP_ID")
            .env_remove("IGC_INSTAGRAM_APP_ID")
            .env("IGC_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("igconnect starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = child.stderr.take().expect("stderr piped");
        let out_logs = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("igconnect listening on ") {
                    let _ = tx.send(rest.trim().to_owned());
                }
                out_logs.lock().expect("log lock").push(line);
            }
        });
        let err_logs = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                err_logs.lock().expect("log lock").push(line);
            }
        });
        let origin = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(o) => Url::parse(&o).expect("printed origin is a URL"),
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "igconnect serve did not print its address; output:\n{}",
                    logs.lock().expect("log lock").join("\n")
                );
            }
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            child,
            logs,
            data_dir,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            args: args.iter().map(|a| a.to_string()).collect(),
            origin,
            http,
        }
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> Url {
        self.origin
            .join(path.trim_start_matches('/'))
            .expect("joinable path")
    }

    /// The data directory the server writes to.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Mints a token with `igconnect token`, as a person following the README would.
    pub fn token(&self, tenant: &str, user: &str, role: &str) -> String {
        let out = Command::new(igconnect_bin())
            .args([
                "token",
                "--tenant",
                tenant,
                "--user",
                user,
                "--role",
                role,
                "--data-dir",
            ])
            .arg(self.data_dir.path())
            .env_remove("IGC_JWT_SECRET")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("igconnect token runs");
        assert!(
            out.status.success(),
            "igconnect token failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    /// The extra environment the server was started with.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The backend flags the server was started with (`--store X`, `--sealer Y`), which
    /// another process on the same data (`igconnect worker`) must be given too.
    pub fn backend_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut args = self.args.iter();
        while let Some(a) = args.next() {
            if a == "--store" || a == "--sealer" {
                out.push(a.clone());
                out.extend(args.next().cloned());
            } else if a.starts_with("--store=") || a.starts_with("--sealer=") {
                out.push(a.clone());
            }
        }
        out
    }

    /// Everything the server printed so far (stdout and stderr lines).
    pub fn logs(&self) -> String {
        self.logs.lock().expect("log lock").join("\n")
    }

    /// The server's output once it holds `needle`, or whatever it printed within five
    /// seconds: lines reach the harness through reader threads, a moment after the server
    /// wrote them.
    pub async fn logs_once_they_hold(&self, needle: &str) -> String {
        for _ in 0..50 {
            if self.logs().contains(needle) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.logs()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
