//! The history (F3) and "today at this till": what the journal says this till dispensed.
//!
//! F3 lists one day of this till's dispensations (today when it opens), newest first, with the day's
//! end-of-shift totals per sponsor and currency; PgUp and PgDn go to the day before and after. The clerk types
//! into a filter: a word narrows the day's rows, and text that looks like a code (or an invoice number) searches
//! the whole journal instead, every day and every till. The rows the filter lets through and the totals are
//! worked out when the rows or the filter change and kept in the state: a key that moves the selection costs
//! nothing, and the screen draws what is kept.
//!
//! The code screen's "today at this till" ([`crate::counter::Session::recent`]) is the same day's rows, read when
//! the counter opens and again each time a dispensation ends, so it survives a restart.

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};
use tui_input::Input;

use super::text;
use crate::counter::action::Action;
use crate::counter::app::{App, Purpose, Session, Sponsors, Step};
use crate::counter::effect::Effect;
use crate::counter::msg::Msg;
use crate::counter::offers::Offer;
use crate::osigu::model::Id;
use crate::osigu::model::money::Overflow;

const MAX_FILTER_CHARS: usize = 40;

/// The most rows a search across the journal brings back (the newest).
pub const SEARCH_LIMIT: usize = 200;

/// Where a dispensation stands, as the journal has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    /// Started, and neither completed nor cancelled (another till's counter may have it open).
    Open,
    /// The completion was sent and its outcome is not on record yet.
    Finalizing,
    /// To be cancelled, never completed.
    Cancelling,
    Completed,
    Cancelled,
    /// A paper prescription's pre-authorization the sponsor has not answered (or whose answer is not known).
    PaperPending,
    /// A paper prescription's pre-authorization approved: Enter opens its code.
    PaperApproved,
    PaperRejected,
    /// A paper prescription sold without insurance.
    PaperSale,
}

impl RowStatus {
    /// It was completed: it has a receipt.
    pub fn completed(self) -> bool {
        self == Self::Completed
    }

    /// A paper prescription's row that Enter acts on: pending (ask the sponsor again) or approved (open the code).
    pub fn paper_actionable(self) -> bool {
        matches!(self, Self::PaperPending | Self::PaperApproved)
    }

    /// The journal's word for it (`COMPLETED`, …); one this build does not know is taken as still open.
    pub fn from_journal(status: &str) -> Self {
        match status {
            "COMPLETED" => Self::Completed,
            "CANCELLED" => Self::Cancelled,
            "FINALIZING" => Self::Finalizing,
            "CANCELLING" => Self::Cancelling,
            _ => Self::Open,
        }
    }
}

/// One dispensation, as the journal has it.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    pub dispensation_id: String,
    pub started_at: OffsetDateTime,
    /// When it was completed (or cancelled); `None` while it is neither.
    pub ended_at: Option<OffsetDateTime>,
    /// The till that dispensed it (a search lists every till's).
    pub till: String,
    pub code: String,
    pub sponsor_slug: Option<String>,
    pub status: RowStatus,
    pub amount: Option<Decimal>,
    /// What the sponsor owes of `amount`, as the completion's reply said (none when it did not).
    pub sponsor_amount: Option<Decimal>,
    /// What the patient paid of `amount`, as the completion's reply said (none when it did not).
    pub patient_amount: Option<Decimal>,
    pub currency: Option<String>,
    pub invoice_number: Option<String>,
    pub claim_id: Option<Id>,
    /// The clerk who dispensed it, by name (by id when the clerk is no longer known); none without clerks.
    pub clerk: Option<String>,
    /// For a paper prescription's row: the journal's key of it and Osigu's id of its request.
    pub paper: Option<PaperRef>,
}

/// Which paper prescription a history row is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaperRef {
    /// Its key in the journal (the create request's Idempotency-Key).
    pub key: String,
    pub request_id: Option<String>,
}

impl HistoryRow {
    /// How the row's amount was shared, `(sponsor, patient)`: as the server said, or, for a cash prescription,
    /// all the patient's. `None` for a sponsor's dispensation whose completion did not say.
    pub fn split(&self) -> Option<(Decimal, Decimal)> {
        match (self.sponsor_amount, self.patient_amount) {
            (Some(sponsor), Some(patient)) => Some((sponsor, patient)),
            _ if self.sponsor_slug.is_none() => Some((Decimal::ZERO, self.amount.unwrap_or_default())),
            _ => None,
        }
    }
}

/// What the history asks the journal for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryQuery {
    /// This till's dispensations started in `[from, to)`: one local day, newest first.
    Day { from: OffsetDateTime, to: OffsetDateTime },
    /// Every till's dispensations of any day whose code or invoice number contains `text`, newest first, at most
    /// [`SEARCH_LIMIT`].
    Code { text: String },
}

/// Rows read from the journal, or on their way.
#[derive(Clone, Debug, PartialEq)]
pub enum Listing {
    Loading,
    Loaded(Vec<HistoryRow>),
    /// Why the journal could not be read.
    Failed(String),
}

impl Listing {
    fn rows(&self) -> &[HistoryRow] {
        match self {
            Self::Loaded(rows) => rows,
            Self::Loading | Self::Failed(_) => &[],
        }
    }
}

/// One part of the end-of-shift totals: the completed dispensations of one sponsor in one currency.
#[derive(Clone, Debug, PartialEq)]
pub struct Total {
    /// `None`: cash prescriptions (no sponsor).
    pub sponsor_slug: Option<String>,
    pub currency: Option<String>,
    /// `Err` when the sum is past what a decimal holds (only a hostile journal gets there).
    pub amount: Result<Decimal, Overflow>,
    /// What the sponsor owes for them: the sum of the sponsor's shares the server sent (zero for cash).
    pub sponsor: Result<Decimal, Overflow>,
    /// What their patients paid.
    pub patient: Result<Decimal, Overflow>,
    pub count: usize,
    /// Of `count`, those whose completion did not say how the total was shared (left out of `sponsor` and
    /// `patient`): their patients paid what the sponsor's rules say.
    pub unshared: usize,
}

/// What the cash drawer must hold in one currency at the end of the shift: what the patients paid.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawer {
    pub currency: Option<String>,
    pub patient: Result<Decimal, Overflow>,
    /// Completed dispensations in this currency whose patient share is not known (left out of `patient`).
    pub unshared: usize,
}

/// The history screen.
#[derive(Clone, Debug)]
pub struct History {
    /// The day listed, on the counter's calendar.
    pub day: Date,
    /// Today on the counter's calendar: there is no day after it to go to.
    pub today: Date,
    /// The day's rows at this till, newest first.
    pub listing: Listing,
    /// While the filter looks like a code: the text searched for (upper case) across the whole journal, and what
    /// was found. The day's rows stay loaded underneath.
    pub search: Option<(String, Listing)>,
    /// Typed text: a word narrows the day's rows (code, sponsor, invoice, claim); a code searches every day.
    pub filter: Input,
    /// The selected row, among those shown.
    pub selected: usize,
    /// Indices of the rows shown, into the listing on screen: worked out when the rows or the filter change.
    shown: Vec<usize>,
    /// The day's end-of-shift totals (completed dispensations), sponsors by slug, cash last: worked out when the
    /// day's rows arrive.
    totals: Vec<Total>,
    /// The day's cash drawer per currency, worked out with the totals.
    drawer: Vec<Drawer>,
    /// The selected dispensation's receipt, as text, while it is shown (Enter).
    pub receipt: Option<Vec<String>>,
    /// The receipt's first line on screen (↑↓ scroll a receipt longer than the window).
    pub receipt_scroll: usize,
}

/// What a key in the history needs from the App.
enum Next {
    Stay,
    /// Read this day.
    Day(Date),
    /// Search the journal for this text.
    Search(String),
}

impl History {
    /// Today's history, its rows on their way.
    fn new(today: Date) -> Self {
        Self {
            day: today,
            today,
            listing: Listing::Loading,
            search: None,
            filter: Input::default(),
            selected: 0,
            shown: Vec::new(),
            totals: Vec::new(),
            drawer: Vec::new(),
            receipt: None,
            receipt_scroll: 0,
        }
    }

    /// The listing on screen: the search's while there is one, else the day's.
    pub fn on_screen(&self) -> &Listing {
        self.search.as_ref().map_or(&self.listing, |(_, found)| found)
    }

    /// The text searched for across the journal, while the filter looks like a code.
    pub fn searching(&self) -> Option<&str> {
        self.search.as_ref().map(|(text, _)| text.as_str())
    }

    /// The rows shown, newest first (kept, not worked out here).
    pub fn shown(&self) -> impl Iterator<Item = &HistoryRow> + '_ {
        let rows = self.on_screen().rows();
        // Every index was taken from these very rows (they are worked out again whenever the rows change).
        self.shown.iter().filter_map(move |&index| rows.get(index))
    }

    /// How many rows are shown.
    pub fn shown_len(&self) -> usize {
        self.shown.len()
    }

    /// The selected row, if any is shown.
    pub fn selected_row(&self) -> Option<&HistoryRow> {
        self.shown.get(self.selected).and_then(|&index| self.on_screen().rows().get(index))
    }

    /// The day's end-of-shift totals: completed dispensations per sponsor and currency, with what each sponsor
    /// owes and what the patients paid.
    pub fn totals(&self) -> &[Total] {
        &self.totals
    }

    /// What the cash drawer must hold at the end of the day, per currency: what the patients paid.
    pub fn drawer(&self) -> &[Drawer] {
        &self.drawer
    }

    /// Back; the day before and after (not past today, not while searching); moving through the rows (when
    /// there are rows to move through). The filter takes text.
    pub(in crate::counter) fn offers(&self, printing: bool) -> (Vec<Offer>, bool) {
        use Action::*;
        if let Some(receipt) = &self.receipt {
            let long = receipt.len() > 10;
            let list = vec![
                Offer::on(Back, "hint.close"),
                Offer::when(printing, Print, "hint.reprint"),
                Offer::when(long, Down, "hint.scroll"),
                Offer::when(long, Up, "hint.scroll"),
            ];
            return (list, false);
        }
        let day_view = self.search.is_none();
        let rows = self.shown_len() > 1;
        let completed = self.selected_row().is_some_and(|row| row.status.completed());
        let go = match self.selected_row().map(|row| row.status) {
            Some(RowStatus::PaperPending) => Offer::on(Continue, "hint.check_now"),
            Some(RowStatus::PaperApproved) => Offer::on(Continue, "hint.open_code"),
            _ => Offer::when(completed, Continue, "hint.show_receipt"),
        };
        let list = vec![
            go,
            Offer::when(completed && printing, Print, "hint.reprint"),
            Offer::on(Back, "hint.back"),
            Offer::when(day_view, PageUp, "hint.previous_day"),
            Offer::when(day_view && self.day < self.today, PageDown, "hint.next_day"),
            Offer::when(rows, Down, "hint.browse"),
            Offer::when(rows, Up, "hint.browse"),
        ];
        (list, true)
    }

    /// A key (or a paste) in the history.
    fn on_msg(&mut self, msg: Msg, sponsors: &Sponsors) -> Next {
        match msg {
            Msg::Edit(request) => {
                text::edit(&mut self.filter, request, MAX_FILTER_CHARS, text::any);
                self.filter_changed(sponsors)
            }
            Msg::Paste(pasted) => {
                text::paste(&mut self.filter, &pasted, MAX_FILTER_CHARS, text::any);
                self.filter_changed(sponsors)
            }
            Msg::Up => {
                self.selected = self.selected.saturating_sub(1);
                Next::Stay
            }
            Msg::Down => {
                self.selected = (self.selected + 1).min(self.shown_len().saturating_sub(1));
                Next::Stay
            }
            Msg::PageUp if self.search.is_none() => self.day.previous_day().map_or(Next::Stay, |day| self.go_to(day)),
            Msg::PageDown if self.search.is_none() && self.day < self.today => {
                self.day.next_day().map_or(Next::Stay, |day| self.go_to(day))
            }
            _ => Next::Stay,
        }
    }

    /// Another day: its rows are read, the filter stays.
    fn go_to(&mut self, day: Date) -> Next {
        self.day = day;
        self.listing = Listing::Loading;
        self.totals.clear();
        self.drawer.clear();
        self.shown.clear();
        self.selected = 0;
        Next::Day(day)
    }

    /// The filter changed: a code searches the journal (once per text), anything else narrows the day.
    fn filter_changed(&mut self, sponsors: &Sponsors) -> Next {
        self.selected = 0;
        let typed = self.filter.value().trim();
        let mut next = Next::Stay;
        if looks_like_code(typed) {
            let text = typed.to_uppercase();
            if self.searching() != Some(text.as_str()) {
                self.search = Some((text.clone(), Listing::Loading));
                next = Next::Search(text);
            }
        } else {
            self.search = None;
        }
        self.refilter(sponsors);
        next
    }

    /// Works out which rows are shown.
    fn refilter(&mut self, sponsors: &Sponsors) {
        let rows = self.on_screen().rows();
        let needle = self.filter.value().trim().to_lowercase();
        self.shown = if self.search.is_some() || needle.is_empty() {
            // A search's rows are what the journal found for the text: all of them are shown.
            (0..rows.len()).collect()
        } else {
            let contains = |text: &str| text.to_lowercase().contains(&needle);
            rows.iter()
                .enumerate()
                .filter(|(_, row)| {
                    contains(&row.code)
                        || row
                            .sponsor_slug
                            .as_deref()
                            .is_some_and(|slug| contains(slug) || contains(sponsors.name_or_slug(slug)))
                        || row.invoice_number.as_deref().is_some_and(contains)
                        || row.claim_id.as_ref().is_some_and(|claim| contains(claim.as_str()))
                })
                .map(|(index, _)| index)
                .collect()
        };
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }

    /// The day's rows arrived (or could not be read).
    fn day_loaded(&mut self, day: Date, rows: Result<Vec<HistoryRow>, String>, sponsors: &Sponsors) {
        if day != self.day {
            return;
        }
        self.listing = match rows {
            Ok(rows) => {
                self.totals = totals_of(&rows);
                self.drawer = drawer_of(&self.totals);
                Listing::Loaded(rows)
            }
            Err(error) => Listing::Failed(error),
        };
        self.refilter(sponsors);
    }

    /// What a search found (or why it could not look).
    fn found(&mut self, text: &str, rows: Result<Vec<HistoryRow>, String>, sponsors: &Sponsors) {
        let Some((searched, listing)) = &mut self.search else { return };
        if searched != text {
            return;
        }
        *listing = match rows {
            Ok(rows) => Listing::Loaded(rows),
            Err(error) => Listing::Failed(error),
        };
        self.refilter(sponsors);
    }
}

/// Whether typed text looks like a code (or an invoice number) rather than a word to narrow the day by: five
/// characters or more, only letters, digits and dashes, and at least three digits (`AUTH-2026-000101`,
/// `000101`, `F001-000002`; not `rx`, `sandbox`).
pub fn looks_like_code(text: &str) -> bool {
    text.chars().count() >= 5
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && text.chars().filter(char::is_ascii_digit).count() >= 3
}

/// `sum + amount`, an overflow staying one.
fn add(sum: Result<Decimal, Overflow>, amount: Decimal) -> Result<Decimal, Overflow> {
    sum.and_then(|sum| sum.checked_add(amount).ok_or(Overflow))
}

/// The end-of-shift totals of `rows`: completed ones, per sponsor and currency, sponsors by slug and cash last.
fn totals_of(rows: &[HistoryRow]) -> Vec<Total> {
    let mut totals: Vec<Total> = Vec::new();
    for row in rows.iter().filter(|row| row.status == RowStatus::Completed) {
        let index = match totals
            .iter()
            .position(|total| total.sponsor_slug == row.sponsor_slug && total.currency == row.currency)
        {
            Some(index) => index,
            None => {
                totals.push(Total {
                    sponsor_slug: row.sponsor_slug.clone(),
                    currency: row.currency.clone(),
                    amount: Ok(Decimal::ZERO),
                    sponsor: Ok(Decimal::ZERO),
                    patient: Ok(Decimal::ZERO),
                    count: 0,
                    unshared: 0,
                });
                totals.len() - 1
            }
        };
        let Some(total) = totals.get_mut(index) else { continue };
        total.amount = add(total.amount, row.amount.unwrap_or_default());
        total.count += 1;
        match row.split() {
            Some((sponsor, patient)) => {
                total.sponsor = add(total.sponsor, sponsor);
                total.patient = add(total.patient, patient);
            }
            None => total.unshared += 1,
        }
    }
    totals.sort_by(|a, b| {
        (a.sponsor_slug.is_none(), &a.sponsor_slug, &a.currency).cmp(&(
            b.sponsor_slug.is_none(),
            &b.sponsor_slug,
            &b.currency,
        ))
    });
    totals
}

/// The cash drawer per currency from the day's `totals`: what the patients paid, currencies in order.
fn drawer_of(totals: &[Total]) -> Vec<Drawer> {
    let mut drawer: Vec<Drawer> = Vec::new();
    for total in totals {
        match drawer.iter_mut().find(|drawer| drawer.currency == total.currency) {
            Some(drawer) => {
                drawer.patient = drawer.patient.and_then(|sum| add(total.patient, sum));
                drawer.unshared += total.unshared;
            }
            None => drawer.push(Drawer {
                currency: total.currency.clone(),
                patient: total.patient,
                unshared: total.unshared,
            }),
        }
    }
    drawer.sort_by(|a, b| a.currency.cmp(&b.currency));
    drawer
}

impl Session {
    /// Today on the counter's calendar.
    fn today(&self) -> Date {
        self.now.to_offset(self.settings.utc_offset).date()
    }

    /// Reads this till's `day` from the journal, for `purpose`.
    pub(in crate::counter) fn load_day(&mut self, purpose: Purpose, day: Date) -> Effect {
        let from = day.midnight().assume_offset(self.settings.utc_offset);
        // A fixed offset has no daylight-saving jumps: a day is 24 hours.
        let to = from.checked_add(time::Duration::DAY).unwrap_or(from);
        let id = self.request(purpose);
        Effect::LoadHistory { id, query: HistoryQuery::Day { from, to } }
    }

    /// Reads "today at this till" again (at opening, and each time a dispensation ends). Queued after the
    /// journal writes asked for before it, so it sees them.
    pub(in crate::counter) fn load_today(&mut self) -> Effect {
        let today = self.today();
        self.load_day(Purpose::Today, today)
    }
}

impl App {
    /// F3: the history, from the counter or Done (never over a dispensation in progress).
    pub(in crate::counter) fn open_history(&mut self, effects: &mut Vec<Effect>) {
        if !matches!(self.step, Step::Entry { .. } | Step::Done(_)) {
            return;
        }
        self.go_to_entry();
        let today = self.session.today();
        self.go(Step::History(History::new(today)));
        effects.push(self.session.load_day(Purpose::HistoryDay { day: today }, today));
    }

    /// Rows the journal read for `purpose`.
    pub(in crate::counter) fn history_loaded(&mut self, purpose: Purpose, rows: Result<Vec<HistoryRow>, String>) {
        let sponsors = &self.session.sponsors;
        match (purpose, &mut self.step) {
            (Purpose::Today, _) => match rows {
                Ok(rows) => self.session.recent = rows,
                // The list keeps what it showed; the journal's own failures are reported by its writes.
                Err(error) => tracing::warn!(%error, "today's dispensations could not be read"),
            },
            (Purpose::HistoryDay { day }, Step::History(history)) => history.day_loaded(day, rows, sponsors),
            (Purpose::HistorySearch { text }, Step::History(history)) => history.found(&text, rows, sponsors),
            _ => {}
        }
    }

    /// A key in the history.
    pub(in crate::counter) fn history_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let Step::History(history) = &mut self.step else { return };
        // A receipt on screen: Esc closes it, F9 prints it again.
        if let Some(receipt) = &history.receipt {
            let last = receipt.len().saturating_sub(1);
            match msg {
                Msg::Back => history.receipt = None,
                Msg::Down => history.receipt_scroll = (history.receipt_scroll + 1).min(last),
                Msg::Up => history.receipt_scroll = history.receipt_scroll.saturating_sub(1),
                Msg::Print => self.fetch_receipt(crate::counter::printing::Wanted::Reprint, effects),
                _ => {}
            }
            return;
        }
        match msg {
            Msg::Submit if history.selected_row().is_some_and(|row| row.status.paper_actionable()) => {
                let row = history.selected_row().cloned();
                return self.open_paper_row(row, effects);
            }
            Msg::Submit => return self.fetch_receipt(crate::counter::printing::Wanted::Show, effects),
            Msg::Print => return self.fetch_receipt(crate::counter::printing::Wanted::Reprint, effects),
            _ => {}
        }
        let Step::History(history) = &mut self.step else { return };
        match history.on_msg(msg, &self.session.sponsors) {
            Next::Stay => {}
            Next::Day(day) => effects.push(self.session.load_day(Purpose::HistoryDay { day }, day)),
            Next::Search(text) => {
                let id = self.session.request(Purpose::HistorySearch { text: text.clone() });
                effects.push(Effect::LoadHistory { id, query: HistoryQuery::Code { text } });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_invoice_numbers_search_words_filter() {
        for code in ["AUTH-2026-000101", "000101", "F001-000002", "rx-2026"] {
            assert!(looks_like_code(code), "{code}");
        }
        for word in ["rx", "sandbox", "2026", "Sponsor Sandbox", "clm_01"] {
            assert!(!looks_like_code(word), "{word}");
        }
    }
}
