//! Refresh tokens in PostgreSQL: each rotation and revocation holds an advisory lock on
//! the token's family, so that two requests presenting the same token cannot both
//! rotate it, and a revocation cannot miss a successor inserted at the same time.

use sqlx::{Postgres, Transaction};

use super::PostgresStore;
use crate::error::Result;
use crate::store::refresh_sql;
use crate::store::{RefreshTokenRecord, Rotation};

impl PostgresStore {
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
        let mut tx = self.pool.begin().await?;
        if !lock_family(&mut tx, presented).await? {
            return Ok(Rotation::Invalid);
        }
        let rotation =
            refresh_sql::rotate_in::<Postgres>(&mut tx, presented, next_hash, next_expires_at, now)
                .await?;
        tx.commit().await?;
        Ok(rotation)
    }

    pub(super) async fn revoke_refresh(&self, presented: &str, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if let Some(family_id) = family_of(&mut tx, presented).await? {
            lock(&mut tx, &family_id).await?;
            sqlx::query(refresh_sql::REVOKE_FAMILY)
                .bind(now)
                .bind(&family_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
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

async fn family_of(tx: &mut Transaction<'_, Postgres>, presented: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(refresh_sql::FAMILY)
        .bind(presented)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Serialises every rotation and revocation of one family until the transaction ends.
async fn lock(tx: &mut Transaction<'_, Postgres>, family_id: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(family_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Locks the family of the presented token; `false` if there is no such token.
async fn lock_family(tx: &mut Transaction<'_, Postgres>, presented: &str) -> Result<bool> {
    match family_of(tx, presented).await? {
        Some(family_id) => {
            lock(tx, &family_id).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}
