//! Text as a receipt printer prints it: code page PC858 (PC850, the Western European DOS page, with `€` at 0xD5),
//! which every ESC/POS printer of the region has and which holds every letter of Spanish, Portuguese, French and
//! Catalan names. Printers do not read UTF-8: its two bytes for `ñ` print as two wrong symbols.
//!
//! Encoded here rather than by the `escpos` crate: its PC858 table maps the ASCII hyphen `-` to 0xF0 (the soft
//! hyphen), which would print every code (`AUTH-2026-000101`) and invoice with a different glyph, and it sends
//! characters missing from the page as UTF-8. This table holds just the characters receipts need (letters with
//! accents, `ñ`, `¿¡`, `€`, `ªº°·`, a few symbols); [`printable`] replaces anything else by its nearest before
//! the layout measures it, so what is measured is what is printed.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_width::UnicodeWidthChar;

/// The characters above ASCII this receipt prints, with their PC858 byte.
const TABLE: [(char, u8); 83] = [
    ('Ç', 0x80),
    ('ü', 0x81),
    ('é', 0x82),
    ('â', 0x83),
    ('ä', 0x84),
    ('à', 0x85),
    ('å', 0x86),
    ('ç', 0x87),
    ('ê', 0x88),
    ('ë', 0x89),
    ('è', 0x8A),
    ('ï', 0x8B),
    ('î', 0x8C),
    ('ì', 0x8D),
    ('Ä', 0x8E),
    ('Å', 0x8F),
    ('É', 0x90),
    ('æ', 0x91),
    ('Æ', 0x92),
    ('ô', 0x93),
    ('ö', 0x94),
    ('ò', 0x95),
    ('û', 0x96),
    ('ù', 0x97),
    ('ÿ', 0x98),
    ('Ö', 0x99),
    ('Ü', 0x9A),
    ('ø', 0x9B),
    ('£', 0x9C),
    ('Ø', 0x9D),
    ('×', 0x9E),
    ('á', 0xA0),
    ('í', 0xA1),
    ('ó', 0xA2),
    ('ú', 0xA3),
    ('ñ', 0xA4),
    ('Ñ', 0xA5),
    ('ª', 0xA6),
    ('º', 0xA7),
    ('¿', 0xA8),
    ('®', 0xA9),
    ('½', 0xAB),
    ('¼', 0xAC),
    ('¡', 0xAD),
    ('«', 0xAE),
    ('»', 0xAF),
    ('Á', 0xB5),
    ('Â', 0xB6),
    ('À', 0xB7),
    ('©', 0xB8),
    ('¢', 0xBD),
    ('¥', 0xBE),
    ('ã', 0xC6),
    ('Ã', 0xC7),
    ('Ê', 0xD2),
    ('Ë', 0xD3),
    ('È', 0xD4),
    ('€', 0xD5),
    ('Í', 0xD6),
    ('Î', 0xD7),
    ('Ï', 0xD8),
    ('Ì', 0xDE),
    ('Ó', 0xE0),
    ('ß', 0xE1),
    ('Ô', 0xE2),
    ('Ò', 0xE3),
    ('õ', 0xE4),
    ('Õ', 0xE5),
    ('µ', 0xE6),
    ('Ú', 0xE9),
    ('Û', 0xEA),
    ('Ù', 0xEB),
    ('ý', 0xEC),
    ('Ý', 0xED),
    ('±', 0xF1),
    ('¾', 0xF3),
    ('§', 0xF5),
    ('÷', 0xF6),
    ('°', 0xF8),
    ('·', 0xFA),
    ('¹', 0xFB),
    ('²', 0xFD),
    // The money format puts a non-breaking space before `€`.
    ('\u{a0}', 0xFF),
];

/// The PC858 byte of `c`: printable ASCII as itself, the table's characters, nothing else.
pub(super) fn byte(c: char) -> Option<u8> {
    if (' '..='~').contains(&c) {
        return u8::try_from(c).ok();
    }
    TABLE.iter().find(|(known, _)| *known == c).map(|(_, byte)| *byte)
}

/// `text` as a PC858 printer can print it, every character one column: composed (`e` + `◌́` is `é`), control
/// characters and other spaces as a space, marks and zero-width characters dropped, typographic punctuation as
/// its ASCII form (`•` of a masked document as `*`, `…` as `...`, `—` as `-`), a letter the page lacks as its base
/// letter (`ő` as `o`), and anything else (a CJK glyph, an emoji) as `?`.
pub(super) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfc() {
        if byte(c).is_some() {
            out.push(c);
        } else if c.is_control() || c.is_whitespace() {
            out.push(' ');
        } else if is_combining_mark(c) || c.width() == Some(0) || c == '\u{ad}' {
            // Nothing to print: a mark no letter took, a zero-width joiner or space, a soft hyphen.
        } else if let Some(ascii) = nearest(c) {
            out.push_str(ascii);
        } else {
            out.push(base_letter(c).unwrap_or('?'));
        }
    }
    out
}

/// The ASCII a typographic character stands for.
fn nearest(c: char) -> Option<&'static str> {
    Some(match c {
        '•' | '●' | '∙' | '◦' | '⁎' | '∗' => "*",
        '…' => "...",
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' => "\"",
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => "-",
        '→' | '↳' | '▶' | '►' => ">",
        '←' | '◀' | '◄' => "<",
        '≤' => "<=",
        '≥' => ">=",
        '✔' | '✓' => "v",
        '✖' | '✗' => "x",
        '™' => "TM",
        _ => return None,
    })
}

/// The letter under the accents of `c` when the page has it (`ő` → `o`, `Ł` has none).
fn base_letter(c: char) -> Option<char> {
    std::iter::once(c).nfd().next().filter(|base| *base != c && byte(*base).is_some())
}

/// `text` (already [`printable`]) as PC858 bytes; a character the page lacks (which [`printable`] never leaves)
/// is `?`, never UTF-8.
pub(super) fn encode(text: &str) -> Vec<u8> {
    text.chars().map(|c| byte(c).unwrap_or(b'?')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_letters_and_the_euro_have_their_pc858_bytes() {
        // Checked against iconv's CP858.
        assert_eq!(encode("áéíóúñÑ€"), [0xA0, 0x82, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xD5]);
        assert_eq!(encode("ÁÉÍÓÚÜü¿¡"), [0xB5, 0x90, 0xD6, 0xE0, 0xE9, 0x9A, 0x81, 0xA8, 0xAD]);
        assert_eq!(encode("ºª°·\u{a0}"), [0xA7, 0xA6, 0xF8, 0xFA, 0xFF]);
        // The hyphen stays the hyphen (the escpos crate's table makes it a soft hyphen).
        assert_eq!(encode("AUTH-2026"), b"AUTH-2026");
    }

    #[test]
    fn every_table_entry_is_one_byte_above_ascii_and_no_byte_is_used_twice() {
        let mut bytes: Vec<u8> = TABLE.iter().map(|(_, byte)| *byte).collect();
        assert!(bytes.iter().all(|byte| *byte >= 0x80));
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), TABLE.len());
    }

    #[test]
    fn what_the_page_lacks_becomes_its_nearest_one_column_each() {
        assert_eq!(printable("DPI •••••0101"), "DPI *****0101");
        assert_eq!(printable("Jose\u{301} Nu\u{301}n\u{303}ez Nu\u{303}"), "José Núñez Nu");
        assert_eq!(printable("Łódź — Őrs…"), "?ódz - Ors...");
        assert_eq!(printable("薬\u{200b}局 😀"), "?? ?");
        assert_eq!(printable("a\tb\u{1b}c\u{2009}d"), "a b c d");
        assert_eq!(encode(&printable("Ω")), b"?");
    }
}
