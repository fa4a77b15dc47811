//! Running cargo (or cargo-lambda, which runs cargo) from inside a test.
//!
//! `cargo test` gives a test process its own package's build environment
//! (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...). A cargo started under it passes those on to
//! build scripts, and one that watches such a variable (ring's watches
//! `CARGO_MANIFEST_DIR`) sees a change, reruns, and everything above it rebuilds: the stack
//! test rebuilt every release zip `scripts/test` had just made (about ten minutes on two
//! cores), and the next build from a shell rebuilt them back. A nested cargo therefore gets
//! the environment a person's shell would give it.

use std::process::Command;

/// Variables cargo sets for the crate it runs, never for a build a person starts.
const CRATE_VARIABLES: [&str; 8] = [
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "OUT_DIR",
];

/// Removes from `cmd`'s environment what `cargo test` set for this test crate.
pub fn without_test_crate_env(cmd: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if CRATE_VARIABLES.contains(&name)
            || name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
        {
            cmd.env_remove(name);
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_variables_cargo_test_sets_are_removed_and_the_rest_kept() {
        // cargo test runs this with CARGO_MANIFEST_DIR and CARGO_PKG_NAME set.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let mut cmd = Command::new("true");
        cmd.env("CARGO_TARGET_DIR", "/somewhere");
        without_test_crate_env(&mut cmd);
        let envs: Vec<_> = cmd.get_envs().collect();
        let removed = |name: &str| {
            envs.iter()
                .any(|(k, v)| k.to_str() == Some(name) && v.is_none())
        };
        assert!(removed("CARGO_MANIFEST_DIR"), "{envs:?}");
        assert!(removed("CARGO_PKG_NAME"), "{envs:?}");
        assert!(!removed("CARGO_TARGET_DIR"), "{envs:?}");
        assert!(!removed("PATH"), "{envs:?}");
    }
}
