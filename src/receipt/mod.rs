//! The delivery receipt the patient takes home, and the printer it goes to. A [`Receipt`] is plain data (the
//! pharmacy's header, the code, who and what was delivered, what each party pays, what remains and until when,
//! the claim and the invoice), filled in by the counter; this module owns how it reads: [`Receipt::text`] lays it
//! out as lines of exactly the paper's columns (what the counter shows on screen), and [`Receipt::escpos`] turns
//! the same layout into the ESC/POS bytes a receipt printer prints, in code page PC858 so that accents, `ñ` and
//! `€` come out right. [`Printer`] sends those bytes to a device, a file or a network printer, off the
//! key-handling thread, and says whether the printer is simply not answering (reprint later) or something else
//! is wrong.
//!
//! It depends on the catalogues and the money format ([`crate::i18n`]) and on nothing of the counter or the
//! screens, so the counter, the history and a test can all print the same receipt.

mod columns;
mod escpos;
mod layout;
mod model;
mod pc858;
mod printer;
mod width;

pub use escpos::EscPosError;
pub use model::{Beneficiary, CodeKind, Invoice, Line, Pack, Receipt, Remaining, Share, Substitute, Totals};
pub use printer::{CONNECT_TIMEOUT, PrintError, Printer, PrinterAddress, PrinterAddressError, RAW_PORT, WRITE_TIMEOUT};
pub use width::{Width, WidthError};

impl Receipt {
    /// The receipt as plain text: lines of exactly `width` columns (terminal columns, so an accent or a wide
    /// glyph counts as what it takes on screen), long names wrapped, amounts right-aligned. The QR code the
    /// printer adds for the next visit has no line here: the code itself is printed beneath it as text.
    pub fn text(&self, width: Width) -> Vec<String> {
        let columns = width.columns();
        layout::rows(self, columns, columns::clean).iter().flat_map(|row| row.text_lines(columns)).collect()
    }

    /// The receipt as ESC/POS bytes for a printer of `width` columns: initialise, code page PC858, the same
    /// lines as [`Receipt::text`] (laid out on what paper can show: characters PC858 lacks replaced by their
    /// nearest, `•` by `*`), what the patient pays in bold and double size, a QR code of the code when something
    /// remains, and a cut.
    pub fn escpos(&self, width: Width) -> Result<Vec<u8>, EscPosError> {
        let columns = width.columns();
        escpos::bytes(&layout::rows(self, columns, pc858::printable), columns)
    }
}
