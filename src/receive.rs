//! `mostrador webhooks serve`: the webhook receiver ([`mostrador::receiver`]) on its own, configured from the
//! `[webhooks]` section, [`SECRETS_ENV`] and `--addr`, announcing where it listens, until Ctrl-C or SIGTERM; then
//! it stops accepting, lets requests in flight finish and prints what it received. Paths and addresses from the
//! configuration are made inert before they are printed.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use mostrador::config::Config;
use mostrador::inert;
use mostrador::osigu::endpoint::Secret;
use mostrador::receiver::{
    DEFAULT_ADDR, Receiver, ReceiverConfig, ReceiverError, ReceiverStats, SECRETS_ENV, secrets_from_list,
};
use mostrador::sandbox::Clock;

/// Why `webhooks serve` stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReceiveError {
    #[error(transparent)]
    Config(#[from] mostrador::config::ConfigError),
    #[error("{SECRETS_ENV} is not valid UTF-8")]
    SecretsEnv,
    #[error(transparent)]
    Start(#[from] ReceiverError),
}

impl ReceiveError {
    /// Whether the configuration is at fault (exit 2) rather than the machine (a port taken, the journal).
    pub(crate) fn is_configuration(&self) -> bool {
        match self {
            Self::Config(_) | Self::SecretsEnv => true,
            Self::Start(error) => error.is_configuration(),
        }
    }
}

/// The secrets: [`SECRETS_ENV`] when it is set and not empty, otherwise the file's.
fn secrets(config: &Config) -> Result<Vec<Secret>, ReceiveError> {
    match std::env::var(SECRETS_ENV) {
        Ok(list) if !list.trim().is_empty() => Ok(secrets_from_list(&list)),
        Ok(_) | Err(std::env::VarError::NotPresent) => {
            Ok(config.webhooks.secrets.iter().map(|secret| Secret::new(secret.as_str())).collect())
        }
        Err(std::env::VarError::NotUnicode(_)) => Err(ReceiveError::SecretsEnv),
    }
}

fn summary(stats: &ReceiverStats) -> String {
    format!(
        "{} accepted, {} duplicates (not applied again), {} applied, {} refused (bad signature {}, stale {}, not \
         an event {}, too large {}), {} not kept",
        stats.accepted,
        stats.duplicates,
        stats.applied,
        stats.bad_signature + stats.stale + stats.malformed + stats.too_large,
        stats.bad_signature,
        stats.stale,
        stats.malformed,
        stats.too_large,
        stats.not_kept,
    )
}

pub(crate) async fn run(addr: Option<SocketAddr>, config: &Config, file: Option<&Path>) -> Result<(), ReceiveError> {
    // Whether or not the environment's secrets are used, the file's may be read by anyone who can read it.
    if let Some(path) = file
        && !config.webhooks.secrets.is_empty()
        && mostrador::config::readable_by_others(path)
    {
        let path = inert::line(&path.to_string_lossy()).into_owned();
        tracing::warn!(
            "the configuration file {path} holds webhooks.secrets and is readable by other users; run: chmod 600 {path}"
        );
    }
    let settings = ReceiverConfig {
        addr: addr.or(config.webhooks.addr).unwrap_or(DEFAULT_ADDR),
        secrets: secrets(config)?,
        tls: config.webhooks.tls(),
        behind_proxy: config.webhooks.behind_proxy,
        data_dir: config.data_dir()?,
        clock: Clock::system(),
    };
    let secret_count = settings.secrets.len();
    let behind_proxy = settings.behind_proxy;
    let receiver = Receiver::start(settings).await?;
    println!("Osigu webhooks receiver listening on {}", receiver.url());
    println!("  journal   {}", inert::line(&receiver.journal().path().to_string_lossy()));
    if secret_count > 1 {
        println!("  secrets   {secret_count} (a rotation: an event signed with either is accepted)");
    } else {
        println!("  secrets   1");
    }
    if !receiver.is_tls() {
        let why = if behind_proxy { "behind a reverse proxy that terminates TLS" } else { "loopback only" };
        println!("  TLS       none: {why}");
    }
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();

    crate::serve::stop_requested().await;
    println!("Stopping…");
    let stats = receiver.shutdown().await;
    println!("Receiver stopped: {}.", summary(&stats));
    Ok(())
}
