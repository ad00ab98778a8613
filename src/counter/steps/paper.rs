//! A paper prescription (issue 15): from the code screen the clerk chooses who pays (a sponsor, whose form
//! identifies the beneficiary as for any code, or "sin seguro"), shows the POSOS Scan & Go page as a QR code for a
//! phone to photograph the paper, and the counter polls POSOS until the transcription arrives (a timer only while
//! it waits for one). Each transcribed line shows the text as read, its reliability and posology, mapped to a
//! registered product (by its GTIN, else suggested by name; changed with the product search substitution uses).
//! A line read with low reliability is confirmed explicitly; a drug with no product is mapped or dropped
//! (quantity 0). Then "Solicitar autorización" sends the pre-authorization (kept in the journal first, with its
//! three Idempotency-Keys and the mapping): APPROVED goes straight on to dispense the new code; PENDING_SPONSOR
//! says so (asked again on demand, and from F3); REJECTED shows each line's reason. A cash sale records the lines
//! in the journal and prints the receipt; nothing goes to Osigu.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tui_input::Input;

use super::review::{Candidate, Registry};
use super::text;
use crate::counter::action::Action;
use crate::counter::app::{App, Purpose, Session, Step};
use crate::counter::effect::{Call, Effect, Guarded, PososCall, Write};
use crate::counter::msg::{Msg, PososReply, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{
    AuthorizationRequest, AuthorizationRequestStatus, AuthorizationType, BeneficiaryMatch, Id, LineDecision,
    NewAuthorizationRequest, NewIndication, Prescriber, ProductType, RequestedProduct,
};
use crate::posos::scan::{ScanOutcome, ScannedLine, ScannedPrescription};
use crate::posos::{PososError, ScanSubject};

/// How often POSOS is asked whether the prescription was imported, while the page is on screen.
pub const POLL_EVERY: time::Duration = time::Duration::seconds(2);

/// How long the page is polled with nothing imported: then it is put away (a counter left alone asks nothing) and
/// Enter asks POSOS for a new one.
pub const SCAN_WAIT: time::Duration = time::Duration::minutes(15);

const MAX_SEARCH_CHARS: usize = 60;
/// The most units a line may be given by hand.
const MAX_UNITS: u32 = crate::osigu::model::bounded::MAX_QUANTITY;
/// Rows of products the search shows.
pub const SEARCH_ROWS: usize = 5;

/// The paper prescription on screen.
#[derive(Clone, Debug)]
pub struct Paper {
    /// Who pays, once chosen.
    pub payer: Option<Payer>,
    /// This scan's patient id at POSOS: fresh per paper prescription, the join key of the FHIR search.
    pub patient_id: String,
    /// Whom the scan session is asked for (kept to ask again with the same names after a failure).
    subject: Option<ScanSubject>,
    pub stage: PaperStage,
}

/// Who pays for a paper prescription.
#[derive(Clone, Debug, PartialEq)]
pub enum Payer {
    /// A sponsor, for its identified beneficiary (`name` as the sponsor spells it).
    Sponsor { slug: String, beneficiary_id: Id, name: String },
    /// "Sin seguro": the patient pays; nothing is asked of Osigu.
    Cash,
}

/// Where the paper prescription is.
#[derive(Clone, Debug)]
pub enum PaperStage {
    /// Choosing who pays: the sponsors in their order, then "sin seguro".
    Choose { selected: usize },
    /// The Scan & Go page (its address once POSOS gave it), polled until a transcription arrives.
    Scan(Scan),
    /// The transcribed lines, being mapped and confirmed.
    Lines(PaperLines),
    /// The pre-authorization is on its way (kept in the journal first).
    Requesting(PaperLines),
    /// The sponsor answers later; asked again on demand.
    Pending { lines: PaperLines, request: Box<AuthorizationRequest>, checked: bool },
    /// The sponsor refused every line.
    Rejected { lines: PaperLines, request: Box<AuthorizationRequest> },
    /// A cash sale, recorded.
    Sold { lines: PaperLines, key: String },
}

/// The Scan & Go page and its polling.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    /// The page, once POSOS gave it.
    pub url: Option<String>,
    /// Why POSOS could not read the last photo, in its words (the page lets the phone try again).
    pub failure: Option<String>,
    /// How many imports were already seen: only a newer one is read.
    seen: usize,
    /// When to ask POSOS next (none while a question is on its way or before the page exists).
    pub next_poll: Option<OffsetDateTime>,
    /// When the page was shown.
    opened_at: Option<OffsetDateTime>,
    /// Nothing was imported within [`SCAN_WAIT`]: the page is put away and polling stopped.
    pub lapsed: bool,
}

impl Scan {
    /// When to ask again after an answer at `now`: in [`POLL_EVERY`], unless the page has waited [`SCAN_WAIT`].
    fn poll_after(&mut self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if self.opened_at.is_some_and(|opened| now - opened >= SCAN_WAIT) {
            self.lapsed = true;
            return None;
        }
        Some(now + POLL_EVERY)
    }
}

/// The transcription, as mapped.
#[derive(Clone, Debug)]
pub struct PaperLines {
    pub prescription: ScannedPrescription,
    pub lines: Vec<PaperLine>,
    pub selected: usize,
    /// The product search (F4) for the selected line, when open.
    pub search: Option<ProductSearch>,
    /// Products were suggested (once, when the registry was there).
    suggested: bool,
    /// The request as sent (kept to send again with the same keys after a failure).
    pub sent: Option<Box<PaperSend>>,
}

/// One transcribed line.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperLine {
    pub read: ScannedLine,
    /// The registered product it is mapped to.
    pub product: Option<Candidate>,
    /// How it was mapped.
    pub mapped_by: MappedBy,
    /// Units requested; 0: dropped.
    pub quantity: u32,
    /// A line read with low reliability, confirmed by the clerk.
    pub confirmed: bool,
}

/// How a line got its product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MappedBy {
    None,
    /// The pack POSOS recognised is a registered product.
    Gtin,
    /// A registered product whose name starts like the text read.
    Name,
    /// Chosen by the clerk.
    Clerk,
}

/// The search for a line's product.
#[derive(Clone, Debug, Default)]
pub struct ProductSearch {
    pub input: Input,
    pub found: Vec<Candidate>,
    pub selected: usize,
}

/// The pre-authorization as sent: the request, its indication, and one Idempotency-Key each for create, the
/// indication and complete (the journal keeps this; the same keys are sent again on a retry and at recovery).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaperSend {
    pub create_key: String,
    pub indication_key: String,
    pub complete_key: String,
    pub request: NewAuthorizationRequest,
    pub indication: NewIndication,
}

impl PaperSend {
    /// The three keys, in the order they are used.
    pub fn keys(&self) -> [IdempotencyKey; 3] {
        [&self.create_key, &self.indication_key, &self.complete_key].map(|key| IdempotencyKey::new(key.clone()))
    }
}

/// A line as the journal keeps it: what was read and what it became.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappedLine {
    pub text: String,
    pub reliability: Option<f64>,
    pub posology: Option<String>,
    pub gtin: Option<String>,
    pub product_code: Option<String>,
    pub product_name: Option<String>,
    pub mapped_by: MappedBy,
    pub quantity: u32,
    pub confirmed: bool,
    pub unit_price: Option<Decimal>,
}

/// A line the sponsor refused: the product's name, the reason's code (`PRODUCT_EXCLUDED`) and the sponsor's
/// words for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub name: String,
    pub reason: String,
    pub words: String,
}

/// What keeps the request from being sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unresolved {
    /// Lines read with low reliability not yet confirmed.
    pub unconfirmed: usize,
    /// Lines with no product (neither mapped nor dropped).
    pub unmapped: usize,
    /// Lines that will be requested.
    pub requested: usize,
}

impl PaperLine {
    fn new(read: ScannedLine) -> Self {
        let quantity = read.quantity.unwrap_or(1).clamp(1, MAX_UNITS);
        Self { read, product: None, mapped_by: MappedBy::None, quantity, confirmed: false }
    }

    pub fn dropped(&self) -> bool {
        self.quantity == 0
    }

    /// Read with low reliability and not confirmed yet (a dropped line needs nothing).
    pub fn needs_confirmation(&self) -> bool {
        !self.dropped() && self.read.needs_confirmation() && !self.confirmed
    }

    /// No product, and not dropped.
    pub fn needs_product(&self) -> bool {
        !self.dropped() && self.product.is_none()
    }

    fn fact(&self) -> MappedLine {
        MappedLine {
            text: self.read.text.clone(),
            reliability: self.read.reliability,
            posology: self.read.original_posology.clone(),
            gtin: self.read.gtin.clone(),
            product_code: self.product.as_ref().map(|product| product.product_code.clone()),
            product_name: self.product.as_ref().map(|product| product.product_name.clone()),
            mapped_by: self.mapped_by,
            quantity: self.quantity,
            confirmed: self.confirmed,
            unit_price: self.product.as_ref().and_then(|product| product.unit_price),
        }
    }
}

impl PaperLines {
    fn new(prescription: ScannedPrescription) -> Self {
        let lines = prescription.lines.iter().cloned().map(PaperLine::new).collect();
        Self { prescription, lines, selected: 0, search: None, suggested: false, sent: None }
    }

    /// What keeps the request from being sent.
    pub fn unresolved(&self) -> Unresolved {
        Unresolved {
            unconfirmed: self.lines.iter().filter(|line| line.needs_confirmation()).count(),
            unmapped: self.lines.iter().filter(|line| line.needs_product()).count(),
            requested: self.lines.iter().filter(|line| !line.dropped()).count(),
        }
    }

    /// Every line is confirmed and mapped or dropped, and one at least is requested.
    pub fn ready(&self) -> bool {
        let unresolved = self.unresolved();
        unresolved.unconfirmed == 0 && unresolved.unmapped == 0 && unresolved.requested > 0
    }

    pub fn facts(&self) -> Vec<MappedLine> {
        self.lines.iter().map(PaperLine::fact).collect()
    }

    /// The sum of the mapped lines at the pharmacy's shelf prices (a cash sale's total), and their currency.
    pub fn cash_total(&self) -> (Decimal, Option<String>) {
        let mut total = Decimal::ZERO;
        let mut currency = None;
        for line in self.lines.iter().filter(|line| !line.dropped()) {
            if let Some(product) = &line.product {
                let price = product.unit_price.unwrap_or_default();
                total = total
                    .checked_add(price.checked_mul(Decimal::from(line.quantity)).unwrap_or_default())
                    .unwrap_or(total);
                currency = currency.or_else(|| product.currency_code.clone());
            }
        }
        (total, currency)
    }

    /// Maps each line the clerk has not mapped: the registered product of its GTIN, else one whose name
    /// starts like the text read. Once, when the registry is there.
    fn suggest(&mut self, registry: &Registry) {
        let Registry::Loaded(products) = registry else { return };
        if self.suggested {
            return;
        }
        self.suggested = true;
        for line in &mut self.lines {
            if line.product.is_some() {
                continue;
            }
            let by_gtin = line.read.gtin.as_deref().and_then(|gtin| {
                products.iter().find(|(product, _)| product.gtin.as_deref() == Some(gtin)).map(|(product, _)| product)
            });
            if let Some(product) = by_gtin {
                line.product = Some(Candidate::of(product));
                line.mapped_by = MappedBy::Gtin;
                continue;
            }
            // By name: the first word read (the drug), and its strength when there is one.
            let words: Vec<&str> = line.read.text.split_whitespace().take(2).collect();
            if words.first().is_none_or(|word| word.chars().count() < 4) {
                continue;
            }
            if let Some(candidate) = registry.matching(&words.join(" "), "").into_iter().next() {
                line.product = Some(candidate);
                line.mapped_by = MappedBy::Name;
            }
        }
    }

    fn select(&mut self, by: isize) {
        let count = self.lines.len();
        if count > 0 {
            self.selected = self.selected.saturating_add_signed(by).min(count - 1);
        }
    }

    /// The keys on the lines: move, quantities, confirm a reading, the product search, request.
    fn on_msg(&mut self, msg: Msg, registry: &Registry) -> LinesNext {
        if let Some(search) = &mut self.search {
            match msg {
                Msg::Edit(request) => {
                    text::edit(&mut search.input, request, MAX_SEARCH_CHARS, text::any);
                    search.refresh(registry);
                }
                Msg::Paste(pasted) => {
                    text::paste(&mut search.input, &pasted, MAX_SEARCH_CHARS, text::any);
                    search.refresh(registry);
                }
                Msg::Up => search.selected = search.selected.saturating_sub(1),
                Msg::Down => search.selected = (search.selected + 1).min(search.found.len().saturating_sub(1)),
                Msg::Submit => {
                    let chosen = search.found.get(search.selected).cloned();
                    if let (Some(chosen), Some(line)) = (chosen, self.lines.get_mut(self.selected)) {
                        line.product = Some(chosen);
                        line.mapped_by = MappedBy::Clerk;
                        if line.quantity == 0 {
                            line.quantity = line.read.quantity.unwrap_or(1).clamp(1, MAX_UNITS);
                        }
                        self.search = None;
                    }
                }
                _ => {}
            }
            return LinesNext::Stay;
        }
        let Some(line) = self.lines.get_mut(self.selected) else { return LinesNext::Stay };
        match msg {
            Msg::Up => self.select(-1),
            Msg::Down => self.select(1),
            Msg::Increase => line.quantity = (line.quantity + 1).min(MAX_UNITS),
            Msg::Decrease => line.quantity = line.quantity.saturating_sub(1),
            Msg::Substitute => {
                let mut search = ProductSearch::default();
                // Starts from the drug as read, so its likely products are listed at once.
                let first = line.read.text.split_whitespace().next().unwrap_or_default();
                search.input = Input::new(first.to_owned());
                search.refresh(registry);
                self.search = Some(search);
                return LinesNext::Registry;
            }
            Msg::Submit if line.needs_confirmation() => {
                line.confirmed = true;
                // On to the next line still needing the clerk, if any.
                if let Some(next) = self.lines.iter().position(|line| line.needs_confirmation() || line.needs_product())
                {
                    self.selected = next;
                }
            }
            Msg::Submit if self.ready() => return LinesNext::Request,
            _ => {}
        }
        LinesNext::Stay
    }

    /// What the lines offer.
    fn offers(&self, cash: bool) -> (Vec<Offer>, bool) {
        use Action::*;
        if let Some(search) = &self.search {
            let list = vec![
                Offer::when(!search.found.is_empty(), Continue, "hint.pick_product"),
                Offer::on(Back, "hint.close"),
                Offer::when(search.found.len() > 1, Down, "hint.change_choice"),
                Offer::when(search.found.len() > 1, Up, "hint.change_choice"),
            ];
            return (list, true);
        }
        let line = self.lines.get(self.selected);
        let confirm = line.is_some_and(PaperLine::needs_confirmation);
        let go = if confirm {
            Offer::on(Continue, "hint.confirm_reading")
        } else if cash {
            Offer::when(self.ready(), Continue, "hint.record_sale")
        } else {
            Offer::when(self.ready(), Continue, "hint.request_authorization")
        };
        let many = self.lines.len() > 1;
        let list = vec![
            go,
            Offer::when(line.is_some(), Substitute, "hint.map_product"),
            Offer::when(many, Down, "hint.lines"),
            Offer::when(many, Up, "hint.lines"),
            Offer::when(line.is_some(), Increase, "hint.more"),
            Offer::when(line.is_some_and(|line| !line.dropped()), Decrease, "hint.less"),
            Offer::on(Back, "hint.back"),
        ];
        (list, false)
    }
}

impl ProductSearch {
    fn refresh(&mut self, registry: &Registry) {
        self.found = registry.matching(self.input.value(), "");
        self.selected = self.selected.min(self.found.len().saturating_sub(1));
    }
}

/// What the lines ask of the App.
enum LinesNext {
    Stay,
    /// The product search needs the registry.
    Registry,
    Request,
}

impl Paper {
    /// Asks POSOS for a Scan & Go session for the payer chosen (`found`: the beneficiary the sponsor's form found;
    /// `rpps`: who asks, as POSOS wants a prescriber or pharmacy id).
    fn ask_scan(&mut self, found: Option<&BeneficiaryMatch>, rpps: &str, session: &mut Session) -> Option<Effect> {
        let payer = self.payer.as_ref()?;
        let subject = match (&self.subject, found) {
            (Some(kept), None) => ScanSubject { patient_id: self.patient_id.clone(), ..kept.clone() },
            _ => subject(payer, found, &self.patient_id, rpps),
        };
        self.subject = Some(subject.clone());
        self.stage = PaperStage::Scan(Scan::default());
        let id = session.request(Purpose::ScanToken);
        Some(Effect::Posos { id, call: PososCall::ScanToken(subject) })
    }

    /// Sends (or sends again, same keys) the request kept on the step, once its intent is on disk.
    fn preauthorize(&self, session: &mut Session) -> Option<Effect> {
        let (PaperStage::Requesting(lines), Some(Payer::Sponsor { slug, .. })) = (&self.stage, &self.payer) else {
            return None;
        };
        let send = lines.sent.clone()?;
        let guarded = Guarded::Preauthorize {
            at: session.now,
            sponsor_slug: slug.clone(),
            reference: lines.prescription.reference.clone(),
            lines: lines.facts(),
            send,
            clerk: session.clerk_id(),
        };
        Some(session.send(Purpose::Preauthorize, guarded))
    }

    /// Who pays, for the screen: the sponsor's name or "sin seguro".
    pub fn cash(&self) -> bool {
        matches!(self.payer, Some(Payer::Cash))
    }

    /// What this stage offers.
    pub(in crate::counter) fn offers(&self, sponsors: usize) -> (Vec<Offer>, bool) {
        use Action::*;
        match &self.stage {
            PaperStage::Choose { .. } => {
                let list = vec![
                    Offer::on(Continue, "hint.continue"),
                    Offer::when(sponsors > 0, Down, "hint.change_choice"),
                    Offer::when(sponsors > 0, Up, "hint.change_choice"),
                    Offer::on(Back, "hint.back"),
                ];
                (list, false)
            }
            PaperStage::Scan(scan) => {
                (vec![Offer::when(scan.lapsed, Continue, "hint.new_page"), Offer::on(Back, "hint.back")], false)
            }
            PaperStage::Lines(lines) => lines.offers(self.cash()),
            PaperStage::Requesting(_) => (Vec::new(), false),
            PaperStage::Pending { .. } => (
                vec![
                    Offer::on(Continue, "hint.check_now"),
                    Offer::on(Back, "hint.next_code"),
                    Offer::on(History, "hint.history"),
                ],
                false,
            ),
            PaperStage::Rejected { .. } => {
                (vec![Offer::on(Continue, "hint.next_code"), Offer::on(Back, "hint.next_code")], false)
            }
            PaperStage::Sold { .. } => (
                vec![
                    Offer::on(Continue, "hint.next_code"),
                    Offer::on(Back, "hint.next_code"),
                    Offer::on(History, "hint.history"),
                ],
                false,
            ),
        }
    }

    /// When the counter must ask POSOS again: only while the page waits for an import.
    pub fn wake_at(&self) -> Option<OffsetDateTime> {
        match &self.stage {
            PaperStage::Scan(scan) => scan.next_poll,
            _ => None,
        }
    }
}

/// Whose patient a scan session is for, as POSOS wants it: the beneficiary's names, or the cash sale's words.
fn subject(payer: &Payer, found: Option<&BeneficiaryMatch>, patient_id: &str, rpps: &str) -> ScanSubject {
    let (first_name, last_name) = match (payer, found) {
        (Payer::Sponsor { .. }, Some(found)) => {
            let whole = found.name.clone().unwrap_or_default();
            (found.first_name.clone().unwrap_or_else(|| whole.clone()), found.last_name.clone().unwrap_or_default())
        }
        _ => ("Paciente".to_owned(), "Sin seguro".to_owned()),
    };
    ScanSubject { first_name, last_name, rpps: rpps.to_owned(), patient_id: patient_id.to_owned() }
}

impl App {
    /// Who asks POSOS for a scan session: the pharmacy, as its token names it, else this till.
    fn rpps(&self) -> String {
        self.session.surroundings.provider.clone().unwrap_or_else(|| self.session.settings.till.clone())
    }

    /// The key `paper_prescription` on the code screen: who pays?
    pub(in crate::counter) fn open_paper(&mut self) {
        self.session.notice = None;
        let patient_id = self.key("scan").as_str().to_owned();
        let stage = PaperStage::Choose { selected: 0 };
        self.go(Step::Paper(Box::new(Paper { payer: None, patient_id, subject: None, stage })));
    }

    /// A key on the paper prescription.
    pub(in crate::counter) fn paper_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let rpps = self.rpps();
        let Step::Paper(paper) = &mut self.step else { return };
        let sponsors = self.session.sponsors.list.len();
        match &mut paper.stage {
            PaperStage::Choose { selected } => match msg {
                Msg::Up => *selected = selected.saturating_sub(1),
                Msg::Down => *selected = (*selected + 1).min(sponsors),
                Msg::Submit => {
                    let chosen = self.session.sponsors.list.get(*selected).map(|sponsor| sponsor.sponsor_slug.clone());
                    match chosen {
                        Some(slug) => self.identify(String::new(), slug, None, true, effects),
                        None => {
                            paper.payer = Some(Payer::Cash);
                            effects.extend(paper.ask_scan(None, &rpps, &mut self.session));
                        }
                    }
                }
                _ => {}
            },
            PaperStage::Lines(lines) => match lines.on_msg(msg, &self.session.products) {
                LinesNext::Stay => {}
                LinesNext::Registry => {
                    if self.session.products.wanted() {
                        self.session.products = Registry::Loading;
                        let call = Call::Products { product_type: ProductType::Medication };
                        effects.push(self.session.call(Purpose::Products, call));
                    }
                }
                LinesNext::Request => self.paper_request(effects),
            },
            PaperStage::Pending { request, .. } => {
                if matches!(msg, Msg::Submit) {
                    let id = request.authorization_request_id.clone();
                    effects.push(self.session.call(Purpose::PaperCheck, Call::AuthorizationRequest { id }));
                }
            }
            PaperStage::Rejected { .. } | PaperStage::Sold { .. } => {
                if matches!(msg, Msg::Submit) {
                    self.go_to_entry();
                }
            }
            PaperStage::Scan(scan) => {
                // A page put away after waiting too long: a new one, for the same patient.
                if scan.lapsed && matches!(msg, Msg::Submit) {
                    // A fresh session id: what the old page imported, or failed to, is not this page's.
                    paper.patient_id = self.session.key("scan").as_str().to_owned();
                    effects.extend(paper.ask_scan(None, &rpps, &mut self.session));
                }
            }
            PaperStage::Requesting(_) => {}
        }
    }

    /// Esc on the paper prescription: one stage back (the product search closes; the page goes back to who pays).
    pub(in crate::counter) fn paper_back(&mut self) {
        let Step::Paper(paper) = &mut self.step else { return };
        match &mut paper.stage {
            PaperStage::Lines(lines) if lines.search.is_some() => lines.search = None,
            PaperStage::Scan(_) => {
                paper.payer = None;
                paper.stage = PaperStage::Choose { selected: 0 };
                self.session.awaiting.retain(|_, purpose| !matches!(purpose, Purpose::ScanToken | Purpose::ScanPoll));
            }
            PaperStage::Requesting(_) => {}
            _ => self.go_to_entry(),
        }
    }

    /// The beneficiary was found with the sponsor's form: on to the Scan & Go page on their behalf.
    pub(in crate::counter) fn paper_identified(
        &mut self,
        sponsor_slug: String,
        found: BeneficiaryMatch,
        effects: &mut Vec<Effect>,
    ) {
        let name = found.name.clone().unwrap_or_else(|| {
            format!("{} {}", found.first_name.as_deref().unwrap_or(""), found.last_name.as_deref().unwrap_or(""))
                .trim()
                .to_owned()
        });
        let payer = Payer::Sponsor { slug: sponsor_slug, beneficiary_id: found.beneficiary_id.clone(), name };
        let patient_id = self.key("scan").as_str().to_owned();
        let stage = PaperStage::Choose { selected: 0 };
        let rpps = self.rpps();
        self.go(Step::Paper(Box::new(Paper { payer: Some(payer), patient_id, subject: None, stage })));
        let Step::Paper(paper) = &mut self.step else { return };
        effects.extend(paper.ask_scan(Some(&found), &rpps, &mut self.session));
    }

    /// POSOS answered.
    pub(in crate::counter) fn posos_replied(
        &mut self,
        purpose: Purpose,
        reply: Result<PososReply, PososError>,
        effects: &mut Vec<Effect>,
    ) {
        let now = self.session.now;
        let Step::Paper(paper) = &mut self.step else { return };
        let PaperStage::Scan(scan) = &mut paper.stage else { return };
        match (purpose, reply) {
            (Purpose::ScanToken, Ok(PososReply::Token(token))) => {
                scan.url = Some(token.url);
                scan.opened_at = Some(now);
                scan.next_poll = Some(now + POLL_EVERY);
            }
            (Purpose::ScanPoll, Ok(PososReply::Prescriptions(found))) => {
                scan.next_poll = scan.poll_after(now);
                if found.len() <= scan.seen {
                    return;
                }
                scan.seen = found.len();
                let Some(newest) = found.into_iter().last() else { return };
                match newest.outcome {
                    ScanOutcome::Imported if !newest.lines.is_empty() => {
                        let mut lines = PaperLines::new(newest);
                        lines.suggest(&self.session.products);
                        paper.stage = PaperStage::Lines(lines);
                        if self.session.products.wanted() {
                            self.session.products = Registry::Loading;
                            let call = Call::Products { product_type: ProductType::Medication };
                            effects.push(self.session.call(Purpose::Products, call));
                        }
                    }
                    _ => scan.failure = Some(newest.failure.unwrap_or_default()),
                }
            }
            (Purpose::ScanPoll, Err(error)) => {
                // Polling goes on: a moment without POSOS is no reason to stop waiting for the phone.
                tracing::info!(error = %error, "POSOS could not be asked for the transcription");
                scan.next_poll = scan.poll_after(now);
            }
            (_, Err(error)) => {
                tracing::warn!(error = %error, "POSOS refused a scan session");
                let detail = error.to_string();
                let message = match error {
                    PososError::Refused { message, .. } => message,
                    _ => None,
                };
                self.show(Problem {
                    details: Some(detail),
                    ..Problem::new(ProblemKind::ScanUnavailable { message }, NextStep::Retry)
                });
            }
            _ => self.show(Problem::new(ProblemKind::UnreadableReply, NextStep::Retry)),
        }
    }

    /// The registry arrived: an open product search lists from it, and unmapped lines get their suggestion.
    pub(in crate::counter) fn paper_after_registry(&mut self) {
        let Step::Paper(paper) = &mut self.step else { return };
        if let PaperStage::Lines(lines) = &mut paper.stage {
            lines.suggest(&self.session.products);
            if let Some(search) = &mut lines.search {
                search.refresh(&self.session.products);
            }
        }
    }

    /// A timer fired: ask POSOS whether the prescription was imported.
    pub(in crate::counter) fn paper_tick(&mut self, effects: &mut Vec<Effect>) {
        let now = self.session.now;
        let Step::Paper(paper) = &mut self.step else { return };
        let PaperStage::Scan(scan) = &mut paper.stage else { return };
        if scan.next_poll.is_some_and(|at| at <= now) {
            scan.next_poll = None;
            let patient_id = paper.patient_id.clone();
            let id = self.session.request(Purpose::ScanPoll);
            effects.push(Effect::Posos { id, call: PososCall::Prescriptions { patient_id } });
        }
    }

    /// "Solicitar autorización" (or, for a cash sale, "Registrar venta").
    fn paper_request(&mut self, effects: &mut Vec<Effect>) {
        // Nothing is requested or sold off the record.
        if let Some(failure) = &self.session.journal_failure {
            let cause = failure.cause;
            return self.show(Problem::new(ProblemKind::JournalUnavailable { cause }, NextStep::Acknowledge));
        }
        let Step::Paper(paper) = &mut self.step else { return };
        let PaperStage::Lines(lines) = &paper.stage else { return };
        let mut lines = lines.clone();
        lines.search = None;
        match paper.payer.clone() {
            Some(Payer::Cash) => {
                let key = self.session.key("cash-sale").as_str().to_owned();
                let write = Write::PaperSale {
                    at: self.session.now,
                    key: key.clone(),
                    reference: lines.prescription.reference.clone(),
                    lines: lines.facts(),
                    clerk: self.session.clerk_id(),
                };
                let receipt = self.cash_receipt(&lines);
                if let Step::Paper(paper) = &mut self.step {
                    paper.stage = PaperStage::Sold { lines, key: key.clone() };
                }
                effects.push(self.session.write(write));
                effects.push(self.session.load_today());
                self.print_sale(key, receipt, effects);
            }
            Some(Payer::Sponsor { slug, beneficiary_id, .. }) => {
                let send = paper_send(&mut self.session, &lines, slug, beneficiary_id);
                lines.sent = Some(Box::new(send));
                paper.stage = PaperStage::Requesting(lines);
                effects.extend(paper.preauthorize(&mut self.session));
            }
            None => {}
        }
    }

    /// Enter after a failed request: the same request with the same keys.
    pub(in crate::counter) fn paper_retry(&mut self, effects: &mut Vec<Effect>) {
        let rpps = self.rpps();
        let Step::Paper(paper) = &mut self.step else { return };
        if matches!(paper.stage, PaperStage::Requesting(_)) {
            effects.extend(paper.preauthorize(&mut self.session));
        } else if matches!(paper.stage, PaperStage::Scan(_)) {
            effects.extend(paper.ask_scan(None, &rpps, &mut self.session));
        }
    }

    /// A problem over a paper request was dismissed without retrying: back to the lines.
    pub(in crate::counter) fn paper_after_problem(&mut self) {
        let Step::Paper(paper) = &mut self.step else { return };
        if let PaperStage::Requesting(lines) = &paper.stage {
            paper.stage = PaperStage::Lines(lines.clone());
        }
    }

    /// Osigu answered the pre-authorization (its completion, or a later question about it).
    pub(in crate::counter) fn paper_answered(
        &mut self,
        purpose: Purpose,
        result: Result<Reply, ClientError>,
        effects: &mut Vec<Effect>,
    ) {
        let request = match result {
            Ok(Reply::AuthorizationRequest(request)) => request,
            Ok(_) => return self.show(Problem::new(ProblemKind::UnreadableReply, NextStep::Retry)),
            Err(error) => {
                let next = if purpose == Purpose::PaperCheck { NextStep::Acknowledge } else { NextStep::Retry };
                return self.show(problem::from_client(&error, "", next));
            }
        };
        let Step::Paper(paper) = &mut self.step else { return };
        let beneficiary_id = match &paper.payer {
            Some(Payer::Sponsor { beneficiary_id, .. }) => beneficiary_id.clone(),
            _ => return,
        };
        let lines = match &paper.stage {
            PaperStage::Requesting(lines) | PaperStage::Pending { lines, .. } => lines.clone(),
            _ => return,
        };
        let Some(key) = lines.sent.as_ref().map(|send| send.create_key.clone()) else { return };
        let write = Write::PaperAnswered {
            at: self.session.now,
            key,
            request_id: request.authorization_request_id.as_str().to_owned(),
            status: request.status,
            codes: request.codes().map(str::to_owned).collect(),
        };
        match request.status {
            AuthorizationRequestStatus::Approved if let Some(first) = request.codes().next().map(str::to_owned) => {
                // The codes are on disk before the first is started: a crash in between finds them at the next
                // start (see `runtime::recovery`).
                let codes: Vec<String> = request.codes().map(str::to_owned).collect();
                let refused = refused_lines(&request, &lines);
                let others: Vec<String> = codes.iter().skip(1).cloned().collect();
                let notice = (!refused.is_empty() || !others.is_empty())
                    .then_some(crate::counter::Notice::NotAuthorized { refused, others });
                let purpose = Purpose::PaperKept { code: first, beneficiary_id, notice };
                let id = self.session.request(purpose);
                effects.push(Effect::Journal { id, write });
            }
            AuthorizationRequestStatus::PendingSponsor | AuthorizationRequestStatus::PendingIndication => {
                effects.push(self.session.write(write));
                let checked = matches!(paper.stage, PaperStage::Pending { .. });
                paper.stage = PaperStage::Pending { lines, request, checked };
            }
            _ => {
                effects.push(self.session.write(write));
                paper.stage = PaperStage::Rejected { lines, request };
            }
        }
        // Read after the write above (the journal takes them in order): today's list shows where it stands.
        effects.push(self.session.load_today());
    }

    /// The approval is on record: straight on into dispensing its (first) code, as for any code scanned.
    pub(in crate::counter) fn paper_kept(
        &mut self,
        code: String,
        beneficiary_id: Id,
        notice: Option<crate::counter::Notice>,
        effects: &mut Vec<Effect>,
    ) {
        // Only where the clerk asked for it (the paper prescription, or its row in the history).
        if !matches!(self.step, Step::Paper(_) | Step::History(_)) {
            return;
        }
        self.start(code, Some(beneficiary_id), effects);
        self.session.notice = notice;
    }

    /// Enter on a paper prescription's row in the history (F3): an approved one opens its code; a pending one is
    /// asked about again.
    pub(in crate::counter) fn open_paper_row(
        &mut self,
        row: Option<crate::counter::HistoryRow>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(row) = row else { return };
        let Some(paper) = row.paper else { return };
        match (row.status, paper.request_id) {
            (crate::counter::RowStatus::PaperApproved, _) => {
                // The first of its codes (one per product group) not dispensed today.
                let dispensed =
                    |code: &str| self.session.recent.iter().any(|done| done.status.completed() && done.code == code);
                let codes: Vec<&str> = row.code.split(", ").collect();
                let Some(code) = codes.iter().find(|code| !dispensed(code)).or(codes.first()).map(|c| (*c).to_owned())
                else {
                    return;
                };
                self.go_to_entry();
                self.submit_code(code, effects);
            }
            (crate::counter::RowStatus::PaperPending, Some(request_id)) => {
                let purpose = Purpose::HistoryPaper { key: paper.key };
                let call = Call::AuthorizationRequest { id: Id::new(request_id) };
                effects.push(self.session.call(purpose, call));
            }
            _ => {}
        }
    }

    /// Osigu answered about a paper prescription asked from the history: kept, then the code opens (approved),
    /// or the notice row says it is still pending or what was refused; the day's rows are read again.
    pub(in crate::counter) fn history_paper_answered(
        &mut self,
        key: String,
        result: Result<Reply, ClientError>,
        effects: &mut Vec<Effect>,
    ) {
        let request = match result {
            Ok(Reply::AuthorizationRequest(request)) => request,
            Ok(_) => return self.show(Problem::new(ProblemKind::UnreadableReply, NextStep::Acknowledge)),
            Err(error) => return self.show(problem::from_client(&error, "", NextStep::Acknowledge)),
        };
        let codes: Vec<String> = request.codes().map(str::to_owned).collect();
        let write = Write::PaperAnswered {
            at: self.session.now,
            key,
            request_id: request.authorization_request_id.as_str().to_owned(),
            status: request.status,
            codes: codes.clone(),
        };
        let refused: Vec<Refused> = request
            .products
            .iter()
            .filter(|line| line.status == LineDecision::Rejected)
            .map(|line| Refused {
                name: line.product_code.clone(),
                reason: line.reason.clone().unwrap_or_default(),
                words: line.reason_description.clone().unwrap_or_default(),
            })
            .collect();
        match (request.status, codes.first(), request.beneficiary_id.clone()) {
            (AuthorizationRequestStatus::Approved, Some(code), Some(beneficiary_id)) => {
                let others = codes.iter().skip(1).cloned().collect::<Vec<_>>();
                let notice = (!refused.is_empty() || !others.is_empty())
                    .then_some(crate::counter::Notice::NotAuthorized { refused, others });
                let id = self.session.request(Purpose::PaperKept { code: code.clone(), beneficiary_id, notice });
                effects.push(Effect::Journal { id, write });
            }
            (status, _, _) => {
                effects.push(self.session.write(write));
                self.session.notice = Some(if status.is_decided() {
                    crate::counter::Notice::NotAuthorized { refused, others: Vec::new() }
                } else {
                    crate::counter::Notice::PaperPending
                });
                if let Step::History(history) = &self.step {
                    let day = history.day;
                    effects.push(self.session.load_day(Purpose::HistoryDay { day }, day));
                }
            }
        }
    }

    /// The cash sale's receipt: the mapped lines at the pharmacy's prices, paid by the patient.
    fn cash_receipt(&self, lines: &PaperLines) -> crate::receipt::Receipt {
        let settings = &self.session.settings;
        let (total, currency) = lines.cash_total();
        crate::receipt::Receipt {
            locale: settings.locale,
            copy: false,
            header: settings.printing.as_ref().map(|printing| printing.header.clone()).unwrap_or_default(),
            till: settings.till.clone(),
            at: self.session.now.to_offset(settings.utc_offset),
            code: lines.prescription.id.clone(),
            code_kind: crate::receipt::CodeKind::Prescription,
            sponsor: None,
            beneficiary: None,
            clerk: self.session.clerk.as_ref().map(|clerk| clerk.name.clone()),
            prescriber: lines.prescription.prescriber.as_ref().map(|prescriber| prescriber.name.clone()),
            currency,
            lines: lines
                .lines
                .iter()
                .filter(|line| !line.dropped())
                .filter_map(|line| {
                    let product = line.product.as_ref()?;
                    let unit_price = product.unit_price.unwrap_or_default();
                    Some(crate::receipt::Line {
                        name: product.product_name.clone(),
                        quantity: line.quantity,
                        unit_price,
                        total: unit_price.checked_mul(Decimal::from(line.quantity)).unwrap_or_default(),
                        share: None,
                        substitute: None,
                        pack: None,
                    })
                })
                .collect(),
            totals: crate::receipt::Totals {
                total,
                share: Some(crate::receipt::Share { sponsor: Decimal::ZERO, patient: total }),
            },
            remaining: Vec::new(),
            claim_id: None,
            invoice: None,
        }
    }

    /// Prints a cash sale's receipt, if there is a printer.
    fn print_sale(&mut self, key: String, receipt: crate::receipt::Receipt, effects: &mut Vec<Effect>) {
        let Some(printing) = &self.session.settings.printing else { return };
        let width = printing.width;
        let id = self.session.request(Purpose::PrintSale { key });
        effects.push(Effect::Print { id, receipt: Box::new(receipt), width });
    }

    /// The printer answered for a cash sale: say so, and keep it with the sale.
    pub(in crate::counter) fn sale_printed(
        &mut self,
        key: String,
        result: Result<(), String>,
        effects: &mut Vec<Effect>,
    ) {
        let printed = result.is_ok();
        self.session.notice = Some(match result {
            Ok(()) => crate::counter::Notice::Printed { copy: false },
            Err(message) => crate::counter::Notice::NotPrinted { message },
        });
        effects.push(self.session.write(Write::PaperPrinted { key, printed }));
    }
}

/// The request for `lines`, its indication (the transcription), and three fresh keys.
fn paper_send(session: &mut Session, lines: &PaperLines, sponsor_slug: String, beneficiary_id: Id) -> PaperSend {
    let prescription = &lines.prescription;
    let request = NewAuthorizationRequest {
        beneficiary_id,
        sponsor_slug,
        diagnosis_code: None,
        authorization_type: AuthorizationType::Prescription,
        products: lines
            .lines
            .iter()
            .filter(|line| !line.dropped())
            .filter_map(|line| {
                Some(RequestedProduct {
                    product_code: line.product.as_ref()?.product_code.clone(),
                    product_type: ProductType::Medication,
                    quantity: i64::from(line.quantity),
                    posology: line.read.original_posology.clone().or_else(|| line.read.dosage.clone()),
                })
            })
            .collect(),
        provider_branch_id: None,
    };
    let prescriber = prescription.prescriber.clone();
    let indication = NewIndication {
        kind: "PRESCRIPTION_DOCUMENT".to_owned(),
        source: "POSOS".to_owned(),
        reference: prescription.reference.clone(),
        prescriber: Prescriber {
            name: prescriber.as_ref().map_or_else(|| "—".to_owned(), |prescriber| prescriber.name.clone()),
            medical_license_number: prescriber.and_then(|prescriber| prescriber.license),
        },
        issued_on: prescription.authored_on.as_deref().and_then(|at| at.get(..10)).map(str::to_owned),
    };
    PaperSend {
        create_key: session.key("preauth-create").as_str().to_owned(),
        indication_key: session.key("preauth-indication").as_str().to_owned(),
        complete_key: session.key("preauth-complete").as_str().to_owned(),
        request,
        indication,
    }
}

/// The lines the sponsor refused, by the name the clerk mapped them to, with the reason (its code, and the
/// sponsor's words).
fn refused_lines(request: &AuthorizationRequest, lines: &PaperLines) -> Vec<Refused> {
    request
        .products
        .iter()
        .filter(|line| line.status == LineDecision::Rejected)
        .map(|refused| {
            let name = lines
                .lines
                .iter()
                .filter_map(|line| line.product.as_ref())
                .find(|product| product.product_code == refused.product_code)
                .map_or_else(|| refused.product_code.clone(), |product| product.product_name.clone());
            Refused {
                name,
                reason: refused.reason.clone().unwrap_or_default(),
                words: refused.reason_description.clone().unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osigu::model::ProviderProduct;

    fn product(code: &str, name: &str, gtin: Option<&str>) -> ProviderProduct {
        ProviderProduct {
            product_code: code.into(),
            product_name: name.into(),
            product_type: ProductType::Medication,
            registered_at: OffsetDateTime::UNIX_EPOCH,
            unit_price: Some(Decimal::ONE),
            currency_code: Some("GTQ".into()),
            gtin: gtin.map(str::to_owned),
        }
    }

    fn read(text: &str, gtin: Option<&str>, reliability: f64) -> ScannedLine {
        ScannedLine {
            id: "mr-1".into(),
            text: text.into(),
            recognised_as: None,
            gtin: gtin.map(str::to_owned),
            original_posology: Some("1 c/8 h".into()),
            dosage: None,
            reliability: Some(reliability),
            quantity: Some(21),
            duration_days: Some(7),
        }
    }

    #[test]
    fn lines_are_mapped_by_gtin_first_then_by_name_and_must_be_confirmed_or_mapped_before_the_request() {
        let registry = Registry::loaded(vec![
            product("MED-001", "Amoxicilina 500 mg cápsula", Some("09520001000010")),
            product("MED-107", "Loratadina 10 mg tableta", None),
        ]);
        let prescription = ScannedPrescription {
            id: "rg-1".into(),
            reference: "RequestGroup/rg-1".into(),
            outcome: ScanOutcome::Imported,
            failure: None,
            authored_on: None,
            prescriber: None,
            lines: vec![
                read("AMOXICILINA 500", Some("09520001000010"), 0.97),
                // No pack recognised: the name (accents and case aside) suggests the product.
                read("loratadína 10 mg", None, 0.95),
                read("Dexketoprofeno 25 mg", Some("09520001999017"), 0.91),
                read("Ibu", None, 0.30),
            ],
        };
        let mut lines = PaperLines::new(prescription);
        lines.suggest(&registry);
        let mapped: Vec<(Option<&str>, MappedBy)> = lines
            .lines
            .iter()
            .map(|line| (line.product.as_ref().map(|product| product.product_code.as_str()), line.mapped_by))
            .collect();
        assert_eq!(
            mapped,
            [
                (Some("MED-001"), MappedBy::Gtin),
                (Some("MED-107"), MappedBy::Name),
                (None, MappedBy::None),
                // Too short a word to suggest anything from.
                (None, MappedBy::None),
            ]
        );
        assert_eq!(lines.unresolved(), Unresolved { unconfirmed: 1, unmapped: 2, requested: 4 });
        // Dropped lines need nothing; what is left to request decides.
        lines.lines[2].quantity = 0;
        lines.lines[3].quantity = 0;
        assert!(lines.ready());
        lines.lines[0].quantity = 0;
        lines.lines[1].quantity = 0;
        assert!(!lines.ready(), "nothing left to request");
    }
}
