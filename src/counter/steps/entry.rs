//! The code field and the start of a dispensation: normalise what the scanner typed, look the code up, and
//! route the answer (identify the beneficiary, verify, or review).

use tui_input::{Input, InputRequest};

use super::text;
use crate::counter::app::{Active, App, Proof, Purpose, Step};
use crate::counter::effect::{Effect, Guarded, Write};
use crate::counter::msg::{Msg, Reply};
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::Event;
use crate::osigu::error::ClientError;
use crate::osigu::model::{Dispensation, DispensationStatus, ErrorCode, Id, StartRequest};

/// Codes are short; anything longer is a misfire (a pasted document, a scanner on the wrong field).
pub const MAX_CODE_CHARS: usize = 64;

/// A code as the server expects it: trimmed, upper-case; `None` when nothing is left.
pub fn normalize_code(text: &str) -> Option<String> {
    let code = text.trim().to_uppercase();
    (!code.is_empty()).then_some(code)
}

/// What a code field accepts: printable characters; a scanner's CR/LF arrive as Enter, not as text.
fn code_char(c: char) -> bool {
    !c.is_whitespace() || c == ' '
}

impl App {
    pub(in crate::counter) fn entry_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let Step::Entry { code, selected } = &mut self.step else { return };
        match msg {
            Msg::Edit(request) => {
                // A code put back to be corrected is shown selected: typing replaces it, Backspace clears it.
                if std::mem::take(selected) {
                    match request {
                        InputRequest::InsertChar(_) => code.reset(),
                        InputRequest::DeletePrevChar | InputRequest::DeleteNextChar => return code.reset(),
                        _ => {}
                    }
                }
                text::edit(code, request, MAX_CODE_CHARS, code_char);
            }
            Msg::Paste(pasted) => {
                if std::mem::take(selected) {
                    code.reset();
                }
                // A scanner or a paste may end with a newline: the text before it is the code, and it submits.
                let (first, rest) = pasted.split_once(['\r', '\n']).unwrap_or((&pasted, ""));
                text::paste(code, first, MAX_CODE_CHARS, code_char);
                if !rest.is_empty() || pasted.ends_with(['\r', '\n']) {
                    self.submit_field(effects);
                }
            }
            Msg::Submit => self.submit_field(effects),
            _ => {}
        }
    }

    /// Enter on the code field.
    fn submit_field(&mut self, effects: &mut Vec<Effect>) {
        let Step::Entry { code, .. } = &self.step else { return };
        match normalize_code(code.value()) {
            None => self.show(Problem::new(ProblemKind::CodeEmpty, NextStep::EditCode)),
            Some(code) => self.submit_code(code, effects),
        }
    }

    /// Looks `code` up. Nothing is dispensed off the record: while the journal cannot be written it is tried
    /// first, and the code starts if it works again.
    pub(in crate::counter) fn submit_code(&mut self, code: String, effects: &mut Vec<Effect>) {
        if self.session.journal_failure.is_some() {
            if let Step::Entry { code: field, selected } = &mut self.step {
                *field = Input::new(code.clone());
                *selected = true;
            }
            return self.probe_journal(Some(code), effects);
        }
        self.start(code, None, effects);
    }

    /// `POST /dispensations` for `code`, on behalf of `beneficiary_id` when the sponsor asked for one. A start of
    /// the same code whose reply was lost is sent again instead (same request, same key): the server answers with
    /// the dispensation it made then, which the clerk resumes.
    pub(in crate::counter) fn start(&mut self, code: String, beneficiary_id: Option<Id>, effects: &mut Vec<Effect>) {
        // What printing said about the last receipt is old news once the next code is looked up.
        self.session.notice = None;
        let resumes = |request: &StartRequest| {
            request.code == code && (beneficiary_id.is_none() || request.beneficiary_id == beneficiary_id)
        };
        if let Some((request, key)) = self.session.pending_start.take() {
            if resumes(&request) {
                self.session.pending_start = Some((request, key));
            } else {
                self.session.loose_starts.push((request, key));
            }
        }
        if self.session.pending_start.is_none() {
            self.session.pending_start =
                match self.session.loose_starts.iter().position(|(request, _)| resumes(request)) {
                    Some(index) => Some(self.session.loose_starts.remove(index)),
                    None => Some((
                        StartRequest { code: code.clone(), beneficiary_id, currency_code: None },
                        self.key("start"),
                    )),
                };
        }
        self.go(Step::Starting { code });
        self.send_start(effects);
    }

    fn send_start(&mut self, effects: &mut Vec<Effect>) {
        let Some((request, key)) = self.session.pending_start.clone() else { return };
        effects.push(self.send(Purpose::Start, Guarded::Start { request, key, at: self.session.now }));
    }

    /// Enter after a failed start: the same request with the same key, so a start that did go through is
    /// replayed instead of refused as "in progress".
    pub(in crate::counter) fn retry_start(&mut self, effects: &mut Vec<Effect>) {
        self.send_start(effects);
    }

    /// The clerk walked away from a start in flight: if it starts a dispensation, cancel it.
    pub(in crate::counter) fn abandon_start(&mut self) {
        let Some((_, key)) = self.session.pending_start.take() else { return };
        for purpose in self.session.awaiting.values_mut() {
            if *purpose == Purpose::Start {
                *purpose = Purpose::AbandonedStart { key: key.clone() };
            }
        }
    }

    pub(in crate::counter) fn start_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let Step::Starting { code } = &self.step else { return };
        let code = code.clone();
        // A refusal means nothing started: the journal need not look for it again. Without a usable answer the
        // start stays pending: Enter sends it again, and leaving keeps it to settle.
        if let Err(error) = &result
            && !error.outcome_unknown()
            && let Some((_, key)) = self.session.pending_start.take()
        {
            effects.push(self.write(Write::StartSettled { key: key.as_str().to_owned() }));
        }
        match result {
            Ok(Reply::Dispensation(dispensation)) => self.started_dispensation(*dispensation, effects),
            Ok(_) => self.show(Problem::new(ProblemKind::UnreadableReply, NextStep::Retry)),
            Err(error) if error.code() == Some(&ErrorCode::BeneficiaryRequired) => {
                let text = |name: &str| error.detail_str(name).map(str::to_owned);
                match text("sponsor_slug") {
                    Some(sponsor_slug) => self.identify(code, sponsor_slug, text("form_slug"), false, effects),
                    None => self.show(problem::from_client(&error, &code, NextStep::Retry)),
                }
            }
            Err(error) => self.show(problem::from_client(&error, &code, NextStep::Retry)),
        }
    }

    /// A dispensation came back from start.
    fn started_dispensation(&mut self, dispensation: Dispensation, effects: &mut Vec<Effect>) {
        let start_key = self.session.pending_start.take().map(|(_, key)| key.as_str().to_owned());
        if dispensation.status != DispensationStatus::Started {
            // A replayed start of a dispensation that has since ended: start afresh with a new key.
            if let Some(key) = start_key {
                effects.push(self.write(Write::StartSettled { key }));
            }
            let code = dispensation.code.clone().unwrap_or_default();
            self.go(Step::entry_with(code));
            return self.show(Problem::new(ProblemKind::InvalidState, NextStep::EditCode));
        }
        let event = Event::Started {
            code_type: dispensation.code_type,
            sponsor_slug: dispensation.sponsor_slug.clone(),
            start_key,
        };
        self.active = Some(Active {
            dispensation,
            configuration: None,
            proof: Proof::None,
            earlier: Default::default(),
            packs: Default::default(),
        });
        self.session.invoice = None;
        effects.extend(self.record(event));
        self.prepare(effects);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_trimmed_and_upper_cased() {
        assert_eq!(normalize_code("  auth-2026-000101 \t").as_deref(), Some("AUTH-2026-000101"));
        assert_eq!(normalize_code("   "), None);
        assert_eq!(normalize_code(""), None);
    }
}
