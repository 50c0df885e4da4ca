//! A push device as the store takes it: checked by the HTTP layer, flattened to columns.

use chat_protocol::v1::{PushEnvironment, PushPlatform};

/// A device to register (or to move to a new user, when its token is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPushDevice {
    /// The id it gets when the token is new; a known token keeps its id.
    pub id: String,
    /// The push service.
    pub platform: PushPlatform,
    /// The APNs or FCM token, or the Web Push endpoint.
    pub token: String,
    /// Web Push: the subscription's P-256 key and auth secret (base64url).
    pub web_push_keys: Option<(String, String)>,
    /// The app the token belongs to.
    pub app_id: Option<String>,
    /// APNs: the gateway the token is valid on.
    pub environment: Option<PushEnvironment>,
    /// The sign-in that registers it (the device goes when it ends); `None` for a token
    /// that names none.
    pub sign_in_id: Option<String>,
}

/// A device a push is sent to: everything its push service needs, which the REST
/// listing ([`chat_protocol::v1::Device`]) never shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    /// The device's id (pruning deletes it by id and token).
    pub device_id: String,
    /// Whose device it is.
    pub user_id: String,
    /// The push service.
    pub platform: PushPlatform,
    /// The APNs or FCM token, or the Web Push endpoint.
    pub token: String,
    /// Web Push: the subscription's P-256 key and auth secret (base64url).
    pub web_push_keys: Option<(String, String)>,
    /// The app the token belongs to (the APNs topic, when set).
    pub app_id: Option<String>,
    /// APNs: the gateway the token is valid on.
    pub environment: Option<PushEnvironment>,
}
