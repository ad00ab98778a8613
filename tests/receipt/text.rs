//! The receipt as text: what it says (what the patient pays, what remains and until when, COPIA), in both
//! languages, and that every line is exactly the paper's columns whatever the names and amounts.

use mostrador::i18n::Locale;
use mostrador::receipt::{Receipt, Remaining, Width};
use proptest::prelude::*;
use rust_decimal::Decimal;
use time::macros::date;
use unicode_width::UnicodeWidthStr;

use crate::fixtures::{self, dec, line, share};

/// Every line of `receipt` at every width is exactly that width; returns the lines at `width`.
fn checked(receipt: &Receipt, width: Width) -> Vec<String> {
    for any in Width::ALL {
        for text in receipt.text(any) {
            assert_eq!(text.width(), any.columns(), "{any:?}: {text:?}");
        }
    }
    receipt.text(width)
}

fn snapshot(name: &str, lines: &[String]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    // Each line between bars, so the trailing spaces that make it exactly the paper's width show.
    let framed: Vec<String> = lines.iter().map(|line| format!("|{line}|")).collect();
    settings.bind(|| insta::assert_snapshot!(name, framed.join("\n")));
}

#[test]
fn a_partial_authorization_reads_as_the_patient_takes_it_home() {
    snapshot("partial_es_42", &checked(&fixtures::partial(Locale::Es), Width::W42));
    snapshot("partial_en_32", &checked(&fixtures::partial(Locale::En), Width::W32));
    snapshot("euros_es_48", &checked(&fixtures::euros(Locale::Es), Width::W48));
}

#[test]
fn what_the_patient_pays_is_said_with_the_amount_beside_it() {
    let lines = checked(&fixtures::partial(Locale::Es), Width::W32);
    let pays = lines.iter().find(|line| line.starts_with("Paga el paciente:")).expect("the patient's line");
    assert!(pays.trim_end().ends_with(" Q30.00"), "{pays}");
    assert!(lines.iter().any(|line| line.starts_with("Paga la aseguradora") && line.ends_with("Q42.05")));
    assert!(lines.iter().any(|line| line.starts_with("Total") && line.ends_with("Q72.05")));
    // Per line: the quantity and price, the line total, and both shares.
    assert!(lines.iter().any(|line| line.starts_with("  10 x Q4.25") && line.ends_with("Q42.50")), "{lines:#?}");
    // Both shares on one line where they fit, else the patient's right-aligned under the sponsor's.
    let wider = checked(&fixtures::partial(Locale::Es), Width::W42);
    assert!(wider.iter().any(|line| line.starts_with("  Aseguradora Q32.50") && line.ends_with("Paciente Q10.00")));
    let at = lines.iter().position(|line| line.trim_end() == "  Aseguradora Q32.50").expect("the sponsor's share");
    assert_eq!(lines[at + 1], "                 Paciente Q10.00");
    let english = checked(&fixtures::partial(Locale::En), Width::W48);
    assert!(english.iter().any(|line| line.starts_with("Patient pays:") && line.trim_end().ends_with("Q30.00")));
}

#[test]
fn what_remains_is_listed_with_its_date_and_the_code_for_the_next_visit() {
    let lines = checked(&fixtures::partial(Locale::Es), Width::W42);
    let at = lines.iter().position(|line| line.trim() == "Queda por entregar").expect("the remaining section");
    let after: Vec<&str> = lines[at..].iter().map(|line| line.trim()).collect();
    assert_eq!(
        after[1..4],
        [
            "Losartán 50 mg tableta recubierta",
            "Quedan 20 · hasta el 21/12/2026",
            "Presente este código en su próxima visita:"
        ]
    );
    assert_eq!(after[4], "AUTH-2026-000106");
    // Nothing remains: no such section.
    let done = checked(&fixtures::cash(Locale::Es), Width::W42);
    assert!(!done.iter().any(|line| line.contains("Queda") || line.contains("próxima visita")));
    let open_ended = Receipt {
        remaining: vec![Remaining { name: "Losartán".into(), quantity: 5, until: None }],
        ..fixtures::partial(Locale::En)
    };
    assert!(checked(&open_ended, Width::W32).iter().any(|line| line.trim() == "5 left"));
}

#[test]
fn a_reprint_says_copy_and_the_first_print_does_not() {
    let first = checked(&fixtures::partial(Locale::Es), Width::W32);
    assert!(!first.iter().any(|line| line.contains("COPIA")));
    let reprint = Receipt { copy: true, ..fixtures::partial(Locale::Es) };
    let lines = checked(&reprint, Width::W32);
    assert_eq!(lines[2], "         *** COPIA ***          ");
    let english = Receipt { copy: true, ..fixtures::partial(Locale::En) };
    assert!(checked(&english, Width::W48).iter().any(|line| line.trim() == "*** COPY ***"));
}

#[test]
fn a_cash_prescription_and_a_reply_without_the_split_say_so() {
    let cash = checked(&fixtures::cash(Locale::Es), Width::W32);
    assert!(cash.iter().any(|line| line.trim() == "Particular (sin aseguradora)"));
    assert!(cash.iter().any(|line| line.starts_with("RECETA") && line.ends_with("RX-2026-000001")));
    assert!(cash.iter().any(|line| line.starts_with("Paga el paciente:") && line.ends_with("Q52.00")));
    // No claim: no claim line.
    assert!(!cash.iter().any(|line| line.starts_with("Reclamo")));
    let unsplit = checked(&fixtures::without_split(Locale::Es), Width::W42);
    assert!(!unsplit.iter().any(|line| line.contains("Paga el paciente") || line.contains("Paciente Q")));
    let note: String = unsplit.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" ");
    assert!(note.contains("Lo que paga el paciente sigue las reglas de la aseguradora."), "{note}");
}

#[test]
fn euros_are_written_the_spanish_way_and_the_serial_and_batch_are_printed() {
    let lines = checked(&fixtures::euros(Locale::Es), Width::W42);
    assert!(lines.iter().any(|line| line.starts_with("Paga el paciente:") && line.ends_with("499,68\u{a0}€")));
    assert!(lines.iter().any(|line| line.starts_with("Serie") && line.ends_with("A-2026")));
    assert!(lines.iter().any(|line| line.trim() == "Lote L-2611Ñ · vence 31/12/2027"));
}

#[test]
fn a_substitute_says_which_product_it_replaced_and_why() {
    for width in Width::ALL {
        let lines = checked(&fixtures::partial(Locale::Es), width);
        let name = lines.iter().position(|line| line.starts_with("Ibuprofeno 400 mg tableta")).unwrap();
        let at = lines.iter().position(|line| line.starts_with("  En lugar de ")).unwrap();
        assert!(at > name && at <= name + 4, "{width:?}: under its line");
        let note: Vec<&str> = lines[at..at + 2].iter().map(|line| line.trim()).collect();
        assert_eq!(note.join(" "), "En lugar de Diclofenaco 50 mg tableta (Sin existencia)", "{width:?}");
        // Its continuation is indented under the line.
        assert!(lines[at + 1].starts_with("    "), "{width:?}: {}", lines[at + 1]);
    }
}

/// Names and amounts that push the layout: long, accented, wide glyphs, combining marks, emoji, control
/// characters, amounts in the hundreds of millions.
pub fn hostile() -> Vec<Receipt> {
    let names = [
        "Ácido acetilsalicílico 100 mg tableta gastrorresistente x 30 unidades, blíster",
        "Suplemento_nutricional_sin_espacios_de_nombre_larguísimo_para_ver_el_corte",
        "薬局の処方箋薬局の処方箋薬局の処方箋薬局の処方箋",
        "Jose\u{301} Nu\u{303}n\u{303}ez 👩‍⚕️ ❤\u{fe0f} لا",
        "Línea\ncon\tcontrol\u{1b}@\u{1d}V\u{0}",
        "",
        "x",
    ];
    let mut receipts = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let mut receipt = fixtures::partial(if index % 2 == 0 { Locale::Es } else { Locale::En });
        receipt.header = vec![name.to_string(), "NIT 1234567-8".into()];
        receipt.currency = Some(["GTQ", "DOP", "COP", "EUR", "XYZ"][index % 5].into());
        receipt.lines.push(line(
            name,
            999_999,
            "123456789.99",
            "123456789999.99",
            share("99999999999.99", "24000000000.00"),
        ));
        receipt.totals.total = dec("123456789999.99");
        receipt.beneficiary.as_mut().unwrap().name = name.to_string();
        receipt.remaining.push(Remaining {
            name: name.to_string(),
            quantity: u32::MAX,
            until: Some(date!(2026 - 12 - 21)),
        });
        receipt.claim_id = Some(format!("clm_{name}"));
        receipt.copy = index % 3 == 0;
        receipts.push(receipt);
    }
    receipts
}

#[test]
fn every_line_is_exactly_the_paper_width_for_hostile_names_and_wide_amounts() {
    for receipt in hostile() {
        for width in Width::ALL {
            let lines = checked(&receipt, width);
            // The amounts are never cut: each is whole on one line.
            let text = lines.join("\n");
            for amount in ["123,456,789,999.99", "123.456.789.999,99"] {
                if text.contains(&amount[..7]) {
                    assert!(lines.iter().any(|line| line.contains(amount)), "{width:?}: {amount} cut in {text}");
                }
            }
            // No control character survives onto the screen.
            assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_receipt_is_exactly_the_paper_width_line_by_line(
        name in "\\PC{0,90}",
        header in "[ a-zA-ZáéíóúñÑ€薬😀\u{301}]{0,70}",
        cents in 0i64..=999_999_999_999_999,
        quantity in any::<u32>(),
        copy in any::<bool>(),
        width in prop::sample::select(Width::ALL.to_vec()),
        currency in prop::sample::select(vec!["GTQ", "DOP", "COP", "EUR", "ABC"]),
    ) {
        let amount = Decimal::new(cents, 2);
        let mut receipt = fixtures::partial(if copy { Locale::En } else { Locale::Es });
        receipt.copy = copy;
        receipt.header = vec![header.clone()];
        receipt.currency = Some(currency.into());
        receipt.lines.push(line(&name, quantity, "0.01", "0", None));
        receipt.lines[0].total = amount;
        receipt.lines[0].name = format!("{name} {header}");
        receipt.totals.total = amount;
        receipt.remaining[0].name = name.clone();
        receipt.remaining[0].quantity = quantity;
        for line in receipt.text(width) {
            prop_assert_eq!(line.width(), width.columns(), "{:?}", line);
        }
        // And on paper: nothing wider than the paper, whatever the characters.
        let printed = crate::decoder::decode(&receipt.escpos(width).unwrap());
        for (text, _, wide, _) in printed.lines() {
            prop_assert!(text.chars().count() * usize::from(wide) <= width.columns(), "{:?}", text);
        }
    }
}
