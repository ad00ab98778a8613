//! The event loop's clock: what time it is (for the core, the status bar and the scanner's timing) and a way
//! to sleep until a moment. The counter runs on [`SystemClock`]; the tests run the same loop on a clock they
//! move themselves (`test_support::ManualClock`), so what depends on time is deterministic there.

use std::future::Future;

use time::OffsetDateTime;

/// Now, and waiting for a moment.
pub trait Clock {
    /// The current moment.
    fn now(&self) -> OffsetDateTime;

    /// Resolves once [`Clock::now`] has reached `at` (at once when it already has).
    fn sleep_until(&self, at: OffsetDateTime) -> impl Future<Output = ()>;
}

/// The system's clock, slept on with tokio's timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn sleep_until(&self, at: OffsetDateTime) -> impl Future<Output = ()> {
        let wait = std::time::Duration::try_from(at - OffsetDateTime::now_utc()).unwrap_or_default();
        tokio::time::sleep(wait)
    }
}
