//! The FHIR R4 searchset the stand-in answers `GET /posos/fhir/r4/{facilitySlug}/RequestGroup` with: per
//! import a `RequestGroup` (`search.mode` `match`; `draft`, or `entered-in-error` with a note when the import
//! failed) and, included (`search.mode` `include`), its `MedicationRequest`s, the `Patient` and the
//! `Practitioner`, each once, with `fullUrl`s under the facility's FHIR base.

use std::collections::HashSet;

use time::{Duration, OffsetDateTime};

use super::fixtures::{FixtureLine, PososCatalog, ScanFixture};
use super::state::Import;
use crate::posos::fhir::{
    Annotation, Bundle, BundleEntry, BundleLink, BundleSearch, CodeableConcept, Coding, DispenseRequest, Dosage,
    Extension, GTIN_SYSTEM, HumanName, Identifier, LICENSE_SYSTEM, MedicationRequest, MedicationRequestStatus, Meta,
    ORIGINAL_POSOLOGY_URL, PATIENT_ID_SYSTEM, Patient, Practitioner, Quantity, RELIABILITY_URL, Reference,
    RequestGroup, RequestGroupAction, RequestStatus, Resource, UCUM_SYSTEM,
};
use crate::sandbox::dates::rfc3339;

/// Where the resources of one facility live, and the search that was asked.
pub(crate) struct SearchContext<'a> {
    /// `http://HOST/posos/fhir/r4/{facility}`.
    pub base: &'a str,
    /// The search URL, for the `self` link.
    pub self_url: String,
    pub bundle_id: String,
    pub now: OffsetDateTime,
}

fn entry(base: &str, resource: Resource, mode: &str) -> BundleEntry {
    let full_url = resource.kind().zip(resource.id()).map(|(kind, id)| format!("{base}/{kind}/{id}"));
    BundleEntry { full_url, resource, search: Some(BundleSearch { mode: Some(mode.to_owned()) }) }
}

fn practitioner_id(fixture: &ScanFixture) -> String {
    format!("pr-{}", fixture.slug)
}

/// The searchset for `imports` (one patient's, oldest first).
pub(crate) fn searchset<'a>(
    catalog: &PososCatalog,
    imports: impl Iterator<Item = &'a Import>,
    context: &SearchContext<'_>,
) -> Bundle {
    let mut matches = Vec::new();
    let mut included = Vec::new();
    let mut seen = HashSet::new();
    for import in imports {
        let Some(fixture) = catalog.prescriptions.get(import.fixture) else { continue };
        let (group, lines) = request_group(import, fixture);
        matches.push(entry(context.base, Resource::RequestGroup(group), "match"));
        included
            .extend(lines.into_iter().map(|line| entry(context.base, Resource::MedicationRequest(line), "include")));
        if seen.insert(format!("Patient/{}", import.patient_resource)) {
            included.push(entry(context.base, Resource::Patient(patient(import)), "include"));
        }
        if let Some(prescriber) = fixture.prescriber.as_ref().filter(|_| !import.failed)
            && seen.insert(format!("Practitioner/{}", practitioner_id(fixture)))
        {
            let practitioner = Practitioner {
                id: practitioner_id(fixture),
                identifier: vec![Identifier {
                    system: Some(LICENSE_SYSTEM.to_owned()),
                    value: Some(prescriber.license.clone()),
                }],
                name: vec![HumanName { text: Some(prescriber.name.clone()), ..HumanName::default() }],
            };
            included.push(entry(context.base, Resource::Practitioner(practitioner), "include"));
        }
    }
    Bundle {
        resource_type: "Bundle".to_owned(),
        id: Some(context.bundle_id.clone()),
        meta: Some(Meta { last_updated: Some(rfc3339(context.now)) }),
        kind: "searchset".to_owned(),
        total: Some(u32::try_from(matches.len()).unwrap_or(u32::MAX)),
        link: vec![BundleLink { relation: "self".to_owned(), url: context.self_url.clone() }],
        entry: matches.into_iter().chain(included).collect(),
    }
}

fn patient(import: &Import) -> Patient {
    Patient {
        id: import.patient_resource.clone(),
        identifier: vec![Identifier {
            system: Some(PATIENT_ID_SYSTEM.to_owned()),
            value: Some(import.patient_id.clone()),
        }],
        name: vec![HumanName {
            text: None,
            family: Some(import.last_name.clone()),
            given: import.first_name.split_whitespace().map(str::to_owned).collect(),
        }],
    }
}

fn subject(import: &Import) -> Reference {
    Reference {
        identifier: Some(Identifier {
            system: Some(PATIENT_ID_SYSTEM.to_owned()),
            value: Some(import.patient_id.clone()),
        }),
        ..Reference::to("Patient", &import.patient_resource)
    }
}

/// The `RequestGroup` of one import and its lines.
fn request_group(import: &Import, fixture: &ScanFixture) -> (RequestGroup, Vec<MedicationRequest>) {
    let authored_on = rfc3339(import.at);
    let identifier = vec![Identifier {
        system: Some("https://posos.co/fhir/NamingSystem/import".to_owned()),
        value: Some(import.id.clone()),
    }];
    if import.failed {
        let group = RequestGroup {
            id: import.id.clone(),
            identifier,
            status: RequestStatus::EnteredInError,
            intent: "proposal".to_owned(),
            subject: Some(subject(import)),
            authored_on: Some(authored_on),
            author: None,
            action: Vec::new(),
            note: fixture.failure.iter().map(|text| Annotation { text: text.clone() }).collect(),
        };
        return (group, Vec::new());
    }
    // The date written on the paper, as FHIR's date.
    let written = (import.at - Duration::days(i64::from(fixture.written_days_ago))).date().to_string();
    let author = fixture.prescriber.as_ref().map(|_| Reference::to("Practitioner", &practitioner_id(fixture)));
    let lines: Vec<MedicationRequest> = fixture
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            medication_request(import, &format!("{}-{}", import.id, index + 1), line, &written, author.clone())
        })
        .collect();
    let group = RequestGroup {
        id: import.id.clone(),
        identifier,
        status: RequestStatus::Draft,
        intent: "proposal".to_owned(),
        subject: Some(subject(import)),
        authored_on: Some(authored_on),
        author,
        action: lines
            .iter()
            .map(|line| RequestGroupAction { resource: Some(Reference::to("MedicationRequest", &line.id)) })
            .collect(),
        note: Vec::new(),
    };
    (group, lines)
}

fn medication_request(
    import: &Import,
    id: &str,
    line: &FixtureLine,
    written: &str,
    requester: Option<Reference>,
) -> MedicationRequest {
    let coding = line
        .gtin
        .iter()
        .map(|gtin| Coding {
            system: Some(GTIN_SYSTEM.to_owned()),
            code: Some(gtin.clone()),
            display: line.display.clone(),
        })
        .collect();
    let days = line.duration_days.map(|days| Quantity {
        value: Some(f64::from(days)),
        unit: Some("días".to_owned()),
        system: Some(UCUM_SYSTEM.to_owned()),
        code: Some("d".to_owned()),
    });
    MedicationRequest {
        id: id.to_owned(),
        extension: vec![
            Extension {
                url: ORIGINAL_POSOLOGY_URL.to_owned(),
                value_string: Some(line.posology.clone()),
                value_decimal: None,
            },
            Extension { url: RELIABILITY_URL.to_owned(), value_string: None, value_decimal: Some(line.reliability) },
        ],
        status: MedicationRequestStatus::Draft,
        intent: "order".to_owned(),
        medication_codeable_concept: Some(CodeableConcept { coding, text: Some(line.text.clone()) }),
        subject: Some(Reference::to("Patient", &import.patient_resource)),
        authored_on: Some(written.to_owned()),
        requester,
        dosage_instruction: vec![Dosage { text: Some(line.dosage.clone()) }],
        dispense_request: Some(DispenseRequest {
            quantity: Some(Quantity {
                value: Some(f64::from(line.quantity)),
                unit: Some(line.unit.clone()),
                system: None,
                code: None,
            }),
            expected_supply_duration: days,
        }),
    }
}
