//! A local Web Push receiver: the push service and the browser in one. It holds the
//! subscriptions' private keys, decrypts each `aes128gcm` body (RFC 8291) with them,
//! verifies the VAPID signature (RFC 8292: an ES256 JWT for this origin, signed by the
//! key in `k=`), and answers 201, or what the test scripts (410, 404, 429).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::elliptic_curve::rand_core::{OsRng, RngCore as _};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use serde_json::{Value, json};

use super::{Log, Pushed, Script};

pub const SUBJECT: &str = "mailto:ops@example.com";

/// A subscription's private half: what the browser keeps.
struct Keys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

/// The receiver, and the subscriptions made on it.
pub struct WebPushReceiver {
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    pub log: Log,
    pub script: Script,
    subscriptions: Arc<Mutex<HashMap<String, Keys>>>,
}

#[derive(Clone)]
struct Shared {
    origin: String,
    subscriptions: Arc<Mutex<HashMap<String, Keys>>>,
    log: Log,
    script: Script,
}

impl WebPushReceiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let shared = Shared {
            origin: origin.clone(),
            subscriptions: Arc::default(),
            log: Log::default(),
            script: Script::default(),
        };
        let app = Router::new()
            .route("/push/{id}", post(receive))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            origin,
            log: shared.log,
            script: shared.script,
            subscriptions: shared.subscriptions,
        }
    }

    /// A new subscription named `id`, as `POST /v1/devices` takes it.
    pub fn subscribe(&self, id: &str) -> Value {
        let secret = p256::SecretKey::random(&mut OsRng);
        let mut auth = [0u8; 16];
        OsRng.fill_bytes(&mut auth);
        let public = secret.public_key().to_encoded_point(false);
        let subscription = json!({
            "endpoint": self.endpoint(id),
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(auth),
            },
        });
        self.subscriptions
            .lock()
            .unwrap()
            .insert(id.to_owned(), Keys { secret, auth });
        subscription
    }

    pub fn endpoint(&self, id: &str) -> String {
        format!("{}/push/{id}", self.origin)
    }
}

/// Checks the VAPID header; the public key it names, if valid.
fn vapid_key(shared: &Shared, headers: &HeaderMap) -> Result<String, &'static str> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("vapid "))
        .ok_or("no vapid authorization")?;
    let mut token = None;
    let mut key = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => token = Some(value),
            Some(("k", value)) => key = Some(value),
            _ => {}
        }
    }
    let (token, key) = token.zip(key).ok_or("t= and k= are needed")?;
    let point = URL_SAFE_NO_PAD
        .decode(key)
        .map_err(|_| "k is not base64url")?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[shared.origin.as_str()]);
    let claims =
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_ec_der(&point), &validation)
            .map_err(|_| "the signature does not verify")?
            .claims;
    let exp = claims["exp"].as_u64().ok_or("no exp")?;
    if exp > super::now_secs() + 24 * 3600 {
        return Err("exp is more than 24 hours ahead");
    }
    if claims["sub"] != SUBJECT {
        return Err("sub is not the operator's contact");
    }
    Ok(key.to_owned())
}

async fn receive(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let checked = vapid_key(&shared, &headers).and_then(|key| {
        if header("content-encoding").as_deref() != Some("aes128gcm") {
            return Err("not aes128gcm");
        }
        let topic = header("topic").ok_or("no topic")?;
        if topic.len() > 32 || header("ttl").is_none() {
            return Err("a bad topic or no ttl");
        }
        let subscriptions = shared.subscriptions.lock().unwrap();
        let keys = subscriptions.get(&id).ok_or("no such subscription")?;
        let plain = web_push_native::decrypt(
            body.to_vec(),
            &keys.secret,
            &web_push_native::Auth::from(keys.auth),
        )
        .map_err(|_| "the body does not decrypt")?;
        let mut payload: Value = serde_json::from_slice(&plain).map_err(|_| "not JSON")?;
        payload["_vapid_key"] = json!(key);
        payload["_topic"] = json!(topic);
        Ok(payload)
    });
    let (status, payload) = match checked {
        Err(why) => (StatusCode::FORBIDDEN, json!({"refused": why})),
        Ok(payload) => match shared.script.next() {
            Some(code) => (StatusCode::from_u16(code).unwrap(), payload),
            None => (StatusCode::CREATED, payload),
        },
    };
    shared.log.record(Pushed {
        device: id,
        payload,
        status: status.as_u16(),
    });
    status
}
