//! The webhook receiver (`mostrador webhooks serve`): the pharmacy server's end of Osigu's webhooks (contract
//! §5). It owns listening (plain HTTP on loopback or behind a TLS-terminating proxy, TLS with rustls otherwise),
//! checking each delivery (body size, `X-Osigu-Signature` against one or two secrets, freshness), keeping each
//! event once in the journal, answering, and then applying the event: a voided authorization recorded for the
//! counters, a settlement batch's new state for the settlements screen ([`crate::journal`]'s webhook tables).
//!
//! A delivery's path through it:
//! 1. `route`: read at most [`MAX_BODY_BYTES`] (413 past it), verify the signature on the raw body in constant
//!    time (401 and one log line without the body when it fails or is stale), read the envelope (400 when it is
//!    not one);
//! 2. `intake`: the event is inserted keyed by `event_id` (a duplicate is recognised by the insert itself), in
//!    one transaction with whatever else arrived meanwhile, and the reply is 200 once it is on disk;
//! 3. `intake`'s applier, after the answer: the event's effect and its `applied` flag in one transaction,
//!    only while the flag is 0, so an event is applied once however often it comes and whenever the receiver
//!    stopped (what a stop left unapplied is applied at the next start).
//!
//! Its clock is injected ([`ReceiverConfig::clock`]) so that tests run it on the sandbox's clock, or on one of
//! its own to make the sandbox's timestamps stale.

mod effects;
mod intake;
mod listen;
mod route;
mod tls;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::warn;

pub use self::tls::TlsError;
use crate::journal::{Journal, JournalError, Place};
use crate::osigu::endpoint::Secret;
use crate::sandbox::Clock;

/// Where the receiver listens unless told otherwise: this machine only.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9000);

/// The path Osigu posts to: the subscription's URL names it.
pub const PATH: &str = "/osigu";

/// The largest body accepted; a real event is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The most secrets checked at once: the current one, and the previous one during a rotation.
pub const MAX_SECRETS: usize = 2;

/// The environment variable with the secrets, comma-separated; it wins over `[webhooks] secrets`.
pub const SECRETS_ENV: &str = "MOSTRADOR_WEBHOOK_SECRETS";

/// How long a stop waits for requests in flight and for the applier to finish.
const GRACE: Duration = Duration::from_secs(5);

/// The till name the receiver writes under in the journal (it writes no dispensation; the name only says who).
const PLACE: &str = "webhooks";

/// A certificate chain and its private key, PEM files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How a receiver runs.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    /// Port 0 picks a free one.
    pub addr: SocketAddr,
    /// One, or two during a rotation: an event signed by either is accepted.
    pub secrets: Vec<Secret>,
    /// TLS with these files; `None` is plain HTTP, allowed on loopback or [`ReceiverConfig::behind_proxy`].
    pub tls: Option<TlsFiles>,
    /// A reverse proxy terminates TLS in front of the receiver, so plain HTTP may listen off loopback.
    pub behind_proxy: bool,
    /// The journal's directory (the counters' `counter.data_dir`).
    pub data_dir: PathBuf,
    /// What "now" is when a signature's freshness is judged: the system's time in production.
    pub clock: Clock,
}

/// Why a receiver cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error("no webhook secret: set `[webhooks] secrets` in the configuration or {SECRETS_ENV}")]
    NoSecret,
    #[error(
        "{count} webhook secrets given: at most {MAX_SECRETS} (the current one and, during a rotation, the \
         previous one)"
    )]
    TooManySecrets { count: usize },
    #[error("a webhook secret is empty or has spaces or control characters")]
    BadSecret,
    #[error(
        "refusing plain HTTP on {addr}: Osigu delivers webhooks over HTTPS only. Give `[webhooks] tls_cert` and \
         `tls_key` (PEM), or listen on a loopback address behind a reverse proxy that terminates TLS, or set \
         `[webhooks] behind_proxy = true` when a proxy on another host terminates TLS"
    )]
    PlainHttp { addr: SocketAddr },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

impl ReceiverError {
    /// Whether the configuration is at fault (exit 2) rather than the machine (a port taken, a disk).
    pub fn is_configuration(&self) -> bool {
        matches!(self, Self::NoSecret | Self::TooManySecrets { .. } | Self::BadSecret | Self::PlainHttp { .. })
    }
}

/// The receiver's counts since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    /// Events kept for the first time.
    pub accepted: u64,
    /// Deliveries of an event already kept: answered 200, not applied again.
    pub duplicates: u64,
    /// Effects written (each accepted event once, in this run or, for what a stop left, the next).
    pub applied: u64,
    /// 401: no signature, or none that any secret verifies.
    pub bad_signature: u64,
    /// 401: a signature more than 300 s away from the receiver's clock.
    pub stale: u64,
    /// 400: signed, but not an event envelope.
    pub malformed: u64,
    /// 413: over [`MAX_BODY_BYTES`].
    pub too_large: u64,
    /// 503: the journal could not keep the event (Osigu retries).
    pub not_kept: u64,
}

/// The live counters behind [`ReceiverStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    accepted: AtomicU64,
    duplicates: AtomicU64,
    applied: AtomicU64,
    bad_signature: AtomicU64,
    stale: AtomicU64,
    malformed: AtomicU64,
    too_large: AtomicU64,
    not_kept: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    fn snapshot(&self) -> ReceiverStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ReceiverStats {
            accepted: read(&self.accepted),
            duplicates: read(&self.duplicates),
            applied: read(&self.applied),
            bad_signature: read(&self.bad_signature),
            stale: read(&self.stale),
            malformed: read(&self.malformed),
            too_large: read(&self.too_large),
            not_kept: read(&self.not_kept),
        }
    }
}

/// The secrets as the receiver accepts them: one or two, none empty.
fn check_secrets(secrets: &[Secret]) -> Result<(), ReceiverError> {
    if secrets.is_empty() {
        return Err(ReceiverError::NoSecret);
    }
    if secrets.len() > MAX_SECRETS {
        return Err(ReceiverError::TooManySecrets { count: secrets.len() });
    }
    let bad = |secret: &Secret| {
        let text = secret.expose();
        text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if secrets.iter().any(bad) {
        return Err(ReceiverError::BadSecret);
    }
    Ok(())
}

/// The secrets in [`SECRETS_ENV`]'s form: comma-separated, spaces around each ignored, empty items dropped.
pub fn secrets_from_list(text: &str) -> Vec<Secret> {
    text.split(',').map(str::trim).filter(|secret| !secret.is_empty()).map(Secret::new).collect()
}

/// A running receiver. Dropping it stops it at once; [`Receiver::shutdown`] lets requests finish and the
/// applier catch up.
pub struct Receiver {
    addr: SocketAddr,
    tls: bool,
    journal: Journal,
    counters: Arc<Counters>,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Receiver {
    /// Checks the configuration, opens the journal, binds `addr` and serves on the current tokio runtime.
    /// Plain HTTP off loopback without [`ReceiverConfig::behind_proxy`] is refused before anything is bound.
    pub async fn start(config: ReceiverConfig) -> Result<Self, ReceiverError> {
        check_secrets(&config.secrets)?;
        if config.tls.is_none() && !config.addr.ip().is_loopback() && !config.behind_proxy {
            return Err(ReceiverError::PlainHttp { addr: config.addr });
        }
        let acceptor = config.tls.as_ref().map(|files| tls::acceptor(&files.cert, &files.key)).transpose()?;
        let place = Place::new(crate::runtime::terminal_name(), PLACE);
        let journal = Journal::in_dir(&config.data_dir, &place)?;
        let listener =
            TcpListener::bind(config.addr).await.map_err(|source| ReceiverError::Bind { addr: config.addr, source })?;
        let addr = listener.local_addr().map_err(|source| ReceiverError::Bind { addr: config.addr, source })?;

        let counters = Arc::new(Counters::default());
        let (arrivals, arrived) = mpsc::channel(intake::QUEUE);
        let (to_apply, applying) = mpsc::unbounded_channel();
        let workers = vec![
            intake::spawn_intake(journal.clone(), config.clock.clone(), Arc::clone(&counters), arrived, to_apply),
            intake::spawn_applier(journal.clone(), config.clock.clone(), Arc::clone(&counters), applying),
        ];
        let router = route::router(route::Shared {
            secrets: config.secrets,
            clock: config.clock,
            counters: Arc::clone(&counters),
            arrivals,
        });
        let (shutdown, shutdown_seen) = watch::channel(false);
        let server = tokio::spawn(listen::serve(listener, router, acceptor, shutdown_seen));
        Ok(Self { addr, tls: config.tls.is_some(), journal, counters, shutdown, server: Some(server), workers })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/osigu` or `https://ADDR/osigu`: what a subscription names.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{PATH}", self.addr)
    }

    /// Whether it speaks TLS itself.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The journal it writes (to read the events, voided codes and settlements it kept).
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Its counts so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }

    /// Stops accepting, lets requests in flight finish and the applier apply what was accepted (each up to
    /// 5 s), and returns the final counts. Anything still unapplied is applied at the next start.
    pub async fn shutdown(mut self) -> ReceiverStats {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        // The server's end drops the last sender of arrivals: the intake ends, then the applier after it.
        for worker in std::mem::take(&mut self.workers) {
            if tokio::time::timeout(GRACE, worker).await.is_err() {
                warn!("webhook receiver stopped with work in flight; the next start applies what is left");
            }
        }
        self.counters.snapshot()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secrets_list_is_comma_separated_and_forgiving_of_spaces() {
        let secrets = secrets_from_list(" whsec_new , whsec_old,,");
        let exposed: Vec<&str> = secrets.iter().map(Secret::expose).collect();
        assert_eq!(exposed, ["whsec_new", "whsec_old"]);
        assert!(secrets_from_list(" , ").is_empty());
    }

    #[test]
    fn one_or_two_secrets_none_blank() {
        let secrets = |list: &[&str]| list.iter().map(|s| Secret::new(*s)).collect::<Vec<_>>();
        assert!(check_secrets(&secrets(&["whsec_a"])).is_ok());
        assert!(check_secrets(&secrets(&["whsec_a", "whsec_b"])).is_ok());
        assert!(matches!(check_secrets(&[]), Err(ReceiverError::NoSecret)));
        assert!(matches!(check_secrets(&secrets(&["a", "b", "c"])), Err(ReceiverError::TooManySecrets { count: 3 })));
        assert!(matches!(check_secrets(&secrets(&["whsec a"])), Err(ReceiverError::BadSecret)));
        assert!(matches!(check_secrets(&secrets(&[""])), Err(ReceiverError::BadSecret)));
    }
}
