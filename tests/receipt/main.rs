//! The delivery receipt end to end: as text (exactly the paper's columns at 32, 42 and 48, whatever the names
//! and amounts), as ESC/POS bytes decoded back (PC858 accents, `ñ` and `€`, the QR code of the code, COPIA, the
//! cut), and through real printers: a file, a TCP listener on 127.0.0.1, and printers that are off.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

mod bytes;
mod decoder;
mod fixtures;
mod printers;
mod text;
