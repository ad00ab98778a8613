//! How the connection is doing, from the calls the executor made: the status bar's ok / slow / down. Only the
//! last few calls count, so the light recovers as soon as the network does.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::ui::Health;

/// A call slower than this makes the connection "slow".
const SLOW: Duration = Duration::from_secs(2);
/// Calls remembered.
const WINDOW: usize = 5;

/// What the last calls found.
#[derive(Debug, Default)]
pub struct HealthLog {
    calls: Mutex<VecDeque<Observation>>,
}

#[derive(Clone, Copy, Debug)]
struct Observation {
    took: Duration,
    /// The server answered (any status); false for refused connections, timeouts, resets, TLS failures.
    reached: bool,
}

impl HealthLog {
    /// Notes one finished call.
    pub fn record(&self, took: Duration, reached: bool) {
        let Ok(mut calls) = self.calls.lock() else { return };
        if calls.len() == WINDOW {
            calls.pop_front();
        }
        calls.push_back(Observation { took, reached });
    }

    /// Down if the last call could not reach the server; slow if any remembered call took seconds.
    pub fn health(&self) -> Health {
        let Ok(calls) = self.calls.lock() else { return Health::Unknown };
        match calls.back() {
            None => Health::Unknown,
            Some(last) if !last.reached => Health::Down,
            Some(_) if calls.iter().any(|call| call.reached && call.took >= SLOW) => Health::Slow,
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
        log.record(Duration::from_millis(20), true);
        assert_eq!(log.health(), Health::Ok);
        log.record(Duration::from_secs(3), true);
        assert_eq!(log.health(), Health::Slow);
        log.record(Duration::from_secs(3), false);
        assert_eq!(log.health(), Health::Down);
        for _ in 0..WINDOW {
            log.record(Duration::from_millis(20), true);
        }
        assert_eq!(log.health(), Health::Ok, "recovers once the slow call is out of the window");
    }
}
