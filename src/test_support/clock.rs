//! A clock that moves only when the test moves it: the event loop's timers fire when it passes them.

use std::future::Future;
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::watch;

use crate::runtime::Clock;

/// A clock set by hand; clones share it.
#[derive(Clone, Debug)]
pub struct ManualClock {
    now: Arc<watch::Sender<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: OffsetDateTime) -> Self {
        Self { now: Arc::new(watch::Sender::new(at)) }
    }

    /// Moves the clock to `at`, waking whatever slept until then.
    pub fn set(&self, at: OffsetDateTime) {
        self.now.send_replace(at);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: OffsetDateTime) -> impl Future<Output = ()> {
        let mut moved = self.now.subscribe();
        async move {
            // The sender lives as long as the clock, so waiting ends only when the time comes.
            let _ = moved.wait_for(|now| *now >= at).await;
        }
    }
}
