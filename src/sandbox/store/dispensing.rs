//! Dispensations: start (the code lookup), read, list, replace lines, complete, cancel, and the timeout that
//! cancels a forgotten one. Contract §3.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Store;
use super::codes::{AuthorizationStatus, SourceLine};
use crate::osigu::model::{
    CancelRequest, Claim, CodeType, CompleteRequest, Dispensation, DispensationStatus, ErrorCode, Id, InvoiceInfo,
    Page, PageInfo, ProductLine, SponsorVerification, StartRequest, SubstitutionReason, UpdateLine, UpdateRequest,
    VerificationKind, VerificationMethod, VerificationState, money, wire_name,
};
use crate::sandbox::error::ApiError;

/// Why the server cancelled a dispensation nobody finished.
pub(crate) const TIMEOUT_REASON: &str = "TIMEOUT";

/// A substitute product delivered on a line.
#[derive(Clone, Debug)]
pub(crate) struct Substitute {
    pub product_code: String,
    pub quantity: u32,
    pub reason: SubstitutionReason,
    pub other_description: Option<String>,
}

/// What one dispensation delivers of one source line.
#[derive(Clone, Debug)]
pub(crate) struct LineSelection {
    pub line_id: Id,
    pub quantity: u32,
    pub unit_price: Decimal,
    pub taxes: Decimal,
    pub substitute: Option<Substitute>,
}

impl LineSelection {
    /// Units leaving the pharmacy on this line: the original product plus any substitute.
    pub fn units(&self) -> u32 {
        self.quantity + self.substitute.as_ref().map_or(0, |substitute| substitute.quantity)
    }

    pub fn subtotal(&self) -> Decimal {
        if self.units() == 0 { Decimal::ZERO } else { money::line_total(self.unit_price, self.units(), self.taxes) }
    }
}

/// Verification progress of one dispensation.
#[derive(Clone, Debug)]
pub(crate) struct VerificationProgress {
    pub required: Option<VerificationKind>,
    pub state: VerificationState,
    pub method: Option<VerificationMethod>,
    /// The live remote challenge, if any.
    pub challenge: Option<Id>,
    pub failed_attempts: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct DispensationRecord {
    pub id: Id,
    pub status: DispensationStatus,
    pub code: String,
    pub code_type: CodeType,
    pub sponsor_slug: Option<String>,
    pub beneficiary_id: Id,
    pub currency: String,
    pub lines: Vec<LineSelection>,
    pub verification: VerificationProgress,
    pub started_at: OffsetDateTime,
    pub timeout_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancellation_reason: Option<String>,
    pub claim: Option<Claim>,
    pub invoice: Option<InvoiceInfo>,
    /// The lines as they stood when the dispensation ended, so history does not drift.
    pub frozen_lines: Option<Vec<ProductLine>>,
}

impl DispensationRecord {
    pub fn total(&self) -> Decimal {
        money::total(self.lines.iter().map(LineSelection::subtotal))
    }
}

/// Filters of `GET /dispensing/v1/dispensations`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListFilter {
    pub status: Option<DispensationStatus>,
    pub code: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub page: u32,
    pub size: u32,
}

/// Codes are printed upper-case; scanners and fingers are not always.
fn normalize_code(code: &str) -> String {
    code.trim().to_uppercase()
}

fn rfc3339(instant: OffsetDateTime) -> String {
    instant.format(&Rfc3339).unwrap_or_default()
}

fn not_found(id: &Id) -> ApiError {
    ApiError::new(ErrorCode::DispensationNotFound, format!("no dispensation {id}"))
}

/// Everything a start needs, gathered before anything changes.
struct StartPlan {
    code_type: CodeType,
    sponsor_slug: Option<String>,
    beneficiary_id: Id,
    currency: String,
    verification: Option<VerificationKind>,
    lines: Vec<SourceLine>,
}

impl Store {
    pub(super) fn source_lines(&self, code_type: CodeType, code: &str) -> Vec<SourceLine> {
        match code_type {
            CodeType::Authorization => self
                .authorizations
                .get(code)
                .map(|authorization| authorization.lines.iter().map(SourceLine::from_authorization).collect())
                .unwrap_or_default(),
            _ => self
                .prescriptions
                .get(code)
                .map(|prescription| {
                    prescription
                        .items
                        .iter()
                        .map(|item| {
                            let price = self.catalog.product(&item.product_code).map(|p| p.unit_price);
                            SourceLine::from_prescription(item, price.unwrap_or_default())
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn ensure_not_held(&self, code: &str) -> Result<(), ApiError> {
        let Some(holder) = self.holders.get(code).and_then(|id| self.dispensations.get(id)) else {
            return Ok(());
        };
        Err(ApiError::new(ErrorCode::CodeInProgress, format!("{code} is being dispensed by {}", holder.id))
            .with_details(json!({
                "started_at": rfc3339(holder.started_at),
                "dispensation_id": holder.id,
                "timeout_at": rfc3339(holder.timeout_at),
            })))
    }

    fn nothing_left(code: &str, lines: &[SourceLine]) -> Result<(), ApiError> {
        if lines.iter().all(|line| line.available == 0) {
            return Err(ApiError::new(ErrorCode::CodeAlreadyRedeemed, format!("{code} has nothing left to dispense")));
        }
        Ok(())
    }

    fn check_currency(requested: Option<&str>, currency: &str) -> Result<(), ApiError> {
        match requested {
            Some(requested) if !requested.eq_ignore_ascii_case(currency) => Err(ApiError::invalid_field(
                "currency_code",
                format!("this code is dispensed in {currency}, not {requested}"),
            )),
            _ => Ok(()),
        }
    }

    fn plan_authorization(
        &self,
        code: &str,
        request: &StartRequest,
        now: OffsetDateTime,
    ) -> Result<StartPlan, ApiError> {
        let authorization = &self.authorizations[code];
        match authorization.status {
            AuthorizationStatus::Voided => {
                return Err(ApiError::new(ErrorCode::CodeVoided, format!("{code} was voided")));
            }
            AuthorizationStatus::PendingReview => {
                return Err(ApiError::new(
                    ErrorCode::AuthorizationPendingReview,
                    format!("{code} awaits the sponsor's manual review"),
                ));
            }
            _ => {}
        }
        if now >= authorization.expires_at {
            return Err(ApiError::new(ErrorCode::CodeExpired, format!("{code} expired"))
                .with_details(json!({ "expired_at": rfc3339(authorization.expires_at) })));
        }
        let lines = self.source_lines(CodeType::Authorization, code);
        Self::nothing_left(code, &lines)?;
        self.ensure_not_held(code)?;
        let sponsor = self
            .catalog
            .sponsor(&authorization.sponsor_slug)
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "authorization without sponsor"))?;
        let identification = &sponsor.dispensing.beneficiary_identification;
        match &request.beneficiary_id {
            None if identification.required => {
                return Err(ApiError::new(
                    ErrorCode::BeneficiaryRequired,
                    format!("{} requires identifying the beneficiary before dispensing", sponsor.slug()),
                )
                .with_details(json!({ "sponsor_slug": sponsor.slug(), "form_slug": identification.form_slug })));
            }
            Some(given) if *given != authorization.beneficiary_id => {
                return Err(ApiError::new(
                    ErrorCode::BeneficiaryMismatch,
                    format!("{code} belongs to another beneficiary"),
                ));
            }
            _ => {}
        }
        let beneficiary = self
            .catalog
            .beneficiary(&authorization.beneficiary_id)
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "authorization without beneficiary"))?;
        if !beneficiary.coverage_active {
            return Err(ApiError::new(ErrorCode::CoverageInactive, "the beneficiary's coverage is not active")
                .with_details(json!({ "effective_until": beneficiary.effective_until })));
        }
        Self::check_currency(request.currency_code.as_deref(), sponsor.currency())?;
        Ok(StartPlan {
            code_type: CodeType::Authorization,
            sponsor_slug: Some(sponsor.slug().to_owned()),
            beneficiary_id: authorization.beneficiary_id.clone(),
            currency: sponsor.currency().to_owned(),
            verification: match sponsor.dispensing.verification {
                SponsorVerification::None => None,
                SponsorVerification::Otp => Some(VerificationKind::Otp),
                SponsorVerification::Biometric => Some(VerificationKind::Biometric),
            },
            lines,
        })
    }

    fn plan_prescription(
        &self,
        code: &str,
        request: &StartRequest,
        now: OffsetDateTime,
    ) -> Result<StartPlan, ApiError> {
        let prescription = &self.prescriptions[code];
        if now < prescription.valid_from {
            return Err(ApiError::new(ErrorCode::CodeNotYetValid, format!("{code} is not valid yet"))
                .with_details(json!({ "valid_from": rfc3339(prescription.valid_from) })));
        }
        if now >= prescription.expires_at {
            return Err(ApiError::new(ErrorCode::CodeExpired, format!("{code} expired"))
                .with_details(json!({ "expired_at": rfc3339(prescription.expires_at) })));
        }
        let lines = self.source_lines(CodeType::Prescription, code);
        Self::nothing_left(code, &lines)?;
        self.ensure_not_held(code)?;
        if request.beneficiary_id.as_ref().is_some_and(|given| *given != prescription.patient_id) {
            return Err(ApiError::new(ErrorCode::BeneficiaryMismatch, format!("{code} belongs to another patient")));
        }
        let currency = self.catalog.provider.currency_code.clone();
        Self::check_currency(request.currency_code.as_deref(), &currency)?;
        Ok(StartPlan {
            code_type: CodeType::Prescription,
            sponsor_slug: None,
            beneficiary_id: prescription.patient_id.clone(),
            currency,
            verification: None,
            lines,
        })
    }

    /// `POST /dispensing/v1/dispensations`.
    pub fn start(&mut self, now: OffsetDateTime, request: StartRequest) -> Result<Dispensation, ApiError> {
        let code = normalize_code(&request.code);
        if code.is_empty() {
            return Err(ApiError::invalid_field("code", "must not be empty"));
        }
        let plan = if self.authorizations.contains_key(&code) {
            self.plan_authorization(&code, &request, now)?
        } else if self.prescriptions.contains_key(&code) {
            self.plan_prescription(&code, &request, now)?
        } else {
            return Err(ApiError::new(ErrorCode::CodeNotFound, format!("no authorization or prescription {code}")));
        };

        let id = self.ids.id("dsp", now);
        let record = DispensationRecord {
            id: id.clone(),
            status: DispensationStatus::Started,
            code: code.clone(),
            code_type: plan.code_type,
            sponsor_slug: plan.sponsor_slug,
            beneficiary_id: plan.beneficiary_id,
            currency: plan.currency,
            lines: plan
                .lines
                .iter()
                .map(|line| LineSelection {
                    line_id: line.id.clone(),
                    quantity: line.available,
                    unit_price: line.unit_price,
                    taxes: line.taxes_for(line.available),
                    substitute: None,
                })
                .collect(),
            verification: VerificationProgress {
                required: plan.verification,
                state: if plan.verification.is_some() {
                    VerificationState::Pending
                } else {
                    VerificationState::NotRequired
                },
                method: None,
                challenge: None,
                failed_attempts: 0,
            },
            started_at: now,
            timeout_at: now + self.settings.dispensation_timeout,
            completed_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            claim: None,
            invoice: None,
            frozen_lines: None,
        };
        self.holders.insert(code, id.clone());
        self.started_order.push(id.clone());
        self.dispensations.insert(id.clone(), record);
        let dispensation = self.render(&self.dispensations[&id]);
        self.emit_dispensing("dispensing.started", &dispensation, now);
        Ok(dispensation)
    }

    /// `GET /dispensing/v1/dispensations/{id}`.
    pub fn dispensation(&self, id: &Id) -> Result<Dispensation, ApiError> {
        self.dispensations.get(id).map(|record| self.render(record)).ok_or_else(|| not_found(id))
    }

    /// `GET /dispensing/v1/dispensations`: newest first.
    pub fn list(&self, filter: &ListFilter) -> Page<Dispensation> {
        let matching: Vec<&DispensationRecord> = self
            .started_order
            .iter()
            .rev()
            .filter_map(|id| self.dispensations.get(id))
            .filter(|record| filter.status.is_none_or(|status| record.status == status))
            .filter(|record| filter.code.as_deref().is_none_or(|code| record.code == normalize_code(code)))
            .filter(|record| filter.from.is_none_or(|from| record.started_at >= from))
            .filter(|record| filter.to.is_none_or(|to| record.started_at <= to))
            .collect();
        let size = filter.size.max(1);
        let total_elements = matching.len() as u64;
        let content = matching
            .into_iter()
            .skip(filter.page as usize * size as usize)
            .take(size as usize)
            .map(|record| self.render(record))
            .collect();
        Page {
            content,
            page: PageInfo {
                number: filter.page,
                size,
                total_elements,
                total_pages: u32::try_from(total_elements.div_ceil(u64::from(size))).unwrap_or(u32::MAX),
            },
        }
    }

    fn started(&self, id: &Id) -> Result<&DispensationRecord, ApiError> {
        let record = self.dispensations.get(id).ok_or_else(|| not_found(id))?;
        if record.status != DispensationStatus::Started {
            return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} is not STARTED"))
                .with_details(json!({ "status": record.status })));
        }
        Ok(record)
    }

    /// `PUT /dispensing/v1/dispensations/{id}`: the request replaces every line; lines it omits deliver nothing.
    pub fn update(&mut self, id: &Id, request: UpdateRequest) -> Result<Dispensation, ApiError> {
        let record = self.started(id)?;
        let sources = self.source_lines(record.code_type, &record.code);
        let rules = record.sponsor_slug.as_deref().and_then(|slug| self.catalog.sponsor(slug));
        let (sponsor_allows, reasons) = match rules {
            Some(sponsor) => (sponsor.dispensing.substitution.allowed, Some(&sponsor.dispensing.substitution.reasons)),
            // A cash prescription answers to no sponsor: the pharmacist decides.
            None => (true, None),
        };

        let mut seen = HashSet::new();
        let mut selections: Vec<LineSelection> = sources
            .iter()
            .map(|source| LineSelection {
                line_id: source.id.clone(),
                quantity: 0,
                unit_price: source.unit_price,
                taxes: Decimal::ZERO,
                substitute: None,
            })
            .collect();
        for (index, line) in request.products.iter().enumerate() {
            let path = format!("products[{index}]");
            let Some(position) = sources.iter().position(|source| source.id == line.id) else {
                return Err(ApiError::invalid_field(format!("{path}.id"), format!("no line {} here", line.id)));
            };
            if !seen.insert(line.id.clone()) {
                return Err(ApiError::invalid_field(format!("{path}.id"), format!("line {} appears twice", line.id)));
            }
            let source = &sources[position];
            let selection = self.plan_line(&path, source, line, sponsor_allows, reasons)?;
            selections[position] = selection;
        }

        let record = self.dispensations.get_mut(id).ok_or_else(|| not_found(id))?;
        record.lines = selections;
        Ok(self.render(&self.dispensations[id]))
    }

    fn plan_line(
        &self,
        path: &str,
        source: &SourceLine,
        line: &UpdateLine,
        sponsor_allows: bool,
        reasons: Option<&Vec<SubstitutionReason>>,
    ) -> Result<LineSelection, ApiError> {
        let quantity = u32::try_from(line.quantity).map_err(|_| {
            ApiError::new(ErrorCode::QuantityInvalid, format!("quantity {} is not a whole number ≥ 0", line.quantity))
                .with_field(format!("{path}.quantity"), "must be ≥ 0")
        })?;
        let substitute = match &line.substitute_product_code {
            None => {
                if line.substitute_quantity.is_some() || line.substitution_reason_enum.is_some() {
                    return Err(ApiError::invalid_field(
                        format!("{path}.substitute_product_code"),
                        "substitution fields need substitute_product_code",
                    ));
                }
                None
            }
            Some(product_code) => {
                Some(self.plan_substitute(path, source, line, product_code, sponsor_allows, reasons)?)
            }
        };
        let selection = LineSelection {
            line_id: source.id.clone(),
            quantity,
            unit_price: source.unit_price,
            taxes: Decimal::ZERO,
            substitute,
        };
        let units = selection.units();
        if units > source.available {
            return Err(ApiError::new(
                ErrorCode::QuantityExceedsAvailable,
                format!("line {} has {} available, {units} requested", source.id, source.available),
            )
            .with_field(format!("{path}.quantity"), format!("at most {}", source.available))
            .with_details(
                json!({ "line_id": source.id, "available_quantity": source.available, "requested": units }),
            ));
        }
        let unit_price = non_negative(line.unit_price, &format!("{path}.unit_price"))?.unwrap_or(source.unit_price);
        let taxes = non_negative(line.taxes, &format!("{path}.taxes"))?.unwrap_or_else(|| source.taxes_for(units));
        Ok(LineSelection { unit_price, taxes, ..selection })
    }

    fn plan_substitute(
        &self,
        path: &str,
        source: &SourceLine,
        line: &UpdateLine,
        product_code: &str,
        sponsor_allows: bool,
        reasons: Option<&Vec<SubstitutionReason>>,
    ) -> Result<Substitute, ApiError> {
        if !sponsor_allows || !source.substitution_allowed {
            return Err(ApiError::new(
                ErrorCode::SubstitutionNotAllowed,
                format!("line {} may not be substituted", source.id),
            )
            .with_field(format!("{path}.substitute_product_code"), "substitution not allowed"));
        }
        let Some(reason) = line.substitution_reason_enum else {
            return Err(ApiError::new(ErrorCode::SubstitutionReasonRequired, "a substitution needs a reason")
                .with_field(format!("{path}.substitution_reason_enum"), "required"));
        };
        if reasons.is_some_and(|accepted| !accepted.contains(&reason)) {
            return Err(ApiError::new(
                ErrorCode::SubstitutionReasonRequired,
                format!("the sponsor does not accept {} as a substitution reason", wire_name(&reason)),
            )
            .with_field(format!("{path}.substitution_reason_enum"), "not accepted by the sponsor"));
        }
        let description = line.substitution_other_description.as_deref().map(str::trim).filter(|d| !d.is_empty());
        if reason == SubstitutionReason::Other && description.is_none() {
            return Err(ApiError::new(ErrorCode::SubstitutionReasonRequired, "reason OTHER needs a description")
                .with_field(format!("{path}.substitution_other_description"), "required with OTHER"));
        }
        if self.catalog.product(product_code).is_none() {
            return Err(ApiError::new(
                ErrorCode::ProductNotRegistered,
                format!("{product_code} is not a registered provider product"),
            )
            .with_legacy_code("071-104")
            .with_field(format!("{path}.substitute_product_code"), "product not registered"));
        }
        if product_code == source.product_code {
            return Err(ApiError::invalid_field(
                format!("{path}.substitute_product_code"),
                "a line cannot be substituted by its own product",
            ));
        }
        let quantity = match line.substitute_quantity {
            None => {
                return Err(ApiError::invalid_field(
                    format!("{path}.substitute_quantity"),
                    "required with substitute_product_code",
                ));
            }
            Some(quantity) => u32::try_from(quantity).map_err(|_| {
                ApiError::new(ErrorCode::QuantityInvalid, format!("substitute quantity {quantity} is not ≥ 0"))
                    .with_field(format!("{path}.substitute_quantity"), "must be ≥ 0")
            })?,
        };
        Ok(Substitute {
            product_code: product_code.to_owned(),
            quantity,
            reason,
            other_description: description.map(str::to_owned),
        })
    }

    /// `POST /dispensing/v1/dispensations/{id}/complete`.
    pub fn complete(
        &mut self,
        now: OffsetDateTime,
        id: &Id,
        request: CompleteRequest,
    ) -> Result<Dispensation, ApiError> {
        let record = self.dispensations.get(id).ok_or_else(|| not_found(id))?;
        match record.status {
            DispensationStatus::Completed => {
                return Err(ApiError::new(ErrorCode::AlreadyCompleted, format!("{id} was already completed"))
                    .with_details(json!({ "dispensation": self.render(record) })));
            }
            DispensationStatus::Cancelled if record.cancellation_reason.as_deref() == Some(TIMEOUT_REASON) => {
                return Err(ApiError::new(
                    ErrorCode::DispensationTimedOut,
                    format!("{id} timed out and was cancelled"),
                )
                .with_details(json!({ "cancelled_at": record.cancelled_at.map(rfc3339) })));
            }
            DispensationStatus::Started => {}
            _ => {
                return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} is not STARTED"))
                    .with_details(json!({ "status": record.status })));
            }
        }
        if record.code_type == CodeType::Authorization
            && self.authorizations.get(&record.code).is_some_and(|a| a.status == AuthorizationStatus::Voided)
        {
            return Err(ApiError::new(ErrorCode::CodeVoided, format!("{} was voided", record.code)));
        }
        let invoice = self.check_invoice(record, &request)?;
        if record.lines.iter().all(|line| line.units() == 0) {
            return Err(ApiError::new(ErrorCode::QuantityInvalid, "every line has quantity 0: nothing to dispense"));
        }
        let proof = self.check_verification(now, record, &request)?;
        let expected = record.total();
        if !money::same_amount(request.amount, expected) {
            return Err(ApiError::new(
                ErrorCode::AmountMismatch,
                format!("amount {} differs from the total {expected}", request.amount),
            )
            .with_details(json!({ "expected": expected, "received": request.amount })));
        }

        // Everything checked: commit.
        if let Some(token) = proof {
            self.consume_token(&token);
        }
        let record = self.dispensations.get(id).cloned().ok_or_else(|| not_found(id))?;
        self.deliver(&record);
        let claim = (record.code_type == CodeType::Authorization).then(|| Claim {
            claim_id: self.ids.id("clm", now),
            status: Some("OPEN".to_owned()),
            amount: Some(expected),
        });
        let frozen = self.render_lines(&record);
        let record = self.dispensations.get_mut(id).ok_or_else(|| not_found(id))?;
        record.status = DispensationStatus::Completed;
        record.completed_at = Some(now);
        record.claim = claim;
        record.invoice = Some(invoice);
        record.frozen_lines = Some(frozen);
        let code = record.code.clone();
        self.holders.remove(&code);
        let dispensation = self.render(&self.dispensations[id]);
        self.emit_dispensing("dispensing.completed", &dispensation, now);
        Ok(dispensation)
    }

    fn check_invoice(&self, record: &DispensationRecord, request: &CompleteRequest) -> Result<InvoiceInfo, ApiError> {
        let filled =
            |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let serial_required = record
            .sponsor_slug
            .as_deref()
            .and_then(|slug| self.catalog.sponsor(slug))
            .is_some_and(|sponsor| sponsor.dispensing.invoice.document_serial_required);
        let mut missing = ApiError::new(ErrorCode::InvoiceRequired, "the invoice is incomplete");
        let number = filled(&request.document_number);
        let date = filled(&request.document_date);
        let serial = filled(&request.document_serial);
        if number.is_none() {
            missing = missing.with_field("document_number", "required");
        }
        if date.is_none() {
            missing = missing.with_field("document_date", "required");
        }
        if serial_required && serial.is_none() {
            missing = missing.with_field("document_serial", "required by this sponsor");
        }
        let (Some(document_number), Some(document_date)) = (number, date) else {
            return Err(missing);
        };
        if serial_required && serial.is_none() {
            return Err(missing);
        }
        let is_date =
            time::Date::parse(&document_date, time::macros::format_description!("[year]-[month]-[day]")).is_ok();
        if !is_date && OffsetDateTime::parse(&document_date, &Rfc3339).is_err() {
            return Err(ApiError::invalid_field("document_date", "expected YYYY-MM-DD or an RFC 3339 date-time"));
        }
        Ok(InvoiceInfo {
            document_number,
            document_serial: serial,
            document_date,
            provider_transaction_id: request.provider_transaction_id.clone(),
        })
    }

    /// Adds what a completed dispensation delivered to its code.
    fn deliver(&mut self, record: &DispensationRecord) {
        match record.code_type {
            CodeType::Authorization => {
                if let Some(authorization) = self.authorizations.get_mut(&record.code) {
                    for line in record.lines.iter().filter(|line| line.units() > 0) {
                        authorization.claim(&line.line_id, line.units());
                    }
                }
            }
            _ => {
                if let Some(prescription) = self.prescriptions.get_mut(&record.code) {
                    for line in record.lines.iter().filter(|line| line.units() > 0) {
                        if let Some(item) = prescription.items.iter_mut().find(|item| item.id == line.line_id) {
                            let substituted = line.substitute.as_ref().map_or(0, |s| s.quantity);
                            item.deliver(line.quantity, substituted);
                        }
                    }
                }
            }
        }
    }

    /// `POST /dispensing/v1/dispensations/{id}/cancel`.
    pub fn cancel(&mut self, now: OffsetDateTime, id: &Id, request: CancelRequest) -> Result<Dispensation, ApiError> {
        self.started(id)?;
        let reason = request.reason.filter(|reason| !reason.trim().is_empty());
        self.end(now, id, reason.unwrap_or_else(|| "CANCELLED_BY_PROVIDER".to_owned()));
        let dispensation = self.dispensation(id)?;
        Ok(dispensation)
    }

    /// Cancels a STARTED dispensation, releasing its code.
    fn end(&mut self, at: OffsetDateTime, id: &Id, reason: String) {
        let Some(record) = self.dispensations.get(id).cloned() else {
            return;
        };
        let frozen = self.render_lines(&record);
        if let Some(record) = self.dispensations.get_mut(id) {
            record.status = DispensationStatus::Cancelled;
            record.cancelled_at = Some(at);
            record.cancellation_reason = Some(reason);
            record.frozen_lines = Some(frozen);
            record.verification.challenge = None;
            self.holders.remove(&record.code);
        }
        let dispensation = self.render(&self.dispensations[id]);
        self.emit_dispensing("dispensing.cancelled", &dispensation, at);
    }

    /// Cancels every STARTED dispensation whose `timeout_at` has passed.
    pub(super) fn expire_dispensations(&mut self, now: OffsetDateTime) {
        let due: Vec<(Id, OffsetDateTime)> = self
            .holders
            .values()
            .filter_map(|id| self.dispensations.get(id))
            .filter(|record| record.timeout_at <= now)
            .map(|record| (record.id.clone(), record.timeout_at))
            .collect();
        for (id, timeout_at) in due {
            self.end(timeout_at, &id, TIMEOUT_REASON.to_owned());
        }
    }

    fn emit_dispensing(&mut self, event_type: &str, dispensation: &Dispensation, now: OffsetDateTime) {
        let source_id = match dispensation.code_type {
            CodeType::Authorization => dispensation
                .code
                .as_deref()
                .and_then(|code| self.authorizations.get(code))
                .map(|authorization| ("authorization_id", authorization.authorization_id.clone())),
            _ => dispensation
                .code
                .as_deref()
                .and_then(|code| self.prescriptions.get(code))
                .map(|prescription| ("prescription_id", prescription.prescription_id.clone())),
        };
        let products: Vec<_> = dispensation
            .products
            .iter()
            .filter(|line| line.quantity > 0 || line.substitute_quantity.unwrap_or(0) > 0)
            .map(|line| {
                json!({
                    "product_code": line.product_code,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "substitute_product_code": line.substitute_product_code,
                    "substitute_quantity": line.substitute_quantity,
                })
            })
            .collect();
        let mut data = json!({
            "dispensation_id": dispensation.dispensation_id,
            "code": dispensation.code,
            "code_type": dispensation.code_type,
            "beneficiary_id": dispensation.beneficiary.as_ref().map(|b| &b.beneficiary_id),
            "sponsor_slug": dispensation.sponsor_slug,
            "pharmacy": {
                "provider_slug": self.catalog.provider.provider_slug,
                "name": self.catalog.provider.name,
                "country_code": self.catalog.provider.country_code,
            },
            "products": products,
            "total_amount": dispensation.total_amount,
            "started_at": dispensation.started_at.map(rfc3339),
            "completed_at": dispensation.completed_at.map(rfc3339),
            "cancelled_at": dispensation.cancelled_at.map(rfc3339),
            "cancellation_reason": dispensation.cancellation_reason,
            "claim_id": dispensation.claim.as_ref().map(|claim| &claim.claim_id),
        });
        if let (Some((key, value)), Some(object)) = (source_id, data.as_object_mut()) {
            object.insert(key.to_owned(), json!(value));
        }
        self.events.emit(&mut self.ids, now, event_type, data);
    }

    /// Sandbox extra: the sponsor voids an authorization (emits `authorization.voided`).
    pub fn void_authorization(&mut self, now: OffsetDateTime, code: &str) -> Result<(), ApiError> {
        let code = normalize_code(code);
        let authorization = self
            .authorizations
            .get_mut(&code)
            .ok_or_else(|| ApiError::new(ErrorCode::CodeNotFound, format!("no authorization {code}")))?;
        authorization.status = AuthorizationStatus::Voided;
        let data = json!({
            "authorization_id": authorization.authorization_id,
            "authorization_code": authorization.code,
            "sponsor_slug": authorization.sponsor_slug,
            "reason": "SPONSOR_VOID",
            "voided_at": rfc3339(now),
        });
        self.events.emit(&mut self.ids, now, "authorization.voided", data);
        Ok(())
    }
}

fn non_negative(value: Option<Decimal>, path: &str) -> Result<Option<Decimal>, ApiError> {
    match value {
        Some(amount) if amount.is_sign_negative() && !amount.is_zero() => {
            Err(ApiError::invalid_field(path, "must be ≥ 0"))
        }
        other => Ok(other),
    }
}
