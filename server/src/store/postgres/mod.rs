//! The PostgreSQL store, for several server processes on one database: the same schema
//! and the same shared SQL ([`SqlStore`]) as the SQLite store, with a group-committing
//! writer per process whose transactions are safe against each other (see `writer`).

mod writer;

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgQueryResult};
use sqlx::{ConnectOptions, Connection, PgConnection, Pool, Postgres, Transaction};

use super::group_commit::{self, GroupCommit};
use super::sql::{Backend, SqlStore};
use super::{EventOutbox, OnCommit};
use writer::PgCommitter;

/// The PostgreSQL store.
pub type PostgresStore = SqlStore<Postgres>;

/// A pooled connection idle for longer than this is pinged before it is lent. sqlx's
/// default pings every connection at every acquire: one more round trip to the
/// database before each query of a busy server, for connections that were in use a
/// moment ago. One that sat idle may have been cut meanwhile (a database restart or
/// failover, a proxy's idle timeout), and is tested first, as connection pools such as
/// HikariCP do; a failed ping closes it and the acquire takes another.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

impl SqlStore<Postgres> {
    /// Connects to `url` (`postgres://user:password@host:port/database`), runs
    /// migrations (concurrent starts are serialised by sqlx's migration lock) and starts
    /// the writer.
    ///
    /// # Errors
    ///
    /// When the URL is invalid, the database cannot be reached or a migration fails.
    pub async fn open(
        url: &str,
        commit: GroupCommit,
        outbox: EventOutbox,
        on_commit: OnCommit,
    ) -> anyhow::Result<Self> {
        let options: PgConnectOptions = url.parse()?;
        let options =
            options.log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false)
            .before_acquire(|conn, connection| {
                Box::pin(async move {
                    if connection.idle_for >= PING_IF_IDLE_FOR {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let committer = PgCommitter {
            conn: PgConnection::connect_with(&options).await?,
            options,
            outbox,
        };
        let writer = group_commit::start_on_runtime(committer, commit, on_commit);
        Ok(Self::new(pool, outbox, writer))
    }
}

impl Backend for Postgres {
    // The unique index is on `lower(username)`.
    const USER_BY_NAME: &'static str = "SELECT id, username, password_hash, display_name, avatar_id FROM users \
         WHERE lower(username) = lower($1)";
    const LOCK_ROW: &'static str = " FOR UPDATE";

    async fn begin_write(pool: &Pool<Self>) -> sqlx::Result<Transaction<'static, Self>> {
        pool.begin().await
    }

    async fn lock_refresh_family(conn: &mut PgConnection, family_id: &str) -> sqlx::Result<()> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(family_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    const SEARCH_FROM: &'static str = "messages m";
    // The expression of the GIN index (migrations/postgres/0008_rich_messages.sql).
    const SEARCH_MATCH: &'static str =
        "to_tsvector('simple', m.content) @@ to_tsquery('simple', $2)";

    async fn prepare_search(_: &Pool<Self>) -> sqlx::Result<()> {
        // Its GIN index is updated by every write, in the write's transaction.
        Ok(())
    }

    fn search_expression(words: &[String]) -> String {
        // Quoted lexemes, each a prefix (`:*`), all required (`&`).
        words
            .iter()
            .map(|word| format!("'{word}':*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    async fn lead_relay(
        pool: &Pool<Self>,
        held: &mut Option<PoolConnection<Self>>,
    ) -> sqlx::Result<bool> {
        // A session-level advisory lock on a connection kept for it: one relay in the
        // cluster at a time, and another takes over when this process dies (PostgreSQL
        // releases the lock with the connection).
        const RELAY_LOCK: i64 = 0x6368_6174_5f72_656c; // "chat_rel"
        if let Some(conn) = held.as_mut() {
            if sqlx::query("SELECT 1").execute(&mut **conn).await.is_ok() {
                return Ok(true);
            }
            *held = None; // The connection died, and the lock with it.
        }
        let mut conn = pool.acquire().await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(RELAY_LOCK)
            .fetch_one(&mut *conn)
            .await?;
        if locked {
            *held = Some(conn);
        }
        Ok(locked)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::tests::test_commit;
    use crate::store::{Store as _, write::NewEvent};

    /// Run by scripts/postgres-test.sh (`CHAT_TEST_STORE=postgres`); without PostgreSQL
    /// there is nothing to cut, and the test ends at once.
    #[tokio::test]
    async fn a_pooled_connection_cut_while_idle_is_replaced_before_it_is_lent() {
        let dir = tempfile::tempdir().expect("temp dir");
        let Some(url) = crate::testing::postgres_database(dir.path()).await else {
            return;
        };
        let store = PostgresStore::open(
            &url,
            test_commit(),
            EventOutbox::default(),
            Arc::new(|_: NewEvent<'_>| {}),
        )
        .await
        .expect("open the PostgreSQL store");
        store.ping().await.expect("ping");
        // What a database restart or failover does to the pool's idle connections.
        let mut admin = PgConnection::connect(&url).await.expect("connect");
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut admin)
        .await
        .expect("terminate the pool's connections");
        tokio::time::sleep(PING_IF_IDLE_FOR + Duration::from_millis(200)).await;
        // Lent without a ping, the cut connection would fail this query.
        store
            .ping()
            .await
            .expect("a connection that answers is lent");
    }

    /// A membership change that waits for its room's lock decides on what the lock's
    /// holder committed: adding a user who was banned while the add waited is refused.
    /// (Read in the same statement as the lock, the ban stayed invisible: PostgreSQL's
    /// subqueries keep the snapshot taken before the wait.)
    #[tokio::test]
    async fn a_change_that_waited_for_the_room_sees_what_was_committed_meanwhile() {
        use crate::store::error::{Error, Refusal};
        use crate::store::membership::{MembershipAction, MembershipWrite};
        use crate::store::tests::{room, user};

        let dir = tempfile::tempdir().expect("temp dir");
        let Some(url) = crate::testing::postgres_database(dir.path()).await else {
            return;
        };
        let store: Arc<dyn crate::store::Store> = Arc::new(
            PostgresStore::open(
                &url,
                test_commit(),
                EventOutbox::default(),
                Arc::new(|_: NewEvent<'_>| {}),
            )
            .await
            .expect("open the PostgreSQL store"),
        );
        user(store.as_ref(), "owner").await;
        user(store.as_ref(), "guest").await;
        room(store.as_ref(), "r", "owner", &[]).await;

        // Another process bans the guest, holding the room's lock.
        let mut other = PgConnection::connect(&url).await.expect("connect");
        let mut ban = other.begin().await.expect("begin");
        sqlx::query("SELECT 1 FROM rooms WHERE id = 'r' FOR UPDATE")
            .execute(&mut *ban)
            .await
            .expect("lock the room");
        sqlx::query(
            "INSERT INTO room_bans (room_id, user_id, banned_by, reason, created_at)
             VALUES ('r', 'guest', 'owner', NULL, 30)",
        )
        .execute(&mut *ban)
        .await
        .expect("ban");

        let adding = Arc::clone(&store);
        let add = tokio::spawn(async move {
            adding
                .change_membership(MembershipWrite {
                    room_id: "r".into(),
                    actor: "owner".into(),
                    action: MembershipAction::Add {
                        user_id: "guest".into(),
                    },
                    now: 40,
                })
                .await
        });
        let mut admin = PgConnection::connect(&url).await.expect("connect");
        let mut waiting = false;
        for _ in 0..400 {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&mut admin)
            .await
            .expect("read the waits");
            if count > 0 {
                waiting = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(waiting, "the add never waited for the room's lock");
        ban.commit().await.expect("commit the ban");

        let outcome = add.await.expect("the add ends");
        assert!(
            matches!(outcome, Err(Error::Refused(Refusal::UserBanned))),
            "{outcome:?}"
        );
        let members: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM room_members WHERE room_id = 'r'")
                .fetch_one(&mut admin)
                .await
                .expect("count the members");
        assert_eq!(members, 1, "only the owner is a member");
    }
}
