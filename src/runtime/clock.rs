//! The event loop's clock: what time it is (for the core, the status bar and the scanner's timing) and a way
//! to sleep until a moment. The counter runs on [`SystemClock`]; the tests run the same loop on a clock they
//! move themselves (`test_support::ManualClock`), so what depends on time is deterministic there.

use std::future::Future;
use std::os::fd::OwnedFd;
use std::sync::Arc;

use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec};
use time::OffsetDateTime;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Now, and waiting for a moment.
pub trait Clock {
    /// The current moment.
    fn now(&self) -> OffsetDateTime;

    /// Resolves once [`Clock::now`] has reached `at` (at once when it already has).
    fn sleep_until(&self, at: OffsetDateTime) -> impl Future<Output = ()>;
}

/// The system's clock. It sleeps on one timerfd set to the wall-clock moment itself (`CLOCK_REALTIME`,
/// absolute): the moment it rings the process wakes, once. tokio's timer wheel instead wakes at each of its
/// levels on the way to a distant deadline (three times for the next minute, twice for the next second), and
/// a counter that waits for hours at the code field or counts an OTP down each second pays for every wake-up.
/// Where a timerfd cannot be had, tokio's timer serves.
///
/// One sleep at a time: the event loop arms one timer per turn.
#[derive(Clone, Debug)]
pub struct SystemClock {
    timer: Option<Arc<AsyncFd<OwnedFd>>>,
}

impl SystemClock {
    /// The system clock; inside a tokio runtime with I/O enabled (the timerfd is registered with it).
    pub fn new() -> Self {
        match timer() {
            Ok(timer) => Self { timer: Some(Arc::new(timer)) },
            Err(error) => {
                tracing::debug!(error = %error, "no timerfd: the loop sleeps on tokio's timer");
                Self { timer: None }
            }
        }
    }
}

/// A timerfd on the wall clock, registered with the current runtime's reactor. The crate's one `unsafe`: tokio
/// asks the caller to promise the descriptor's I/O safety when registering it.
#[allow(unsafe_code)]
fn timer() -> std::io::Result<AsyncFd<OwnedFd>> {
    tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
    let flags = TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK;
    let fd = rustix::time::timerfd_create(TimerfdClockId::Realtime, flags)?;
    // SAFETY: `fd` is an open descriptor owned by the `AsyncFd` from here on, so it stays the same open
    // descriptor until the `AsyncFd` is dropped.
    unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(|error| error.into_parts().1)
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn sleep_until(&self, at: OffsetDateTime) -> impl Future<Output = ()> {
        let timer = self.timer.clone();
        async move {
            if let Some(timer) = timer
                && arm(&timer, at).is_ok()
            {
                while let Ok(mut ready) = timer.readable().await {
                    // Setting the timer again clears its expirations: nothing to read.
                    ready.clear_ready();
                    if OffsetDateTime::now_utc() >= at {
                        return;
                    }
                }
            }
            let wait = std::time::Duration::try_from(at - OffsetDateTime::now_utc()).unwrap_or_default();
            tokio::time::sleep(wait).await;
        }
    }
}

/// Sets the timer to ring once at `at` (a moment already past rings at once).
fn arm(timer: &AsyncFd<OwnedFd>, at: OffsetDateTime) -> rustix::io::Result<()> {
    let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
    // Zero would disarm the timer: the first nanosecond of the epoch is as past as any other moment.
    let when = Timespec { tv_sec: at.unix_timestamp().max(0), tv_nsec: i64::from(at.nanosecond()).max(1) };
    let spec = Itimerspec { it_interval: zero, it_value: when };
    rustix::time::timerfd_settime(timer.get_ref(), TimerfdTimerFlags::ABSTIME, &spec).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_system_clock_wakes_at_the_moment_and_not_before() {
        let clock = SystemClock::new();
        assert!(clock.timer.is_some(), "Linux has timerfd");
        let at = clock.now() + time::Duration::milliseconds(30);
        clock.sleep_until(at).await;
        assert!(clock.now() >= at);
        // A moment already past: at once; and the timer is reusable after a sleep that was dropped.
        let later = clock.now() + time::Duration::seconds(60);
        assert!(futures_util::FutureExt::now_or_never(clock.sleep_until(later)).is_none());
        clock.sleep_until(clock.now() - time::Duration::seconds(1)).await;
        let soon = clock.now() + time::Duration::milliseconds(10);
        clock.sleep_until(soon).await;
        assert!(clock.now() >= soon);
    }
}
