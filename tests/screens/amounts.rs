//! What the patient pays and what remains, as the clerk reads them: the charge on finalize for a copay per line
//! (larger than anything else on the screen), a partial delivery's Done with what remains and until when, the
//! code brought back with what was delivered before and when, and a server that sends no coverage. In Spanish and
//! English, at 80x24 and (lines and finalize) 160x45.

use crossterm::event::KeyCode;
use mostrador::counter::Step;
use mostrador::i18n::Locale;
use mostrador::runtime::Capture;

use crate::driver::Setup;
use crate::support::{Drawn, HEIGHT, Screen, WIDTH, sandbox_config};
use mostrador::test_support::proxy::Proxy;

/// `name` drawn in Spanish and English at 80x24 and, when `wide`, at 160x45: `{name}_es`, `{name}_es_160x45`…
fn both_languages(screen: &mut Screen, name: &str, wide: bool) -> Vec<(Locale, Drawn)> {
    let before = screen.chrome.locale;
    let mut seen = Vec::new();
    for (locale, suffix) in [(Locale::Es, "es"), (Locale::En, "en")] {
        screen.chrome.locale = locale;
        seen.push((locale, screen.snapshot_at(&format!("{name}_{suffix}"), WIDTH, HEIGHT)));
        if wide {
            seen.push((locale, screen.snapshot_at(&format!("{name}_{suffix}_160x45"), 160, 45)));
        }
    }
    screen.chrome.locale = before;
    seen
}

fn says(locale: Locale, drawn: &Drawn, es: &str, en: &str) {
    drawn.shows(if locale == Locale::Es { es } else { en });
}

/// AUTH-2026-000106 (OTP) on the lines.
async fn lines_of_106(screen: &mut Screen) {
    screen.scan("AUTH-2026-000106").await;
    screen.type_otp().await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
}

#[tokio::test]
async fn finalize_04_a_copay_per_line_is_what_the_clerk_charges() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000102").await;
    screen.type_otp().await;
    let lines = screen.look();
    lines.shows("Aseguradora Q527.85");
    lines.shows("Paga el paciente Q30.00");
    lines.shows("Copago Q10.00 por línea");
    screen.press(KeyCode::F(10)).await;
    for (locale, drawn) in both_languages(&mut screen, "finalize_04_copay_per_line", true) {
        says(locale, &drawn, "Cobrar al paciente: Q30.00", "Charge the patient: Q30.00");
        says(locale, &drawn, "Paga la aseguradora  Q527.85", "Sponsor pays         Q527.85");
        drawn.shows("Q557.85");
        // The amount again in big characters: the largest thing on the screen, several rows tall.
        let tall = drawn.rows.iter().filter(|row| row.contains('█')).count();
        assert!(tall >= 4, "{}", drawn.text());
    }
}

#[tokio::test]
async fn done_03_a_partial_delivery_and_review_13_the_code_brought_back() {
    let mut screen = Screen::open(Locale::Es).await;
    lines_of_106(&mut screen).await;
    let first = screen.look();
    first.shows("Entregado antes: 20 u. · sin detalle de las visitas");
    screen.type_text("4").await;
    screen.press(KeyCode::F(10)).await;
    screen.press(KeyCode::Enter).await;
    assert!(matches!(screen.app.step, Step::Done(_)), "{:?}", screen.app.problem);
    for (locale, drawn) in both_languages(&mut screen, "done_03_partial", false) {
        says(locale, &drawn, "Queda por entregar, hasta el 21/12/2026:", "Still to dispense, until 21/12/2026:");
        says(locale, &drawn, "6 unidades", "6 units");
        drawn.shows("Enalapril 10 mg tableta");
        says(locale, &drawn, "Cobrar al paciente: Q10.00", "Charge the patient: Q10.00");
    }
    screen.press(KeyCode::Enter).await;
    // The patient comes back later in the day (past the OTP's resend pause).
    screen.wait(3600).await;
    lines_of_106(&mut screen).await;
    for (locale, drawn) in both_languages(&mut screen, "review_13_brought_back", true) {
        says(
            locale,
            &drawn,
            "Entregado antes: 24 u. · visitas: 21/11 4 u.",
            "Dispensed before: 24 units · visits: 21/11 4 units",
        );
        drawn.shows("Q24.60");
    }
}

#[tokio::test]
async fn review_14_and_finalize_05_without_coverage_the_sponsors_rules_apply() {
    let sandbox = mostrador::sandbox::Sandbox::start(sandbox_config(), std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let proxy = Proxy::start(sandbox.base_url()).await;
    // As the real Osigu answers: no `coverage` on the lines, no `amounts`.
    proxy.rewrite(|_, path, status, body| {
        if !path.starts_with("/dispensing/v1/dispensations") || !status.is_success() {
            return None;
        }
        let mut body = body.clone();
        if let Some(object) = body.as_object_mut() {
            object.remove("amounts");
        }
        for line in body.get_mut("products").and_then(|l| l.as_array_mut()).into_iter().flatten() {
            if let Some(line) = line.as_object_mut() {
                line.remove("coverage");
            }
        }
        Some((status, body))
    });
    let setup = Setup { through: Some(proxy.base_url.clone()), sandbox: Some(sandbox), ..Setup::default() };
    let mut screen = Screen::open_in(Locale::Es, Capture::Sandbox, setup).await;
    screen.scan("AUTH-2026-000101").await;
    for (locale, drawn) in both_languages(&mut screen, "review_14_without_coverage", false) {
        says(
            locale,
            &drawn,
            "Lo que paga el paciente sigue las reglas de la aseguradora.",
            "What the patient pays follows the sponsor's rules.",
        );
        drawn.shows("Q78.75");
        // No column of what each line's patient pays: nothing says it.
        drawn.hides(if locale == Locale::Es { "Paciente" } else { "Patient" });
    }
    screen.press(KeyCode::F(10)).await;
    for (locale, drawn) in both_languages(&mut screen, "finalize_05_without_coverage", false) {
        says(
            locale,
            &drawn,
            "Cobrar al paciente según las reglas de la aseguradora",
            "Charge the patient as the sponsor's rules say",
        );
        drawn.shows("Q78.75");
        drawn.hides("█");
    }
}
