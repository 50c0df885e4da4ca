//! The push device registry over REST: an app registers its APNs or FCM token, or a
//! browser its Web Push subscription, at every start and whenever it changes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chat_protocol::v1::{
    ApiError, Device, DeviceList, MAX_PUSH_ENDPOINT_BYTES, MAX_PUSH_TOKEN_BYTES, PushPlatform,
    RegisterDeviceRequest, VapidPublicKey, WebPushSubscription,
};

use super::extract::{ApiJson, ApiPath, AuthCaller, AuthUser};
use crate::error::{Error, Result};
use crate::notify::push::endpoint_guard;
use crate::state::AppState;
use crate::store::NewPushDevice;
use crate::validate;

/// Longest APNs device token, in hex digits: Apple's are 32 bytes today and may grow,
/// to at most 100 bytes.
const MAX_APNS_TOKEN_HEX: usize = 200;
/// Longest app id (a bundle id or package name).
const MAX_APP_ID_BYTES: usize = 255;
/// An uncompressed P-256 public key: 0x04, then x and y.
const P256_PUBLIC_KEY_BYTES: usize = 65;
/// A Web Push authentication secret (RFC 8291).
const WEB_PUSH_AUTH_BYTES: usize = 16;

/// `POST /v1/devices`: registers a push device, or refreshes one whose token is known.
#[utoipa::path(
    post,
    path = "/v1/devices",
    tag = "devices",
    request_body = RegisterDeviceRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Registered (the same `device_id` for a token already known, also one registered by another user, which moves to the caller)", body = Device),
        (status = 400, description = "`invalid_request`: a token missing, malformed or for another platform's fields, a Web Push subscription that is not `https`, is on a loopback or private address, or whose keys are not a P-256 key and a 16-byte secret", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    AuthCaller { caller, .. }: AuthCaller,
    ApiJson(request): ApiJson<RegisterDeviceRequest>,
) -> Result<Json<Device>> {
    let mut device = checked(request, state.config().push.push_allow_private_endpoints)?;
    // The device goes when this sign-in ends (a sign-out, or the user ending it).
    device.sign_in_id = caller.sign_in;
    let registered = state
        .store()
        .register_push_device(&caller.user_id, &device, crate::clock::now_ms())
        .await?;
    Ok(Json(registered))
}

/// `DELETE /v1/devices/{device_id}`: unregisters one of the caller's devices.
#[utoipa::path(
    delete,
    path = "/v1/devices/{device_id}",
    tag = "devices",
    params(("device_id" = String, Path, description = "The device, as registered (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unregistered"),
        (status = 400, description = "`invalid_request`: a malformed device id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`not_found`: the caller has no such device", body = ApiError),
    )
)]
pub async fn unregister(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiPath(device_id): ApiPath<String>,
) -> Result<StatusCode> {
    validate::id("device_id", &device_id)?;
    if state
        .store()
        .unregister_push_device(&me, &device_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found("no such device"))
    }
}

/// `GET /v1/devices`: the caller's push devices.
#[utoipa::path(
    get,
    path = "/v1/devices",
    tag = "devices",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's devices, most recently registered first", body = DeviceList),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<Json<DeviceList>> {
    let devices = state.store().push_devices(&me).await?;
    Ok(Json(DeviceList { devices }))
}

/// `GET /v1/push/vapid-public-key`: the key a browser subscribes to Web Push with. It is
/// public (it only lets a push service tell this server's pushes apart), so no token is
/// needed.
#[utoipa::path(
    get,
    path = "/v1/push/vapid-public-key",
    tag = "devices",
    responses(
        (status = 200, description = "The server's VAPID public key", body = VapidPublicKey),
        (status = 404, description = "`not_found`: Web Push is not configured (no `--vapid-key-file`)", body = ApiError),
    )
)]
pub async fn vapid_public_key(State(state): State<AppState>) -> Result<Json<VapidPublicKey>> {
    let key = state
        .notifier()
        .push()
        .and_then(|push| push.vapid_public_key())
        .ok_or_else(|| Error::not_found("web push is not configured on this server"))?;
    Ok(Json(VapidPublicKey {
        public_key: key.to_owned(),
    }))
}

/// A registration request checked field by field, as the store takes it.
fn checked(request: RegisterDeviceRequest, allow_private: bool) -> Result<NewPushDevice> {
    let RegisterDeviceRequest {
        platform,
        token,
        subscription,
        app_id,
        environment,
    } = request;
    if let Some(app_id) = &app_id {
        app_id_checked(app_id)?;
    }
    if environment.is_some() && platform != PushPlatform::Apns {
        return Err(Error::invalid("environment is for apns devices only"));
    }
    let (token, web_push_keys) = match (platform, token, subscription) {
        (PushPlatform::Webpush, None, Some(subscription)) => {
            let (endpoint, keys) = subscription_checked(subscription, allow_private)?;
            (endpoint, Some(keys))
        }
        (PushPlatform::Webpush, _, _) => {
            return Err(Error::invalid(
                "a webpush device has a subscription and no token",
            ));
        }
        (PushPlatform::Apns, Some(token), None) => (apns_token_checked(&token)?, None),
        (PushPlatform::Fcm, Some(token), None) => (fcm_token_checked(token)?, None),
        (PushPlatform::Apns | PushPlatform::Fcm, _, _) => {
            return Err(Error::invalid(
                "an apns or fcm device has a token and no subscription",
            ));
        }
    };
    Ok(NewPushDevice {
        id: uuid::Uuid::now_v7().to_string(),
        platform,
        token,
        web_push_keys,
        app_id,
        environment,
        sign_in_id: None,
    })
}

/// An APNs token in hex; returned in lowercase, so one token written two ways is one.
fn apns_token_checked(token: &str) -> Result<String> {
    if token.is_empty()
        || token.len() > MAX_APNS_TOKEN_HEX
        || !token.len().is_multiple_of(2)
        || !token.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(Error::invalid(format!(
            "an apns token is 2 to {MAX_APNS_TOKEN_HEX} hex digits"
        )));
    }
    Ok(token.to_ascii_lowercase())
}

/// An FCM registration token: printable ASCII without spaces.
fn fcm_token_checked(token: String) -> Result<String> {
    if token.is_empty()
        || token.len() > MAX_PUSH_TOKEN_BYTES
        || !token.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(Error::invalid(format!(
            "an fcm token is 1 to {MAX_PUSH_TOKEN_BYTES} printable ASCII characters"
        )));
    }
    Ok(token)
}

/// A bundle id or package name.
fn app_id_checked(app_id: &str) -> Result<()> {
    if app_id.is_empty()
        || app_id.len() > MAX_APP_ID_BYTES
        || !app_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err(Error::invalid(format!(
            "app_id is 1 to {MAX_APP_ID_BYTES} letters, digits, dots, hyphens and underscores"
        )));
    }
    Ok(())
}

/// A Web Push subscription: an `https` endpoint on a public address (see
/// [`endpoint_guard`]), and keys that decode to what RFC 8291 encrypts with. Returns the
/// endpoint and the keys as given.
fn subscription_checked(
    subscription: WebPushSubscription,
    allow_private: bool,
) -> Result<(String, (String, String))> {
    let WebPushSubscription { endpoint, keys } = subscription;
    let url = url::Url::parse(&endpoint)
        .ok()
        .filter(|url| {
            endpoint.len() <= MAX_PUSH_ENDPOINT_BYTES
                && url.host_str().is_some_and(|h| !h.is_empty())
        })
        .ok_or_else(|| {
            Error::invalid(format!(
                "subscription.endpoint is an https URL of at most {MAX_PUSH_ENDPOINT_BYTES} bytes"
            ))
        })?;
    if let Some(refusal) = endpoint_guard::refusal(&url, allow_private) {
        return Err(Error::invalid(format!("subscription.endpoint: {refusal}")));
    }
    let p256dh_ok = URL_SAFE_NO_PAD
        .decode(keys.p256dh.trim_end_matches('='))
        .is_ok_and(|key| key.len() == P256_PUBLIC_KEY_BYTES && key[0] == 0x04);
    if !p256dh_ok {
        return Err(Error::invalid(
            "subscription.keys.p256dh is an uncompressed P-256 public key in base64url",
        ));
    }
    let auth_ok = URL_SAFE_NO_PAD
        .decode(keys.auth.trim_end_matches('='))
        .is_ok_and(|secret| secret.len() == WEB_PUSH_AUTH_BYTES);
    if !auth_ok {
        return Err(Error::invalid(
            "subscription.keys.auth is a 16-byte secret in base64url",
        ));
    }
    Ok((endpoint, (keys.p256dh, keys.auth)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_apns_token_is_even_hex_and_stored_in_lowercase() {
        assert_eq!(apns_token_checked("ABCDEF01").unwrap(), "abcdef01");
        for bad in ["", "abc", "zz", &"a".repeat(MAX_APNS_TOKEN_HEX + 2)] {
            assert!(apns_token_checked(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_fcm_token_is_printable_ascii() {
        assert!(fcm_token_checked("abc:DEF-123_x".into()).is_ok());
        for bad in [
            "",
            "has space",
            "ünïcode",
            &"a".repeat(MAX_PUSH_TOKEN_BYTES + 1),
        ] {
            assert!(fcm_token_checked(bad.into()).is_err(), "{bad:?}");
        }
    }
}
