//! Real printers: a file the receipts are appended to, a network printer played by a TCP listener on 127.0.0.1,
//! and printers that are off (a refused connection, a device whose directory is gone, a FIFO nobody reads) or
//! wrongly configured (a directory).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mostrador::i18n::Locale;
use mostrador::receipt::{PrintError, Printer, PrinterAddress, Receipt, Width};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::bytes::printed_as_shown;
use crate::decoder::decode;
use crate::fixtures;

/// A private directory per test, removed when it ends well.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mostrador-receipt-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn printer(address: &str) -> Printer {
    Printer::new(address.parse::<PrinterAddress>().unwrap())
}

#[tokio::test]
async fn receipts_printed_to_a_file_are_appended_and_read_back() {
    let scratch = Scratch::new("file");
    let path = scratch.0.join("lp0");
    std::fs::write(&path, b"").unwrap();
    let first = fixtures::partial(Locale::Es);
    let reprint = Receipt { copy: true, ..fixtures::partial(Locale::Es) };
    let to_file = printer(path.to_str().unwrap());
    let (first_bytes, reprint_bytes) = (first.escpos(Width::W32).unwrap(), reprint.escpos(Width::W32).unwrap());
    to_file.print(&first_bytes).await.unwrap();
    to_file.print(&reprint_bytes).await.unwrap();

    let written = std::fs::read(&path).unwrap();
    assert_eq!(written, [first_bytes.as_slice(), reprint_bytes.as_slice()].concat());
    let (one, two) = written.split_at(first_bytes.len());
    let one = decode(one);
    assert_eq!(one.qr_codes(), [b"AUTH-2026-000106"]);
    assert!(one.lines().iter().any(|(text, ..)| text.starts_with("Beneficiario: MARÍA JOSÉ")));
    assert!(!one.lines().iter().any(|(text, ..)| text.contains("COPIA")));
    assert!(decode(two).lines().iter().any(|(text, ..)| text.trim() == "*** COPIA ***"));
    printed_as_shown(&first, Width::W32);
}

#[tokio::test]
async fn a_receipt_sent_to_a_network_printer_arrives_whole() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let paper = tokio::spawn(async move {
        let (mut connection, _) = listener.accept().await.unwrap();
        let mut received = Vec::new();
        // Until the counter closes the connection: the end of the job.
        connection.read_to_end(&mut received).await.unwrap();
        received
    });
    let receipt = fixtures::euros(Locale::Es);
    let bytes = receipt.escpos(Width::W48).unwrap();
    printer(&format!("tcp://127.0.0.1:{port}")).print(&bytes).await.unwrap();

    let received = paper.await.unwrap();
    assert_eq!(received, bytes);
    let decoded = decode(&received);
    let lines = decoded.lines();
    assert!(lines.iter().any(|(text, ..)| text.starts_with("Médico: Dr. Íñigo Muñoz Güell")));
    assert!(lines.iter().any(|(text, bold, wide, high)| text.starts_with("Paga el paciente:")
        && text.ends_with("499,68\u{a0}€")
        && (*bold, *wide, *high) == (true, 1, 2)));
}

/// A port nothing listens on: bound, then released.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

fn assert_not_answering(outcome: Result<(), PrintError>, printer: &str) -> PrintError {
    let error = outcome.expect_err("a printer that is off cannot print");
    assert!(error.is_not_answering(), "{error}");
    assert!(error.to_string().starts_with(&format!("the receipt printer {printer} is not answering: ")), "{error}");
    assert_eq!(error.message(Locale::Es, "F3"), "La impresora no responde: se puede reimprimir desde F3.");
    error
}

#[tokio::test]
async fn a_network_printer_that_is_off_is_not_answering() {
    let port = closed_port().await;
    let address = format!("tcp://127.0.0.1:{port}");
    let bytes = fixtures::partial(Locale::Es).escpos(Width::W42).unwrap();
    assert_not_answering(printer(&address).print(&bytes).await, &address);
}

#[tokio::test]
async fn a_device_that_went_away_is_not_answering_and_is_not_created() {
    let scratch = Scratch::new("unplugged");
    let device = scratch.0.join("usb").join("lp0");
    let address = device.to_str().unwrap().to_owned();
    let bytes = fixtures::partial(Locale::Es).escpos(Width::W42).unwrap();
    assert_not_answering(printer(&address).print(&bytes).await, &address);
    // The directory is there but the device is not: still not answering, and no file appears in its place.
    std::fs::create_dir_all(device.parent().unwrap()).unwrap();
    assert_not_answering(printer(&address).print(&bytes).await, &address);
    assert!(!device.exists());
}

#[tokio::test]
async fn a_printer_that_takes_nothing_times_out_as_not_answering() {
    let scratch = Scratch::new("fifo");
    let fifo = scratch.0.join("lp0");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR).unwrap();
    let address = fifo.to_str().unwrap().to_owned();
    let stuck =
        Printer::new(address.parse().unwrap()).with_timeouts(Duration::from_millis(200), Duration::from_millis(200));
    let bytes = fixtures::partial(Locale::Es).escpos(Width::W42).unwrap();
    let error = assert_not_answering(stuck.print(&bytes).await, &address);
    assert!(error.to_string().contains("no answer writing within 200 ms"), "{error}");
    // The printer comes back: the blocked write goes through (and the test leaves no thread behind).
    let mut reader = std::fs::File::open(&fifo).unwrap();
    let mut late = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut late).unwrap();
    assert_eq!(late, bytes);
}

#[tokio::test]
async fn a_directory_is_a_mistake_not_a_printer_that_is_off() {
    let scratch = Scratch::new("directory");
    let address = scratch.0.to_str().unwrap().to_owned();
    let bytes = fixtures::cash(Locale::Es).escpos(Width::W32).unwrap();
    let error = printer(&address).print(&bytes).await.expect_err("a directory cannot be printed to");
    assert!(!error.is_not_answering(), "{error}");
    assert!(matches!(error, PrintError::Failed { .. }));
    assert_eq!(
        error.message(Locale::Es, "F3"),
        "No se pudo imprimir (detalles en el registro): se puede reimprimir desde F3."
    );
}
