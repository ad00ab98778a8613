//! The clerk: drives one dispensation through the real core as a person at the counter would (scan, identify,
//! verify, set the quantities, F10, Enter), handles what the screen asks for (Enter on a problem that offers a
//! retry, letting time pass while a finalize is being confirmed, Esc/F2 and Enter to cancel when the flow
//! cannot go on), and writes down what it was shown.

use std::collections::{HashMap, HashSet};

use mostrador::counter::{
    Effect, FacialState, FinalizeState, FingerprintState, Msg, NextStep, OtpState, Problem, ProblemKind, Step, Verify,
};
use mostrador::osigu::model::{Dispensation, Id};
use rand::RngExt;
use rand::rngs::StdRng;
use tui_input::InputRequest;

use crate::driver::Driver;
use crate::issue::Raw;

/// More keys than any flow needs, even a bad one: past this the clerk gives up on the dispensation.
const MAX_ACTIONS: usize = 400;
/// Enter on the same kind of failure this many times in a row, and the clerk gives up.
const MAX_RETRIES_IN_A_ROW: u32 = 25;
/// Refusals (problems without a retry) one dispensation may meet before the clerk cancels it.
const MAX_REFUSALS: usize = 6;
/// Counter time between one customer and the next, in seconds.
const BETWEEN_CUSTOMERS: i64 = 45;
/// The document the ars-sandbox-do beneficiary shows (assets/sandbox/people.toml).
pub const ARS_CEDULA: &str = "00112345678";
/// The ars-sandbox-do beneficiary, for probes that start its authorization outside the counter.
pub const ARS_BENEFICIARY: &str = "bnf_01JD00SANDBX00000000000006";

/// How the code is verified at the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// sponsor-sandbox: no verification.
    NoVerification,
    /// aseguradora-otp: OTP read aloud.
    Otp,
    /// seguro-huella: the counter's reader.
    Fingerprint,
    /// salud-facial: the beneficiary's phone.
    Facial,
    /// ars-sandbox-do: identify by cédula, then OTP.
    IdentifyThenOtp,
    /// A prescription issued through the ePrescription API: cash, no sponsor.
    Cash,
}

/// One dispensation to do.
#[derive(Clone, Debug)]
pub struct Planned {
    pub code: String,
    pub kind: Kind,
    /// The customer changes their mind on the review: Esc, and Enter on "cancel it?".
    pub walk_away: bool,
}

/// A problem the clerk saw.
#[derive(Clone, Debug)]
pub struct Shown {
    /// Seen while on (or just leaving) the finalize step.
    pub on_finalize: bool,
    /// The screen under the problem.
    pub step: String,
    pub problem: Problem,
}

/// What became of one dispensation at the counter, as the clerk saw it.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub lane: usize,
    pub index: usize,
    pub code: String,
    pub kind: Kind,
    /// Every dispensation id that was on screen during this attempt.
    pub ids: Vec<Id>,
    /// The Done screen, if the clerk was shown it.
    pub done: Option<Dispensation>,
    /// The units per line id the clerk sent with F10 (the last time).
    pub intended: Option<Vec<(String, u32)>>,
    pub problems: Vec<Shown>,
    /// The clerk left the dispensation (Esc/F2, Enter).
    pub left: bool,
    /// The counter said the cancel failed (the server will time the dispensation out).
    pub cancel_failed: bool,
    /// Why the clerk gave up, when it did.
    pub gave_up: Option<String>,
    /// Enter on a problem that offered a retry.
    pub retries: u32,
    /// Seconds of counter time the clerk let pass (finalize confirmations, facial polls, OTP cool-downs).
    pub waited: i64,
    /// `complete` requests the core sent (each with the same key), and `GET`s it sent while finalizing to learn
    /// an unknown outcome.
    pub completes: usize,
    pub confirms: usize,
    /// What the clerk did and saw, in order.
    pub log: Vec<String>,
}

impl Outcome {
    pub fn label(&self) -> String {
        format!("lane {} #{} {} ({:?})", self.lane, self.index, self.code, self.kind)
    }
}

/// A counter and the clerk at it.
pub struct Clerk {
    pub driver: Driver,
    pub lane: usize,
    otps: HashMap<String, String>,
    phone: reqwest::Client,
    pub raw: Raw,
    rng: StdRng,
}

/// A short description of the screen, for the log.
fn screen(driver: &Driver) -> String {
    let app = &driver.app;
    let step = match &app.step {
        Step::Entry { .. } => "Entry".to_owned(),
        Step::Starting { .. } => "Starting".to_owned(),
        Step::Identify(_) => "Identify".to_owned(),
        Step::Preparing => "Preparing".to_owned(),
        Step::Verify(Verify::Otp(otp)) => format!("Otp/{:?}", otp.state),
        Step::Verify(Verify::Fingerprint(f)) => format!("Fingerprint/{:?}", f.state),
        Step::Verify(Verify::Facial(f)) => format!("Facial/{:?}", f.state),
        Step::Review(_) => "Review".to_owned(),
        Step::Finalize(f) => format!("Finalize/{:?}#{}", f.state, f.attempts),
        Step::Done(done) => format!("Done({})", done.dispensation.dispensation_id),
        Step::ConfirmLeave { .. } => "ConfirmLeave".to_owned(),
        Step::Leaving { .. } => "Leaving".to_owned(),
        _ => "another screen".to_owned(),
    };
    match &app.problem {
        Some(problem) => format!("{step} + problem {:?}/{:?}", problem.kind, problem.next),
        None => step,
    }
}

impl Clerk {
    pub fn new(driver: Driver, lane: usize, raw: Raw, rng: StdRng) -> Self {
        let phone = mostrador::http::client_builder().build().expect("phone");
        Self { driver, lane, otps: HashMap::new(), phone, raw, rng }
    }

    /// One key (or reply-less message), then whatever it set off, recorded.
    async fn act(&mut self, outcome: &mut Outcome, msg: Msg, what: &str) {
        let finalizing = matches!(self.driver.app.step, Step::Finalize(_));
        self.driver.send(msg).await;
        self.observe(outcome, finalizing, what);
    }

    /// Lets `seconds` of counter time pass (the core's timers fire on the way), recorded.
    async fn wait(&mut self, outcome: &mut Outcome, seconds: i64) {
        let finalizing = matches!(self.driver.app.step, Step::Finalize(_));
        self.driver.wait(seconds).await;
        outcome.waited += seconds;
        self.observe(outcome, finalizing, &format!("wait {seconds} s"));
    }

    async fn type_text(&mut self, outcome: &mut Outcome, text: &str) {
        for c in text.chars() {
            self.driver.send(Msg::Edit(InputRequest::InsertChar(c))).await;
        }
        self.observe(outcome, false, &format!("type {text:?}"));
    }

    fn observe(&mut self, outcome: &mut Outcome, finalizing_before: bool, what: &str) {
        outcome.log.push(format!("{what} → {}", screen(&self.driver)));
        if let Some(active) = &self.driver.app.active
            && !outcome.ids.contains(active.id())
        {
            outcome.ids.push(active.id().clone());
        }
        if let Some(problem) = &self.driver.app.problem {
            let on_finalize = finalizing_before || matches!(self.driver.app.step, Step::Finalize(_));
            let step = screen(&self.driver).split(['/', ' ', '(', '#']).next().unwrap_or_default().to_owned();
            outcome.problems.push(Shown { on_finalize, step, problem: problem.clone() });
        }
    }

    /// The code the beneficiary reads aloud for `otp_id`.
    async fn otp_code(&mut self, otp_id: &Id, dispensation: Option<&Id>) -> Option<String> {
        for message in self.driver.drain_outbox() {
            self.otps.insert(message.otp_id.as_str().to_owned(), message.code);
        }
        if let Some(code) = self.otps.get(otp_id.as_str()) {
            return Some(code.clone());
        }
        // Missed on the broadcast: the outbox itself (never faulted).
        let query = dispensation.map(|id| format!("?dispensation_id={id}")).unwrap_or_default();
        let (_, messages) = self.raw.get(&format!("/sandbox/v1/outbox{query}")).await;
        messages.as_array()?.iter().find(|m| m["otp_id"] == otp_id.as_str())?["code"].as_str().map(str::to_owned)
    }

    /// The units per line this dispensation delivers: everything for a prescription, one unit for the facial
    /// sponsor (its authorization has two), and 0–2 per line otherwise, so each authorization lasts for many
    /// dispensations. `None` when nothing is left to deliver.
    fn choose(&mut self, kind: Kind, max: &[u32], proposed: &[u32]) -> Option<Vec<u32>> {
        let first = max.iter().position(|m| *m > 0)?;
        let mut units = match kind {
            Kind::Cash => proposed.to_vec(),
            Kind::Facial => vec![0; max.len()],
            _ => max.iter().map(|m| self.rng.random_range(0..=2u32).min(*m)).collect(),
        };
        if units.iter().all(|u| *u == 0) {
            units[first] = 1;
        }
        Some(units)
    }

    /// Esc-like leaving: dismiss what is on screen, F2, and Enter on "cancel it?".
    async fn leave(&mut self, outcome: &mut Outcome) {
        if self.driver.app.problem.is_some() {
            self.act(outcome, Msg::Back, "Esc (dismiss)").await;
        }
        self.act(outcome, Msg::NewCode, "F2 (leave)").await;
        if matches!(self.driver.app.step, Step::ConfirmLeave { .. }) {
            self.act(outcome, Msg::Submit, "Enter (cancel it)").await;
            outcome.left = true;
        }
        if let Some(problem) = &self.driver.app.problem
            && matches!(problem.kind, ProblemKind::CancelFailed { .. })
        {
            outcome.cancel_failed = true;
            self.act(outcome, Msg::Submit, "Enter (acknowledge)").await;
        }
    }

    async fn give_up(&mut self, outcome: &mut Outcome, why: String) {
        outcome.log.push(format!("gives up: {why}"));
        outcome.gave_up = Some(why);
        self.leave(outcome).await;
    }

    /// Dispenses `planned` from the code field to Done (or to a cancel), like a clerk.
    pub async fn dispense(&mut self, index: usize, planned: &Planned) -> Outcome {
        let mut outcome = Outcome {
            lane: self.lane,
            index,
            code: planned.code.clone(),
            kind: planned.kind,
            ids: Vec::new(),
            done: None,
            intended: None,
            problems: Vec::new(),
            left: false,
            cancel_failed: false,
            gave_up: None,
            retries: 0,
            waited: 0,
            completes: 0,
            confirms: 0,
            log: Vec::new(),
        };
        let first_effect = self.driver.effects.len();
        let o = &mut outcome;
        if !matches!(self.driver.app.step, Step::Entry { .. }) {
            self.act(o, Msg::NewCode, "F2 (not on the code field)").await;
            if !matches!(self.driver.app.step, Step::Entry { .. }) {
                o.gave_up = Some(format!("the counter is not on the code field: {}", screen(&self.driver)));
                return outcome;
            }
        }
        self.type_text(o, &planned.code).await;
        self.act(o, Msg::Submit, "Enter (scan)").await;
        let mut approved: HashSet<String> = HashSet::new();
        let mut retries_in_a_row = 0;
        let mut units: Option<Vec<u32>> = None;
        let mut finished = false;
        for _ in 0..MAX_ACTIONS {
            if let Some(problem) = self.driver.app.problem.clone() {
                if problem.next == NextStep::Retry {
                    retries_in_a_row += 1;
                    if retries_in_a_row > MAX_RETRIES_IN_A_ROW {
                        let why = format!("{retries_in_a_row} retries in a row, last {:?}", problem.kind);
                        self.give_up(o, why).await;
                        finished = true;
                        break;
                    }
                    o.retries += 1;
                    self.act(o, Msg::Submit, "Enter (retry)").await;
                    continue;
                }
                retries_in_a_row = 0;
                match problem.kind {
                    ProblemKind::OtpResendTooSoon { wait_secs } => {
                        self.act(o, Msg::Submit, "Enter (acknowledge)").await;
                        self.wait(o, wait_secs as i64).await;
                    }
                    ProblemKind::CancelFailed { .. } => {
                        o.cancel_failed = true;
                        self.act(o, Msg::Submit, "Enter (acknowledge)").await;
                    }
                    _ => {
                        let refusals = o.problems.iter().filter(|s| s.problem.next != NextStep::Retry).count();
                        self.act(o, Msg::Submit, "Enter (acknowledge)").await;
                        if refusals > MAX_REFUSALS && self.driver.app.started() {
                            self.give_up(o, format!("{refusals} refusals, last {:?}", problem.kind)).await;
                            finished = true;
                            break;
                        }
                    }
                }
                continue;
            }
            // The screen moved on: a later failure starts a new run of retries.
            retries_in_a_row = 0;
            match &self.driver.app.step {
                Step::Entry { .. } => {
                    finished = true;
                    break;
                }
                Step::Done(done) => {
                    o.done = Some(done.dispensation.clone());
                    self.act(o, Msg::Submit, "Enter (next customer)").await;
                    finished = true;
                    break;
                }
                Step::Identify(identify) => {
                    let Some(field) = identify.fields.get(identify.focus) else {
                        self.give_up(o, "identify without a form".to_owned()).await;
                        finished = true;
                        break;
                    };
                    if field.option.is_none() && field.input.value().is_empty() {
                        self.type_text(o, ARS_CEDULA).await;
                    } else {
                        self.act(o, Msg::Submit, "Enter (search)").await;
                    }
                }
                Step::Verify(Verify::Otp(otp)) => match (otp.state, otp.sent.as_ref()) {
                    (OtpState::Waiting | OtpState::Wrong, Some(sent)) => {
                        let otp_id = sent.otp_id.clone();
                        let dispensation = self.driver.app.active.as_ref().map(|a| a.id().clone());
                        match self.otp_code(&otp_id, dispensation.as_ref()).await {
                            Some(code) => self.type_text(o, &code).await,
                            None => {
                                self.give_up(o, format!("no OTP {otp_id} in the outbox")).await;
                                finished = true;
                                break;
                            }
                        }
                    }
                    (OtpState::Expired | OtpState::Locked, _) => self.act(o, Msg::Submit, "Enter (resend)").await,
                    (state, _) => {
                        self.give_up(o, format!("OTP stuck in {state:?}")).await;
                        finished = true;
                        break;
                    }
                },
                Step::Verify(Verify::Fingerprint(fingerprint)) => match fingerprint.state {
                    FingerprintState::NoMatch | FingerprintState::ReaderFailed => {
                        self.act(o, Msg::Submit, "Enter (capture again)").await;
                    }
                    state => {
                        self.give_up(o, format!("fingerprint stuck in {state:?}")).await;
                        finished = true;
                        break;
                    }
                },
                Step::Verify(Verify::Facial(facial)) => match facial.state {
                    FacialState::Waiting => {
                        if let Some(url) = facial.challenge_url.clone()
                            && approved.insert(url.clone())
                        {
                            // The beneficiary approves on the phone (the sandbox's own pages are never faulted).
                            let reply = self.phone.post(format!("{url}/approve")).send().await;
                            let status = reply.map(|r| r.status().as_u16()).unwrap_or(0);
                            o.log.push(format!("phone approves {url} → HTTP {status}"));
                        }
                        self.wait(o, 1).await;
                    }
                    FacialState::Rejected | FacialState::Expired => {
                        self.act(o, Msg::Submit, "Enter (new challenge)").await;
                    }
                    FacialState::Requesting => {
                        self.give_up(o, "facial stuck requesting".to_owned()).await;
                        finished = true;
                        break;
                    }
                },
                Step::Review(review) => {
                    if review.dialog.is_some() {
                        self.act(o, Msg::Back, "Esc (dialog)").await;
                        continue;
                    }
                    if planned.walk_away {
                        self.act(o, Msg::Back, "Esc (the customer walks away)").await;
                        continue;
                    }
                    let max: Vec<u32> = review.lines.iter().map(|line| line.max).collect();
                    let current: Vec<u32> = review.lines.iter().map(|line| line.units()).collect();
                    let selected = review.selected;
                    if units.is_none() {
                        units = self.choose(planned.kind, &max, &current);
                    }
                    let Some(wanted) = units.clone() else {
                        self.give_up(o, "nothing left to dispense".to_owned()).await;
                        finished = true;
                        break;
                    };
                    match (0..wanted.len()).find(|i| current[*i] != wanted[*i]) {
                        None => {
                            let lines = &self.driver.app.active.as_ref().expect("active").dispensation.products;
                            let intended = lines
                                .iter()
                                .zip(&wanted)
                                .map(|(line, units)| {
                                    (line.id.as_ref().map(|id| id.as_str().to_owned()).unwrap_or_default(), *units)
                                })
                                .collect();
                            o.intended = Some(intended);
                            self.act(o, Msg::Finalize, "F10").await;
                        }
                        Some(line) if line != selected => {
                            let key = if line > selected { Msg::Down } else { Msg::Up };
                            self.act(o, key, "arrow").await;
                        }
                        Some(line) => self.type_text(o, &wanted[line].to_string()).await,
                    }
                }
                Step::Finalize(finalize) => match finalize.state {
                    FinalizeState::Editing => {
                        if finalize.serial_required && finalize.invoice_serial.value().trim().is_empty() {
                            if finalize.focus == 0 {
                                self.act(o, Msg::Submit, "Enter (to the serial)").await;
                            } else {
                                self.type_text(o, "A-2026").await;
                            }
                        } else {
                            self.act(o, Msg::Submit, "Enter (complete)").await;
                        }
                    }
                    FinalizeState::Confirming if finalize.next_try_at.is_some() => {
                        let at = finalize.next_try_at.expect("next try");
                        let seconds = (at - self.driver.now).whole_seconds().max(1);
                        self.wait(o, seconds).await;
                    }
                    FinalizeState::Unknown => self.act(o, Msg::Submit, "Enter (send again)").await,
                    state => {
                        // Nothing in flight and nothing scheduled: the finalize cannot move on by itself.
                        o.log.push(format!("finalize stuck in {state:?}"));
                        o.gave_up = Some(format!("finalize stuck in {state:?}"));
                        finished = true;
                        break;
                    }
                },
                Step::ConfirmLeave { .. } => {
                    o.left = true;
                    self.act(o, Msg::Submit, "Enter (cancel it)").await;
                }
                _ => {
                    let why = format!("stuck on {}", screen(&self.driver));
                    self.give_up(o, why).await;
                    finished = true;
                    break;
                }
            }
        }
        if !finished {
            self.give_up(o, format!("{MAX_ACTIONS} actions")).await;
        }
        // Back on the code field for the next customer, whatever happened.
        if !matches!(self.driver.app.step, Step::Entry { .. }) {
            o.log.push(format!("not back on the code field: {}", screen(&self.driver)));
        }
        let calls = self.driver.effects[first_effect..].iter().filter_map(Effect::request_name);
        let mut finalizing = false;
        for name in calls {
            match name {
                "complete" => {
                    o.completes += 1;
                    finalizing = true;
                }
                "get" if finalizing => o.confirms += 1,
                _ => {}
            }
        }
        // The next customer walks up a little later (the sandbox's OTP cool-down is per beneficiary, 30 s).
        self.driver.wait(BETWEEN_CUSTOMERS).await;
        outcome
    }
}
