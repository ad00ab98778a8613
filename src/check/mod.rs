//! `mostrador check`: the first command pharmacy IT runs on a new terminal. It connects to the configured Osigu
//! (or starts the embedded sandbox when nothing is configured), gets a token, lists the provider's sponsors and
//! reads each sponsor's configuration, and prints what it found: environment, base URL, client id (never the
//! secret), provider, scopes, clock, then one aligned line per sponsor with its country/currency and the
//! verification its dispensations need.
//!
//! When something does not work, [`run`] returns a [`CheckFailure`]: one line saying what to fix, and the exit
//! code of its kind. The first problem found decides both; a sponsor whose configuration cannot be read does
//! not stop the others from being listed.
//!
//! | Exit | Meaning |
//! |---|---|
//! | 0 | everything worked |
//! | 1 | anything else: the server failed (5xx, a proxy's page), an unexpected reply, rate limiting |
//! | 2 | the configuration file cannot be used (reported by `main` before the check starts) |
//! | [`EXIT_CREDENTIALS`] 3 | the server refused the client's credentials (or a token it had just issued) |
//! | [`EXIT_UNREACHABLE`] 4 | the server cannot be reached, or stopped answering (refused, DNS, timeout) |
//! | [`EXIT_TLS`] 5 | the secure connection failed (certificate, clock, intercepting proxy) |
//! | [`EXIT_CLOCK`] 6 | this machine's clock is more than [`MAX_CLOCK_SKEW_SECS`] s off the server's |
//! | [`EXIT_SCOPE`] 7 | the client lacks a scope the check needs (`arc:read`) |
//! | [`EXIT_JOURNAL`] 8 | the journal cannot be written or is damaged (the counter would not dispense) |
//!
//! The output is English: it is meant for IT, not for the counter's clerks.
//!
//! This module owns the exit codes, [`CheckFailure`], [`Options`] and the flow of the check (connect, token,
//! sponsors, configurations, verdict, and the warnings that do not fail it: a sponsor that needs a fingerprint at
//! the counter on a terminal with no reader); `report` writes what is found, `causes` turns a client's errors into
//! the one line and exit code of a [`CheckFailure`].

use std::io::Write;

use crate::config::Config;
use crate::counter::fingerprint_at_counter;
use crate::inert;
use crate::osigu::client::OsiguClient;
use crate::osigu::endpoint::{Environment, Secret};
use crate::osigu::error::ClientError;
use crate::osigu::model::{ProductType, Sponsor, SponsorConfiguration, SponsorVerification};
use crate::runtime::{Capture, connect};

mod causes;
mod journal;
mod report;
#[cfg(test)]
mod tests;

use causes::{connect_failure, failure, sponsor_failure};
use report::{
    Paint, clock_offset, environment_text, field, reader_warning, redact, write_ok, write_sponsors, write_token,
};
#[cfg(test)]
use report::{clock_text, scope_note, sponsor_cells, table};

/// Anything not covered by a more specific code.
pub const EXIT_OTHER: u8 = 1;
/// The configuration file cannot be used (`main` reports it before [`run`] is called).
pub const EXIT_CONFIG: u8 = 2;
/// The server refused the credentials.
pub const EXIT_CREDENTIALS: u8 = 3;
/// The server cannot be reached or did not answer.
pub const EXIT_UNREACHABLE: u8 = 4;
/// The TLS handshake failed.
pub const EXIT_TLS: u8 = 5;
/// This machine's clock is too far off the server's.
pub const EXIT_CLOCK: u8 = 6;
/// The client lacks a scope.
pub const EXIT_SCOPE: u8 = 7;
/// The journal cannot be written, or is damaged: the counter would refuse to dispense.
pub const EXIT_JOURNAL: u8 = 8;

/// The largest difference between this machine's clock and the server's that the check accepts. OTPs live
/// 5 minutes and webhook signatures are refused beyond 300 s, so a larger gap breaks the counter.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Why the check did not pass: one line for stderr and the process's exit code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CheckFailure {
    /// One of the `EXIT_*` codes.
    pub exit_code: u8,
    /// One line naming the cause and what to check; never a secret.
    pub message: String,
}

impl CheckFailure {
    fn new(exit_code: u8, message: impl Into<String>) -> Self {
        Self { exit_code, message: message.into() }
    }
}

impl From<std::io::Error> for CheckFailure {
    fn from(error: std::io::Error) -> Self {
        Self::new(EXIT_OTHER, format!("cannot write the report: {error}"))
    }
}

/// How the report is printed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// ANSI colours (bold headings, a red FAILED, a green OK); only when stdout is a terminal.
    pub colour: bool,
}

/// Checks the connection `config` describes and writes the report to `out`, coloured as `options` say.
pub async fn run(config: &Config, out: &mut impl Write, options: Options) -> Result<(), CheckFailure> {
    let secret = config.endpoint().client_secret.expose().to_owned();
    let result = connect_and_check(config, out, Paint(options.colour)).await;
    // The line goes to a terminal: whatever part of it came from the server (an error code, a message) is
    // made inert there, once, on top of what each cause already cleaned.
    result.map_err(|failure| CheckFailure {
        message: inert::line(&redact(&failure.message, &secret)).into_owned(),
        ..failure
    })
}

async fn connect_and_check(config: &Config, out: &mut impl Write, paint: Paint) -> Result<(), CheckFailure> {
    // Local first: it is reported even when the server cannot be reached.
    let journal = match config.data_dir() {
        Ok(data_dir) => journal::check_journal(&data_dir, out, paint)?,
        Err(error) => Some(CheckFailure::new(EXIT_JOURNAL, format!("the journal has no place: {error}"))),
    };
    let mut connection = connect(config).await.map_err(connect_failure)?;
    let who = Who {
        host: connection.client.host(),
        client_id: config.endpoint().client_id.clone(),
        secret: config.endpoint().client_secret.clone(),
        embedded: connection.sandbox.is_some(),
    };
    let reader = connection.capture != Capture::None;
    let result = check(&connection.client, &who, connection.environment, reader, journal, out, paint).await;
    if let Some(sandbox) = connection.sandbox.take() {
        sandbox.shutdown().await;
    }
    result
}

/// Who is checked, for messages.
struct Who {
    /// `host[:port]` of the base URL.
    host: String,
    client_id: String,
    /// Only to mask it, should a server echo it back.
    secret: Secret,
    /// The embedded sandbox, started by this check.
    embedded: bool,
}

async fn check(
    client: &OsiguClient,
    who: &Who,
    environment: Environment,
    reader: bool,
    journal: Option<CheckFailure>,
    out: &mut impl Write,
    paint: Paint,
) -> Result<(), CheckFailure> {
    writeln!(out, "{}", paint.bold("Osigu connection"))?;
    field(out, "environment", &environment_text(environment, who.embedded))?;
    field(out, "base URL", client.base_url().as_str().trim_end_matches('/'))?;
    field(out, "client id", &inert::line(&who.client_id))?;
    out.flush()?;
    let token = client.token_info().await.map_err(|error| failure(&error, who))?;
    write_token(out, &token)?;
    let clock = token.clock_skew_secs.and_then(clock_failure);
    let sponsors = client.sponsors().await.map_err(|error| failure(&error, who))?;
    let results: Vec<_> = configurations(client, &sponsors)
        .await
        .into_iter()
        .map(|result| result.map_err(|error| failure(&error, who)))
        .collect();
    write_sponsors(out, &sponsors, &results, paint)?;
    // A sponsor whose beneficiaries put a finger on the counter's reader, on a terminal without one: it can work
    // with every other sponsor, so this warns rather than fails.
    let fingerprint = sponsors.iter().zip(&results).filter_map(|(sponsor, result)| {
        let rules = &result.as_ref().ok()?.dispensing;
        let needs = rules.verification == SponsorVerification::Biometric && fingerprint_at_counter(rules);
        needs.then_some(sponsor.sponsor_slug.as_str())
    });
    if let Some(warning) = reader_warning(fingerprint.collect(), reader) {
        writeln!(out, "\n{}", paint.yellow(&warning))?;
    }
    let failed = sponsors.iter().zip(&results).filter_map(|(sponsor, result)| Some((sponsor, result.as_ref().err()?)));
    match clock.or_else(|| sponsor_failure(failed)).or(journal) {
        Some(failure) => Err(failure),
        None => write_ok(out, who, sponsors.len(), paint),
    }
}

/// Every sponsor's MEDICATION configuration, fetched concurrently (so a server that stopped answering costs
/// one timeout, not one per sponsor), in the order of `sponsors`.
async fn configurations(client: &OsiguClient, sponsors: &[Sponsor]) -> Vec<Result<SponsorConfiguration, ClientError>> {
    let fetches =
        sponsors.iter().map(|sponsor| client.sponsor_configuration(&sponsor.sponsor_slug, ProductType::Medication));
    futures_util::future::join_all(fetches).await
}

/// The clock failure, when the gap is larger than [`MAX_CLOCK_SKEW_SECS`].
pub fn clock_failure(skew: i64) -> Option<CheckFailure> {
    (skew.abs() > MAX_CLOCK_SKEW_SECS).then(|| {
        CheckFailure::new(
            EXIT_CLOCK,
            format!(
                "this machine's clock is {}: fix the date and time; OTP and token expiries depend on it",
                clock_offset(skew)
            ),
        )
    })
}
