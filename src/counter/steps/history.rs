//! The day's history (F3): this terminal's dispensations since local midnight, from the journal, with a filter
//! the clerk types into and the end-of-shift totals per sponsor and currency (the screen adds them up).

use rust_decimal::Decimal;
use time::OffsetDateTime;
use tui_input::Input;

use super::{PAGE_LINES, text};
use crate::counter::action::Action;
use crate::counter::app::{App, Purpose, Step};
use crate::counter::effect::Effect;
use crate::counter::msg::Msg;
use crate::counter::offers::Offer;
use crate::osigu::model::Id;

const MAX_FILTER_CHARS: usize = 40;

/// One dispensation of the day, as the journal has it.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    pub started_at: OffsetDateTime,
    pub code: String,
    pub code_type: Option<String>,
    pub sponsor_slug: Option<String>,
    /// `STARTED`, `FINALIZING`, `COMPLETED` or `CANCELLED`.
    pub status: String,
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub claim_id: Option<Id>,
}

/// The history screen.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// `None` while the journal is being read.
    pub rows: Option<Vec<HistoryRow>>,
    /// Why the journal could not be read.
    pub error: Option<String>,
    /// Typed text; rows whose code, sponsor or status contain it (any case) are shown.
    pub filter: Input,
    /// The first row shown.
    pub offset: usize,
}

impl History {
    /// Scroll, filter (typed), back to the code.
    pub(in crate::counter) fn offers(&self) -> (Vec<Offer>, bool) {
        use Action::*;
        let list = vec![
            Offer::on(Back, "hint.back"),
            Offer::on(Down, "hint.scroll"),
            Offer::on(Up, "hint.scroll"),
            Offer::on(PageDown, "hint.scroll"),
            Offer::on(PageUp, "hint.scroll"),
        ];
        (list, true)
    }

    /// The rows the filter lets through, newest first.
    pub fn shown(&self) -> Vec<&HistoryRow> {
        let needle = self.filter.value().trim().to_lowercase();
        let mut rows: Vec<&HistoryRow> = self
            .rows
            .iter()
            .flatten()
            .filter(|row| {
                needle.is_empty()
                    || row.code.to_lowercase().contains(&needle)
                    || row.sponsor_slug.as_deref().unwrap_or("").to_lowercase().contains(&needle)
                    || row.status.to_lowercase().contains(&needle)
            })
            .collect();
        // The journal lists them in the order they started; the latest is what the clerk looks for first.
        rows.reverse();
        rows
    }
}

impl App {
    /// F3: the day's history, from the counter or Done (never over a dispensation in progress).
    pub(in crate::counter) fn open_history(&mut self, effects: &mut Vec<Effect>) {
        if !matches!(self.step, Step::Entry { .. } | Step::Done(_)) {
            return;
        }
        self.go_to_entry();
        self.go(Step::History(History::default()));
        let local = self.session.now.to_offset(self.session.settings.utc_offset);
        let since = local.replace_time(time::Time::MIDNIGHT);
        let id = self.request(Purpose::History);
        effects.push(Effect::LoadHistory { id, since });
    }

    pub(in crate::counter) fn history_loaded(&mut self, rows: Result<Vec<HistoryRow>, String>) {
        let Step::History(history) = &mut self.step else { return };
        match rows {
            Ok(rows) => history.rows = Some(rows),
            Err(error) => {
                history.rows = Some(Vec::new());
                history.error = Some(error);
            }
        }
    }

    pub(in crate::counter) fn history_msg(&mut self, msg: Msg) {
        let Step::History(history) = &mut self.step else { return };
        // Only the keys that move down need to know how many rows the filter lets through.
        let last = || history.shown().len().saturating_sub(1);
        match msg {
            Msg::Edit(request) => {
                text::edit(&mut history.filter, request, MAX_FILTER_CHARS, text::any);
                history.offset = 0;
            }
            Msg::Paste(pasted) => {
                text::paste(&mut history.filter, &pasted, MAX_FILTER_CHARS, text::any);
                history.offset = 0;
            }
            Msg::Up => history.offset = history.offset.saturating_sub(1),
            Msg::Down => history.offset = (history.offset + 1).min(last()),
            Msg::PageUp => history.offset = history.offset.saturating_sub(PAGE_LINES),
            Msg::PageDown => history.offset = (history.offset + PAGE_LINES).min(last()),
            _ => {}
        }
    }
}
