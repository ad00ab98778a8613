//! The pure core, table-driven and fast: `update` fed the clerk's keys and canned replies, with no server, journal
//! or terminal. What each step offers, what a key the step does not offer does (nothing), stale replies, and
//! leaving or quitting while a completion is in flight.

use serde_json::json;
use time::macros::datetime;
use tui_input::InputRequest;

use super::*;
use crate::osigu::model::Dispensation;

const NOW: time::OffsetDateTime = datetime!(2026-11-30 15:00 UTC);

/// A counter, opened, at [`NOW`], with a window the screens fit in.
fn counter() -> (App, Vec<Effect>) {
    let mut app = App::new(Settings::default(), NOW);
    app.screen = (MIN_COLUMNS, MIN_ROWS);
    let effects = update(&mut app, Msg::Opened, NOW);
    (app, effects)
}

fn send(app: &mut App, msg: Msg) -> Vec<Effect> {
    update(app, msg, NOW)
}

/// A cash prescription of two lines, STARTED: no sponsor, no verification.
fn cash_prescription(id: &str) -> Dispensation {
    serde_json::from_value(json!({
        "dispensation_id": id, "status": "STARTED", "code": "RX-2026-000001", "code_type": "PRESCRIPTION",
        "currency_code": "GTQ", "verification_required": null,
        "beneficiary": {"beneficiary_id": "bnf_1", "first_name": "ANA", "last_name": "LÓPEZ",
                        "document_type": "DPI", "document_number": "2515674440101"},
        "products": [
            {"id": "line_1", "product_code": "MED-042", "quantity": 20, "available_quantity": 20, "unit_price": 1.25},
            {"id": "line_2", "product_code": "MED-043", "quantity": 15, "available_quantity": 15, "unit_price": 1.80}
        ]
    }))
    .unwrap()
}

/// The id of the request `effects` sends or calls named `name`.
fn request(effects: &[Effect], name: &str) -> ReqId {
    effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Call { id, .. } | Effect::Send { id, .. } if effect.request_name() == Some(name) => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {name} in {effects:?}"))
}

/// Answers every journal write and invoice proposal in `effects` as a healthy journal would.
fn journal_ok(app: &mut App, effects: &[Effect]) {
    for effect in effects {
        match effect {
            Effect::Journal { id, .. } => {
                send(app, Msg::Journaled { id: Some(*id), result: Ok(()) });
            }
            Effect::HoldInvoice { id, prefix, .. } => {
                send(app, Msg::InvoiceHeld { id: *id, result: Ok(format!("{prefix}000001")) });
            }
            _ => {}
        }
    }
}

/// A counter on the lines of a cash prescription.
fn on_the_lines() -> App {
    let (mut app, _) = counter();
    for c in "RX-2026-000001".chars() {
        send(&mut app, Msg::Edit(InputRequest::InsertChar(c)));
    }
    let effects = send(&mut app, Msg::Submit);
    let start = request(&effects, "start");
    let reply = Ok(Reply::Dispensation(Box::new(cash_prescription("dsp_1"))));
    let effects = send(&mut app, Msg::Replied { id: start, reply });
    journal_ok(&mut app, &effects);
    assert!(matches!(app.step, Step::Review(_)), "{:?}", app.step);
    app
}

/// What a screen offers, as (action, enabled).
type Offered = Vec<(Action, bool)>;

fn offered(app: &App) -> Offered {
    app.offers().list.iter().map(|offer| (offer.action, offer.enabled)).collect()
}

#[test]
fn each_screen_offers_exactly_what_its_keys_do() {
    use Action::*;
    let (app, _) = counter();
    let table: Vec<(&str, App, Offered)> = vec![
        (
            "code field, empty",
            app,
            vec![
                (Continue, true),
                (Back, false),
                (History, true),
                (PaperPrescription, true),
                (Settlements, true),
                (Help, true),
                (Quit, true),
            ],
        ),
        (
            "lines of a cash prescription",
            on_the_lines(),
            vec![
                (Continue, false),
                (Finalize, true),
                (Increase, true),
                (Decrease, true),
                // No sponsor to allow a substitute.
                (Substitute, false),
                (Back, true),
                (Down, true),
                (Up, true),
                (PageDown, false),
                (PageUp, false),
                (Reveal, true),
                (NewCode, true),
                (Help, true),
                (Quit, true),
            ],
        ),
    ];
    for (what, app, expected) in table {
        assert_eq!(offered(&app), expected, "{what}");
    }
}

#[test]
fn a_key_the_screen_does_not_offer_does_nothing() {
    let mut app = on_the_lines();
    // F4 on a cash prescription, F5 and F6 (an OTP's keys) on the lines: not offered, so nothing happens.
    for msg in [Msg::Substitute, Msg::Resend, Msg::SwitchChannel, Msg::History] {
        let effects = send(&mut app, msg);
        assert!(effects.is_empty() && app.problem.is_none(), "{effects:?} {:?}", app.problem);
        assert!(matches!(&app.step, Step::Review(review) if review.dialog.is_none()));
    }
    // Enter with nothing typed does not finalize.
    assert!(send(&mut app, Msg::Submit).is_empty());
    assert!(matches!(app.step, Step::Review(_)));
}

#[test]
fn a_reply_nobody_awaits_changes_nothing() {
    let mut app = on_the_lines();
    let reply = Ok(Reply::Dispensation(Box::new(cash_prescription("dsp_other"))));
    let effects = send(&mut app, Msg::Replied { id: ReqId(9_999), reply });
    assert!(effects.is_empty());
    assert_eq!(app.active.as_ref().map(|active| active.id().as_str()), Some("dsp_1"));
}

#[test]
fn esc_and_f2_wait_while_a_completion_is_in_flight_and_a_signal_waits_for_its_outcome() {
    let mut app = on_the_lines();
    let effects = send(&mut app, Msg::Finalize);
    journal_ok(&mut app, &effects);
    let effects = send(&mut app, Msg::Submit);
    let complete = request(&effects, "complete");
    // Esc and F2 are not offered while it is in flight.
    assert!(send(&mut app, Msg::Back).is_empty());
    assert!(send(&mut app, Msg::NewCode).is_empty());
    assert!(matches!(&app.step, Step::Finalize(finalize) if finalize.state == FinalizeState::Sending));
    // A signal: no cancel (it could race the completion), and no exit before the outcome.
    let effects = send(&mut app, Msg::Quit);
    assert!(!effects.iter().any(|effect| effect.request_name() == Some("cancel") || *effect == Effect::Quit));
    assert!(app.quitting && app.outcome_in_doubt());
    let mut completed = cash_prescription("dsp_1");
    completed.status = crate::osigu::model::DispensationStatus::Completed;
    completed.total_amount = Some(rust_decimal::Decimal::new(5200, 2));
    let effects = send(&mut app, Msg::Replied { id: complete, reply: Ok(Reply::Dispensation(Box::new(completed))) });
    // The completion is recorded first; the exit follows once the journal has it.
    assert!(!effects.contains(&Effect::Quit));
    let Some(Effect::Journal { id, .. }) = effects.iter().find(|effect| matches!(effect, Effect::Journal { .. }))
    else {
        panic!("{effects:?}")
    };
    let effects = send(&mut app, Msg::Journaled { id: Some(*id), result: Ok(()) });
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
}

#[test]
fn below_the_smallest_window_only_ctrl_c_acts() {
    let mut app = on_the_lines();
    send(&mut app, Msg::Resized { columns: 1, rows: 1 });
    let offers = app.offers();
    assert_eq!(offers.list.iter().map(|offer| offer.action).collect::<Vec<_>>(), [Action::Quit]);
    for msg in
        [Msg::Finalize, Msg::Submit, Msg::Back, Msg::Edit(InputRequest::InsertChar('5')), Msg::Scan("X-1".into())]
    {
        assert!(send(&mut app, msg).is_empty());
    }
    send(&mut app, Msg::Interrupt);
    assert!(matches!(app.step, Step::ConfirmLeave { then: Leave::Quit, .. }), "Ctrl-C asks, as always");
}

#[test]
fn the_surroundings_change_only_by_messages_and_a_toast_goes_with_the_screen_it_was_for() {
    let (mut app, _) = counter();
    assert_eq!(app.session.surroundings, Surroundings::default());
    send(&mut app, Msg::Provider("farmacia-demo".into()));
    send(&mut app, Msg::Health(Health::Slow));
    assert_eq!(app.session.surroundings.provider.as_deref(), Some("farmacia-demo"));
    assert_eq!(app.session.surroundings.health, Health::Slow);
    // A code "sent" while no verification is on screen is of no use to anyone: it is not kept.
    let toast = Toast { channel: crate::osigu::model::OtpChannel::Sms, code: "482913".into() };
    send(&mut app, Msg::SandboxSent(toast));
    assert_eq!(app.session.surroundings.toast, None);
    // The configuration's warnings stay on the code field, and go once a code is looked up.
    app.session.surroundings.warnings = vec![crate::config::ConfigWarning::SecretEnvNotUnicode];
    send(&mut app, Msg::Edit(InputRequest::InsertChar('A')));
    assert_eq!(app.session.surroundings.warnings.len(), 1, "typing keeps them");
    send(&mut app, Msg::Submit);
    assert!(!matches!(app.step, Step::Entry { .. }), "{:?}", app.step);
    assert!(app.session.surroundings.warnings.is_empty());
}
