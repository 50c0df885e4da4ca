//! Apple Push Notification service: the provider API over HTTP/2 (reqwest, one
//! multiplexed connection per gateway) with token authentication: an ES256 JWT signed
//! with the team's `.p8` key (by `jsonwebtoken`), made once and reused for 40 minutes
//! (Apple refuses one older than an hour, and throttles a provider that makes a new one
//! more often than every 20 minutes).

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_trait::async_trait;
use chat_protocol::v1::PushEnvironment;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::delivery::{Answer, Gateway, Outcome, PushJob, answer};

const PRODUCTION: &str = "https://api.push.apple.com";
const SANDBOX: &str = "https://api.sandbox.push.apple.com";
/// How long a provider token is reused.
const TOKEN_REUSE: Duration = Duration::from_secs(40 * 60);
/// How long APNs keeps trying to reach a switched-off phone.
const EXPIRATION_SECS: i64 = 24 * 60 * 60;
/// Longest `apns-collapse-id`, in bytes.
const MAX_COLLAPSE_ID: usize = 64;

/// Where and as whom to send.
#[derive(Debug, Clone)]
pub struct ApnsConfig {
    /// The `.p8` key file.
    pub key_file: std::path::PathBuf,
    /// Its 10-character key id.
    pub key_id: String,
    /// The developer team id.
    pub team_id: String,
    /// The topic (bundle id) of devices registered without `app_id`.
    pub topic: Option<String>,
    /// Every request to this base URL instead of Apple's gateway of the device's
    /// environment.
    pub url: Option<String>,
}

/// Sends APNs requests.
pub struct Apns {
    http: reqwest::Client,
    config: ApnsConfig,
    key: EncodingKey,
    /// The provider token and when it was made.
    token: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for Apns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apns")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The provider token's claims.
#[derive(Debug, Serialize)]
struct ProviderClaims {
    /// The team id.
    iss: String,
    /// When it was made, in seconds.
    iat: u64,
}

impl Apns {
    /// A sender with the key of `config`, over `http` (which must speak HTTP/2).
    ///
    /// # Errors
    ///
    /// The key file cannot be read or is not an ES256 (P-256) key.
    pub fn new(http: reqwest::Client, config: ApnsConfig) -> anyhow::Result<Self> {
        let key = read_key(&config.key_file)?;
        Ok(Self {
            http,
            config,
            key,
            token: Mutex::new(None),
        })
    }

    /// The provider token, made anew when the one in hand is 40 minutes old.
    fn provider_token(&self) -> Result<String, jsonwebtoken::errors::Error> {
        let mut held = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((token, made)) = held.as_ref()
            && made.elapsed() < TOKEN_REUSE
        {
            return Ok(token.clone());
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.config.key_id.clone());
        let claims = ProviderClaims {
            iss: self.config.team_id.clone(),
            iat: crate::clock::now_ms().max(0).unsigned_abs() / 1000,
        };
        let token = jsonwebtoken::encode(&header, &claims, &self.key)?;
        *held = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    /// Drops the provider token APNs said has expired (a clock jump, a long sleep),
    /// unless another request has already made a new one: Apple throttles a provider
    /// that changes its token too often.
    fn forget_token(&self, expired: &str) {
        let mut held = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.as_ref().is_some_and(|(token, _)| token == expired) {
            *held = None;
        }
    }

    fn base_url(&self, environment: Option<PushEnvironment>) -> &str {
        match (&self.config.url, environment) {
            (Some(url), _) => url.trim_end_matches('/'),
            (None, Some(PushEnvironment::Sandbox)) => SANDBOX,
            (None, _) => PRODUCTION,
        }
    }
}

fn read_key(path: &Path) -> anyhow::Result<EncodingKey> {
    let pem = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    EncodingKey::from_ec_pem(&pem)
        .with_context(|| format!("{} is not an APNs (.p8, P-256) key", path.display()))
}

/// The JSON body: `aps` for the system, the ids beside it for the app (its Notification
/// Service Extension may fetch and decrypt more, thanks to `mutable-content`).
fn payload(job: &PushJob) -> serde_json::Value {
    let alert = &job.alert;
    let mut body = serde_json::json!({
        "aps": {
            "alert": {"title": alert.title, "body": alert.body},
            "badge": alert.badge,
            "sound": "default",
            "mutable-content": 1,
            "thread-id": alert.room_id,
        },
    });
    for (key, value) in alert.data() {
        body[key] = serde_json::Value::String(value);
    }
    body
}

/// The id a newer push of the same room replaces an older one by.
fn collapse_id(room_id: &str) -> &str {
    let mut end = room_id.len().min(MAX_COLLAPSE_ID);
    while !room_id.is_char_boundary(end) {
        end -= 1;
    }
    &room_id[..end]
}

#[derive(Debug, Default, Deserialize)]
struct Refusal {
    #[serde(default)]
    reason: String,
}

#[async_trait]
impl Gateway for Apns {
    async fn send(&self, job: &PushJob) -> Outcome {
        let target = &job.target;
        let Some(topic) = target.app_id.as_ref().or(self.config.topic.as_ref()) else {
            return Outcome::Refused(
                "no APNs topic: the device has no app_id and --apns-topic is not set".into(),
            );
        };
        let token = match self.provider_token() {
            Ok(token) => token,
            Err(e) => return Outcome::Refused(format!("cannot sign the provider token: {e}")),
        };
        let url = format!(
            "{}/3/device/{}",
            self.base_url(target.environment),
            target.token
        );
        let expiration = crate::clock::now_ms() / 1000 + EXPIRATION_SECS;
        let sent = self
            .http
            .post(url)
            .header("authorization", format!("bearer {token}"))
            .header("apns-topic", topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-id", &job.alert.notification_id)
            .header("apns-collapse-id", collapse_id(&job.alert.room_id))
            .header("apns-expiration", expiration.to_string())
            .json(&payload(job))
            .send()
            .await;
        let response = match answer(sent) {
            Answer::Settled(outcome) => return outcome,
            Answer::Refused(response) => response,
        };
        let status = response.status();
        let refusal: Refusal = response.json().await.unwrap_or_default();
        let reason = format!("APNs answered {status} {}", refusal.reason);
        match (status, refusal.reason.as_str()) {
            (StatusCode::GONE, _) | (StatusCode::BAD_REQUEST, "BadDeviceToken") => {
                Outcome::Gone(reason)
            }
            (StatusCode::FORBIDDEN, "ExpiredProviderToken") => {
                self.forget_token(&token);
                Outcome::Retry {
                    reason,
                    after: None,
                }
            }
            _ => Outcome::Refused(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collapse_id_is_cut_at_64_bytes_on_a_character_boundary() {
        assert_eq!(collapse_id("room"), "room");
        let long = "é".repeat(40);
        let cut = collapse_id(&long);
        assert!(cut.len() <= MAX_COLLAPSE_ID);
        assert_eq!(cut.chars().count(), 32);
    }
}
