//! When a delivery is attempted, on the sandbox's clock: Osigu retries for 72 hours with backoff, then
//! abandons (facts §8.2). The instants are fixed offsets from the first attempt, so a test that advances the
//! clock to one of them sees exactly one attempt there, and a clock that jumps over several gets one attempt,
//! not a burst: the next one is the first instant still ahead.

use time::OffsetDateTime;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// Seconds after the first attempt at which each attempt is made: the first at once, then 1 min, 5 min,
/// 30 min, 2 h, 6 h, and every 12 h up to 72 h. Twelve attempts in all.
const ATTEMPT_OFFSETS_SECS: [u64; 12] = [
    0,
    MINUTE,
    5 * MINUTE,
    30 * MINUTE,
    2 * HOUR,
    6 * HOUR,
    12 * HOUR,
    24 * HOUR,
    36 * HOUR,
    48 * HOUR,
    60 * HOUR,
    72 * HOUR,
];

/// The next attempt of a delivery first tried at `first` whose latest attempt failed at `now`: the first
/// scheduled instant after `now`, or `None` when the 72 hours are over (the delivery is abandoned).
pub(crate) fn next_attempt(first: OffsetDateTime, now: OffsetDateTime) -> Option<OffsetDateTime> {
    // Checked: the clock stays far inside the calendar (see `limits::MAX_CLOCK_ADVANCE`), but no instant may panic.
    ATTEMPT_OFFSETS_SECS
        .iter()
        .filter_map(|secs| first.checked_add(time::Duration::seconds(i64::try_from(*secs).ok()?)))
        .find(|at| *at > now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-21 10:00 UTC);

    #[test]
    fn retries_follow_the_table_and_stop_after_72_hours() {
        let mut at = T0;
        let mut attempts = vec![at];
        while let Some(next) = next_attempt(T0, at) {
            attempts.push(next);
            at = next;
        }
        let offsets: Vec<i64> = attempts.iter().map(|at| (*at - T0).whole_minutes()).collect();
        assert_eq!(offsets, [0, 1, 5, 30, 120, 360, 720, 1440, 2160, 2880, 3600, 4320]);
        assert_eq!(*attempts.last().unwrap() - T0, time::Duration::hours(72), "then abandoned");
    }

    #[test]
    fn a_jump_over_several_instants_makes_one_attempt_then_waits_for_the_next() {
        // Tried last at 3 h (the clock jumped from 30 min): the next is at 6 h, not the missed 2 h.
        assert_eq!(next_attempt(T0, T0 + time::Duration::hours(3)), Some(T0 + time::Duration::hours(6)));
        assert_eq!(next_attempt(T0, T0 + time::Duration::hours(72)), None);
        assert_eq!(next_attempt(T0, T0 + time::Duration::seconds(59)), Some(T0 + time::Duration::minutes(1)));
    }
}
