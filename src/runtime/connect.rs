//! From the configuration to a live connection: the HTTP client for the configured environment, with the
//! embedded sandbox started first when that is the environment (the default), and the fingerprint reader.

use std::net::{Ipv4Addr, SocketAddr};

use crate::config::Config;
use crate::osigu::client::{ClientOptions, OsiguClient};
use crate::osigu::endpoint::Environment;
use crate::osigu::error::ClientError;
use crate::sandbox::{Sandbox, SandboxError};

use super::capture::Capture;

/// Everything needed to talk to Osigu (or to the sandbox standing in for it).
pub struct Connection {
    pub client: OsiguClient,
    pub environment: Environment,
    /// The embedded sandbox, running for as long as this lives.
    pub sandbox: Option<Sandbox>,
    pub capture: Capture,
}

/// Why no connection could be set up (before any request is made).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the embedded sandbox could not start: {0}")]
    Sandbox(#[from] SandboxError),
    #[error("the [sandbox] section cannot be used: {0}")]
    SandboxConfig(String),
    #[error("{0}")]
    Client(#[from] ClientError),
}

/// Sets up the connection `config` describes; with no configuration, the embedded sandbox on a random loopback
/// port, reached over real HTTP like any other server.
pub async fn connect(config: &Config) -> Result<Connection, ConnectError> {
    let endpoint = config.endpoint();
    let (base_url, sandbox) = match &endpoint.base_url {
        Some(url) => (url.clone(), None),
        None => {
            let mut settings = config.sandbox.sandbox_config(None).map_err(ConnectError::SandboxConfig)?;
            // Its only client is this counter: no timer per idle connection (see `SandboxConfig::header_timeout`).
            settings.header_timeout = None;
            let sandbox = Sandbox::start(settings, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
            let url = sandbox.base_url().parse().map_err(|_| {
                ConnectError::Client(ClientError::Invalid { detail: "the sandbox's address".to_owned() })
            })?;
            (url, Some(sandbox))
        }
    };
    let mut options = ClientOptions::new(base_url, endpoint.client_id.clone(), endpoint.client_secret.expose());
    options.connect_timeout = endpoint.connect_timeout;
    options.request_timeout = endpoint.request_timeout;
    let client = OsiguClient::new(options)?;
    let capture = match (&config.biometric.capture_command, &sandbox) {
        (Some(command), _) => Capture::Command(command.clone()),
        (None, Some(_)) => Capture::Sandbox,
        (None, None) => Capture::None,
    };
    Ok(Connection { client, environment: endpoint.environment, sandbox, capture })
}
