//! ePrescription (contract §7): the sandbox issues fresh codes the counter can dispense at once.

use serde_json::{Value, json};

use crate::support::{Harness, id};

async fn new_patient(sandbox: &Harness) -> Value {
    sandbox
        .post(
            "/ehr/v1/patients",
            json!({ "first_name": "Ana", "last_name": "López", "document_type": "CC", "document_number": "1000000009",
                    "date_of_birth": "1990-04-11", "email": "ana.lopez@correo.co" }),
        )
        .await
        .expect(201)
        .json()
}

fn prescription(patient: &Value) -> Value {
    json!({
        "patient_id": patient["patient_id"],
        "diagnoses": [{ "diagnosis_code": "R51" }],
        "medications": [{ "product_code": "MED-042", "quantity": 30, "posology": "1 tableta cada 8 h", "duration_days": 10 }],
    })
}

#[tokio::test]
async fn a_prescription_issued_through_v1_is_dispensed_and_shows_it() {
    let sandbox = Harness::start().await;
    let patient = new_patient(&sandbox).await;
    assert!(patient["patient_id"].as_str().unwrap().starts_with("pat_"));
    let found = sandbox.get("/ehr/v1/patients?document_number=1000000009").await.expect(200).json();
    assert_eq!(found[0]["patient_id"], patient["patient_id"]);

    let issued = sandbox.post("/ehr/v1/prescriptions", prescription(&patient)).await.expect(201).json();
    assert_eq!(issued["status"], "PRESCRIPTION_ISSUED");
    assert_eq!(issued["prescription_code"], "RX-2026-000005", "numbered after the seeded codes");

    let dispensation = sandbox.start_code(issued["prescription_code"].as_str().unwrap()).await;
    assert_eq!(dispensation["beneficiary"]["last_name"], "López");
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let partial =
        sandbox.put(&path, json!({ "products": [{ "id": "line_1", "quantity": 12 }] })).await.expect(200).json();
    sandbox.complete(&partial, json!({})).await.expect(200);

    let detail = sandbox
        .get(&format!("/ehr/v1/prescriptions/{}", issued["prescription_id"].as_str().unwrap()))
        .await
        .expect(200)
        .json();
    assert_eq!(detail["items"][0]["dispensed_quantity"], 12);
    assert_eq!(detail["items"][0]["dispensation_status"], "PARTIALLY_DISPENSED");
    // The rest can be dispensed later.
    let rest = sandbox.start_code(issued["prescription_code"].as_str().unwrap()).await;
    assert_eq!(rest["products"][0]["available_quantity"], 18);
}

#[tokio::test]
async fn v1_1_requires_patient_data_consent() {
    let sandbox = Harness::start().await;
    let patient = new_patient(&sandbox).await;
    sandbox
        .post("/ehr/v1.1/prescriptions", prescription(&patient))
        .await
        .expect_error(422, "PATIENT_DATA_CONSENT_REQUIRED");
    let mut consented = prescription(&patient);
    consented["patient_data_consent"] = json!(true);
    sandbox.post("/ehr/v1.1/prescriptions", consented).await.expect(201);
}

#[tokio::test]
async fn v2_requires_the_national_repository_id_and_a_signed_hash() {
    let sandbox = Harness::start().await;
    let patient = new_patient(&sandbox).await;
    let mut body = prescription(&patient);
    body["patient_data_consent"] = json!(true);
    sandbox.post("/ehr/v2/prescriptions", body.clone()).await.expect_error(400, "VALIDATION_ERROR");
    body["national_repository_id"] = json!("ES-REC-000123");
    body["signed_hash"] = json!({ "algorithm": "SHA256", "value": "abc" });
    let bad_hash = sandbox.post("/ehr/v2/prescriptions", body.clone()).await.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(bad_hash.json()["errors"][0]["path"], "signed_hash");
    body["signed_hash"]["value"] = json!("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    let issued = sandbox.post("/ehr/v2/prescriptions", body).await.expect(201).json();
    let detail =
        sandbox.get(&format!("/ehr/v1/prescriptions/{}", issued["prescription_id"].as_str().unwrap())).await.json();
    assert_eq!(detail["version"], "v2");
}

#[tokio::test]
async fn only_registered_provider_products_can_be_prescribed() {
    let sandbox = Harness::start().await;
    let patient = new_patient(&sandbox).await;
    let mut body = prescription(&patient);
    body["medications"][0]["product_code"] = json!("MED-999");
    let refused = sandbox.post("/ehr/v1/prescriptions", body).await.expect_error(422, "PRODUCT_NOT_REGISTERED");
    assert_eq!(refused.json()["error_code"], "071-104");
    let products =
        sandbox.get("/arc/v1/providers/products?product_type=MEDICATION&query=omeprazol").await.expect(200).json();
    let codes: Vec<&str> =
        products["content"].as_array().unwrap().iter().map(|p| p["product_code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["MED-215", "MED-411", "MED-SBX-215"]);
    let labs = sandbox.get("/arc/v1/providers/products?product_type=LABORATORY").await.json();
    assert_eq!(labs["page"]["total_elements"], 1, "the schema vocabulary works in queries too");
}

#[tokio::test]
async fn every_provider_product_carries_its_own_gtin_with_its_check_digit() {
    let sandbox = Harness::start().await;
    let mut gtins = Vec::new();
    for product_type in ["MEDICATION", "LAB"] {
        let page = sandbox.get(&format!("/arc/v1/providers/products?product_type={product_type}&size=100")).await;
        for product in page.expect(200).json()["content"].as_array().unwrap() {
            let gtin = product["gtin"].as_str().unwrap_or_else(|| panic!("no gtin: {product}")).to_owned();
            // Contract §12: 14 digits whose last is the GS1 check digit of the others.
            assert_eq!(gtin.len(), 14, "{product}");
            assert!(mostrador::gs1::Gtin::parse(&gtin).is_ok(), "check digit of {gtin}");
            gtins.push(gtin);
        }
    }
    assert_eq!(gtins.len(), 31, "every registered product");
    assert!(gtins.contains(&"09520001000010".to_owned()), "MED-001's");
    gtins.sort();
    gtins.dedup();
    assert_eq!(gtins.len(), 31, "no two products share a GTIN");
    let openapi = sandbox.get("/openapi.json").await.expect(200).json();
    let described = &openapi["components"]["schemas"]["ProviderProduct"]["properties"]["gtin"];
    assert_eq!(described["pattern"], "^[0-9]{14}$", "{described}");
}

#[tokio::test]
async fn patients_are_unique_by_document_and_prescriptions_can_be_resent() {
    let sandbox = Harness::start().await;
    let patient = new_patient(&sandbox).await;
    let again = sandbox
        .post(
            "/ehr/v1/patients",
            json!({ "first_name": "Ana", "last_name": "L", "document_type": "CC", "document_number": "1000000009" }),
        )
        .await
        .expect(409);
    assert_eq!(again.detail("patient_id"), patient["patient_id"]);
    let issued = sandbox.post("/ehr/v1/prescriptions", prescription(&patient)).await.expect(201).json();
    let path = format!("/ehr/v1/prescriptions/{}/resend", issued["prescription_id"].as_str().unwrap());
    let resent = sandbox.post(&path, json!({ "channel": "EMAIL" })).await.expect(202).json();
    assert_eq!(resent["masked_destination"], "a***@correo.co");
    // No phone on file: accepted, with no destination, and the link to hand over instead.
    let by_sms = sandbox.post(&path, json!({ "channel": "SMS" })).await.expect(202).json();
    assert_eq!(by_sms["masked_destination"], json!(null));
    let document = sandbox.http.get(by_sms["download_url"].as_str().unwrap()).send().await.unwrap();
    assert!(document.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = document.text().await.unwrap();
    assert!(
        text.contains(issued["prescription_code"].as_str().unwrap())
            && text.contains("Acetaminofén 500 mg tableta × 30"),
        "{text}"
    );
    sandbox.get("/ehr/v1/prescriptions/rx_nope").await.expect_error(404, "PRESCRIPTION_NOT_FOUND");
    sandbox
        .post("/ehr/v1/prescriptions", json!({ "patient_id": "pat_nope", "medications": [] }))
        .await
        .expect_error(404, "PATIENT_NOT_FOUND");
}
