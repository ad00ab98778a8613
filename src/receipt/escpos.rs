//! The receipt's rows as ESC/POS bytes, through the `escpos` crate's commands: initialise (`ESC @`), code page
//! PC858 (`ESC t 19`), each line in PC858 ending in LF, bold (`ESC E`) and size (`GS !`) around what the patient
//! pays, the QR code of the code centred (`GS ( k`), and a full cut after feeding past the cutter (`GS V A 0`).
//! Text bytes are ours ([`super::pc858`]): the crate's own PC858 table would print every `-` as a soft hyphen.
//!
//! The crate collects commands and hands them to a driver; the driver here only keeps the bytes, because
//! sending them (with timeouts, off the key-handling thread) is [`super::Printer`]'s job.

use std::cell::RefCell;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::errors::PrinterError;
use escpos::printer::Printer;
use escpos::printer_options::PrinterOptions;
use escpos::utils::{JustifyMode, PageCode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};

use super::columns::{left_right, width};
use super::layout::Row;
use super::pc858;

/// The most bytes a QR code of the printer holds (version 40 at error correction M); a longer code is printed
/// as text only.
const MAX_QR_BYTES: usize = 2331;

/// The receipt could not be turned into ESC/POS (a command the crate refused; not expected with the commands
/// used here).
#[derive(Debug, thiserror::Error)]
#[error("the receipt could not be written as ESC/POS: {0}")]
pub struct EscPosError(#[from] PrinterError);

/// A driver that keeps what it is sent.
#[derive(Clone, Default)]
struct Collected(Rc<RefCell<Vec<u8>>>);

impl Driver for Collected {
    fn name(&self) -> String {
        "memory".to_owned()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.try_borrow_mut()?.extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// `rows`, laid out for `columns`, as the bytes of one printed receipt.
pub(super) fn bytes(rows: &[Row], columns: usize) -> Result<Vec<u8>, EscPosError> {
    let collected = Collected::default();
    let characters = u8::try_from(columns).unwrap_or(u8::MAX);
    let options = PrinterOptions::new(Some(PageCode::PC858), None, characters);
    let mut printer = Printer::new(collected.clone(), Protocol::default(), Some(options));
    // ESC @ then ESC t 19: the code page is chosen after the reset, which would forget it.
    printer.init()?;
    // Bold is switched only where it changes: ESC @ left it off.
    let mut bolded = false;
    let mut bold = |printer: &mut Printer<Collected>, on: bool| -> Result<(), EscPosError> {
        if on != bolded {
            printer.bold(on)?;
            bolded = on;
        }
        Ok(())
    };
    for row in rows {
        match row {
            Row::Text { text, bold: on } => {
                bold(&mut printer, *on)?;
                line(&mut printer, text)?;
            }
            Row::Emphasis { label, amount } => {
                bold(&mut printer, true)?;
                // Double width and height when label and amount fit in half the columns (48-column paper in
                // Spanish), else double height only: the line keeps the paper's columns either way.
                let half = columns / 2;
                let (wide, fitted) = if width(label) + 1 + width(amount) <= half { (2, half) } else { (1, columns) };
                printer.size(wide, 2)?;
                for text in left_right(label, amount, fitted, 0) {
                    line(&mut printer, &text)?;
                }
                printer.reset_size()?;
            }
            Row::Qr(code) if !code.is_empty() && code.len() <= MAX_QR_BYTES => {
                printer.justify(JustifyMode::CENTER)?;
                // Modules of 6 dots on 80 mm paper, 5 on 58 mm: a short code stays well inside the paper.
                let module = if columns >= 42 { 6 } else { 5 };
                printer
                    .qrcode_option(code, QRCodeOption::new(QRCodeModel::Model2, module, QRCodeCorrectionLevel::M))?;
                printer.justify(JustifyMode::LEFT)?;
            }
            Row::Qr(_) => {}
        }
    }
    bold(&mut printer, false)?;
    printer.cut()?;
    printer.print()?;
    let bytes =
        collected.0.try_borrow_mut().map(|mut bytes| std::mem::take(&mut *bytes)).map_err(PrinterError::from)?;
    Ok(bytes)
}

/// One line of text: its PC858 bytes without the trailing spaces (they print nothing, and a USB or serial link
/// is slow), then LF (print and feed).
fn line(printer: &mut Printer<Collected>, text: &str) -> Result<(), EscPosError> {
    let mut encoded = pc858::encode(text.trim_end_matches(' '));
    encoded.push(b'\n');
    printer.custom(&encoded)?;
    Ok(())
}
