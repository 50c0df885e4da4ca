//! Argon2id password hashes as PHC strings.
//!
//! Hashing is CPU- and memory-heavy (~19 MiB per hash with the default parameters), so
//! it runs on the fixed hashing threads (see `hashing.rs`), each of which keeps one
//! reusable block buffer: a freshly allocated buffer per hash was never handed back to
//! the OS by the allocator, and every login grew the process by ~19 MiB.

use std::cell::RefCell;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{Error, Result};

thread_local! {
    /// The argon2 working memory of this thread, reused by every hash it computes.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Computes the raw argon2id output for `password` and `salt` with `params`.
fn compute(params: Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    BLOCKS.with_borrow_mut(|blocks| {
        blocks.resize(argon.params().block_count(), Block::default());
        argon.hash_password_into_with_memory(password, salt, out, blocks.as_mut_slice())
    })
}

/// Hashes a password with argon2id (default parameters) and a random salt.
///
/// # Errors
///
/// `internal` if hashing fails (it does not for valid inputs).
pub fn hash_password(password: &str) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| Error::internal("password hashing failed", e);
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(params.clone(), password.as_bytes(), raw_salt, &mut out).map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a stored argon2id PHC string (constant-time comparison).
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(stored) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (stored.hash, stored.salt) else {
        return false;
    };
    let Ok(params) = Params::try_from(&stored) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if compute(params, password.as_bytes(), raw_salt, &mut out).is_err() {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_interoperate_with_the_argon2_crate() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(!verify_password("correct horse", "not a phc string"));

        // A hash made by the crate's own PasswordHasher verifies here, and ours there.
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("battery staple", &theirs));
        let ours = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &ours)
                .is_ok()
        );
    }
}
