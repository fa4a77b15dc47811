//! Files in the data directory that the commands share: the dev JWT secret.

use igconnect::config::Settings;
use secrecy::SecretString;
use std::io::Write;
use std::path::Path;

const JWT_SECRET_FILE: &str = "jwt-secret";

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
