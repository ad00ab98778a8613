//! Property tests: nothing a server replies, nothing a clerk presses, and no terminal size makes the counter
//! panic or draw outside its frame. Generated inputs (shared in [`generators`]) go through the public entry
//! points only: every reply decoder, `counter::update`, and `ui::render` into ratatui's `TestBackend`.
//!
//! Bounded for CI: each property runs a fixed number of cases from a fixed seed (see [`config`]), so every run
//! tries the same inputs: 9,500 cases, all together in about two seconds of a debug build. For a longer hunt, set
//! `PROPTEST_CASES` (e.g. 5000) and `PROPTEST_RNG_SEED` (any number, a new one each time). A failure prints its
//! smallest input; nothing is written to disk (no regression files), and a passing run prints nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

mod generators;

mod core;
mod decoders;
mod screens;

/// The seed every run starts from unless `PROPTEST_RNG_SEED` names another.
const SEED: u64 = 20_261_121;

/// `cases` cases (unless `PROPTEST_CASES` says otherwise) from [`SEED`], no regression files.
pub fn config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let defaults = Config::default();
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    let rng_seed =
        if std::env::var_os("PROPTEST_RNG_SEED").is_some() { defaults.rng_seed } else { RngSeed::Fixed(SEED) };
    Config { cases, rng_seed, failure_persistence: None, max_shrink_iters: 2_000, ..defaults }
}
