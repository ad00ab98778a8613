//! Receipts as the counter would fill them in: a partial authorization with a copay per line, a Spanish one in
//! euros with an invoice serial, a cash prescription, and one without the sponsor's split.

use std::str::FromStr;

use mostrador::i18n::Locale;
use mostrador::receipt::{Beneficiary, CodeKind, Invoice, Line, Pack, Receipt, Remaining, Share, Substitute, Totals};
use rust_decimal::Decimal;
use time::macros::{date, datetime};

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

pub fn share(sponsor: &str, patient: &str) -> Option<Share> {
    Some(Share { sponsor: dec(sponsor), patient: dec(patient) })
}

pub fn line(name: &str, quantity: u32, unit_price: &str, total: &str, split: Option<Share>) -> Line {
    Line {
        name: name.to_owned(),
        quantity,
        unit_price: dec(unit_price),
        total: dec(total),
        share: split,
        substitute: None,
        pack: None,
    }
}

/// `AUTH-2026-000106` at `aseguradora-otp` (a Q10.00 copay per line): three lines delivered, one of them a
/// substitute, and 20 tablets left for a later visit.
pub fn partial(locale: Locale) -> Receipt {
    let mut substituted = line("Ibuprofeno 400 mg tableta", 6, "1.80", "10.80", share("0.80", "10.00"));
    substituted.substitute =
        Some(Substitute { instead_of: "Diclofenaco 50 mg tableta".into(), reason: Some("Sin existencia".into()) });
    Receipt {
        locale,
        copy: false,
        header: vec!["Farmacia Demo".into(), "NIT 1234567-8".into()],
        till: "caja-1".into(),
        clerk: None,
        at: datetime!(2026-11-21 14:05 -6),
        code: "AUTH-2026-000106".into(),
        code_kind: CodeKind::Authorization,
        sponsor: Some("Aseguradora OTP".into()),
        beneficiary: Some(Beneficiary {
            name: "MARÍA JOSÉ GONZÁLEZ".into(),
            document: Some("DPI •••••••••0101".into()),
        }),
        prescriber: Some("Dra. Guadalupe Núñez de Saravia".into()),
        currency: Some("GTQ".into()),
        lines: vec![
            line("Losartán 50 mg tableta recubierta", 10, "4.25", "42.50", share("32.50", "10.00")),
            line(
                "Ácido acetilsalicílico 100 mg tableta gastrorresistente x 30",
                1,
                "18.75",
                "18.75",
                share("8.75", "10.00"),
            ),
            substituted,
        ],
        totals: Totals { total: dec("72.05"), share: share("42.05", "30.00") },
        remaining: vec![Remaining {
            name: "Losartán 50 mg tableta recubierta".into(),
            quantity: 20,
            until: Some(date!(2026 - 12 - 21)),
        }],
        claim_id: Some("clm_01M7ZA5ER0DFG4BGK1NPF648DP".into()),
        invoice: Some(Invoice { number: "F001-000001".into(), serial: None }),
    }
}

/// `AUTH-2026-000104` at `salud-facial` (Spain, a 40 % aportación, invoice serial required), with a pack's batch.
pub fn euros(locale: Locale) -> Receipt {
    let mut cream = line("Crema de caléndula y árnica, 50 g", 2, "7.35", "14.70", share("8.82", "5.88"));
    cream.pack = Some(Pack { batch: "L-2611Ñ".into(), expires: Some(date!(2027 - 12 - 31)) });
    Receipt {
        locale,
        copy: false,
        header: vec!["Farmacia Peñalver".into(), "CIF B-12345678 · Logroño".into()],
        till: "caja-2".into(),
        clerk: None,
        at: datetime!(2026-11-21 09:30 +1),
        code: "AUTH-2026-000104".into(),
        code_kind: CodeKind::Authorization,
        sponsor: Some("Salud Facial Seguros".into()),
        beneficiary: Some(Beneficiary {
            name: "MONTSERRAT IBÁÑEZ".into(), document: Some("DNI •••••678Z".into())
        }),
        prescriber: Some("Dr. Íñigo Muñoz Güell".into()),
        currency: Some("EUR".into()),
        lines: vec![
            line("Tiras reactivas de glucosa, caja de 600", 1, "1234.50", "1234.50", share("740.70", "493.80")),
            cream,
        ],
        totals: Totals { total: dec("1249.20"), share: share("749.52", "499.68") },
        remaining: vec![],
        claim_id: Some("clm_01M7ZA5ER0DFG4BGK1NPF648DQ".into()),
        invoice: Some(Invoice { number: "F001-000002".into(), serial: Some("A-2026".into()) }),
    }
}

/// `RX-2026-000001`: a cash prescription, the patient pays everything.
pub fn cash(locale: Locale) -> Receipt {
    Receipt {
        locale,
        copy: false,
        header: vec!["Farmacia Demo".into()],
        till: "caja-1".into(),
        clerk: None,
        at: datetime!(2026-11-21 10:00 -6),
        code: "RX-2026-000001".into(),
        code_kind: CodeKind::Prescription,
        sponsor: None,
        beneficiary: Some(Beneficiary { name: "JUAN PÉREZ".into(), document: None }),
        prescriber: None,
        currency: Some("GTQ".into()),
        lines: vec![
            line("Amoxicilina 500 mg cápsula", 21, "2.00", "42.00", share("0", "42.00")),
            line("Loratadina 10 mg tableta", 10, "1.00", "10.00", share("0", "10.00")),
        ],
        totals: Totals { total: dec("52.00"), share: share("0", "52.00") },
        remaining: vec![],
        claim_id: None,
        invoice: Some(Invoice { number: "F001-000003".into(), serial: None }),
    }
}

/// A reply without `coverage`: only totals, and the patient's share left to the sponsor's rules.
pub fn without_split(locale: Locale) -> Receipt {
    let mut receipt = partial(locale);
    for line in &mut receipt.lines {
        line.share = None;
    }
    receipt.totals.share = None;
    receipt
}

/// Every fixture in both languages.
pub fn all() -> Vec<Receipt> {
    [Locale::Es, Locale::En]
        .into_iter()
        .flat_map(|locale| [partial(locale), euros(locale), cash(locale), without_split(locale)])
        .collect()
}
