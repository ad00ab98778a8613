//! The counter's whole flow, headless: the core driven by the clerk's keys, its effects run against the
//! embedded sandbox over real HTTP, and every outcome checked against the server's own state.

#[path = "../common/driver.rs"]
mod driver;
#[path = "../common/rewriting_proxy.rs"]
mod rewriting_proxy;
mod support;

mod completions;
mod hostile;
mod journal;
mod leaving;
mod overlays;
mod recovery;
mod refusals;
mod substitution;
mod verification;
