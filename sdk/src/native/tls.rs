//! TLS for `https://` and `wss://` servers, one configuration for REST and the
//! WebSocket: rustls with the ring provider (it builds for Android and iOS with just a
//! C compiler), the Mozilla root store compiled in (the same trust on every platform,
//! with no per-OS set-up), and any extra roots the app configures, such as the private
//! CA of a self-hosted deployment.

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::ClientError;

/// The client TLS configuration trusting the public web PKI plus `extra_roots_pem`
/// (PEM text, one or more certificates each).
pub(super) fn client_config(
    extra_roots_pem: &[String],
) -> Result<Arc<rustls::ClientConfig>, ClientError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in extra_roots_pem {
        let mut found = false;
        for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let certificate = certificate
                .map_err(|e| ClientError::InvalidConfig(format!("root certificate: {e}")))?;
            roots
                .add(certificate)
                .map_err(|e| ClientError::InvalidConfig(format!("root certificate: {e}")))?;
            found = true;
        }
        if !found {
            return Err(ClientError::InvalidConfig(
                "root certificate: no PEM certificate found".into(),
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // reqwest looks up the process-wide provider for clients built without a
    // configuration; make it ring unless the app chose one. Refused (harmlessly) when a
    // provider is installed already.
    let _ = rustls::crypto::CryptoProvider::install_default((*provider).clone());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::InvalidConfig(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_roots_load_and_bad_extra_roots_are_refused() {
        assert!(client_config(&[]).is_ok());
        assert!(matches!(
            client_config(&["not a certificate".into()]),
            Err(ClientError::InvalidConfig(_))
        ));
        let garbled = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            client_config(&[garbled.into()]),
            Err(ClientError::InvalidConfig(_))
        ));
    }
}
