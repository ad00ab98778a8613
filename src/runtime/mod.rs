//! The runtime side of the counter: what connects the pure core to the world. It sets up the connection
//! ([`connect`]), runs the core's effects ([`Executor`]) with the HTTP client, the fingerprint reader and the
//! invoice counter, and feeds results back as messages. The terminal's event loop joins it in the next step.

mod capture;
mod connect;
mod executor;
mod invoices;

pub use capture::Capture;
pub use connect::{ConnectError, Connection, connect};
pub use executor::{Control, Executor};
pub use invoices::InvoiceBook;
