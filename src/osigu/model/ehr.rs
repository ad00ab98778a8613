//! ePrescription (contract §7) and the provider-product registry: how fresh prescription codes are issued.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Id, OtpChannel, Prescriber, ProductType, bounded, known, whole};

/// A patient of the ePrescription product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Patient {
    pub patient_id: Id,
    pub first_name: String,
    pub last_name: String,
    pub document_type: String,
    pub document_number: String,
    #[serde(default)]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `POST /ehr/v1/patients`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewPatient {
    #[schema(min_length = 1, pattern = "\\S")]
    pub first_name: String,
    #[schema(min_length = 1, pattern = "\\S")]
    pub last_name: String,
    #[schema(min_length = 1, pattern = "\\S")]
    pub document_type: String,
    #[schema(min_length = 1, pattern = "\\S")]
    pub document_number: String,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A diagnosis on a new prescription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DiagnosisRef {
    /// ICD-10, e.g. `R51`.
    #[schema(min_length = 1, pattern = "\\S")]
    pub diagnosis_code: String,
}

/// A medication on a new prescription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrescribedMedication {
    pub product_code: String,
    #[serde(deserialize_with = "whole::number")]
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posology: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "whole::optional")]
    pub duration_days: Option<u32>,
}

/// The signed hash a v2 (Spanish national repository) prescription carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SignedHash {
    /// `SHA256`.
    pub algorithm: String,
    /// 64 hex digits.
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// `POST /ehr/v1/prescriptions`, `/ehr/v1.1/…` (adds `patient_data_consent`), `/ehr/v2/…` (adds
/// `national_repository_id` and `signed_hash`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewPrescription {
    pub patient_id: Id,
    #[serde(default)]
    pub diagnoses: Vec<DiagnosisRef>,
    #[schema(min_items = 1)]
    pub medications: Vec<PrescribedMedication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor: Option<Prescriber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_data_consent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_repository_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_hash: Option<SignedHash>,
}

/// A prescription just issued: `prescription_code` is what the pharmacy scans.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrescriptionIssued {
    pub prescription_id: Id,
    pub prescription_code: String,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One item of a prescription and how much of it was dispensed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrescriptionItem {
    pub id: Id,
    pub product_code: String,
    pub product_name: String,
    #[serde(deserialize_with = "bounded::quantity")]
    pub quantity: u32,
    #[serde(deserialize_with = "bounded::quantity")]
    pub dispensed_quantity: u32,
    /// `DISPENSABLE`, `LOCKED`, `DISPENSED`, `PARTIALLY_DISPENSED`, `SUBSTITUTED`, `PARTIALLY_SUBSTITUTED`.
    pub dispensation_status: String,
    #[serde(default)]
    pub posology: Option<String>,
    #[serde(default)]
    pub duration_days: Option<u32>,
}

/// `GET /ehr/v1/prescriptions/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrescriptionDetail {
    pub prescription_id: Id,
    pub prescription_code: String,
    pub status: String,
    pub version: String,
    pub patient_id: Id,
    pub doctor: Prescriber,
    pub diagnoses: Vec<DiagnosisRef>,
    pub items: Vec<PrescriptionItem>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Where the patient's PDF would be downloaded.
    pub download_url: String,
}

/// `POST /ehr/v1/prescriptions/{id}/resend`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResendRequest {
    #[serde(deserialize_with = "known::required")]
    pub channel: OtpChannel,
}

/// The prescription is on its way to the patient again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResendAccepted {
    pub prescription_id: Id,
    pub channel: OtpChannel,
    /// Where it went, masked; `null` when the patient has no destination for that channel on file.
    #[serde(default)]
    pub masked_destination: Option<String>,
    /// The link the patient (or the doctor) can use instead.
    #[serde(default)]
    pub download_url: Option<String>,
}

/// A product registered for this provider: what may be prescribed, or delivered as a substitute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProviderProduct {
    pub product_code: String,
    pub product_name: String,
    pub product_type: ProductType,
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
    /// The provider's shelf price, in `currency_code`. A sandbox extra, so the counter can show what a substitute
    /// costs; variant: absent.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_amount")]
    pub unit_price: Option<rust_decimal::Decimal>,
    /// The currency of `unit_price` (the provider's). Variant: absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// The pack's GTIN (14 digits with its check digit), so that a scanned pack can be matched to a line (contract
    /// §12). A sandbox extra; variant: absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9]{14}$", example = "09520001000010")]
    pub gtin: Option<String>,
}
