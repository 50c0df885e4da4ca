//! The flags of push delivery: one group per push service, each off until its
//! credentials are given, and the delivery limits they share.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Push settings (flattened into the server's configuration).
#[derive(Debug, Clone, Args)]
pub struct PushOptions {
    /// APNs: the token-signing key (`AuthKey_XXXXXXXXXX.p8`) from the Apple developer
    /// account. Needs --apns-key-id and --apns-team-id.
    #[arg(long, env = "CHAT_APNS_KEY_FILE", requires_all = ["apns_key_id", "apns_team_id"])]
    pub apns_key_file: Option<PathBuf>,

    /// APNs: the key's 10-character id.
    #[arg(long, env = "CHAT_APNS_KEY_ID")]
    pub apns_key_id: Option<String>,

    /// APNs: the developer team id.
    #[arg(long, env = "CHAT_APNS_TEAM_ID")]
    pub apns_team_id: Option<String>,

    /// APNs: the app's bundle id, for devices registered without `app_id`.
    #[arg(long, env = "CHAT_APNS_TOPIC")]
    pub apns_topic: Option<String>,

    /// APNs: send every request to this base URL instead of Apple's gateway of the
    /// device's environment (a relay, or a test endpoint).
    #[arg(long, env = "CHAT_APNS_URL")]
    pub apns_url: Option<String>,

    /// FCM: the service-account key file (JSON, from the Firebase console's "Service
    /// accounts" tab).
    #[arg(long, env = "CHAT_FCM_SERVICE_ACCOUNT_FILE")]
    pub fcm_service_account_file: Option<PathBuf>,

    /// FCM: the API's base URL.
    #[arg(
        long,
        env = "CHAT_FCM_URL",
        default_value = "https://fcm.googleapis.com"
    )]
    pub fcm_url: String,

    /// Web Push: the VAPID private key, P-256 in PEM (`openssl ecparam -name prime256v1
    /// -genkey -noout -out vapid.pem`). Needs --vapid-subject. Browsers subscribe with
    /// its public half (`GET /v1/push/vapid-public-key`): keep the key, or every
    /// subscription must be made again.
    #[arg(long, env = "CHAT_VAPID_KEY_FILE", requires = "vapid_subject")]
    pub vapid_key_file: Option<PathBuf>,

    /// Web Push: how push services reach the operator (`mailto:ops@example.com` or an
    /// `https:` URL), sent in every VAPID signature.
    #[arg(long, env = "CHAT_VAPID_SUBJECT")]
    pub vapid_subject: Option<String>,

    /// Trust the CA certificates in this PEM file too, for the push services' TLS (a
    /// corporate relay, or a test endpoint).
    #[arg(long, env = "CHAT_PUSH_CA_FILE")]
    pub push_ca_file: Option<PathBuf>,

    /// Accept Web Push endpoints on loopback and private networks, and over plain http.
    /// For tests and closed networks only: otherwise any user could make the server
    /// send requests inside its own network.
    #[arg(long, env = "CHAT_PUSH_ALLOW_PRIVATE_ENDPOINTS")]
    pub push_allow_private_endpoints: bool,

    /// Attempts per push, the first included (throttling and server errors are retried).
    #[arg(long, env = "CHAT_PUSH_ATTEMPTS", default_value_t = 5)]
    pub push_attempts: u32,

    /// Wait before the first retry of a push; it doubles each time, up to a minute, and
    /// a `Retry-After` answer is honoured.
    #[arg(long, env = "CHAT_PUSH_RETRY", default_value = "1s", value_parser = humantime::parse_duration)]
    pub push_retry: Duration,

    /// Pushes held per push service (queued, in flight or waiting to retry) before new
    /// ones are dropped.
    #[arg(long, env = "CHAT_PUSH_QUEUE", default_value_t = 10_000)]
    pub push_queue: usize,

    /// Requests in flight at once per push service.
    #[arg(long, env = "CHAT_PUSH_CONCURRENCY", default_value_t = 64)]
    pub push_concurrency: usize,
}

impl PushOptions {
    /// Whether any push service is configured.
    pub fn any(&self) -> bool {
        self.apns_key_file.is_some()
            || self.fcm_service_account_file.is_some()
            || self.vapid_key_file.is_some()
    }

    /// Checks what clap cannot.
    ///
    /// # Errors
    ///
    /// A message naming the offending flag.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(subject) = &self.vapid_subject
            && !(subject.starts_with("mailto:") || subject.starts_with("https://"))
        {
            return Err("--vapid-subject is a mailto: or https: URL".into());
        }
        for (flag, url) in [
            ("--apns-url", self.apns_url.as_deref()),
            ("--fcm-url", Some(self.fcm_url.as_str())),
        ] {
            if let Some(url) = url
                && url::Url::parse(url).is_err()
            {
                return Err(format!("{flag} {url:?} is not a URL"));
            }
        }
        if self.push_queue == 0 || self.push_concurrency == 0 {
            return Err("--push-queue and --push-concurrency must be greater than zero".into());
        }
        Ok(())
    }
}
