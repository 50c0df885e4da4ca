//! A local endpoint speaking FCM's HTTP v1 API and Google's OAuth 2.0 token endpoint:
//! the token endpoint verifies the service account's RS256 JWT grant with the public
//! half of a key made for the test, and `messages:send` takes only the access tokens it
//! granted, answering 200, or what the test scripts (404 `UNREGISTERED`, 429).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::elliptic_curve::rand_core::OsRng;
use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};

use super::{Log, Pushed, Script, write_file};

pub const PROJECT: &str = "chat-test-project";
const CLIENT_EMAIL: &str = "chat-push@chat-test-project.iam.gserviceaccount.com";

/// The endpoint, and the service-account file that leads the server to it.
pub struct FcmEndpoint {
    /// `http://127.0.0.1:PORT`: the `--fcm-url`.
    pub url: String,
    /// The service-account key file (its `token_uri` is this endpoint's).
    pub account_file: std::path::PathBuf,
    pub log: Log,
    pub script: Script,
    /// The access tokens granted.
    grants: Arc<Mutex<HashSet<String>>>,
}

#[derive(Clone)]
struct Verifier {
    key: Arc<DecodingKey>,
    token_uri: String,
    grants: Arc<Mutex<HashSet<String>>>,
    log: Log,
    script: Script,
}

impl FcmEndpoint {
    /// Starts the endpoint; the service-account file goes to `dir`.
    pub async fn start(dir: &std::path::Path) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let token_uri = format!("{url}/token");
        let private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
        let private_pem = private.to_pkcs8_pem(LineEnding::LF).unwrap();
        let public_pem = private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let account = json!({
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "test-key-1",
            "private_key": private_pem.as_str(),
            "client_email": CLIENT_EMAIL,
            "token_uri": token_uri,
        });
        let account_file = write_file(dir, "service-account.json", &account.to_string());
        let verifier = Verifier {
            key: Arc::new(DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap()),
            token_uri,
            grants: Arc::default(),
            log: Log::default(),
            script: Script::default(),
        };
        let app = Router::new()
            .route("/token", post(grant))
            .route("/v1/projects/{project}/messages:send", post(send))
            .with_state(verifier.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            account_file,
            log: verifier.log,
            script: verifier.script,
            grants: verifier.grants,
        }
    }

    /// How many access tokens were granted.
    pub fn grants(&self) -> usize {
        self.grants.lock().unwrap().len()
    }
}

/// The RFC 7523 grant: a JWT signed by the service account's key, for FCM's scope.
async fn grant(State(verifier): State<Verifier>, body: String) -> Response {
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return (StatusCode::BAD_REQUEST, "unsupported_grant_type").into_response();
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[verifier.token_uri.as_str()]);
    validation.set_issuer(&[CLIENT_EMAIL]);
    let assertion = form
        .get("assertion")
        .map(String::as_str)
        .unwrap_or_default();
    let Ok(claims) = jsonwebtoken::decode::<Value>(assertion, &verifier.key, &validation) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    if claims.claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_scope"})),
        )
            .into_response();
    }
    let token = uuid::Uuid::new_v4().to_string();
    verifier.grants.lock().unwrap().insert(token.clone());
    Json(json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})).into_response()
}

async fn send(
    State(verifier): State<Verifier>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let device = body["message"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, answer) = if project != PROJECT
        || !verifier.grants.lock().unwrap().contains(bearer)
    {
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": 401, "status": "UNAUTHENTICATED"}}),
        )
    } else {
        match verifier.script.next() {
            Some(404) => (
                StatusCode::NOT_FOUND,
                json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [
                    {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                     "errorCode": "UNREGISTERED"}]}}),
            ),
            Some(other) => (
                StatusCode::from_u16(other).unwrap(),
                json!({"error": {"code": other, "status": "SCRIPTED"}}),
            ),
            None => (
                StatusCode::OK,
                json!({"name": format!("projects/{PROJECT}/messages/{}", uuid::Uuid::new_v4())}),
            ),
        }
    };
    verifier.log.record(Pushed {
        device,
        payload: body["message"].clone(),
        status: status.as_u16(),
    });
    let mut response = (status, Json(answer)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", "0".parse().unwrap());
    }
    response
}
