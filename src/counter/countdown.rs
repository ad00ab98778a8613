//! How many seconds a countdown shows: rounded up, so a code sent now reads 5:00 (not 4:59 a moment later), and
//! a wait reads 0:00 (and what it held back is offered) only once the moment has come.

use time::OffsetDateTime;

/// Whole seconds from `now` until `at`, rounded up; zero or less once `at` has come.
pub fn seconds_until(at: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let left = at - now;
    let whole = left.whole_seconds();
    if left.subsec_nanoseconds() > 0 { whole + 1 } else { whole }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_started_second_counts_whole() {
        let now = datetime!(2026-11-21 15:04:00 UTC);
        assert_eq!(seconds_until(now + Duration::seconds(300), now), 300);
        assert_eq!(seconds_until(now + Duration::milliseconds(299_950), now), 300);
        assert_eq!(seconds_until(now + Duration::milliseconds(1), now), 1);
        assert_eq!(seconds_until(now, now), 0);
        assert_eq!(seconds_until(now - Duration::milliseconds(400), now), 0);
        assert_eq!(seconds_until(now - Duration::seconds(3), now), -3);
    }
}
