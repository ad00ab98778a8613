//! What the tests and benches share, compiled only with the `test-support` feature (which the crate's own tests
//! and benches turn on through their dev-dependency on the crate): the real event loop driven headless
//! ([`Driver`]: events in, the loop's own turns, a clock the test moves, `TestBackend` as the screen), the
//! counter's screens on top of it ([`Screen`]), a clock the test moves ([`ManualClock`]) and a rewriting proxy
//! in front of the sandbox ([`Proxy`]).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

pub mod clock;
pub mod driver;
pub mod proxy;
pub mod screen;

pub use clock::ManualClock;
pub use driver::{Driver, Setup, client, unique};
pub use proxy::Proxy;
pub use screen::{Drawn, Screen};
