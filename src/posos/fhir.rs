//! The FHIR R4 resources of a POSOS prescription import (contract §11): the searchset `Bundle` of
//! `GET …/fhir/r4/{facilitySlug}/RequestGroup?subject:identifier={patientId}`, holding a `RequestGroup` per
//! imported prescription (`draft`, or `entered-in-error` when the import failed), its `MedicationRequest`s, the
//! `Patient` and the `Practitioner`.
//!
//! Only the elements the counter reads are typed, in FHIR's JSON names (`resourceType`, `entry[].resource`,
//! `medicationCodeableConcept.coding[].system/code/display`…); every other element is ignored when decoding and
//! a resource of another type decodes as [`Resource::Other`]. The sandbox's stand-in serialises these same
//! types, so what it serves is what the client reads. Text in them comes from a photographed paper and a
//! stranger's server: make it inert ([`crate::inert`]) before it reaches a terminal.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of FHIR's JSON.
pub const FHIR_JSON: &str = "application/fhir+json";

/// The extension holding the posology as written on the paper.
pub const ORIGINAL_POSOLOGY_URL: &str = "https://posos.co/fhir/StructureDefinition/originalPosology";

/// The extension holding how sure POSOS is of its reading of a line, from 0 to 1.
pub const RELIABILITY_URL: &str = "https://posos.co/fhir/StructureDefinition/structurationReliability";

/// The coding system of a recognised drug: its pack's GTIN (GS1's own URI, as FHIR's terminology lists it).
pub const GTIN_SYSTEM: &str = "https://www.gs1.org/gtin";

/// The identifier system of the partner's patient id (`patientId` of the scan-token call), which the search's
/// `subject:identifier` matches.
pub const PATIENT_ID_SYSTEM: &str = "https://posos.co/fhir/NamingSystem/partner-patient-id";

/// The identifier system of a prescriber's licence number.
pub const LICENSE_SYSTEM: &str = "https://posos.co/fhir/NamingSystem/prescriber-license";

/// UCUM, for durations.
pub const UCUM_SYSTEM: &str = "http://unitsofmeasure.org";

/// A FHIR `Bundle` (here always a `searchset`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// `Bundle`.
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `searchset`.
    #[serde(rename = "type")]
    pub kind: String,
    /// How many resources matched the search (the `RequestGroup`s; included resources are not counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
}

impl Bundle {
    /// The resources of the bundle, in order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.entry.iter().map(|entry| &entry.resource)
    }

    /// The resource a relative reference (`MedicationRequest/rg-1-1`) names, if the bundle holds it.
    pub fn resolve(&self, reference: &Reference) -> Option<&Resource> {
        let (kind, id) = reference.reference.as_deref()?.rsplit_once('/')?;
        let kind = kind.rsplit('/').next().unwrap_or(kind);
        self.resources().find(|resource| resource.kind() == Some(kind) && resource.id() == Some(id))
    }
}

/// `Bundle.meta`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
}

/// `Bundle.link`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

/// `Bundle.entry`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// A `RequestGroup`, `MedicationRequest`, `Patient` or `Practitioner` (see their schemas); any other
    /// resource type is ignored by the client.
    #[schema(value_type = Object)]
    pub resource: Resource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<BundleSearch>,
}

/// `Bundle.entry.search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BundleSearch {
    /// `match` (the RequestGroups) or `include` (what they reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// A resource of the bundle, by its `resourceType`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    RequestGroup(RequestGroup),
    MedicationRequest(MedicationRequest),
    Patient(Patient),
    Practitioner(Practitioner),
    /// Any other resource type (an `OperationOutcome`…): decoded, never sent.
    #[serde(other, skip_serializing)]
    Other,
}

impl Resource {
    /// The `resourceType`, for the four this build reads.
    pub fn kind(&self) -> Option<&'static str> {
        Some(match self {
            Self::RequestGroup(_) => "RequestGroup",
            Self::MedicationRequest(_) => "MedicationRequest",
            Self::Patient(_) => "Patient",
            Self::Practitioner(_) => "Practitioner",
            Self::Other => return None,
        })
    }

    pub fn id(&self) -> Option<&str> {
        match self {
            Self::RequestGroup(resource) => Some(&resource.id),
            Self::MedicationRequest(resource) => Some(&resource.id),
            Self::Patient(resource) => Some(&resource.id),
            Self::Practitioner(resource) => Some(&resource.id),
            Self::Other => None,
        }
    }
}

/// FHIR's request status (`RequestGroup.status`, R4's `RequestStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatus {
    /// Imported and waiting to be acted on: what a successful POSOS import is.
    Draft,
    Active,
    OnHold,
    Revoked,
    Completed,
    /// The import failed: the group holds no usable line.
    EnteredInError,
    /// FHIR's own `unknown`.
    Unknown,
    /// A code outside R4's value set. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unrecognised,
}

/// FHIR's `MedicationRequest.status` (R4's `medicationrequest-status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MedicationRequestStatus {
    Active,
    OnHold,
    Cancelled,
    Completed,
    EnteredInError,
    Stopped,
    /// A transcription not yet acted on: what POSOS imports.
    Draft,
    /// FHIR's own `unknown`.
    Unknown,
    /// A code outside R4's value set. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unrecognised,
}

/// A `RequestGroup`: one imported prescription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestGroup {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: RequestStatus,
    /// `proposal`.
    pub intent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// FHIR dateTime: when the prescription was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    /// The prescriber (`Practitioner/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Reference>,
    /// One action per prescription line, each naming its `MedicationRequest`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<RequestGroupAction>,
    /// Why an import failed, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// `RequestGroup.action`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RequestGroupAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Reference>,
}

/// A `MedicationRequest`: one transcribed prescription line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MedicationRequest {
    pub id: String,
    /// `originalPosology` and `structurationReliability`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub status: MedicationRequestStatus,
    /// `order`.
    pub intent: String,
    /// The drug as read (`text`) and, when POSOS recognised it, its GTIN coding with its name (`display`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<Reference>,
    /// The posology as POSOS structured it (`text`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dosage_instruction: Vec<Dosage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispense_request: Option<DispenseRequest>,
}

impl MedicationRequest {
    fn extension(&self, url: &str) -> Option<&Extension> {
        self.extension.iter().find(|extension| extension.url == url)
    }

    /// The posology exactly as written on the paper.
    pub fn original_posology(&self) -> Option<&str> {
        self.extension(ORIGINAL_POSOLOGY_URL)?.value_string.as_deref()
    }

    /// How sure POSOS is of this line, from 0 to 1; `None` when absent or outside that range (a value that
    /// cannot be trusted is treated as no reading at all).
    pub fn reliability(&self) -> Option<f64> {
        self.extension(RELIABILITY_URL)?.value_decimal.filter(|value| (0.0..=1.0).contains(value))
    }

    /// The recognised drug's GTIN, when POSOS recognised one.
    pub fn gtin(&self) -> Option<&str> {
        self.coding(GTIN_SYSTEM)?.code.as_deref()
    }

    /// The coding of `system`, if any.
    pub fn coding(&self, system: &str) -> Option<&Coding> {
        self.medication_codeable_concept.as_ref()?.coding.iter().find(|coding| coding.system.as_deref() == Some(system))
    }
}

/// A FHIR extension; only the value types POSOS uses here are read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
}

/// `CodeableConcept`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `Coding`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `Dosage` (only its text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dosage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `MedicationRequest.dispenseRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DispenseRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_supply_duration: Option<Quantity>,
}

/// `Quantity` (and `Duration`, which has the same shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quantity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Quantity {
    /// The value as a whole number from 0 to `max`; `None` for a fraction, a negative or an absurd value.
    pub fn whole(&self, max: u32) -> Option<u32> {
        let value = self.value?;
        if value.fract() != 0.0 || !(0.0..=f64::from(max)).contains(&value) {
            return None;
        }
        // Checked just above: a whole number within u32's range.
        Some(value as u32)
    }
}

/// `Reference`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reference {
    /// Relative (`Patient/pt-1`) or absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// `Kind/id`.
    pub fn to(kind: &str, id: &str) -> Self {
        Self { reference: Some(format!("{kind}/{id}")), identifier: None, display: None }
    }
}

/// `Identifier`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Identifier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `Annotation` (only its text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Annotation {
    pub text: String,
}

/// `HumanName`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HumanName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

impl HumanName {
    /// The name to show: `text`, else the given names and the family name.
    pub fn display(&self) -> Option<String> {
        if let Some(text) = self.text.as_deref().filter(|text| !text.trim().is_empty()) {
            return Some(text.trim().to_owned());
        }
        let parts: Vec<&str> =
            self.given.iter().map(String::as_str).chain(self.family.as_deref()).filter(|p| !p.is_empty()).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// A `Patient`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Patient {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
}

/// A `Practitioner`: the prescriber written on the paper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Practitioner {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
}

/// An `OperationOutcome`: how a FHIR server refuses a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// `OperationOutcome`.
    pub resource_type: String,
    pub issue: Vec<OutcomeIssue>,
}

/// `OperationOutcome.issue`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeIssue {
    /// `fatal`, `error`, `warning` or `information`.
    pub severity: String,
    /// FHIR's issue type: `required`, `invalid`, `login`, `not-found`…
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

impl OperationOutcome {
    /// One error issue.
    pub fn error(code: &str, diagnostics: impl Into<String>) -> Self {
        Self {
            resource_type: "OperationOutcome".to_owned(),
            issue: vec![OutcomeIssue {
                severity: "error".to_owned(),
                code: code.to_owned(),
                diagnostics: Some(diagnostics.into()),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_decode_by_resource_type_and_other_types_are_kept_aside() {
        let bundle: Bundle = serde_json::from_str(
            r#"{"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": [
                {"resource": {"resourceType": "OperationOutcome", "issue": []}, "search": {"mode": "outcome"}},
                {"resource": {"resourceType": "MedicationRequest", "id": "m1", "status": "on-hold",
                  "intent": "order", "extension": [
                    {"url": "https://posos.co/fhir/StructureDefinition/structurationReliability", "valueDecimal": 1.7},
                    {"url": "https://posos.co/fhir/StructureDefinition/originalPosology", "valueString": "1 c/8h"}],
                  "medicationCodeableConcept": {"coding": [
                    {"system": "http://snomed.info/sct", "code": "1"},
                    {"system": "https://www.gs1.org/gtin", "code": "09520001000010"}]}}}]}"#,
        )
        .unwrap();
        assert_eq!(bundle.entry[0].resource, Resource::Other);
        let Resource::MedicationRequest(line) = &bundle.entry[1].resource else { panic!("a MedicationRequest") };
        assert_eq!(line.status, MedicationRequestStatus::OnHold);
        assert_eq!(line.reliability(), None, "1.7 is no reliability");
        assert_eq!((line.original_posology(), line.gtin()), (Some("1 c/8h"), Some("09520001000010")));
        assert_eq!(bundle.resolve(&Reference::to("MedicationRequest", "m1")), Some(&bundle.entry[1].resource));
        assert_eq!(bundle.resolve(&Reference::to("Patient", "m1")), None);
    }

    #[test]
    fn quantities_are_whole_and_bounded() {
        let quantity = |value: f64| Quantity { value: Some(value), unit: None, system: None, code: None };
        assert_eq!(quantity(21.0).whole(1000), Some(21));
        assert_eq!(quantity(2.5).whole(1000), None);
        assert_eq!(quantity(-1.0).whole(1000), None);
        assert_eq!(quantity(1e12).whole(1000), None);
        assert_eq!(quantity(f64::NAN).whole(1000), None);
    }
}
