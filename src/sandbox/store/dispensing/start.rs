//! Starting a dispensation: the code lookup with every reason a code cannot be dispensed now.

use serde_json::json;
use time::OffsetDateTime;

use super::{DispensationRecord, LineSelection, VerificationProgress, normalize_code};
use crate::osigu::model::{
    CodeType, Dispensation, DispensationStatus, ErrorCode, Id, SponsorVerification, StartRequest, VerificationKind,
    VerificationState,
};
use crate::sandbox::dates::{later, rfc3339};
use crate::sandbox::error::ApiError;
use crate::sandbox::store::Store;
use crate::sandbox::store::codes::{AuthorizationStatus, SourceLine};
use crate::sandbox::store::timetable::Due;

fn code_not_found(code: &str) -> ApiError {
    ApiError::new(ErrorCode::CodeNotFound, format!("no authorization or prescription {code}"))
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

    /// What every code must pass, whatever its kind: inside its validity window, something left to
    /// dispense, and no other dispensation on it. Returns its lines.
    fn dispensable_lines(
        &self,
        code: &str,
        code_type: CodeType,
        window: (Option<OffsetDateTime>, OffsetDateTime),
        now: OffsetDateTime,
    ) -> Result<Vec<SourceLine>, ApiError> {
        let (valid_from, expires_at) = window;
        if let Some(valid_from) = valid_from.filter(|from| now < *from) {
            return Err(ApiError::new(ErrorCode::CodeNotYetValid, format!("{code} is not valid yet"))
                .with_details(json!({ "valid_from": rfc3339(valid_from) })));
        }
        if now >= expires_at {
            return Err(ApiError::new(ErrorCode::CodeExpired, format!("{code} expired"))
                .with_details(json!({ "expired_at": rfc3339(expires_at) })));
        }
        let lines = self.source_lines(code_type, code);
        if lines.iter().all(|line| line.available == 0) {
            return Err(ApiError::new(ErrorCode::CodeAlreadyRedeemed, format!("{code} has nothing left to dispense")));
        }
        self.ensure_not_held(code)?;
        Ok(lines)
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
        let authorization = self.authorizations.get(code).ok_or_else(|| code_not_found(code))?;
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
        let lines = self.dispensable_lines(code, CodeType::Authorization, (None, authorization.expires_at), now)?;
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
                // The sandbox's own catalogue never holds an unknown verification (only a newer server would).
                SponsorVerification::None | SponsorVerification::Unknown => None,
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
        let prescription = self.prescriptions.get(code).ok_or_else(|| code_not_found(code))?;
        let window = (Some(prescription.valid_from), prescription.expires_at);
        let lines = self.dispensable_lines(code, CodeType::Prescription, window, now)?;
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
            return Err(code_not_found(&code));
        };

        let timeout_at = later(now, self.settings.dispensation_timeout)
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "the dispensation timeout is out of range"))?;
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
            timeout_at,
            completed_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            claim: None,
            invoice: None,
            frozen_lines: None,
        };
        self.timetable.schedule(record.timeout_at, Due::DispensationTimeout(id.clone()));
        self.holders.insert(code, id.clone());
        self.started_order.push(id.clone());
        self.dispensations.insert(id.clone(), record);
        let dispensation = self.dispensation(&id)?;
        self.emit_dispensing("dispensing.started", &dispensation, now);
        Ok(dispensation)
    }
}
