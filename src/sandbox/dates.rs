//! The contract's two ways of writing time: RFC 3339 instants (`2026-06-25T16:00:00Z`) and plain dates
//! (`2026-06-25`), written and read in one place.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

/// An instant as the contract writes it.
pub(crate) fn rfc3339(instant: OffsetDateTime) -> String {
    instant.format(&Rfc3339).unwrap_or_default()
}

/// `now + after`, or `None` past the calendar's end: configured durations are added with this, so that no value
/// can make a request panic (they are range-checked at start as well).
pub(crate) fn later(now: OffsetDateTime, after: std::time::Duration) -> Option<OffsetDateTime> {
    time::Duration::try_from(after).ok().and_then(|after| now.checked_add(after))
}

/// `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// An RFC 3339 instant, or a date read as its first second (or, with `end_of_day`, its last).
pub(crate) fn parse_instant_or_date(text: &str, end_of_day: bool) -> Option<OffsetDateTime> {
    if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(instant);
    }
    let time = if end_of_day { Time::from_hms(23, 59, 59).ok()? } else { Time::MIDNIGHT };
    parse_date(text).map(|date| date.with_time(time).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reads_instants_and_whole_days() {
        assert_eq!(parse_instant_or_date("2026-11-21T10:20:00Z", false), Some(datetime!(2026-11-21 10:20 UTC)));
        assert_eq!(parse_instant_or_date("2026-11-21", false), Some(datetime!(2026-11-21 0:00 UTC)));
        assert_eq!(parse_instant_or_date("2026-11-21", true), Some(datetime!(2026-11-21 23:59:59 UTC)));
        assert_eq!(parse_instant_or_date("yesterday", false), None);
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(rfc3339(datetime!(2026-11-21 10:00 UTC)), "2026-11-21T10:00:00Z");
    }
}
