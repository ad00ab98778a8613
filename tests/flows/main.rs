//! The counter's whole flow, headless: the core driven by the clerk's keys, its effects run against the
//! embedded sandbox over real HTTP, and every outcome checked against the server's own state.

#[path = "../common/driver.rs"]
mod driver;
mod support;

mod completions;
mod journal;
mod leaving;
mod overlays;
mod recovery;
mod refusals;
mod substitution;
mod verification;
