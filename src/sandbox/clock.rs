//! The sandbox's clock: the system time or a frozen instant, either one shifted by an offset that tests (and
//! `POST /sandbox/v1/clock/advance`) move forward to expire OTPs, time dispensations out and cross validity
//! windows without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;

/// A cloneable handle on one clock; every clone sees the same time.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// `None` follows the system time; `Some` stays at that instant until advanced.
    frozen_at: Option<OffsetDateTime>,
    offset_ms: AtomicI64,
    /// Bumped on every advance so that timers sleeping on the old time re-plan.
    advanced: watch::Sender<u64>,
}

impl Clock {
    /// Follows the system time.
    pub fn system() -> Self {
        Self::new(None)
    }

    /// Stays at `instant` until [`Clock::advance`] moves it.
    pub fn frozen_at(instant: OffsetDateTime) -> Self {
        Self::new(Some(instant))
    }

    fn new(frozen_at: Option<OffsetDateTime>) -> Self {
        let (advanced, _) = watch::channel(0);
        Self(Arc::new(Inner { frozen_at, offset_ms: AtomicI64::new(0), advanced }))
    }

    /// The current time, to the whole second: the precision of every timestamp the contract shows.
    pub fn now(&self) -> OffsetDateTime {
        let base = self.0.frozen_at.unwrap_or_else(OffsetDateTime::now_utc);
        let shifted = base + time::Duration::milliseconds(self.0.offset_ms.load(Ordering::SeqCst));
        shifted.replace_nanosecond(0).unwrap_or(shifted)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.offset_ms.fetch_add(millis, Ordering::SeqCst);
        self.0.advanced.send_modify(|generation| *generation += 1);
    }

    /// Whether time stands still between advances (tests) or flows (a running sandbox).
    pub fn is_frozen(&self) -> bool {
        self.0.frozen_at.is_some()
    }

    /// Notified after every [`Clock::advance`].
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.advanced.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_frozen_clock_moves_only_when_advanced_and_all_clones_agree() {
        let clock = Clock::frozen_at(datetime!(2026-11-21 10:00:00.750 UTC));
        let other = clock.clone();
        assert_eq!(clock.now(), datetime!(2026-11-21 10:00:00 UTC));
        clock.advance(Duration::from_secs(301));
        assert_eq!(other.now(), datetime!(2026-11-21 10:05:01 UTC));
    }

    #[test]
    fn a_system_clock_can_be_shifted_forward() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() - before >= time::Duration::minutes(59));
    }
}
