//! Push notifications: this install's APNs or FCM token, or its browser's Web Push
//! subscription, registered with the server for the signed-in user. The registration is
//! kept in the cache, so that it is registered again after every sign-in, and a changed
//! token replaces the old device on the server instead of leaving it behind.

use chat_protocol::v1::{
    Device, DeviceList, ErrorCode, PushEnvironment, PushPlatform, RegisterDeviceRequest,
    VapidPublicKey, WebPushKeys, WebPushSubscription,
};
use reqwest::Method;

use super::{ChatClient, ClientError};
use crate::cache::PushRegistration;

/// No body.
const NONE: Option<&()> = None;

impl ChatClient {
    /// Registers this install's APNs device token (hex) or FCM registration token, to
    /// be called at every app start and whenever the push service gives a new one. It
    /// is kept, and registered again after each sign-in; a new token replaces the old
    /// device on the server.
    ///
    /// # Errors
    ///
    /// `Server` with `invalid_request` (a malformed token, or `Webpush` here: use
    /// [`ChatClient::register_web_push`]); `NotSignedIn`, `Network`, `Cache`. The token
    /// is kept even when the server could not be reached, for the next sign-in.
    pub async fn register_push_token(
        &self,
        platform: PushPlatform,
        token: &str,
        app_id: Option<String>,
        environment: Option<PushEnvironment>,
    ) -> Result<Device, ClientError> {
        self.register_push(RegisterDeviceRequest {
            platform,
            token: Some(token.to_owned()),
            subscription: None,
            app_id,
            environment,
        })
        .await
    }

    /// Registers the browser's Web Push subscription (`PushSubscription.toJSON()`:
    /// its `endpoint` and its `keys.p256dh` and `keys.auth`), like
    /// [`ChatClient::register_push_token`].
    ///
    /// # Errors
    ///
    /// As [`ChatClient::register_push_token`].
    pub async fn register_web_push(
        &self,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
    ) -> Result<Device, ClientError> {
        self.register_push(RegisterDeviceRequest {
            platform: PushPlatform::Webpush,
            token: None,
            subscription: Some(WebPushSubscription {
                endpoint: endpoint.to_owned(),
                keys: WebPushKeys {
                    p256dh: p256dh.to_owned(),
                    auth: auth.to_owned(),
                },
            }),
            app_id: None,
            environment: None,
        })
        .await
    }

    /// Stops notifications to this install: unregisters its device on the server and
    /// forgets the token (register again to resume).
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`, `Cache`; the token is forgotten only once the server
    /// has let go of the device (or never had it).
    pub async fn unregister_push(&self) -> Result<(), ClientError> {
        let kept = self.cache_push_registration()?;
        if let Some(device_id) = kept.and_then(|kept| kept.device_id) {
            self.delete_device(&device_id).await?;
        }
        self.shared
            .cache
            .lock()
            .expect("cache lock")
            .set_push_registration(None)?;
        Ok(())
    }

    /// The signed-in user's push devices on the server (every install of theirs), most
    /// recently registered first.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`.
    pub async fn push_devices(&self) -> Result<Vec<Device>, ClientError> {
        let list: Option<DeviceList> = self.request(Method::GET, &["v1", "devices"], NONE).await?;
        Ok(list.map(|list| list.devices).unwrap_or_default())
    }

    /// The server's VAPID public key (base64url), which a browser subscribes to Web Push
    /// with (`PushManager.subscribe({applicationServerKey})`); `None` when the server
    /// does not send Web Push.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`.
    pub async fn vapid_public_key(&self) -> Result<Option<String>, ClientError> {
        let path = ["v1", "push", "vapid-public-key"];
        match self
            .request::<VapidPublicKey>(Method::GET, &path, NONE)
            .await
        {
            Ok(key) => Ok(key.map(|key| key.public_key)),
            Err(ClientError::Server {
                code: ErrorCode::NotFound,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Registers the kept request again, if there is one the server does not have (run
    /// after a sign-in). A failure leaves it for the next sign-in or app start.
    pub(super) async fn register_kept_push(&self) {
        self.register_kept(|kept| kept.device_id.is_none()).await;
    }

    /// Registers the kept request again even if the server had its device: after a
    /// change that made the server forget devices (a password change, ending the other
    /// sign-ins), the device it knew may be gone.
    pub(super) async fn register_push_again(&self) {
        self.register_kept(|_| true).await;
    }

    /// Registers the kept request if `wanted` says so of it.
    async fn register_kept(&self, wanted: impl Fn(&PushRegistration) -> bool) {
        let kept = match self.cache_push_registration() {
            Ok(Some(kept)) if wanted(&kept) => kept,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "reading the push registration failed");
                return;
            }
        };
        if let Err(e) = self.register_push(kept.request).await {
            tracing::warn!(error = %e, "registering for push after sign-in failed");
        }
    }

    /// The device id to unregister with the sign-out, which the server then forgets;
    /// the request stays for the next sign-in.
    pub(super) fn push_device_for_sign_out(&self) -> Option<String> {
        let mut cache = self.shared.cache.lock().expect("cache lock");
        let kept = cache.push_registration().ok().flatten()?;
        let device_id = kept.device_id.clone()?;
        let forgotten = PushRegistration {
            device_id: None,
            ..kept
        };
        if let Err(e) = cache.set_push_registration(Some(&forgotten)) {
            tracing::warn!(error = %e, "keeping the push registration failed");
        }
        Some(device_id)
    }

    /// Keeps `request`, registers it, and unregisters the device of a token it replaces.
    async fn register_push(&self, request: RegisterDeviceRequest) -> Result<Device, ClientError> {
        let before = self.cache_push_registration()?;
        let replaced = before
            .clone()
            .filter(|before| before.request != request)
            .and_then(|before| before.device_id);
        // Kept before the server hears of it, so that a token given offline is
        // registered at the next sign-in.
        self.keep_push_registration(&request, None)?;
        let answer = self
            .request::<Device>(Method::POST, &["v1", "devices"], Some(&request))
            .await;
        let device = match answer {
            Ok(Some(device)) => device,
            Ok(None) => {
                return Err(ClientError::Network(
                    "the server answered without a body".into(),
                ));
            }
            Err(
                refused @ ClientError::Server {
                    code: ErrorCode::InvalidRequest,
                    ..
                },
            ) => {
                // A request the server finds malformed would be refused again: the one
                // before stays.
                self.shared
                    .cache
                    .lock()
                    .expect("cache lock")
                    .set_push_registration(before.as_ref())?;
                return Err(refused);
            }
            Err(e) => return Err(e),
        };
        self.keep_push_registration(&request, Some(device.device_id.clone()))?;
        if let Some(old) = replaced.filter(|old| *old != device.device_id) {
            // The old token is dead: a push to it would only fail. Already gone is fine.
            match self.delete_device(&old).await {
                Ok(()) | Err(ClientError::Server { .. }) => {}
                Err(e) => tracing::warn!(error = %e, "unregistering the replaced device failed"),
            }
        }
        Ok(device)
    }

    async fn delete_device(&self, device_id: &str) -> Result<(), ClientError> {
        let path = ["v1", "devices", device_id];
        match self
            .request::<serde_json::Value>(Method::DELETE, &path, NONE)
            .await
        {
            Ok(_) => Ok(()),
            Err(ClientError::Server {
                code: ErrorCode::NotFound,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn cache_push_registration(&self) -> Result<Option<PushRegistration>, ClientError> {
        Ok(self
            .shared
            .cache
            .lock()
            .expect("cache lock")
            .push_registration()?)
    }

    fn keep_push_registration(
        &self,
        request: &RegisterDeviceRequest,
        device_id: Option<String>,
    ) -> Result<(), ClientError> {
        let registration = PushRegistration {
            request: request.clone(),
            device_id,
        };
        self.shared
            .cache
            .lock()
            .expect("cache lock")
            .set_push_registration(Some(&registration))?;
        Ok(())
    }
}
