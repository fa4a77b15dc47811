//! The running server honours openapi.yaml: schemathesis generates requests from the
//! document for every operation and checks each answer (no server error, documented status
//! codes, content types, headers and response schemas). Requests that are valid by schema
//! but refused by a rule the schema cannot express (a `return_to` origin, a cursor the
//! server never issued, a state that was never stored) are expected, so that one check is
//! left out.

use igconnect_blackbox::{Consent, Server};
use std::path::Path;
use std::process::Command;

#[tokio::test]
async fn the_server_answers_as_openapi_yaml_documents() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schemathesis = root.join(".venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "schemathesis is not installed: run scripts/test (or scripts/install-tools)"
    );
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    server
        .connect(&token, "facebook", "user", &Consent::allow())
        .await;
    let base = server.origin.as_str().trim_end_matches('/').to_owned();

    let out = tokio::task::spawn_blocking(move || {
        Command::new(schemathesis)
            .args(["run", "openapi.yaml", "--url", &base, "--no-color"])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--max-examples", "40", "--generation-deterministic"])
            .args(["--exclude-checks", "positive_data_acceptance"])
            .current_dir(root)
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();

    // Deterministic generation keeps no example database, so runs do not drift.
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}"
    );
    // Every operation the server declares (openapi.rs checks the document has exactly
    // these).
    let operations = igconnect::http::ROUTES.len();
    assert!(
        report.contains(&format!("Tested: {operations}")),
        "every operation ({operations}) was exercised:\n{report}"
    );
    assert!(
        !server.logs().contains("panicked"),
        "the server never panicked"
    );
}
