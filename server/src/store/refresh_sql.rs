//! The SQL of refresh tokens, shared by both stores (sqlx binds `$n` on SQLite too).
//! Rotating and revoking must be serialised per family, or a revoke racing a rotation
//! could miss the successor the rotation inserts: SQLite's `BEGIN IMMEDIATE` serialises
//! every writer; PostgreSQL takes a transaction-scoped advisory lock on the family.

pub(super) const INSERT: &str =
    "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5)";

/// The presented token.
pub(super) const SELECT: &str = "SELECT family_id, user_id, expires_at, used_at, revoked_at
     FROM refresh_tokens WHERE token_hash = $1";

/// The family of the presented token (read before locking it).
pub(super) const FAMILY: &str = "SELECT family_id FROM refresh_tokens WHERE token_hash = $1";

pub(super) const MARK_USED: &str = "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2";

pub(super) const REVOKE_FAMILY: &str =
    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL";

/// What the stores read of the presented token, and what it means.
#[derive(Debug)]
pub(super) struct Presented {
    pub family_id: String,
    pub user_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What to do with a presented token.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Rotate,
    RevokeFamily,
    Refuse,
}

impl Presented {
    pub(super) fn verdict(&self, now: i64) -> Verdict {
        if self.revoked_at.is_some() || self.expires_at <= now {
            Verdict::Refuse
        } else if self.used_at.is_some() {
            Verdict::RevokeFamily
        } else {
            Verdict::Rotate
        }
    }
}
