//! The native codec (`docs/FORMAT.md`): signed or encrypted tokens with key
//! ids, bound to their cookie and purpose, with two clocks and a size
//! budget.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::usage::UsageCounter;
use super::{
    BROWSER_COOKIE_LIMIT, DJANGO_SESSION_COOKIE_AGE, Decoded, Limits, Lineage, Payload, Scratch,
    Serde, SessionId, with_scratch,
};
use crate::envelope::compress::{compress_into_if_smaller, inflate_capped};
use crate::envelope::encrypt::{MessageKeys, RANDOM_LEN, open, padded_len, seal};
use crate::error::{DecodeError, EncodeError, KeyError, PayloadError};
pub use crate::format::native::Mode;
use crate::format::native::{self, Header};
use crate::json;
use crate::key::{KeyId, KeyState, MasterKey, NativeKeyRing};
use crate::session::Session;
use crate::sign::HmacKey;
use crate::time::{UnixTime, check_max_age};

/// The largest cookie (`name=value`) or padding bucket a [`NativeConfig`]
/// allows: 1 MiB, far beyond what any browser keeps (4 KiB a cookie) and
/// bounded so that no configuration can make the codec build a token larger
/// than that.
pub const MAX_TOKEN_BYTES: usize = 1 << 20;

/// How a [`NativeCodec`] writes and checks tokens.
///
/// # Examples
///
/// ```
/// use session_cookie::NativeConfig;
///
/// let config = NativeConfig::ENCRYPTED
///     .with_cookie_name("__Host-session")
///     .with_max_lifetime(Some(30 * 86_400))
///     .with_padding(64);
/// assert_eq!(config.cookie_name(), "__Host-session");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeConfig {
    mode: Mode,
    purpose: Cow<'static, str>,
    cookie_name: Cow<'static, str>,
    compress: bool,
    max_age: Option<u64>,
    max_lifetime: Option<u64>,
    skew: u64,
    padding: usize,
    max_cookie_bytes: usize,
    limits: Limits,
}

impl NativeConfig {
    /// Signed tokens: purpose `session`, cookie `sessionid`, no compression,
    /// idle max-age 1209600 s, no absolute lifetime, 60 s of clock skew,
    /// a 4096-byte budget for `name=value`.
    pub const SIGNED: Self = Self {
        mode: Mode::Signed,
        purpose: Cow::Borrowed("session"),
        cookie_name: Cow::Borrowed("sessionid"),
        compress: false,
        max_age: Some(DJANGO_SESSION_COOKIE_AGE),
        max_lifetime: None,
        skew: 60,
        padding: 1,
        max_cookie_bytes: BROWSER_COOKIE_LIMIT,
        limits: Limits::DEFAULT,
    };

    /// Encrypted tokens, with the same defaults as [`NativeConfig::SIGNED`].
    pub const ENCRYPTED: Self = Self {
        mode: Mode::Encrypted,
        ..Self::SIGNED
    };

    /// The application's name for what the token is for; a token made for
    /// one purpose never verifies for another. 1 to 255 bytes.
    #[must_use]
    pub fn with_purpose(self, purpose: impl Into<Cow<'static, str>>) -> Self {
        Self {
            purpose: purpose.into(),
            ..self
        }
    }

    /// The full cookie name, `__Host-`/`__Secure-` prefix included; a token
    /// made for one cookie never verifies as another. 1 to 255 bytes.
    #[must_use]
    pub fn with_cookie_name(self, cookie_name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            cookie_name: cookie_name.into(),
            ..self
        }
    }

    /// Compress payloads with zlib when that saves two bytes.
    ///
    /// # Security
    ///
    /// In encrypted mode compression leaks the length of the compressed
    /// session (CRIME, BREACH): if an attacker can put chosen text into a
    /// session beside a secret, the cookie's size reveals the secret. Leave
    /// it off unless no attacker-chosen data shares a session with secrets.
    #[must_use]
    pub fn with_compress(self, compress: bool) -> Self {
        Self { compress, ..self }
    }

    /// Idle lifetime: seconds since the token was issued, or `None`.
    #[must_use]
    pub fn with_max_age(self, max_age: Option<u64>) -> Self {
        Self { max_age, ..self }
    }

    /// Absolute lifetime: seconds since the session was first issued,
    /// carried through re-issues, or `None`.
    #[must_use]
    pub fn with_max_lifetime(self, max_lifetime: Option<u64>) -> Self {
        Self {
            max_lifetime,
            ..self
        }
    }

    /// How far in the future an issue time may be, in seconds.
    #[must_use]
    pub fn with_skew(self, skew: u64) -> Self {
        Self { skew, ..self }
    }

    /// Encrypted mode: pad plaintexts to a multiple of `bucket` bytes so the
    /// token's length reveals the session's size only to within a bucket.
    /// 1 (the default) means no bucketing; a bucket is at most
    /// [`MAX_TOKEN_BYTES`] (a larger one is taken as that).
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, EncodeError};
    ///
    /// // A bucket no cookie can hold is a typed error when encoding, never a panic.
    /// let config = NativeConfig::ENCRYPTED.with_padding(usize::MAX).with_max_cookie_bytes(usize::MAX);
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k")?), config)?;
    /// assert!(matches!(codec.encode(&[1]), Err(EncodeError::TooLarge { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_padding(self, bucket: usize) -> Self {
        Self {
            padding: bucket.clamp(1, MAX_TOKEN_BYTES),
            ..self
        }
    }

    /// The most bytes `name=value` may take; encoding refuses beyond it.
    /// Browsers keep at most 4096. At most [`MAX_TOKEN_BYTES`] (a larger
    /// budget is taken as that).
    #[must_use]
    pub fn with_max_cookie_bytes(self, max_cookie_bytes: usize) -> Self {
        Self {
            max_cookie_bytes: max_cookie_bytes.min(MAX_TOKEN_BYTES),
            ..self
        }
    }

    /// Bounds on what decoding may do.
    #[must_use]
    pub fn with_limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }

    /// See [`Mode`].
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// See [`NativeConfig::with_purpose`].
    #[must_use]
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// See [`NativeConfig::with_cookie_name`].
    #[must_use]
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// See [`NativeConfig::with_max_age`].
    #[must_use]
    pub fn max_age(&self) -> Option<u64> {
        self.max_age
    }

    /// See [`NativeConfig::with_max_lifetime`].
    #[must_use]
    pub fn max_lifetime(&self) -> Option<u64> {
        self.max_lifetime
    }

    /// See [`NativeConfig::with_skew`].
    #[must_use]
    pub fn skew(&self) -> u64 {
        self.skew
    }

    /// See [`NativeConfig::with_limits`].
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// See [`NativeConfig::with_max_cookie_bytes`].
    #[must_use]
    pub fn max_cookie_bytes(&self) -> usize {
        self.max_cookie_bytes
    }
}

/// How often one key of a [`NativeCodec`] has verified a token: when a
/// `verify` key's count stops growing, it can be retired.
///
/// # Examples
///
/// ```
/// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing};
///
/// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
/// let token = codec.encode(&serde_json::json!({"user_id": 1}))?;
/// codec.decode::<serde_json::Value>(&token)?;
/// assert_eq!(codec.key_usage()[0].verified, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    /// The key's id.
    pub id: KeyId,
    /// The key's state in the ring.
    pub state: KeyState,
    /// Tokens whose MAC this key verified since the codec was built.
    pub verified: u64,
}

struct DerivedKey {
    id: KeyId,
    state: KeyState,
    mac: HmacKey,
    enc: MessageKeys,
    verified: UsageCounter,
}

/// Reads and writes native tokens (`docs/FORMAT.md`).
///
/// Subkeys and HMAC states are derived once, here; a decode costs one key
/// lookup by id and one HMAC, whatever the number of keys. Share one codec
/// (it is `Send + Sync`) behind an `Arc`.
///
/// # Examples
///
/// ```
/// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, Session};
///
/// let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
/// let codec = NativeCodec::new(&ring, NativeConfig::ENCRYPTED)?;
/// let mut session = Session::new();
/// session.insert("user_id", 42)?;
/// let token = codec.encode(&session)?;
/// assert!(!token.contains("user_id"));
/// let session = codec.decode_session(&token)?.into_value();
/// assert_eq!(session.get::<u64>("user_id")?, Some(42));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct NativeCodec {
    active: DerivedKey,
    /// The `verify` and `retired` keys.
    others: Vec<DerivedKey>,
    /// Key id to position: 0 is the active key, `i` is `others[i - 1]`.
    by_id: HashMap<Box<[u8]>, usize>,
    context: Vec<u8>,
    config: NativeConfig,
}

impl core::fmt::Debug for NativeCodec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NativeCodec")
            .field("keys", &self.key_usage())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl NativeCodec {
    /// Derives every key's subkeys for `config`'s purpose and cookie name.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidContext`] when the purpose or cookie name is empty
    /// or longer than 255 bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{KeyError, MasterKey, NativeCodec, NativeConfig, NativeKeyRing};
    ///
    /// let ring = NativeKeyRing::new(MasterKey::generate("k")?);
    /// let err = NativeCodec::new(&ring, NativeConfig::SIGNED.with_purpose("")).unwrap_err();
    /// assert_eq!(err, KeyError::InvalidContext);
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn new(ring: &NativeKeyRing, config: NativeConfig) -> Result<Self, KeyError> {
        let context = native::context(&config.purpose, &config.cookie_name)?;
        let derive = |master: &MasterKey, state| {
            let (mac, enc) = native::derive_subkeys(master, &context);
            DerivedKey {
                id: master.id().clone(),
                state,
                mac,
                enc,
                verified: UsageCounter::new(),
            }
        };
        let active = derive(ring.active(), KeyState::Active);
        let others: Vec<DerivedKey> = ring
            .keys()
            .skip(1)
            .map(|(master, state)| derive(master, state))
            .collect();
        let by_id = core::iter::once(&active)
            .chain(&others)
            .enumerate()
            .map(|(index, key)| (key.id.as_str().as_bytes().into(), index))
            .collect();
        Ok(Self {
            active,
            others,
            by_id,
            context,
            config,
        })
    }

    fn keys(&self) -> impl Iterator<Item = &DerivedKey> {
        core::iter::once(&self.active).chain(&self.others)
    }

    fn key(&self, index: usize) -> Option<&DerivedKey> {
        match index.checked_sub(1) {
            None => Some(&self.active),
            Some(other) => self.others.get(other),
        }
    }

    /// The configuration this codec was built with.
    #[must_use]
    pub fn config(&self) -> &NativeConfig {
        &self.config
    }

    /// Each key with its state and how many tokens it verified.
    #[must_use]
    pub fn key_usage(&self) -> Vec<KeyUsage> {
        self.keys()
            .map(|key| KeyUsage {
                id: key.id.clone(),
                state: key.state,
                verified: key.verified.total(),
            })
            .collect()
    }

    /// Writes `value`'s JSON into `scratch.json`, compresses it into
    /// `scratch.bytes` when configured and worth it, and says whether it did.
    fn prepare<P: Payload + ?Sized>(
        &self,
        value: &P,
        scratch: &mut Scratch,
    ) -> Result<bool, EncodeError> {
        value
            .write_json(&mut scratch.json)
            .map_err(EncodeError::Serialize)?;
        Ok(self.config.compress && compress_into_if_smaller(&scratch.json, &mut scratch.bytes))
    }

    fn body_len(&self, payload_len: usize) -> Option<usize> {
        match self.config.mode {
            Mode::Signed => Some(payload_len),
            Mode::Encrypted => {
                native::encrypted_body_len(padded_len(payload_len, self.config.padding)?)
            }
        }
    }

    /// The length of `name=value`; `None` when it does not fit a `usize`
    /// (which no budget allows).
    fn cookie_bytes(&self, key_id: &KeyId, payload_len: usize) -> Option<usize> {
        let header_len = Header {
            body: self.config.mode,
            compressed: false,
            key_id,
            issued_at: 0,
            origin: 0,
            session_id: SessionId::from_bytes([0; SessionId::LEN]),
        }
        .len();
        let token = native::token_len(header_len, self.body_len(payload_len)?)?;
        native::text_len(token)?.checked_add(self.config.cookie_name.len() + 1)
    }

    /// The exact length of `name=value` that encoding `value` now would
    /// produce, without any cryptography.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` cannot be written as JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing};
    ///
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::ENCRYPTED)?;
    /// let value = serde_json::json!({"user_id": 42});
    /// let token = codec.encode(&value)?;
    /// assert_eq!(codec.encoded_len(&value)?, "sessionid=".len() + token.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encoded_len<T: Serialize + ?Sized>(&self, value: &T) -> Result<usize, EncodeError> {
        self.payload_len(&Serde(value))
    }

    /// [`NativeCodec::encoded_len`] of any [`Payload`].
    pub(crate) fn payload_len<P: Payload + ?Sized>(&self, value: &P) -> Result<usize, EncodeError> {
        with_scratch(|scratch| {
            let compressed = self.prepare(value, scratch)?;
            let payload = if compressed {
                &scratch.bytes
            } else {
                &scratch.json
            };
            self.cookie_bytes(&self.active.id, payload.len())
                .ok_or_else(|| EncodeError::TooLarge {
                    len: usize::MAX,
                    limit: self.config.max_cookie_bytes,
                    largest_keys: value.largest_keys(),
                })
        })
    }

    /// Writes a new session's token now. See [`NativeCodec::encode_at`].
    ///
    /// # Errors
    ///
    /// As [`NativeCodec::encode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing};
    ///
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
    /// assert!(!codec.encode(&serde_json::json!({}))?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, EncodeError> {
        self.encode_at(value, UnixTime::now())
    }

    /// Writes a new session's token as of `now`: a fresh [`SessionId`],
    /// and its absolute lifetime starts now.
    ///
    /// A [`Session`] is written faster through [`Codec::encode_at`](crate::Codec::encode_at):
    /// there it writes its own JSON, where here any `Serialize` value goes
    /// through serde.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` is not JSON;
    /// [`EncodeError::TooLarge`] when `name=value` would exceed the budget;
    /// [`EncodeError::Random`] when the random source fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};
    ///
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let token = codec.encode_at(&serde_json::json!({"a": 1}), now)?;
    /// assert_eq!(codec.decode_at::<serde_json::Value>(&token, now)?.first_issued_at(), now);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.encode_with_lineage_at(value, Lineage::new(now, None), now)
    }

    /// Writes, as of `now`, the token of a session with `lineage`: its
    /// first-issue time (the start of the absolute lifetime) and its
    /// [`SessionId`] (a fresh one when it has none). How a re-issued
    /// session stays the same session.
    ///
    /// # Errors
    ///
    /// As [`NativeCodec::encode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{Lineage, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, SessionId, UnixTime};
    ///
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
    /// let (first, now) = (UnixTime::from_secs(1_000), UnixTime::from_secs(5_000));
    /// let lineage = Lineage::new(first, Some(SessionId::from_bytes([1; 16])));
    /// let token = codec.encode_with_lineage_at(&serde_json::json!({}), lineage, now)?;
    /// let decoded = codec.decode_at::<serde_json::Value>(&token, now)?;
    /// assert_eq!((decoded.lineage(), decoded.issued_at()), (lineage, now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_with_lineage_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        lineage: Lineage,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.encode_payload(&Serde(value), lineage, now)
    }

    /// [`NativeCodec::encode_with_lineage_at`] of any [`Payload`].
    pub(crate) fn encode_payload<P: Payload + ?Sized>(
        &self,
        value: &P,
        lineage: Lineage,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        // All the token's random bytes in one draw, so one fork check
        // (`src/random.rs`): a new session's id, then the salt and nonce
        // when encrypting.
        let mut random = [0u8; SessionId::LEN + RANDOM_LEN];
        let first = if lineage.session_id.is_some() {
            SessionId::LEN
        } else {
            0
        };
        let last = match self.config.mode {
            Mode::Encrypted => random.len(),
            Mode::Signed => SessionId::LEN,
        };
        if let Some(wanted) = random.get_mut(first..last) {
            crate::random::fill_public(wanted)?;
        }
        let (id_bytes, seal_random) = random.split_at(SessionId::LEN);
        let session_id = match lineage.session_id {
            Some(id) => id,
            None => SessionId::from_bytes(id_bytes.try_into().map_err(|_| EncodeError::Random)?),
        };
        let seal_random: &[u8; RANDOM_LEN] =
            seal_random.try_into().map_err(|_| EncodeError::Random)?;
        let origin = lineage.first_issued_at;
        let key = &self.active;
        with_scratch(|scratch| {
            let compressed = self.prepare(value, scratch)?;
            let Scratch { json, bytes, token } = scratch;
            let payload: &[u8] = if compressed { bytes } else { json };
            let len = self
                .cookie_bytes(&key.id, payload.len())
                .unwrap_or(usize::MAX);
            if len > self.config.max_cookie_bytes {
                return Err(EncodeError::TooLarge {
                    len,
                    limit: self.config.max_cookie_bytes,
                    largest_keys: value.largest_keys(),
                });
            }
            // Times before 1970 cannot occur on a working clock; they are
            // written as 0 (and expire at once) rather than failing.
            let issued_at = u64::try_from(now.as_secs()).unwrap_or(0);
            let header = Header {
                body: self.config.mode,
                compressed,
                key_id: &key.id,
                issued_at,
                origin: u64::try_from(origin.as_secs()).unwrap_or(0).min(issued_at),
                session_id,
            };
            // The context first: it is the start of the AEAD's associated
            // data, and the MAC state has already absorbed it.
            token.extend_from_slice(&self.context);
            header.write(token);
            match self.config.mode {
                Mode::Signed => token.extend_from_slice(payload),
                Mode::Encrypted => {
                    seal(
                        &key.enc,
                        token,
                        0,
                        payload,
                        self.config.padding,
                        seal_random,
                    )?;
                }
            }
            Ok(native::finish(token, self.context.len(), &key.mac))
        })
    }

    /// Writes `decoded`'s value again as of `now`, under the active key,
    /// keeping its [`Lineage`] (id and first-issue time).
    ///
    /// # Errors
    ///
    /// As [`NativeCodec::encode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{KeyState, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};
    ///
    /// let old = MasterKey::generate("old")?;
    /// let t0 = UnixTime::from_secs(1_000);
    /// let before = NativeCodec::new(&NativeKeyRing::new(old.clone()), NativeConfig::SIGNED)?;
    /// let token = before.encode_at(&serde_json::json!({"user_id": 1}), t0)?;
    ///
    /// let ring = NativeKeyRing::new(MasterKey::generate("new")?).with_key(old, KeyState::Verify)?;
    /// let after = NativeCodec::new(&ring, NativeConfig::SIGNED)?;
    /// let t1 = UnixTime::from_secs(2_000);
    /// let decoded = after.decode_at::<serde_json::Value>(&token, t1)?;
    /// assert!(decoded.needs_reissue());
    /// let fresh = after.reissue_at(&decoded, t1)?;
    /// let again = after.decode_at::<serde_json::Value>(&fresh, t1)?;
    /// assert!(!again.needs_reissue());
    /// assert_eq!(again.first_issued_at(), t0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reissue_at<T: Serialize>(
        &self,
        decoded: &Decoded<T>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.encode_with_lineage_at(decoded.value(), decoded.lineage(), now)
    }

    /// Verifies and decodes a token now. See [`NativeCodec::decode_at`].
    ///
    /// # Errors
    ///
    /// As [`NativeCodec::decode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing};
    ///
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
    /// let token = codec.encode(&[1, 2])?;
    /// assert_eq!(codec.decode::<Vec<u8>>(&token)?.into_value(), [1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode<T: DeserializeOwned>(&self, cookie: &str) -> Result<Decoded<T>, DecodeError> {
        self.decode_at(cookie, UnixTime::now())
    }

    /// Verifies `cookie` as of `now` and decodes its payload as `T`.
    ///
    /// Order: length, strict base64url, structure and mode, key lookup by
    /// id, HMAC (constant time), times, decryption, inflation (capped),
    /// JSON (depth-bounded).
    ///
    /// # Errors
    ///
    /// - [`DecodeError::TooLarge`]: over the cookie length or inflate limit.
    /// - [`DecodeError::Malformed`]: not a version 1 or 2 token of this mode.
    /// - [`DecodeError::BadSignature`]: unknown or retired key id, or the MAC
    ///   does not verify (another key, purpose or cookie name, or tampering).
    /// - [`DecodeError::NotYetValid`]: issued beyond the allowed skew ahead.
    /// - [`DecodeError::Expired`]: past the idle or the absolute lifetime.
    /// - [`DecodeError::BadPayload`]: authentic but undecodable content.
    ///
    /// # Security
    ///
    /// Nothing is decrypted, inflated or parsed before the MAC verifies.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DecodeError, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};
    ///
    /// let ring = NativeKeyRing::new(MasterKey::generate("k1")?);
    /// let codec = NativeCodec::new(&ring, NativeConfig::SIGNED)?;
    /// let token = codec.encode_at(&1, UnixTime::from_secs(0))?;
    /// let other = NativeCodec::new(&ring, NativeConfig::SIGNED.with_cookie_name("other"))?;
    /// assert_eq!(other.decode_at::<u8>(&token, UnixTime::from_secs(0)).unwrap_err(), DecodeError::BadSignature);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_at<T: DeserializeOwned>(
        &self,
        cookie: &str,
        now: UnixTime,
    ) -> Result<Decoded<T>, DecodeError> {
        self.open_at(cookie, now)?
            .try_map(|json| json::from_slice(&json).map_err(DecodeError::BadPayload))
    }

    /// Every check of [`NativeCodec::decode_at`] up to the JSON, which it
    /// returns as bytes.
    fn open_at(&self, cookie: &str, now: UnixTime) -> Result<Decoded<Vec<u8>>, DecodeError> {
        self.config.limits.check_cookie_len(cookie)?;
        let bytes = native::decode_text(cookie).map_err(DecodeError::Malformed)?;
        let token = native::parse(&bytes, self.config.mode).map_err(DecodeError::Malformed)?;
        let (key_index, key) = self
            .by_id
            .get(token.key_id)
            .and_then(|&index| Some((index, self.key(index)?)))
            .filter(|(_, key)| key.state != KeyState::Retired)
            .ok_or(DecodeError::BadSignature)?;
        let tag = token.tag;
        let proof = key
            .mac
            .verify(&[token.signed], &tag)
            .ok_or(DecodeError::BadSignature)?;
        key.verified.bump();

        let to_time = |secs: u64| {
            i64::try_from(secs)
                .map(UnixTime::from_secs)
                .map_err(|_| DecodeError::BadPayload(PayloadError::Timestamp))
        };
        let issued_at = to_time(token.issued_at)?;
        let origin = to_time(token.origin)?;
        if origin > issued_at {
            return Err(DecodeError::BadPayload(PayloadError::Origin));
        }
        let ahead = i128::from(issued_at.as_secs()) - i128::from(now.as_secs());
        if ahead > i128::from(self.config.skew) {
            return Err(DecodeError::NotYetValid {
                ahead: i64::try_from(ahead).unwrap_or(i64::MAX),
            });
        }
        check_max_age(issued_at, now, self.config.max_age)?;
        check_max_age(origin, now, self.config.max_lifetime)?;

        let compressed = token.compressed;
        let session_id = token.session_id();
        let (header, body) = (token.header_range.clone(), token.body_range.clone());
        // The payload is cut out of the token's own buffer: decrypted in
        // place, then the header and tag trimmed off.
        let mut payload = bytes;
        let plain = match self.config.mode {
            Mode::Signed => body,
            Mode::Encrypted => with_scratch(|scratch| {
                scratch.token.extend_from_slice(&self.context);
                scratch
                    .token
                    .extend_from_slice(payload.get(header).unwrap_or_default());
                let sealed = payload.get_mut(body.clone()).unwrap_or_default();
                open(&key.enc, &scratch.token, sealed, proof)
                    .map(|inner| body.start + inner.start..body.start + inner.end)
                    .map_err(DecodeError::BadPayload)
            })?,
        };
        payload.truncate(plain.end);
        payload.drain(..plain.start);
        if compressed {
            payload = inflate_capped(&payload, self.config.limits.max_inflated_len())?;
        }
        let half_life_passed = self.config.max_age.is_some_and(|max_age| {
            i128::from(now.as_secs()) - i128::from(issued_at.as_secs()) > i128::from(max_age / 2)
        });
        Ok(Decoded {
            value: payload,
            issued_at,
            first_issued_at: origin,
            session_id: Some(session_id),
            key_index,
            needs_reissue: key.state != KeyState::Active || half_life_passed,
        })
    }

    /// Verifies and decodes a session token now.
    ///
    /// # Errors
    ///
    /// As [`NativeCodec::decode_at`]; a payload that is not a JSON object is
    /// [`DecodeError::BadPayload`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, Session};
    ///
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
    /// let token = codec.encode(&Session::new())?;
    /// assert!(codec.decode_session(&token)?.value().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_session(&self, cookie: &str) -> Result<Decoded<Session>, DecodeError> {
        self.decode_session_at(cookie, UnixTime::now())
    }

    /// Verifies `cookie` as of `now` and decodes it as a [`Session`] whose
    /// values are parsed only when read.
    ///
    /// # Errors
    ///
    /// As [`NativeCodec::decode_at`]; a payload that is not a JSON object is
    /// [`DecodeError::BadPayload`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};
    ///
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let token = codec.encode_at(&serde_json::json!({"user_id": 5}), now)?;
    /// let session = codec.decode_session_at(&token, now)?.into_value();
    /// assert_eq!(session.get::<u32>("user_id")?, Some(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_session_at(
        &self,
        cookie: &str,
        now: UnixTime,
    ) -> Result<Decoded<Session>, DecodeError> {
        self.open_at(cookie, now)?.try_map(Session::from_json_bytes)
    }
}
