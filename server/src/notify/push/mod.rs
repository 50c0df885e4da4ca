//! Pushes to the devices of offline recipients, through the push services themselves:
//! APNs, FCM and Web Push, each configured by its own flags. For a committed message,
//! the notifier names the recipients (offline, not muted, not blocking the sender);
//! here each of their registered devices gets one push with the user's unread total as
//! badge, through its service's queue. Chat never waits on it.

mod alert;
mod apns;
mod delivery;
pub mod endpoint_guard;
mod fcm;
mod options;
mod origin_breaker;
mod web_push;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chat_protocol::v1::PushPlatform;
use tokio_util::sync::CancellationToken;

pub use options::PushOptions;

use self::alert::Alert;
use self::apns::ApnsConfig;
use self::delivery::{Deliveries, DeliveryPolicy, Gateway, PushJob};
use self::web_push::VapidKey;
use super::Notification;
use crate::store::{PushTarget, Store};

/// How long one request to a push service may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The push services configured, and their queues.
#[derive(Debug)]
pub struct Push {
    apns: Option<Deliveries>,
    fcm: Option<Deliveries>,
    web_push: Option<Deliveries>,
    vapid: Option<Arc<VapidKey>>,
    store: Arc<dyn Store>,
}

impl Push {
    /// Starts a queue for each push service `options` configures; `None` when none is.
    ///
    /// # Errors
    ///
    /// A key or CA file that cannot be read or is not what its flag says.
    pub fn start(
        options: &PushOptions,
        store: Arc<dyn Store>,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<Option<Arc<Self>>> {
        if !options.any() {
            return Ok(None);
        }
        let extra_roots = match &options.push_ca_file {
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("--push-ca-file {}", path.display()))?;
                reqwest::Certificate::from_pem_bundle(&pem)
                    .with_context(|| format!("--push-ca-file {}", path.display()))?
            }
            None => Vec::new(),
        };
        let client = |builder: reqwest::ClientBuilder| {
            builder
                .timeout(REQUEST_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .tls_certs_merge(extra_roots.clone())
                .build()
                .context("the push services' HTTP client")
        };
        let policy = DeliveryPolicy {
            attempts: options.push_attempts,
            first_retry: options.push_retry,
            queue: options.push_queue,
            concurrency: options.push_concurrency,
        };
        let deliveries = |platform: PushPlatform, gateway: Arc<dyn Gateway>| {
            Deliveries::start(
                platform.as_str(),
                gateway,
                policy,
                Arc::clone(&store),
                shutdown.clone(),
            )
        };
        let apns = match (
            &options.apns_key_file,
            &options.apns_key_id,
            &options.apns_team_id,
        ) {
            (Some(key_file), Some(key_id), Some(team_id)) => {
                let http = client(reqwest::Client::builder())?;
                let config = ApnsConfig {
                    key_file: key_file.clone(),
                    key_id: key_id.clone(),
                    team_id: team_id.clone(),
                    topic: options.apns_topic.clone(),
                    url: options.apns_url.clone(),
                };
                let gateway = apns::Apns::new(http, config).context("--apns-key-file")?;
                Some(deliveries(PushPlatform::Apns, Arc::new(gateway)))
            }
            _ => None,
        };
        let fcm = match &options.fcm_service_account_file {
            Some(key_file) => {
                let http = client(reqwest::Client::builder())?;
                let gateway = fcm::Fcm::new(http, key_file, &options.fcm_url)
                    .context("--fcm-service-account-file")?;
                Some(deliveries(PushPlatform::Fcm, Arc::new(gateway)))
            }
            None => None,
        };
        let (web_push, vapid) = match (&options.vapid_key_file, &options.vapid_subject) {
            (Some(key_file), Some(subject)) => {
                let vapid =
                    Arc::new(VapidKey::from_pem_file(key_file).context("--vapid-key-file")?);
                // The guard resolves each endpoint's name itself; through a proxy
                // (`HTTPS_PROXY`) the proxy would resolve it instead, unguarded.
                let builder = if options.push_allow_private_endpoints {
                    reqwest::Client::builder()
                } else {
                    reqwest::Client::builder()
                        .no_proxy()
                        .dns_resolver(Arc::new(endpoint_guard::PublicOnly))
                };
                let gateway = web_push::WebPush::new(
                    client(builder)?,
                    Arc::clone(&vapid),
                    subject.clone(),
                    options.push_allow_private_endpoints,
                );
                (
                    Some(deliveries(PushPlatform::Webpush, Arc::new(gateway))),
                    Some(vapid),
                )
            }
            _ => (None, None),
        };
        Ok(Some(Arc::new(Self {
            apns,
            fcm,
            web_push,
            vapid,
            store,
        })))
    }

    /// The VAPID public key browsers subscribe with, if Web Push is configured.
    pub fn vapid_public_key(&self) -> Option<&str> {
        self.vapid.as_deref().map(VapidKey::public_key)
    }

    /// Queues a push to every device of `notification`'s recipients.
    ///
    /// # Errors
    ///
    /// The store could not list the devices or count a badge.
    pub async fn notify(&self, notification: &Notification) -> crate::error::Result<()> {
        let recipients: HashSet<&str> =
            notification.recipients.iter().map(String::as_str).collect();
        let targets = self
            .store
            .push_targets(&notification.room_id, &notification.sender_id)
            .await?;
        let mut by_user: HashMap<String, Vec<PushTarget>> = HashMap::new();
        for target in targets {
            if recipients.contains(target.user_id.as_str())
                && self.deliveries(target.platform).is_some()
            {
                by_user
                    .entry(target.user_id.clone())
                    .or_default()
                    .push(target);
            }
        }
        let users: Vec<String> = by_user.keys().cloned().collect();
        let badges = self.store.unread_totals(&users).await?;
        for (user_id, targets) in by_user {
            let badge = badges.get(&user_id).copied().unwrap_or(0);
            let alert = Arc::new(Alert::new(notification, &user_id, badge));
            for target in targets {
                if let Some(deliveries) = self.deliveries(target.platform) {
                    deliveries.enqueue(PushJob {
                        target,
                        alert: Arc::clone(&alert),
                    });
                }
            }
        }
        Ok(())
    }

    /// Waits until the pushes of every service are settled, or `deadline`.
    pub async fn settled(&self, deadline: tokio::time::Instant) {
        for deliveries in [&self.apns, &self.fcm, &self.web_push]
            .into_iter()
            .flatten()
        {
            deliveries.settled(deadline).await;
        }
    }

    /// The queue of `platform`'s service, if it is configured (devices of the others
    /// are left to the webhook, if one relays them).
    fn deliveries(&self, platform: PushPlatform) -> Option<&Deliveries> {
        match platform {
            PushPlatform::Apns => self.apns.as_ref(),
            PushPlatform::Fcm => self.fcm.as_ref(),
            PushPlatform::Webpush => self.web_push.as_ref(),
        }
    }
}
