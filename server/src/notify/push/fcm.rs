//! Firebase Cloud Messaging, HTTP v1 API. Its bearer token comes from Google's OAuth 2.0
//! server for a service account (RFC 7523 JWT grant): the server signs a JWT with the
//! account's RSA key (`jsonwebtoken`, RS256), trades it at the account's `token_uri`
//! for an access token, and keeps that until a minute before it expires.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_trait::async_trait;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::delivery::{Answer, Gateway, Outcome, PushJob, answer, transient, unreachable};

/// What the access token allows: sending through FCM.
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// Google's token endpoint, for a key file without `token_uri`.
const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// The grant type of RFC 7523.
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How long the signed assertion is valid (Google takes at most an hour).
const ASSERTION_SECS: u64 = 60 * 60;
/// An access token this close to its expiry is renewed first.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// The fields of a service-account key file (the JSON the Firebase console gives).
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    #[serde(default)]
    pub private_key_id: Option<String>,
    pub private_key: String,
    pub client_email: String,
    #[serde(default)]
    pub token_uri: Option<String>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

/// The claims of the JWT grant.
#[derive(Debug, Serialize)]
struct GrantClaims {
    iss: String,
    scope: String,
    aud: String,
    iat: u64,
    exp: u64,
}

#[derive(Debug, Deserialize)]
struct AccessToken {
    access_token: String,
    expires_in: u64,
}

/// Sends FCM requests.
pub struct Fcm {
    http: reqwest::Client,
    account: ServiceAccount,
    key: EncodingKey,
    /// `https://fcm.googleapis.com`, or a test endpoint.
    base_url: String,
    /// The access token and when it expires; one grant at a time.
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for Fcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fcm")
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Fcm {
    /// A sender for the service account in `key_file`, sending to `base_url`.
    ///
    /// # Errors
    ///
    /// The file cannot be read, is not a service-account key, or its key is not RSA.
    pub fn new(http: reqwest::Client, key_file: &Path, base_url: &str) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(key_file)
            .with_context(|| format!("cannot read {}", key_file.display()))?;
        let account: ServiceAccount = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a service-account key", key_file.display()))?;
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .with_context(|| format!("the private_key of {} is not RSA", key_file.display()))?;
        Ok(Self {
            http,
            account,
            key,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// An access token: the one in hand, or a new one from the token endpoint.
    async fn access_token(&self) -> Result<String, Outcome> {
        let mut held = self.token.lock().await;
        if let Some((token, expires)) = held.as_ref()
            && Instant::now() + RENEW_BEFORE < *expires
        {
            return Ok(token.clone());
        }
        let token_uri = self
            .account
            .token_uri
            .as_deref()
            .unwrap_or(GOOGLE_TOKEN_URI);
        let now = crate::clock::now_ms().max(0).unsigned_abs() / 1000;
        let claims = GrantClaims {
            iss: self.account.client_email.clone(),
            scope: SCOPE.to_owned(),
            aud: token_uri.to_owned(),
            iat: now,
            exp: now + ASSERTION_SECS,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(&self.account.private_key_id);
        let assertion = jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| Outcome::Refused(format!("cannot sign the token grant: {e}")))?;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", JWT_BEARER)
            .append_pair("assertion", &assertion)
            .finish();
        let response = self
            .http
            .post(token_uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        if let Some(retry) = transient(status, response.headers()) {
            return Err(retry);
        }
        if !status.is_success() {
            let answer = response.text().await.unwrap_or_default();
            return Err(Outcome::Refused(format!(
                "the token grant was refused: {status} {answer}"
            )));
        }
        let granted: AccessToken = response
            .json()
            .await
            .map_err(|e| Outcome::Refused(format!("a token grant answer without a token: {e}")))?;
        let expires = Instant::now() + Duration::from_secs(granted.expires_in);
        *held = Some((granted.access_token.clone(), expires));
        Ok(granted.access_token)
    }

    async fn forget_token(&self) {
        *self.token.lock().await = None;
    }
}

/// The v1 `messages:send` body: the notification for the system tray, the ids as data
/// for the app, and the room as collapse key and tag (a newer push replaces the older).
fn message(job: &PushJob) -> serde_json::Value {
    let alert = &job.alert;
    let mut data = serde_json::Map::new();
    for (key, value) in alert.data() {
        data.insert(key.to_owned(), serde_json::Value::String(value));
    }
    data.insert("badge".into(), alert.badge.to_string().into());
    serde_json::json!({
        "message": {
            "token": job.target.token,
            "notification": {"title": alert.title, "body": alert.body},
            "data": data,
            "android": {
                "collapse_key": alert.room_id,
                "priority": "HIGH",
                "notification": {
                    "tag": alert.room_id,
                    "notification_count": alert.badge.min(i32::MAX as u64),
                },
            },
        },
    })
}

/// An FCM error answer: `error.details[].errorCode` says why.
#[derive(Debug, Default, Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    #[serde(default, rename = "errorCode")]
    error_code: Option<String>,
}

#[async_trait]
impl Gateway for Fcm {
    async fn send(&self, job: &PushJob) -> Outcome {
        let token = match self.access_token().await {
            Ok(token) => token,
            Err(outcome) => return outcome,
        };
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.base_url, self.account.project_id
        );
        let sent = self
            .http
            .post(url)
            .bearer_auth(token)
            .json(&message(job))
            .send()
            .await;
        let response = match answer(sent) {
            Answer::Settled(outcome) => return outcome,
            Answer::Refused(response) => response,
        };
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            self.forget_token().await;
            return Outcome::Retry {
                reason: "FCM refused the access token".into(),
                after: None,
            };
        }
        let answer: ErrorAnswer = response.json().await.unwrap_or_default();
        let code = answer
            .error
            .details
            .iter()
            .find_map(|d| d.error_code.clone())
            .unwrap_or_default();
        let reason = format!("FCM answered {status} {} {code}", answer.error.status);
        // Only FCM's own word: a bare 404 may be a wrong project or URL, which must not
        // cost every device.
        if code == "UNREGISTERED" {
            Outcome::Gone(reason)
        } else {
            Outcome::Refused(reason)
        }
    }
}
