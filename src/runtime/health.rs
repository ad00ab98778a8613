//! How the connection is doing, from the calls the executor made: the status bar's ok / slow / down. Only the
//! last few calls count, so the light recovers as soon as the network does. The executor tells the core when the
//! light changes (`Msg::Health`), never on every call.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::counter::Health;

/// A call slower than this makes the connection "slow".
const SLOW: Duration = Duration::from_secs(2);
/// Calls remembered.
const WINDOW: usize = 5;

/// What the last calls found.
#[derive(Debug, Default)]
pub struct HealthLog {
    calls: Mutex<Calls>,
}

#[derive(Debug, Default)]
struct Calls {
    last: VecDeque<Observation>,
    /// A call at least this slow makes the connection "slow" ([`SLOW`] unless set).
    slow: Option<Duration>,
    /// The light as last reported.
    reported: Health,
}

#[derive(Clone, Copy, Debug)]
struct Observation {
    took: Duration,
    /// The server answered (any status); false for refused connections, timeouts, resets, TLS failures.
    reached: bool,
}

impl HealthLog {
    /// A call at least `slow` long makes the connection "slow" (the screen tests, on a busy machine, say never).
    pub fn slow_after(&self, slow: Duration) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.slow = Some(slow);
        }
    }

    /// Notes one finished call; the light, when this call changed it.
    pub fn record(&self, took: Duration, reached: bool) -> Option<Health> {
        let Ok(mut calls) = self.calls.lock() else { return None };
        if calls.last.len() == WINDOW {
            calls.last.pop_front();
        }
        calls.last.push_back(Observation { took, reached });
        let health = calls.health();
        (health != std::mem::replace(&mut calls.reported, health)).then_some(health)
    }

    /// The light as the remembered calls set it.
    pub fn health(&self) -> Health {
        self.calls.lock().map_or(Health::Unknown, |calls| calls.health())
    }
}

impl Calls {
    /// Down if the last call could not reach the server; slow if any remembered call took seconds.
    fn health(&self) -> Health {
        let slow = self.slow.unwrap_or(SLOW);
        match self.last.back() {
            None => Health::Unknown,
            Some(last) if !last.reached => Health::Down,
            Some(_) if self.last.iter().any(|call| call.reached && call.took >= slow) => Health::Slow,
            Some(_) => Health::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_light_follows_the_last_calls() {
        let log = HealthLog::default();
        assert_eq!(log.health(), Health::Unknown);
        assert_eq!(log.record(Duration::from_millis(20), true), Some(Health::Ok));
        assert_eq!(log.record(Duration::from_millis(30), true), None, "only a change is reported");
        assert_eq!(log.record(Duration::from_secs(3), true), Some(Health::Slow));
        assert_eq!(log.record(Duration::from_secs(3), false), Some(Health::Down));
        let changes: Vec<_> = (0..WINDOW).filter_map(|_| log.record(Duration::from_millis(20), true)).collect();
        assert_eq!(changes, [Health::Slow, Health::Ok], "reachable again, then fast once the slow calls are out");
        assert_eq!(log.health(), Health::Ok);
    }
}
