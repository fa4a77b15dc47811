//! The sandbox emulates Meta for `igconnect serve`, `igconnect sandbox` and the tests. It has
//! no place in production: no Lambda function may link it, whatever it grows into.

use std::path::Path;
use std::process::Command;

#[test]
fn no_lambda_function_links_the_sandbox() {
    // Given every function of the workspace (one directory each under functions/).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut functions: Vec<String> = std::fs::read_dir(root.join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    functions.sort();
    assert!(!functions.is_empty(), "no function found under functions/");

    // When cargo lists what each one links (normal dependencies, the binary's own).
    let mut tree = Command::new(env!("CARGO"));
    tree.current_dir(&root)
        .args(["tree", "-e", "normal", "--prefix", "none", "-f", "{p}"]);
    for function in &functions {
        tree.args(["-p", function]);
    }
    let output = tree.output().unwrap();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let packages = String::from_utf8(output.stdout).unwrap();

    // Then they link igconnect, and the sandbox nowhere.
    assert!(
        packages.lines().any(|p| p.starts_with("igconnect v")),
        "{packages}"
    );
    let sandbox: Vec<&str> = packages
        .lines()
        .filter(|p| p.starts_with("igconnect-sandbox "))
        .collect();
    assert!(
        sandbox.is_empty(),
        "{functions:?} link {sandbox:?}; only the cli and tests may depend on igconnect-sandbox"
    );
}
