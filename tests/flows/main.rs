//! The counter's whole flow, headless: the core driven by the clerk's keys, its effects run against the
//! embedded sandbox over real HTTP, and every outcome checked against the server's own state.

use mostrador::test_support::{driver, proxy};

mod support;

mod completions;
mod edges;
mod hostile;
mod journal;
mod journal_failures;
mod leaving;
mod lost_starts;
mod overlays;
mod quitting;
mod recovery;
mod refusals;
mod substitution;
mod tills;
mod verification;
