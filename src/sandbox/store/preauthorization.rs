//! Pre-authorization requests (contract §10): created `PENDING_INDICATION`, given one or more indications,
//! completed; then answered by the sponsor under its seeded rules ([`PreauthorizationRules`]): at once for a
//! SYNC sponsor, `authorization_decision_secs` later on the sandbox's clock for an ASYNC one (which also
//! emits `authorization.created` per authorization, or `authorization.rejected`).
//!
//! Every approved product group becomes a real authorization in the store (`AUTH-YYYY-NNNNNN`, READY, the
//! approved quantities at the sponsor's price), so the dispensing routes redeem it like any seeded code:
//! start, the sponsor's verification, complete, claim.

use std::collections::HashMap;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::Store;
use super::codes::{AuthorizationLine, AuthorizationRecord, AuthorizationStatus};
use super::timetable::Due;
use crate::osigu::model::{
    AuthorizationCreated, AuthorizationRejected, AuthorizationRequest, AuthorizationRequestStatus, AuthorizationType,
    AuthorizedProduct, Diagnosis, ErrorCode, EvaluationMode, EventProduct, Id, Indication, IssuedAuthorization,
    LineDecision, NewAuthorizationRequest, NewIndication, Prescriber, ProductType, RequestLine, money, wire_name,
};
use crate::sandbox::catalog::{PreauthorizationRules, SponsorEntry};
use crate::sandbox::dates::{later, parse_date};
use crate::sandbox::error::ApiError;
use crate::sandbox::limits;

/// The most lines one request may ask for.
pub(crate) const MAX_LINES: usize = 50;
/// The most indications one request may carry.
const MAX_INDICATIONS: usize = 10;
/// Longest posology, reference and name accepted.
const MAX_POSOLOGY_CHARS: usize = 500;
const MAX_REFERENCE_CHARS: usize = 500;
const MAX_NAME_CHARS: usize = 200;
const MAX_SHORT_CHARS: usize = 64;
/// Indication types the sandbox knows.
const INDICATION_TYPES: [&str; 2] = ["PRESCRIPTION_DOCUMENT", "MEDICAL_ORDER"];
/// The serial the first code issued here gets (the seeded codes stay below it).
const FIRST_SERIAL: u32 = 201;

/// The sponsor's answer for one line.
#[derive(Clone, Debug)]
struct LineOutcome {
    status: LineDecision,
    authorized: u32,
    reason: Option<(&'static str, String)>,
    authorization_id: Option<Id>,
}

#[derive(Clone, Debug)]
struct LineRecord {
    product_code: String,
    product_type: ProductType,
    quantity: u32,
    posology: Option<String>,
    outcome: Option<LineOutcome>,
}

#[derive(Clone, Debug)]
pub(crate) struct RequestRecord {
    id: Id,
    sponsor_slug: String,
    beneficiary_id: Id,
    authorization_type: AuthorizationType,
    diagnosis_code: Option<String>,
    lines: Vec<LineRecord>,
    indications: Vec<Indication>,
    status: AuthorizationRequestStatus,
    authorizations: Vec<IssuedAuthorization>,
    rejection_reason: Option<String>,
    created_at: OffsetDateTime,
    completed_at: Option<OffsetDateTime>,
    decision_due_at: Option<OffsetDateTime>,
    decided_at: Option<OffsetDateTime>,
}

/// The requests and the serial of the next code issued.
#[derive(Debug)]
pub(crate) struct Requests {
    records: HashMap<Id, RequestRecord>,
    next_serial: u32,
}

impl Default for Requests {
    fn default() -> Self {
        Self { records: HashMap::new(), next_serial: FIRST_SERIAL }
    }
}

/// A refused value: §10 answers it 422 (the rest of the contract, 400).
fn invalid(path: impl Into<String>, message: impl Into<String>) -> ApiError {
    ApiError::invalid_field(path, message).with_status(StatusCode::UNPROCESSABLE_ENTITY)
}

fn not_found(id: &Id) -> ApiError {
    ApiError::new(ErrorCode::AuthorizationRequestNotFound, format!("no authorization request {id}"))
}

/// Printable text of 1 to `max` characters.
fn printable(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

/// ICD-10 as sponsors take it: a letter, two digits, optionally a dot and one to four more (`J02.9`, `E11`).
fn icd10(code: &str) -> bool {
    let bytes = code.as_bytes();
    let head = bytes.len() >= 3
        && bytes[0].is_ascii_uppercase()
        && bytes[1].is_ascii_digit()
        && bytes[2].is_ascii_alphanumeric();
    let tail = match code.get(3..) {
        Some("") => true,
        Some(rest) => rest.strip_prefix('.').is_some_and(|rest| {
            (1..=4).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }),
        None => false,
    };
    head && tail
}

/// The sponsor's answer for one line under its rules, before grouping; `name` is the product's registered name.
fn judge(sponsor: &SponsorEntry, line: &LineRecord, name: &str) -> LineOutcome {
    let rules = &sponsor.preauthorization;
    let rejected = |code: &'static str, text: String| LineOutcome {
        status: LineDecision::Rejected,
        authorized: 0,
        reason: Some((code, text)),
        authorization_id: None,
    };
    if sponsor.plan.excluded_products.contains(&line.product_code) {
        return rejected(
            "PRODUCT_EXCLUDED",
            format!("El plan del beneficiario no cubre {name} ({}).", line.product_code),
        );
    }
    if !rules.covered_product_types.contains(&line.product_type) {
        return rejected(
            "PRODUCT_TYPE_NOT_COVERED",
            format!("{} no autoriza productos de tipo {}.", sponsor.sponsor.name, line.product_type.as_str()),
        );
    }
    if line.quantity > rules.max_quantity {
        return LineOutcome {
            status: LineDecision::Approved,
            authorized: rules.max_quantity,
            reason: Some((
                "QUANTITY_REDUCED",
                format!(
                    "Se autorizan {} de las {} unidades pedidas (máximo por línea).",
                    rules.max_quantity, line.quantity
                ),
            )),
            authorization_id: None,
        };
    }
    LineOutcome { status: LineDecision::Approved, authorized: line.quantity, reason: None, authorization_id: None }
}

/// The sponsor's price of `shelf`: times its factor, to the cent, within the sandbox's bounds.
fn sponsor_price(rules: &PreauthorizationRules, shelf: Decimal) -> Decimal {
    shelf.checked_mul(rules.price_factor).map_or(limits::MAX_AMOUNT, money::round).min(limits::MAX_AMOUNT)
}

impl Store {
    fn request_record(&self, id: &Id) -> Result<&RequestRecord, ApiError> {
        self.requests.records.get(id).ok_or_else(|| not_found(id))
    }

    /// `GET /arc/v1/authorization-requests/{id}`.
    pub fn authorization_request(&self, id: &Id) -> Result<AuthorizationRequest, ApiError> {
        self.request_record(id).map(render)
    }

    /// `POST /arc/v1/authorization-requests`: checks the sponsor, the beneficiary and every line; the request
    /// waits for its indication.
    pub fn create_authorization_request(
        &mut self,
        now: OffsetDateTime,
        request: NewAuthorizationRequest,
    ) -> Result<AuthorizationRequest, ApiError> {
        if request.authorization_type == AuthorizationType::Unknown {
            return Err(invalid(
                "authorization_type",
                "expected PRESCRIPTION, MEDICAL_INDICATION, LAB_ORDER or PROCEDURE",
            ));
        }
        let slug = request.sponsor_slug.trim();
        let sponsor = self
            .catalog
            .sponsor(slug)
            .ok_or_else(|| ApiError::new(ErrorCode::SponsorNotFound, format!("no sponsor {slug}")))?;
        let beneficiary = self.catalog.beneficiary(&request.beneficiary_id).ok_or_else(|| {
            ApiError::new(ErrorCode::BeneficiaryNotFound, format!("no beneficiary {}", request.beneficiary_id))
        })?;
        if beneficiary.sponsor_slug != sponsor.slug() {
            return Err(ApiError::new(ErrorCode::BeneficiaryMismatch, format!("the beneficiary is not {slug}'s")));
        }
        if !beneficiary.coverage_active {
            return Err(ApiError::new(ErrorCode::CoverageInactive, "the beneficiary's coverage is not active")
                .with_details(json!({ "effective_until": beneficiary.effective_until })));
        }
        let mut problems = ApiError::new(ErrorCode::ValidationError, "the request is not valid")
            .with_status(StatusCode::UNPROCESSABLE_ENTITY);
        let mut wrong = false;
        let mut fail = |error: ApiError, path: String, message: String| {
            wrong = true;
            error.with_field(path, message)
        };
        let diagnosis_code = request.diagnosis_code.as_deref().map(str::trim).filter(|code| !code.is_empty());
        if let Some(code) = diagnosis_code
            && !icd10(code)
        {
            problems = fail(problems, "diagnosis_code".into(), "expected an ICD-10 code such as J02.9".into());
        }
        if request.provider_branch_id.as_deref().is_some_and(|branch| !printable(branch, MAX_SHORT_CHARS)) {
            problems = fail(problems, "provider_branch_id".into(), format!("1 to {MAX_SHORT_CHARS} characters"));
        }
        if !(1..=MAX_LINES).contains(&request.products.len()) {
            problems = fail(problems, "products".into(), format!("from 1 to {MAX_LINES} products"));
        }
        let mut unregistered =
            ApiError::new(ErrorCode::ProductNotRegistered, "a product is not a registered provider product")
                .with_legacy_code("071-104");
        let mut any_unregistered = false;
        let mut lines = Vec::new();
        for (index, product) in request.products.iter().enumerate() {
            let path = format!("products[{index}]");
            let code = product.product_code.trim();
            let Some(registered) = self.catalog.product(code) else {
                any_unregistered = true;
                unregistered =
                    unregistered.with_field(format!("{path}.product_code"), format!("{code} is not registered"));
                continue;
            };
            if registered.product_type != product.product_type {
                let message = format!("{code} is a {} product", registered.product_type.as_str());
                problems = fail(problems, format!("{path}.product_type"), message);
            }
            let quantity = u32::try_from(product.quantity).ok().filter(|q| (1..=limits::MAX_QUANTITY).contains(q));
            if quantity.is_none() {
                problems = fail(
                    problems,
                    format!("{path}.quantity"),
                    format!("a whole number from 1 to {}", limits::MAX_QUANTITY),
                );
            }
            if product.posology.as_deref().is_some_and(|posology| !printable(posology, MAX_POSOLOGY_CHARS)) {
                problems = fail(
                    problems,
                    format!("{path}.posology"),
                    format!("1 to {MAX_POSOLOGY_CHARS} printable characters"),
                );
            }
            if request.products[..index].iter().any(|earlier| earlier.product_code.trim() == code) {
                problems = fail(problems, format!("{path}.product_code"), format!("{code} is asked for twice"));
            }
            lines.push(LineRecord {
                product_code: code.to_owned(),
                product_type: registered.product_type,
                quantity: quantity.unwrap_or_default(),
                posology: product.posology.clone(),
                outcome: None,
            });
        }
        if any_unregistered {
            return Err(unregistered);
        }
        if wrong {
            return Err(problems);
        }
        let record = RequestRecord {
            id: self.ids.id("areq", now),
            sponsor_slug: sponsor.slug().to_owned(),
            beneficiary_id: beneficiary.beneficiary_id.clone(),
            authorization_type: request.authorization_type,
            diagnosis_code: diagnosis_code.map(str::to_owned),
            lines,
            indications: Vec::new(),
            status: AuthorizationRequestStatus::PendingIndication,
            authorizations: Vec::new(),
            rejection_reason: None,
            created_at: now,
            completed_at: None,
            decision_due_at: None,
            decided_at: None,
        };
        let reply = render(&record);
        self.requests.records.insert(record.id.clone(), record);
        Ok(reply)
    }

    /// `POST …/{id}/indications`: attaches the medical indication, while the request is PENDING_INDICATION.
    pub fn add_indication(
        &mut self,
        now: OffsetDateTime,
        id: &Id,
        indication: NewIndication,
    ) -> Result<Indication, ApiError> {
        let record = self.request_record(id)?;
        if record.status != AuthorizationRequestStatus::PendingIndication {
            return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} is {}", wire_name(&record.status)))
                .with_details(json!({ "status": record.status })));
        }
        if record.indications.len() >= MAX_INDICATIONS {
            return Err(invalid("indications", format!("at most {MAX_INDICATIONS} indications a request")));
        }
        let mut problems = ApiError::new(ErrorCode::ValidationError, "the indication is not valid")
            .with_status(StatusCode::UNPROCESSABLE_ENTITY);
        let mut wrong = false;
        let kind = indication.kind.trim().to_ascii_uppercase();
        if !INDICATION_TYPES.contains(&kind.as_str()) {
            wrong = true;
            problems = problems.with_field("type", format!("expected one of {}", INDICATION_TYPES.join(", ")));
        }
        let source = indication.source.trim().to_ascii_uppercase();
        if !(1..=32).contains(&source.len())
            || !source.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            wrong = true;
            problems = problems.with_field("source", "1 to 32 letters, digits or _, e.g. POSOS");
        }
        if !printable(&indication.reference, MAX_REFERENCE_CHARS) {
            wrong = true;
            problems = problems.with_field("reference", format!("1 to {MAX_REFERENCE_CHARS} printable characters"));
        }
        if !printable(&indication.prescriber.name, MAX_NAME_CHARS) {
            wrong = true;
            problems = problems.with_field("prescriber.name", format!("1 to {MAX_NAME_CHARS} printable characters"));
        }
        let license = indication.prescriber.medical_license_number.as_deref().map(str::trim).filter(|l| !l.is_empty());
        if license.is_some_and(|license| !printable(license, MAX_SHORT_CHARS)) {
            wrong = true;
            problems =
                problems.with_field("prescriber.medical_license_number", format!("1 to {MAX_SHORT_CHARS} characters"));
        }
        let issued_on = indication.issued_on.as_deref().map(str::trim).filter(|date| !date.is_empty());
        match issued_on.map(|text| (text, parse_date(text))) {
            Some((_, None)) => {
                wrong = true;
                problems = problems.with_field("issued_on", "expected a date as YYYY-MM-DD");
            }
            Some((text, Some(date))) if date > now.date() => {
                wrong = true;
                problems = problems.with_field("issued_on", format!("{text} is in the future"));
            }
            _ => {}
        }
        if wrong {
            return Err(problems);
        }
        let added = Indication {
            indication_id: self.ids.id("ind", now),
            kind,
            source: Some(source),
            reference: Some(indication.reference.trim().to_owned()),
            prescriber: Some(Prescriber {
                name: indication.prescriber.name.trim().to_owned(),
                medical_license_number: license.map(str::to_owned),
            }),
            issued_on: issued_on.map(str::to_owned),
            created_at: Some(now),
        };
        let record = self.requests.records.get_mut(id).ok_or_else(|| not_found(id))?;
        record.indications.push(added.clone());
        Ok(added)
    }

    /// `POST …/{id}/complete`: sends the request to the sponsor. A SYNC sponsor answers now; an ASYNC one
    /// answers `authorization_decision_secs` later. Without an indication: 422 `INDICATION_REQUIRED`, and the
    /// request stays as it was.
    pub fn complete_authorization_request(
        &mut self,
        now: OffsetDateTime,
        id: &Id,
    ) -> Result<AuthorizationRequest, ApiError> {
        let record = self.request_record(id)?;
        if record.status != AuthorizationRequestStatus::PendingIndication {
            return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} was completed already"))
                .with_details(json!({ "status": record.status })));
        }
        if record.indications.is_empty() {
            return Err(ApiError::new(
                ErrorCode::IndicationRequired,
                "attach the medical indication (POST …/indications) before completing the request",
            )
            .with_details(json!({ "status": record.status })));
        }
        let mode = self.catalog.sponsor(&record.sponsor_slug).map(|sponsor| sponsor.evaluation_mode);
        let delay = self.settings.authorization_decision_delay;
        let record = self.requests.records.get_mut(id).ok_or_else(|| not_found(id))?;
        record.completed_at = Some(now);
        if mode == Some(EvaluationMode::Async) {
            let due = later(now, delay).unwrap_or(now);
            record.status = AuthorizationRequestStatus::PendingSponsor;
            record.decision_due_at = Some(due);
            self.timetable.schedule(due, Due::AuthorizationDecision(id.clone()));
        } else {
            self.decide_request(id, now);
        }
        self.authorization_request(id)
    }

    /// The sponsor answers a PENDING_SPONSOR request as of its `decision_due_at` (the sweeper's entry point).
    pub(super) fn decide_request_by_time(&mut self, id: &Id) {
        let Some(record) = self.requests.records.get(id) else { return };
        let (Some(due), AuthorizationRequestStatus::PendingSponsor) = (record.decision_due_at, record.status) else {
            return;
        };
        self.decide_request(id, due);
        let Some(record) = self.requests.records.get(id) else { return };
        let events: Vec<(&str, serde_json::Value)> = if record.status == AuthorizationRequestStatus::Rejected {
            let data = AuthorizationRejected {
                authorization_request_id: record.id.clone(),
                beneficiary_id: Some(record.beneficiary_id.clone()),
                sponsor_slug: Some(record.sponsor_slug.clone()),
                rejection_reason: record.rejection_reason.clone(),
                products: render(record).products,
            };
            vec![("authorization.rejected", serde_json::to_value(data).unwrap_or_default())]
        } else {
            record
                .authorizations
                .iter()
                .map(|authorization| {
                    let data = AuthorizationCreated {
                        authorization_id: authorization.authorization_id.clone(),
                        authorization_code: authorization.code.clone(),
                        authorization_request_id: record.id.clone(),
                        beneficiary_id: Some(record.beneficiary_id.clone()),
                        sponsor_slug: Some(record.sponsor_slug.clone()),
                        product_type: Some(authorization.product_type),
                        products: authorization
                            .products
                            .iter()
                            .map(|product| EventProduct {
                                product_code: product.product_code.clone(),
                                quantity: product.quantity.unwrap_or(product.authorized_quantity),
                                posology: record
                                    .lines
                                    .iter()
                                    .find(|line| line.product_code == product.product_code)
                                    .and_then(|line| line.posology.clone()),
                                authorized_quantity: Some(product.authorized_quantity),
                                status: Some(product.status),
                                reason: product.reason.clone(),
                            })
                            .collect(),
                        expires_at: Some(authorization.expires_at),
                        sponsor_reference: Some(format!("{}-{}", record.sponsor_slug, authorization.code)),
                        additional_data: Some(json!({})),
                    };
                    ("authorization.created", serde_json::to_value(data).unwrap_or_default())
                })
                .collect()
        };
        for (event_type, data) in events {
            self.events.emit(&mut self.ids, due, event_type, data);
        }
    }

    /// Applies the sponsor's rules to every line, issues one authorization per product group with an approved
    /// line, and settles the request APPROVED (some line approved) or REJECTED, as of `at`.
    fn decide_request(&mut self, id: &Id, at: OffsetDateTime) {
        let Some(record) = self.requests.records.get(id) else { return };
        let Some(sponsor) = self.catalog.sponsor(&record.sponsor_slug).cloned() else { return };
        let rules = &sponsor.preauthorization;
        let mut outcomes: Vec<LineOutcome> = record
            .lines
            .iter()
            .map(|line| {
                let name = self.catalog.product(&line.product_code).map_or("", |product| product.product_name.as_str());
                judge(&sponsor, line, name)
            })
            .collect();
        // Groups in the order their first line was asked for.
        let mut groups: Vec<(String, ProductType, Vec<usize>)> = Vec::new();
        for (index, line) in record.lines.iter().enumerate() {
            let name = rules.group_of(&line.product_code, line.product_type);
            match groups.iter_mut().find(|(group, _, _)| *group == name) {
                Some((_, _, members)) => members.push(index),
                None => groups.push((name, line.product_type, vec![index])),
            }
        }
        let expires_at = at.checked_add(Duration::days(i64::from(rules.validity_days))).unwrap_or(at);
        let prescriber = record
            .indications
            .last()
            .and_then(|indication| indication.prescriber.clone())
            .unwrap_or(Prescriber { name: "—".to_owned(), medical_license_number: None });
        let diagnoses: Vec<Diagnosis> =
            record.diagnosis_code.iter().map(|code| Diagnosis { code: code.clone(), description: None }).collect();
        let lines = record.lines.clone();
        let beneficiary_id = record.beneficiary_id.clone();
        let mut issued = Vec::new();
        for (name, product_type, members) in groups {
            if !members.iter().any(|&index| outcomes[index].status == LineDecision::Approved) {
                continue;
            }
            let authorization_id = self.ids.id("auth", at);
            let code = self.next_authorization_code(at);
            let mut authorized_lines = Vec::new();
            let mut products = Vec::new();
            for &index in &members {
                let (line, outcome) = (&lines[index], &mut outcomes[index]);
                if outcome.status == LineDecision::Approved {
                    outcome.authorization_id = Some(authorization_id.clone());
                    let shelf = self.catalog.product(&line.product_code).map_or(Decimal::ZERO, |p| p.unit_price);
                    authorized_lines.push(AuthorizationLine {
                        id: Id::new(format!("line_{}", authorized_lines.len() + 1)),
                        product_code: line.product_code.clone(),
                        prescribed: line.quantity,
                        authorized: outcome.authorized,
                        claimed: 0,
                        unit_price: sponsor_price(rules, shelf),
                        taxes: Decimal::ZERO,
                        posology: line.posology.clone(),
                        duration_days: None,
                        substitution_allowed: true,
                    });
                }
                products.push(AuthorizedProduct {
                    product_code: line.product_code.clone(),
                    authorized_quantity: outcome.authorized,
                    status: outcome.status,
                    reason: outcome.reason.as_ref().map(|(code, _)| (*code).to_owned()),
                    reason_description: outcome.reason.as_ref().map(|(_, text)| text.clone()),
                    quantity: Some(line.quantity),
                });
            }
            self.authorizations.insert(
                code.clone(),
                AuthorizationRecord {
                    authorization_id: authorization_id.clone(),
                    code: code.clone(),
                    sponsor_slug: sponsor.slug().to_owned(),
                    beneficiary_id: beneficiary_id.clone(),
                    status: AuthorizationStatus::Ready,
                    expires_at,
                    prescriber: prescriber.clone(),
                    diagnoses: diagnoses.clone(),
                    lines: authorized_lines,
                },
            );
            issued.push(IssuedAuthorization {
                authorization_id,
                code,
                product_type,
                expires_at,
                products,
                group: Some(name),
            });
        }
        let Some(record) = self.requests.records.get_mut(id) else { return };
        for (line, outcome) in record.lines.iter_mut().zip(outcomes) {
            line.outcome = Some(outcome);
        }
        record.status =
            if issued.is_empty() { AuthorizationRequestStatus::Rejected } else { AuthorizationRequestStatus::Approved };
        record.rejection_reason = issued.is_empty().then(|| "ALL_LINES_REJECTED".to_owned());
        record.authorizations = issued;
        record.decided_at = Some(at);
    }

    /// `AUTH-YYYY-NNNNNN`, the next serial no code holds yet.
    fn next_authorization_code(&mut self, at: OffsetDateTime) -> String {
        loop {
            let code = format!("AUTH-{}-{:06}", at.year(), self.requests.next_serial);
            self.requests.next_serial = self.requests.next_serial.wrapping_add(1).max(FIRST_SERIAL);
            if !self.authorizations.contains_key(&code) && !self.prescriptions.contains_key(&code) {
                return code;
            }
        }
    }
}

fn render(record: &RequestRecord) -> AuthorizationRequest {
    AuthorizationRequest {
        authorization_request_id: record.id.clone(),
        status: record.status,
        sponsor_slug: Some(record.sponsor_slug.clone()),
        beneficiary_id: Some(record.beneficiary_id.clone()),
        authorization_type: Some(record.authorization_type),
        diagnosis_code: record.diagnosis_code.clone(),
        products: record
            .lines
            .iter()
            .map(|line| {
                let outcome = line.outcome.as_ref();
                RequestLine {
                    product_code: line.product_code.clone(),
                    product_type: Some(line.product_type),
                    quantity: line.quantity,
                    posology: line.posology.clone(),
                    status: outcome.map_or(LineDecision::Pending, |outcome| outcome.status),
                    authorized_quantity: outcome.map(|outcome| outcome.authorized),
                    reason: outcome.and_then(|outcome| outcome.reason.as_ref()).map(|(code, _)| (*code).to_owned()),
                    reason_description: outcome
                        .and_then(|outcome| outcome.reason.as_ref())
                        .map(|(_, text)| text.clone()),
                    authorization_id: outcome.and_then(|outcome| outcome.authorization_id.clone()),
                }
            })
            .collect(),
        indications: record.indications.clone(),
        authorizations: record.authorizations.clone(),
        rejection_reason: record.rejection_reason.clone(),
        created_at: Some(record.created_at),
        completed_at: record.completed_at,
        decision_due_at: record.decision_due_at,
        decided_at: record.decided_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnosis_codes_are_icd10_shaped() {
        for good in ["J02.9", "E11", "K21.9", "S72.001A", "U07.1"] {
            assert!(icd10(good), "{good}");
        }
        for bad in ["", "j02.9", "J2", "J02.", "J02.12345", "J02-9", "02.9", "J02.9 "] {
            assert!(!icd10(bad), "{bad}");
        }
    }
}
