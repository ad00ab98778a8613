//! Bad requests get an envelope, never a panic, a plain-text error or a hang.

use reqwest::Method;
use serde_json::json;

use crate::support::{Harness, read};

#[tokio::test]
async fn malformed_json_and_wrong_content_types_get_envelopes() {
    let sandbox = Harness::start().await;
    let url = sandbox.url("/dispensing/v1/dispensations");
    let send = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = sandbox.http.post(&url).bearer_auth(sandbox.token()).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        async move { read(request.send().await.unwrap()).await }
    };
    send("{\"code\": ", Some("application/json")).await.expect_error(400, "MALFORMED_JSON");
    send("", Some("application/json")).await.expect_error(400, "MALFORMED_JSON");
    send("[1, 2]", Some("application/json")).await.expect_error(400, "VALIDATION_ERROR");
    let typed = send("{\"code\": 42}", Some("application/json")).await.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(typed.json()["errors"][0]["path"], "code");
    send("{\"code\": \"RX-2026-000001\"}", Some("text/plain")).await.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    send("{\"code\": \"RX-2026-000001\"}", None).await.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    send("code=RX-2026-000001", Some("application/x-www-form-urlencoded"))
        .await
        .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    send("{\"code\": \"  \"}", Some("application/json")).await.expect_error(400, "VALIDATION_ERROR");
    // After all that, the server still works.
    send("{\"code\": \"rx-2026-000001 \"}", Some("application/json; charset=utf-8")).await.expect(201);
}

#[tokio::test]
async fn a_body_over_four_megabytes_is_refused_whole() {
    let sandbox = Harness::start().await;
    let huge = format!("{{\"code\": \"{}\"}}", "A".repeat(5 * 1024 * 1024));
    let reply = read(
        sandbox
            .http
            .post(sandbox.url("/dispensing/v1/dispensations"))
            .bearer_auth(sandbox.token())
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap(),
    )
    .await;
    reply.expect_error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_envelopes() {
    let sandbox = Harness::start().await;
    sandbox.get("/dispensing/v2/nothing").await.expect_error(404, "NOT_FOUND");
    sandbox
        .send(Method::DELETE, "/dispensing/v1/dispensations", Some(&sandbox.token()), None, None)
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn bad_query_strings_and_unknown_lines_name_the_field() {
    let sandbox = Harness::start().await;
    let bad = sandbox.get("/dispensing/v1/dispensations?size=0").await.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(bad.json()["errors"][0]["path"], "size");
    sandbox.get("/dispensing/v1/dispensations?status=DONE").await.expect_error(400, "VALIDATION_ERROR");
    sandbox.get("/dispensing/v1/dispensations?from=yesterday").await.expect_error(400, "VALIDATION_ERROR");
    sandbox
        .get("/arc/v1/sponsors/aseguradora-otp/configuration?product_type=FOOD")
        .await
        .expect_error(400, "VALIDATION_ERROR");
    sandbox.get("/arc/v1/sponsors/nobody/configuration").await.expect_error(404, "SPONSOR_NOT_FOUND");
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}", dispensation["dispensation_id"].as_str().unwrap());
    let unknown = sandbox
        .put(&path, json!({ "products": [{ "id": "line_9", "quantity": 1 }] }))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    assert_eq!(unknown.json()["errors"][0]["path"], "products[0].id");
    sandbox
        .put(&path, json!({ "products": [{ "id": "line_1", "quantity": 1 }, { "id": "line_1", "quantity": 2 }] }))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    sandbox
        .put(&path, json!({ "products": [{ "id": "line_1", "quantity": 1.5 }] }))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    sandbox
        .put(&path, json!({ "products": [{ "id": "line_1", "quantity": 1, "unit_price": -2 }] }))
        .await
        .expect_error(422, "PRICE_INVALID");
}

#[tokio::test]
async fn accented_text_survives_the_round_trip() {
    let sandbox = Harness::start().await;
    let search = sandbox
        .post("/v1/sponsors/seguro-huella/search", json!({ "document_type": "CC", "document_number": "1000000001" }))
        .await;
    let found = search.expect(200).json();
    assert_eq!((found["first_name"].as_str(), found["last_name"].as_str()), (Some("ANDRÉS FELIPE"), Some("NÚÑEZ")));
    let forms = sandbox.get("/v1/sponsors/ars-sandbox-do/forms").await.json();
    assert_eq!(forms[0]["fallback_name"], "Cédula de identidad y electoral");
}

#[tokio::test]
async fn an_inactive_coverage_is_a_successful_search_that_says_so() {
    let sandbox = Harness::start().await;
    let found = sandbox
        .post("/v1/sponsors/aseguradora-otp/search", json!({ "document_number": "2233445560101" }))
        .await
        .expect(200)
        .json();
    assert_eq!(found["coverage"]["active"], false);
    let incomplete = sandbox.post("/v1/sponsors/aseguradora-otp/search", json!({ "member_code": "AOTP-000111" })).await;
    assert_eq!(incomplete.expect_error(400, "VALIDATION_ERROR").json()["errors"][0]["path"], "document_number");
    sandbox
        .post("/v1/sponsors/aseguradora-otp/search", json!({ "shoe_size": "42" }))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    let by_card = sandbox
        .post(
            "/v1/sponsors/aseguradora-otp/search",
            json!({ "member_code": "aotp-000111", "date_of_birth": "1948-05-05" }),
        )
        .await;
    assert_eq!(by_card.expect(200).json()["last_name"], "ALMÁNZAR");
}

#[tokio::test]
async fn a_start_in_another_currency_is_refused_and_the_currency_is_case_blind() {
    let sandbox = Harness::start().await;
    let wrong = sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000101", "currency_code": "USD" }))
        .await;
    assert_eq!(wrong.expect_error(400, "VALIDATION_ERROR").json()["errors"][0]["path"], "currency_code");
    sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000101", "currency_code": "gtq" }))
        .await
        .expect(201);
}

#[tokio::test]
async fn a_cancel_needs_no_body() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    let url = sandbox
        .url(&format!("/dispensing/v1/dispensations/{}/cancel", dispensation["dispensation_id"].as_str().unwrap()));
    let cancelled = read(sandbox.http.post(url).bearer_auth(sandbox.token()).send().await.unwrap()).await;
    assert_eq!(cancelled.expect(200).json()["status"], "CANCELLED");
    sandbox.start_code("AUTH-2026-000101").await;
}

#[tokio::test]
async fn a_wrong_method_is_405_whatever_its_headers() {
    let sandbox = Harness::start().await;
    let reply = sandbox.send(Method::PUT, "/v1/otp/send", Some(&sandbox.token()), Some(&json!({})), Some(" ")).await;
    reply.expect_error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn whole_quantities_written_as_decimals_are_accepted_and_fractions_are_not() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}", dispensation["dispensation_id"].as_str().unwrap());
    let updated =
        sandbox.put(&path, json!({ "products": [{ "id": "line_1", "quantity": 12.0 }] })).await.expect(200).json();
    assert_eq!(updated["products"][0]["quantity"], 12);
    let half = sandbox.put(&path, json!({ "products": [{ "id": "line_1", "quantity": 12.5 }] })).await;
    assert_eq!(half.expect_error(400, "VALIDATION_ERROR").json()["errors"][0]["path"], "products[0].quantity");
}

#[tokio::test]
async fn a_null_cancel_body_means_no_reason() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("RX-2026-000001").await;
    let path = format!("/dispensing/v1/dispensations/{}/cancel", dispensation["dispensation_id"].as_str().unwrap());
    let cancelled = sandbox.post(&path, serde_json::Value::Null).await.expect(200).json();
    assert_eq!(cancelled["cancellation_reason"], "CANCELLED_BY_PROVIDER");
}

#[tokio::test]
async fn prices_past_what_money_holds_never_take_the_sandbox_down() {
    let sandbox = Harness::start().await;
    let started = sandbox.start_code("RX-2026-000001").await;
    let id = started["dispensation_id"].as_str().unwrap().to_owned();
    let path = format!("/dispensing/v1/dispensations/{id}");
    let lines: Vec<_> = started["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| json!({ "id": line["id"], "quantity": 1, "unit_price": 5e28 }))
        .collect();
    assert!(lines.len() >= 2, "two lines whose sum overflows");
    // Refused as invalid (422) or taken as given: either way an answer, never a dropped connection.
    let put = sandbox.put(&path, json!({ "products": lines })).await;
    assert!(matches!(put.status, 200 | 400 | 422), "{put:?}");
    // Whatever it holds now, it still reads it back and refuses to complete on an amount it cannot compute.
    let read_back = sandbox.get(&path).await.expect(200).json();
    assert_eq!(read_back["dispensation_id"], id.as_str());
    let complete = sandbox.complete(&read_back, json!({ "amount": 1 })).await;
    assert!((400..600).contains(&complete.status) && !complete.code().is_empty(), "{complete:?}");
    assert_eq!(sandbox.get(&path).await.expect(200).json()["status"], "STARTED");
    // And every other route still answers.
    sandbox.start_code("RX-2026-000002").await;
    sandbox.get("/v1/sponsors").await.expect(200);
}
