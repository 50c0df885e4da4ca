//! Who is connected, across every process of a cluster, kept in Redis.
//!
//! Each connection is an entry in its user's sorted set, scored by when it expires.
//! Processes refresh their connections' entries every third of `--presence-ttl`, so the
//! entries of a process that died expire within one TTL: a sweeper on every process then
//! removes them (each expired entry exactly once, whichever process gets it) and
//! announces the user offline if nothing else of theirs is left. The same sets count a
//! user's connections against `--max-connections-per-user` across processes.
//!
//! Typing indicators live here too, in a per-room set scored by expiry: if the process of
//! a user who was typing dies, `typing`'s sweeper announces that they stopped once the
//! TTL passes, as the process itself would have.
//!
//! When Redis is unreachable, callers fall back to this process's own view (the hub),
//! and the refresh puts every entry back once Redis returns, even an emptied one.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

use crate::clock::now_ms;
use crate::hub::ConnectionId;

/// Adds a connection unless the user is at the limit. KEYS: the user's set, the index.
/// ARGV: now, expiry, member, max, index member, key TTL (ms). Returns the user's
/// connection count after adding, or -1 at the limit.
const CONNECT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[4]) then return -1 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
return count + 1
";

/// Removes a connection. KEYS: the user's set, the index. ARGV: now, member, index
/// member. Returns how many live connections the user has left.
const DISCONNECT: &str = r"
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
";

/// Why a connection was not admitted.
#[derive(Debug)]
pub enum NotAdmitted {
    /// The user holds the maximum number of connections across the cluster.
    TooMany,
    /// Redis could not be asked (the error is logged).
    Unavailable,
}

/// The cluster-wide roster of connections.
#[derive(Debug)]
pub struct Roster {
    client: redis::Client,
    connection: Mutex<Option<MultiplexedConnection>>,
    /// This process, in every member it writes.
    process: String,
    prefix: String,
    ttl: Duration,
}

impl Roster {
    /// A roster in the Redis at `url`, under keys starting with `prefix`.
    ///
    /// # Errors
    ///
    /// When the URL is invalid.
    pub fn new(url: &str, prefix: &str, ttl: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: Mutex::new(None),
            process: uuid::Uuid::new_v4().simple().to_string(),
            prefix: prefix.to_owned(),
            ttl,
        })
    }

    async fn conn(&self) -> redis::RedisResult<MultiplexedConnection> {
        let mut cached = self.connection.lock().await;
        if let Some(conn) = cached.as_ref() {
            return Ok(conn.clone());
        }
        let conn = self.client.get_multiplexed_async_connection().await?;
        *cached = Some(conn.clone());
        Ok(conn)
    }

    /// Forgets a connection that failed, so that the next call opens a new one.
    async fn failed(&self, e: &redis::RedisError) {
        tracing::warn!(error = %e, "roster: Redis call failed");
        *self.connection.lock().await = None;
    }

    fn user_key(&self, user_id: &str) -> String {
        format!("{}:conns:{user_id}", self.prefix)
    }

    fn index_key(&self) -> String {
        format!("{}:conn-index", self.prefix)
    }

    fn member(&self, conn: ConnectionId) -> String {
        format!("{}:{conn}", self.process)
    }

    fn typing_key(&self, room_id: &str) -> String {
        format!("{}:typing:{room_id}", self.prefix)
    }

    fn typing_index_key(&self) -> String {
        format!("{}:typing-index", self.prefix)
    }

    /// Records that `user_id` is typing in `room_id` until `ttl` from now, or stopped.
    /// Best effort: Redis being away only delays a dead process's indicators.
    pub async fn set_typing(&self, room_id: &str, user_id: &str, typing: bool, ttl: Duration) {
        let entry = format!("{room_id}\t{user_id}");
        let mut pipe = redis::pipe();
        if typing {
            let expiry = now_ms() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
            let key_ttl = i64::try_from(ttl.as_millis() * 2).unwrap_or(i64::MAX);
            pipe.zadd(self.typing_key(room_id), user_id, expiry)
                .ignore()
                .pexpire(self.typing_key(room_id), key_ttl)
                .ignore()
                .zadd(self.typing_index_key(), &entry, expiry)
                .ignore();
        } else {
            pipe.zrem(self.typing_key(room_id), user_id)
                .ignore()
                .zrem(self.typing_index_key(), &entry)
                .ignore();
        }
        let result: redis::RedisResult<()> = async {
            let mut redis = self.conn().await?;
            pipe.query_async(&mut redis).await
        }
        .await;
        if let Err(e) = result {
            self.failed(&e).await;
        }
    }

    /// Removes typing indicators nobody refreshed in time and returns them as
    /// (room, user), each once across the cluster (none while Redis is away).
    pub async fn sweep_typing(&self) -> Vec<(String, String)> {
        match self.expired_typing().await {
            Ok(stopped) => stopped,
            Err(e) => {
                self.failed(&e).await;
                Vec::new()
            }
        }
    }

    async fn expired_typing(&self) -> redis::RedisResult<Vec<(String, String)>> {
        let mut redis = self.conn().await?;
        let expired: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.typing_index_key())
            .arg("-inf")
            .arg(now_ms())
            .arg("LIMIT")
            .arg(0)
            .arg(500)
            .query_async(&mut redis)
            .await?;
        let mut stopped = Vec::new();
        for entry in expired {
            let removed: i64 = redis::cmd("ZREM")
                .arg(self.typing_index_key())
                .arg(&entry)
                .query_async(&mut redis)
                .await?;
            if let Some((room, user)) = entry.split_once('\t')
                && removed == 1
            {
                let _: i64 = redis::cmd("ZREM")
                    .arg(self.typing_key(room))
                    .arg(user)
                    .query_async(&mut redis)
                    .await?;
                stopped.push((room.to_owned(), user.to_owned()));
            }
        }
        Ok(stopped)
    }

    /// How often entries are refreshed and dead processes' ones swept: three times per
    /// TTL, so that a live process's entries never lapse.
    pub fn sweep_period(&self) -> Duration {
        (self.ttl / 3).max(Duration::from_millis(100))
    }

    fn expiry(&self) -> i64 {
        now_ms() + i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX / 2)
    }

    /// Admits a connection. `Ok(true)` when it is the user's first anywhere.
    pub async fn connect(
        &self,
        user_id: &str,
        conn: ConnectionId,
        max: usize,
    ) -> Result<bool, NotAdmitted> {
        let member = self.member(conn);
        let result: redis::RedisResult<i64> = async {
            let mut redis = self.conn().await?;
            redis::Script::new(CONNECT)
                .key(self.user_key(user_id))
                .key(self.index_key())
                .arg(now_ms())
                .arg(self.expiry())
                .arg(&member)
                .arg(max)
                .arg(format!("{user_id}\t{member}"))
                .arg(i64::try_from(self.ttl.as_millis() * 2).unwrap_or(i64::MAX))
                .invoke_async(&mut redis)
                .await
        }
        .await;
        match result {
            Ok(-1) => Err(NotAdmitted::TooMany),
            Ok(count) => Ok(count == 1),
            Err(e) => {
                self.failed(&e).await;
                Err(NotAdmitted::Unavailable)
            }
        }
    }

    /// Removes a connection. `Some(true)` when it was the user's last anywhere; `None`
    /// when Redis could not be asked.
    pub async fn disconnect(&self, user_id: &str, conn: ConnectionId) -> Option<bool> {
        let member = self.member(conn);
        let result: redis::RedisResult<i64> = async {
            let mut redis = self.conn().await?;
            redis::Script::new(DISCONNECT)
                .key(self.user_key(user_id))
                .key(self.index_key())
                .arg(now_ms())
                .arg(&member)
                .arg(format!("{user_id}\t{member}"))
                .invoke_async(&mut redis)
                .await
        }
        .await;
        match result {
            Ok(left) => Some(left == 0),
            Err(e) => {
                self.failed(&e).await;
                None
            }
        }
    }

    /// Which of `user_ids` have a live connection on any process; `None` when Redis
    /// could not be asked.
    pub async fn online_among(&self, user_ids: &[String]) -> Option<Vec<String>> {
        if user_ids.is_empty() {
            return Some(Vec::new());
        }
        let now = now_ms();
        let mut pipe = redis::pipe();
        for user in user_ids {
            pipe.zcount(self.user_key(user), now, "+inf");
        }
        let counts: redis::RedisResult<Vec<i64>> = async {
            let mut redis = self.conn().await?;
            pipe.query_async(&mut redis).await
        }
        .await;
        match counts {
            Ok(counts) => Some(
                user_ids
                    .iter()
                    .zip(counts)
                    .filter(|(_, count)| *count > 0)
                    .map(|(user, _)| user.clone())
                    .collect(),
            ),
            Err(e) => {
                self.failed(&e).await;
                None
            }
        }
    }

    /// Pushes this process's connections' expiry forward (re-adding any that Redis
    /// lost). False when Redis could not be reached.
    pub async fn refresh(&self, connections: &[(String, ConnectionId)]) -> bool {
        match self.try_refresh(connections).await {
            Ok(()) => true,
            Err(e) => {
                self.failed(&e).await;
                false
            }
        }
    }

    async fn try_refresh(&self, connections: &[(String, ConnectionId)]) -> redis::RedisResult<()> {
        if connections.is_empty() {
            return Ok(());
        }
        let expiry = self.expiry();
        let key_ttl = i64::try_from(self.ttl.as_millis() * 2).unwrap_or(i64::MAX);
        let mut pipe = redis::pipe();
        for (user, conn) in connections {
            let member = self.member(*conn);
            pipe.zadd(self.user_key(user), &member, expiry)
                .ignore()
                .pexpire(self.user_key(user), key_ttl)
                .ignore()
                .zadd(self.index_key(), format!("{user}\t{member}"), expiry)
                .ignore();
        }
        let mut redis = self.conn().await?;
        pipe.query_async(&mut redis).await
    }

    /// Removes expired entries (of processes that died) and returns the users who have
    /// no connection left anywhere because of it (none while Redis is away).
    pub async fn sweep(&self) -> Vec<String> {
        match self.expired_connections().await {
            Ok(offline) => offline,
            Err(e) => {
                self.failed(&e).await;
                Vec::new()
            }
        }
    }

    async fn expired_connections(&self) -> redis::RedisResult<Vec<String>> {
        let mut redis = self.conn().await?;
        let now = now_ms();
        let expired: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.index_key())
            .arg("-inf")
            .arg(now)
            .arg("LIMIT")
            .arg(0)
            .arg(500)
            .query_async(&mut redis)
            .await?;
        let mut offline = Vec::new();
        for entry in expired {
            let Some((user, member)) = entry.split_once('\t') else {
                continue;
            };
            // Only the process whose ZREM removed the entry handles it.
            let removed: i64 = redis::cmd("ZREM")
                .arg(self.index_key())
                .arg(&entry)
                .query_async(&mut redis)
                .await?;
            if removed == 0 {
                continue;
            }
            let left: i64 = redis::Script::new(DISCONNECT)
                .key(self.user_key(user))
                .key(self.index_key())
                .arg(now)
                .arg(member)
                .arg(&entry)
                .invoke_async(&mut redis)
                .await?;
            if left == 0 {
                offline.push(user.to_owned());
            }
        }
        Ok(offline)
    }
}
