//! The embedded Osigu sandbox: a real HTTP server (axum on tokio) that speaks the dispensing contract of
//! `spec/contract.md` with its rules enforced, seeded with the scenarios of contract §8.
//!
//! Mostrador starts it in-process when no Osigu is configured; `mostrador sandbox serve` runs it alone; tests
//! start one per test on `127.0.0.1:0` with a frozen [`Clock`] they advance. It can inject latency, 5xx
//! replies and dropped connections ([`FaultPlan`]), settles Dominican claims in batches (contract §6), answers
//! pre-authorization requests with real authorization codes (§10), stands in for POSOS Scan & Go under
//! `/posos` (§11), and sends signed webhooks to its subscriptions ([`WebhookTarget`] for the one given at
//! start), retrying on the sandbox's clock.

mod auth;
mod catalog;
mod clock;
mod dates;
mod error;
mod faults;
mod http;
pub mod limits;
mod paging;
mod posos;
mod profile;
mod seed;
mod server;
mod state;
mod store;
mod sweeper;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::RngExt;
use rand::rngs::StdRng;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

pub use self::clock::{Clock, ClockLimit};
pub use self::faults::{FaultKind, FaultParseError, FaultPlan, FaultRoute, FaultRule, Faults};
pub use self::posos::{POSOS_DEMO_TOKEN, POSOS_PREFIX};
pub use self::profile::Profile;
pub use self::seed::{SeedError, demo_fingerprint};
pub use self::store::{ChallengeDecision, ChallengeState, ChallengeSummary, OutboxMessage};
pub use self::webhooks::{
    AttemptRecord, DEMO_WEBHOOK_SECRET, DeliveryStatus, DeliveryView, WebhookTarget, WebhookUrlError, check_url,
};

use self::auth::AuthState;
use self::state::AppState;
use self::store::{Store, StoreSettings};

/// The demo client with every scope (contract §8).
pub const DEMO_CLIENT_ID: &str = "counter-demo";
pub const DEMO_CLIENT_SECRET: &str = "sandbox-secret-0001";
/// The client with the `:read` scopes only.
pub const READONLY_CLIENT_ID: &str = "counter-readonly";
pub const READONLY_CLIENT_SECRET: &str = "sandbox-secret-0002";
/// The pharmacy the sandbox serves.
pub const DEMO_PROVIDER_SLUG: &str = "farmacia-demo";

/// How a sandbox behaves.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub profile: Profile,
    pub clock: Clock,
    /// A STARTED dispensation is cancelled this long after it started (default 30 min).
    pub dispensation_timeout: Duration,
    /// Remote challenges approve themselves after this long (default 8 s); `None` waits for an approval.
    pub remote_auto_approve: Option<Duration>,
    pub faults: FaultPlan,
    pub fault_seed: u64,
    /// Seeds ids and tokens; `None` draws one from the OS.
    pub id_seed: Option<u64>,
    /// A receiver subscribed to every event at start (`--webhook-url`), signed with its own secrets.
    pub webhook: Option<WebhookTarget>,
    /// The secrets deliveries to subscriptions made through `POST /webhooks/v1/subscriptions` are signed with
    /// (two during a rotation). Empty: the target's secrets if there is a target, else [`DEMO_WEBHOOK_SECRET`].
    pub webhook_secrets: Vec<String>,
    /// A submitted settlement batch is answered this long after its submission, by the sandbox's clock
    /// (default 2 hours; see [`limits::SETTLEMENT_DECISION_SECS`]).
    pub settlement_decision_delay: Duration,
    /// The address phones are sent to (facial challenge pages, prescription documents), when it is not the one
    /// the sandbox listens on: a store server's LAN name, or a fixed name in tests. `None`: `http://ADDR`.
    pub public_url: Option<String>,
    /// The most memory the Idempotency-Key store may hold (keys and replies), in bytes; when a new reply needs
    /// the room, the oldest are forgotten first. Default 32 MiB.
    pub idempotency_store_bytes: usize,
    /// How long a client may take to send a request's headers, idle keep-alive time included (default 30 s: a
    /// served sandbox must not be held open by slow clients). `None` for the counter's embedded sandbox: its only
    /// client is the counter in the same process, and that timer woke an idle counter 30 s after its last request
    /// only to close the connections it would open again for the next code.
    pub header_timeout: Option<Duration>,
    /// An ASYNC sponsor answers a completed pre-authorization request this long later, by the sandbox's clock
    /// (default 30 s, as Osigu's mock async sponsor; see [`limits::AUTHORIZATION_DECISION_SECS`]).
    pub authorization_decision_delay: Duration,
    /// A POSOS scan session imports the prescription on its page by itself this long after its token, by the
    /// sandbox's clock (default 8 s), so a demo can be finished alone; `None` waits for the page's Import.
    pub posos_auto_import: Option<Duration>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            profile: Profile::Demo,
            clock: Clock::system(),
            dispensation_timeout: Duration::from_secs(30 * 60),
            remote_auto_approve: Some(Duration::from_secs(8)),
            faults: FaultPlan::none(),
            fault_seed: 0,
            id_seed: None,
            webhook: None,
            webhook_secrets: Vec::new(),
            settlement_decision_delay: Duration::from_secs(limits::DEFAULT_SETTLEMENT_DECISION_SECS),
            public_url: None,
            idempotency_store_bytes: limits::mib_to_bytes(limits::DEFAULT_IDEMPOTENCY_STORE_MIB),
            header_timeout: Some(server::HEADER_TIMEOUT),
            authorization_decision_delay: Duration::from_secs(limits::DEFAULT_AUTHORIZATION_DECISION_SECS),
            posos_auto_import: Some(Duration::from_secs(limits::DEFAULT_POSOS_AUTO_IMPORT_SECS)),
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// An option of [`SandboxConfig`] outside its range (see [`limits`]).
    #[error("sandbox option {0}")]
    OutOfRange(#[from] limits::OutOfRange),
    /// The webhook URL given at start is not one Osigu would deliver to.
    #[error("webhook URL: {0}")]
    WebhookUrl(#[from] WebhookUrlError),
    #[error("cannot listen on {addr}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// What subscriptions made through the API are signed with: the configured secrets, else the start target's,
/// else the demo secret.
fn signing_secrets(config: &SandboxConfig) -> Vec<String> {
    if !config.webhook_secrets.is_empty() {
        return config.webhook_secrets.clone();
    }
    match &config.webhook {
        Some(target) if !target.secrets.is_empty() => target.secrets.clone(),
        _ => vec![DEMO_WEBHOOK_SECRET.to_owned()],
    }
}

/// A running sandbox. Dropping it stops the server at once; [`Sandbox::shutdown`] lets requests finish.
pub struct Sandbox {
    base_url: String,
    addr: SocketAddr,
    app: AppState,
    faults: Arc<Faults>,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    background: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Loads the seed, binds `addr` (port 0 picks a free one) and serves on the current tokio runtime.
    /// Every option is range-checked first ([`limits::check`]), so none can make a request panic later.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<Self, SandboxError> {
        limits::check(&config)?;
        let listener = TcpListener::bind(addr).await.map_err(|source| SandboxError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind { addr, source })?;
        let base_url = format!("http://{addr}");
        let seed = seed::load(config.clock.now())?;
        let id_seed = config.id_seed.unwrap_or_else(|| rand::make_rng::<StdRng>().random());

        if let Some(target) = &config.webhook {
            check_url(&target.url)?;
        }
        let mut background = Vec::new();
        let (webhook_sender, outgoing) = mpsc::unbounded_channel();
        let deliveries = Arc::new(webhooks::Deliveries::default());
        background.push(webhooks::spawn(config.clock.clone(), Arc::clone(&deliveries), outgoing));
        let settings = StoreSettings {
            dispensation_timeout: config.dispensation_timeout,
            remote_auto_approve: config.remote_auto_approve,
            base_url: config
                .public_url
                .as_deref()
                .map_or_else(|| base_url.clone(), |url| url.trim_end_matches('/').to_owned()),
            settlement_decision_delay: config.settlement_decision_delay,
            webhook_secrets: signing_secrets(&config),
            authorization_decision_delay: config.authorization_decision_delay,
            posos_auto_import: config.posos_auto_import,
        };
        let mut store = Store::new(seed, settings, id_seed, webhook_sender);
        if let Some(target) = &config.webhook {
            // Checked just above, so this cannot be refused.
            let _ = store.subscribe_everything(config.clock.now(), &target.url, &target.secrets);
        }
        let auth = AuthState::new(id_seed.wrapping_add(1));
        let app = AppState::new(
            config.clock.clone(),
            config.profile,
            store,
            auth,
            config.idempotency_store_bytes,
            deliveries,
        );
        let (router, _) = http::router(app.clone());
        let faults = Arc::new(Faults::new(config.faults, config.fault_seed));
        let (shutdown, shutdown_seen) = watch::channel(false);
        background.push(tokio::spawn(sweeper::run(app.clone(), shutdown_seen.clone())));
        let server =
            tokio::spawn(server::serve(listener, router, Arc::clone(&faults), config.header_timeout, shutdown_seen));
        Ok(Self { base_url, addr, app, faults, shutdown, server: Some(server), background })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sandbox's clock; advance it to make OTPs expire and dispensations time out.
    pub fn clock(&self) -> &Clock {
        &self.app.clock
    }

    /// The live fault plan.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The bytes the Idempotency-Key store holds now (keys and kept replies, with a fixed overhead each); it
    /// stays within [`SandboxConfig::idempotency_store_bytes`].
    pub fn idempotency_usage(&self) -> usize {
        self.app.idempotency.bytes()
    }

    /// Every OTP message from now on, as the beneficiary would receive it.
    pub fn subscribe_outbox(&self) -> broadcast::Receiver<OutboxMessage> {
        self.app.store().subscribe_outbox()
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), and stops the background tasks.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(server) = &self.server {
            server.abort();
        }
        for task in &self.background {
            task.abort();
        }
    }
}
