//! The store's timetable: every moment at which time alone changes something (a dispensation times out, a
//! remote challenge approves itself or lapses, a sponsor answers a settlement batch or a pre-authorization
//! request, a POSOS scan imports by itself), in order. A request checks only the first entry, and the
//! sweeper sleeps until it; an entry whose subject has moved on meanwhile is simply dropped when it comes due.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::osigu::model::Id;

/// What comes due.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Due {
    /// A STARTED dispensation reaches its `timeout_at`.
    DispensationTimeout(Id),
    /// A pending challenge reaches its auto-approval or its expiry.
    ChallengeDecision(Id),
    /// A submitted settlement batch reaches the moment its sponsor answers.
    SettlementDecision(Id),
    /// A pre-authorization request completed with an ASYNC sponsor reaches the moment its sponsor answers.
    AuthorizationDecision(Id),
    /// A POSOS scan session (by its token) reaches the moment it imports by itself.
    PososAutoImport(Id),
}

#[derive(Debug, Default)]
pub(crate) struct Timetable(BTreeSet<(OffsetDateTime, Due)>);

impl Timetable {
    pub fn schedule(&mut self, at: OffsetDateTime, due: Due) {
        self.0.insert((at, due));
    }

    /// The earliest entry, if any.
    pub fn next(&self) -> Option<OffsetDateTime> {
        self.0.first().map(|(at, _)| *at)
    }

    /// Takes the earliest entry if it is due at `now`.
    pub fn pop_due(&mut self, now: OffsetDateTime) -> Option<Due> {
        if self.next()? > now {
            return None;
        }
        self.0.pop_first().map(|(_, due)| due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn entries_come_due_in_time_order_and_not_before() {
        let mut timetable = Timetable::default();
        timetable.schedule(datetime!(2026-11-21 10:30 UTC), Due::DispensationTimeout(Id::new("dsp_b")));
        timetable.schedule(datetime!(2026-11-21 10:08 UTC), Due::ChallengeDecision(Id::new("chl_a")));
        assert_eq!(timetable.next(), Some(datetime!(2026-11-21 10:08 UTC)));
        assert_eq!(timetable.pop_due(datetime!(2026-11-21 10:07 UTC)), None);
        let now = datetime!(2026-11-21 11:00 UTC);
        assert_eq!(timetable.pop_due(now), Some(Due::ChallengeDecision(Id::new("chl_a"))));
        assert_eq!(timetable.pop_due(now), Some(Due::DispensationTimeout(Id::new("dsp_b"))));
        assert_eq!(timetable.pop_due(now), None);
    }
}
