//! Identifying the beneficiary with the sponsor's own form, when the sponsor requires it before a code can be
//! redeemed (`BENEFICIARY_REQUIRED`): fields by type, search, then start again on the beneficiary's behalf.

use std::collections::BTreeMap;

use tui_input::Input;

use super::text;
use crate::counter::action::Action;
use crate::counter::app::{App, Purpose, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::osigu::error::ClientError;
use crate::osigu::model::{BeneficiaryMatch, FieldType, FormField, SearchForm};

const MAX_FIELD_CHARS: usize = 80;

/// The identification step.
#[derive(Clone, Debug)]
pub struct Identify {
    /// The code waiting to be started once the beneficiary is known.
    pub code: String,
    pub sponsor_slug: String,
    /// The form the server named, if any.
    pub wanted_form: Option<String>,
    /// The sponsor's forms (empty while loading).
    pub forms: Vec<SearchForm>,
    /// Which form is in use.
    pub form: usize,
    /// One editor per field of the form in use, in display order.
    pub fields: Vec<FieldEdit>,
    pub focus: usize,
    /// The beneficiary found, once the search answers.
    pub found: Option<BeneficiaryMatch>,
    /// For a paper prescription (no code yet): once found, on to its Scan & Go page.
    pub for_paper: bool,
}

/// One field of the form.
#[derive(Clone, Debug)]
pub struct FieldEdit {
    pub field: FormField,
    pub input: Input,
    /// The chosen option of a SELECT/DROPDOWN field.
    pub option: Option<usize>,
}

impl FieldEdit {
    fn new(field: FormField) -> Self {
        let option = is_choice(field.field_type).then_some(0).filter(|_| !field.options.is_empty());
        Self { field, input: Input::default(), option }
    }

    /// Types the counter can edit; the rest are shown read-only.
    pub fn editable(&self) -> bool {
        !matches!(self.field.field_type, FieldType::Unsupported)
    }

    /// The value to send, or why it cannot be sent.
    fn value(&self) -> Result<Option<serde_json::Value>, ()> {
        if let Some(index) = self.option {
            return Ok(self.field.options.get(index).map(|option| serde_json::Value::String(option.clone())));
        }
        let text = self.input.value().trim();
        if text.is_empty() {
            return if self.field.required && self.editable() { Err(()) } else { Ok(None) };
        }
        match self.field.field_type {
            FieldType::Integer => text.parse::<i64>().map(|n| Some(n.into())).map_err(|_| ()),
            FieldType::Date => iso_date(text).map(|date| Some(date.into())).ok_or(()),
            FieldType::Email if !text.contains('@') => Err(()),
            _ => Ok(Some(serde_json::Value::String(text.to_owned()))),
        }
    }
}

fn is_choice(field_type: FieldType) -> bool {
    matches!(field_type, FieldType::Select | FieldType::Dropdown)
}

/// A date typed as `YYYY-MM-DD` or as the region writes it, `DD/MM/YYYY`, in ISO form.
fn iso_date(text: &str) -> Option<String> {
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let local = time::macros::format_description!("[day]/[month]/[year]");
    let date = time::Date::parse(text, &iso).or_else(|_| time::Date::parse(text, &local)).ok()?;
    date.format(&iso).ok()
}

/// The most characters a field of each type takes: a date is `DD/MM/YYYY` or `YYYY-MM-DD`, never longer.
fn most_chars(field_type: FieldType) -> usize {
    match field_type {
        FieldType::Date => 10,
        _ => MAX_FIELD_CHARS,
    }
}

/// What each field type accepts as typed characters.
fn accepts(field_type: FieldType) -> fn(char) -> bool {
    match field_type {
        FieldType::Integer => text::digit,
        FieldType::Date => |c| c.is_ascii_digit() || c == '-' || c == '/',
        FieldType::Phone => |c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'),
        _ => text::any,
    }
}

impl Identify {
    fn use_form(&mut self, index: usize) {
        self.form = index;
        let mut fields = self.forms.get(index).map(|form| form.fields.clone()).unwrap_or_default();
        fields.sort_by_key(|field| field.order.unwrap_or(u32::MAX));
        self.fields = fields.into_iter().map(FieldEdit::new).collect();
        // Start on the first field to type into: choices already show a default.
        let typed = self.fields.iter().position(|field| field.editable() && field.option.is_none());
        self.focus = typed.or_else(|| self.fields.iter().position(FieldEdit::editable)).unwrap_or(0);
    }

    fn move_focus(&mut self, forward: bool) {
        let count = self.fields.len();
        for step in 1..=count {
            let index = if forward { (self.focus + step) % count } else { (self.focus + count - step) % count };
            if self.fields[index].editable() {
                self.focus = index;
                return;
            }
        }
    }
}

impl Identify {
    /// Search, move between fields, change a choice or another of the sponsor's forms, back to the code.
    pub(in crate::counter) fn offers(&self) -> (Vec<Offer>, bool) {
        use Action::*;
        let focused = self.fields.get(self.focus);
        let choice = focused.is_some_and(|field| field.option.is_some());
        let mut list =
            vec![Offer::when(!self.fields.is_empty(), Continue, "hint.search"), Offer::on(Back, "hint.back")];
        if self.fields.len() > 1 {
            list.push(Offer::on(NextField, "hint.fields"));
            list.push(Offer::on(PrevField, "hint.fields"));
        }
        list.push(Offer::when(choice, Down, "hint.change_choice"));
        list.push(Offer::when(choice, Up, "hint.change_choice"));
        if self.forms.len() > 1 {
            list.push(Offer::on(PageDown, "hint.other_form"));
            list.push(Offer::on(PageUp, "hint.other_form"));
        }
        let typing = focused.is_some_and(|field| field.option.is_none() && field.editable());
        (list, typing)
    }
}

impl App {
    /// Opens the sponsor's form for `code`.
    pub(in crate::counter) fn identify(
        &mut self,
        code: String,
        sponsor_slug: String,
        wanted_form: Option<String>,
        for_paper: bool,
        effects: &mut Vec<Effect>,
    ) {
        let identify = Identify {
            for_paper,
            code,
            sponsor_slug: sponsor_slug.clone(),
            wanted_form,
            forms: Vec::new(),
            form: 0,
            fields: Vec::new(),
            focus: 0,
            found: None,
        };
        self.go(Step::Identify(identify));
        effects.push(self.call(Purpose::Forms, Call::Forms { sponsor_slug }));
    }

    pub(in crate::counter) fn identify_retry(&mut self, effects: &mut Vec<Effect>) {
        let Step::Identify(identify) = &self.step else { return };
        if identify.forms.is_empty() {
            let sponsor_slug = identify.sponsor_slug.clone();
            effects.push(self.call(Purpose::Forms, Call::Forms { sponsor_slug }));
        } else {
            self.search(effects);
        }
    }

    pub(in crate::counter) fn identify_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let searching = self.is_awaiting(|p| *p == Purpose::Search);
        let Step::Identify(identify) = &mut self.step else { return };
        if identify.fields.is_empty() || searching {
            return;
        }
        let focus = identify.focus;
        let field = &mut identify.fields[focus];
        let accept = accepts(field.field.field_type);
        let most = most_chars(field.field.field_type);
        match msg {
            Msg::Edit(request) if field.option.is_none() && field.editable() => {
                text::edit(&mut field.input, request, most, accept);
            }
            Msg::Paste(pasted) if field.option.is_none() && field.editable() => {
                text::paste(&mut field.input, &pasted, most, accept);
            }
            Msg::Up | Msg::Down | Msg::Increase | Msg::Decrease if field.option.is_some() => {
                let count = field.field.options.len();
                let current = field.option.unwrap_or(0);
                let forward = matches!(msg, Msg::Down | Msg::Increase);
                field.option = Some(if forward { (current + 1) % count } else { (current + count - 1) % count });
            }
            Msg::NextField | Msg::Down => identify.move_focus(true),
            Msg::PrevField | Msg::Up => identify.move_focus(false),
            // Another of the sponsor's forms (e.g. card number instead of document).
            Msg::PageDown | Msg::PageUp if identify.forms.len() > 1 => {
                let count = identify.forms.len();
                let next = if matches!(msg, Msg::PageDown) { identify.form + 1 } else { identify.form + count - 1 };
                identify.use_form(next % count);
            }
            Msg::Submit => self.search(effects),
            _ => {}
        }
    }

    fn search(&mut self, effects: &mut Vec<Effect>) {
        let Step::Identify(identify) = &mut self.step else { return };
        let mut fields = BTreeMap::new();
        for (index, edit) in identify.fields.iter().enumerate() {
            match edit.value() {
                Ok(Some(value)) => {
                    fields.insert(edit.field.slug.clone(), value);
                }
                Ok(None) => {}
                Err(()) => {
                    let label = edit.field.label.clone().unwrap_or_else(|| edit.field.slug.clone());
                    // The message names this field: the cursor waits in it once the message is closed.
                    identify.focus = index;
                    return self.show(Problem::new(ProblemKind::FieldInvalid { label }, NextStep::Acknowledge));
                }
            }
        }
        let sponsor_slug = identify.sponsor_slug.clone();
        effects.push(self.call(Purpose::Search, Call::Search { sponsor_slug, fields }));
    }

    pub(in crate::counter) fn identify_replied(
        &mut self,
        result: Result<Reply, ClientError>,
        effects: &mut Vec<Effect>,
    ) {
        let Step::Identify(identify) = &mut self.step else { return };
        match result {
            Ok(Reply::Forms(forms)) => {
                let wanted = identify.wanted_form.as_deref();
                let index = forms.iter().position(|form| Some(form.form_slug.as_str()) == wanted).unwrap_or(0);
                identify.forms = forms;
                identify.use_form(index);
            }
            Ok(Reply::Beneficiary(found)) => {
                if found.coverage.as_ref().is_some_and(|coverage| !coverage.active) {
                    identify.found = Some(*found);
                    return self.show(Problem::new(ProblemKind::CoverageInactive, NextStep::Acknowledge));
                }
                if identify.for_paper {
                    let sponsor_slug = identify.sponsor_slug.clone();
                    return self.paper_identified(sponsor_slug, *found, effects);
                }
                let code = identify.code.clone();
                let beneficiary_id = found.beneficiary_id.clone();
                identify.found = Some(*found);
                self.start(code, Some(beneficiary_id), effects);
            }
            Ok(_) => self.show(Problem::new(ProblemKind::UnreadableReply, NextStep::Retry)),
            Err(error) => {
                let code = identify.code.clone();
                let mut problem = problem::from_client(&error, &code, NextStep::Retry);
                if problem.next == NextStep::Identify {
                    // Not found: the clerk corrects the fields, which are still there.
                    problem.next = NextStep::Acknowledge;
                }
                self.show(problem);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_sent_in_iso_form_whichever_way_they_are_typed() {
        assert_eq!(iso_date("1985-03-14").as_deref(), Some("1985-03-14"));
        assert_eq!(iso_date("14/03/1985").as_deref(), Some("1985-03-14"));
        assert_eq!(iso_date("31/02/1985"), None);
    }
}
