//! `mostrador sandbox serve`: the sandbox on its own, announcing where it listens and with which
//! credentials, printing each OTP as the beneficiary would receive it, until Ctrl-C or SIGTERM. Every line
//! that carries text from outside (a destination from a registered patient, a URL or a fault from the flags) is
//! made inert before it is printed ([`mostrador::inert`]).

use std::io::Write;
use std::net::SocketAddr;

use mostrador::config::SandboxSection;
use mostrador::inert;
use mostrador::osigu::model::wire_name;
use mostrador::sandbox::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PROVIDER_SLUG, DEMO_WEBHOOK_SECRET, OutboxMessage, POSOS_DEMO_TOKEN,
    POSOS_PREFIX, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET, Sandbox, SandboxConfig, SandboxError,
};
use tokio::sync::broadcast;

use crate::ServeArgs;

const DEFAULT_ADDR: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// Why `sandbox serve` stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServeError {
    /// The flags and the `[sandbox]` section, together, describe no sandbox (a webhook without a secret…).
    #[error("sandbox options: {0}")]
    Options(String),
    #[error(transparent)]
    Start(#[from] SandboxError),
}

impl ServeError {
    /// Whether the options are at fault (exit 2) rather than the machine (the port is taken…).
    pub(crate) fn is_configuration(&self) -> bool {
        matches!(self, Self::Options(_) | Self::Start(SandboxError::OutOfRange(_) | SandboxError::WebhookUrl(_)))
    }
}

/// Flags over the file over the defaults.
fn configuration(args: ServeArgs, file: SandboxSection) -> Result<(SandboxConfig, SocketAddr), ServeError> {
    let flags = SandboxSection {
        addr: args.addr,
        profile: args.profile,
        remote_auto_approve_secs: args.remote_auto_approve_secs,
        dispensation_timeout_secs: args.dispensation_timeout_secs,
        faults: args.faults,
        fault_seed: args.fault_seed,
        webhook_url: args.webhook_url,
        webhook_secrets: args.webhook_secrets,
        public_url: args.public_url,
        idempotency_store_mib: args.idempotency_store_mib,
        settlement_decision_secs: args.settlement_decision_secs,
        authorization_decision_secs: args.authorization_decision_secs,
        posos_auto_import_secs: args.posos_auto_import_secs,
    };
    let section = file.overlaid(flags);
    let addr = section.addr.unwrap_or(DEFAULT_ADDR);
    let config = section.sandbox_config(args.seed).map_err(ServeError::Options)?;
    Ok((config, addr))
}

fn print_otp(message: &OutboxMessage) {
    let time = message.sent_at.time();
    let dispensation = message.dispensation_id.as_ref().map(|id| format!("  {id}")).unwrap_or_default();
    let line = format!(
        "[{:02}:{:02}:{:02}] OTP {}  {} {}{dispensation}",
        time.hour(),
        time.minute(),
        time.second(),
        message.code,
        wire_name(&message.channel),
        message.masked_destination
    );
    println!("{}", inert::line(&line));
    let _ = std::io::stdout().flush();
}

/// Ctrl-C or SIGTERM: how a server run from the command line (`sandbox serve`, `webhooks serve`) is asked to stop.
pub(crate) async fn stop_requested() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub(crate) async fn run(args: ServeArgs, file: SandboxSection) -> Result<(), ServeError> {
    let (config, addr) = configuration(args, file)?;
    let profile = config.profile;
    let faults = config.faults.clone();
    let fault_seed = config.fault_seed;
    let webhook = config.webhook.as_ref().map(|target| target.url.clone());
    // The demo secret is public; configured ones never reach the terminal.
    let demo_secret = config.webhook_secrets.is_empty() && config.webhook.is_none();
    let sandbox = Sandbox::start(config, addr).await?;
    let base = sandbox.base_url().to_owned();
    let mut outbox = sandbox.subscribe_outbox();
    println!("Osigu sandbox listening on {base}  (profile {profile})");
    println!("  client_id      {DEMO_CLIENT_ID}");
    println!("  client_secret  {DEMO_CLIENT_SECRET}");
    println!("  read-only      {READONLY_CLIENT_ID} / {READONLY_CLIENT_SECRET}");
    println!("  provider       {DEMO_PROVIDER_SLUG}");
    println!("  OpenAPI        {base}/openapi.json");
    println!("  OTP outbox     {base}/sandbox/v1/outbox");
    println!("  POSOS          {base}{POSOS_PREFIX}  (service token {POSOS_DEMO_TOKEN})");
    if !faults.is_empty() {
        println!("  faults         {}  (seed {fault_seed})", inert::line(&faults.to_string()));
    }
    if let Some(url) = webhook {
        println!("  webhooks       {}", inert::line(&url));
    }
    println!("  subscriptions  {base}/webhooks/v1/subscriptions");
    if demo_secret {
        println!("  webhook secret {DEMO_WEBHOOK_SECRET}");
    }
    if !addr.ip().is_loopback() {
        println!(
            "  warning        plain HTTP on a non-loopback address, with public demo credentials: \
             for a training network only (Mostrador's client speaks plain HTTP to loopback hosts only)"
        );
    }
    println!("Press Ctrl-C to stop. OTPs sent to beneficiaries appear below.");
    let _ = std::io::stdout().flush();

    let stop = stop_requested();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            message = outbox.recv() => match message {
                Ok(message) => print_otp(&message),
                Err(broadcast::error::RecvError::Lagged(missed)) => println!("({missed} OTPs not shown; see the outbox)"),
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    println!("Stopping…");
    sandbox.shutdown().await;
    println!("Sandbox stopped.");
    Ok(())
}
