//! One way to build HTTP clients in Mostrador: reqwest over rustls with the `ring` provider (lighter to build
//! than aws-lc), installed once per process before the first client exists.

use std::sync::Once;

/// Installs rustls' process-wide crypto provider; later calls do nothing.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only if another provider is already installed, which serves equally well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A reqwest client builder with TLS ready. Callers add their own timeouts and policies.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}
