//! The POSOS Scan & Go stand-in (contract §11) over real HTTP: the scan-token call, the phone page and its
//! Import form (posted as the page posts it), the import the clock does by itself, and the FHIR R4 searchset of
//! each of the four sample prescriptions.

use mostrador::sandbox::{POSOS_DEMO_TOKEN, SandboxConfig};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

use crate::support::{Harness, Reply, config, read};

const SCAN_TOKEN: &str = "/posos/api/partners/patient/scan-token";
const FACILITY: &str = "farmacia-demo";

/// A client that shows redirects instead of following them, as a test of the form's answer needs.
fn browser() -> reqwest::Client {
    mostrador::http::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn scan_token_reply(sandbox: &Harness, token: Option<&str>, body: &Value) -> Reply {
    sandbox.send(reqwest::Method::POST, SCAN_TOKEN, token, Some(body), None).await
}

fn scan_request(patient_id: &str) -> Value {
    json!({
        "first_name": "Ana Lucía",
        "last_name": "López",
        "rpps": "10101234567",
        "facilitySlug": FACILITY,
        "patientId": patient_id,
    })
}

/// A session for `patient_id`: its token.
async fn scan(sandbox: &Harness, patient_id: &str) -> String {
    let reply = scan_token_reply(sandbox, Some(POSOS_DEMO_TOKEN), &scan_request(patient_id)).await.expect(200).json();
    let token = reply["token"].as_str().unwrap().to_owned();
    assert_eq!(reply["url"], format!("{}/posos/scan?token={token}", sandbox.sandbox.base_url()));
    token
}

async fn page(sandbox: &Harness, query: &str) -> Reply {
    read(browser().get(sandbox.url(&format!("/posos/scan?{query}"))).send().await.unwrap()).await
}

/// Posts the page's Import form, as the browser does.
async fn import(sandbox: &Harness, token: &str, prescription: &str) -> Reply {
    let form = [("token", token), ("prescription", prescription)];
    read(browser().post(sandbox.url("/posos/scan/import")).form(&form).send().await.unwrap()).await
}

async fn search_reply(sandbox: &Harness, facility: &str, identifier: &str) -> Reply {
    let path = format!("/posos/fhir/r4/{facility}/RequestGroup?subject:identifier={identifier}");
    sandbox.send(reqwest::Method::GET, &path, Some(POSOS_DEMO_TOKEN), None, None).await
}

/// The patient's searchset (asserting 200 and FHIR's media type).
async fn search(sandbox: &Harness, patient_id: &str) -> Value {
    let reply = search_reply(sandbox, FACILITY, patient_id).await.expect(200);
    assert_eq!(reply.header("content-type"), Some("application/fhir+json"));
    reply.json()
}

/// The resources of a bundle of one type.
fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .map(|entries| entries.iter().map(|entry| &entry["resource"]).filter(|r| r["resourceType"] == kind).collect())
        .unwrap_or_default()
}

fn extension<'a>(resource: &'a Value, name: &str) -> &'a Value {
    let url = format!("https://posos.co/fhir/StructureDefinition/{name}");
    resource["extension"].as_array().unwrap().iter().find(|e| e["url"] == url.as_str()).expect(name)
}

#[tokio::test]
async fn the_clean_prescription_is_chosen_reviewed_imported_and_searched_as_a_fhir_searchset() {
    let sandbox = Harness::with(SandboxConfig { posos_auto_import: None, ..config() }).await;
    let token = scan(&sandbox, "mostrador-7f3a").await;
    let empty = search(&sandbox, "mostrador-7f3a").await;
    assert_eq!(
        (empty["resourceType"].as_str(), empty["type"].as_str(), empty["total"].as_u64()),
        (Some("Bundle"), Some("searchset"), Some(0))
    );
    assert!(empty.get("entry").is_none());

    let choice = page(&sandbox, &format!("token={token}")).await.expect(200);
    assert_eq!(choice.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(choice.header("referrer-policy"), Some("no-referrer"));
    assert!(choice.header("content-security-policy").unwrap().starts_with("default-src 'none'"));
    assert!(choice.text.contains("name=\"viewport\"") && !choice.text.contains("src=\"http"), "self-contained");
    for title in ["Receta clara", "Letra difícil", "no tiene registrado", "Foto borrosa"] {
        assert!(choice.text.contains(title), "{title}");
    }
    let review = page(&sandbox, &format!("token={token}&prescription=receta-clara")).await.expect(200);
    for text in ["Amoxicilina 500 mg cápsulas", "1 cáps c/8 h x 7 días", "Fiabilidad 97 %", "action=\"scan/import\""]
    {
        assert!(review.text.contains(text), "{text}");
    }

    let imported = import(&sandbox, &token, "receta-clara").await.expect(303);
    let location = imported.header(LOCATION.as_str()).unwrap();
    assert_eq!(location, format!("{}/posos/scan?token={token}#success", sandbox.sandbox.base_url()));
    let done = page(&sandbox, &format!("token={token}")).await.expect(200);
    assert!(done.text.contains("Receta importada") && done.text.contains("postMessage"), "{}", done.text);

    let bundle = search(&sandbox, "mostrador-7f3a").await;
    assert_eq!(bundle["total"], 1);
    let base = format!("{}/posos/fhir/r4/{FACILITY}", sandbox.sandbox.base_url());
    let modes: Vec<(&str, &str)> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["resource"]["resourceType"].as_str().unwrap(), entry["search"]["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(
        modes,
        [
            ("RequestGroup", "match"),
            ("MedicationRequest", "include"),
            ("MedicationRequest", "include"),
            ("Patient", "include"),
            ("Practitioner", "include"),
        ]
    );
    for entry in bundle["entry"].as_array().unwrap() {
        let resource = &entry["resource"];
        assert_eq!(
            entry["fullUrl"],
            format!("{base}/{}/{}", resource["resourceType"].as_str().unwrap(), resource["id"].as_str().unwrap())
        );
    }
    let group = of_type(&bundle, "RequestGroup")[0];
    assert_eq!((group["status"].as_str(), group["intent"].as_str()), (Some("draft"), Some("proposal")));
    let patient = of_type(&bundle, "Patient")[0];
    assert_eq!(group["subject"]["reference"], format!("Patient/{}", patient["id"].as_str().unwrap()));
    assert_eq!(patient["identifier"][0]["value"], "mostrador-7f3a");
    assert_eq!(
        (patient["name"][0]["family"].as_str(), patient["name"][0]["given"].clone()),
        (Some("López"), json!(["Ana", "Lucía"]))
    );
    let lines = of_type(&bundle, "MedicationRequest");
    let actions: Vec<String> = group["action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["resource"]["reference"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        lines.iter().map(|line| format!("MedicationRequest/{}", line["id"].as_str().unwrap())).collect::<Vec<_>>()
    );
    let amoxicillin = lines[0];
    assert_eq!((amoxicillin["status"].as_str(), amoxicillin["intent"].as_str()), (Some("draft"), Some("order")));
    assert_eq!(extension(amoxicillin, "originalPosology")["valueString"], "1 cáps c/8 h x 7 días");
    assert_eq!(extension(amoxicillin, "structurationReliability")["valueDecimal"], 0.97);
    assert_eq!(
        amoxicillin["medicationCodeableConcept"],
        json!({
            "coding": [{ "system": "https://www.gs1.org/gtin", "code": "09520001000010", "display": "Amoxicilina 500 mg cápsula dura" }],
            "text": "Amoxicilina 500 mg cápsulas",
        })
    );
    assert_eq!(amoxicillin["dosageInstruction"][0]["text"], "1 cápsula cada 8 horas durante 7 días");
    assert_eq!(amoxicillin["dispenseRequest"]["quantity"]["value"], 21.0);
    assert_eq!(amoxicillin["dispenseRequest"]["expectedSupplyDuration"]["code"], "d");
    let practitioner = of_type(&bundle, "Practitioner")[0];
    assert_eq!(amoxicillin["requester"]["reference"], format!("Practitioner/{}", practitioner["id"].as_str().unwrap()));
    assert_eq!(practitioner["name"][0]["text"], "Dra. Lucía Fernández Orellana");

    // Importing again changes nothing: one prescription, one RequestGroup.
    import(&sandbox, &token, "lectura-dudosa").await.expect(303);
    assert_eq!(search(&sandbox, "mostrador-7f3a").await["total"], 1);
    // Another patient sees nothing; the token search may name the identifier's system.
    assert_eq!(search(&sandbox, "otro-paciente").await["total"], 0);
    let system = "https://posos.co/fhir/NamingSystem/partner-patient-id";
    assert_eq!(search(&sandbox, &format!("{system}|mostrador-7f3a")).await["total"], 1);
}

#[tokio::test]
async fn a_line_read_with_low_reliability_is_flagged_on_the_page_and_carries_its_score() {
    let sandbox = Harness::with(SandboxConfig { posos_auto_import: None, ..config() }).await;
    let token = scan(&sandbox, "p-dudosa").await;
    let review = page(&sandbox, &format!("token={token}&prescription=lectura-dudosa")).await.expect(200);
    assert!(review.text.contains("Fiabilidad 42 %: lectura dudosa"), "{}", review.text);
    import(&sandbox, &token, "lectura-dudosa").await.expect(303);
    let bundle = search(&sandbox, "p-dudosa").await;
    let scores: Vec<(String, f64)> = of_type(&bundle, "MedicationRequest")
        .iter()
        .map(|line| {
            let score = extension(line, "structurationReliability")["valueDecimal"].as_f64().unwrap();
            (line["medicationCodeableConcept"]["text"].as_str().unwrap().to_owned(), score)
        })
        .collect();
    assert_eq!(scores, [("Enalapril 10 mg".to_owned(), 0.93), ("Metf0rmina 85O mg".to_owned(), 0.42)]);
}

#[tokio::test]
async fn a_drug_the_pharmacy_has_not_registered_keeps_a_gtin_no_provider_product_has() {
    let sandbox = Harness::with(SandboxConfig { posos_auto_import: None, ..config() }).await;
    let token = scan(&sandbox, "p-no-registrado").await;
    import(&sandbox, &token, "no-registrado").await.expect(303);
    let bundle = search(&sandbox, "p-no-registrado").await;
    let gtins: Vec<&str> = of_type(&bundle, "MedicationRequest")
        .iter()
        .map(|line| line["medicationCodeableConcept"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    let registry = sandbox.get("/arc/v1/providers/products?size=200").await.expect(200).json();
    let registered: Vec<&str> =
        registry["content"].as_array().unwrap().iter().map(|p| p["gtin"].as_str().unwrap()).collect();
    let known: Vec<bool> = gtins.iter().map(|gtin| registered.contains(gtin)).collect();
    assert_eq!(known, [true, false], "ibuprofeno is registered, dexketoprofeno is not: {gtins:?}");
}

#[tokio::test]
async fn a_failed_import_is_entered_in_error_and_the_page_offers_another_try() {
    let sandbox = Harness::with(SandboxConfig { posos_auto_import: None, ..config() }).await;
    let token = scan(&sandbox, "p-borrosa").await;
    let failed = import(&sandbox, &token, "foto-borrosa").await.expect(303);
    assert!(failed.header(LOCATION.as_str()).unwrap().ends_with("#error"));
    let retry = page(&sandbox, &format!("token={token}")).await.expect(200);
    assert!(retry.text.contains("No se pudo importar") && retry.text.contains("desenfocada"), "{}", retry.text);
    assert!(retry.text.contains("Receta clara"), "the choice again");

    let bundle = search(&sandbox, "p-borrosa").await;
    assert_eq!(bundle["total"], 1);
    let group = of_type(&bundle, "RequestGroup")[0];
    assert_eq!(group["status"], "entered-in-error");
    assert!(group["note"][0]["text"].as_str().unwrap().contains("desenfocada"));
    assert!(group.get("action").is_none() && of_type(&bundle, "MedicationRequest").is_empty());
    assert!(of_type(&bundle, "Practitioner").is_empty() && of_type(&bundle, "Patient").len() == 1);

    import(&sandbox, &token, "receta-clara").await.expect(303);
    let bundle = search(&sandbox, "p-borrosa").await;
    let statuses: Vec<&str> = of_type(&bundle, "RequestGroup").iter().map(|g| g["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["entered-in-error", "draft"]);
    assert_eq!(of_type(&bundle, "Patient").len(), 1, "one Patient for both imports");
}

#[tokio::test]
async fn the_clock_imports_the_prescription_on_the_page_by_itself() {
    let sandbox = Harness::start().await;
    let chosen = scan(&sandbox, "p-elegida").await;
    let untouched = scan(&sandbox, "p-sola").await;
    page(&sandbox, &format!("token={chosen}&prescription=lectura-dudosa")).await.expect(200);
    sandbox.advance(7);
    assert_eq!(search(&sandbox, "p-elegida").await["total"], 0);
    sandbox.advance(1);
    let bundle = search(&sandbox, "p-elegida").await;
    assert_eq!(of_type(&bundle, "MedicationRequest")[1]["medicationCodeableConcept"]["text"], "Metf0rmina 85O mg");
    let alone = search(&sandbox, "p-sola").await;
    assert_eq!(
        of_type(&alone, "MedicationRequest")[0]["medicationCodeableConcept"]["text"],
        "Amoxicilina 500 mg cápsulas"
    );
    let done = page(&sandbox, &format!("token={untouched}")).await.expect(200);
    assert!(done.text.contains("Receta importada"));

    // With the option at 0 nothing happens by itself.
    let manual = Harness::with(SandboxConfig { posos_auto_import: None, ..config() }).await;
    scan(&manual, "p-manual").await;
    manual.advance(600);
    assert_eq!(search(&manual, "p-manual").await["total"], 0);
}

#[tokio::test]
async fn scan_tokens_need_the_service_token_and_say_what_is_wrong_in_posos_words() {
    let sandbox = Harness::start().await;
    let request = scan_request("p-1");
    let unauthorized = scan_token_reply(&sandbox, None, &request).await.expect(401).json();
    assert_eq!(unauthorized["statusCode"], 401);
    scan_token_reply(&sandbox, Some(&sandbox.token()), &request).await.expect(401);
    let mut elsewhere = request.clone();
    elsewhere["facilitySlug"] = json!("hopital-demo");
    scan_token_reply(&sandbox, Some(POSOS_DEMO_TOKEN), &elsewhere).await.expect(403);
    let mut odd = request.clone();
    odd["patientId"] = json!("../../etc");
    let refused = scan_token_reply(&sandbox, Some(POSOS_DEMO_TOKEN), &odd).await.expect(400).json();
    assert!(refused["message"].as_str().unwrap().contains("patientId"), "{refused}");
    let mut missing = request.clone();
    missing.as_object_mut().unwrap().remove("rpps");
    let refused = scan_token_reply(&sandbox, Some(POSOS_DEMO_TOKEN), &missing).await.expect(400).json();
    assert!(refused["message"].as_str().unwrap().contains("rpps"), "{refused}");

    let path = format!("/posos/fhir/r4/{FACILITY}/RequestGroup?subject:identifier=p-1");
    let login = sandbox.send(reqwest::Method::GET, &path, Some(&sandbox.token()), None, None).await.expect(401);
    assert_eq!(login.header(CONTENT_TYPE.as_str()), Some("application/fhir+json"));
    assert_eq!(
        (login.json()["resourceType"].as_str(), login.json()["issue"][0]["code"].as_str()),
        (Some("OperationOutcome"), Some("login"))
    );
    let bare = format!("/posos/fhir/r4/{FACILITY}/RequestGroup");
    let required = sandbox.send(reqwest::Method::GET, &bare, Some(POSOS_DEMO_TOKEN), None, None).await.expect(400);
    assert_eq!(required.json()["issue"][0]["code"], "required");
    let unknown = search_reply(&sandbox, "hopital-demo", "p-1").await.expect(404);
    assert_eq!(unknown.json()["issue"][0]["code"], "not-found");
}

#[tokio::test]
async fn the_page_refuses_unknown_and_expired_tokens_and_escapes_what_it_is_given() {
    let sandbox = Harness::with(SandboxConfig { posos_auto_import: None, ..config() }).await;
    let mut request = scan_request("p-hostil");
    request["first_name"] = json!("<script>alert(1)</script>");
    let token = scan_token_reply(&sandbox, Some(POSOS_DEMO_TOKEN), &request).await.expect(200).json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let choice = page(&sandbox, &format!("token={token}")).await.expect(200);
    assert!(!choice.text.contains("<script>alert") && choice.text.contains("&lt;script&gt;alert(1)"));
    page(&sandbox, &format!("token={token}&prescription=no-existe")).await.expect(400);
    page(&sandbox, "token=pst_nope").await.expect(404);
    page(&sandbox, "").await.expect(400);
    import(&sandbox, "pst_nope", "receta-clara").await.expect(404);
    let not_a_form =
        browser().post(sandbox.url("/posos/scan/import")).json(&json!({ "token": token })).send().await.unwrap();
    assert_eq!(not_a_form.status(), 415);

    sandbox.advance(3600);
    page(&sandbox, &format!("token={token}")).await.expect(410);
    import(&sandbox, &token, "receta-clara").await.expect(410);
}
