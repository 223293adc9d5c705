//! TLS when given a certificate: rustls (ring) in front of the same router.
//!
//! The certificate chain and key are PEM files. Each connection's handshake
//! must finish within [`HANDSHAKE`]; one that fails is dropped and the
//! listener goes on.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

const HANDSHAKE: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn acceptor(t: &Tls) -> Result<TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read = |p: &Path| format!("cannot read {}", p.display());
    let certs = CertificateDer::pem_file_iter(&t.cert)
        .map_err(|e| format!("{}: {e}", read(&t.cert)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", read(&t.cert)))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", t.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&t.key).map_err(|e| format!("{}: {e}", read(&t.key)))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| format!("the certificate and key do not make a TLS configuration: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

pub struct TlsListener {
    pub tcp: TcpListener,
    pub acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.tcp.accept().await {
                Ok(x) => x,
                Err(_) => {
                    // Out of descriptors and the like: wait, then go on.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE, self.acceptor.accept(stream)).await
            {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
