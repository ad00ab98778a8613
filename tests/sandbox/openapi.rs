//! `GET /openapi.json`: OpenAPI 3, listing every route the sandbox serves, each of which answers.

use reqwest::Method;

use crate::support::Harness;

/// Every path of contract §1–§4 and §7, and the sandbox extras the issue names.
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
