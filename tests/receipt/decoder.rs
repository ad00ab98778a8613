//! A small ESC/POS decoder: the commands the receipt emits, read back into lines of text (decoded from PC858 with a
//! table of its own, taken from iconv's CP858, not from the encoder's) and markers (bold, size, QR, cut). Any
//! other byte or command is a test failure: an unexpected byte on a real printer is a wrong symbol or a command.

/// The 128 characters of code page PC858 from 0x80 to 0xFF (iconv `-f CP858`).
const PC858_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤\
                          ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{AD}±‗¾¶§÷¸°¨·¹³²■\u{A0}";

/// ESC/POS's number for code page PC858 (`ESC t 19`).
pub const PC858: u8 = 19;

/// One thing the printer was told to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A line of text ended by LF, with the style it was printed in.
    Line {
        text: String,
        bold: bool,
        wide: u8,
        high: u8,
    },
    /// A QR code printed with these bytes.
    Qr(Vec<u8>),
    Cut,
}

/// What a printer would do with the bytes.
#[derive(Debug)]
pub struct Decoded {
    pub items: Vec<Item>,
}

impl Decoded {
    /// The lines of text, in order.
    pub fn lines(&self) -> Vec<(&str, bool, u8, u8)> {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Line { text, bold, wide, high } => Some((text.as_str(), *bold, *wide, *high)),
                _ => None,
            })
            .collect()
    }

    pub fn qr_codes(&self) -> Vec<&[u8]> {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Qr(data) => Some(data.as_slice()),
                _ => None,
            })
            .collect()
    }
}

fn pc858(byte: u8) -> char {
    match byte {
        0x20..=0x7E => char::from(byte),
        0x80..=0xFF => PC858_HIGH.chars().nth(usize::from(byte - 0x80)).unwrap(),
        _ => panic!("0x{byte:02X} is not text"),
    }
}

/// Decodes `bytes`, panicking (failing the test) on anything the receipt should not send: text before the reset
/// and the code page, a command it does not use, a line left without its LF.
pub fn decode(bytes: &[u8]) -> Decoded {
    assert_eq!(bytes.get(..2), Some(&[0x1B, b'@'][..]), "a receipt starts with ESC @ (initialise)");
    let mut items = Vec::new();
    let (mut bold, mut wide, mut high) = (false, 1, 1);
    let mut code_page = 0;
    let mut text = String::new();
    let mut stored_qr: Option<Vec<u8>> = None;
    let mut at = 0;
    let arg = |at: usize| *bytes.get(at).unwrap_or_else(|| panic!("command cut short at {at}"));
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            0x1B => {
                match arg(at + 1) {
                    b'@' => {
                        (bold, wide, high, code_page) = (false, 1, 1, 0);
                        at += 2;
                    }
                    b't' => {
                        code_page = arg(at + 2);
                        at += 3;
                    }
                    b'E' => {
                        bold = arg(at + 2) & 1 == 1;
                        at += 3;
                    }
                    b'a' => {
                        assert!(matches!(arg(at + 2), 0..=2 | 48..=50), "justification");
                        at += 3;
                    }
                    other => panic!("unexpected ESC 0x{other:02X} at {at}"),
                }
                continue;
            }
            0x1D => {
                match arg(at + 1) {
                    b'!' => {
                        let n = arg(at + 2);
                        (wide, high) = ((n >> 4) + 1, (n & 0x0F) + 1);
                        at += 3;
                    }
                    b'V' => {
                        assert!(text.is_empty(), "a cut through a line of text");
                        at += match arg(at + 2) {
                            b'A' | b'B' => 4,
                            0 | 1 | 48 | 49 => 3,
                            other => panic!("unexpected cut mode {other}"),
                        };
                        items.push(Item::Cut);
                    }
                    b'(' => {
                        assert_eq!(arg(at + 2), b'k', "only 2D codes use GS (");
                        let length = usize::from(arg(at + 3)) + 256 * usize::from(arg(at + 4));
                        let body = bytes.get(at + 5..at + 5 + length).expect("GS ( k cut short");
                        assert_eq!(body[0], 49, "a 2D code other than QR");
                        match body[1] {
                            65 | 67 | 69 => {}
                            80 => {
                                assert_eq!(body[2], 48);
                                stored_qr = Some(body[3..].to_vec());
                            }
                            81 => items.push(Item::Qr(stored_qr.take().expect("QR printed before its data"))),
                            other => panic!("unexpected QR function {other}"),
                        }
                        at += 5 + length;
                    }
                    other => panic!("unexpected GS 0x{other:02X} at {at}"),
                }
                continue;
            }
            b'\n' => items.push(Item::Line { text: std::mem::take(&mut text), bold, wide, high }),
            0x20..=0x7E | 0x80..=0xFF => {
                assert_eq!(code_page, PC858, "text at {at} before ESC t 19 (PC858)");
                text.push(pc858(byte));
            }
            other => panic!("unexpected control byte 0x{other:02X} at {at}"),
        }
        at += 1;
    }
    assert!(text.is_empty(), "text without its LF at the end: {text:?}");
    Decoded { items }
}

#[test]
fn the_decoder_reads_pc858_as_iconv_does() {
    assert_eq!(PC858_HIGH.chars().count(), 128);
    assert_eq!((pc858(0xA4), pc858(0xA5), pc858(0xD5), pc858(0xA0), pc858(0x90)), ('ñ', 'Ñ', '€', 'á', 'É'));
    let decoded = decode(b"\x1b@\x1bt\x13Ni\xa4o \xd5\n\x1dVA\x00");
    assert_eq!(decoded.items, [Item::Line { text: "Niño €".into(), bold: false, wide: 1, high: 1 }, Item::Cut]);
}
