//! `https://` and `wss://`: the SDK through a TLS-terminating proxy (as behind a load
//! balancer) whose certificate comes from a private CA the app configures.

use std::sync::Arc;

use chat_sdk::{ChatClient, ClientError};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::harness::{Server, connected, contents, create_room, eventually, fast_config};

/// A private CA and a certificate it issued for 127.0.0.1.
struct Pki {
    ca_pem: String,
    server: ServerConfig,
}

fn private_pki() -> Pki {
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
    let server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server,
    }
}

/// Terminates TLS on 127.0.0.1 and forwards plain TCP to `upstream`; returns its
/// `https://` URL. The task ends with the test's runtime.
async fn tls_proxy(server: ServerConfig, upstream: std::net::SocketAddr) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let acceptor = TlsAcceptor::from(Arc::new(server));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate aborts the handshake: fine.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chats_over_https_and_wss_with_a_private_ca() {
    let server = Server::start().await;
    let pki = private_pki();
    let url = tls_proxy(pki.server, server.addr).await;

    // Without the CA, the certificate is refused before anything is sent.
    let stranger = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    match stranger.register("ann", "correct horse battery").await {
        Err(ClientError::Network(why)) => assert!(why.contains("certificate"), "{why}"),
        other => panic!("expected a certificate error, got {other:?}"),
    }

    let mut config = fast_config(url.clone(), None);
    config.extra_root_certificates = vec![pki.ca_pem];
    let ann = ChatClient::open(config).unwrap();
    let session = ann.register("ann", "correct horse battery").await.unwrap();
    let room = create_room(&url_plain(&server), &session.token, "r", "public", &[]).await;
    ann.join_room(&room).unwrap();
    ann.connect().unwrap();
    connected(&ann).await;
    ann.send_message(&room, "over wss").unwrap();

    // A plain client on the server itself sees the message: it went through TLS.
    let bob = ChatClient::open(fast_config(url_plain(&server), None)).unwrap();
    bob.register("bob", "correct horse battery").await.unwrap();
    bob.join_room(&room).unwrap();
    bob.connect().unwrap();
    eventually(10, "bob has ann's message", || {
        contents(&bob, &room) == ["over wss"]
    })
    .await;
}

#[test]
fn bad_urls_and_certificates_are_refused_at_open() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _inside = runtime.enter();
    for url in ["ftp://example.com", "example.com:8080", ""] {
        assert!(
            matches!(
                ChatClient::open(fast_config(url.into(), None)),
                Err(ClientError::InvalidConfig(_))
            ),
            "{url}"
        );
    }
    let mut config = fast_config("https://example.com".into(), None);
    config.extra_root_certificates = vec!["-----BEGIN CERTIFICATE-----\nAAAA\n".into()];
    assert!(matches!(
        ChatClient::open(config),
        Err(ClientError::InvalidConfig(_))
    ));
}

fn url_plain(server: &Server) -> String {
    format!("http://{}", server.addr)
}
