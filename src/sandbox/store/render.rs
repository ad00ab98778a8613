//! Turns a dispensation record into the contract's Dispensation object, with what the patient pays (§9): each
//! line's `coverage` under the sponsor's plan and the dispensation's `amounts`, computed with the one shared
//! rule ([`share`]) every time a dispensation is rendered, so after every start and every `PUT`.

use time::OffsetDateTime;

use super::Store;
use super::dispensing::DispensationRecord;
use crate::osigu::model::{
    Beneficiary, CodeType, Diagnosis, Dispensation, DispensationStatus, Prescriber, ProductLine, Terms, Verification,
    share,
};

impl Store {
    /// The lines as they stand now (or as they stood when the dispensation ended).
    pub(super) fn render_lines(&self, record: &DispensationRecord) -> Vec<ProductLine> {
        if let Some(frozen) = &record.frozen_lines {
            return frozen.clone();
        }
        let sponsor_allows = record
            .sponsor_slug
            .as_deref()
            .and_then(|slug| self.catalog.sponsor(slug))
            .is_none_or(|sponsor| sponsor.dispensing.substitution.allowed);
        let mut lines: Vec<ProductLine> = self
            .source_lines(record.code_type, &record.code)
            .into_iter()
            .map(|source| {
                let selection = record.lines.iter().find(|line| line.line_id == source.id);
                let product = self.catalog.product(&source.product_code);
                let substitute = selection.and_then(|line| line.substitute.as_ref());
                ProductLine {
                    id: Some(source.id.clone()),
                    product_name: product.map(|p| p.product_name.clone()),
                    product_type: product.map(|p| p.product_type),
                    prescribed_quantity: Some(source.prescribed),
                    authorized_quantity: Some(source.authorized),
                    claimed_quantity: Some(source.claimed),
                    available_quantity: Some(source.available),
                    quantity: selection.map_or(0, |line| line.quantity),
                    unit_price: selection.map_or(source.unit_price, |line| line.unit_price),
                    taxes: selection.map(|line| line.taxes).unwrap_or_default(),
                    posology: source.posology.clone(),
                    duration_days: source.duration_days,
                    substitution_allowed: Some(sponsor_allows && source.substitution_allowed),
                    status: Some(source.status.to_owned()),
                    lock_reason: source.lock_reason.clone(),
                    substitute_product_name: substitute
                        .and_then(|s| self.catalog.product(&s.product_code))
                        .map(|p| p.product_name.clone()),
                    substitute_product_code: substitute.map(|s| s.product_code.clone()),
                    substitute_quantity: substitute.map(|s| s.quantity),
                    substitution_reason_enum: substitute.map(|s| s.reason),
                    substitution_other_description: substitute.and_then(|s| s.other_description.clone()),
                    product_code: source.product_code,
                    coverage: None,
                }
            })
            .collect();
        self.cover(record, &mut lines);
        lines
    }

    /// Sets each line's coverage under the sponsor's plan; a cash prescription answers to no plan, so the
    /// patient pays every line. Lines whose total cannot be computed (refused on `PUT`, so never) stay without.
    fn cover(&self, record: &DispensationRecord, lines: &mut [ProductLine]) {
        let plan = record.sponsor_slug.as_deref().and_then(|slug| self.catalog.sponsor(slug)).map(|s| &s.plan);
        let priced: Option<Vec<_>> = lines
            .iter()
            .map(|line| {
                let terms = plan.map_or(Terms::NOT_COVERED, |plan| {
                    plan.terms(&line.product_code, line.substitute_product_code.as_deref())
                });
                line.subtotal().ok().map(|total| (total, terms))
            })
            .collect();
        let Some((coverages, _)) = priced.and_then(|priced| share(&priced)) else {
            return;
        };
        for (line, coverage) in lines.iter_mut().zip(coverages) {
            line.coverage = Some(coverage);
        }
    }

    pub(super) fn render(&self, record: &DispensationRecord) -> Dispensation {
        let SourceFacts { beneficiary, prescriber, diagnoses, code_expires_at, valid_from } = self.source_facts(record);
        let completed_authorization =
            record.status == DispensationStatus::Completed && record.code_type == CodeType::Authorization;
        let authorization_id = completed_authorization
            .then(|| self.authorizations.get(&record.code).map(|a| a.authorization_id.clone()))
            .flatten();
        let mut dispensation = Dispensation {
            dispensation_id: record.id.clone(),
            status: record.status,
            code: Some(record.code.clone()),
            code_type: record.code_type,
            sponsor_slug: record.sponsor_slug.clone(),
            beneficiary,
            prescriber,
            diagnoses,
            currency_code: Some(record.currency.clone()),
            products: self.render_lines(record),
            verification_required: record.verification.required,
            verification: Verification {
                status: record.verification.state,
                method: record.verification.method,
                challenge_url: record.verification.challenge.as_ref().map(|id| self.challenge_url(id)),
            },
            code_expires_at,
            valid_from,
            started_at: Some(record.started_at),
            timeout_at: Some(record.timeout_at),
            completed_at: record.completed_at,
            cancelled_at: record.cancelled_at,
            cancellation_reason: record.cancellation_reason.clone(),
            // Lines that cannot be summed have no total (never a panic in the middle of a reply).
            total_amount: record.total().ok(),
            claim: record.claim.clone(),
            invoice: record.invoice.clone(),
            amounts: None,
            authorization_id,
        };
        // The sums of the lines' coverage, live or as they stood when the dispensation ended.
        dispensation.reshare();
        dispensation
    }

    /// What the code itself says about the dispensation.
    fn source_facts(&self, record: &DispensationRecord) -> SourceFacts {
        match record.code_type {
            CodeType::Authorization => {
                let Some(authorization) = self.authorizations.get(&record.code) else {
                    return SourceFacts::default();
                };
                SourceFacts {
                    beneficiary: self.catalog.beneficiary(&authorization.beneficiary_id).map(|b| b.beneficiary()),
                    prescriber: Some(authorization.prescriber.clone()),
                    diagnoses: authorization.diagnoses.clone(),
                    code_expires_at: Some(authorization.expires_at),
                    valid_from: None,
                }
            }
            _ => {
                let Some(prescription) = self.prescriptions.get(&record.code) else {
                    return SourceFacts::default();
                };
                let patient = self.patients.iter().find(|p| p.patient_id == prescription.patient_id);
                SourceFacts {
                    beneficiary: patient.map(|patient| Beneficiary {
                        beneficiary_id: patient.patient_id.clone(),
                        first_name: patient.first_name.clone(),
                        last_name: patient.last_name.clone(),
                        document_type: Some(patient.document_type.clone()),
                        document_number: Some(patient.document_number.clone()),
                    }),
                    prescriber: Some(prescription.prescriber.clone()),
                    diagnoses: prescription.diagnoses.clone(),
                    code_expires_at: Some(prescription.expires_at),
                    valid_from: Some(prescription.valid_from),
                }
            }
        }
    }
}

/// The parts of a Dispensation that come from its authorization or prescription.
#[derive(Default)]
struct SourceFacts {
    beneficiary: Option<Beneficiary>,
    prescriber: Option<Prescriber>,
    diagnoses: Vec<Diagnosis>,
    code_expires_at: Option<OffsetDateTime>,
    valid_from: Option<OffsetDateTime>,
}
