//! Text from the server reaches the screen as text: a patient registered with escape sequences and a
//! right-to-left override in their name, and a posology that clears the screen, are drawn through the real
//! `ui::render`, and no cell of the frame holds a character a terminal would act on. ratatui drops every
//! grapheme with a control character and every zero-width one (the bidi controls are zero-width), so the
//! counter needs no cleaning of its own; this keeps it so.

use mostrador::i18n::Locale;
use mostrador::inert::is_hazard;
use serde_json::{Value, json};

use crate::support::{Drawn, Screen};

/// Registers a patient and issues them a prescription with hostile text, over HTTP like any EHR would;
/// returns the prescription's code.
async fn hostile_prescription(base: &str) -> String {
    let http = mostrador::http::client_builder().build().expect("http client");
    let token = mostrador::test_support::driver::demo_token(base).await;
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send();
    let patient: Value = post(
        "/ehr/v1/patients",
        json!({ "first_name": "ANA\u{1b}]0;pwned\u{7}\u{1b}[2J", "last_name": "\u{202e}ZEPÓL\u{202c}\u{9b}31m",
                "document_type": "DPI", "document_number": "4400112233", "date_of_birth": "1990-04-11" }),
    )
    .await
    .expect("patient")
    .json()
    .await
    .expect("patient JSON");
    let issued: Value = post(
        "/ehr/v1/prescriptions",
        json!({ "patient_id": patient["patient_id"], "diagnoses": [{ "diagnosis_code": "R51" }],
                "medications": [{ "product_code": "MED-042", "quantity": 30,
                                  "posology": "1 cada 8 h\u{1b}[32mOK\u{1b}]52;c;cHduZWQ=\u{7}\u{2066}x\u{2069}" }] }),
    )
    .await
    .expect("prescription")
    .json()
    .await
    .expect("prescription JSON");
    issued["prescription_code"].as_str().unwrap_or_else(|| panic!("no code: {issued}")).to_owned()
}

#[track_caller]
fn assert_no_hazard(drawn: &Drawn) {
    for (index, cell) in drawn.buffer.content.iter().enumerate() {
        assert!(!cell.symbol().chars().any(is_hazard), "cell {index} holds {:?}:\n{}", cell.symbol(), drawn.text());
    }
}

#[tokio::test]
async fn escape_sequences_and_bidi_overrides_from_the_server_never_reach_a_cell() {
    let mut screen = Screen::open(Locale::Es).await;
    let code = hostile_prescription(screen.sandbox.base_url()).await;
    screen.scan(&code).await;
    assert!(screen.app.problem.is_none(), "{:?}", screen.app.problem);
    let drawn = screen.look();
    drawn.shows("ANA]0;pwned[2J");
    drawn.shows("ZEPÓL");
    drawn.shows("Posología: 1 cada 8 h[32mOK]52;c;cHduZWQ=x");
    assert_no_hazard(&drawn);
    let wide = Drawn::of(&screen.draw(120, 40));
    wide.shows("ZEPÓL");
    assert_no_hazard(&wide);
}
