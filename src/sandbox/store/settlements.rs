//! Settlement batches (contract §6), the Dominican radicación: a batch per BATCH sponsor and month, filled
//! with the claims of that sponsor's completed authorization dispensations of that month that no batch holds
//! yet, invoiced and submitted, then answered by the sponsor when the sandbox's clock reaches the decision
//! (`settlement_decision_secs` after the submission), claim by claim under the sponsor's seeded review rules.
//!
//! A claim belongs to at most one batch, ever: once attached it is never pending again, whatever the batch's
//! outcome (a rejected claim is not silently re-billed). Months are UTC months of the dispensation's
//! completion.

use std::fmt;

use rust_decimal::Decimal;
use serde_json::json;
use time::{Date, Month, OffsetDateTime};

use super::Store;
use super::timetable::Due;
use crate::osigu::model::{
    AttachAuthorizationsRequest, CodeType, CompleteSettlementRequest, DispensationStatus, ErrorCode, Id,
    OpenSettlementRequest, Page, PendingAuthorization, Settlement, SettlementEntry, SettlementEntryStatus,
    SettlementMode, SettlementStatus, wire_name,
};
use crate::sandbox::catalog::SettlementReview;
use crate::sandbox::dates::{later, parse_date};
use crate::sandbox::error::ApiError;
use crate::sandbox::paging::PageRequest;

/// The longest invoice number a batch accepts: the Dominican NCF is 11 characters, the e-NCF 13; 20 leaves
/// room for a series prefix without letting free text through.
pub(crate) const MAX_INVOICE_NUMBER_CHARS: usize = 20;

/// The most authorizations one attach may name.
const MAX_ATTACH: usize = 1000;

/// A settlement period: one calendar month, `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Period {
    year: i32,
    month: Month,
}

impl Period {
    /// `YYYY-MM` with a four-digit year and a month from 01 to 12; anything else is not a period.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.split_once('-')?;
        let digits = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return None;
        }
        let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
        Some(Self { year: year.parse().ok()?, month })
    }

    fn of(instant: OffsetDateTime) -> Self {
        Self { year: instant.year(), month: instant.month() }
    }

    fn first_day(self) -> Option<Date> {
        Date::from_calendar_date(self.year, self.month, 1).ok()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

/// The sponsor's answer for one claim, with its reason when rejected.
#[derive(Clone, Debug)]
struct Decision {
    status: SettlementEntryStatus,
    reason: Option<(&'static str, String)>,
}

/// A completed claim as settlements see it.
#[derive(Clone, Debug)]
struct ClaimView {
    authorization_id: Id,
    claim_id: Id,
    dispensation_id: Id,
    code: String,
    /// What the sponsor owes: the claim's amount.
    amount: Decimal,
    patient_amount: Decimal,
    dispensed_at: OffsetDateTime,
}

/// One claim of a batch.
#[derive(Clone, Debug)]
struct EntryRecord {
    claim: ClaimView,
    decision: Option<Decision>,
}

#[derive(Clone, Debug)]
pub(crate) struct SettlementRecord {
    id: Id,
    sponsor_slug: String,
    currency: String,
    period: Period,
    status: SettlementStatus,
    entries: Vec<EntryRecord>,
    invoice_number: Option<String>,
    invoice_date: Option<String>,
    created_at: OffsetDateTime,
    submitted_at: Option<OffsetDateTime>,
    decision_due_at: Option<OffsetDateTime>,
    decided_at: Option<OffsetDateTime>,
}

/// Filters of `GET /v3/settlements`.
#[derive(Clone, Debug, Default)]
pub(crate) struct SettlementFilter {
    pub sponsor_slug: Option<String>,
    pub period: Option<Period>,
    pub status: Option<SettlementStatus>,
    pub page: PageRequest,
}

fn not_found(id: &Id) -> ApiError {
    ApiError::new(ErrorCode::SettlementNotFound, format!("no settlement {id}"))
}

fn not_open(record: &SettlementRecord) -> ApiError {
    ApiError::new(ErrorCode::InvalidState, format!("{} is {}, not OPEN", record.id, wire_name(&record.status)))
        .with_details(json!({ "status": record.status }))
}

/// Amounts of a batch are bounded sums of bounded claims; saturating keeps a reply from ever panicking.
fn sum(amounts: impl Iterator<Item = Decimal>) -> Decimal {
    amounts.fold(Decimal::ZERO, Decimal::saturating_add)
}

/// The sponsor's review of one claim of a batch submitted at `submitted_at`.
fn review(
    rules: Option<&SettlementReview>,
    claim: &ClaimView,
    submitted_at: OffsetDateTime,
    currency: &str,
) -> Decision {
    let accepted = Decision { status: SettlementEntryStatus::Accepted, reason: None };
    let Some(rules) = rules else { return accepted };
    if claim.amount > rules.max_claim_amount {
        let text = format!(
            "El monto a cargo de la ARS ({:.2} {currency}) supera el tope de {:.2} {currency} por reclamación \
             sin auditoría previa.",
            claim.amount, rules.max_claim_amount
        );
        return Decision { status: SettlementEntryStatus::Rejected, reason: Some(("AMOUNT_OVER_LIMIT", text)) };
    }
    let age_days = (submitted_at - claim.dispensed_at).whole_days();
    if age_days > i64::from(rules.max_claim_age_days) {
        let text = format!(
            "Reclamación radicada {age_days} días después de la dispensación (máximo {} días).",
            rules.max_claim_age_days
        );
        return Decision { status: SettlementEntryStatus::Rejected, reason: Some(("LATE_SUBMISSION", text)) };
    }
    accepted
}

impl Store {
    /// Every completed authorization claim of `sponsor` dispensed in `period`, oldest first.
    fn claims_of(&self, sponsor: &str, period: Period) -> Vec<ClaimView> {
        let mut claims: Vec<ClaimView> = self
            .dispensations
            .values()
            .filter(|record| {
                record.status == DispensationStatus::Completed
                    && record.code_type == CodeType::Authorization
                    && record.sponsor_slug.as_deref() == Some(sponsor)
            })
            .filter_map(|record| {
                let claim = record.claim.as_ref()?;
                let dispensed_at = record.completed_at.filter(|at| Period::of(*at) == period)?;
                let authorization = self.authorizations.get(&record.code)?;
                // Completed lines always have a total (they were summed to complete); the claim's amount is
                // the sponsor's share of it.
                let total = record.total().ok()?;
                let amount = claim.amount.unwrap_or(total);
                Some(ClaimView {
                    authorization_id: authorization.authorization_id.clone(),
                    claim_id: claim.claim_id.clone(),
                    dispensation_id: record.id.clone(),
                    code: record.code.clone(),
                    amount,
                    patient_amount: total.saturating_sub(amount),
                    dispensed_at,
                })
            })
            .collect();
        claims.sort_by(|a, b| (a.dispensed_at, &a.claim_id).cmp(&(b.dispensed_at, &b.claim_id)));
        claims
    }

    fn settlement_record(&self, id: &Id) -> Result<&SettlementRecord, ApiError> {
        self.settlements.get(id).ok_or_else(|| not_found(id))
    }

    /// `POST /v3/settlements`: a new OPEN batch. Only a BATCH sponsor's (406 otherwise: its claims are paid one
    /// by one), for a month that has begun, and one OPEN batch per sponsor and month.
    pub fn open_settlement(
        &mut self,
        now: OffsetDateTime,
        request: OpenSettlementRequest,
    ) -> Result<Settlement, ApiError> {
        let slug = request.sponsor_slug.trim();
        if slug.is_empty() {
            return Err(ApiError::invalid_field("sponsor_slug", "required"));
        }
        let period = Period::parse(request.period.trim())
            .ok_or_else(|| ApiError::invalid_field("period", "expected a month as YYYY-MM, e.g. 2026-11"))?;
        let sponsor = self
            .catalog
            .sponsor(slug)
            .ok_or_else(|| ApiError::new(ErrorCode::SponsorNotFound, format!("no sponsor {slug}")))?;
        if sponsor.settlement.mode != SettlementMode::Batch {
            return Err(ApiError::new(
                ErrorCode::SettlementNotAllowed,
                format!("{slug} pays each claim on its own: this provider may not open a settlement batch for it"),
            )
            .with_details(json!({ "sponsor_slug": slug, "settlement_mode": sponsor.settlement.mode })));
        }
        if (period.year, u8::from(period.month)) > (now.year(), u8::from(now.month())) {
            return Err(ApiError::invalid_field("period", format!("{period} has not begun yet")));
        }
        let open = self.settlement_order.iter().filter_map(|id| self.settlements.get(id)).find(|record| {
            record.sponsor_slug == slug && record.period == period && record.status == SettlementStatus::Open
        });
        if let Some(open) = open {
            return Err(ApiError::new(
                ErrorCode::SettlementAlreadyOpen,
                format!("{} is already open for {slug} and {period}", open.id),
            )
            .with_details(json!({ "settlement_id": open.id })));
        }
        let record = SettlementRecord {
            id: self.ids.id("stl", now),
            sponsor_slug: slug.to_owned(),
            currency: sponsor.currency().to_owned(),
            period,
            status: SettlementStatus::Open,
            entries: Vec::new(),
            invoice_number: None,
            invoice_date: None,
            created_at: now,
            submitted_at: None,
            decision_due_at: None,
            decided_at: None,
        };
        let settlement = self.render_settlement(&record);
        self.settlement_order.push(record.id.clone());
        self.settlements.insert(record.id.clone(), record);
        Ok(settlement)
    }

    /// `GET /v3/settlements/{id}`.
    pub fn settlement(&self, id: &Id) -> Result<Settlement, ApiError> {
        self.settlement_record(id).map(|record| self.render_settlement(record))
    }

    /// `GET /v3/settlements`: newest first.
    pub fn settlements(&self, filter: &SettlementFilter) -> Page<Settlement> {
        let matching: Vec<&SettlementRecord> = self
            .settlement_order
            .iter()
            .rev()
            .filter_map(|id| self.settlements.get(id))
            .filter(|record| filter.sponsor_slug.as_deref().is_none_or(|slug| record.sponsor_slug == slug))
            .filter(|record| filter.period.is_none_or(|period| record.period == period))
            .filter(|record| filter.status.is_none_or(|status| record.status == status))
            .collect();
        filter.page.cut(matching, |record| self.render_settlement(record))
    }

    /// `GET /v3/settlements/{id}/pending-authorizations`: the claims of the batch's sponsor and month that no
    /// batch holds, oldest first.
    pub fn pending_authorizations(&self, id: &Id, page: PageRequest) -> Result<Page<PendingAuthorization>, ApiError> {
        let record = self.settlement_record(id)?;
        let pending: Vec<ClaimView> = self
            .claims_of(&record.sponsor_slug, record.period)
            .into_iter()
            .filter(|claim| !self.settled_claims.contains_key(&claim.claim_id))
            .collect();
        Ok(page.cut(pending, |claim| PendingAuthorization {
            authorization_id: claim.authorization_id,
            claim_id: claim.claim_id,
            total_amount: claim.amount,
            dispensed_at: Some(claim.dispensed_at),
            patient_amount: Some(claim.patient_amount),
            dispensation_id: Some(claim.dispensation_id),
            code: Some(claim.code),
        }))
    }

    /// `POST /v3/settlements/{id}/authorizations`: attaches every pending claim of each named authorization
    /// (an authorization dispensed twice in the month has two). All or nothing: 409 when one's claims are in a
    /// batch already (this one included), 422 naming each that has no pending claim here.
    pub fn attach(&mut self, id: &Id, request: AttachAuthorizationsRequest) -> Result<Settlement, ApiError> {
        let record = self.settlement_record(id)?;
        if record.status != SettlementStatus::Open {
            return Err(not_open(record));
        }
        if request.authorization_ids.is_empty() || request.authorization_ids.len() > MAX_ATTACH {
            return Err(ApiError::invalid_field("authorization_ids", format!("from 1 to {MAX_ATTACH} ids")));
        }
        let claims = self.claims_of(&record.sponsor_slug, record.period);
        let mut attached: Vec<ClaimView> = Vec::new();
        let mut not_pending = ApiError::new(
            ErrorCode::AuthorizationNotPending,
            format!("no completed claim waits for a batch of {} and {}", record.sponsor_slug, record.period),
        );
        let mut refused = false;
        for (index, authorization_id) in request.authorization_ids.iter().enumerate() {
            if attached.iter().any(|claim| &claim.authorization_id == authorization_id) {
                continue;
            }
            let of_this: Vec<&ClaimView> =
                claims.iter().filter(|claim| &claim.authorization_id == authorization_id).collect();
            let pending: Vec<&ClaimView> =
                of_this.iter().copied().filter(|claim| !self.settled_claims.contains_key(&claim.claim_id)).collect();
            if pending.is_empty() {
                if let Some(holder) = of_this.iter().find_map(|claim| self.settled_claims.get(&claim.claim_id)) {
                    return Err(ApiError::new(
                        ErrorCode::AuthorizationInSettlement,
                        format!("the claims of {authorization_id} are in {holder} already"),
                    )
                    .with_details(json!({ "authorization_id": authorization_id, "settlement_id": holder })));
                }
                refused = true;
                not_pending = not_pending.with_field(
                    format!("authorization_ids[{index}]"),
                    format!(
                        "{authorization_id} has no completed claim of {} dispensed in {}",
                        record.sponsor_slug, record.period
                    ),
                );
                continue;
            }
            attached.extend(pending.into_iter().cloned());
        }
        if refused {
            return Err(not_pending);
        }
        for claim in &attached {
            self.settled_claims.insert(claim.claim_id.clone(), id.clone());
        }
        let record = self.settlements.get_mut(id).ok_or_else(|| not_found(id))?;
        record.entries.extend(attached.into_iter().map(|claim| EntryRecord { claim, decision: None }));
        self.settlement(id)
    }

    /// `POST /v3/settlements/{id}/complete`: the invoice, then SUBMITTED; the sponsor's answer comes due
    /// `settlement_decision_delay` later. 400 `INVOICE_INVALID` names every wrong field at once.
    pub fn submit_settlement(
        &mut self,
        now: OffsetDateTime,
        id: &Id,
        request: CompleteSettlementRequest,
    ) -> Result<Settlement, ApiError> {
        let record = self.settlement_record(id)?;
        if record.status != SettlementStatus::Open {
            return Err(not_open(record));
        }
        let (number, date) = check_invoice(&request, record.period, now)?;
        if record.entries.is_empty() {
            return Err(ApiError::new(ErrorCode::SettlementEmpty, format!("{id} holds no claim: attach some first")));
        }
        let due = later(now, self.settings.settlement_decision_delay).unwrap_or(now);
        let record = self.settlements.get_mut(id).ok_or_else(|| not_found(id))?;
        record.status = SettlementStatus::Submitted;
        record.invoice_number = Some(number);
        record.invoice_date = Some(date);
        record.submitted_at = Some(now);
        record.decision_due_at = Some(due);
        self.timetable.schedule(due, Due::SettlementDecision(id.clone()));
        self.settlement(id)
    }

    /// The sponsor answers a SUBMITTED batch, as of its `decision_due_at`, and says so in a `settlement.*` event.
    pub(super) fn decide_settlement(&mut self, id: &Id) {
        let Some(record) = self.settlements.get(id).filter(|record| record.status == SettlementStatus::Submitted)
        else {
            return;
        };
        let (Some(submitted_at), Some(decided_at)) = (record.submitted_at, record.decision_due_at) else { return };
        let rules = self.catalog.sponsor(&record.sponsor_slug).and_then(|sponsor| sponsor.settlement_review.as_ref());
        let decisions: Vec<Decision> =
            record.entries.iter().map(|entry| review(rules, &entry.claim, submitted_at, &record.currency)).collect();
        let accepted = decisions.iter().filter(|d| d.status == SettlementEntryStatus::Accepted).count();
        let (status, event_type) = match accepted {
            0 => (SettlementStatus::Rejected, "settlement.rejected"),
            all if all == decisions.len() => (SettlementStatus::Accepted, "settlement.paid"),
            _ => (SettlementStatus::PartiallyAccepted, "settlement.partially_accepted"),
        };
        let Some(record) = self.settlements.get_mut(id) else { return };
        for (entry, decision) in record.entries.iter_mut().zip(decisions) {
            entry.decision = Some(decision);
        }
        record.status = status;
        record.decided_at = Some(decided_at);
        let Ok(settlement) = self.settlement(id) else { return };
        let data = serde_json::to_value(&settlement).unwrap_or_default();
        self.events.emit(&mut self.ids, decided_at, event_type, data);
    }

    fn render_settlement(&self, record: &SettlementRecord) -> Settlement {
        let decided = record.status.is_decided();
        let authorizations: Vec<SettlementEntry> = record
            .entries
            .iter()
            .map(|entry| {
                let decision = entry.decision.as_ref();
                let reason = decision.and_then(|decision| decision.reason.as_ref());
                SettlementEntry {
                    authorization_id: entry.claim.authorization_id.clone(),
                    claim_id: entry.claim.claim_id.clone(),
                    total_amount: entry.claim.amount,
                    status: decision.map(|decision| decision.status),
                    reason: reason.map(|(code, _)| (*code).to_owned()),
                    reason_description: reason.map(|(_, text)| text.clone()),
                    dispensed_at: Some(entry.claim.dispensed_at),
                    patient_amount: Some(entry.claim.patient_amount),
                    dispensation_id: Some(entry.claim.dispensation_id.clone()),
                    code: Some(entry.claim.code.clone()),
                }
            })
            .collect();
        let accepted = authorizations
            .iter()
            .filter(|entry| entry.status == Some(SettlementEntryStatus::Accepted))
            .map(|entry| entry.total_amount);
        Settlement {
            settlement_id: record.id.clone(),
            status: record.status,
            sponsor_slug: Some(record.sponsor_slug.clone()),
            period: Some(record.period.to_string()),
            currency_code: Some(record.currency.clone()),
            total_amount: Some(sum(authorizations.iter().map(|entry| entry.total_amount))),
            accepted_amount: decided.then(|| sum(accepted)),
            authorizations,
            invoice_number: record.invoice_number.clone(),
            invoice_date: record.invoice_date.clone(),
            created_at: Some(record.created_at),
            submitted_at: record.submitted_at,
            decision_due_at: record.decision_due_at,
            decided_at: record.decided_at,
        }
    }
}

/// The invoice of a batch: a number of printable characters up to [`MAX_INVOICE_NUMBER_CHARS`], and a
/// `YYYY-MM-DD` date from the period's first day up to today. Every wrong field is named.
fn check_invoice(
    request: &CompleteSettlementRequest,
    period: Period,
    now: OffsetDateTime,
) -> Result<(String, String), ApiError> {
    let mut invalid = ApiError::new(ErrorCode::InvoiceInvalid, "the batch's invoice is not valid");
    let number = request.invoice_number.as_deref().map(str::trim).unwrap_or_default();
    let number_problem = if number.is_empty() {
        Some("required".to_owned())
    } else if number.chars().count() > MAX_INVOICE_NUMBER_CHARS {
        Some(format!("at most {MAX_INVOICE_NUMBER_CHARS} characters"))
    } else if number.chars().any(char::is_control) {
        Some("letters, digits and punctuation only".to_owned())
    } else {
        None
    };
    if let Some(problem) = &number_problem {
        invalid = invalid.with_field("invoice_number", problem.clone());
    }
    let text = request.invoice_date.as_deref().map(str::trim).unwrap_or_default();
    let date_problem = if text.is_empty() {
        Some("required".to_owned())
    } else {
        match parse_date(text) {
            None => Some("expected a date as YYYY-MM-DD".to_owned()),
            Some(date) if date > now.date() => Some(format!("{date} is in the future")),
            Some(date) if period.first_day().is_some_and(|first| date < first) => {
                Some(format!("{date} is before the period {period}"))
            }
            Some(_) => None,
        }
    };
    if let Some(problem) = &date_problem {
        invalid = invalid.with_field("invoice_date", problem.clone());
    }
    if number_problem.is_some() || date_problem.is_some() {
        return Err(invalid);
    }
    Ok((number.to_owned(), text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn periods_are_months_written_yyyy_mm() {
        let period = Period::parse("2026-11").unwrap();
        assert_eq!(period.to_string(), "2026-11");
        assert!(Period::of(datetime!(2026-11-30 23:59:59 UTC)) == period);
        assert!(Period::of(datetime!(2026-12-01 0:00 UTC)) != period);
        for bad in ["2026-13", "2026-00", "26-11", "2026-1", "2026/11", "2026-11-01", "", "abcd-ef", "+026-11"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_invoice_names_each_wrong_field() {
        let now = datetime!(2026-11-21 10:00 UTC);
        let period = Period::parse("2026-11").unwrap();
        let request = |number: &str, date: &str| CompleteSettlementRequest {
            invoice_number: Some(number.to_owned()),
            invoice_date: Some(date.to_owned()),
        };
        assert!(check_invoice(&request("B0100000001", "2026-11-21"), period, now).is_ok());
        let paths = |number: &str, date: &str| {
            let error = check_invoice(&request(number, date), period, now).unwrap_err();
            error.errors.iter().map(|e| format!("{}: {}", e.path, e.message)).collect::<Vec<_>>()
        };
        assert_eq!(paths(" ", "2026-11-22"), ["invoice_number: required", "invoice_date: 2026-11-22 is in the future"]);
        assert_eq!(
            paths("B01000000010000000001", "ayer"),
            ["invoice_number: at most 20 characters", "invoice_date: expected a date as YYYY-MM-DD"]
        );
        assert_eq!(
            paths("B01\u{1b}[2J", "2026-10-31"),
            [
                "invoice_number: letters, digits and punctuation only",
                "invoice_date: 2026-10-31 is before the period 2026-11"
            ]
        );
        let missing = check_invoice(&CompleteSettlementRequest::default(), period, now).unwrap_err();
        assert_eq!((missing.status().as_u16(), missing.errors.len()), (400, 2));
    }
}
