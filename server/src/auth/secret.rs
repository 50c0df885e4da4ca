//! The HS256 secret the embedded default generates on first run and keeps.

use std::io::Write;
use std::path::Path;

use rand::RngCore;

/// Name of the secret file inside the data directory.
const SECRET_FILE: &str = "jwt-secret";

/// Reads `<data_dir>/jwt-secret`, creating it with 32 random bytes (hex) if missing.
/// The file is created readable by its owner only, since it can mint any user's token.
///
/// # Errors
///
/// When the directory or file cannot be created or read.
pub fn load_or_create_secret(data_dir: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => return Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(hex.as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a new JWT secret");
    Ok(hex.into_bytes())
}
