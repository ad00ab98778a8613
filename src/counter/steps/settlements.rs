//! The settlements step: the Dominican radicación from the counter, for supervisors (issue 14, point 3). It is
//! opened by one action ([`Action::Settlements`], from the code screen, or `mostrador settlements`), which a
//! later role check can guard; nothing here decides who may. The rules of what is chosen and totalled live in
//! [`crate::settlements::Board`]; this step owns the focus, the invoice fields as typed, and the requests.
//!
//! Enter on the sponsor opens (or finds open) the batch of that sponsor and period and reads its pending claims;
//! `+`/`-` put a claim in or out; Enter on the invoice attaches the chosen claims and submits the batch; a 400
//! puts the server's words next to each field it names. Ctrl-R reads the batches again, and every key on this
//! screen also reads what the webhook receiver recorded, so a decision shows without a timer. Ctrl-E writes the
//! selected batch as CSV.

use tui_input::Input;

use super::text;
use crate::counter::action::Action;
use crate::counter::app::{App, Purpose, Session, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{NextStep, from_client};
use crate::osigu::error::ClientError;
use crate::osigu::model::{Id, Settlement};
use crate::settlements::{BatchLine, BatchSponsor, Board, InvoiceField};

/// The longest invoice number typed (the server's limit is 20; the field refuses more than it could accept).
const MAX_INVOICE_CHARS: usize = 20;
/// `YYYY-MM-DD`.
const DATE_CHARS: usize = 10;

/// Where the keys go on the settlements screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettlementsFocus {
    /// The sponsor (↑/↓) and the period (+/-).
    Sponsor,
    /// The pending claims: ↑/↓ and +/-.
    Claims,
    InvoiceNumber,
    InvoiceDate,
    /// The pharmacy's batches: ↑/↓, Ctrl-E.
    Batches,
}

/// What a request of this screen was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettlementAsk {
    List,
    Recorded,
    Open,
    Pending,
    Attach,
    Complete,
    /// A batch read whole to be exported.
    ForExport,
    Export,
}

/// A line under the screen's title saying how the last thing went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettlementsNotice {
    /// The batch was submitted with this invoice; the sponsor answers later (a webhook, or Ctrl-R).
    Submitted { id: Id, invoice: String },
    /// The batch holds no claim yet and none is chosen.
    NothingChosen,
    /// No pending claim for this sponsor and period.
    NoPending,
    /// The batch was written as CSV at this path.
    Exported { path: String },
    /// The CSV could not be written (the reason, in the log's words).
    NotExported,
}

/// The settlements screen.
#[derive(Clone, Debug)]
pub struct SettlementsStep {
    pub board: Board,
    pub focus: SettlementsFocus,
    pub invoice_number: Input,
    pub invoice_date: Input,
    /// The batch the cursor is on in the list.
    pub selected: usize,
    pub notice: Option<SettlementsNotice>,
    /// The server's list as last read, kept to merge with what the receiver records.
    server: Vec<Settlement>,
    /// The receiver's records as last read.
    recorded: Vec<BatchLine>,
}

/// What a key asks of the App.
enum Next {
    Stay,
    Open,
    Submit,
    Refresh,
    Export,
}

impl SettlementsStep {
    /// The screen on the month of `now`, with `sponsors` (the BATCH ones).
    pub fn new(sponsors: Vec<BatchSponsor>, today: time::Date) -> Self {
        let period = format!("{:04}-{:02}", today.year(), u8::from(today.month()));
        let date = format!("{period}-{:02}", today.day());
        Self {
            board: Board::new(sponsors, &period, &date),
            focus: SettlementsFocus::Sponsor,
            invoice_number: Input::default(),
            invoice_date: Input::new(date),
            selected: 0,
            notice: None,
            server: Vec::new(),
            recorded: Vec::new(),
        }
    }

    /// What the keys do here.
    pub(in crate::counter) fn offers(&self) -> (Vec<Offer>, bool) {
        use Action::*;
        let board = &self.board;
        let mut list = match self.focus {
            SettlementsFocus::Sponsor => vec![
                Offer::when(board.sponsor().is_some(), Continue, "hint.open_batch"),
                Offer::when(board.sponsors.len() > 1, Up, "hint.sponsor"),
                Offer::when(board.sponsors.len() > 1, Down, "hint.sponsor"),
                Offer::on(Increase, "hint.period"),
                Offer::on(Decrease, "hint.period"),
            ],
            SettlementsFocus::Claims => vec![
                Offer::when(!board.pending.is_empty(), Continue, "hint.to_invoice"),
                Offer::when(!board.pending.is_empty(), Increase, "hint.include"),
                Offer::when(!board.pending.is_empty(), Decrease, "hint.exclude"),
                Offer::when(board.pending.len() > 1, Up, "hint.browse"),
                Offer::when(board.pending.len() > 1, Down, "hint.browse"),
            ],
            SettlementsFocus::InvoiceNumber | SettlementsFocus::InvoiceDate => {
                vec![Offer::when(board.open.is_some(), Continue, "hint.submit_batch")]
            }
            SettlementsFocus::Batches => vec![
                Offer::when(!board.batches.is_empty(), Export, "hint.export"),
                Offer::when(board.batches.len() > 1, Up, "hint.browse"),
                Offer::when(board.batches.len() > 1, Down, "hint.browse"),
            ],
        };
        list.extend([
            Offer::on(NextField, "hint.fields"),
            Offer::on(PrevField, "hint.fields"),
            Offer::on(Refresh, "hint.refresh"),
            Offer::on(Back, "hint.back"),
        ]);
        let typing = matches!(self.focus, SettlementsFocus::InvoiceNumber | SettlementsFocus::InvoiceDate);
        (list, typing)
    }

    /// The focus order: the claims and the invoice only while a batch is open.
    fn cycle(&mut self, forward: bool) {
        use SettlementsFocus::*;
        let order: &[SettlementsFocus] = if self.board.open.is_some() {
            &[Sponsor, Claims, InvoiceNumber, InvoiceDate, Batches]
        } else {
            &[Sponsor, Batches]
        };
        let at = order.iter().position(|focus| *focus == self.focus).unwrap_or(0);
        let next = if forward { (at + 1) % order.len() } else { (at + order.len() - 1) % order.len() };
        self.focus = order[next];
    }

    /// The period one month earlier or later.
    fn shift_period(&mut self, later: bool) {
        let Some((year, month)) = self.board.period.split_once('-') else { return };
        let (Ok(year), Ok(month)) = (year.parse::<i32>(), month.parse::<u8>()) else { return };
        let index = year * 12 + i32::from(month) - 1 + if later { 1 } else { -1 };
        self.board.period = format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1);
        // Another period: the batch on screen is not its batch.
        self.board.open = None;
        self.board.pending.clear();
        self.board.chosen.clear();
    }

    fn on_msg(&mut self, msg: Msg) -> Next {
        use SettlementsFocus::*;
        match (self.focus, msg) {
            (_, Msg::NextField) => self.cycle(true),
            (_, Msg::PrevField) => self.cycle(false),
            (_, Msg::Refresh) => {
                // What it said is about the list before this reading.
                self.notice = None;
                return Next::Refresh;
            }
            (Sponsor, Msg::Submit) => return Next::Open,
            (Sponsor, Msg::Up) => {
                self.board.sponsor = self.board.sponsor.saturating_sub(1);
                self.shift_period_none();
            }
            (Sponsor, Msg::Down) => {
                self.board.sponsor = (self.board.sponsor + 1).min(self.board.sponsors.len().saturating_sub(1));
                self.shift_period_none();
            }
            (Sponsor, Msg::Increase) => self.shift_period(true),
            (Sponsor, Msg::Decrease) => self.shift_period(false),
            (Claims, Msg::Up) => self.board.move_cursor(false),
            (Claims, Msg::Down) => self.board.move_cursor(true),
            (Claims, Msg::Increase) => self.set_chosen(true),
            (Claims, Msg::Decrease) => self.set_chosen(false),
            (Claims, Msg::Submit) => self.focus = InvoiceNumber,
            (InvoiceNumber | InvoiceDate, Msg::Submit) => return Next::Submit,
            (InvoiceNumber, Msg::Edit(request)) => {
                text::edit(&mut self.invoice_number, request, MAX_INVOICE_CHARS, |c| c.is_ascii_graphic());
                self.board.errors.remove(&InvoiceField::Number);
            }
            (InvoiceNumber, Msg::Paste(pasted)) => {
                text::paste(&mut self.invoice_number, &pasted, MAX_INVOICE_CHARS, |c| c.is_ascii_graphic());
            }
            (InvoiceDate, Msg::Edit(request)) => {
                text::edit(&mut self.invoice_date, request, DATE_CHARS, |c| c.is_ascii_digit() || c == '-');
                self.board.errors.remove(&InvoiceField::Date);
            }
            (Batches, Msg::Up) => self.selected = self.selected.saturating_sub(1),
            (Batches, Msg::Down) => self.selected = (self.selected + 1).min(self.board.batches.len().saturating_sub(1)),
            (Batches, Msg::Export) => return Next::Export,
            _ => {}
        }
        Next::Stay
    }

    /// Another sponsor: its batch is not the one on screen.
    fn shift_period_none(&mut self) {
        self.board.open = None;
        self.board.pending.clear();
        self.board.chosen.clear();
    }

    fn set_chosen(&mut self, chosen: bool) {
        if let Some(slot) = self.board.chosen.get_mut(self.board.cursor) {
            *slot = chosen;
        }
    }

    /// Enter on the invoice: attach the chosen claims (unless the batch holds claims already: a submit the server
    /// refused is tried again as it is), then submit (once the attachment is answered).
    fn submit(&mut self, session: &mut Session) -> Option<Effect> {
        self.board.invoice_number = self.invoice_number.value().to_owned();
        self.board.invoice_date = self.invoice_date.value().to_owned();
        let attached = self.board.open.as_ref().is_some_and(|batch| !batch.authorizations.is_empty());
        if attached {
            return self.complete(session);
        }
        let Some((id, request)) = self.board.attach_request() else {
            self.notice = Some(SettlementsNotice::NothingChosen);
            return None;
        };
        let key = session.key("settlement-attach");
        Some(session.call(Purpose::Settlement(SettlementAsk::Attach), Call::AttachAuthorizations { id, request, key }))
    }

    /// Invoice and submit the open batch.
    fn complete(&mut self, session: &mut Session) -> Option<Effect> {
        let (id, request) = self.board.complete_request()?;
        let key = session.key("settlement-complete");
        Some(session.call(Purpose::Settlement(SettlementAsk::Complete), Call::CompleteSettlement { id, request, key }))
    }

    /// The lists merged again after either source changed.
    fn merge(&mut self) {
        self.board.batches_read(&self.server, &self.recorded);
        self.selected = self.selected.min(self.board.batches.len().saturating_sub(1));
    }
}

impl App {
    /// Ctrl-L (or `mostrador settlements`): the settlement batches, from the code screen or Done. Reads the batches
    /// and what the receiver recorded at once.
    pub(in crate::counter) fn open_settlements(&mut self, effects: &mut Vec<Effect>) {
        // Asked for once (`mostrador settlements`): after it, the screen opens only from its key.
        self.session.settings.open_settlements = false;
        if !matches!(self.step, Step::Entry { .. } | Step::Done(_)) || !self.session.may_settle() {
            return;
        }
        self.go_to_entry();
        let today = self.session.now.to_offset(self.session.settings.utc_offset).date();
        let sponsors = self.batch_sponsors();
        self.go(Step::Settlements(Box::new(SettlementsStep::new(sponsors, today))));
        self.refresh_settlements(effects);
    }

    /// The BATCH sponsors among the configurations the counter holds (prefetched when it opened).
    fn batch_sponsors(&self) -> Vec<BatchSponsor> {
        let sponsors = &self.session.sponsors;
        let configurations: Vec<_> =
            sponsors.configurations.values().map(|(configuration, _)| configuration.clone()).collect();
        BatchSponsor::among(&sponsors.list, &configurations)
    }

    /// Ctrl-R: the server's list and the receiver's records.
    fn refresh_settlements(&mut self, effects: &mut Vec<Effect>) {
        effects.push(self.call(Purpose::Settlement(SettlementAsk::List), Call::Settlements));
        self.load_recorded(effects);
    }

    fn load_recorded(&mut self, effects: &mut Vec<Effect>) {
        let id = self.request(Purpose::Settlement(SettlementAsk::Recorded));
        effects.push(Effect::LoadSettlements { id });
    }

    /// The BATCH sponsors as the configurations now say, on the settlements screen: they arrive after it opens
    /// when `mostrador settlements` opens it with the counter.
    pub(in crate::counter) fn follow_batch_sponsors(&mut self) {
        if !matches!(self.step, Step::Settlements(_)) {
            return;
        }
        let sponsors = self.batch_sponsors();
        let Step::Settlements(step) = &mut self.step else { return };
        if step.board.sponsors != sponsors {
            step.board.sponsors = sponsors;
            step.board.sponsor = step.board.sponsor.min(step.board.sponsors.len().saturating_sub(1));
        }
    }

    /// A key on the settlements screen.
    pub(in crate::counter) fn settlements_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let Step::Settlements(step) = &mut self.step else { return };
        let next = step.on_msg(msg);
        // What the webhook receiver recorded, read at each key: a decision shows without a timer.
        let refresh = matches!(next, Next::Refresh);
        match next {
            Next::Stay | Next::Refresh => {}
            Next::Open => {
                if let Some(request) = step.board.open_request() {
                    step.notice = None;
                    let key = self.session.key("settlement-open");
                    effects.push(
                        self.call(Purpose::Settlement(SettlementAsk::Open), Call::OpenSettlement { request, key }),
                    );
                }
            }
            Next::Submit => effects.extend(step.submit(&mut self.session)),
            Next::Export => {
                if let Some(line) = step.board.batches.get(step.selected) {
                    let id = line.id.clone();
                    effects.push(self.call(Purpose::Settlement(SettlementAsk::ForExport), Call::Settlement { id }));
                }
            }
        }
        if refresh {
            self.refresh_settlements(effects);
        } else {
            self.load_recorded(effects);
        }
    }

    /// A reply to a request of the settlements screen (dropped when the screen is gone).
    pub(in crate::counter) fn settlement_replied(
        &mut self,
        ask: SettlementAsk,
        reply: Result<Reply, ClientError>,
        effects: &mut Vec<Effect>,
    ) {
        let Step::Settlements(step) = &mut self.step else { return };
        match (ask, reply) {
            (SettlementAsk::List, Ok(Reply::Settlements(list))) => {
                step.server = list;
                step.merge();
            }
            (SettlementAsk::Open, Ok(Reply::Settlement(batch))) => {
                let id = batch.settlement_id.clone();
                step.board.opened(*batch);
                effects
                    .push(self.call(Purpose::Settlement(SettlementAsk::Pending), Call::PendingAuthorizations { id }));
            }
            (SettlementAsk::Pending, Ok(Reply::PendingAuthorizations(pending))) => {
                let attached = step.board.open.as_ref().is_some_and(|batch| !batch.authorizations.is_empty());
                if pending.is_empty() && !attached {
                    step.notice = Some(SettlementsNotice::NoPending);
                }
                step.board.pending_read(pending);
                step.focus = if attached { SettlementsFocus::InvoiceNumber } else { SettlementsFocus::Claims };
            }
            (SettlementAsk::Attach, Ok(Reply::Settlement(batch))) => {
                step.board.open = Some(*batch);
                effects.extend(step.complete(&mut self.session));
            }
            (SettlementAsk::Complete, Ok(Reply::Settlement(batch))) => {
                let id = batch.settlement_id.clone();
                let invoice = batch.invoice_number.clone().unwrap_or_default();
                step.server.retain(|known| known.settlement_id != id);
                step.server.insert(0, (*batch).clone());
                step.board.submitted(*batch);
                step.invoice_number = Input::default();
                step.notice = Some(SettlementsNotice::Submitted { id, invoice });
                step.focus = SettlementsFocus::Batches;
                step.merge();
                step.selected = 0;
            }
            (SettlementAsk::Complete, Err(error)) if step.board.refused(&error) => {
                step.focus = if step.board.errors.contains_key(&InvoiceField::Number) {
                    SettlementsFocus::InvoiceNumber
                } else {
                    SettlementsFocus::InvoiceDate
                };
            }
            (SettlementAsk::ForExport, Ok(Reply::Settlement(batch))) => {
                let id = self.request(Purpose::Settlement(SettlementAsk::Export));
                effects.push(Effect::ExportSettlement { id, batch });
            }
            (_, Err(error)) => self.show(from_client(&error, "", NextStep::Retry)),
            (ask, Ok(_)) => tracing::warn!(?ask, "a settlement reply of another kind was ignored"),
        }
    }

    /// What the receiver recorded, read for the screen.
    pub(in crate::counter) fn settlements_recorded(&mut self, rows: Result<Vec<BatchLine>, String>) {
        let Step::Settlements(step) = &mut self.step else { return };
        match rows {
            Ok(rows) => {
                step.recorded = rows;
                step.merge();
            }
            Err(error) => tracing::warn!(%error, "the recorded settlement states could not be read"),
        }
    }

    /// The CSV export finished.
    pub(in crate::counter) fn exported(&mut self, result: Result<String, String>) {
        let Step::Settlements(step) = &mut self.step else { return };
        step.notice = Some(match result {
            Ok(path) => SettlementsNotice::Exported { path },
            Err(error) => {
                tracing::warn!(%error, "a settlement batch could not be exported");
                SettlementsNotice::NotExported
            }
        });
    }
}
