//! Push devices: where the server sends a notification for a user who is not connected
//! (REST bodies of `/v1/devices`).

use serde::{Deserialize, Serialize};

/// The push service a device is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum PushPlatform {
    /// Apple Push Notification service: `token` is the device token, in hex.
    Apns,
    /// Firebase Cloud Messaging: `token` is the registration token.
    Fcm,
    /// Web Push (RFC 8030): `subscription` is the browser's push subscription.
    Webpush,
}

impl PushPlatform {
    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apns => "apns",
            Self::Fcm => "fcm",
            Self::Webpush => "webpush",
        }
    }

    /// The platform named `name` on the wire.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "apns" => Some(Self::Apns),
            "fcm" => Some(Self::Fcm),
            "webpush" => Some(Self::Webpush),
            _ => None,
        }
    }
}

/// Which APNs gateway an app build talks to: development builds get sandbox tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum PushEnvironment {
    /// `api.sandbox.push.apple.com`: apps built for development.
    Sandbox,
    /// `api.push.apple.com`: App Store and TestFlight builds.
    Production,
}

impl PushEnvironment {
    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }

    /// The environment named `name` on the wire.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "sandbox" => Some(Self::Sandbox),
            "production" => Some(Self::Production),
            _ => None,
        }
    }
}

/// The keys of a Web Push subscription (`PushSubscription.toJSON().keys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebPushKeys {
    /// The browser's P-256 public key, uncompressed (65 bytes), unpadded base64url.
    #[cfg_attr(feature = "openapi", schema(min_length = 86, max_length = 88))]
    pub p256dh: String,
    /// The 16-byte authentication secret, unpadded base64url.
    #[cfg_attr(feature = "openapi", schema(min_length = 22, max_length = 24))]
    pub auth: String,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebPushSubscription {
    /// The push service's URL for this subscription (`https` only).
    #[cfg_attr(feature = "openapi", schema(min_length = 9, max_length = 2048))]
    pub endpoint: String,
    /// The keys that encrypt what is sent to it.
    pub keys: WebPushKeys,
}

/// Body of `POST /v1/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterDeviceRequest {
    /// The push service.
    pub platform: PushPlatform,
    /// The device token (APNs: hex; FCM: the registration token). Required for `apns`
    /// and `fcm`; not given for `webpush`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4096))]
    pub token: Option<String>,
    /// The browser's push subscription: required for `webpush`, and only there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<WebPushSubscription>,
    /// The app the token belongs to (APNs topic: the bundle id; FCM: the package
    /// name), when the server serves more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 255))]
    pub app_id: Option<String>,
    /// APNs only: the gateway the token is valid on (default `production`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<PushEnvironment>,
}

/// A registered push device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Device {
    /// The server's id for it: what `DELETE /v1/devices/{device_id}` takes.
    pub device_id: String,
    /// The push service.
    pub platform: PushPlatform,
    /// The app it belongs to, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// APNs only: the gateway the token is valid on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<PushEnvironment>,
    /// The last characters of the token (or of the Web Push endpoint), so that a user
    /// can tell devices apart; the whole token is never sent back.
    pub token_hint: String,
    /// When it was first registered, milliseconds since the epoch.
    pub registered_at: i64,
    /// When it was last registered (apps register at every start), milliseconds since
    /// the epoch.
    pub refreshed_at: i64,
}

/// Answer to `GET /v1/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceList {
    /// The caller's devices, most recently registered first.
    pub devices: Vec<Device>,
}

/// Answer to `GET /v1/push/vapid-public-key`: the key a browser subscribes with
/// (`applicationServerKey` of `PushManager.subscribe`), so that the push service accepts
/// only this server's pushes for the subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VapidPublicKey {
    /// The server's VAPID public key: an uncompressed P-256 point, base64url without
    /// padding (87 characters).
    pub public_key: String,
}
