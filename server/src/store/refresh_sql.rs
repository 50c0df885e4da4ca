//! The SQL of refresh tokens, shared by both stores (sqlx binds `$n` on SQLite too).
//! Each store runs it in its own kind of transaction: `BEGIN IMMEDIATE` on SQLite,
//! a row lock on PostgreSQL.

pub(super) const INSERT: &str =
    "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5)";

/// The presented token; the stores append `FOR UPDATE` where the database has it.
pub(super) const SELECT: &str = "SELECT family_id, user_id, expires_at, used_at, revoked_at
     FROM refresh_tokens WHERE token_hash = $1";

pub(super) const MARK_USED: &str = "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2";

pub(super) const REVOKE_FAMILY: &str =
    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL";

pub(super) const REVOKE_FAMILY_OF: &str = "UPDATE refresh_tokens SET revoked_at = $1
     WHERE revoked_at IS NULL
       AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $2)";

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
