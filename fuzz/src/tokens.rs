//! Token parsing: any string offered as a bearer token is either refused or yields
//! claims the server may trust. Inputs reach past the signature check too: the first
//! byte chooses between a raw token and one whose header and claims come from the
//! input but which is correctly signed with the server's secret.

use std::sync::LazyLock;

use chat_server::Config;
use chat_server::auth::TokenService;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HS256 secret every fuzzed server trusts (as an external issuer's).
pub(crate) const SECRET: &str = "the fuzzer's HS256 secret, 32 bytes or more";

static TOKENS: LazyLock<TokenService> = LazyLock::new(|| {
    let mut config = Config::for_data_dir(std::path::Path::new("/nonexistent"));
    config.jwt_secret = Some(SECRET.to_owned());
    TokenService::from_config(&config, Some(SECRET.as_bytes())).expect("token service")
});

/// One input: a mode byte, then the token or its header and claims.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let token = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        // Header and claims separated by the first NUL byte, signed with the secret.
        let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let (header, claims) = rest.split_at(split);
        let claims = claims.get(1..).unwrap_or_default();
        signed(header, claims)
    };
    let Ok(claims) = TOKENS.verify(&token) else {
        return;
    };
    // Whatever passes must be a subject the server can store and show safely.
    assert!(!claims.sub.is_empty() && claims.sub.len() <= chat_protocol::v1::MAX_ID_LEN);
    assert!(
        claims.sub.bytes().all(|b| b.is_ascii_graphic()),
        "subject {:?} accepted",
        claims.sub
    );
    assert!(claims.exp > 0);
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// `header.claims.signature` with an HS256 signature by the server's secret.
pub(crate) fn signed(header: &[u8], claims: &[u8]) -> String {
    let signing_input = format!("{}.{}", base64url(header), base64url(claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    let signature = mac.finalize().into_bytes();
    format!("{signing_input}.{}", base64url(&signature))
}
