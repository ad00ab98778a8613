//! How a dispensation ends: completed (with the invoice and the verification proof), cancelled by the
//! pharmacy, or cancelled by the server when it times out; and the webhook events each end emits.

use rust_decimal::Decimal;
use serde_json::json;
use time::OffsetDateTime;

use super::{DispensationRecord, normalize_code, not_found};
use crate::osigu::model::{
    CancelRequest, Claim, CodeType, CompleteRequest, CoverageRule, Dispensation, DispensationStatus, ErrorCode, Id,
    InvoiceInfo, ProductLine, money,
};
use crate::sandbox::dates::{parse_instant_or_date, rfc3339};
use crate::sandbox::error::ApiError;
use crate::sandbox::store::Store;
use crate::sandbox::store::codes::AuthorizationStatus;

/// Why the server cancelled a dispensation nobody finished.
pub(crate) const TIMEOUT_REASON: &str = "TIMEOUT";

/// A claim's amounts (contract §9): what the sponsor owes, and the patient's share split by rule, copays and
/// coinsurance (a line the plan does not cover is neither: the patient simply buys it). Lines without a
/// coverage (never in the sandbox) leave the sponsor owing their whole total.
fn claim_amounts(lines: &[ProductLine], total: Decimal) -> (Decimal, Decimal, Decimal) {
    let (mut patient, mut copayment, mut coinsurance) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for coverage in lines.iter().filter_map(|line| line.coverage.as_ref()) {
        // Amounts are bounded on the way in (see `lines.rs`), so these sums never come near saturating.
        patient = patient.saturating_add(coverage.patient_amount);
        match coverage.rule {
            CoverageRule::CopayPerLine | CoverageRule::CopayPerDispensation => {
                copayment = copayment.saturating_add(coverage.patient_amount);
            }
            CoverageRule::Coinsurance => coinsurance = coinsurance.saturating_add(coverage.patient_amount),
            CoverageRule::NotCovered | CoverageRule::None | CoverageRule::Unknown => {}
        }
    }
    (total.saturating_sub(patient), copayment, coinsurance)
}

impl Store {
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
        // Input validation keeps such prices out; should any get in, the completion is refused, not a panic.
        let expected = record
            .total()
            .map_err(|overflow| ApiError::new(ErrorCode::InternalError, format!("the lines' total: {overflow}")))?;
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
        let frozen = self.render_lines(&record);
        let claim = (record.code_type == CodeType::Authorization).then(|| {
            let (owed, copayment, coinsurance) = claim_amounts(&frozen, expected);
            Claim {
                claim_id: self.ids.id("clm", now),
                status: Some("OPEN".to_owned()),
                amount: Some(owed),
                copayment: Some(copayment),
                coinsurance: Some(coinsurance),
            }
        });
        let record = self.dispensations.get_mut(id).ok_or_else(|| not_found(id))?;
        record.status = DispensationStatus::Completed;
        record.completed_at = Some(now);
        record.claim = claim;
        record.invoice = Some(invoice);
        record.frozen_lines = Some(frozen);
        let code = record.code.clone();
        self.holders.remove(&code);
        let dispensation = self.dispensation(id)?;
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
        if parse_instant_or_date(&document_date, false).is_none() {
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
        let Ok(dispensation) = self.dispensation(id) else {
            return;
        };
        self.emit_dispensing("dispensing.cancelled", &dispensation, at);
    }

    /// Cancels a dispensation that is still STARTED at its `timeout_at`, as of that moment.
    pub(in crate::sandbox::store) fn time_out(&mut self, id: &Id) {
        let Some(record) = self.dispensations.get(id).filter(|r| r.status == DispensationStatus::Started) else {
            return;
        };
        let timeout_at = record.timeout_at;
        self.end(timeout_at, id, TIMEOUT_REASON.to_owned());
    }

    pub(super) fn emit_dispensing(&mut self, event_type: &str, dispensation: &Dispensation, now: OffsetDateTime) {
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
            .filter(|line| line.units() > 0)
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
