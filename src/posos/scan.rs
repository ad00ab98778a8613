//! A POSOS bundle as the counter uses it: each imported prescription with its lines flattened (the text as read,
//! what POSOS recognised it as, the posology as written and as structured, the reliability, the quantity), the
//! prescriber, and whether the import failed. References are followed inside the bundle; anything missing or
//! out of range becomes `None`, never a failure, so one odd line does not hide the others.

use super::fhir::{Bundle, LICENSE_SYSTEM, RequestGroup, RequestStatus, Resource};

/// Below this reliability a line was probably misread: the clerk must confirm it explicitly.
pub const LOW_RELIABILITY: f64 = 0.6;

/// The most units one transcribed line may carry before it is taken as misread (as in the Osigu model).
const MAX_UNITS: u32 = crate::osigu::model::bounded::MAX_QUANTITY;

/// The most days a treatment may last before the figure is taken as misread.
const MAX_DAYS: u32 = 3660;

/// How an import ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanOutcome {
    /// The lines are there (`draft`).
    Imported,
    /// POSOS could not transcribe the paper (`entered-in-error`): see [`ScannedPrescription::failure`].
    Failed,
    /// A status the stand-in never sends (`active`, `revoked`…): shown, not acted on.
    Other,
}

/// The prescriber as transcribed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedPrescriber {
    pub name: String,
    /// The licence number written on the paper.
    pub license: Option<String>,
}

/// One transcribed line.
#[derive(Clone, Debug, PartialEq)]
pub struct ScannedLine {
    /// `MedicationRequest.id`.
    pub id: String,
    /// The drug as read on the paper.
    pub text: String,
    /// What POSOS recognised it as (its name in POSOS's drug base), when it did.
    pub recognised_as: Option<String>,
    /// The recognised pack's GTIN: how the line maps to a registered provider product.
    pub gtin: Option<String>,
    /// The posology as written.
    pub original_posology: Option<String>,
    /// The posology as POSOS structured it.
    pub dosage: Option<String>,
    /// From 0 to 1; `None` when POSOS gave none (treated as unreliable).
    pub reliability: Option<f64>,
    pub quantity: Option<u32>,
    pub duration_days: Option<u32>,
}

impl ScannedLine {
    /// Read with low (or unknown) reliability: the clerk must confirm it before it is requested.
    pub fn needs_confirmation(&self) -> bool {
        self.reliability.is_none_or(|reliability| reliability < LOW_RELIABILITY)
    }
}

/// One imported prescription.
#[derive(Clone, Debug, PartialEq)]
pub struct ScannedPrescription {
    /// `RequestGroup.id`.
    pub id: String,
    /// `RequestGroup/{id}`: what a pre-authorization's indication refers to.
    pub reference: String,
    pub outcome: ScanOutcome,
    /// Why the import failed, in POSOS's words.
    pub failure: Option<String>,
    /// FHIR dateTime of the import.
    pub authored_on: Option<String>,
    pub prescriber: Option<ScannedPrescriber>,
    pub lines: Vec<ScannedLine>,
}

/// Every prescription of the bundle, in the bundle's order (the stand-in lists them oldest first).
pub fn prescriptions(bundle: &Bundle) -> Vec<ScannedPrescription> {
    bundle
        .resources()
        .filter_map(|resource| match resource {
            Resource::RequestGroup(group) => Some(prescription(bundle, group)),
            _ => None,
        })
        .collect()
}

fn prescription(bundle: &Bundle, group: &RequestGroup) -> ScannedPrescription {
    let outcome = match group.status {
        RequestStatus::Draft => ScanOutcome::Imported,
        RequestStatus::EnteredInError => ScanOutcome::Failed,
        _ => ScanOutcome::Other,
    };
    let lines = group
        .action
        .iter()
        .filter_map(|action| match bundle.resolve(action.resource.as_ref()?)? {
            Resource::MedicationRequest(request) => Some(request),
            _ => None,
        })
        .map(|request| {
            let concept = request.medication_codeable_concept.as_ref();
            let recognised = request.coding(super::fhir::GTIN_SYSTEM);
            let supply = request.dispense_request.as_ref();
            ScannedLine {
                id: request.id.clone(),
                text: concept
                    .and_then(|concept| concept.text.clone())
                    .or_else(|| recognised.and_then(|coding| coding.display.clone()))
                    .unwrap_or_default(),
                recognised_as: recognised.and_then(|coding| coding.display.clone()),
                gtin: request.gtin().map(str::to_owned),
                original_posology: request.original_posology().map(str::to_owned),
                dosage: request.dosage_instruction.iter().find_map(|dosage| dosage.text.clone()),
                reliability: request.reliability(),
                quantity: supply.and_then(|supply| supply.quantity.as_ref()?.whole(MAX_UNITS)),
                duration_days: supply.and_then(|supply| {
                    let duration = supply.expected_supply_duration.as_ref()?;
                    // Only a duration in days is read as days.
                    (duration.code.as_deref() == Some("d")).then(|| duration.whole(MAX_DAYS)).flatten()
                }),
            }
        })
        .collect();
    let prescriber = group.author.as_ref().and_then(|author| match bundle.resolve(author)? {
        Resource::Practitioner(practitioner) => Some(ScannedPrescriber {
            name: practitioner.name.iter().find_map(super::fhir::HumanName::display)?,
            license: practitioner
                .identifier
                .iter()
                .find(|identifier| identifier.system.as_deref() == Some(LICENSE_SYSTEM))
                .and_then(|identifier| identifier.value.clone()),
        }),
        _ => None,
    });
    ScannedPrescription {
        id: group.id.clone(),
        reference: format!("RequestGroup/{}", group.id),
        outcome,
        failure: group.note.iter().map(|note| note.text.clone()).next(),
        authored_on: group.authored_on.clone(),
        prescriber,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_group_s_actions_and_odd_values_become_none() {
        let bundle: Bundle = serde_json::from_str(
            r#"{"resourceType": "Bundle", "type": "searchset", "entry": [
              {"resource": {"resourceType": "RequestGroup", "id": "rg-1", "status": "draft", "intent": "proposal",
                "author": {"reference": "Practitioner/pr-1"},
                "action": [{"resource": {"reference": "MedicationRequest/rg-1-2"}},
                           {"resource": {"reference": "MedicationRequest/missing"}}]}},
              {"resource": {"resourceType": "MedicationRequest", "id": "rg-1-1", "status": "draft", "intent": "order",
                "medicationCodeableConcept": {"text": "not in the group"}}},
              {"resource": {"resourceType": "MedicationRequest", "id": "rg-1-2", "status": "draft", "intent": "order",
                "medicationCodeableConcept": {"text": "Metf0rmina"},
                "dispenseRequest": {"quantity": {"value": 60.5},
                                    "expectedSupplyDuration": {"value": 4, "unit": "weeks", "code": "wk"}}}},
              {"resource": {"resourceType": "Practitioner", "id": "pr-1",
                "identifier": [{"system": "https://posos.co/fhir/NamingSystem/prescriber-license", "value": "8812"}],
                "name": [{"given": ["Óscar"], "family": "Méndez"}]}}]}"#,
        )
        .unwrap();
        let found = prescriptions(&bundle);
        assert_eq!(found.len(), 1);
        let prescription = &found[0];
        assert_eq!(
            (prescription.outcome, prescription.reference.as_str()),
            (ScanOutcome::Imported, "RequestGroup/rg-1")
        );
        assert_eq!(
            prescription.prescriber,
            Some(ScannedPrescriber { name: "Óscar Méndez".into(), license: Some("8812".into()) })
        );
        let [line] = prescription.lines.as_slice() else { panic!("one line: {:?}", prescription.lines) };
        assert_eq!(line.text, "Metf0rmina");
        assert_eq!((line.quantity, line.duration_days, line.reliability), (None, None, None));
        assert!(line.needs_confirmation(), "no reliability is low reliability");
    }
}
