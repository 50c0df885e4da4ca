//! JWT access tokens: the algorithm is pinned by configuration, never taken from the token.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{Config, JwtAlgorithm};
use crate::error::{Error, Result};

/// The claims the server reads from (and writes into) a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issue time, seconds since the epoch.
    #[serde(default)]
    pub iat: u64,
    /// Issuer, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The sign-in a token this server minted belongs to (`sign_ins.id`): ending the
    /// sign-in refuses the token. Tokens of an external auth service carry none (and
    /// when only such a service issues tokens, the claim is not read).
    #[serde(
        default,
        rename = "chat_sign_in",
        skip_serializing_if = "Option::is_none"
    )]
    pub sign_in: Option<String>,
    /// Every other claim: an external auth service may name server admins in one
    /// (`--admin-claim`). The server mints none.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Verifies every token and, with a shared HS256 secret, mints them.
pub struct TokenService {
    /// `None` when tokens come from an external auth service (RS256 / EdDSA).
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
    algorithm: Algorithm,
    validation: Validation,
    issuer: Option<String>,
    ttl: Duration,
    /// Whether another service also issues tokens (a configured shared secret or a public
    /// key), so that a valid token may name a user this server has not seen yet.
    external_issuer: bool,
}

// Keys stay out of logs.
impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("algorithm", &self.algorithm)
            .field("can_mint", &self.encoding.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// Builds the service from configuration and the HS256 secret (if HS256).
    ///
    /// # Errors
    ///
    /// When RS256/EdDSA is chosen without a readable PEM public key.
    pub fn from_config(config: &Config, hs256_secret: Option<&[u8]>) -> anyhow::Result<Self> {
        let (algorithm, encoding, decoding) = match config.jwt_algorithm {
            JwtAlgorithm::Hs256 => {
                let secret = hs256_secret.ok_or_else(|| anyhow::anyhow!("HS256 needs a secret"))?;
                (
                    Algorithm::HS256,
                    Some(EncodingKey::from_secret(secret)),
                    DecodingKey::from_secret(secret),
                )
            }
            JwtAlgorithm::Rs256 | JwtAlgorithm::EdDsa => {
                let path = config.jwt_public_key_file.as_ref().ok_or_else(|| {
                    anyhow::anyhow!("--jwt-algorithm rs256/ed-dsa needs --jwt-public-key-file")
                })?;
                let pem = std::fs::read(path)
                    .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
                if config.jwt_algorithm == JwtAlgorithm::Rs256 {
                    (Algorithm::RS256, None, DecodingKey::from_rsa_pem(&pem)?)
                } else {
                    (Algorithm::EdDSA, None, DecodingKey::from_ed_pem(&pem)?)
                }
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = 5;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(iss) = &config.jwt_issuer {
            validation.set_issuer(&[iss]);
        }
        match &config.jwt_audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Ok(Self {
            encoding,
            decoding,
            algorithm,
            validation,
            issuer: config.jwt_issuer.clone(),
            ttl: config.token_ttl,
            external_issuer: config.jwt_secret.is_some()
                || config.jwt_algorithm != JwtAlgorithm::Hs256,
        })
    }

    /// Whether this server issues tokens itself (register and login are available).
    pub fn can_mint(&self) -> bool {
        self.encoding.is_some()
    }

    /// Whether valid tokens may name users created elsewhere (provisioned on first use).
    pub fn has_external_issuer(&self) -> bool {
        self.external_issuer
    }

    /// Mints a token for `user_id` in the sign-in `sign_in`; returns it with its expiry
    /// in ms since the epoch.
    ///
    /// # Errors
    ///
    /// `forbidden` when tokens come from an external service.
    pub fn mint(&self, user_id: &str, sign_in: &str, now_ms: i64) -> Result<(String, i64)> {
        let Some(key) = &self.encoding else {
            return Err(Error::forbidden(
                "this server verifies tokens from an external auth service; log in there",
            ));
        };
        let now = u64::try_from(now_ms / 1000).unwrap_or(0);
        let exp = now + self.ttl.as_secs();
        // A unique id, so that two tokens of one user minted in the same second differ:
        // a password change keeps the connections of the token it was made with only.
        let mut other = serde_json::Map::new();
        other.insert(
            "jti".to_owned(),
            serde_json::Value::String(uuid::Uuid::new_v4().simple().to_string()),
        );
        let claims = Claims {
            sub: user_id.to_owned(),
            exp,
            iat: now,
            iss: self.issuer.clone(),
            sign_in: Some(sign_in.to_owned()),
            other,
        };
        let token = jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key)
            .map_err(|e| Error::internal("token signing failed", &e))?;
        Ok((token, i64::try_from(exp).unwrap_or(i64::MAX) * 1000))
    }

    /// Verifies a token: signature, pinned algorithm, expiry, issuer and audience.
    ///
    /// # Errors
    ///
    /// `unauthorized`, with the reason, for any invalid token.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "token expired; log in again",
                    ErrorKind::InvalidAlgorithm => "token algorithm not accepted",
                    ErrorKind::InvalidSignature => "token signature is invalid",
                    ErrorKind::InvalidIssuer => "token issuer not accepted",
                    ErrorKind::InvalidAudience => "token audience not accepted",
                    ErrorKind::MissingRequiredClaim(_) => "token lacks a required claim",
                    _ => "token is malformed",
                };
                Error::unauthorized(why)
            })?;
        let mut claims = data.claims;
        if self.encoding.is_none() {
            // Only this server's own tokens name a sign-in of its own.
            claims.sign_in = None;
        }
        if claims.sub.is_empty() || claims.sub.len() > chat_protocol::v1::MAX_ID_LEN {
            return Err(Error::unauthorized("token subject is empty or too long"));
        }
        // The subject becomes a user id and, for an external issuer's users, part of a
        // display name. OpenID Connect subjects are ASCII; refusing everything else keeps
        // out zero-width, bidirectional and look-alike characters that would let one
        // user's name pass for another's, and control characters that corrupt logs.
        if !claims.sub.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::unauthorized(
                "token subject must be printable ASCII without spaces",
            ));
        }
        Ok(claims)
    }
}
