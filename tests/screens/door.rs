//! The counter's door (issue 13): the sign-in with the PIN as dots, a wrong PIN and how many tries are left, and
//! the idle lock, which shows only the till, the clock and "Bloqueado" while a dispensation waits under it (with
//! clerks: the fields that unlock it; without: a privacy screen any key lifts). Spanish and English, at 80x24 and
//! 160x45.

use mostrador::clerks::{Pin, Role};
use mostrador::counter::{DoorSaid, Msg, Settings, Step};
use mostrador::i18n::Locale;

use crate::support::{Screen, four_ways};

/// A counter with the clerk `ana` (PIN 4821), locking after `lock_after` seconds without a key when set.
async fn with_clerk(lock_after: Option<i64>) -> Screen {
    let settings =
        Settings { clerks: true, lock_after: lock_after.map(time::Duration::seconds), ..Settings::default() };
    let screen = Screen::open_with_settings(Locale::Es, settings).await;
    let hash = Pin::new("4821").unwrap().hash().unwrap();
    screen.journal.add_clerk(screen.now, "ana", "Ana María López", Role::Clerk, &hash).unwrap();
    screen
}

/// Everything of the dispensation `AUTH-2026-000101` on its lines that must not show under the lock.
const PRIVATE: &[&str] = &["AUTH-2026-000101", "Amoxicilina", "JOSÉ", "Q78", "Q15", "0101", "Sponsor Sandbox"];

#[tokio::test]
async fn door_01_sign_in_and_door_02_wrong_pin() {
    let mut screen = with_clerk(None).await;
    screen.type_text("ana").await;
    screen.send(Msg::Submit).await;
    screen.type_text("48").await;
    for seen in four_ways(&mut screen, "door_01_sign_in") {
        seen.says("Iniciar sesión", "Sign in");
        seen.says("Usuario:", "Clerk ID:");
        seen.drawn.shows("ana");
        seen.drawn.shows("••");
        seen.drawn.hides("48");
        seen.says("Enter entrar", "Enter sign in");
    }
    screen.type_text("00").await;
    screen.send(Msg::Submit).await;
    assert_eq!(screen.app.door.as_ref().unwrap().said, Some(DoorSaid::Wrong { left: 4 }));
    for seen in four_ways(&mut screen, "door_02_wrong_pin") {
        seen.says("PIN incorrecto. Le quedan 4 intentos", "Wrong PIN. 4 tries left");
        seen.drawn.hides("•");
    }
}

#[tokio::test]
async fn door_03_locked_over_a_dispensation() {
    let mut screen = with_clerk(Some(120)).await;
    screen.chrome.till = Some("caja-1".into());
    screen.type_text("ana").await;
    screen.send(Msg::Submit).await;
    screen.type_text("4821").await;
    screen.send(Msg::Submit).await;
    screen.scan("AUTH-2026-000101").await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    screen.wait(120).await;
    assert!(screen.app.door.as_ref().is_some_and(mostrador::counter::Door::is_lock));
    for seen in four_ways(&mut screen, "door_03_locked") {
        seen.says("Bloqueado", "Locked");
        seen.drawn.shows("caja-1 · 09:06");
        for private in PRIVATE {
            seen.drawn.hides(private);
        }
    }
}

#[tokio::test]
async fn door_04_privacy_lock_without_clerks() {
    let settings = Settings { lock_after: Some(time::Duration::seconds(120)), ..Settings::default() };
    let mut screen = Screen::open_with_settings(Locale::Es, settings).await;
    screen.chrome.till = Some("caja-1".into());
    screen.scan("AUTH-2026-000101").await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    screen.wait(120).await;
    for seen in four_ways(&mut screen, "door_04_privacy_lock") {
        seen.says("Pulse cualquier tecla para seguir", "Press any key to go on");
        seen.drawn.shows("caja-1 · 09:06");
        for private in PRIVATE {
            seen.drawn.hides(private);
        }
    }
}

#[tokio::test]
async fn history_05_clerk() {
    let mut screen = with_clerk(None).await;
    screen.type_text("ana").await;
    screen.send(Msg::Submit).await;
    screen.type_text("4821").await;
    screen.send(Msg::Submit).await;
    screen.scan("AUTH-2026-000101").await;
    screen.send(Msg::Finalize).await;
    screen.send(Msg::Submit).await;
    assert!(matches!(screen.app.step, Step::Done(_)), "{:?}", screen.app.problem);
    screen.send(Msg::History).await;
    for seen in four_ways(&mut screen, "history_05_clerk") {
        // Under the list at 80 columns, in a column of its own at 160.
        if seen.width == 80 {
            seen.says("atendió Ana María López", "served by Ana María López");
        } else {
            seen.says("Atendió", "Clerk");
            seen.drawn.shows("Ana María López");
        }
        seen.drawn.shows("ana · 09:04");
    }
}
