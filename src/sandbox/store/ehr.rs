//! ePrescription (contract §7): patients and the issuing of fresh prescription codes that dispensing redeems.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::Store;
use super::codes::{ItemStatus, PrescriptionItem, PrescriptionRecord};
use crate::osigu::model::{
    Diagnosis, DiagnosisRef, ErrorCode, Id, NewPatient, NewPrescription, OtpChannel, Patient, Prescriber,
    PrescriptionDetail, PrescriptionIssued, PrescriptionItem as ItemView, ResendAccepted,
};
use crate::sandbox::catalog::{mask_email, mask_phone};
use crate::sandbox::dates::{parse_date, rfc3339};
use crate::sandbox::error::ApiError;
use crate::sandbox::limits;

/// Prescriptions issued here stay valid this long.
const VALIDITY: Duration = Duration::days(30);

/// The three prescription endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrescriptionVersion {
    V1,
    /// Requires `patient_data_consent: true`.
    V1_1,
    /// Spanish national repository: adds `national_repository_id` and `signed_hash`.
    V2,
}

impl PrescriptionVersion {
    fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V1_1 => "v1.1",
            Self::V2 => "v2",
        }
    }
}

fn default_prescriber() -> Prescriber {
    Prescriber { name: "Dra. Ana Lucía Morales".to_owned(), medical_license_number: Some("14523".to_owned()) }
}

fn required_text(value: &str, path: &str) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid_field(path, "required"));
    }
    Ok(trimmed.to_owned())
}

impl Store {
    /// `GET /ehr/v1/patients?document_number=…`.
    pub fn find_patients(&self, document_number: Option<&str>) -> Vec<Patient> {
        self.patients
            .iter()
            .filter(|patient| document_number.is_none_or(|wanted| patient.document_number == wanted.trim()))
            .cloned()
            .collect()
    }

    /// `POST /ehr/v1/patients`.
    pub fn create_patient(&mut self, now: OffsetDateTime, request: NewPatient) -> Result<Patient, ApiError> {
        let first_name = required_text(&request.first_name, "first_name")?;
        let last_name = required_text(&request.last_name, "last_name")?;
        let document_type = required_text(&request.document_type, "document_type")?;
        let document_number = required_text(&request.document_number, "document_number")?;
        if let Some(date) = &request.date_of_birth {
            parse_date(date).ok_or_else(|| ApiError::invalid_field("date_of_birth", "expected YYYY-MM-DD"))?;
        }
        if let Some(existing) = self.patients.iter().find(|patient| patient.document_number == document_number) {
            return Err(ApiError::new(ErrorCode::PatientAlreadyExists, "a patient with this document exists")
                .with_details(json!({ "patient_id": existing.patient_id })));
        }
        let patient = Patient {
            patient_id: self.ids.id("pat", now),
            first_name,
            last_name,
            document_type,
            document_number,
            date_of_birth: request.date_of_birth,
            email: request.email,
            phone: request.phone,
        };
        self.patients.push(patient.clone());
        Ok(patient)
    }

    /// `POST /ehr/{v1,v1.1,v2}/prescriptions`: a new code the counter can redeem at once.
    pub fn issue_prescription(
        &mut self,
        now: OffsetDateTime,
        version: PrescriptionVersion,
        request: NewPrescription,
    ) -> Result<PrescriptionIssued, ApiError> {
        if !self.patients.iter().any(|patient| patient.patient_id == request.patient_id) {
            return Err(ApiError::new(ErrorCode::PatientNotFound, format!("no patient {}", request.patient_id)));
        }
        if version != PrescriptionVersion::V1 && request.patient_data_consent != Some(true) {
            return Err(ApiError::new(
                ErrorCode::PatientDataConsentRequired,
                "this endpoint requires patient_data_consent: true",
            )
            .with_field("patient_data_consent", "must be true"));
        }
        if version == PrescriptionVersion::V2 {
            let repository = request.national_repository_id.as_deref().unwrap_or_default();
            required_text(repository, "national_repository_id")?;
            let hash = request
                .signed_hash
                .as_ref()
                .ok_or_else(|| ApiError::invalid_field("signed_hash", "required for the national repository"))?;
            let hex_digest = hash.value.len() == 64 && hash.value.bytes().all(|b| b.is_ascii_hexdigit());
            if !hash.algorithm.eq_ignore_ascii_case("SHA256") || !hex_digest {
                return Err(ApiError::invalid_field("signed_hash", "expected algorithm SHA256 and 64 hex digits"));
            }
        }
        if request.medications.is_empty() {
            return Err(ApiError::invalid_field("medications", "at least one medication"));
        }
        let mut items = Vec::new();
        for (index, medication) in request.medications.iter().enumerate() {
            let path = format!("medications[{index}]");
            if self.catalog.product(&medication.product_code).is_none() {
                return Err(ApiError::new(
                    ErrorCode::ProductNotRegistered,
                    format!("{} is not a registered provider product", medication.product_code),
                )
                .with_legacy_code("071-104")
                .with_field(format!("{path}.product_code"), "product not registered"));
            }
            let quantity = u32::try_from(medication.quantity)
                .ok()
                .filter(|q| (1..=limits::MAX_QUANTITY).contains(q))
                .ok_or_else(|| {
                let why = format!("must be a whole number from 1 to {}", limits::MAX_QUANTITY);
                ApiError::new(ErrorCode::QuantityInvalid, format!("a prescribed quantity {why}"))
                    .with_field(format!("{path}.quantity"), why)
            })?;
            items.push(PrescriptionItem {
                id: Id::new(format!("line_{}", index + 1)),
                product_code: medication.product_code.clone(),
                quantity,
                dispensed: 0,
                substituted: 0,
                status: ItemStatus::Dispensable,
                lock_reason: None,
                posology: medication.posology.clone(),
                duration_days: medication.duration_days,
            });
        }
        let diagnoses = request
            .diagnoses
            .iter()
            .enumerate()
            .map(|(index, diagnosis)| {
                let code = required_text(&diagnosis.diagnosis_code, &format!("diagnoses[{index}].diagnosis_code"))?;
                Ok(Diagnosis { code, description: None })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;

        let code = self.next_prescription_code(now);
        let record = PrescriptionRecord {
            prescription_id: self.ids.id("rx", now),
            code: code.clone(),
            patient_id: request.patient_id,
            version: version.as_str().to_owned(),
            created_at: now,
            valid_from: now,
            expires_at: now + VALIDITY,
            prescriber: request.doctor.unwrap_or_else(default_prescriber),
            diagnoses,
            items,
        };
        let issued = PrescriptionIssued {
            prescription_id: record.prescription_id.clone(),
            prescription_code: code.clone(),
            status: "PRESCRIPTION_ISSUED".to_owned(),
            created_at: now,
        };
        let data = json!({
            "prescription_id": record.prescription_id,
            "prescription_code": code,
            "version": record.version,
            "patient": { "patient_id": record.patient_id },
            "medications": record.items.iter().map(|item| json!({
                "product_code": item.product_code, "quantity": item.quantity,
                "posology": item.posology, "duration_days": item.duration_days,
            })).collect::<Vec<_>>(),
            "issued_at": rfc3339(now),
        });
        self.prescriptions.insert(code, record);
        self.events.emit(&mut self.ids, now, "prescription.issued", data);
        Ok(issued)
    }

    fn next_prescription_code(&mut self, now: OffsetDateTime) -> String {
        loop {
            let code = format!("RX-{}-{:06}", now.year(), self.next_prescription_serial);
            self.next_prescription_serial = self.next_prescription_serial.wrapping_add(1);
            if !self.prescriptions.contains_key(&code) && !self.authorizations.contains_key(&code) {
                return code;
            }
        }
    }

    fn prescription_by_id(&self, id: &Id) -> Result<&PrescriptionRecord, ApiError> {
        self.prescriptions
            .values()
            .find(|prescription| &prescription.prescription_id == id)
            .ok_or_else(|| ApiError::new(ErrorCode::PrescriptionNotFound, format!("no prescription {id}")))
    }

    /// `GET /ehr/v1/prescriptions/{id}`.
    pub fn prescription_detail(&self, id: &Id) -> Result<PrescriptionDetail, ApiError> {
        let prescription = self.prescription_by_id(id)?;
        Ok(PrescriptionDetail {
            prescription_id: prescription.prescription_id.clone(),
            prescription_code: prescription.code.clone(),
            status: "PRESCRIPTION_ISSUED".to_owned(),
            version: prescription.version.clone(),
            patient_id: prescription.patient_id.clone(),
            doctor: prescription.prescriber.clone(),
            diagnoses: prescription
                .diagnoses
                .iter()
                .map(|diagnosis| DiagnosisRef { diagnosis_code: diagnosis.code.clone() })
                .collect(),
            items: prescription
                .items
                .iter()
                .map(|item| ItemView {
                    id: item.id.clone(),
                    product_code: item.product_code.clone(),
                    product_name: self
                        .catalog
                        .product(&item.product_code)
                        .map(|product| product.product_name.clone())
                        .unwrap_or_default(),
                    quantity: item.quantity,
                    dispensed_quantity: item.dispensed + item.substituted,
                    dispensation_status: item.status.as_str().to_owned(),
                    posology: item.posology.clone(),
                    duration_days: item.duration_days,
                })
                .collect(),
            created_at: prescription.created_at,
            valid_from: prescription.valid_from,
            expires_at: prescription.expires_at,
            download_url: self.download_url(prescription),
        })
    }

    /// `POST /ehr/v1/prescriptions/{id}/resend`. A patient without a destination on that channel still gets
    /// the reply, with no destination and the download link, as the guide's own example expects.
    pub fn resend_prescription(&self, id: &Id, channel: OtpChannel) -> Result<ResendAccepted, ApiError> {
        let prescription = self.prescription_by_id(id)?;
        let patient = self
            .patients
            .iter()
            .find(|patient| patient.patient_id == prescription.patient_id)
            .ok_or_else(|| ApiError::new(ErrorCode::PatientNotFound, "the prescription's patient is gone"))?;
        let masked_destination = match channel {
            OtpChannel::Email => patient.email.as_deref().map(mask_email),
            OtpChannel::Sms => patient.phone.as_deref().map(mask_phone),
            // An unknown channel is refused when the request is decoded; it has no destination either way.
            OtpChannel::InApp | OtpChannel::Unknown => None,
        };
        Ok(ResendAccepted {
            prescription_id: id.clone(),
            channel,
            masked_destination,
            download_url: Some(self.download_url(prescription)),
        })
    }

    fn download_url(&self, prescription: &PrescriptionRecord) -> String {
        format!("{}/ehr/v1/prescriptions/{}/document", self.settings.base_url, prescription.prescription_id)
    }

    /// `GET /ehr/v1/prescriptions/{id}/document`: the prescription as the patient would print it (plain text;
    /// the real service renders a PDF).
    pub fn prescription_document(&self, id: &Id) -> Result<String, ApiError> {
        let prescription = self.prescription_by_id(id)?;
        let patient = self.patients.iter().find(|patient| patient.patient_id == prescription.patient_id);
        let mut text = format!("Receta electrónica {}\n", prescription.code);
        if let Some(patient) = patient {
            text.push_str(&format!("Paciente: {} {}\n", patient.first_name, patient.last_name));
        }
        text.push_str(&format!("Médico: {}\n", prescription.prescriber.name));
        let valid_until = prescription.expires_at.date();
        text.push_str(&format!("Válida hasta: {valid_until}\n\n"));
        for item in &prescription.items {
            let name = self.catalog.product(&item.product_code).map_or(item.product_code.as_str(), |p| &p.product_name);
            text.push_str(&format!("- {name} × {}", item.quantity));
            if let Some(posology) = &item.posology {
                text.push_str(&format!(" — {posology}"));
            }
            text.push('\n');
        }
        Ok(text)
    }
}
