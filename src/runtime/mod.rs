//! The runtime side of the counter: what connects the pure core to the world. It sets up the connection
//! ([`connect`]), runs the core's effects ([`Executor`]) with the HTTP client, the fingerprint reader and the
//! invoice counter, and feeds results back as messages; [`run_counter`] is the terminal's event loop around it.

mod capture;
mod connect;
mod event_loop;
mod executor;
mod health;
mod input;
mod recovery;
mod test_hooks;
pub mod till;

pub use capture::Capture;
pub use connect::{ConnectError, Connection, connect};
pub use event_loop::{RunError, run_counter, terminal_name};
pub use executor::{Control, Executor, read_history};
pub use health::HealthLog;
pub use input::key_msg;
pub use recovery::recover;
