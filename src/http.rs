//! One way to build HTTP clients in Mostrador: reqwest over rustls with the `ring` provider (lighter to build
//! than aws-lc), installed once per process before the first client exists. A client that only ever speaks
//! plain `http://` (to a loopback sandbox) gets a TLS setup with no trust anchors instead of the system's: it
//! never needs one, and reading the system's CA certificates is most of a start's file reads (and fails
//! where there are none, as in a minimal container).

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

/// A reqwest client builder for a server at `base`. For `http://` (loopback only: see
/// [`crate::osigu::endpoint::check_base_url`]) the system's root certificates are not read: TLS is set up with
/// an empty trust store, so an `https://` redirect (which clients here refuse anyway) could not be trusted
/// either; and idle connections are kept instead of swept.
pub fn client_builder_for(base: &reqwest::Url) -> reqwest::ClientBuilder {
    let builder = client_builder();
    if base.scheme() != "http" {
        return builder;
    }
    // A loopback connection kept open costs nothing, while the pool's sweep of idle ones wakes an idle counter
    // on tokio's timer (three wake-ups every 90 s).
    let builder = builder.pool_idle_timeout(None);
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    match rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions() {
        Ok(config) => builder.tls_backend_preconfigured(
            config.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth(),
        ),
        // The ring provider supports the default versions; should it not, the usual setup serves as well.
        Err(_) => builder,
    }
}
