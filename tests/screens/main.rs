//! Every screen of the counter, drawn by the real `ui::render` from the real core driven against the embedded
//! sandbox over HTTP, and kept as insta snapshots named after the step they show (`otp_02_wrong_code_es`).
//! Volatile values are injected (a frozen clock, seeded ids, a fresh invoice counter), never filtered.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use mostrador::test_support::driver;

mod support;

mod amounts;
mod counter;
mod determinism;
mod door;
mod edges;
mod flow;
mod history;
mod hostile;
mod identify;
mod packs;
mod paper;
mod receipts;
mod refusals;
mod review;
mod settlements;
mod verification;
mod waiting;
