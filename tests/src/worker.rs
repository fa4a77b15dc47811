//! `igconnect worker` beside a running server, on the same data: how tests travel in time
//! (`--once --now <instant>`) and how they kill a worker at a chosen point.

use crate::{Server, igconnect_bin};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// What one `igconnect worker --once` printed, and whether it exited successfully.
#[derive(Debug)]
pub struct WorkerRun {
    pub success: bool,
    /// The summary line (`publish worker: taken 1, published 1, ...`).
    pub stdout: String,
    /// Its log lines.
    pub stderr: String,
}

impl WorkerRun {
    /// One number of the summary line: `count("published")` of `... published 1, ...`.
    pub fn count(&self, what: &str) -> usize {
        self.count_in("publish worker:", what)
    }

    /// One number of the summary line starting with `prefix` (`refresh:`, `events:`...).
    pub fn count_in(&self, prefix: &str, what: &str) -> usize {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("the command printed no `{prefix}` summary: {self:?}"));
        line.trim_start_matches(prefix)
            .split(',')
            .map(str::trim)
            .find_map(|part| {
                part.strip_prefix(what)?
                    .trim()
                    .split(' ')
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no `{what}` in the summary: {line}"))
    }
}

impl Server {
    fn worker_command(&self, now: &str, env: &[(&str, &str)]) -> Command {
        self.command(&["worker", "--once", "--now", now], env)
    }

    /// `igconnect <args> --data-dir <this server's>` with its store flags and environment
    /// (and `env` on top), output captured: a command run beside this server.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(igconnect_bin());
        cmd.args(args)
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(self.backend_args())
            .env_remove("IGC_JWT_SECRET")
            .env_remove("IGC_META_APP_ID")
            .env_remove("IGC_INSTAGRAM_APP_ID")
            .env("IGC_LOG", "debug")
            .envs(self.env().iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// `igconnect worker --once --now <now>` on this server's data (and store flags, and
    /// environment): one pass over what is due at `now`, to its end.
    pub async fn worker_at(&self, now: &str) -> WorkerRun {
        let out = self
            .worker_command(now, &[])
            .output()
            .await
            .expect("igconnect worker runs");
        WorkerRun {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `igconnect refresh --now <now>` on this server's data: one token refresh pass; its
    /// `refresh:` and `events:` summary lines are in `stdout`.
    pub async fn refresh_at(&self, now: &str, env: &[(&str, &str)]) -> WorkerRun {
        let out = self
            .command(&["refresh", "--now", now], env)
            .output()
            .await
            .expect("igconnect refresh runs");
        let run = WorkerRun {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(run.success, "the refresh pass failed: {run:?}");
        run
    }

    /// Same, asserting the pass succeeded.
    pub async fn worker_pass(&self, now: &str) -> WorkerRun {
        let run = self.worker_at(now).await;
        assert!(run.success, "the worker pass failed: {run:?}");
        run
    }

    /// Starts `igconnect worker --once --now <now>` with extra environment and leaves it
    /// running, its log captured.
    pub fn spawn_worker(&self, now: &str, env: &[(&str, &str)]) -> RunningWorker {
        let mut child = self
            .worker_command(now, env)
            .spawn()
            .expect("igconnect worker starts");
        let logs = Arc::new(Mutex::new(String::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Readable>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Readable>),
        ]
        .into_iter()
        .flatten()
        {
            let logs = Arc::clone(&logs);
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut logs = logs.lock().expect("log lock");
                    logs.push_str(&line);
                    logs.push('\n');
                }
            });
        }
        RunningWorker { child, logs }
    }
}

trait Readable: tokio::io::AsyncRead + Unpin + Send {}
impl<T: tokio::io::AsyncRead + Unpin + Send> Readable for T {}

/// A worker process left running; killed on drop.
pub struct RunningWorker {
    child: Child,
    logs: Arc<Mutex<String>>,
}

impl RunningWorker {
    /// Everything it printed so far.
    pub fn logs(&self) -> String {
        self.logs.lock().expect("log lock").clone()
    }

    /// Waits (up to 30 seconds) until its output holds `needle`; panics otherwise.
    pub async fn wait_for(&mut self, needle: &str) {
        for _ in 0..300 {
            if self.logs().contains(needle) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the readers drain what it printed before exiting.
                tokio::time::sleep(Duration::from_millis(200)).await;
                assert!(
                    self.logs().contains(needle),
                    "the worker exited ({status}) without printing {needle:?}:\n{}",
                    self.logs()
                );
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the worker did not print {needle:?} in 30 s:\n{}",
            self.logs()
        );
    }

    /// SIGKILL, as a crash or an out-of-memory kill ends a process: no cleanup runs.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("the worker is killed");
    }
}
