//! Dispensations (contract §3): the record of each one and how it is read and listed. Starting one is in
//! `start.rs`, changing its lines in `lines.rs`, and how it ends (completed, cancelled, timed out) in `finish.rs`.

mod finish;
mod lines;
mod start;

use rust_decimal::Decimal;
use serde_json::json;
use time::OffsetDateTime;

use super::Store;
use super::codes::SourceLine;
use crate::osigu::model::{
    Claim, CodeType, Dispensation, DispensationStatus, ErrorCode, Id, InvoiceInfo, Page, ProductLine,
    SubstitutionReason, VerificationKind, VerificationMethod, VerificationState, money,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::paging::PageRequest;

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
        self.quantity.saturating_add(self.substitute.as_ref().map_or(0, |substitute| substitute.quantity))
    }

    pub fn subtotal(&self) -> Result<Decimal, money::Overflow> {
        money::line_total(self.unit_price, self.units(), self.taxes)
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
    /// Σ line subtotals; an overflow when the prices held cannot be summed.
    pub fn total(&self) -> Result<Decimal, money::Overflow> {
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
    pub page: PageRequest,
}

/// Codes are printed upper-case; scanners and fingers are not always.
fn normalize_code(code: &str) -> String {
    code.trim().to_uppercase()
}

fn not_found(id: &Id) -> ApiError {
    ApiError::new(ErrorCode::DispensationNotFound, format!("no dispensation {id}"))
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
        filter.page.cut(matching, |record| self.render(record))
    }

    fn started(&self, id: &Id) -> Result<&DispensationRecord, ApiError> {
        let record = self.dispensations.get(id).ok_or_else(|| not_found(id))?;
        if record.status != DispensationStatus::Started {
            return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} is not STARTED"))
                .with_details(json!({ "status": record.status })));
        }
        Ok(record)
    }
}
