//! Refresh tokens in SQLite: one `BEGIN IMMEDIATE` transaction per rotation, so that
//! two requests presenting the same token cannot both rotate it.

use sqlx::Sqlite;

use super::SqliteStore;
use crate::error::Result;
use crate::store::refresh_sql;
use crate::store::{RefreshTokenRecord, Rotation};

impl SqliteStore {
    pub(super) async fn insert_refresh(&self, token: &RefreshTokenRecord) -> Result<()> {
        sqlx::query(refresh_sql::INSERT)
            .bind(&token.token_hash)
            .bind(&token.family_id)
            .bind(&token.user_id)
            .bind(token.created_at)
            .bind(token.expires_at)
            .execute(&self.pool)
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
            .fetch_optional(&self.pool)
            .await?;
        if known.is_none() {
            return Ok(Rotation::Invalid);
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let rotation =
            refresh_sql::rotate_in::<Sqlite>(&mut tx, presented, next_hash, next_expires_at, now)
                .await?;
        tx.commit().await?;
        Ok(rotation)
    }

    pub(super) async fn revoke_refresh(&self, presented: &str, now: i64) -> Result<()> {
        let family_id: Option<String> = sqlx::query_scalar(refresh_sql::FAMILY)
            .bind(presented)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(family_id) = family_id {
            // One statement: atomic on its own, and serialised with rotations.
            sqlx::query(refresh_sql::REVOKE_FAMILY)
                .bind(now)
                .bind(&family_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub(super) async fn purge_expired_refresh(&self, now: i64, limit: u32) -> Result<u64> {
        let purged = sqlx::query(refresh_sql::PURGE_EXPIRED)
            .bind(now)
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await?;
        Ok(purged.rows_affected())
    }
}
