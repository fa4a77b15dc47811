//! Files in the data directory that the commands share: the dev JWT secret.

use igconnect::config::Settings;
use secrecy::SecretString;
use std::io::Write;
use std::path::Path;

const JWT_SECRET_FILE: &str = "jwt-secret";

/// Creates the data directory if needed, private to this user (0700): it holds the account
/// database, the master key and the JWT secret.
pub fn ensure(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// The HS256 secret: `IGC_JWT_SECRET` when set, otherwise a random one generated into the
/// data directory (mode 0600) on first use, so `serve` and `token` agree without setup.
pub fn jwt_secret(settings: &Settings, dir: &Path) -> Result<SecretString, String> {
    if let Some(secret) = &settings.jwt.secret {
        return Ok(secret.clone());
    }
    let path = dir.join(JWT_SECRET_FILE);
    if !path.exists() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(mut file) => {
                let secret = uuid::Uuid::new_v4().simple().to_string()
                    + &uuid::Uuid::new_v4().simple().to_string();
                file.write_all(secret.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            // Another command created it first; read theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
    let secret = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let secret = secret.trim().to_owned();
    if secret.len() < 32 {
        return Err(format!("{} holds fewer than 32 characters", path.display()));
    }
    Ok(SecretString::from(secret))
}

const SANDBOX_URL_FILE: &str = "sandbox-url";

/// Records where `serve`'s Meta sandbox is reachable, so operator commands run beside it
/// (`igconnect worker`) talk to the same sandbox, whose containers live in `serve`'s memory.
pub fn write_sandbox_url(dir: &Path, url: &url::Url) -> Result<(), String> {
    let path = dir.join(SANDBOX_URL_FILE);
    std::fs::write(&path, url.as_str()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Where the sandbox of the `serve` using this data directory is: `IGC_SANDBOX_URL`, or what
/// `serve` recorded when it started.
pub fn sandbox_url(dir: &Path) -> Result<url::Url, String> {
    let raw = match std::env::var("IGC_SANDBOX_URL") {
        Ok(v) if !v.is_empty() => v,
        _ => {
            let path = dir.join(SANDBOX_URL_FILE);
            std::fs::read_to_string(&path).map_err(|_| {
                format!(
                    "no Meta app is configured and no sandbox is known: start `igconnect serve \
                     --data-dir {}` first, or set IGC_SANDBOX_URL",
                    dir.display()
                )
            })?
        }
    };
    url::Url::parse(raw.trim()).map_err(|e| format!("sandbox URL {raw:?} is invalid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_new_data_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state/igconnect");
        ensure(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn serve_and_token_agree_on_the_generated_secret() {
        let root = tempfile::tempdir().unwrap();
        let settings = Settings::from_lookup(|_| None).unwrap();
        let first = jwt_secret(&settings, root.path()).unwrap();
        let second = jwt_secret(&settings, root.path()).unwrap();
        use secrecy::ExposeSecret;
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert!(first.expose_secret().len() >= 32);
    }
}
