//! Sending a receipt's bytes to the printer, asynchronously so the key-handling thread never waits on paper: a
//! device or file is opened for appending and written on tokio's blocking pool, a network printer gets a raw TCP
//! connection; each bounded by a timeout, so a printer that is off costs the clerk a toast, never a frozen
//! counter.

mod address;
mod error;

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

pub use address::{PrinterAddress, PrinterAddressError, RAW_PORT};
pub use error::PrintError;

/// How long a network printer may take to accept the connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a printer may take to take a whole receipt (a few kilobytes) once connected or opened.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A receipt printer (`[receipt] printer`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Printer {
    address: PrinterAddress,
    connect_timeout: Duration,
    write_timeout: Duration,
}

impl Printer {
    /// The printer at `address`, with [`CONNECT_TIMEOUT`] and [`WRITE_TIMEOUT`].
    pub fn new(address: PrinterAddress) -> Self {
        Self { address, connect_timeout: CONNECT_TIMEOUT, write_timeout: WRITE_TIMEOUT }
    }

    /// This printer with other timeouts.
    pub fn with_timeouts(self, connect: Duration, write: Duration) -> Self {
        Self { connect_timeout: connect, write_timeout: write, ..self }
    }

    pub fn address(&self) -> &PrinterAddress {
        &self.address
    }

    /// Sends `bytes` (one receipt's ESC/POS) to the printer. A device or file is appended to; a network
    /// printer's connection is closed once everything is sent. Returns once the bytes are handed over (the
    /// operating system's buffers or the printer's), or with why not.
    pub async fn print(&self, bytes: &[u8]) -> Result<(), PrintError> {
        let sent = match &self.address {
            PrinterAddress::Path(path) => self.append(path, bytes.to_vec()).await,
            PrinterAddress::Tcp { host, port } => self.send(host, *port, bytes).await,
        };
        sent.map_err(|source| PrintError::new(&self.address, source))
    }

    async fn append(&self, path: &Path, bytes: Vec<u8>) -> io::Result<()> {
        let path = path.to_owned();
        // Opening may block too (a FIFO nobody reads, a device in a bad state): both are inside the timeout.
        // After a timeout the blocking thread is left to finish or fail on its own; the counter moves on.
        let write = tokio::task::spawn_blocking(move || {
            let mut device = std::fs::OpenOptions::new().append(true).open(&path)?;
            device.write_all(&bytes)?;
            device.flush()
        });
        match timeout(self.write_timeout, write).await {
            Ok(Ok(written)) => written,
            Ok(Err(join)) => Err(io::Error::other(join)),
            Err(_) => Err(timed_out("writing", self.write_timeout)),
        }
    }

    async fn send(&self, host: &str, port: u16, bytes: &[u8]) -> io::Result<()> {
        let mut stream = timeout(self.connect_timeout, TcpStream::connect((host, port)))
            .await
            .map_err(|_| timed_out("connecting", self.connect_timeout))??;
        let sending = async {
            stream.write_all(bytes).await?;
            stream.flush().await?;
            // A clean close: the printer sees the end of the job.
            stream.shutdown().await
        };
        timeout(self.write_timeout, sending).await.map_err(|_| timed_out("sending", self.write_timeout))?
    }
}

fn timed_out(doing: &str, after: Duration) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("no answer {doing} within {} ms", after.as_millis()))
}
