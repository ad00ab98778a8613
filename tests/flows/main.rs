//! The counter's whole flow, headless: the core driven by the clerk's keys, its effects run against the
//! embedded sandbox over real HTTP, and every outcome checked against the server's own state.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use mostrador::test_support::{driver, proxy};

mod support;

mod amounts;
mod clerks;
mod completions;
mod edges;
mod history;
mod hostile;
mod journal;
mod journal_failures;
mod keys;
mod leaving;
mod lost_starts;
mod overlays;
mod packs;
mod paper;
mod printing;
mod quitting;
mod recovery;
mod refusals;
mod settlements;
mod substitution;
mod tills;
mod verification;
mod voided;
