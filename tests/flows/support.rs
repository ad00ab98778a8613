//! A headless counter: the counter's own event loop (`mostrador::test_support::Driver`) fed the clerk's keys
//! (a message names the key that sends it), its effects run by the real executor with the real HTTP client,
//! against the embedded sandbox on 127.0.0.1:0. Tests type, scan and press keys as the clerk would and then ask
//! the server, not the core, what happened.

use std::ops::{Deref, DerefMut};

use mostrador::counter::{Msg, Problem, ProblemKind, Settings, Step, Verify};
use mostrador::osigu::client::OsiguClient;
use mostrador::osigu::model::{Dispensation, DispensationStatus, Id};
use mostrador::runtime::Capture;
use mostrador::sandbox::{OutboxMessage, SandboxConfig};
use time::OffsetDateTime;

use crate::driver::Driver;
pub use crate::driver::Setup;
pub use crate::driver::{client, unique};
use crate::proxy::Proxy;

/// The counter of [`Driver`], with a second client to ask the server what it holds.
pub struct Counter {
    driver: Driver,
    /// A second client, for asking the server what it holds (the counter's own client is the executor's).
    pub server: OsiguClient,
}

impl Deref for Counter {
    type Target = Driver;

    fn deref(&self) -> &Driver {
        &self.driver
    }
}

impl DerefMut for Counter {
    fn deref_mut(&mut self) -> &mut Driver {
        &mut self.driver
    }
}

impl Counter {
    /// A counter on a fresh sandbox whose facial checks wait for the phone's answer. The sandbox's clock is
    /// frozen and moves only with the counter's ([`Driver::wait`]), so both always agree.
    pub async fn open() -> Self {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("whole second");
        let clock = mostrador::sandbox::Clock::frozen_at(now);
        Self::open_with(SandboxConfig {
            clock,
            remote_auto_approve: None,
            id_seed: Some(11),
            ..SandboxConfig::default()
        })
        .await
    }

    pub async fn open_with(config: SandboxConfig) -> Self {
        Self::open_with_capture(config, Capture::Sandbox).await
    }

    /// A counter like [`Counter::open`] whose client reaches the sandbox through a [`Proxy`]; `arm` sets the
    /// proxy's rewrites before the counter opens (it fetches sponsors and rules as it does).
    pub async fn open_behind_proxy(arm: impl FnOnce(&Proxy)) -> (Self, Proxy) {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("whole second");
        let config = SandboxConfig {
            clock: mostrador::sandbox::Clock::frozen_at(now),
            remote_auto_approve: None,
            id_seed: Some(11),
            ..SandboxConfig::default()
        };
        let sandbox =
            mostrador::sandbox::Sandbox::start(config.clone(), std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .expect("sandbox");
        let proxy = Proxy::start(sandbox.base_url()).await;
        arm(&proxy);
        let setup = Setup { through: Some(proxy.base_url.clone()), sandbox: Some(sandbox), ..Setup::default() };
        (Self::open_in(config, Capture::Sandbox, setup).await, proxy)
    }

    pub async fn open_with_capture(config: SandboxConfig, capture: Capture) -> Self {
        Self::open_in(config, capture, Setup::default()).await
    }

    /// A counter whose journal, till and server `setup` names (the server is still asked directly by `server`).
    pub async fn open_in(config: SandboxConfig, capture: Capture, setup: Setup) -> Self {
        Self::open_in_with(config, capture, setup, Settings::default()).await
    }

    /// [`Counter::open_in`] with `settings` (the invoice prefix and the keys' nonce are the tests').
    pub async fn open_in_with(config: SandboxConfig, capture: Capture, setup: Setup, settings: Settings) -> Self {
        let settings = Settings { invoice_prefix: "F001-".to_owned(), key_nonce: unique(), ..settings };
        let driver = Driver::start_with(config, capture, settings, setup).await;
        let server = client(driver.sandbox.base_url());
        Self { driver, server }
    }

    /// The last OTP the sandbox "sent" (its outbox), as the beneficiary would read it aloud.
    pub async fn last_otp(&mut self) -> OutboxMessage {
        self.drain_outbox().pop().expect("an OTP in the sandbox's outbox")
    }

    /// The problem on screen (panics when there is none).
    pub fn problem(&self) -> &Problem {
        self.app.problem.as_ref().unwrap_or_else(|| panic!("no problem on screen; step: {:?}", self.app.step))
    }

    pub fn problem_kind(&self) -> &ProblemKind {
        &self.problem().kind
    }

    /// The dispensation on screen.
    pub fn dispensation_id(&self) -> Id {
        self.app.active.as_ref().expect("a dispensation in progress").id().clone()
    }

    /// The completed dispensation on the Done screen.
    pub fn done(&self) -> &Dispensation {
        match &self.app.step {
            Step::Done(done) => &done.dispensation,
            other => panic!("not on Done: {other:?} (problem: {:?})", self.app.problem),
        }
    }

    pub fn verify(&self) -> &Verify {
        match &self.app.step {
            Step::Verify(verify) => verify,
            other => panic!("not verifying: {other:?} (problem: {:?})", self.app.problem),
        }
    }

    pub fn on_review(&self) -> bool {
        matches!(self.app.step, Step::Review(_))
    }

    /// F10 on review, then Enter on finalize (the invoice number is the terminal's next).
    pub async fn finalize(&mut self) {
        assert!(self.on_review(), "not on review: {:?} (problem: {:?})", self.app.step, self.app.problem);
        self.send(Msg::Finalize).await;
        assert!(matches!(self.app.step, Step::Finalize(_)), "not on finalize: {:?}", self.app.problem);
        self.send(Msg::Submit).await;
    }

    /// Asks the server for a dispensation.
    pub async fn server_dispensation(&self, id: &Id) -> Dispensation {
        self.server.dispensation(id).await.expect("GET dispensation")
    }

    /// Asserts the server holds `id` COMPLETED and returns it.
    pub async fn assert_completed_on_server(&self, id: &Id) -> Dispensation {
        let dispensation = self.server_dispensation(id).await;
        assert_eq!(dispensation.status, DispensationStatus::Completed, "server state of {id}");
        dispensation
    }
}
