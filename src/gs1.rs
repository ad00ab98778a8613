//! What a barcode scanner reads off a medicine pack, in GS1's terms: the pack's GS1 DataMatrix (GTIN, expiry,
//! batch, serial: Application Identifiers 01, 17, 10 and 21) or its plain EAN-13 / GTIN-14 barcode, with every
//! check digit verified. A text that is not a GS1 barcode at all (an Osigu code) is told apart from one that is
//! but was misread, so the counter can say "scan it again" rather than look it up as a code.
//!
//! Why our own parser: the crates that exist either deal with EPC/RFID encodings (`gs1`, LGPL, no element
//! strings) or split QR payloads without check digits, dates or the bracketed form (`qrcode-parse`). The four
//! AIs a pharmacy needs, the predefined-length table to skip the others, and the check digit fit in one file.
//!
//! References are to the GS1 General Specifications ("GenSpecs"; section numbers as in recent releases):
//! - §3.2 AI 01 (GTIN, N14); §3.4.1 AI 10 (batch/lot, X..20); §3.4.7 AI 17 (expiration date, N6 YYMMDD: "if it is
//!   not necessary to specify the day, the day field SHALL be filled with two zeros", read as the month's end);
//!   §3.5.2 AI 21 (serial, X..20).
//! - §5.10.1 (Figure 5.10.1-2): the element strings of predefined length (by their first two digits) that need no
//!   FNC1 after them; every other element ends at an FNC1 or at the end of the data.
//! - §7.9 (Figure 7.9.1-2): the mod-10 check digit, weights 3 and 1 from the right.
//! - §7.11 (Figure 7.11-1): GS1 AI encodable character set 82, the characters batch and serial may hold.
//! - §7.12: the century of a two-digit year (within 49 years back and 50 ahead of the current year).
//! - FNC1 after the symbology identifier `]d2` (GS1 DataMatrix), `]C1` (GS1-128), `]Q3` (GS1 QR Code), `]e0`
//!   (GS1 DataBar) is sent by scanners as ASCII 29 (GS) between elements; the human-readable form puts each AI
//!   in parentheses: `(01)09501101020917(17)190508(10)ABCD1234(21)10` (the GS1 DataMatrix Guideline's example).
//!
//! Decisions: an AI other than 01, 10, 17 and 21 is skipped (a pack may carry a production date, AI 11, or a
//! national reimbursement number, AI 710–715: refusing those would refuse real packs), by its predefined length
//! or up to the next FNC1; a GS after a fixed-length element is tolerated; the same AI twice with different values
//! is a misread; a GS1 string without a GTIN is not a pack anyone can dispense, so it is a misread too.

use time::{Date, Month};

/// The GS1 group separator, how scanners transmit FNC1 between elements.
pub const GS: char = '\u{1d}';

/// Batch and serial numbers are at most this long (X..20).
const MAX_VARIABLE: usize = 20;

/// A Global Trade Item Number as 14 digits (shorter GTINs padded with zeros on the left, as GenSpecs §3.2 keeps
/// them in a 14-digit field), its check digit verified.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// A GTIN-8, -12, -13 or -14 from its digits; a wrong check digit or anything else is refused.
    pub fn parse(digits: &str) -> Result<Self, Misread> {
        if !matches!(digits.len(), 8 | 12 | 13 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Misread::NotAGtin);
        }
        let padded = format!("{digits:0>14}");
        if check_digit_ok(&padded) { Ok(Self(padded)) } else { Err(Misread::CheckDigit(digits.to_owned())) }
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Gtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The check digit `digits` (all but the last one) should end with: GenSpecs §7.9, weights 3 and 1 alternating
/// from the rightmost data digit.
pub fn check_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (at, byte) in digits.bytes().rev().enumerate() {
        if !byte.is_ascii_digit() {
            return None;
        }
        let weight = if at % 2 == 0 { 3 } else { 1 };
        sum += u32::from(byte - b'0') * weight;
    }
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// Whether the last digit of `number` is the check digit of the others.
fn check_digit_ok(number: &str) -> bool {
    let Some((data, last)) = number.split_at_checked(number.len().saturating_sub(1)) else { return false };
    !data.is_empty() && check_digit(data).is_some_and(|digit| last.as_bytes() == [b'0' + digit])
}

/// What a pack's barcode says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pack {
    pub gtin: Gtin,
    /// AI 17; a day `00` is the month's last day. `None` on a plain EAN-13 or a DataMatrix without it.
    pub expiry: Option<Date>,
    /// AI 10.
    pub batch: Option<String>,
    /// AI 21.
    pub serial: Option<String>,
}

/// What a scanned text is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Not a GS1 barcode (an Osigu code, a word): something else should read it.
    NotAPack,
    Pack(Pack),
    /// A GS1 barcode that did not read right (a check digit, a field out of its format): scan it again.
    Misread(Misread),
}

/// Why a GS1 barcode did not read right. Said in the log; the clerk is told it was misread.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Misread {
    #[error("the check digit of GTIN {0} is wrong")]
    CheckDigit(String),
    #[error("a GTIN has 8, 12, 13 or 14 digits")]
    NotAGtin,
    #[error("AI {ai}: {why}")]
    Field { ai: &'static str, why: &'static str },
    #[error("AI {0} appears twice with different values")]
    Repeated(&'static str),
    #[error("no GTIN (AI 01) in the element string")]
    NoGtin,
    #[error("not a GS1 element string: {0}")]
    Syntax(&'static str),
}

/// Reads a scanned `text`; `today` places a two-digit expiry year in its century (GenSpecs §7.12).
pub fn read(text: &str, today: Date) -> Reading {
    let text = text.trim_matches(|c: char| c.is_whitespace() && c != GS);
    let result = match classify(text) {
        Kind::NotAPack => return Reading::NotAPack,
        Kind::Plain(digits) => Gtin::parse(digits).map(|gtin| Pack { gtin, expiry: None, batch: None, serial: None }),
        Kind::Elements(data) => elements(data, today),
        Kind::Bracketed(data) => bracketed(data, today),
    };
    match result {
        Ok(pack) => Reading::Pack(pack),
        Err(misread) => Reading::Misread(misread),
    }
}

/// How a text is to be read.
enum Kind<'a> {
    NotAPack,
    /// A GTIN alone (EAN-13, ITF-14 or such).
    Plain(&'a str),
    /// AIs and values, FNC1 as GS between them.
    Elements(&'a str),
    /// The human-readable form, `(01)…(17)…`.
    Bracketed(&'a str),
}

fn classify(text: &str) -> Kind<'_> {
    // AIM symbology identifiers (ISO/IEC 15424) a scanner may be set to send first.
    for prefix in ["]d2", "]C1", "]Q3", "]e0", "]J1"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return if rest.starts_with('(') { Kind::Bracketed(rest) } else { Kind::Elements(rest) };
        }
    }
    // EAN/UPC with its identifier: the digits follow.
    if let Some(rest) = text.strip_prefix("]E0") {
        return Kind::Plain(rest);
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if text.starts_with('(') && text.get(1..3).is_some_and(digits) {
        return Kind::Bracketed(text);
    }
    if text.contains(GS) {
        return Kind::Elements(text);
    }
    if digits(text) && matches!(text.len(), 13 | 14) {
        return Kind::Plain(text);
    }
    // A DataMatrix read without its identifier starts with its GTIN: `01` and 14 digits, then more elements.
    if text.len() >= 16 && text.starts_with("01") && text.get(2..16).is_some_and(digits) {
        return Kind::Elements(text);
    }
    Kind::NotAPack
}

/// The elements found so far.
#[derive(Default)]
struct Found {
    gtin: Option<Gtin>,
    expiry: Option<Date>,
    batch: Option<String>,
    serial: Option<String>,
}

impl Found {
    /// Keeps one element's value; an AI given twice must say the same both times.
    fn keep(&mut self, ai: &str, value: &str, today: Date) -> Result<(), Misread> {
        fn once<T: PartialEq>(slot: &mut Option<T>, value: T, ai: &'static str) -> Result<(), Misread> {
            match slot {
                Some(kept) if *kept != value => Err(Misread::Repeated(ai)),
                _ => {
                    *slot = Some(value);
                    Ok(())
                }
            }
        }
        match ai {
            "01" => {
                if value.len() != 14 {
                    return Err(Misread::Field { ai: "01", why: "a GTIN has 14 digits here" });
                }
                once(&mut self.gtin, Gtin::parse(value)?, "01")
            }
            "17" => once(&mut self.expiry, expiry(value, today)?, "17"),
            "10" => once(&mut self.batch, variable("10", value)?, "10"),
            "21" => once(&mut self.serial, variable("21", value)?, "21"),
            // Any other AI is skipped (see the module's decisions).
            _ => Ok(()),
        }
    }

    fn pack(self) -> Result<Pack, Misread> {
        let gtin = self.gtin.ok_or(Misread::NoGtin)?;
        Ok(Pack { gtin, expiry: self.expiry, batch: self.batch, serial: self.serial })
    }
}

/// A batch or serial: 1 to 20 characters of GS1's character set 82.
fn variable(ai: &'static str, value: &str) -> Result<String, Misread> {
    if value.is_empty() || value.chars().count() > MAX_VARIABLE {
        return Err(Misread::Field { ai, why: "1 to 20 characters" });
    }
    if !value.chars().all(is_cset82) {
        return Err(Misread::Field { ai, why: "a character outside GS1's character set 82" });
    }
    Ok(value.to_owned())
}

/// GenSpecs Figure 7.11-1: the characters an alphanumeric AI may hold.
fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

/// `YYMMDD` (day `00`: the month's last day), the century chosen as GenSpecs §7.12 says.
fn expiry(value: &str, today: Date) -> Result<Date, Misread> {
    const BAD: Misread = Misread::Field { ai: "17", why: "a date YYMMDD" };
    if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BAD);
    }
    let number = |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<i32>().ok()).ok_or(BAD);
    let (yy, mm, dd) = (number(0..2)?, number(2..4)?, number(4..6)?);
    let current = today.year();
    let this_century = current - current.rem_euclid(100);
    let difference = yy - current.rem_euclid(100);
    let year = this_century
        + yy
        + match difference {
            51.. => -100,
            ..=-50 => 100,
            _ => 0,
        };
    let month = u8::try_from(mm).ok().and_then(|mm| Month::try_from(mm).ok()).ok_or(BAD)?;
    let day = if dd == 0 { month.length(year) } else { u8::try_from(dd).map_err(|_| BAD)? };
    Date::from_calendar_date(year, month, day).map_err(|_| BAD)
}

/// GenSpecs Figure 5.10.1-2: the whole length (AI and data) of the elements that need no FNC1 after them, by
/// their first two digits.
fn predefined_length(first_two: &str) -> Option<usize> {
    Some(match first_two {
        "00" => 20,
        "01" | "02" | "03" | "41" => 16,
        "04" => 18,
        "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" => 8,
        "20" => 4,
        "31" | "32" | "33" | "34" | "35" | "36" => 10,
        _ => return None,
    })
}

/// An element string: AIs and their values, FNC1 (GS) after each element of variable length.
fn elements(data: &str, today: Date) -> Result<Pack, Misread> {
    let mut found = Found::default();
    let mut rest = data;
    loop {
        // FNC1 in first position, after a fixed-length element, or doubled: tolerated.
        rest = rest.trim_start_matches(GS);
        if rest.is_empty() {
            break;
        }
        let first_two = rest.get(..2).filter(|two| two.bytes().all(|b| b.is_ascii_digit()));
        let Some(first_two) = first_two else { return Err(Misread::Syntax("an AI starts with two digits")) };
        if let Some(length) = predefined_length(first_two) {
            let Some(element) = rest.get(..length) else {
                return Err(Misread::Field { ai: ai_name(first_two), why: "the data ends inside it" });
            };
            if element.contains(GS) {
                return Err(Misread::Field { ai: ai_name(first_two), why: "cut short by an FNC1" });
            }
            if let Some(value) = element.get(2..) {
                found.keep(first_two, value, today)?;
            }
            rest = rest.get(length..).unwrap_or_default();
            continue;
        }
        let end = rest.find(GS).unwrap_or(rest.len());
        let (element, after) = rest.split_at(end);
        if matches!(first_two, "10" | "21") {
            found.keep(first_two, element.get(2..).unwrap_or_default(), today)?;
        }
        rest = after;
    }
    found.pack()
}

/// The human-readable form: `(AI)value` after each other; spaces (as printed under a barcode) are dropped.
fn bracketed(data: &str, today: Date) -> Result<Pack, Misread> {
    let compact: String = data.chars().filter(|c| !c.is_whitespace() && *c != GS).collect();
    let mut found = Found::default();
    let mut rest = compact.as_str();
    while !rest.is_empty() {
        let (ai, after) = opening(rest).ok_or(Misread::Syntax("each AI in parentheses: (01)"))?;
        // The value runs to the next `(AI)`: a parenthesis inside a batch (set 82 allows it) is not one.
        let end =
            (1..after.len()).find(|at| after.get(*at..).is_some_and(|s| opening(s).is_some())).unwrap_or(after.len());
        let (value, next) = after.split_at(end);
        if predefined_length(ai.get(..2).unwrap_or_default()).is_some_and(|length| length != ai.len() + value.len())
            && matches!(ai, "01" | "17")
        {
            return Err(Misread::Field { ai: ai_name(ai), why: "the wrong length" });
        }
        found.keep(ai, value, today)?;
        rest = next;
    }
    found.pack()
}

/// `(01)…` → (`01`, `…`): an AI of 2 to 4 digits in parentheses at the start of `text`.
fn opening(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('(')?;
    let close = inner.find(')')?;
    let ai = inner.get(..close)?;
    let ok = (2..=4).contains(&ai.len()) && ai.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| (ai, inner.get(close + 1..).unwrap_or_default()))
}

/// The AIs named in messages.
fn ai_name(ai: &str) -> &'static str {
    match ai {
        "01" => "01",
        "17" => "17",
        "10" => "10",
        "21" => "21",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 06 - 15);

    fn pack(text: &str) -> Pack {
        match read(text, TODAY) {
            Reading::Pack(pack) => pack,
            other => panic!("{text:?} read as {other:?}"),
        }
    }

    fn misread(text: &str) -> Misread {
        match read(text, TODAY) {
            Reading::Misread(misread) => misread,
            other => panic!("{text:?} read as {other:?}"),
        }
    }

    #[test]
    fn check_digits_are_those_of_the_general_specifications() {
        // GenSpecs §7.9.1, Figure 7.9.1-2's worked example: GTIN-13 629104150021 has check digit 3.
        assert_eq!(check_digit("629104150021"), Some(3));
        assert_eq!(Gtin::parse("6291041500213").map(|g| g.to_string()), Ok("06291041500213".into()));
        assert_eq!(Gtin::parse("6291041500212"), Err(Misread::CheckDigit("6291041500212".into())));
        // GenSpecs' example GTIN (GS1 prefix 952 is for examples): 9521234543213, as GTIN-14 09521234543213.
        assert!(Gtin::parse("09521234543213").is_ok());
        assert!(Gtin::parse("9521234543213").is_ok());
        // GTIN-8 and GTIN-12 are kept right-aligned in 14 digits.
        assert_eq!(Gtin::parse("96385074").map(|g| g.to_string()), Ok("00000096385074".into()));
        assert_eq!(Gtin::parse("036000291452").map(|g| g.to_string()), Ok("00036000291452".into()));
        assert_eq!(Gtin::parse("12345"), Err(Misread::NotAGtin));
        assert_eq!(check_digit("12a4"), None);
    }

    #[test]
    fn the_data_matrix_guideline_example_reads_in_both_fnc1_forms() {
        // The GS1 DataMatrix Guideline's example: (01)09501101020917(17)190508(10)ABCD1234(21)10.
        let expected = Pack {
            gtin: Gtin("09501101020917".into()),
            expiry: Some(date!(2019 - 05 - 08)),
            batch: Some("ABCD1234".into()),
            serial: Some("10".into()),
        };
        assert_eq!(pack("(01)09501101020917(17)190508(10)ABCD1234(21)10"), expected);
        assert_eq!(pack("]d201095011010209171719050810ABCD1234\u{1d}2110"), expected);
        // Without the symbology identifier, with a leading FNC1, and as printed (spaces between the groups).
        assert_eq!(pack("01095011010209171719050810ABCD1234\u{1d}2110"), expected);
        assert_eq!(pack("\u{1d}01095011010209171719050810ABCD1234\u{1d}2110"), expected);
        assert_eq!(pack("(01) 09501101020917 (17) 190508 (10) ABCD1234 (21) 10"), expected);
        assert_eq!(pack("]d2(01)09501101020917(17)190508(10)ABCD1234(21)10"), expected);
    }

    #[test]
    fn variable_length_fields_may_come_first_or_last() {
        // Batch first: it ends at its FNC1; the fixed-length elements after it need none.
        let first = pack("10628S93R\u{1d}0105060917510011172410002188988474825186");
        assert_eq!(first.batch.as_deref(), Some("628S93R"));
        assert_eq!(first.gtin.as_str(), "05060917510011");
        assert_eq!(first.serial.as_deref(), Some("88988474825186"));
        // Serial last: it runs to the end, no FNC1 after it.
        let last = pack("]d20105060917510011\u{1d}17261231\u{1d}21ABC-123/x");
        assert_eq!(last.serial.as_deref(), Some("ABC-123/x"));
        assert_eq!(last.batch, None);
    }

    #[test]
    fn a_day_00_is_the_end_of_the_month_and_the_century_follows_the_general_specifications() {
        // GenSpecs §3.4.7: day 00 when the day is not needed; the pack is good to the month's end.
        assert_eq!(pack("(01)09501101020917(17)241000").expiry, Some(date!(2024 - 10 - 31)));
        assert_eq!(pack("(01)09501101020917(17)280200").expiry, Some(date!(2028 - 02 - 29)));
        // §7.12: in 2026, 76 is 2076 (50 ahead) and 77 is 1977.
        assert_eq!(pack("(01)09501101020917(17)761231").expiry, Some(date!(2076 - 12 - 31)));
        assert_eq!(pack("(01)09501101020917(17)771231").expiry, Some(date!(1977 - 12 - 31)));
        assert_eq!(misread("(01)09501101020917(17)261332"), Misread::Field { ai: "17", why: "a date YYMMDD" });
        assert_eq!(misread("(01)09501101020917(17)260231"), Misread::Field { ai: "17", why: "a date YYMMDD" });
    }

    #[test]
    fn a_plain_ean_13_or_gtin_14_is_a_pack_without_batch_or_expiry() {
        let ean = pack("6291041500213");
        assert_eq!((ean.gtin.as_str(), ean.expiry, ean.batch), ("06291041500213", None, None));
        assert_eq!(pack("]E06291041500213").gtin.as_str(), "06291041500213");
        assert_eq!(pack("09501101020917").gtin.as_str(), "09501101020917");
        // A wrong check digit is a misread, never another product.
        assert_eq!(misread("6291041500214"), Misread::CheckDigit("6291041500214".into()));
        assert_eq!(misread("]d20109501101020918172612311012"), Misread::CheckDigit("09501101020918".into()));
    }

    #[test]
    fn other_ais_are_skipped_and_a_gs_after_a_fixed_length_one_is_tolerated() {
        // AI 11 (production date, predefined length) and AI 714 (Portugal's NHRN, variable) are skipped.
        let with_others = pack("01095011010209171125010117270331714AIM1234567\u{1d}10B1\u{1d}21S1");
        assert_eq!(with_others.expiry, Some(date!(2027 - 03 - 31)));
        assert_eq!((with_others.batch.as_deref(), with_others.serial.as_deref()), (Some("B1"), Some("S1")));
        assert_eq!(pack("(01)09501101020917(11)250101(714)AIM1234567(10)B1").batch.as_deref(), Some("B1"));
        assert_eq!(pack("0109501101020917\u{1d}17270331\u{1d}10B1").batch.as_deref(), Some("B1"));
    }

    #[test]
    fn what_is_not_a_gs1_barcode_is_left_to_be_read_as_a_code() {
        for text in ["AUTH-2026-000102", "RX-2026-000001", "NOPE-0000", "", "01-2026-0000001", "12345", "(abc)"] {
            assert_eq!(read(text, TODAY), Reading::NotAPack, "{text:?}");
        }
    }

    #[test]
    fn malformed_gs1_strings_are_misreads() {
        // A variable field without its FNC1 swallows what follows and runs past 20 characters.
        assert_eq!(
            misread("0109501101020917101234567890123456789012\u{1d}17270331"),
            Misread::Field { ai: "10", why: "1 to 20 characters" }
        );
        assert_eq!(misread("]d20109501101020917\u{1d}10"), Misread::Field { ai: "10", why: "1 to 20 characters" });
        assert_eq!(misread("]d2010950110102091"), Misread::Field { ai: "01", why: "the data ends inside it" });
        assert_eq!(misread("]d201095011010\u{1d}20917"), Misread::Field { ai: "01", why: "cut short by an FNC1" });
        assert_eq!(misread("]d2172703311012"), Misread::NoGtin);
        assert_eq!(misread("]d2AB0109501101020917"), Misread::Syntax("an AI starts with two digits"));
        assert_eq!(
            misread("(01)09501101020917(10)LOT 1\u{7f}"),
            Misread::Field { ai: "10", why: "a character outside GS1's character set 82" }
        );
        assert_eq!(misread("(01)0950110102091(17)270331"), Misread::Field { ai: "01", why: "the wrong length" });
        assert_eq!(misread("(01)09501101020917(01)06291041500213"), Misread::Repeated("01"));
        assert_eq!(misread("(01)09501101020917x"), Misread::Field { ai: "01", why: "the wrong length" });
    }

    #[test]
    fn a_parenthesis_inside_a_batch_is_part_of_it() {
        assert_eq!(pack("(01)09501101020917(10)A(1)B(21)7").batch.as_deref(), Some("A(1)B"));
    }
}
