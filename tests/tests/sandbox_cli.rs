//! `igconnect sandbox` options a benchmark relies on: injected latency on Graph answers, as
//! an operator would pass it on the command line (the quota is covered by the sandbox tests).

use igconnect_blackbox::igconnect_bin;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Sandbox(Child, String);

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> Sandbox {
    let mut child = Command::new(igconnect_bin())
        .args(["sandbox", "--port", "0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("igconnect sandbox starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep reading to the end: a closed pipe would fail the sandbox's next print.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("Meta sandbox listening on ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the sandbox prints its address");
    Sandbox(child, base)
}

#[tokio::test]
async fn latency_delays_graph_answers_only_when_asked() {
    let sandbox = start(&["--latency-ms", "300", "--publishing-quota", "7"]);
    let http = reqwest::Client::new();
    let url = format!(
        "{}instagram-graph/v24.0/17841400000000201/content_publishing_limit",
        sandbox.1
    );

    let started = Instant::now();
    let res = http.get(&url).send().await.expect("the sandbox answers");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "answered after {:?}",
        started.elapsed()
    );
    // No token: a Meta-shaped error, delayed like every Graph answer.
    let body: Value = res.json().await.expect("json");
    assert!(body["error"]["code"].is_number(), "{body}");

    let fast = start(&[]);
    let started = Instant::now();
    http.get(format!("{}facebook-graph/v24.0/me", fast.1))
        .send()
        .await
        .expect("the sandbox answers");
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "no latency unless asked"
    );
}
