//! What the patient pays (contract §9), as a client sees it over HTTP: each seeded sponsor's plan shares every
//! line and the whole dispensation at start and after a `PUT`, a substitution to the product a plan excludes is
//! the patient's to pay, a cash prescription is all the patient's, and a completed authorization bills the
//! sponsor its share only and names the authorization it redeemed.

use base64::Engine;
use mostrador::sandbox::demo_fingerprint;
use serde_json::{Value, json};

use crate::support::{Harness, id, money};

/// (total, sponsor, patient) of one line or of a dispensation.
type Split = (f64, f64, f64);

/// Each line's (total, sponsor, patient), asserting on the way that every line's parts add up and that the
/// line total is the one the dispensation's `total_amount` sums.
fn line_splits(dispensation: &Value) -> Vec<Split> {
    let lines = dispensation["products"].as_array().expect("products");
    lines
        .iter()
        .map(|line| {
            let coverage = &line["coverage"];
            let (sponsor, patient) = (money(&coverage["sponsor_amount"]), money(&coverage["patient_amount"]));
            let units = line["quantity"].as_f64().unwrap() + line["substitute_quantity"].as_f64().unwrap_or(0.0);
            let total = if units == 0.0 {
                0.0
            } else {
                cents(line["unit_price"].as_f64().unwrap() * units + line["taxes"].as_f64().unwrap())
            };
            assert_eq!(cents(sponsor + patient), total, "sponsor + patient ≠ line total: {line}");
            (total, sponsor, patient)
        })
        .collect()
}

/// The dispensation's `amounts` as (total, sponsor, patient), asserting they are the sums of its lines and
/// that `total` is the dispensation's `total_amount`.
fn amounts(dispensation: &Value) -> Split {
    let amounts = &dispensation["amounts"];
    let split = (money(&amounts["total"]), money(&amounts["sponsor"]), money(&amounts["patient"]));
    let lines = line_splits(dispensation);
    let sum = |part: fn(&Split) -> f64| cents(lines.iter().map(part).sum());
    assert_eq!(split, (sum(|l| l.0), sum(|l| l.1), sum(|l| l.2)), "amounts are not the lines' sums: {amounts}");
    assert_eq!(cents(split.1 + split.2), split.0, "sponsor + patient ≠ total: {amounts}");
    assert_eq!(split.0, money(&dispensation["total_amount"]), "amounts.total ≠ total_amount");
    split
}

fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// Each line's (rule, covered).
fn rules(dispensation: &Value) -> Vec<(String, bool)> {
    dispensation["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            let coverage = &line["coverage"];
            (coverage["rule"].as_str().unwrap().to_owned(), coverage["covered"].as_bool().unwrap())
        })
        .collect()
}

/// One seeded sponsor's §8 code and what its plan makes of it.
struct Plan {
    code: &'static str,
    sponsor: &'static str,
    rule: &'static str,
    /// `percent` or `fixed`, as the coverage names it.
    term: (&'static str, f64),
    at_start: &'static [Split],
    start_amounts: Split,
    /// The `PUT` body's lines.
    put: Value,
    after_put: &'static [Split],
    put_amounts: Split,
}

fn plans() -> Vec<Plan> {
    vec![
        Plan {
            code: "AUTH-2026-000101",
            sponsor: "sponsor-sandbox",
            rule: "COINSURANCE",
            term: ("percent", 20.0),
            // 21 × 3.75 = 78.75: the patient 20 %.
            at_start: &[(78.75, 63.00, 15.75)],
            start_amounts: (78.75, 63.00, 15.75),
            put: json!([{ "id": "line_1", "quantity": 10 }]),
            after_put: &[(37.50, 30.00, 7.50)],
            put_amounts: (37.50, 30.00, 7.50),
        },
        Plan {
            code: "AUTH-2026-000102",
            sponsor: "aseguradora-otp",
            rule: "COPAY_PER_LINE",
            term: ("fixed", 10.0),
            // Q10 a line: 30 × 12.50, 10 × 8.25, 14 × 6.40 + 10.75 taxes.
            at_start: &[(375.00, 365.00, 10.00), (82.50, 72.50, 10.00), (100.35, 90.35, 10.00)],
            start_amounts: (557.85, 527.85, 30.00),
            // One tablet of line 2 costs 8.25, less than the copay: the patient pays 8.25, not 10; line 3 nothing.
            put: json!([{ "id": "line_1", "quantity": 2 }, { "id": "line_2", "quantity": 1 }, { "id": "line_3", "quantity": 0 }]),
            after_put: &[(25.00, 15.00, 10.00), (8.25, 0.00, 8.25), (0.00, 0.00, 0.00)],
            put_amounts: (33.25, 15.00, 18.25),
        },
        Plan {
            code: "AUTH-2026-000103",
            sponsor: "seguro-huella",
            rule: "COPAY_PER_DISPENSATION",
            term: ("fixed", 4500.0),
            // COP 4,500 once, from the first line: 60 × 450, 30 × 820.
            at_start: &[(27000.0, 22500.0, 4500.0), (24600.0, 24600.0, 0.0)],
            start_amounts: (51600.0, 47100.0, 4500.0),
            // Six tablets of line 1 cost 2,700: the cuota takes it all and the 1,800 left from line 2.
            put: json!([{ "id": "line_1", "quantity": 6 }, { "id": "line_2", "quantity": 30 }]),
            after_put: &[(2700.0, 0.0, 2700.0), (24600.0, 22800.0, 1800.0)],
            put_amounts: (27300.0, 22800.0, 4500.0),
        },
        Plan {
            code: "AUTH-2026-000104",
            sponsor: "salud-facial",
            rule: "COINSURANCE",
            term: ("percent", 40.0),
            // The aportación, 40 %: of 4.08 is 1.632 → 1.63; of 2.81 is 1.124 → 1.12.
            at_start: &[(4.08, 2.45, 1.63), (2.81, 1.69, 1.12)],
            start_amounts: (6.89, 4.14, 2.75),
            put: json!([{ "id": "line_1", "quantity": 0 }, { "id": "line_2", "quantity": 1 }]),
            after_put: &[(0.00, 0.00, 0.00), (2.81, 1.69, 1.12)],
            put_amounts: (2.81, 1.69, 1.12),
        },
        Plan {
            code: "AUTH-2026-000105",
            sponsor: "ars-sandbox-do",
            rule: "COINSURANCE",
            term: ("percent", 30.0),
            // 30 × 18.00 and 30 × 35.50, the patient 30 % of each.
            at_start: &[(540.00, 378.00, 162.00), (1065.00, 745.50, 319.50)],
            start_amounts: (1605.00, 1123.50, 481.50),
            put: json!([{ "id": "line_1", "quantity": 15 }, { "id": "line_2", "quantity": 7 }]),
            after_put: &[(270.00, 189.00, 81.00), (248.50, 173.95, 74.55)],
            put_amounts: (518.50, 362.95, 155.55),
        },
    ]
}

/// Starts a §8 code as the counter would: the Dominican sponsor needs its beneficiary identified first.
async fn start(sandbox: &Harness, code: &str) -> Value {
    if code != "AUTH-2026-000105" {
        return sandbox.start_code(code).await;
    }
    let found = sandbox
        .post(
            "/v1/sponsors/ars-sandbox-do/search",
            json!({ "document_type": "CEDULA", "document_number": "001-1234567-8" }),
        )
        .await
        .expect(200)
        .json();
    let body = json!({ "code": code, "beneficiary_id": found["beneficiary_id"] });
    sandbox.post("/dispensing/v1/dispensations", body).await.expect(201).json()
}

/// Verifies the beneficiary as the sponsor requires; returns what `complete` must carry as proof.
async fn verify(sandbox: &Harness, dispensation: &Value) -> Value {
    match dispensation["sponsor_slug"].as_str() {
        Some("aseguradora-otp" | "ars-sandbox-do") => {
            json!({ "otp_verification_token": sandbox.otp_token(dispensation).await })
        }
        Some("seguro-huella") => {
            let owner = dispensation["beneficiary"]["beneficiary_id"].as_str().unwrap();
            let sample = base64::engine::general_purpose::STANDARD.encode(demo_fingerprint(owner).unwrap());
            let matched = sandbox
                .post(
                    &format!("/dispensing/v1/dispensations/{}/biometric", id(dispensation)),
                    json!({ "biometric_type": "FINGERPRINT", "format": "WSQ", "sample_base64": sample }),
                )
                .await
                .expect(200)
                .json();
            json!({ "biometric_verification_token": matched["biometric_verification_token"] })
        }
        Some("salud-facial") => {
            sandbox.request_challenge(dispensation).await;
            sandbox.advance(8); // the phone approves by itself
            json!({})
        }
        _ => json!({}),
    }
}

#[tokio::test]
async fn every_seeded_plan_shares_each_line_and_the_dispensation_at_start_and_after_a_put() {
    for plan in plans() {
        let sandbox = Harness::start().await;
        let dispensation = start(&sandbox, plan.code).await;
        assert_eq!(dispensation["sponsor_slug"], plan.sponsor);
        for line in dispensation["products"].as_array().unwrap() {
            let coverage = &line["coverage"];
            assert_eq!((coverage["rule"].as_str(), coverage["covered"].as_bool()), (Some(plan.rule), Some(true)));
            assert_eq!(money(&coverage[plan.term.0]), plan.term.1, "{}: {coverage}", plan.sponsor);
        }
        assert_eq!(line_splits(&dispensation), plan.at_start, "{} at start", plan.sponsor);
        assert_eq!(amounts(&dispensation), plan.start_amounts, "{} at start", plan.sponsor);

        let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
        let updated = sandbox.put(&path, json!({ "products": plan.put })).await.expect(200).json();
        assert_eq!(line_splits(&updated), plan.after_put, "{} after the PUT", plan.sponsor);
        assert_eq!(amounts(&updated), plan.put_amounts, "{} after the PUT", plan.sponsor);
        // A read says the same as the PUT's reply.
        let read = sandbox.dispensation(id(&dispensation)).await;
        assert_eq!((&read["products"], &read["amounts"]), (&updated["products"], &updated["amounts"]));
    }
}

#[tokio::test]
async fn a_substitution_to_the_product_a_plan_excludes_is_the_patients_to_pay() {
    // (code, line, excluded substitute, the line's total, the dispensation's patient share after it)
    let cases = [
        ("AUTH-2026-000101", "line_1", "MED-SBX-042", 78.75, 78.75),
        // Line 3's 100.35 is no longer Q10: lines 1 and 2 still are.
        ("AUTH-2026-000102", "line_3", "MED-SBX-215", 100.35, 120.35),
        // The cuota still comes from line 1; line 2 is all the patient's.
        ("AUTH-2026-000103", "line_2", "MED-SBX-302", 24600.0, 29100.0),
        ("AUTH-2026-000105", "line_1", "LAB-100", 540.00, 859.50),
    ];
    for (code, line_id, excluded, line_total, patient) in cases {
        let sandbox = Harness::start().await;
        let dispensation = start(&sandbox, code).await;
        let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
        let mut products: Vec<Value> = dispensation["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| json!({ "id": line["id"], "quantity": line["quantity"] }))
            .collect();
        let line = products.iter_mut().find(|line| line["id"] == line_id).unwrap();
        let all = line["quantity"].clone();
        *line = json!({ "id": line_id, "quantity": 0, "substitute_product_code": excluded, "substitute_quantity": all,
                        "substitution_reason_enum": "OUT_OF_STOCK" });
        let updated = sandbox.put(&path, json!({ "products": products })).await.expect(200).json();

        let index = updated["products"].as_array().unwrap().iter().position(|l| l["id"] == line_id).unwrap();
        let coverage = &updated["products"][index]["coverage"];
        assert_eq!((coverage["rule"].as_str(), coverage["covered"].as_bool()), (Some("NOT_COVERED"), Some(false)));
        assert_eq!((money(&coverage["sponsor_amount"]), money(&coverage["patient_amount"])), (0.0, line_total));
        let others = rules(&updated).into_iter().enumerate().filter(|(i, _)| *i != index);
        assert!(others.into_iter().all(|(_, (_, covered))| covered), "only the substituted line: {updated}");
        assert_eq!(amounts(&updated).2, patient, "{code}");

        // Back to the prescribed product: the plan's rule again.
        let back: Vec<Value> = dispensation["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| json!({ "id": line["id"], "quantity": line["quantity"] }))
            .collect();
        let restored = sandbox.put(&path, json!({ "products": back })).await.expect(200).json();
        assert!(rules(&restored).iter().all(|(_, covered)| *covered), "{restored}");
        assert_eq!(restored["amounts"], dispensation["amounts"]);
    }
}

#[tokio::test]
async fn a_substitution_to_a_product_the_plan_does_not_exclude_keeps_its_rule() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    // MED-SBX-042 is excluded by sponsor-sandbox's plan, not by this one.
    let body = json!({ "products": [
        { "id": "line_1", "quantity": 0, "substitute_product_code": "MED-SBX-042", "substitute_quantity": 30,
          "substitution_reason_enum": "ACTIVE_INGREDIENT" },
        { "id": "line_2", "quantity": 10 }, { "id": "line_3", "quantity": 14 } ] });
    let updated = sandbox.put(&path, body).await.expect(200).json();
    assert_eq!(rules(&updated), vec![("COPAY_PER_LINE".to_owned(), true); 3]);
    assert_eq!(amounts(&updated), (557.85, 527.85, 30.00));
}

#[tokio::test]
async fn salud_facial_allows_no_substitution_so_no_line_reaches_its_excluded_product() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000104").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let body = json!({ "products": [
        { "id": "line_1", "quantity": 0, "substitute_product_code": "LAB-100", "substitute_quantity": 1,
          "substitution_reason_enum": "OUT_OF_STOCK" } ] });
    sandbox.put(&path, body).await.expect_error(422, "SUBSTITUTION_NOT_ALLOWED");
    let unchanged = sandbox.dispensation(id(&dispensation)).await;
    assert_eq!(rules(&unchanged), vec![("COINSURANCE".to_owned(), true); 2]);
    assert_eq!(amounts(&unchanged), (6.89, 4.14, 2.75));
}

#[tokio::test]
async fn a_cash_prescription_is_all_the_patients_to_pay() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("RX-2026-000001").await;
    assert_eq!(rules(&dispensation), vec![("NOT_COVERED".to_owned(), false); 2]);
    // 20 × 1.25 and 15 × 1.80.
    assert_eq!(line_splits(&dispensation), [(25.00, 0.0, 25.00), (27.00, 0.0, 27.00)]);
    assert_eq!(amounts(&dispensation), (52.00, 0.0, 52.00));

    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let body = json!({ "products": [{ "id": "line_1", "quantity": 4 },
        { "id": "line_2", "quantity": 0, "substitute_product_code": "MED-SBX-042", "substitute_quantity": 3,
          "substitution_reason_enum": "OUT_OF_STOCK" }] });
    let updated = sandbox.put(&path, body).await.expect(200).json();
    assert_eq!(rules(&updated), vec![("NOT_COVERED".to_owned(), false); 2]);
    // 4 × 1.25 and 3 × 1.80 (the substitute at the line's price).
    assert_eq!(amounts(&updated), (10.40, 0.0, 10.40));

    let done = sandbox.complete(&updated, json!({})).await.expect(200).json();
    assert_eq!(done["claim"], json!(null), "no sponsor, no claim");
    assert_eq!(done["authorization_id"], json!(null), "a prescription redeems no authorization");
    assert_eq!(amounts(&done), (10.40, 0.0, 10.40));
}

#[tokio::test]
async fn completing_bills_the_sponsor_its_share_and_names_the_authorization() {
    // (sponsor, claim amount, copayment, coinsurance) at the codes' default quantities.
    let expected = [
        ("sponsor-sandbox", 63.00, 0.0, 15.75),
        ("aseguradora-otp", 527.85, 30.00, 0.0),
        ("seguro-huella", 47100.0, 4500.0, 0.0),
        ("salud-facial", 4.14, 0.0, 2.75),
        ("ars-sandbox-do", 1123.50, 0.0, 481.50),
    ];
    for (plan, (sponsor, owed, copayment, coinsurance)) in plans().into_iter().zip(expected) {
        assert_eq!(plan.sponsor, sponsor);
        let sandbox = Harness::start().await;
        let dispensation = start(&sandbox, plan.code).await;
        assert_eq!(dispensation["authorization_id"], json!(null), "named once completed");
        let proof = verify(&sandbox, &dispensation).await;

        // The complete body's amount stays the total: the sponsor's share alone is a mismatch.
        let mut short = proof.clone();
        short["amount"] = dispensation["amounts"]["sponsor"].clone();
        let refused = sandbox.complete(&dispensation, short).await.expect_error(422, "AMOUNT_MISMATCH");
        assert_eq!(money(&refused.detail("expected")), plan.start_amounts.0);

        let done = sandbox.complete(&dispensation, proof).await.expect(200).json();
        let claim = &done["claim"];
        let split = (money(&claim["amount"]), money(&claim["copayment"]), money(&claim["coinsurance"]));
        assert_eq!(split, (owed, copayment, coinsurance), "{sponsor}: {claim}");
        assert_eq!(amounts(&done), plan.start_amounts, "{sponsor}");
        let number = plan.code.rsplit('-').next().unwrap();
        assert_eq!(done["authorization_id"], format!("auth_01JD00SANDBX00000000{number}"), "{sponsor}");
        let stored = sandbox.dispensation(id(&dispensation)).await;
        assert_eq!((&stored["claim"], &stored["authorization_id"]), (&done["claim"], &done["authorization_id"]));
        assert_eq!(stored["amounts"], done["amounts"]);
    }
}

#[tokio::test]
async fn a_claim_after_a_put_bills_the_lines_delivered_and_an_uncovered_line_is_neither_copay_nor_coinsurance() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let body = json!({ "products": [
        { "id": "line_1", "quantity": 20 }, { "id": "line_2", "quantity": 10 },
        { "id": "line_3", "quantity": 0, "substitute_product_code": "MED-SBX-215", "substitute_quantity": 14,
          "substitution_reason_enum": "OUT_OF_STOCK" } ] });
    let updated = sandbox.put(&path, body).await.expect(200).json();
    // 250.00 + 82.50 + 100.35; the patient Q10 + Q10 + the whole of line 3.
    assert_eq!(amounts(&updated), (432.85, 312.50, 120.35));
    let proof = verify(&sandbox, &updated).await;
    let done = sandbox.complete(&updated, proof).await.expect(200).json();
    let claim = &done["claim"];
    assert_eq!(
        (money(&claim["amount"]), money(&claim["copayment"]), money(&claim["coinsurance"])),
        (312.50, 20.00, 0.0)
    );
}
