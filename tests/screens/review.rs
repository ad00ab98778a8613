//! The review of the lines: a long list at 80 columns with every name up to its strength and form, and wide; its
//! scrolling, a locked line, a partial authorization, taxes only where there are some, a quantity at its limit,
//! the substitution dialog (the substitute searched among the registered products, what is missing said beside
//! its field), a substituted line with its reason, personal data revealed; and the questions before leaving it.
//! Each is drawn in Spanish and English, at 80x24 and 160x45.

use crossterm::event::KeyCode;
use mostrador::counter::{Leave, Step};
use mostrador::i18n::Locale;

use crate::support::{Drawn, Screen, WIDE, four_ways};

/// A screen on the review of `code` (a code without verification).
async fn reviewing(code: &str) -> Screen {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan(code).await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{code}: {:?}", screen.app.problem);
    screen
}

fn selected(screen: &Screen) -> usize {
    match &screen.app.step {
        Step::Review(review) => review.selected,
        other => panic!("not on review: {other:?}"),
    }
}

/// RX-2026-000004's twelve names, each up to its strength and dosage form (the third ends in its form, `spray`;
/// the tenth has no strength and is needed whole).
const RX4_NAMES: [&str; 12] = [
    "Ácido acetilsalicílico 100 mg tableta",
    "Salbutamol 100 mcg/dosis inhalador",
    "Beclometasona 50 mcg/dosis spray",
    "Cetirizina 10 mg tableta",
    "Montelukast 10 mg tableta",
    "Prednisona 5 mg tableta",
    "Vitamina D3 (colecalciferol) 1000 UI cápsula",
    "Sulfato ferroso 300 mg tableta",
    "Ácido fólico 5 mg tableta",
    "Suero oral de rehidratación sabor naranja, sobre",
    "Clotrimazol 1 % crema",
    "Lágrimas artificiales (hipromelosa 0,3 %) gotas",
];

/// Whether a row of the table (not the detail under it) shows `name` from its start.
fn listed(drawn: &Drawn, name: &str) -> bool {
    drawn.rows.iter().any(|row| row.contains(&format!("▶ {name}")) || row.contains(&format!("│   {name}")))
}

#[tokio::test]
async fn review_02_long_list_and_03_scrolled() {
    let mut screen = reviewing("RX-2026-000004").await;
    for seen in four_ways(&mut screen, "review_02_long_list") {
        let drawn = &seen.drawn;
        // Every line's name reaches its strength and form, at 80 columns too.
        for name in RX4_NAMES {
            assert!(listed(drawn, name), "{:?} at {}: {name} is cut\n{}", seen.locale, seen.width, drawn.text());
        }
        // All twelve lines fit: no scroll marker.
        drawn.hides("/ 12");
        // Readable headers, and no taxes column when every tax is zero.
        seen.says("Disponible", "Available");
        seen.says("Entregar", "Deliver");
        for cut in ["Disp.", "Impuest", "Avail ", "Taxes", " Tax ", "Posology"] {
            drawn.hides(cut);
        }
        seen.says("Posología: 1 tableta al día", "Dosage: 1 tableta al día");
        if seen.width == WIDE.0 {
            // Wide, every name is whole, with its price and subtotal.
            drawn.shows("▶ Ácido acetilsalicílico 100 mg tableta gastrorresistente x 30");
            seen.says("Precio", "Price");
            seen.says("Recetado", "Prescribed");
            drawn.shows("Q204.00");
        } else {
            // Narrow, the selected line's money is under the list.
            seen.says("Precio Q18.75 · Subtotal Q18.75", "Price Q18.75 · Subtotal Q18.75");
        }
        drawn.shows("Q708.90");
    }
    screen.press(KeyCode::PageDown).await;
    screen.press(KeyCode::Down).await;
    screen.press(KeyCode::PageDown).await;
    assert_eq!(selected(&screen), 11, "the last line");
    let bottom = screen.snapshot("review_03_long_list_scrolled_es");
    bottom.shows("MED-712 Lágrimas artificiales (hipromelosa 0,3 %) gotas, 15 ml");
}

#[tokio::test]
async fn review_04_locked_line() {
    let mut screen = reviewing("RX-2026-000002").await;
    assert_eq!(selected(&screen), 1, "the cursor starts on the line that can be dispensed");
    screen.press(KeyCode::Up).await;
    for seen in four_ways(&mut screen, "review_04_locked_line") {
        seen.drawn.shows("⊘ Tramadol 50 mg cápsula");
        seen.says("Bloqueada", "Locked");
        seen.says("Q22.00   20 unidades", "Q22.00   20 units");
    }
}

#[tokio::test]
async fn review_05_partial() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000106").await;
    screen.type_otp().await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    for seen in four_ways(&mut screen, "review_05_partial") {
        // 20 of the 30 authorized were claimed before: only 10 can go now.
        seen.says("Q41.00   10 unidades", "Q41.00   10 units");
        seen.says("Autorizado", "Authorized");
    }
}

#[tokio::test]
async fn review_09_taxes_only_where_some_line_has_them() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000102").await;
    screen.type_otp().await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    for seen in four_ways(&mut screen, "review_09_taxed") {
        for name in ["Acetaminofén 500 mg tableta", "Loratadina 10 mg tableta", "Omeprazol 20 mg cápsula"] {
            assert!(listed(&seen.drawn, name), "{:?} at {}: {name} is cut", seen.locale, seen.width);
        }
        if seen.width == WIDE.0 {
            seen.says("Impuestos", "Tax");
            seen.drawn.shows("Q10.75");
        }
    }
}

#[tokio::test]
async fn review_10_a_quantity_at_its_limit_says_the_limit() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.look().hides("máx.");
    // All 21 are already there: `+` is refused, and the line says why.
    screen.press(KeyCode::Char('+')).await;
    for seen in four_ways(&mut screen, "review_10_at_limit") {
        seen.says("máx. 21", "max. 21");
        assert!(seen.drawn.rows.iter().any(|row| row.contains("21 ") && row.contains("Amoxicilina")), "the quantity");
    }
    // Typed digits beyond what is available are capped, and say so.
    screen.press(KeyCode::Char('-')).await;
    screen.look().hides("máx.");
    screen.type_text("50").await;
    let capped = screen.look();
    capped.shows("máx. 21      21▏");
    capped.shows("Q78.75");
}

#[tokio::test]
async fn review_06_substitution_dialog() {
    // Sponsor Sandbox allows substitutions (a cash prescription has no sponsor to allow them: no F4 there).
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.press(KeyCode::F(4)).await;
    screen.type_text("ibu").await;
    for seen in four_ways(&mut screen, "review_06_substitution_dialog") {
        let drawn = &seen.drawn;
        // The registered products the search finds, each with its code, name and price; the first is chosen.
        drawn.shows("MED-043   Ibuprofeno 400 mg tableta");
        drawn.shows("MED-410   Ibuprofeno 600 mg, 40 comprimidos");
        drawn.shows("Q1.80");
        drawn.shows("Q28.50");
        seen.says("Encontrados: 2", "Found: 2");
        seen.says("Sustituto", "Substitute");
        assert!(drawn.cursor.is_some(), "the cursor is in the search");
        seen.says("elegir producto", "pick a product");
    }
    // Accents and case aside: `LAGRIMAS` finds `Lágrimas`.
    for _ in 0..3 {
        screen.press(KeyCode::Backspace).await;
    }
    screen.type_text("LAGRIMAS").await;
    let drawn = screen.snapshot("review_06_substitution_search_accents_es");
    drawn.shows("MED-712   Lágrimas artificiales");
    drawn.shows("Encontrados: 1");
    // A code nobody registered finds nothing, and says so.
    for _ in 0..8 {
        screen.press(KeyCode::Backspace).await;
    }
    screen.type_text("MED-999").await;
    let drawn = screen.snapshot("review_06_substitution_no_match_es");
    drawn.shows("Ningún producto registrado coincide con «MED-999».");
    drawn.shows("ninguno");
}

#[tokio::test]
async fn review_11_a_substituted_line_shows_its_substitute_and_reason() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.press(KeyCode::F(4)).await;
    screen.type_text("ibuprofeno 400").await;
    screen.press(KeyCode::Tab).await;
    screen.type_text("10").await;
    screen.press(KeyCode::Enter).await;
    for seen in four_ways(&mut screen, "review_11_substituted") {
        seen.says("↳ Ibuprofeno 400 mg tableta · Sin existencia", "↳ Ibuprofeno 400 mg tableta · Out of stock");
        // 11 of the product, 10 of the substitute: the 21 available.
        seen.says("Q78.75   21 unidades", "Q78.75   21 units");
    }
    // F4 again shows it, and offers to remove it.
    screen.press(KeyCode::F(4)).await;
    let drawn = screen.snapshot("review_11_substitution_reopened_es");
    drawn.shows("MED-043   Ibuprofeno 400 mg tableta");
    drawn.shows("F4 quitar sustitución");
}

#[tokio::test]
async fn review_12_what_is_missing_is_said_beside_its_field() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.press(KeyCode::F(4)).await;
    // Enter with nothing chosen points at the product.
    screen.press(KeyCode::Enter).await;
    screen.look().shows("Elija el sustituto de la lista");
    screen.type_text("ibu").await;
    screen.press(KeyCode::Tab).await;
    screen.type_text("5").await;
    screen.press(KeyCode::Tab).await;
    // OTHER is the sponsor's last reason: one up from the first.
    screen.press(KeyCode::Up).await;
    screen.press(KeyCode::Enter).await;
    assert!(screen.app.problem.is_none(), "said in the dialog, not in a box: {:?}", screen.app.problem);
    for seen in four_ways(&mut screen, "review_12_missing_description") {
        seen.says(
            "Describa el motivo: «Otro» necesita una descripción.",
            "Describe the reason: “Other” needs a description.",
        );
        seen.says("Descripción", "Description");
        let cursor = seen.drawn.cursor.expect("the cursor is in the description");
        let row = &seen.drawn.rows[usize::from(cursor.y)];
        assert!(row.contains(if seen.locale == Locale::Es { "Descripción" } else { "Description" }), "{row}");
    }
}

#[tokio::test]
async fn review_07_quantity_decreased() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    for _ in 0..3 {
        screen.press(KeyCode::Char('-')).await;
    }
    for seen in four_ways(&mut screen, "review_07_quantity_decreased") {
        seen.says("Q67.50   18 unidades", "Q67.50   18 units");
    }
}

#[tokio::test]
async fn review_08_revealed() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    let masked = screen.look();
    masked.hides("1987654320101");
    masked.shows("0101");
    screen.press(KeyCode::F(7)).await;
    for seen in four_ways(&mut screen, "review_08_revealed") {
        seen.drawn.shows("1987654320101");
    }
}

#[tokio::test]
async fn confirm_01_leave() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.press(KeyCode::Esc).await;
    assert!(matches!(screen.app.step, Step::ConfirmLeave { then: Leave::ToEntry, .. }));
    for seen in four_ways(&mut screen, "confirm_01_leave") {
        seen.drawn.shows("AUTH-2026-000101");
    }
    // Esc stays: nothing was cancelled.
    screen.press(KeyCode::Esc).await;
    assert!(matches!(screen.app.step, Step::Review(_)));
}

#[tokio::test]
async fn confirm_02_quit() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.ctrl('c').await;
    assert!(matches!(screen.app.step, Step::ConfirmLeave { then: Leave::Quit, .. }));
    assert!(!screen.app.quitting, "the clerk is asked first");
    for seen in four_ways(&mut screen, "confirm_02_quit") {
        seen.drawn.shows("AUTH-2026-000101");
    }
}
