//! Named clerks and the idle lock (issue 13): the sign-in (id, Enter, PIN, Enter) with the PIN checked against
//! its Argon2id hash in the real journal, five wrong PINs locking the clerk for five minutes (audited), the clerk
//! on every record, history row, export row and receipt, sign-out only between dispensations, and the lock that
//! hides the counter while what runs under it (an OTP's countdown) keeps running, lifted by the same clerk's PIN
//! or a supervisor's. All of it through the counter's own loop, keys in, against the sandbox over HTTP.

use std::path::{Path, PathBuf};

use mostrador::clerks::{Pin, Role};
use mostrador::counter::{Action, DoorKind, DoorSaid, Msg, OtpState, Printing, Settings, Step, Verify};
use mostrador::receipt::{Printer, PrinterAddress, Width};
use mostrador::runtime::Capture;
use mostrador::sandbox::SandboxConfig;
use time::{Duration, OffsetDateTime};
use tui_input::InputRequest;

use crate::support::{Counter, Setup, unique};

/// The clerks of these tests: (id, name, role, PIN).
const ANA: (&str, &str, Role, &str) = ("ana", "Ana María López", Role::Clerk, "4821");
const LUIS: (&str, &str, Role, &str) = ("luis", "Luis Gómez", Role::Clerk, "2468");
const ROSA: (&str, &str, Role, &str) = ("rosa", "Rosa Pérez", Role::Supervisor, "135790");

fn sandbox() -> SandboxConfig {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    SandboxConfig {
        clock: mostrador::sandbox::Clock::frozen_at(now),
        remote_auto_approve: None,
        id_seed: Some(11),
        ..SandboxConfig::default()
    }
}

/// A counter with `settings` and the three clerks in its journal.
async fn counter_with(settings: Settings, setup: Setup) -> Counter {
    let counter = Counter::open_in_with(sandbox(), Capture::Sandbox, setup, settings).await;
    for (id, name, role, pin) in [ANA, LUIS, ROSA] {
        let hash = Pin::new(pin).unwrap().hash().unwrap();
        counter.journal.add_clerk(counter.now, id, name, role, &hash).unwrap();
    }
    counter
}

/// A counter with clerks, locking after `lock_after` seconds without a key (never when `None`).
async fn with_clerks(lock_after: Option<i64>) -> Counter {
    let settings = Settings { clerks: true, lock_after: lock_after.map(Duration::seconds), ..Settings::default() };
    counter_with(settings, Setup::default()).await
}

/// Types `id`, Enter, `pin`, Enter, as a clerk at the sign-in.
async fn sign_in(counter: &mut Counter, id: &str, pin: &str) {
    counter.type_text(id).await;
    counter.send(Msg::Submit).await;
    counter.type_text(pin).await;
    counter.send(Msg::Submit).await;
}

/// At the locked door: the id field emptied and `id` typed in it, then `pin` and Enter.
async fn unlock_as(counter: &mut Counter, id: &str, pin: &str) {
    counter.send(Msg::PrevField).await;
    counter.send(Msg::Edit(InputRequest::DeleteLine)).await;
    sign_in(counter, id, pin).await;
}

fn said(counter: &Counter) -> Option<DoorSaid> {
    counter.app.door.as_ref().expect("the door on screen").said.clone()
}

/// The clerks' audit of `id`, as `event` names.
fn audit(counter: &Counter, id: &str) -> Vec<String> {
    counter.journal.clerk_events(Some(id)).unwrap().into_iter().map(|event| event.event).collect()
}

/// The screen as text.
fn screen_text(counter: &mut Counter) -> String {
    let backend = counter.backend();
    let buffer = backend.buffer();
    let width = usize::from(buffer.area.width);
    buffer.content.chunks(width).map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>() + "\n").collect()
}

fn otp_state(counter: &Counter) -> OtpState {
    match counter.verify() {
        Verify::Otp(otp) => otp.state,
        other => panic!("OTP expected, got {other:?}"),
    }
}

fn paper() -> PathBuf {
    let path = std::env::temp_dir().join(format!("mostrador-printer-{}", unique()));
    std::fs::write(&path, b"").unwrap();
    path
}

/// What the printer received, ASCII only (PC858's first half).
fn printed(path: &Path) -> String {
    std::fs::read(path).unwrap().iter().map(|&byte| if byte.is_ascii_graphic() { byte as char } else { ' ' }).collect()
}

#[tokio::test]
async fn a_signed_in_clerk_is_on_every_record_history_row_export_row_and_receipt() {
    let printer = paper();
    let settings = Settings {
        clerks: true,
        printing: Some(Printing { width: Width::W42, auto: true, header: vec!["Farmacia Demo".into()] }),
        ..Settings::default()
    };
    let setup = Setup { printer: Some(Printer::new(PrinterAddress::Path(printer.clone()))), ..Setup::default() };
    let mut counter = counter_with(settings, setup).await;
    assert_eq!(counter.app.door.as_ref().map(|door| door.kind.clone()), Some(DoorKind::SignIn));
    // A scan at the sign-in is not a PIN, nor a code: nothing starts, nothing is typed.
    counter.type_text("ana").await;
    counter.send(Msg::Submit).await;
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.app.active.is_none() && matches!(counter.app.step, Step::Entry { .. }));
    assert_eq!(counter.app.door.as_ref().unwrap().pin.value(), "", "a scan never lands in the PIN field");
    counter.type_text(ANA.3).await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.door.is_none(), "signed in: {:?}", counter.app.door);
    assert_eq!(counter.app.session.clerk.as_ref().map(|clerk| clerk.name.as_str()), Some(ANA.1));

    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
    // Who saw the beneficiary's document in clear is on record, with the clerk.
    assert!(counter.app.offers().allows(Action::Reveal));
    counter.send(Msg::Reveal).await;
    counter.finalize().await;
    let id = counter.done().dispensation_id.to_string();

    let events = counter.journal.event_clerks(&id).unwrap();
    assert!(events.iter().any(|(step, _)| step == "reveal"), "{events:?}");
    assert!(events.len() >= 4, "{events:?}");
    for (step, clerk) in &events {
        assert_eq!(clerk.as_deref(), Some("ana"), "{step} names the clerk");
    }
    let entries = counter.journal.dispensations(None, None).unwrap();
    assert_eq!(entries[0].clerk_id.as_deref(), Some("ana"));
    let mut csv = Vec::new();
    mostrador::journal::write_csv(&entries, time::UtcOffset::UTC, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",clerk_id,clerk_name"), "{csv}");
    assert!(csv.lines().nth(1).unwrap().ends_with(",ana,Ana María López"), "{csv}");
    let receipt = printed(&printer);
    assert!(receipt.contains("Le atendi : Ana Mar a L pez"), "the receipt names the clerk: {receipt}");

    counter.send(Msg::History).await;
    let Step::History(history) = &counter.app.step else { panic!("{:?}", counter.app.step) };
    let row = history.shown().next().expect("today's dispensation");
    assert_eq!(row.clerk.as_deref(), Some(ANA.1));
    let f3 = screen_text(&mut counter);
    assert!(f3.contains("atendió Ana María López"), "F3 names the clerk: {f3}");
    assert_eq!(audit(&counter, "ana"), ["added", "signed-in"]);
    let _ = std::fs::remove_file(printer);
}

#[tokio::test]
async fn sign_out_is_offered_only_between_dispensations() {
    let mut counter = with_clerks(None).await;
    sign_in(&mut counter, ANA.0, ANA.3).await;
    assert!(counter.app.offers().allows(Action::SignOut), "on the code field");
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review());
    assert!(!counter.app.offers().allows(Action::SignOut), "not in the middle of a dispensation");
    counter.send(Msg::SignOut).await;
    assert!(counter.on_review() && counter.app.door.is_none());
    assert_eq!(counter.app.session.clerk.as_ref().map(|clerk| clerk.id.as_str()), Some("ana"));
    counter.finalize().await;
    counter.send(Msg::SignOut).await;
    assert_eq!(counter.app.door.as_ref().map(|door| door.kind.clone()), Some(DoorKind::SignIn));
    assert!(counter.app.session.clerk.is_none() && matches!(counter.app.step, Step::Entry { .. }));
    assert_eq!(audit(&counter, "ana"), ["added", "signed-in", "signed-out"]);
    // The next clerk signs in and dispenses under their own name.
    sign_in(&mut counter, LUIS.0, LUIS.3).await;
    counter.scan("RX-2026-000001").await;
    counter.finalize().await;
    let id = counter.done().dispensation_id.to_string();
    assert!(counter.journal.event_clerks(&id).unwrap().iter().all(|(_, clerk)| clerk.as_deref() == Some("luis")));
}

#[tokio::test]
async fn five_wrong_pins_lock_the_clerk_for_five_minutes_and_it_is_audited() {
    let mut counter = with_clerks(None).await;
    counter.type_text(ANA.0).await;
    counter.send(Msg::Submit).await;
    for left in (1..=4).rev() {
        counter.type_text("0000").await;
        counter.send(Msg::Submit).await;
        assert_eq!(said(&counter), Some(DoorSaid::Wrong { left }));
    }
    counter.type_text("0000").await;
    counter.send(Msg::Submit).await;
    let Some(DoorSaid::LockedOut { until }) = said(&counter) else { panic!("{:?}", said(&counter)) };
    assert!((until - counter.now - Duration::minutes(5)).abs() < Duration::seconds(1), "five minutes: {until}");
    // Locked out, the right PIN is not even looked at; another clerk is not affected.
    counter.type_text(ANA.3).await;
    counter.send(Msg::Submit).await;
    assert_eq!(said(&counter), Some(DoorSaid::Locked { until }));
    assert!(counter.app.session.clerk.is_none());
    let events = counter.journal.clerk_events(Some("ana")).unwrap();
    let names: Vec<&str> = events.iter().map(|event| event.event.as_str()).collect();
    assert_eq!(
        names,
        ["added", "pin-wrong", "pin-wrong", "pin-wrong", "pin-wrong", "pin-wrong", "locked-out", "refused"]
    );
    assert!(events[6].detail.contains("\"wrong_pins\":5"), "{}", events[6].detail);
    assert!(events.iter().all(|event| !event.detail.contains(ANA.3) && !event.detail.contains("0000")));
    assert_eq!(events[1].till, "caja-1");

    counter.wait(5 * 60).await;
    counter.type_text(ANA.3).await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.door.is_none(), "five minutes later the right PIN signs in: {:?}", counter.app.door);
    assert_eq!(audit(&counter, "ana").last().map(String::as_str), Some("signed-in"));
}

#[tokio::test]
async fn the_lock_hides_a_dispensation_whose_countdown_keeps_running_and_only_its_clerk_or_a_supervisor_lifts_it() {
    let mut counter = with_clerks(Some(120)).await;
    assert_eq!(counter.app.wake_at(), None, "no timer at the sign-in");
    sign_in(&mut counter, ANA.0, ANA.3).await;
    assert_eq!(counter.app.wake_at(), Some(counter.now + Duration::seconds(120)), "one timer: the lock's");
    counter.scan("AUTH-2026-000102").await;
    assert_eq!(otp_state(&counter), OtpState::Waiting);
    let before = screen_text(&mut counter);
    assert!(before.contains("AUTH-2026-000102"), "{before}");

    counter.wait(119).await;
    assert!(counter.app.door.is_none(), "not before its time");
    counter.wait(1).await;
    assert_eq!(
        counter.app.door.as_ref().map(|door| door.kind.clone()),
        Some(DoorKind::Locked { of: Some("ana".into()) })
    );
    let locked = screen_text(&mut counter);
    assert!(locked.contains("Bloqueado"), "{locked}");
    assert!(!locked.contains("AUTH-2026-000102") && !locked.contains("3:0"), "nothing of the dispensation: {locked}");
    // Under the lock the OTP's countdown keeps running, to its end.
    counter.wait(200).await;
    assert_eq!(otp_state(&counter), OtpState::Expired);
    assert_eq!(counter.app.wake_at(), None, "nothing left to count down, and the lock is on: no timer at all");
    assert!(counter.app.started(), "the dispensation is still in progress");

    // Another clerk's right PIN does not lift it; a wrong one counts against the one who typed it.
    unlock_as(&mut counter, LUIS.0, LUIS.3).await;
    assert_eq!(said(&counter), Some(DoorSaid::NotAllowed));
    unlock_as(&mut counter, ROSA.0, ROSA.3).await;
    assert!(counter.app.door.is_none(), "a supervisor lifts it: {:?}", counter.app.door);
    assert_eq!(counter.app.session.clerk.as_ref().map(|clerk| clerk.id.as_str()), Some("ana"), "still Ana's counter");
    assert_eq!(otp_state(&counter), OtpState::Expired);
    let unlocked = counter.journal.clerk_events(Some("ana")).unwrap();
    let last = unlocked.last().unwrap();
    assert_eq!((last.event.as_str(), last.by.as_deref()), ("unlocked", Some("rosa")));
    assert!(unlocked.iter().any(|event| event.event == "idle-locked"));
    assert_eq!(audit(&counter, "luis"), ["added", "refused"]);

    // Her own PIN lifts it too, and the dispensation goes on where it was.
    counter.wait(120).await;
    assert!(counter.app.door.is_some());
    counter.type_text(ANA.3).await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.door.is_none());
    counter.send(Msg::Submit).await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
}

#[tokio::test]
async fn without_clerks_the_lock_is_a_privacy_screen_any_key_lifts_and_a_scan_does_not() {
    let settings = Settings { lock_after: Some(Duration::seconds(120)), ..Settings::default() };
    let mut counter = Counter::open_in_with(sandbox(), Capture::Sandbox, Setup::default(), settings).await;
    assert!(counter.app.door.is_none(), "no sign-in without clerks");
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review());
    counter.wait(120).await;
    assert_eq!(counter.app.door.as_ref().map(|door| door.kind.clone()), Some(DoorKind::Locked { of: None }));
    assert!(!screen_text(&mut counter).contains("AUTH-2026-000101"));
    counter.scan("RX-2026-000001").await;
    assert!(counter.app.door.is_some() && counter.on_review(), "a scan neither lifts the lock nor opens a code");
    let Step::Review(review) = &counter.app.step else { panic!() };
    let selected = review.selected;
    counter.send(Msg::Down).await;
    assert!(counter.app.door.is_none(), "any key lifts it");
    let Step::Review(review) = &counter.app.step else { panic!() };
    assert_eq!(review.selected, selected, "the key that lifted it did nothing else");
    counter.finalize().await;
}

#[tokio::test]
async fn settlements_are_for_supervisors_once_clerks_sign_in() {
    // `mostrador settlements` on a counter with clerks: the sign-in comes first, and the screen opens for a
    // supervisor only.
    let settings = Settings { clerks: true, open_settlements: true, ..Settings::default() };
    let mut counter = counter_with(settings, Setup::default()).await;
    assert!(counter.app.door.is_some(), "nobody sees the batches before signing in");
    sign_in(&mut counter, ANA.0, ANA.3).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }), "a clerk lands on the code field");
    assert!(!counter.app.offers().allows(Action::Settlements), "a clerk is not offered the batches");
    counter.send(Msg::Settlements).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
    assert!(!screen_text(&mut counter).contains("Ctrl-L"), "the hints do not show a key that does nothing");
    counter.send(Msg::SignOut).await;
    sign_in(&mut counter, ROSA.0, ROSA.3).await;
    assert!(counter.app.offers().allows(Action::Settlements), "a supervisor is");
    counter.send(Msg::Settlements).await;
    assert!(matches!(counter.app.step, Step::Settlements(_)), "{:?}", counter.app.step);
}
