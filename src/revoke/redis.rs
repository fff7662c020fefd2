//! [`RedisStore`]: revocation records in Redis, shared by every node of a
//! fleet (feature `redis`).
//!
//! The layout of its keys, the TTL rule, the connection pool and what a
//! call does when Redis is down are documented on [`RedisStore`], where
//! rustdoc shows them (this module is private; its items are re-exported
//! from [`crate::revoke`]). In short: `{prefix}s:{hex id}` and
//! `{prefix}u:{SHA-256 of the subject}`, each expiring when the tokens it
//! refuses would have (`until - now`, plus the last second); a small
//! round-robin pool of self-reconnecting multiplexed connections, made on
//! first use; every call bounded by a deadline, after which it is
//! [`StoreError::Unavailable`] and the engine's
//! [`WhenUnreachable`](super::WhenUnreachable) policy decides (fail
//! closed by default).
//!
//! # Examples
//!
//! ```no_run
//! use session_cookie::engine::{SessionConfig, SessionEngine};
//! use session_cookie::revoke::{RedisConfig, RedisStore, Revocation};
//! use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = RedisStore::new(RedisConfig::from_url("redis://127.0.0.1:6379/0")?)?;
//! let ring = NativeKeyRing::new(MasterKey::generate("k1")?);
//! let engine = SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?
//!     .with_revocation(Revocation::new(store).with_subject_key("user_id"));
//! # let _ = engine;
//! # Ok(())
//! # }
//! ```

use core::fmt;
use core::future::Future;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::sync::OnceLock;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionInfo, IntoConnectionInfo, RedisError, RedisResult};
use sha2::{Digest, Sha256};

use super::{Lookup, RevocationStore, StoreError, StoreFuture};
use crate::codec::SessionId;
use crate::time::UnixTime;

/// The prefix of every key unless [`RedisConfig::with_key_prefix`] says
/// otherwise.
const DEFAULT_PREFIX: &str = "session-cookie:revoked:";
const DEFAULT_POOL_SIZE: usize = 4;
/// Connections one store may keep: a multiplexed connection carries many
/// calls at once, so more than this only costs Redis file descriptors.
const MAX_POOL_SIZE: usize = 64;
const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(500);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Longer TTLs (about 31,700 years) are kept as no expiry: Redis refuses
/// expiry times past its own range, and such a record is for ever anyway.
const MAX_TTL_MS: u64 = 1_000_000_000_000_000;

/// Writes one record, atomically. KEYS[1]: the record's key. ARGV[1]: its
/// value, a decimal number (`1` for a session, the cutoff's seconds for a
/// subject). ARGV[2]: its time to live in milliseconds, `0` for none.
///
/// The larger value wins, so that a subject's cutoff never moves back when
/// two nodes revoke it at once; the later expiry wins, no expiry being the
/// latest. Values and TTLs are written back as the strings they were (never
/// as Lua numbers, which print large values in exponent form).
const RECORD_SCRIPT: &str = r"
local old = redis.call('GET', KEYS[1])
local old_ttl = redis.call('PTTL', KEYS[1])
local value = ARGV[1]
local old_number = old and tonumber(old)
if old_number and old_number > tonumber(value) then
  value = old
end
if ARGV[2] == '0' then
  redis.call('SET', KEYS[1], value)
elseif old and (old_ttl == -1 or old_ttl >= tonumber(ARGV[2])) then
  redis.call('SET', KEYS[1], value, 'KEEPTTL')
else
  redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
end
return 1
";

/// Where a [`RedisStore`] connects, and how it names and times its calls.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use session_cookie::revoke::RedisConfig;
///
/// let config = RedisConfig::from_url("redis://:secret@10.0.0.5:6379/2")?
///     .with_key_prefix("shop:revoked:")
///     .with_pool_size(8)
///     .with_command_timeout(Duration::from_millis(200));
/// assert_eq!(config.key_prefix(), "shop:revoked:");
/// assert_eq!(config.pool_size(), 8);
/// // The password is never shown.
/// assert!(!format!("{config:?}").contains("secret"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedisConfig {
    info: ConnectionInfo,
    key_prefix: String,
    pool_size: usize,
    command_timeout: Duration,
    connect_timeout: Duration,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redis = self.info.redis_settings();
        f.debug_struct("RedisConfig")
            .field("addr", self.info.addr())
            .field("db", &redis.db())
            .field("username", &redis.username())
            .field("password", &redis.password().map(|_| "<redacted>"))
            .field("key_prefix", &self.key_prefix)
            .field("pool_size", &self.pool_size)
            .field("command_timeout", &self.command_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl RedisConfig {
    /// The server at `url`: `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`
    /// (port 6379 and database 0 unless given; `valkey://` is the same),
    /// or a Unix socket, `unix:///PATH[?db=DB]` (also `redis+unix://`).
    /// `?protocol=resp3` asks for RESP3. The other settings are the
    /// defaults: key prefix `session-cookie:revoked:`, 4 connections,
    /// 500 ms per call, 1 s per connection attempt.
    ///
    /// # Errors
    ///
    /// [`RedisConfigError`] when `url` is not such a URL, names an invalid
    /// database, or asks for TLS (`rediss://`), which this build does not
    /// include. The error never contains the URL or its password.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::revoke::{RedisConfig, RedisConfigError};
    ///
    /// assert!(RedisConfig::from_url("redis://cache.internal:6380/1").is_ok());
    /// assert!(RedisConfig::from_url("unix:///run/redis/redis.sock").is_ok());
    /// assert_eq!(
    ///     RedisConfig::from_url("http://cache.internal").unwrap_err(),
    ///     RedisConfigError::NotARedisUrl,
    /// );
    /// assert_eq!(
    ///     RedisConfig::from_url("rediss://cache.internal").unwrap_err(),
    ///     RedisConfigError::TlsUnsupported,
    /// );
    /// ```
    pub fn from_url(url: &str) -> Result<Self, RedisConfigError> {
        let parsed = redis::parse_redis_url(url).ok_or(RedisConfigError::NotARedisUrl)?;
        if matches!(parsed.scheme(), "rediss" | "valkeys") {
            return Err(RedisConfigError::TlsUnsupported);
        }
        let info = parsed
            .into_connection_info()
            .map_err(|err| RedisConfigError::Invalid {
                // The parser's messages are fixed texts ("Invalid database
                // number"); none quotes the URL.
                reason: config_reason(&err),
            })?;
        Ok(Self {
            info,
            key_prefix: DEFAULT_PREFIX.to_owned(),
            pool_size: DEFAULT_POOL_SIZE,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        })
    }

    /// The prefix of every key the store writes (default
    /// `session-cookie:revoked:`): one Redis database can then serve
    /// several sites, or other data, without their keys meeting.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::revoke::RedisConfig;
    ///
    /// let config = RedisConfig::from_url("redis://127.0.0.1")?.with_key_prefix("a:");
    /// assert_eq!(config.key_prefix(), "a:");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_key_prefix(self, prefix: impl Into<String>) -> Self {
        Self {
            key_prefix: prefix.into(),
            ..self
        }
    }

    /// How many multiplexed connections the store keeps (default 4; at
    /// least 1 and at most 64, values outside are taken as the nearest).
    /// Each carries many calls at once; a few spread the work of reading
    /// replies over more than one task.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::revoke::RedisConfig;
    ///
    /// let config = RedisConfig::from_url("redis://127.0.0.1")?;
    /// assert_eq!(config.clone().with_pool_size(0).pool_size(), 1);
    /// assert_eq!(config.with_pool_size(1_000).pool_size(), 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_pool_size(self, connections: usize) -> Self {
        Self {
            pool_size: connections.clamp(1, MAX_POOL_SIZE),
            ..self
        }
    }

    /// How long one call may take, waiting for a connection included
    /// (default 500 ms). A check that takes longer counts as unanswered
    /// ([`StoreError::Unavailable`]), so a request waits at most this long
    /// for Redis.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use session_cookie::revoke::RedisConfig;
    ///
    /// let config = RedisConfig::from_url("redis://127.0.0.1")?
    ///     .with_command_timeout(Duration::from_millis(100));
    /// assert_eq!(config.command_timeout(), Duration::from_millis(100));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_command_timeout(self, timeout: Duration) -> Self {
        Self {
            command_timeout: timeout,
            ..self
        }
    }

    /// How long one attempt to connect may take before it is given up and
    /// tried again (default 1 s). A call never waits longer than its
    /// command timeout, whatever this is; the attempt goes on for the calls
    /// after it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use session_cookie::revoke::RedisConfig;
    ///
    /// let config = RedisConfig::from_url("redis://127.0.0.1")?
    ///     .with_connect_timeout(Duration::from_secs(3));
    /// assert_eq!(config.connect_timeout(), Duration::from_secs(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_connect_timeout(self, timeout: Duration) -> Self {
        Self {
            connect_timeout: timeout,
            ..self
        }
    }

    /// See [`RedisConfig::with_key_prefix`].
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// See [`RedisConfig::with_pool_size`].
    #[must_use]
    pub fn pool_size(&self) -> usize {
        self.pool_size
    }

    /// See [`RedisConfig::with_command_timeout`].
    #[must_use]
    pub fn command_timeout(&self) -> Duration {
        self.command_timeout
    }

    /// See [`RedisConfig::with_connect_timeout`].
    #[must_use]
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
}

/// Why [`RedisConfig::from_url`] refused a URL. It never contains the URL,
/// which may hold a password.
///
/// # Examples
///
/// ```
/// use session_cookie::revoke::{RedisConfig, RedisConfigError};
///
/// let err = RedisConfig::from_url("redis://:hunter2@host/not-a-number").unwrap_err();
/// assert!(matches!(err, RedisConfigError::Invalid { .. }));
/// assert!(!err.to_string().contains("hunter2"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisConfigError {
    /// Not a URL, or not one of the `redis://`, `valkey://`, `unix://` or
    /// `redis+unix://` schemes.
    NotARedisUrl,
    /// `rediss://` or `valkeys://`: TLS is not part of this build.
    TlsUnsupported,
    /// A Redis URL, but not a valid one (a missing host, a database that
    /// is not a number, an unknown protocol).
    Invalid {
        /// The parser's reason.
        reason: String,
    },
}

impl fmt::Display for RedisConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotARedisUrl => f.write_str(
                "not a Redis URL (redis://HOST[:PORT][/DB], valkey://, unix:///PATH or redis+unix://)",
            ),
            Self::TlsUnsupported => {
                f.write_str("TLS (rediss://, valkeys://) is not supported by this build")
            }
            Self::Invalid { reason } => write!(
                f,
                "invalid Redis URL: {}",
                crate::error::Escaped(reason)
            ),
        }
    }
}

impl std::error::Error for RedisConfigError {}

/// Revocation records in Redis: one store for a whole fleet, so that a
/// logout on one node holds on every node.
///
/// # Key layout
///
/// Every key starts with the configured prefix (default
/// `session-cookie:revoked:`, see [`RedisConfig::with_key_prefix`]):
///
/// - `{prefix}s:{id}`: a revoked session; `{id}` is its [`SessionId`] in
///   32 lowercase hexadecimal digits, the value is `1`;
/// - `{prefix}u:{hash}`: a subject's cutoff; `{hash}` is the SHA-256 of
///   the subject's UTF-8 bytes in 64 lowercase hexadecimal digits, the
///   value is the cutoff in whole seconds since the epoch (decimal). The
///   subject is hashed rather than escaped so that any string, of any
///   length and with any characters, makes a key of the same short length,
///   and so that the store does not hold user ids in clear. To find a
///   subject's record by hand: `printf %s "$subject" | sha256sum`.
///
/// # Time to live
///
/// A record is needed only until the last moment any token it refuses
/// could still be accepted (the `until` the engine passes). Its Redis TTL
/// is therefore `until - now` in whole seconds, counted from the engine's
/// `now` rather than Redis's clock, plus one second (a token is accepted
/// throughout the second `until`), and at least one second. Redis deletes
/// the key itself when it expires: the store never holds more than the
/// records still needed, with no sweeping. A record without `until` (a
/// codec that bounds nothing) has no expiry, and neither has one whose TTL
/// would exceed about 31,700 years.
///
/// Both kinds of record are written by one small Lua script, atomically:
/// it keeps the larger of the old and new values (so a subject's cutoff
/// only moves forward, however many nodes revoke it at once) and the later
/// of the two expiries (never being the latest). It needs Redis 6.0 or
/// later (`SET ... KEEPTTL`). A lookup is one `MGET` of the one or two
/// keys: one round trip, and none at all when there is neither an id nor a
/// subject to look up.
///
/// # Connections
///
/// The store keeps a small pool ([`RedisConfig::with_pool_size`], default
/// 4) of multiplexed connections, each a [`redis::aio::ConnectionManager`]
/// that reconnects by itself; calls take them in turn (round robin), and
/// many calls share one connection at once. Nothing connects before the
/// first call: a site starts while Redis is down, and its store works as
/// soon as Redis answers. The connections belong to the tokio runtime that
/// first uses them, so the store needs a tokio runtime with its time
/// driver (as `#[tokio::main]`, actix-web and Rocket have); a call from
/// outside any tokio runtime fails with [`StoreError::Unavailable`].
///
/// # Failures
///
/// Every call has a deadline ([`RedisConfig::with_command_timeout`],
/// default 500 ms), waiting for a connection included: a Redis that is
/// down, unreachable or stuck makes the call fail with
/// [`StoreError::Unavailable`] within that time, never hang. The reason is
/// short and made only of the error's kind (and a Redis error code such
/// as `WRONGPASS`), so it never carries the URL's password. A call whose
/// connection broke (Redis restarted, a failover) is tried once more, on
/// the reconnected connection, within the same deadline: every call here
/// is idempotent. A subject record whose value is not a number is
/// reported as unavailable too, rather than read as no cutoff.
///
/// What an unanswered check means is the engine's
/// [`WhenUnreachable`](super::WhenUnreachable) policy: by default it fails
/// closed (the session is anonymous for that request, and its cookie kept
/// for when Redis is back).
///
/// # Examples
///
/// Building the store connects to nothing, so it succeeds while Redis is
/// down; a call then fails within its deadline:
///
/// ```
/// use std::time::Duration;
/// use session_cookie::revoke::{RedisConfig, RedisStore, RevocationStore, StoreError};
/// use session_cookie::{SessionId, UnixTime};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// // Nothing listens on port 1.
/// let config = RedisConfig::from_url("redis://127.0.0.1:1")?
///     .with_command_timeout(Duration::from_millis(200));
/// let store = RedisStore::new(config)?;
/// let id = SessionId::from_bytes([7; 16]);
/// let err = store.lookup(Some(id), None, UnixTime::now()).await.unwrap_err();
/// assert!(matches!(err, StoreError::Unavailable { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// With Redis up:
///
/// ```no_run
/// use session_cookie::revoke::{RedisConfig, RedisStore, RevocationStore};
/// use session_cookie::{SessionId, UnixTime};
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::new(RedisConfig::from_url("redis://127.0.0.1:6379")?)?;
/// let now = UnixTime::now();
/// let id = SessionId::generate()?;
/// let until = UnixTime::from_secs(now.as_secs() + 3600);
/// store.revoke_session(id, Some(until), now).await?;
/// assert!(store.lookup(Some(id), None, now).await?.session_revoked());
/// # Ok(())
/// # }
/// ```
pub struct RedisStore {
    client: redis::Client,
    manager_config: ConnectionManagerConfig,
    /// The connections, each made on first use (inside the runtime that
    /// will drive it: making one spawns a task).
    pool: Box<[OnceLock<Result<ConnectionManager, StoreError>>]>,
    /// The next connection to use, modulo the pool's size.
    next: AtomicUsize,
    key_prefix: String,
    command_timeout: Duration,
    script: redis::Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.client.get_connection_info();
        f.debug_struct("RedisStore")
            .field("addr", info.addr())
            .field("db", &info.redis_settings().db())
            .field("key_prefix", &self.key_prefix)
            .field("pool_size", &self.pool.len())
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on the server `config` names. It connects to nothing yet:
    /// the connections are made by the first calls, and remade whenever
    /// they break, so that the site starts, and recovers, whether Redis is
    /// up or not.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the Redis client refuses the
    /// configuration (it does not for any [`RedisConfig`] that
    /// [`RedisConfig::from_url`] made); never because Redis is down.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::revoke::{RedisConfig, RedisStore};
    ///
    /// // No server needed to build it.
    /// let store = RedisStore::new(RedisConfig::from_url("redis://127.0.0.1:1/0")?)?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: RedisConfig) -> Result<Self, StoreError> {
        let RedisConfig {
            info,
            key_prefix,
            pool_size,
            command_timeout,
            connect_timeout,
        } = config;
        let client = redis::Client::open(info).map_err(|err| unavailable(&err))?;
        // Few, short retries: a call waits for the connection for at most
        // its own deadline anyway, and a long back-off would only delay
        // the recovery once Redis is back. After the last retry the next
        // call starts a new round.
        let manager_config = ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(connect_timeout))
            // A request stuck on a hung server is failed by the client
            // too, so replies do not queue behind it without bound.
            .set_response_timeout(Some(command_timeout));
        let pool = (0..pool_size.clamp(1, MAX_POOL_SIZE))
            .map(|_| OnceLock::new())
            .collect();
        Ok(Self {
            client,
            manager_config,
            pool,
            next: AtomicUsize::new(0),
            key_prefix,
            command_timeout,
            script: redis::Script::new(RECORD_SCRIPT),
        })
    }

    /// The key of a revoked session's record.
    fn session_key(&self, id: SessionId) -> String {
        format!("{}s:{id}", self.key_prefix)
    }

    /// The key of a subject's record: its SHA-256, so that any subject
    /// makes a short key.
    fn subject_key(&self, subject: &str) -> String {
        let digest = Sha256::digest(subject.as_bytes());
        let mut key = String::with_capacity(self.key_prefix.len().saturating_add(66));
        key.push_str(&self.key_prefix);
        key.push_str("u:");
        for byte in digest {
            key.push(hex_digit(byte >> 4));
            key.push(hex_digit(byte & 0xf));
        }
        key
    }

    /// The next connection of the pool, made now if this is its first use.
    fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let len = self.pool.len();
        let index = self.next.fetch_add(1, Ordering::Relaxed).checked_rem(len);
        let slot = index
            .and_then(|index| self.pool.get(index))
            .ok_or_else(|| StoreError::unavailable("redis: no connection configured"))?;
        slot.get_or_init(|| {
            ConnectionManager::new_lazy_with_config(
                self.client.clone(),
                self.manager_config.clone(),
            )
            .map_err(|err| unavailable(&err))
        })
        .clone()
    }

    /// Runs `op` on a connection within the deadline, once more if the
    /// connection broke (every operation here is idempotent).
    async fn call<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        // Checked first: the connection manager and the deadline both need
        // a tokio runtime, and would panic without one.
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::unavailable(
                "redis: RedisStore needs a tokio runtime",
            ));
        }
        let connection = self.connection()?;
        let attempt = async {
            match op(connection.clone()).await {
                // The manager has begun reconnecting: wait for it.
                Err(err) if err.is_unrecoverable_error() || err.is_io_error() => {
                    op(connection).await
                }
                result => result,
            }
        };
        match tokio::time::timeout(self.command_timeout, attempt).await {
            Ok(result) => result.map_err(|err| unavailable(&err)),
            Err(_) => Err(StoreError::unavailable(format!(
                "redis: no answer within {} ms",
                self.command_timeout.as_millis()
            ))),
        }
    }

    /// Writes one record through [`RECORD_SCRIPT`].
    async fn record(&self, key: String, value: String, ttl: Option<u64>) -> Result<(), StoreError> {
        let ttl = ttl.map_or_else(|| "0".to_owned(), |ms| ms.to_string());
        let (key, value, ttl) = (&key, &value, &ttl);
        self.call(|mut connection| async move {
            self.script
                .key(key)
                .arg(value)
                .arg(ttl)
                .invoke_async::<()>(&mut connection)
                .await
        })
        .await
    }
}

impl RevocationStore for RedisStore {
    fn revoke_session(
        &self,
        id: SessionId,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'_, ()> {
        let key = self.session_key(id);
        Box::pin(self.record(key, "1".to_owned(), ttl_ms(until, now)))
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        through: UnixTime,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        let key = self.subject_key(subject);
        Box::pin(self.record(key, through.as_secs().to_string(), ttl_ms(until, now)))
    }

    fn lookup<'a>(
        &'a self,
        id: Option<SessionId>,
        subject: Option<&'a str>,
        now: UnixTime,
    ) -> StoreFuture<'a, Lookup> {
        // Redis expires records itself: `now` matters only when writing.
        let _ = now;
        Box::pin(async move {
            let session_key = id.map(|id| self.session_key(id));
            let subject_key = subject.map(|subject| self.subject_key(subject));
            let keys: Vec<&String> = session_key.iter().chain(subject_key.iter()).collect();
            if keys.is_empty() {
                return Ok(Lookup::default());
            }
            // One MGET for both records: one round trip per check.
            let mut mget = redis::cmd("MGET");
            mget.arg(&keys);
            let mget = &mget;
            let values: Vec<Option<String>> = self
                .call(|mut connection| async move { mget.query_async(&mut connection).await })
                .await?;
            if values.len() != keys.len() {
                return Err(StoreError::unavailable(
                    "redis: MGET answered a different number of values",
                ));
            }
            let mut values = values.into_iter();
            let session_revoked = match session_key {
                Some(_) => values.next().flatten().is_some(),
                None => false,
            };
            let subject_through = match subject_key {
                Some(_) => values
                    .next()
                    .flatten()
                    .map(|text| {
                        text.parse::<i64>().map(UnixTime::from_secs).map_err(|_| {
                            // Read as "no cutoff", it would let revoked
                            // sessions in: the engine's policy decides.
                            StoreError::unavailable("redis: a subject record is not a number")
                        })
                    })
                    .transpose()?,
                None => None,
            };
            Ok(Lookup::new(session_revoked, subject_through))
        })
    }
}

/// The time to live of a record kept until `until`, in milliseconds, from
/// the engine's `now`: `None` for no expiry (none asked for, or beyond
/// [`MAX_TTL_MS`]). One second more than `until - now`, because a token is
/// still accepted during the second `until`; at least one second.
fn ttl_ms(until: Option<UnixTime>, now: UnixTime) -> Option<u64> {
    let (until, now) = (until?.as_secs(), now.as_secs());
    if until < now {
        return Some(1000);
    }
    // An overflow means `until` is far beyond `now`: no expiry.
    let secs = until.abs_diff(now).checked_add(1)?;
    secs.checked_mul(1000).filter(|ms| *ms <= MAX_TTL_MS)
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

/// A short reason for a failed call, made only of the error's kind and a
/// Redis error code, so that nothing the URL held (its password) is in it.
fn unavailable(err: &RedisError) -> StoreError {
    let io = std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    let reason = if let Some(kind) = io {
        format!("redis: {kind}")
    } else if let Some(code) = err.code().filter(|code| plain_code(code)) {
        format!("redis: server error {code}")
    } else if err.category().is_empty() {
        "redis: error".to_owned()
    } else {
        format!("redis: {}", err.category())
    };
    StoreError::unavailable(reason)
}

/// Whether a server's error code looks like one (`WRONGPASS`, `OOM`,
/// `READONLY`), rather than text that could say anything.
fn plain_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_')
}

fn config_reason(err: &RedisError) -> String {
    let text = err.to_string();
    // "Invalid database number - InvalidClientConfig": the part before the
    // kind's name is the reason.
    text.split(" - ").next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_count_from_the_engines_now_and_include_the_last_second() {
        let now = UnixTime::from_secs(1_000);
        assert_eq!(ttl_ms(None, now), None);
        assert_eq!(ttl_ms(Some(UnixTime::from_secs(1_010)), now), Some(11_000));
        assert_eq!(ttl_ms(Some(now), now), Some(1_000));
        assert_eq!(ttl_ms(Some(UnixTime::from_secs(0)), now), Some(1_000));
        assert_eq!(ttl_ms(Some(UnixTime::from_secs(i64::MAX)), now), None);
        assert_eq!(
            ttl_ms(
                Some(UnixTime::from_secs(i64::MAX)),
                UnixTime::from_secs(i64::MIN)
            ),
            None
        );
        assert_eq!(
            ttl_ms(
                Some(UnixTime::from_secs(i64::MIN)),
                UnixTime::from_secs(i64::MAX)
            ),
            Some(1_000)
        );
    }

    #[test]
    fn keys_are_prefixed_and_subjects_hashed() {
        let config = RedisConfig::from_url("redis://127.0.0.1:1")
            .unwrap()
            .with_key_prefix("p:");
        let store = RedisStore::new(config).unwrap();
        assert_eq!(
            store.session_key(SessionId::from_bytes([0xab; 16])),
            format!("p:s:{}", "ab".repeat(16))
        );
        // SHA-256("42").
        assert_eq!(
            store.subject_key("42"),
            "p:u:73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049"
        );
        assert_eq!(store.subject_key(&"x\n y".repeat(10_000)).len(), 4 + 64);
    }

    #[test]
    fn urls_are_checked_without_showing_them() {
        assert!(RedisConfig::from_url("redis://127.0.0.1:6379/3").is_ok());
        assert!(RedisConfig::from_url("valkey://127.0.0.1").is_ok());
        assert_eq!(
            RedisConfig::from_url("not a url").unwrap_err(),
            RedisConfigError::NotARedisUrl
        );
        assert_eq!(
            RedisConfig::from_url("rediss://h").unwrap_err(),
            RedisConfigError::TlsUnsupported
        );
        for bad in [
            "redis://:pa55word@h/x",
            "redis://:pa55word@h/0?protocol=9",
            "redis://:pa55word@0.0.0.0/0",
        ] {
            let err = RedisConfig::from_url(bad).unwrap_err();
            assert!(
                matches!(err, RedisConfigError::Invalid { .. }),
                "{bad}: {err:?}"
            );
            assert!(!err.to_string().contains("pa55word"), "{err}");
        }
        // No host: not even a URL to the parser.
        let err = RedisConfig::from_url("redis://user:pa55word@/0").unwrap_err();
        assert_eq!(err, RedisConfigError::NotARedisUrl);
        let config = RedisConfig::from_url("redis://u:pa55word@h:1/2").unwrap();
        assert!(!format!("{config:?}").contains("pa55word"));
        let store = RedisStore::new(config).unwrap();
        assert!(!format!("{store:?}").contains("pa55word"));
    }

    #[test]
    fn outside_a_runtime_calls_fail_instead_of_panicking() {
        let store = RedisStore::new(RedisConfig::from_url("redis://127.0.0.1:1").unwrap()).unwrap();
        let future = store.lookup(Some(SessionId::from_bytes([1; 16])), None, UnixTime::now());
        // Polled by a minimal executor that is not tokio.
        let err = block_on(future).unwrap_err();
        assert!(err.to_string().contains("tokio runtime"), "{err}");
        assert_eq!(
            block_on(store.lookup(None, None, UnixTime::now())),
            Ok(Lookup::default())
        );
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
    }

    #[test]
    fn error_codes_are_kept_only_when_plain() {
        assert!(plain_code("WRONGPASS"));
        assert!(plain_code("NOPERM"));
        assert!(!plain_code(""));
        assert!(!plain_code("secret text"));
        assert!(!plain_code(&"A".repeat(33)));
    }
}
