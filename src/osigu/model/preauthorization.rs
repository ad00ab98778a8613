//! Pre-authorization requests (contract §10, from Osigu's authorization guide): a provider asks a sponsor to
//! cover products, attaches the medical indication, completes the request, and the sponsor answers with one
//! authorization per product group, each an `AUTH-…` code the dispensing routes redeem.
//!
//! `PENDING_INDICATION ──complete──► APPROVED | REJECTED` (sync sponsors) or `PENDING_SPONSOR ──► APPROVED |
//! REJECTED` (async sponsors, which also say so with `authorization.created` / `authorization.rejected` webhooks).
//!
//! The sandbox emits exactly these shapes; decoding is tolerant as elsewhere: a status this build does not know
//! is `Unknown`, ids may be numbers, quantities are range-checked ([`bounded`]).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Id, Prescriber, ProductType, bounded, whole};

/// What the authorization is for (`authorization_type`); the counter asks for `PRESCRIPTION`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationType {
    /// Medications prescribed on a prescription (paper or electronic).
    Prescription,
    MedicalIndication,
    LabOrder,
    Procedure,
    /// A value this build does not know. Decoded, never sent; the sandbox refuses it.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// `POST /arc/v1/authorization-requests`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewAuthorizationRequest {
    pub beneficiary_id: Id,
    pub sponsor_slug: String,
    /// ICD-10, e.g. `J02.9`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "J02.9")]
    pub diagnosis_code: Option<String>,
    pub authorization_type: AuthorizationType,
    #[schema(min_items = 1, max_items = 50)]
    pub products: Vec<RequestedProduct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_branch_id: Option<String>,
}

/// One product asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RequestedProduct {
    /// A registered provider product (`GET /arc/v1/providers/products`).
    pub product_code: String,
    pub product_type: ProductType,
    /// Units; the sandbox checks the range (1 to 1,000,000) itself, to name the line it refuses.
    #[serde(deserialize_with = "whole::number")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub quantity: i64,
    /// As the prescriber wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posology: Option<String>,
}

/// `POST /arc/v1/authorization-requests/{id}/indications`: the medical indication the sponsor decides on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewIndication {
    /// `PRESCRIPTION_DOCUMENT` (a prescription, here the one POSOS transcribed) or `MEDICAL_ORDER`.
    #[serde(rename = "type")]
    #[schema(example = "PRESCRIPTION_DOCUMENT")]
    pub kind: String,
    /// Who produced the document's data: `POSOS` for a Scan & Go transcription, `PROVIDER` for the pharmacy's own.
    #[schema(example = "POSOS")]
    pub source: String,
    /// Where the document is: for POSOS, the transcription's `RequestGroup` (`RequestGroup/{id}` or its URL).
    pub reference: String,
    pub prescriber: Prescriber,
    /// `YYYY-MM-DD`, the date written on the prescription; not in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub issued_on: Option<String>,
}

/// `POST /arc/v1/authorization-requests/{id}/complete`: nothing to say (the client sends `{}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompleteAuthorizationRequest {}

/// An indication attached to a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Indication {
    pub indication_id: Id,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub prescriber: Option<Prescriber>,
    #[serde(default)]
    pub issued_on: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
}

/// Where a request is: `PENDING_INDICATION → APPROVED | REJECTED`, or through `PENDING_SPONSOR` for an
/// asynchronous sponsor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationRequestStatus {
    /// Created; indications may be attached; not sent to the sponsor until completed.
    PendingIndication,
    /// Completed; an asynchronous sponsor is deciding.
    PendingSponsor,
    /// At least one line approved: `authorizations` holds the codes.
    Approved,
    /// Every line rejected (each says why).
    Rejected,
    /// A status this build does not know. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl AuthorizationRequestStatus {
    /// The sponsor has answered: nothing about the request changes any more.
    pub fn is_decided(self) -> bool {
        matches!(self, Self::Approved | Self::Rejected)
    }
}

/// The sponsor's answer for one line (the schemas' per-line decision enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LineDecision {
    /// Not decided yet (the request is not complete, or the sponsor is still deciding). Sandbox extra.
    Pending,
    Approved,
    Rejected,
    /// The sponsor's operator must look at it (never sent by the sandbox).
    ManualApprovalRequired,
    /// A value this build does not know. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// One line of a request, as asked and, once decided, as answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RequestLine {
    pub product_code: String,
    #[serde(default)]
    pub product_type: Option<ProductType>,
    /// Units asked for.
    #[serde(deserialize_with = "bounded::quantity")]
    pub quantity: u32,
    #[serde(default)]
    pub posology: Option<String>,
    pub status: LineDecision,
    /// Units the sponsor approved (0 when rejected); absent until decided.
    #[serde(default, deserialize_with = "bounded::optional_quantity")]
    pub authorized_quantity: Option<u32>,
    /// Why the line was rejected or reduced, as a machine code (`PRODUCT_EXCLUDED`, `QUANTITY_REDUCED`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Sandbox extra: the sponsor's words for `reason`, in Spanish as the sponsors write them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_description: Option<String>,
    /// The authorization that covers this line, once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<Id>,
}

/// One product of an issued authorization and the sponsor's answer for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizedProduct {
    pub product_code: String,
    /// Units the code lets the pharmacy dispense (0 for a rejected line).
    #[serde(deserialize_with = "bounded::quantity")]
    pub authorized_quantity: u32,
    pub status: LineDecision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Sandbox extra, as in [`RequestLine::reason_description`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_description: Option<String>,
    /// Sandbox extra: the units asked for.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_quantity")]
    pub quantity: Option<u32>,
}

/// An authorization the sponsor issued for one product group of a request: a code the counter redeems.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssuedAuthorization {
    pub authorization_id: Id,
    /// What the pharmacy redeems, e.g. `AUTH-2026-000201`.
    pub code: String,
    pub product_type: ProductType,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Every requested line of the group: the approved ones and those rejected, with the reason.
    pub products: Vec<AuthorizedProduct>,
    /// Sandbox extra: the sponsor's name for the group (`MEDICATION`, or a group of its own such as
    /// `CONTROLADOS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// `GET /arc/v1/authorization-requests/{id}` (create and complete answer it too).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationRequest {
    pub authorization_request_id: Id,
    pub status: AuthorizationRequestStatus,
    #[serde(default)]
    pub sponsor_slug: Option<String>,
    #[serde(default)]
    pub beneficiary_id: Option<Id>,
    #[serde(default)]
    pub authorization_type: Option<AuthorizationType>,
    #[serde(default)]
    pub diagnosis_code: Option<String>,
    #[serde(default)]
    pub products: Vec<RequestLine>,
    #[serde(default)]
    pub indications: Vec<Indication>,
    /// Once APPROVED: one per product group with an approved line.
    #[serde(default)]
    pub authorizations: Vec<IssuedAuthorization>,
    /// When REJECTED: why, as a machine code (`ALL_LINES_REJECTED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// When `complete` was accepted.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// Sandbox extra: when an asynchronous sponsor will answer (by the sandbox's clock).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub decision_due_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

impl AuthorizationRequest {
    /// The codes the pharmacy may now dispense.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.authorizations.iter().map(|authorization| authorization.code.as_str())
    }
}

/// A product in an `authorization.created` event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventProduct {
    pub product_code: String,
    /// Units asked for.
    #[serde(deserialize_with = "bounded::quantity")]
    pub quantity: u32,
    #[serde(default)]
    pub posology: Option<String>,
    /// Sandbox extras: the answer for the line.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_quantity")]
    pub authorized_quantity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LineDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The `data` of an `authorization.created` webhook: an asynchronous sponsor approved a product group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationCreated {
    pub authorization_id: Id,
    pub authorization_code: String,
    pub authorization_request_id: Id,
    #[serde(default)]
    pub beneficiary_id: Option<Id>,
    #[serde(default)]
    pub sponsor_slug: Option<String>,
    #[serde(default)]
    pub product_type: Option<ProductType>,
    #[serde(default)]
    pub products: Vec<EventProduct>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub sponsor_reference: Option<String>,
    #[serde(default)]
    pub additional_data: Option<serde_json::Value>,
}

/// The `data` of an `authorization.rejected` webhook: an asynchronous sponsor rejected the whole request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationRejected {
    pub authorization_request_id: Id,
    #[serde(default)]
    pub beneficiary_id: Option<Id>,
    #[serde(default)]
    pub sponsor_slug: Option<String>,
    /// Why, as a machine code.
    #[serde(default)]
    pub rejection_reason: Option<String>,
    /// Each line with its reason.
    #[serde(default)]
    pub products: Vec<RequestLine>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_decode_with_numeric_ids_and_a_status_this_build_does_not_know() {
        let later: AuthorizationRequest = serde_json::from_str(
            r#"{"authorization_request_id": 4812, "status": "IN_MANUAL_REVIEW",
                "products": [{"product_code": "MED-001", "quantity": 21, "status": "MANUAL_APPROVAL_REQUIRED"}]}"#,
        )
        .unwrap();
        assert_eq!(later.authorization_request_id.as_str(), "4812");
        assert_eq!(later.status, AuthorizationRequestStatus::Unknown);
        assert!(!later.status.is_decided());
        assert_eq!(later.products[0].status, LineDecision::ManualApprovalRequired);
        assert_eq!(later.codes().count(), 0);
    }

    #[test]
    fn absurd_quantities_are_refused_where_decoded() {
        let absurd = r#"{"product_code": "MED-001", "authorized_quantity": 4294967295, "status": "APPROVED"}"#;
        assert!(serde_json::from_str::<AuthorizedProduct>(absurd).is_err());
        let fine = r#"{"product_code": "MED-001", "authorized_quantity": 21.0, "status": "APPROVED"}"#;
        assert_eq!(serde_json::from_str::<AuthorizedProduct>(fine).unwrap().authorized_quantity, 21);
    }

    #[test]
    fn the_indication_type_travels_as_type() {
        let indication = NewIndication {
            kind: "PRESCRIPTION_DOCUMENT".into(),
            source: "POSOS".into(),
            reference: "RequestGroup/rg-1".into(),
            prescriber: Prescriber { name: "Dra. Ana".into(), medical_license_number: None },
            issued_on: None,
        };
        let json = serde_json::to_value(&indication).unwrap();
        assert_eq!(json["type"], "PRESCRIPTION_DOCUMENT");
        assert!(json.get("issued_on").is_none());
    }
}
