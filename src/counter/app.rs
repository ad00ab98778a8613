//! The counter's whole state: which step the clerk is on, the dispensation in progress, what is cached, and
//! which requests are awaited. Screens render it; only [`super::update`] changes it.

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;
use tui_input::Input;

use crate::osigu::error::IdempotencyKey;
use crate::osigu::model::{Dispensation, Id, ProductType, Sponsor, SponsorConfiguration, StartRequest};

use super::msg::ReqId;
use super::problem::Problem;
use super::steps::{Done, Earlier, Finalize, History, HistoryRow, Identify, Packs, Registry, Review, Verify};

/// How long a sponsor's configuration is trusted before it is fetched again (contract §2).
pub const CONFIGURATION_TTL: time::Duration = time::Duration::minutes(10);

/// Facts about where this counter runs, fixed at start-up.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Invoice numbers are this prefix plus the terminal's counter.
    pub invoice_prefix: String,
    /// A per-run random text; idempotency keys are this plus a sequence number, unique across runs and terminals.
    pub key_nonce: String,
    /// The counter's local offset: an invoice is dated by the pharmacy's calendar, not UTC's.
    pub utc_offset: time::UtcOffset,
    /// The clerk's language, for what leaves the screen (the receipt).
    pub locale: crate::i18n::Locale,
    /// The till this counter holds.
    pub till: String,
    /// How receipts are printed; none without a printer.
    pub printing: Option<super::printing::Printing>,
    /// F10 waits until the pack of every line with units has been scanned (`[counter] require_pack_scan`).
    pub require_pack_scan: bool,
    /// Clerks are configured (`mostrador clerks add`): the counter opens on the sign-in.
    pub clerks: bool,
    /// How long without a key before the counter locks (`[counter] lock_after_secs`); `None`: never.
    pub lock_after: Option<time::Duration>,
    /// Open on the settlements screen (`mostrador settlements`) instead of the code.
    pub open_settlements: bool,
    /// POSOS Scan & Go is configured (or the embedded sandbox's stand-in is there): paper prescriptions are
    /// offered on the code screen.
    pub paper: bool,
}

impl Default for Settings {
    /// The shipped invoice prefix, no nonce, UTC, Spanish, the first till, no printer, no clerks, no idle lock
    /// (the configuration's default lock, 120 s, comes with `[counter]`).
    fn default() -> Self {
        Self {
            invoice_prefix: "F001-".to_owned(),
            key_nonce: String::new(),
            utc_offset: time::UtcOffset::UTC,
            locale: crate::i18n::Locale::Es,
            till: "caja-1".to_owned(),
            printing: None,
            require_pack_scan: false,
            clerks: false,
            lock_after: None,
            open_settlements: false,
            paper: true,
        }
    }
}

/// The counter: what lasts across dispensations ([`Session`]), the dispensation in progress, and the step on screen
/// with whatever is drawn over it.
#[derive(Debug)]
pub struct App {
    pub session: Session,
    pub step: Step,
    /// A problem on screen, over the step, until the clerk acts on it.
    pub problem: Option<Problem>,
    /// The dispensation in progress (STARTED on the server) with everything learned about it.
    pub active: Option<Active>,
    /// The clerk asked to quit; the program exits once nothing is left to clean up on the server.
    pub quitting: bool,
    /// The clerk chose to leave a completion unconfirmed: exit without waiting for its outcome.
    pub(super) leave_now: bool,
    /// What the clerk toggled over the step: help, a problem's details, personal data in clear.
    pub overlays: Overlays,
    /// What start-up recovery found, shown over the counter until the clerk acknowledges it.
    pub recovered: Vec<super::record::Recovered>,
    /// The terminal's size as the loop last said (columns, rows): below the smallest the screens are laid out
    /// for, nothing shows, so no key but Ctrl-C acts.
    pub screen: (u16, u16),
    /// The sign-in, or the idle lock, over everything (see `door`).
    pub door: Option<super::door::Door>,
}

/// What lasts across dispensations: where the counter runs, the sponsors and their rules, what was done today,
/// the clock, the journal's health, and the requests awaited.
#[derive(Debug)]
pub struct Session {
    pub settings: Settings,
    pub sponsors: Sponsors,
    /// This till's dispensations today, newest first, as the journal has them: read when the counter opens and
    /// again each time a dispensation ends (see `steps::history`).
    pub recent: Vec<HistoryRow>,
    /// The clock as of the last message.
    pub now: OffsetDateTime,
    /// Why the journal cannot be written, while it cannot: the counter dispenses nothing and says so.
    pub journal_failure: Option<super::record::JournalFailure>,
    /// What printing did, on the row above the hints until the next code.
    pub notice: Option<super::printing::Notice>,
    pub(super) awaiting: BTreeMap<ReqId, Purpose>,
    /// The start request in progress and its key, reused when the clerk retries it.
    pub(super) pending_start: Option<(StartRequest, IdempotencyKey)>,
    /// Starts whose outcome was never learned (a lost reply) and that the clerk left: the same code scanned again
    /// resumes one (same request, same key); quitting settles them (sent again, and cancelled if they started).
    pub(super) loose_starts: Vec<(StartRequest, IdempotencyKey)>,
    /// The invoice number proposed for the dispensation in progress.
    pub(super) invoice: Option<String>,
    /// A code scanned while the screen could not take it (a completion in doubt, a question about leaving): it
    /// waits in the code field for when the clerk gets there.
    pub queued_code: Option<String>,
    /// The provider's registered products, fetched when a substitution first needs them.
    pub products: Registry,
    /// The pharmacy, the connection, the sandbox's toast, the configuration's warnings (see `surroundings`).
    pub surroundings: super::Surroundings,
    /// The clerk signed in (none without clerks): stamped on every journal record the core writes.
    pub clerk: Option<crate::clerks::Clerk>,
    /// When the clerk last pressed a key: the idle lock counts from it.
    pub last_key: OffsetDateTime,
    next_request: u64,
    next_key: u64,
}

/// Things drawn over the step at the clerk's request. They change nothing on the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overlays {
    /// The keys, generated from the keymap (F1).
    pub help: bool,
    /// The technical details under a problem's message (F8), for IT support.
    pub details: bool,
    /// Document numbers in clear instead of masked (F7); hidden again when the dispensation ends.
    pub reveal: bool,
    /// Quitting while a completion's outcome is unknown, the clerk pressed Ctrl-C again: asked whether to leave
    /// it unconfirmed (the next start confirms it).
    pub leave_unconfirmed: bool,
}

/// Where the clerk is.
#[derive(Debug)]
pub enum Step {
    /// The code field, ready for a scan. `selected`: the text is a code put back to be corrected (a refusal, a
    /// lookup left): shown selected, the first key typed replaces it rather than being glued onto it.
    Entry { code: Input, selected: bool },
    /// Looking the code up (starting the dispensation).
    Starting { code: String },
    /// The sponsor requires the beneficiary to be identified first.
    Identify(Identify),
    /// Fetching the sponsor's configuration before the verification can be shown.
    Preparing,
    /// Verifying the beneficiary.
    Verify(Verify),
    /// Quantities and substitutions.
    Review(Review),
    /// Invoice number, date, amount; then completion.
    Finalize(Finalize),
    /// Completed on the server.
    Done(Box<Done>),
    /// The day's dispensations, from the journal (F3).
    History(History),
    /// The settlement batches (radicación), for supervisors.
    Settlements(Box<super::steps::SettlementsStep>),
    /// A paper prescription: who pays, the Scan & Go page, the transcribed lines, the pre-authorization.
    Paper(Box<super::steps::Paper>),
    /// Asking whether to cancel the started dispensation (Enter: cancel and leave; Esc: stay).
    ConfirmLeave { then: Leave, back_to: Box<Step> },
    /// Cancelling on the server before moving on.
    Leaving { then: Leave },
}

impl Step {
    /// The code field, empty.
    pub fn entry() -> Self {
        Self::Entry { code: Input::default(), selected: false }
    }

    /// The code field holding `code`, selected: Enter looks it up again, typing replaces it.
    pub fn entry_with(code: String) -> Self {
        Self::Entry { code: Input::new(code), selected: true }
    }
}

/// Where to go once a started dispensation is cancelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leave {
    ToEntry,
    /// A code was scanned during the dispensation and the clerk chose to leave it for that code.
    ToCode(String),
    Quit,
}

/// What an awaited request is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Purpose {
    Sponsors,
    Configuration {
        sponsor_slug: String,
        product_type: ProductType,
    },
    Start,
    /// A start the clerk walked away from (or one whose reply was lost, sent again at quit): if it started a
    /// dispensation, cancel it.
    AbandonedStart {
        key: IdempotencyKey,
    },
    Forms,
    Search,
    SendOtp,
    ValidateOtp,
    Capture,
    Biometric,
    Challenge,
    Poll,
    Update,
    /// Reading the lines again after the server refused the completion over them (back on the review).
    Refresh,
    Complete,
    /// A GET after a finalize whose outcome is unknown.
    Confirm,
    Cancel,
    /// Cancelling a dispensation nobody is looking at any more (after an abandoned start).
    Cleanup,
    /// An invoice number proposed for this dispensation (it outlives the step: the clerk may reach finalize first).
    InvoiceNumber {
        dispensation_id: Id,
    },
    /// One day of this till's history (F3); its rows are kept only while that day is on screen.
    HistoryDay {
        day: time::Date,
    },
    /// A search of the whole journal for a code (F3); kept only while the filter still holds that text.
    HistorySearch {
        text: String,
    },
    /// "Today at this till", for the code screen.
    Today,
    /// The provider's registered products, for substitutions (kept for the session).
    Products,
    /// The code's earlier completed dispensations, for the dispensation in progress `dispensation_id` (kept while
    /// it is: back from finalize the review shows them).
    /// A receipt being printed, for the journal's record of it.
    Print {
        dispensation_id: Id,
        code: String,
        copy: bool,
    },
    /// A past dispensation read for its receipt (F3).
    PastReceipt {
        wanted: super::printing::Wanted,
        invoice: Option<String>,
        /// The clerk the journal names for it.
        clerk: Option<String>,
    },
    Visits {
        dispensation_id: Id,
    },
    /// A request of the settlements screen.
    Settlement(super::steps::SettlementAsk),
    /// Whether the webhook receiver recorded `code` as voided (see [`super::Surroundings::voided`]).
    VoidCheck {
        code: String,
    },
    /// A journal write; the program does not exit before it is done.
    Record,
    /// A POSOS Scan & Go session for a paper prescription.
    ScanToken,
    /// Asking POSOS what was imported.
    ScanPoll,
    /// A paper prescription's pre-authorization (create, indication, complete).
    Preauthorize,
    /// A pending pre-authorization, asked again.
    PaperCheck,
    /// A paper prescription's request asked about from the history (F3); `key` names it in the journal.
    HistoryPaper {
        key: String,
    },
    /// A paper request's approval being written to the journal: once it is on disk, `code` is started for
    /// `beneficiary_id` (with `notice` about what was refused).
    PaperKept {
        code: String,
        beneficiary_id: Id,
        notice: Option<super::printing::Notice>,
    },
    /// A cash sale's receipt being printed, for its row in the journal.
    PrintSale {
        key: String,
    },
    /// A probe of a journal that failed; a code waits on it when the clerk scanned one.
    Probe {
        then_code: Option<String>,
    },
    /// A PIN typed at the door, being checked.
    Pin,
}

impl Purpose {
    /// Requests that still matter after the clerk moves to another step.
    fn outlives_step(&self) -> bool {
        matches!(
            self,
            Self::Sponsors
                | Self::Configuration { .. }
                | Self::AbandonedStart { .. }
                | Self::Cancel
                | Self::Cleanup
                | Self::Record
                | Self::Probe { .. }
                | Self::InvoiceNumber { .. }
                | Self::Products
                | Self::Visits { .. }
                | Self::Print { .. }
                | Self::PrintSale { .. }
                | Self::PaperKept { .. }
                | Self::Today
                // The door is over the step: a completion that ends while the counter is locked must not lose the
                // unlock's verdict.
                | Self::Pin
                | Self::VoidCheck { .. }
        )
    }
}

/// A dispensation in progress.
#[derive(Clone, Debug)]
pub struct Active {
    /// The server's latest word on it.
    pub dispensation: Dispensation,
    /// The sponsor's rules (none for a cash prescription).
    pub configuration: Option<SponsorConfiguration>,
    /// The proof of verification to attach to `complete`.
    pub proof: Proof,
    /// The code's earlier visits, asked for when the review opens on a code with something delivered before.
    pub earlier: Earlier,
    /// The packs scanned on the lines and checked (kept across a trip to finalize and back).
    pub packs: Packs,
}

impl Active {
    pub fn id(&self) -> &Id {
        &self.dispensation.dispensation_id
    }
}

/// What `complete` carries to show the beneficiary was verified.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Proof {
    /// Not (yet) verified, or not needed.
    #[default]
    None,
    Otp {
        token: String,
    },
    Biometric {
        token: String,
    },
    /// Proven on the server (a facial check approved on the phone); nothing to attach.
    Server,
}

/// Sponsors and their configurations, cached.
#[derive(Debug, Default)]
pub struct Sponsors {
    pub list: Vec<Sponsor>,
    pub(super) configurations: HashMap<(String, ProductType), (SponsorConfiguration, OffsetDateTime)>,
}

impl Sponsors {
    /// The sponsor named `slug`, if this provider works with it.
    pub fn get(&self, slug: &str) -> Option<&Sponsor> {
        self.list.iter().find(|sponsor| sponsor.sponsor_slug == slug)
    }

    /// The name to show for `slug`: the sponsor's, or the slug itself while the list is not loaded.
    pub fn name_or_slug<'a>(&'a self, slug: &'a str) -> &'a str {
        self.get(slug).map_or(slug, |sponsor| sponsor.name.as_str())
    }

    /// A configuration no older than ten minutes.
    pub fn configuration(
        &self,
        slug: &str,
        product_type: ProductType,
        now: OffsetDateTime,
    ) -> Option<&SponsorConfiguration> {
        let (configuration, fetched_at) = self.configurations.get(&(slug.to_owned(), product_type))?;
        (now - *fetched_at < CONFIGURATION_TTL).then_some(configuration)
    }
}

impl Session {
    /// The id of the clerk signed in, stamped on what the journal keeps (none without clerks).
    pub fn clerk_id(&self) -> Option<String> {
        self.clerk.as_ref().map(|clerk| clerk.id.clone())
    }

    /// Whether the settlement batches are open to whoever is at the counter: a supervisor, or anyone when the
    /// counter has no clerks (then it has no roles either).
    pub fn may_settle(&self) -> bool {
        !self.settings.clerks || self.clerk.as_ref().is_some_and(|clerk| clerk.role == crate::clerks::Role::Supervisor)
    }

    fn new(settings: Settings, now: OffsetDateTime) -> Self {
        Self {
            settings,
            sponsors: Sponsors::default(),
            recent: Vec::new(),
            now,
            journal_failure: None,
            notice: None,
            awaiting: BTreeMap::new(),
            pending_start: None,
            loose_starts: Vec::new(),
            invoice: None,
            queued_code: None,
            products: Registry::default(),
            surroundings: super::Surroundings::default(),
            clerk: None,
            last_key: now,
            next_request: 0,
            next_key: 0,
        }
    }

    /// Registers an awaited request.
    pub(super) fn request(&mut self, purpose: Purpose) -> ReqId {
        self.next_request += 1;
        let id = ReqId(self.next_request);
        self.awaiting.insert(id, purpose);
        id
    }

    /// A fresh idempotency key for one state-changing operation (its retries reuse it).
    pub(super) fn key(&mut self, what: &str) -> IdempotencyKey {
        self.next_key += 1;
        IdempotencyKey::new(format!("mostrador-{}-{}-{what}", self.settings.key_nonce, self.next_key))
    }

    /// Whether a request for `purpose` is awaited.
    pub fn is_awaiting(&self, purpose_matches: impl Fn(&Purpose) -> bool) -> bool {
        self.awaiting.values().any(purpose_matches)
    }

    /// Registers a call and returns its effect.
    pub(super) fn call(&mut self, purpose: Purpose, call: super::effect::Call) -> super::effect::Effect {
        let id = self.request(purpose);
        super::effect::Effect::Call { id, call: Box::new(call) }
    }

    /// Registers a request that leaves once its intent is on disk, and returns its effect.
    pub(super) fn send(&mut self, purpose: Purpose, mut send: super::effect::Guarded) -> super::effect::Effect {
        if let super::effect::Guarded::Complete { intent: Some(record), .. }
        | super::effect::Guarded::Cancel { intent: Some(record), .. } = &mut send
        {
            self.stamp(record);
        }
        let id = self.request(purpose);
        super::effect::Effect::Send { id, send: Box::new(send) }
    }

    /// A journal write, awaited (the program does not exit before it is done, and a failure stops dispensing).
    /// A record says which clerk is signed in.
    pub(super) fn write(&mut self, mut write: super::effect::Write) -> super::effect::Effect {
        if let super::effect::Write::Record(record) = &mut write {
            self.stamp(record);
        }
        let id = self.request(Purpose::Record);
        super::effect::Effect::Journal { id, write }
    }

    /// `record` as done by the clerk signed in (a record that already names one keeps it).
    fn stamp(&self, record: &mut super::record::Record) {
        if record.clerk.is_none() {
            record.clerk = self.clerk_id();
        }
    }
}

impl App {
    /// A counter showing the code field. Send [`super::Msg::Opened`] to start loading.
    pub fn new(settings: Settings, now: OffsetDateTime) -> Self {
        Self {
            session: Session::new(settings, now),
            step: Step::entry(),
            problem: None,
            active: None,
            quitting: false,
            leave_now: false,
            overlays: Overlays::default(),
            recovered: Vec::new(),
            screen: (crate::counter::MIN_COLUMNS, crate::counter::MIN_ROWS),
            door: None,
        }
        .with_sign_in()
    }

    /// With clerks configured, the counter opens on the sign-in.
    fn with_sign_in(mut self) -> Self {
        if self.session.settings.clerks {
            self.door = Some(super::door::Door::sign_in());
        }
        self
    }

    /// Registers an awaited request.
    pub(super) fn request(&mut self, purpose: Purpose) -> ReqId {
        self.session.request(purpose)
    }

    /// A fresh idempotency key for one state-changing operation (its retries reuse it).
    pub(super) fn key(&mut self, what: &str) -> IdempotencyKey {
        self.session.key(what)
    }

    /// Whether a request for `purpose` is awaited.
    pub fn is_awaiting(&self, purpose_matches: impl Fn(&Purpose) -> bool) -> bool {
        self.session.is_awaiting(purpose_matches)
    }

    /// The code of the dispensation in progress (empty when there is none), for messages about it.
    pub fn active_code(&self) -> String {
        self.active.as_ref().and_then(|active| active.dispensation.code.clone()).unwrap_or_default()
    }

    /// A journal record of `event` for the dispensation in progress (none when there is none).
    pub(super) fn record(&mut self, event: super::record::Event) -> Option<super::effect::Effect> {
        let record = self.record_of(event)?;
        Some(self.write(super::effect::Write::Record(record)))
    }

    /// `event` about the dispensation in progress, as the journal keeps it.
    pub(super) fn record_of(&self, event: super::record::Event) -> Option<super::record::Record> {
        let active = self.active.as_ref()?;
        Some(super::record::Record::about(&active.dispensation, event, self.session.now))
    }

    /// A journal write, awaited (the program does not exit before it is done, and a failure stops dispensing).
    pub(super) fn write(&mut self, write: super::effect::Write) -> super::effect::Effect {
        self.session.write(write)
    }

    /// The id of the dispensation in progress.
    pub(super) fn active_id(&self) -> Option<Id> {
        self.active.as_ref().map(|active| active.id().clone())
    }

    /// Whether anything is awaited at all (the screen shows a spinner; tests wait for quiet).
    pub fn busy(&self) -> bool {
        !self.session.awaiting.is_empty()
    }

    /// Moves to `step`, forgetting the replies the old step was waiting for.
    pub(super) fn go(&mut self, step: Step) {
        self.session.awaiting.retain(|_, purpose| purpose.outlives_step());
        self.step = step;
    }

    /// The code field, emptied, ready for the next scan.
    pub(super) fn go_to_entry(&mut self) {
        self.active = None;
        self.session.invoice = None;
        self.overlays.reveal = false;
        let step = self.session.queued_code.take().map_or_else(Step::entry, Step::entry_with);
        self.go(step);
    }

    /// Whether plain characters are text for a field on screen (so `+` is typed, not "increase").
    pub fn typing(&self) -> bool {
        self.offers().typing
    }

    /// When the core next needs a [`super::Msg::Tick`]: only while something on screen counts down or polls.
    /// `None` means no timer at all (an idle counter costs nothing).
    pub fn wake_at(&self) -> Option<OffsetDateTime> {
        // The idle lock's deadline is one more timer: an idle counter sleeps until it, never polls for it.
        match (self.step_wake_at(), self.lock_at()) {
            (Some(step), Some(lock)) => Some(step.min(lock)),
            (step, lock) => step.or(lock),
        }
    }

    /// When the step on screen next counts down or polls.
    pub(super) fn step_wake_at(&self) -> Option<OffsetDateTime> {
        match &self.step {
            Step::Verify(verify) => verify.wake_at(self.session.now),
            Step::Finalize(finalize) => finalize.wake_at(self.session.now),
            Step::Paper(paper) => paper.wake_at(),
            _ => None,
        }
    }
}
