//! The receiver's TLS: a certificate chain and its key read from PEM files into a rustls server configuration
//! on the `ring` provider the rest of Mostrador uses, HTTP/1.1 only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("the TLS certificate {path} cannot be read: {problem}")]
    Certificate { path: PathBuf, problem: String },
    #[error("the TLS certificate file {path} holds no certificate (PEM `BEGIN CERTIFICATE`)")]
    NoCertificate { path: PathBuf },
    #[error("the TLS key {path} cannot be read (a PEM private key is expected): {problem}")]
    Key { path: PathBuf, problem: String },
    #[error("the TLS certificate and key cannot be used together: {0}")]
    Refused(#[from] rustls::Error),
}

/// An acceptor for `cert` (the server's certificate first, then its chain) and `key`.
pub(super) fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let certificate_error = |problem: String| TlsError::Certificate { path: cert.to_owned(), problem };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|error| certificate_error(error.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| certificate_error(error.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: cert.to_owned() });
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|error| TlsError::Key { path: key.to_owned(), problem: error.to_string() })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
