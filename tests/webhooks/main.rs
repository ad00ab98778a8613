//! The webhook receiver (`mostrador webhooks serve`) against the sandbox's real sender over real HTTP: each
//! receiver on 127.0.0.1 with a data directory of its own and the real journal, the sandbox subscribed to it and
//! its clock moved instead of waited for. Also TLS with a test certificate, the limits, and the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

// The sandbox tests' harness (a sandbox per test, a client, the dispensing helpers), shared as it is.
#[allow(dead_code)]
#[path = "../sandbox/support.rs"]
mod support;

mod harness;

mod delivery;
mod effects;
mod process;
mod transport;
