//! The Osigu client against servers that misbehave on purpose: small axum or raw-TCP servers on 127.0.0.1:0
//! that count every request and record the headers that matter (`Authorization`, `Idempotency-Key`), so each
//! test asserts what a clerk would notice (the error, how long it took, how often the server was asked).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

mod support;

mod bad_servers;
mod construction;
mod paper;
mod retries;
mod tokens;
mod variants;
