//! `GET /openapi.json`: OpenAPI 3, listing every route the sandbox serves, each of which answers.

use reqwest::Method;

use crate::support::Harness;

/// Every path of contract §1–§4, §7, §10 and §11, and the sandbox extras the issue names.
const CONTRACT_PATHS: &[(&str, &str)] = &[
    ("post", "/v1/oauth/token"),
    ("get", "/v1/sponsors"),
    ("get", "/arc/v1/sponsors/{slug}/configuration"),
    ("get", "/v1/sponsors/{slug}/forms"),
    ("post", "/v1/sponsors/{slug}/search"),
    ("post", "/dispensing/v1/dispensations"),
    ("get", "/dispensing/v1/dispensations"),
    ("get", "/dispensing/v1/dispensations/{id}"),
    ("put", "/dispensing/v1/dispensations/{id}"),
    ("get", "/dispensing/v1/dispensations/{id}/verification-status"),
    ("post", "/dispensing/v1/dispensations/{id}/biometric"),
    ("post", "/dispensing/v1/dispensations/{id}/biometric/challenge"),
    ("post", "/dispensing/v1/dispensations/{id}/complete"),
    ("post", "/dispensing/v1/dispensations/{id}/cancel"),
    ("post", "/v1/otp/send"),
    ("post", "/otp/generate"),
    ("post", "/v1/otp/validate"),
    ("post", "/otp/validate"),
    ("get", "/ehr/v1/patients"),
    ("post", "/ehr/v1/patients"),
    ("post", "/ehr/v1/prescriptions"),
    ("post", "/ehr/v1.1/prescriptions"),
    ("post", "/ehr/v2/prescriptions"),
    ("get", "/ehr/v1/prescriptions/{id}"),
    ("post", "/ehr/v1/prescriptions/{id}/resend"),
    ("get", "/arc/v1/providers/products"),
    ("post", "/arc/v1/authorization-requests"),
    ("get", "/arc/v1/authorization-requests/{id}"),
    ("post", "/arc/v1/authorization-requests/{id}/indications"),
    ("post", "/arc/v1/authorization-requests/{id}/complete"),
    ("post", "/posos/api/partners/patient/scan-token"),
    ("get", "/posos/scan"),
    ("post", "/posos/scan/import"),
    ("get", "/posos/fhir/r4/{facilitySlug}/RequestGroup"),
    ("get", "/sandbox/v1/outbox"),
    ("post", "/sandbox/v1/challenges/{id}/approve"),
    ("get", "/openapi.json"),
];

#[tokio::test]
async fn the_document_is_openapi_3_and_lists_every_contract_route() {
    let sandbox = Harness::start().await;
    let document = sandbox.get("/openapi.json").await.expect(200).json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."), "{}", document["openapi"]);
    let missing: Vec<_> =
        CONTRACT_PATHS.iter().filter(|(method, path)| document["paths"][*path][*method].is_null()).collect();
    assert!(missing.is_empty(), "not documented: {missing:?}");
    assert!(document["components"]["schemas"]["Dispensation"].is_object());
    for schema in ["AuthorizationRequest", "Bundle", "RequestGroup", "MedicationRequest", "OperationOutcome"] {
        assert!(document["components"]["schemas"][schema].is_object(), "{schema}");
    }
    assert!(document["components"]["securitySchemes"]["posos"].is_object());
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let sandbox = Harness::start().await;
    let document = sandbox.get("/openapi.json").await.expect(200).json();
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path.replace("{slug}", "sponsor-sandbox").replace("{id}", "x_1").replace("{code}", "NOPE-0000");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = sandbox.send(method.clone(), &concrete, Some(&sandbox.token()), None, None).await;
            let unrouted = reply.status == 405 || (reply.status == 404 && reply.code() == "NOT_FOUND");
            assert!(!unrouted, "{method} {path} is documented but not routed: {}", reply.text);
            operations += 1;
        }
    }
    assert!(operations >= CONTRACT_PATHS.len(), "{operations} operations");
}

#[tokio::test]
async fn nothing_answers_that_the_document_does_not_describe() {
    let sandbox = Harness::start().await;
    let document = sandbox.get("/openapi.json").await.expect(200).json();
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path.replace("{slug}", "sponsor-sandbox").replace("{id}", "x_1").replace("{code}", "NOPE-0000");
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            if item.get(method.as_str().to_lowercase()).is_some() {
                continue;
            }
            let reply = sandbox.send(method.clone(), &concrete, Some(&sandbox.token()), None, None).await;
            assert_eq!(reply.status, 405, "{method} {path} answers without being documented: {}", reply.text);
        }
    }
}

/// The official OpenAPI 3.1 schemas, vendored unmodified (see `tests/fixtures/openapi-3.1/README.md`).
const OAS_SCHEMAS: [(&str, &str); 4] = [
    (
        "https://spec.openapis.org/oas/3.1/schema-base/2025-11-23",
        include_str!("../fixtures/openapi-3.1/schema-base-2025-11-23.json"),
    ),
    (
        "https://spec.openapis.org/oas/3.1/schema/2025-11-23",
        include_str!("../fixtures/openapi-3.1/schema-2025-11-23.json"),
    ),
    (
        "https://spec.openapis.org/oas/3.1/dialect/2024-11-10",
        include_str!("../fixtures/openapi-3.1/dialect-2024-11-10.json"),
    ),
    ("https://spec.openapis.org/oas/3.1/meta/2024-11-10", include_str!("../fixtures/openapi-3.1/meta-2024-11-10.json")),
];

/// The errors of validating `document` against the OpenAPI 3.1 schema-base (documents and, through the
/// schema's `$dynamicRef`, every Schema Object against the OAS dialect), with boon, a JSON Schema 2020-12
/// validator independent of the library that wrote the document.
fn openapi_31_errors(document: &serde_json::Value) -> Option<String> {
    let mut compiler = boon::Compiler::new();
    for (url, text) in OAS_SCHEMAS {
        let schema: serde_json::Value = serde_json::from_str(text).expect("vendored schema is JSON");
        compiler.add_resource(url, schema).expect("vendored schema is added");
    }
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(OAS_SCHEMAS[0].0, &mut schemas).expect("the OpenAPI 3.1 schema compiles");
    schemas.validate(document, index).err().map(|error| format!("{error:#}"))
}

#[tokio::test]
async fn the_document_validates_against_the_official_openapi_3_1_schema() {
    let sandbox = Harness::start().await;
    let document = sandbox.get("/openapi.json").await.expect(200).json();
    if let Some(errors) = openapi_31_errors(&document) {
        panic!("/openapi.json is not valid OpenAPI 3.1:\n{errors}");
    }
    // The validator does check what the issue found missing: the same document without one response's
    // description, and with a Schema Object of an unknown type, is refused.
    let mut broken = document.clone();
    let reply = &mut broken["paths"]["/dispensing/v1/dispensations"]["post"]["responses"]["201"];
    reply.as_object_mut().expect("a response object").remove("description");
    let errors = openapi_31_errors(&broken).expect("a response without description is refused");
    assert!(errors.contains("description"), "{errors}");
    let mut bad_schema = document;
    bad_schema["components"]["schemas"]["Dispensation"]["type"] = serde_json::json!("dictionary");
    assert!(openapi_31_errors(&bad_schema).is_some(), "a Schema Object is checked against the dialect");
}
