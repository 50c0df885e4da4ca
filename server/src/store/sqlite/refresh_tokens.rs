//! Refresh tokens in SQLite: one `BEGIN IMMEDIATE` transaction per rotation, so that
//! two requests presenting the same token cannot both rotate it.

use sqlx::Row;

use super::SqliteStore;
use crate::error::Result;
use crate::store::refresh_sql::{self, Presented, Verdict};
use crate::store::{RefreshTokenRecord, Rotation};

impl SqliteStore {
    pub(super) async fn insert_refresh(&self, token: &RefreshTokenRecord) -> Result<()> {
        sqlx::query(refresh_sql::INSERT)
            .bind(&token.token_hash)
            .bind(&token.family_id)
            .bind(&token.user_id)
            .bind(token.created_at)
            .bind(token.expires_at)
            .execute(&self.readers)
            .await?;
        Ok(())
    }

    pub(super) async fn rotate_refresh(
        &self,
        presented: &str,
        next_hash: &str,
        next_expires_at: i64,
        now: i64,
    ) -> Result<Rotation> {
        // Unknown tokens (anything an attacker makes up) never take the write lock.
        let known: Option<String> = sqlx::query_scalar(refresh_sql::FAMILY)
            .bind(presented)
            .fetch_optional(&self.readers)
            .await?;
        if known.is_none() {
            return Ok(Rotation::Invalid);
        }
        let mut tx = self.readers.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(refresh_sql::SELECT)
            .bind(presented)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(Rotation::Invalid);
        };
        let token = Presented {
            family_id: row.get("family_id"),
            user_id: row.get("user_id"),
            expires_at: row.get("expires_at"),
            used_at: row.get("used_at"),
            revoked_at: row.get("revoked_at"),
        };
        match token.verdict(now) {
            Verdict::Refuse => return Ok(Rotation::Invalid),
            Verdict::RevokeFamily => {
                sqlx::query(refresh_sql::REVOKE_FAMILY)
                    .bind(now)
                    .bind(&token.family_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(Rotation::Reused);
            }
            Verdict::Rotate => {}
        }
        sqlx::query(refresh_sql::MARK_USED)
            .bind(now)
            .bind(presented)
            .execute(&mut *tx)
            .await?;
        sqlx::query(refresh_sql::INSERT)
            .bind(next_hash)
            .bind(&token.family_id)
            .bind(&token.user_id)
            .bind(now)
            .bind(next_expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Rotation::Rotated {
            user_id: token.user_id,
        })
    }

    pub(super) async fn revoke_refresh(&self, presented: &str, now: i64) -> Result<()> {
        let family_id: Option<String> = sqlx::query_scalar(refresh_sql::FAMILY)
            .bind(presented)
            .fetch_optional(&self.readers)
            .await?;
        if let Some(family_id) = family_id {
            // One statement: atomic on its own, and serialised with rotations.
            sqlx::query(refresh_sql::REVOKE_FAMILY)
                .bind(now)
                .bind(&family_id)
                .execute(&self.readers)
                .await?;
        }
        Ok(())
    }
}
