//! Signed links to attachments: a browser's `<img src>` cannot send an
//! `Authorization` header, so the API hands out URLs that carry their own proof
//! (HMAC-SHA256 over the attachment, the variant and the expiry), valid for minutes.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use super::Variant;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks attachment links with one key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

/// Why a signed link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// The signature does not match (forged, or for another attachment or variant).
    Forged,
    /// It did match, but the link is past its expiry.
    Expired,
}

impl LinkSigner {
    /// A signer with `key` (32 bytes or more).
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// A signer whose key is derived from another secret (the HS256 JWT secret), so
    /// that tokens and links never share a key but every process sharing the one
    /// shares the other.
    pub fn derived_from(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"chat attachment links v1");
        Self::new(mac.finalize().into_bytes().to_vec())
    }

    fn mac(&self, attachment_id: &str, variant: Variant, expires_at: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        // Newlines separate the fields: none of them can contain one.
        mac.update(format!("{attachment_id}\n{}\n{expires_at}", variant.as_str()).as_bytes());
        mac
    }

    /// The `expires` and `signature` query of a link, as `expires=…&signature=…`.
    pub fn query(&self, attachment_id: &str, variant: Variant, expires_at: i64) -> String {
        let signature = hex::encode(
            self.mac(attachment_id, variant, expires_at)
                .finalize()
                .into_bytes(),
        );
        format!("expires={expires_at}&signature={signature}")
    }

    /// Checks a link's signature (in constant time), then its expiry against `now`.
    ///
    /// # Errors
    ///
    /// [`LinkRefusal`].
    pub fn check(
        &self,
        attachment_id: &str,
        variant: Variant,
        expires_at: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), LinkRefusal> {
        let signature = hex::decode(signature).map_err(|_| LinkRefusal::Forged)?;
        self.mac(attachment_id, variant, expires_at)
            .verify_slice(&signature)
            .map_err(|_| LinkRefusal::Forged)?;
        if now > expires_at {
            return Err(LinkRefusal::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature_of(query: &str) -> &str {
        query.split("signature=").nth(1).expect("a signature")
    }

    #[test]
    fn a_link_works_for_its_attachment_and_variant_until_it_expires() {
        let signer = LinkSigner::derived_from(b"a secret of at least thirty-two bytes!");
        let query = signer.query("a1", Variant::Original, 1_000);
        let signature = signature_of(&query);
        assert_eq!(
            signer.check("a1", Variant::Original, 1_000, signature, 999),
            Ok(())
        );
        assert_eq!(
            signer.check("a1", Variant::Original, 1_000, signature, 1_001),
            Err(LinkRefusal::Expired)
        );
        for (id, variant, expires) in [
            ("a2", Variant::Original, 1_000),
            ("a1", Variant::Small, 1_000),
            ("a1", Variant::Original, 9_999),
        ] {
            assert_eq!(
                signer.check(id, variant, expires, signature, 0),
                Err(LinkRefusal::Forged)
            );
        }
        assert_eq!(
            signer.check("a1", Variant::Original, 1_000, "zz", 0),
            Err(LinkRefusal::Forged)
        );
        let other = LinkSigner::derived_from(b"another secret of thirty-two bytes or more");
        assert_eq!(
            other.check("a1", Variant::Original, 1_000, signature, 0),
            Err(LinkRefusal::Forged)
        );
    }
}
