//! A local endpoint speaking the APNs provider API: HTTP/2 only, over TLS with a
//! certificate from a private CA; it verifies the ES256 provider token with the key's
//! public half and the headers APNs requires, and answers 200, or what the test scripts
//! (410 `Unregistered`, 400 `BadDeviceToken`, 429 `TooManyRequests`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::elliptic_curve::rand_core::OsRng;
use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::{Log, Pushed, Script, write_file};

pub const KEY_ID: &str = "ABC123DEFG";
pub const TEAM_ID: &str = "TEAM456789";
pub const TOPIC: &str = "com.example.chat";

/// The endpoint, and what the server needs to reach it.
pub struct ApnsEndpoint {
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// The `.p8` key the server signs with.
    pub key_file: std::path::PathBuf,
    /// The private CA that issued the endpoint's certificate (PEM).
    pub ca_file: std::path::PathBuf,
    pub log: Log,
    pub script: Script,
}

#[derive(Clone)]
struct Verifier {
    key: Arc<DecodingKey>,
    log: Log,
    script: Script,
}

impl ApnsEndpoint {
    /// Starts the endpoint; its key and CA files go to `dir`.
    pub async fn start(dir: &std::path::Path) -> Self {
        let secret = p256::SecretKey::random(&mut OsRng);
        let p8 = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
        let key_file = write_file(dir, "AuthKey_ABC123DEFG.p8", &p8);
        let public_pem = secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let verifier = Verifier {
            key: Arc::new(DecodingKey::from_ec_pem(public_pem.as_bytes()).unwrap()),
            log: Log::default(),
            script: Script::default(),
        };
        let (ca_pem, tls) = private_pki();
        let ca_file = write_file(dir, "apns-ca.pem", &ca_pem);
        let app = Router::new()
            .route("/3/device/{token}", post(push))
            .with_state(verifier.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    // HTTP/2 only, as APNs: a client that tries HTTP/1.1 fails here.
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .await;
                });
            }
        });
        Self {
            url,
            key_file,
            ca_file,
            log: verifier.log,
            script: verifier.script,
        }
    }
}

/// A CA, and a TLS configuration for 127.0.0.1 with a certificate it issued, offering
/// only `h2`.
fn private_pki() -> (String, ServerConfig) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    (ca.pem(), config)
}

/// What APNs checks of a request; `Err` is the `reason` it would answer 403 or 400 with.
fn verified(
    verifier: &Verifier,
    version: Version,
    headers: &HeaderMap,
) -> Result<(), &'static str> {
    if version != Version::HTTP_2 {
        return Err("NotHttp2");
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let token = header("authorization")
        .and_then(|v| v.strip_prefix("bearer "))
        .ok_or("MissingProviderToken")?;
    let jwt_header = jsonwebtoken::decode_header(token).map_err(|_| "InvalidProviderToken")?;
    if jwt_header.alg != Algorithm::ES256 || jwt_header.kid.as_deref() != Some(KEY_ID) {
        return Err("InvalidProviderToken");
    }
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.set_issuer(&[TEAM_ID]);
    let claims = jsonwebtoken::decode::<Value>(token, &verifier.key, &validation)
        .map_err(|_| "InvalidProviderToken")?
        .claims;
    let age = super::now_secs().abs_diff(claims["iat"].as_u64().unwrap_or(0));
    if age > 3600 {
        return Err("ExpiredProviderToken");
    }
    if header("apns-topic") != Some(TOPIC) {
        return Err("TopicDisallowed");
    }
    if header("apns-push-type") != Some("alert") || header("apns-collapse-id").is_none() {
        return Err("BadHeaders");
    }
    Ok(())
}

async fn push(
    State(verifier): State<Verifier>,
    Path(token): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut payload: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let (status, reason) = match verified(&verifier, version, &headers) {
        Err(reason) => (StatusCode::FORBIDDEN, reason),
        Ok(()) => match verifier.script.next() {
            Some(410) => (StatusCode::GONE, "Unregistered"),
            Some(400) => (StatusCode::BAD_REQUEST, "BadDeviceToken"),
            Some(429) => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests"),
            Some(other) => (StatusCode::from_u16(other).unwrap(), "Scripted"),
            None => (StatusCode::OK, ""),
        },
    };
    payload["_collapse_id"] = json!(
        headers
            .get("apns-collapse-id")
            .and_then(|v| v.to_str().ok())
    );
    verifier.log.record(Pushed {
        device: token,
        payload,
        status: status.as_u16(),
    });
    if status == StatusCode::OK {
        status.into_response()
    } else {
        (status, axum::Json(json!({"reason": reason}))).into_response()
    }
}
