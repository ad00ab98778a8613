//! The sandbox's clock: the system time or a frozen instant, either one shifted by an offset that tests (and
//! `POST /sandbox/v1/clock/advance`) move forward to expire OTPs, time dispensations out and cross validity
//! windows without sleeping.
//!
//! The offset is bounded ([`MAX_CLOCK_ADVANCE`], 100 years in all): every instant the sandbox computes from its
//! clock (a timeout, a token's expiry) then stays inside the calendar, so no date arithmetic can overflow.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;

use super::limits::MAX_CLOCK_ADVANCE;

/// An advance that would move the clock past [`MAX_CLOCK_ADVANCE`] ahead of its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the sandbox clock moves at most {} days ahead of its start", MAX_CLOCK_ADVANCE.as_secs() / 86_400)]
pub struct ClockLimit;

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
        let offset = time::Duration::milliseconds(self.0.offset_ms.load(Ordering::SeqCst));
        // Within range by the bound on advances; a frozen instant chosen at the calendar's very end stays put.
        let shifted = base.checked_add(offset).unwrap_or(base);
        shifted.replace_nanosecond(0).unwrap_or(shifted)
    }

    /// Moves the clock forward, at most up to [`MAX_CLOCK_ADVANCE`] ahead of its start.
    pub fn advance(&self, by: Duration) {
        self.shift(by, true);
    }

    /// Moves the clock forward, or refuses (leaving it as it was) if that would pass [`MAX_CLOCK_ADVANCE`].
    pub fn try_advance(&self, by: Duration) -> Result<(), ClockLimit> {
        if self.shift(by, false) { Ok(()) } else { Err(ClockLimit) }
    }

    /// Adds `by` to the offset; past the bound, clamps or refuses. Whether it moved by all of `by`.
    fn shift(&self, by: Duration, clamp: bool) -> bool {
        let limit = i64::try_from(MAX_CLOCK_ADVANCE.as_millis()).unwrap_or(i64::MAX);
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let updated = self.0.offset_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
            let wanted = offset.saturating_add(millis);
            if wanted <= limit { Some(wanted) } else { clamp.then_some(limit) }
        });
        let whole = updated.is_ok_and(|offset| offset.saturating_add(millis) <= limit);
        self.0.advanced.send_modify(|generation| *generation = generation.wrapping_add(1));
        whole
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
    fn the_clock_moves_at_most_a_hundred_years_however_it_is_pushed() {
        let clock = Clock::frozen_at(datetime!(2026-11-21 10:00 UTC));
        for _ in 0..2000 {
            clock.advance(Duration::from_secs(10 * 366 * 24 * 3600));
        }
        clock.advance(Duration::MAX);
        assert_eq!(clock.now().year(), 2127);
        assert_eq!(clock.try_advance(Duration::from_secs(1)), Err(ClockLimit));
        let fresh = Clock::frozen_at(datetime!(2026-11-21 10:00 UTC));
        assert_eq!(fresh.try_advance(Duration::from_secs(60)), Ok(()));
        assert_eq!(fresh.now(), datetime!(2026-11-21 10:01 UTC));
    }

    #[test]
    fn a_system_clock_can_be_shifted_forward() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() - before >= time::Duration::minutes(59));
    }
}
