//! The embedded sandbox, tested as a client sees it: over real HTTP with reqwest, against a server bound to
//! 127.0.0.1:0, with a frozen clock the tests move forward instead of sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

mod receiver;
mod support;

mod auth;
mod concurrency;
mod coverage;
mod eprescription;
mod errors;
mod faults;
mod hostile;
mod idempotency;
mod listing;
mod openapi;
mod otp;
mod posos;
mod preauthorization;
mod robustness;
mod scenarios;
mod settlements;
mod verification;
mod webhooks;
