//! Web Push (RFC 8030): the alert is encrypted to the browser's subscription keys
//! (RFC 8291 `aes128gcm`, by `web-push-native` on RustCrypto), and the request carries
//! the server's VAPID signature (RFC 8292, an ES256 JWT made with `jsonwebtoken`), which
//! is how the push service knows the sender is the one the browser subscribed with.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use reqwest::StatusCode;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::delivery::{Answer, Gateway, Outcome, PushJob, answer};
use super::endpoint_guard;
use super::origin_breaker::OriginBreaker;

/// How long a push service keeps an undelivered push (the browser may be closed).
const TTL_SECS: u64 = 24 * 60 * 60;
/// How long a VAPID signature is valid (RFC 8292 allows at most 24 h).
const VAPID_VALIDITY_SECS: u64 = 12 * 60 * 60;

/// How long a VAPID signature is reused for one push service (its validity is longer).
const VAPID_REUSE: Duration = Duration::from_secs(60 * 60);
/// Push services whose signature is kept (a handful exist: Google, Mozilla, Apple...).
const VAPID_CACHE: usize = 64;

/// The server's VAPID key: what signs, and the public half browsers subscribe with.
pub struct VapidKey {
    signing: EncodingKey,
    /// The uncompressed public point, base64url without padding.
    public_key: String,
    /// `Authorization` values by push service origin, and when they were made: one
    /// signature serves every push to that service for an hour.
    signed: Mutex<HashMap<String, (String, Instant)>>,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// Reads a P-256 private key in PEM, PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1
    /// (`BEGIN EC PRIVATE KEY`), as `openssl ecparam -name prime256v1 -genkey` makes.
    ///
    /// # Errors
    ///
    /// The file cannot be read or is not a P-256 private key.
    pub fn from_pem_file(path: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::from_pem(&pem).with_context(|| format!("{}", path.display()))
    }

    /// The key of a PEM text (see [`VapidKey::from_pem_file`]).
    ///
    /// # Errors
    ///
    /// The text is not a P-256 private key.
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let secret = p256::SecretKey::from_pkcs8_pem(pem)
            .or_else(|_| p256::SecretKey::from_sec1_pem(pem))
            .map_err(|_| anyhow::anyhow!("not a P-256 private key in PEM"))?;
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("cannot encode the key: {e}"))?;
        let public = secret.public_key().to_encoded_point(false);
        Ok(Self {
            signing: EncodingKey::from_ec_der(der.as_bytes()),
            public_key: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            signed: Mutex::new(HashMap::new()),
        })
    }

    /// The public key, base64url: `GET /v1/push/vapid-public-key`.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// `Authorization: vapid t=…, k=…` for a push service at `origin`: the one made
    /// within the hour, or a new one.
    fn authorization(&self, origin: &str, subject: &str) -> anyhow::Result<String> {
        let mut signed = self.signed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((header, made)) = signed.get(origin)
            && made.elapsed() < VAPID_REUSE
        {
            return Ok(header.clone());
        }
        let header = self.sign(origin, subject)?;
        if signed.len() >= VAPID_CACHE {
            signed.retain(|_, (_, made)| made.elapsed() < VAPID_REUSE);
        }
        if signed.len() < VAPID_CACHE {
            signed.insert(origin.to_owned(), (header.clone(), Instant::now()));
        }
        Ok(header)
    }

    fn sign(&self, origin: &str, subject: &str) -> anyhow::Result<String> {
        #[derive(Serialize)]
        struct Claims<'a> {
            aud: &'a str,
            exp: u64,
            sub: &'a str,
        }
        let now = crate::clock::now_ms().max(0).unsigned_abs() / 1000;
        let claims = Claims {
            aud: origin,
            exp: now + VAPID_VALIDITY_SECS,
            sub: subject,
        };
        let jwt = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)?;
        Ok(format!("vapid t={jwt}, k={}", self.public_key))
    }
}

/// What the service worker receives, decrypted: the alert and the ids to open.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    title: &'a str,
    body: &'a str,
    badge: u64,
    room_id: &'a str,
    message_id: &'a str,
    seq: u64,
    notification_id: &'a str,
    mentioned: bool,
}

/// Sends Web Push requests.
#[derive(Debug)]
pub struct WebPush {
    http: reqwest::Client,
    vapid: Arc<VapidKey>,
    /// RFC 8292 `sub`: a `mailto:` or `https:` contact for the push service's operators.
    subject: String,
    allow_private: bool,
    /// Push services (origins) that stopped answering are skipped for a while.
    breaker: OriginBreaker,
}

impl WebPush {
    /// A sender signing with `vapid` as `subject`, over `http` (which must resolve
    /// names through [`endpoint_guard::PublicOnly`] unless `allow_private`).
    pub fn new(
        http: reqwest::Client,
        vapid: Arc<VapidKey>,
        subject: String,
        allow_private: bool,
    ) -> Self {
        Self {
            http,
            vapid,
            subject,
            allow_private,
            breaker: OriginBreaker::default(),
        }
    }

    /// The request body: the alert, encrypted to the subscription.
    fn encrypted(job: &PushJob, p256dh: &str, auth: &str) -> Result<Vec<u8>, String> {
        let public = URL_SAFE_NO_PAD
            .decode(p256dh.trim_end_matches('='))
            .ok()
            .and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok())
            .ok_or("the subscription's p256dh is not a P-256 key")?;
        let auth: [u8; 16] = URL_SAFE_NO_PAD
            .decode(auth.trim_end_matches('='))
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("the subscription's auth is not 16 bytes")?;
        let alert = &job.alert;
        let payload = serde_json::to_vec(&Payload {
            title: &alert.title,
            body: &alert.body,
            badge: alert.badge,
            room_id: &alert.room_id,
            message_id: &alert.message_id,
            seq: alert.seq,
            notification_id: &alert.notification_id,
            mentioned: alert.mentioned,
        })
        .map_err(|e| e.to_string())?;
        web_push_native::encrypt(payload, &public, &web_push_native::Auth::from(auth))
            .map_err(|e| format!("cannot encrypt: {e}"))
    }
}

/// RFC 8030 `Topic` (a newer push of the same topic replaces an undelivered older one):
/// at most 32 base64url characters, so the room id is hashed into it.
fn topic(room_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(room_id.as_bytes())[..24])
}

#[async_trait]
impl Gateway for WebPush {
    async fn send(&self, job: &PushJob) -> Outcome {
        let Some((p256dh, auth)) = &job.target.web_push_keys else {
            return Outcome::Gone("a webpush device without keys".into());
        };
        let Ok(endpoint) = url::Url::parse(&job.target.token) else {
            return Outcome::Gone("a webpush endpoint that is not a URL".into());
        };
        if let Some(reason) = endpoint_guard::refusal(&endpoint, self.allow_private) {
            return Outcome::Refused(reason.into());
        }
        let origin = endpoint.origin().ascii_serialization();
        if self.breaker.is_open(&origin) {
            return Outcome::Refused(format!("{origin} has stopped answering: skipped for now"));
        }
        // A key agreement and, once an hour per push service, a signature: CPU work
        // kept off the tasks that serve chat.
        let sealed = {
            let job = job.clone();
            let (p256dh, auth) = (p256dh.clone(), auth.clone());
            let vapid = Arc::clone(&self.vapid);
            let subject = self.subject.clone();
            let origin = origin.clone();
            tokio::task::spawn_blocking(move || {
                let body = Self::encrypted(&job, &p256dh, &auth).map_err(Outcome::Gone)?;
                let authorization = vapid
                    .authorization(&origin, &subject)
                    .map_err(|e| Outcome::Refused(format!("cannot sign: {e}")))?;
                Ok::<_, Outcome>((body, authorization))
            })
            .await
        };
        let (body, authorization) = match sealed {
            Ok(Ok(sealed)) => sealed,
            Ok(Err(outcome)) => return outcome,
            Err(e) => return Outcome::Refused(format!("encryption failed: {e}")),
        };
        let sent = self
            .http
            .post(endpoint)
            .header("ttl", TTL_SECS.to_string())
            .header("urgency", "high")
            .header("topic", topic(&job.alert.room_id))
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            .header("authorization", authorization)
            .body(body)
            .send()
            .await;
        self.breaker.record(&origin, sent.is_ok());
        let status = match answer(sent) {
            Answer::Settled(outcome) => return outcome,
            Answer::Refused(response) => response.status(),
        };
        match status {
            StatusCode::NOT_FOUND | StatusCode::GONE => {
                Outcome::Gone(format!("the push service answered {status}"))
            }
            _ => Outcome::Refused(format!("the push service answered {status}")),
        }
    }
}
