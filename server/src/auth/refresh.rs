//! Refresh tokens of the built-in auth: 256 random bits, shown to the client once and
//! stored only as a SHA-256 hash. Each use rotates the token; a used token presented
//! again means a copy leaked, and revokes every token of that sign-in.

use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// A new refresh token and the hash to store for it.
#[derive(Clone)]
pub struct NewRefreshToken {
    /// What the client keeps and presents (hex).
    pub token: String,
    /// What the store keeps.
    pub hash: String,
}

// The token stays out of logs.
impl std::fmt::Debug for NewRefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewRefreshToken")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl NewRefreshToken {
    /// A fresh random token.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        Self {
            hash: hash(&token),
            token,
        }
    }
}

/// The stored form of a presented token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = NewRefreshToken::generate();
        let b = NewRefreshToken::generate();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 64);
        assert_eq!(a.hash, hash(&a.token));
        assert_ne!(a.hash, a.token);
        assert!(!format!("{a:?}").contains(&a.token));
    }
}
