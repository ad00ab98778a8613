//! Why a receipt did not print, in the two kinds the counter treats differently: the printer is not answering
//! (off, unplugged, out of paper, not reachable: the clerk reprints later from the history) and anything else
//! (no permission on the device, a file that cannot be written: IT must look at the log).

use std::io;

use super::PrinterAddress;
use crate::i18n::{self, Locale};

/// A receipt that was not printed. Nothing about the dispensation depends on it.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The printer refused the connection, did not answer in time, is not there (a device that went away, a path
    /// in a missing directory) or failed the write (EIO: out of paper, cover open, unplugged while printing).
    #[error("the receipt printer {printer} is not answering: {source}")]
    NotAnswering {
        printer: String,
        #[source]
        source: io::Error,
    },
    /// Anything else (permission denied, a read-only file, a host name that does not resolve).
    #[error("cannot print on the receipt printer {printer}: {source}")]
    Failed {
        printer: String,
        #[source]
        source: io::Error,
    },
}

impl PrintError {
    /// The error of sending to `printer`, sorted by its cause.
    pub(super) fn new(printer: &PrinterAddress, source: io::Error) -> Self {
        let printer = printer.to_string();
        if not_answering(&source) { Self::NotAnswering { printer, source } } else { Self::Failed { printer, source } }
    }

    /// The printer is off, unplugged, out of paper or unreachable: printing again later may work.
    pub fn is_not_answering(&self) -> bool {
        matches!(self, Self::NotAnswering { .. })
    }

    /// What the clerk reads, in `locale`: what happened and that `reprint_key` (the history's key, `F3`)
    /// prints it again.
    pub fn message(&self, locale: Locale, reprint_key: &str) -> String {
        let key = match self {
            Self::NotAnswering { .. } => "receipt.printer_not_answering",
            Self::Failed { .. } => "receipt.printer_failed",
        };
        i18n::fill(locale, key, &[("key", reprint_key)])
    }
}

/// Whether `error` means the printer is not there or not answering, rather than a mistake to fix.
fn not_answering(error: &io::Error) -> bool {
    use io::ErrorKind::*;
    if matches!(
        error.kind(),
        ConnectionRefused
            | ConnectionReset
            | ConnectionAborted
            | NotConnected
            | BrokenPipe
            | TimedOut
            | NotFound
            | HostUnreachable
            | NetworkUnreachable
            | NetworkDown
            | AddrNotAvailable
            | ResourceBusy
            | UnexpectedEof
            | WriteZero
    ) {
        return true;
    }
    // What a USB printer's device says when it is out of paper or unplugged mid-write (no ErrorKind of its own).
    use rustix::io::Errno;
    let device_gone = [Errno::IO, Errno::NODEV, Errno::NXIO].map(Errno::raw_os_error);
    error.raw_os_error().is_some_and(|code| device_gone.contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer() -> PrinterAddress {
        PrinterAddress::Tcp { host: "127.0.0.1".into(), port: 9100 }
    }

    #[test]
    fn an_absent_or_silent_printer_is_not_answering_and_a_mistake_is_not() {
        for kind in [io::ErrorKind::ConnectionRefused, io::ErrorKind::TimedOut, io::ErrorKind::NotFound] {
            assert!(PrintError::new(&printer(), kind.into()).is_not_answering(), "{kind:?}");
        }
        let eio = io::Error::from_raw_os_error(rustix::io::Errno::IO.raw_os_error());
        assert!(PrintError::new(&printer(), eio).is_not_answering());
        let denied = PrintError::new(&printer(), io::ErrorKind::PermissionDenied.into());
        assert!(!denied.is_not_answering());
        assert!(denied.to_string().starts_with("cannot print on the receipt printer tcp://127.0.0.1:9100: "));
    }

    #[test]
    fn the_clerk_is_told_to_reprint_from_the_history() {
        let error = PrintError::new(&printer(), io::ErrorKind::ConnectionRefused.into());
        assert_eq!(error.message(Locale::Es, "F3"), "La impresora no responde: se puede reimprimir desde F3.");
        assert_eq!(error.message(Locale::En, "F3"), "The printer is not answering: reprint it from F3.");
    }
}
