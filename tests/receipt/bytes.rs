//! The receipt as ESC/POS bytes, decoded back: the same lines as on screen in PC858 (accents, `ñ`, `€`; `•` as
//! `*`), what the patient pays in bold and double size, the QR code of the code when something remains, COPIA on
//! a reprint, a cut at the end, and nothing wider than the paper.

use mostrador::i18n::Locale;
use mostrador::receipt::{Receipt, Width};

use crate::decoder::{Item, decode};
use crate::fixtures;

/// The words of a line, spaces aside (a double-width line is laid out at half the columns).
fn words(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `receipt` printed at `width`, decoded, checked line by line against its text, and returned.
pub fn printed_as_shown(receipt: &Receipt, width: Width) -> crate::decoder::Decoded {
    let decoded = decode(&receipt.escpos(width).unwrap());
    // The screen's text, with what PC858 lacks as the printer writes it.
    let shown: Vec<String> = receipt.text(width).into_iter().map(|line| line.replace('•', "*")).collect();
    let printed = decoded.lines();
    assert_eq!(printed.len(), shown.len(), "{width:?}: {printed:#?}\n{shown:#?}");
    for ((text, _bold, wide, _high), shown) in printed.iter().zip(&shown) {
        if *wide == 1 {
            assert_eq!(format!("{text:<columns$}", columns = width.columns()), *shown, "{width:?}");
        } else {
            assert_eq!(words(text), words(shown), "{width:?}");
        }
    }
    decoded
}

#[test]
fn a_printed_receipt_reads_back_as_its_text_with_accents_ñ_and_euro() {
    for receipt in fixtures::all() {
        for width in Width::ALL {
            printed_as_shown(&receipt, width);
        }
    }
    let decoded = printed_as_shown(&fixtures::euros(Locale::Es), Width::W48);
    let text: Vec<&str> = decoded.lines().iter().map(|(text, ..)| *text).collect();
    assert!(text.iter().any(|line| line.contains("Farmacia Peñalver")), "{text:#?}");
    assert!(text.iter().any(|line| line.starts_with("Beneficiario: MONTSERRAT IBÁÑEZ")), "{text:#?}");
    assert!(text.iter().any(|line| line.trim() == "DNI *****678Z"), "{text:#?}");
    assert!(text.iter().any(|line| line.starts_with("Médico: Dr. Íñigo Muñoz Güell")), "{text:#?}");
    assert!(text.iter().any(|line| line.ends_with("1.249,20\u{a0}€")), "{text:#?}");
}

#[test]
fn text_is_pc858_bytes_never_utf8() {
    let bytes = fixtures::euros(Locale::Es).escpos(Width::W42).unwrap();
    for (name, utf8) in [("ñ", "ñ"), ("€", "€"), ("Í", "Í"), ("·", "·")] {
        assert!(!bytes.windows(utf8.len()).any(|window| window == utf8.as_bytes()), "{name} sent as UTF-8");
    }
    // ñ is 0xA4, € 0xD5, the hyphen stays 0x2D.
    assert!(bytes.windows(4).any(|window| window == b"Pe\xa4a"));
    assert!(bytes.windows(10).any(|window| window == b"1.249,20\xff\xd5"));
    assert!(bytes.windows(16).any(|window| window == b"AUTH-2026-000104"));
    // Initialise, then PC858 (ESC t 19), before anything else.
    assert_eq!(bytes[..5], [0x1B, b'@', 0x1B, b't', 19]);
}

#[test]
fn what_the_patient_pays_is_bold_and_double_size() {
    for (width, wide) in [(Width::W48, 2), (Width::W42, 1), (Width::W32, 1)] {
        let decoded = printed_as_shown(&fixtures::partial(Locale::Es), width);
        let lines = decoded.lines();
        let pays = lines.iter().find(|(text, ..)| text.starts_with("Paga el paciente:")).unwrap();
        assert_eq!((pays.1, pays.2, pays.3), (true, wide, 2), "{width:?}: {pays:?}");
        assert!(pays.0.ends_with("Q30.00"));
        // Nothing else is double size.
        assert_eq!(lines.iter().filter(|(_, _, wide, high)| *wide > 1 || *high > 1).count(), 1);
    }
}

#[test]
fn the_qr_code_carries_the_code_between_the_words_and_the_code_in_text() {
    for width in Width::ALL {
        let decoded = printed_as_shown(&fixtures::partial(Locale::Es), width);
        assert_eq!(decoded.qr_codes(), [b"AUTH-2026-000106"]);
        let at = decoded.items.iter().position(|item| matches!(item, Item::Qr(_))).unwrap();
        let Item::Line { text: before, .. } = &decoded.items[at - 1] else { panic!("no words before the QR code") };
        assert!(words(before).ends_with("próxima visita:"), "{before}");
        let Item::Line { text: after, bold, .. } = &decoded.items[at + 1] else { panic!("no code after the QR code") };
        assert_eq!((after.trim(), *bold), ("AUTH-2026-000106", true));
    }
    // Nothing remains: no QR code.
    assert!(printed_as_shown(&fixtures::cash(Locale::Es), Width::W32).qr_codes().is_empty());
}

#[test]
fn a_reprint_prints_copia_in_bold_at_the_top() {
    let reprint = Receipt { copy: true, ..fixtures::partial(Locale::Es) };
    let decoded = printed_as_shown(&reprint, Width::W32);
    assert_eq!(decoded.lines()[2], ("         *** COPIA ***", true, 1, 1));
    let first = printed_as_shown(&fixtures::partial(Locale::Es), Width::W32);
    assert!(!first.lines().iter().any(|(text, ..)| text.contains("COPIA")));
    let english = printed_as_shown(&Receipt { copy: true, ..fixtures::partial(Locale::En) }, Width::W48);
    assert!(english.lines().iter().any(|(text, bold, ..)| text.trim() == "*** COPY ***" && *bold));
}

#[test]
fn every_receipt_ends_with_one_cut_and_fits_the_paper() {
    for receipt in fixtures::all() {
        for width in Width::ALL {
            let decoded = printed_as_shown(&receipt, width);
            assert_eq!(decoded.items.last(), Some(&Item::Cut));
            assert_eq!(decoded.items.iter().filter(|item| **item == Item::Cut).count(), 1);
            for (text, _, wide, _) in decoded.lines() {
                let columns = text.chars().count() * usize::from(wide);
                assert!(columns <= width.columns(), "{width:?}: {columns} columns: {text:?}");
            }
        }
    }
}

#[test]
fn hostile_names_and_wide_amounts_print_within_the_paper() {
    for receipt in crate::text::hostile() {
        for width in Width::ALL {
            // The decoder refuses any byte that is not text or a command the receipt uses.
            let decoded = decode(&receipt.escpos(width).unwrap());
            assert_eq!(decoded.items.iter().filter(|item| **item == Item::Cut).count(), 1);
            for (text, _, wide, _) in decoded.lines() {
                assert!(text.chars().count() * usize::from(wide) <= width.columns(), "{width:?}: {text:?}");
            }
        }
    }
}

#[test]
fn a_name_with_printer_commands_in_it_prints_as_text() {
    let mut receipt = fixtures::partial(Locale::Es);
    // ESC @ (reset), GS V 0 (cut), a NUL, a line break: from outside input, never obeyed.
    receipt.lines[0].name = "Losartán\u{1b}@\u{1d}V\u{0}\nfin".into();
    receipt.header = vec!["Farmacia\u{1b}t\u{2}Demo".into()];
    let decoded = printed_as_shown(&receipt, Width::W42);
    assert_eq!(decoded.items.iter().filter(|item| **item == Item::Cut).count(), 1);
    assert!(decoded.lines().iter().any(|(text, ..)| text.starts_with("Losartán @ V fin")));
}

#[test]
fn what_pc858_lacks_is_printed_as_its_nearest() {
    let mut receipt = fixtures::partial(Locale::Es);
    receipt.lines[0].name = "Łódź — Őrs… 薬 “x”".into();
    let decoded = decode(&receipt.escpos(Width::W48).unwrap());
    assert!(decoded.lines().iter().any(|(text, ..)| text.starts_with("?ódz - Ors... ? \"x\"")));
}
