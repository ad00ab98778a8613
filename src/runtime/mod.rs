//! The runtime side of the counter: what connects the pure core to the world. It sets up the connection
//! ([`connect`]), runs the core's effects ([`Executor`]) with the HTTP client, the fingerprint reader and the
//! invoice counter, and feeds results back as messages; [`Counter`] is the event loop around it, generic over
//! the screen, the input and the clock, and [`run_counter`] runs it on the terminal.

mod capture;
mod clock;
mod connect;
mod event_loop;
mod executor;
mod health;
mod input;
mod recovery;
mod test_hooks;
pub mod till;
mod wire;

pub use capture::Capture;
pub use clock::{Clock, SystemClock};
pub use connect::{ConnectError, Connection, connect};
pub use event_loop::{Counter, EffectLog, Handled, RunError, Signal, Wiring, run_counter, terminal_name};
pub use executor::{Control, Executor, read_history};
pub use health::HealthLog;
pub use input::{Input, Scanner, key_msg};
pub use recovery::recover;
pub use wire::{Surface, Wire};
