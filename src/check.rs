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
//!
//! The output is English: it is meant for IT, not for the counter's clerks.

use std::io::Write;

use tokio::task::JoinSet;

use crate::config::Config;
use crate::osigu::client::{OsiguClient, TokenInfo};
use crate::osigu::endpoint::{Environment, Secret};
use crate::osigu::error::ClientError;
use crate::osigu::model::scopes::{ARC_READ, ARC_WRITE, DISPENSING_READ, DISPENSING_WRITE};
use crate::osigu::model::{
    BiometricCapture, DispensingRules, ErrorCode, ErrorEnvelope, ProductType, SettlementMode, Sponsor,
    SponsorConfiguration, SponsorVerification, wire_name,
};
use crate::runtime::{ConnectError, connect};

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

/// The largest difference between this machine's clock and the server's that the check accepts. OTPs live
/// 5 minutes and webhook signatures are refused beyond 300 s, so a larger gap breaks the counter.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// The scopes a counter needs to dispense: sponsors and OTPs (`arc:*`), dispensations (`dispensing:*`).
const COUNTER_SCOPES: [&str; 4] = [ARC_READ, ARC_WRITE, DISPENSING_READ, DISPENSING_WRITE];

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

/// Checks the connection `config` describes and writes the report to `out`, without colours.
pub async fn run(config: &Config, out: &mut impl Write) -> Result<(), CheckFailure> {
    run_with(config, out, Options::default()).await
}

/// [`run`] with explicit [`Options`].
pub async fn run_with(config: &Config, out: &mut impl Write, options: Options) -> Result<(), CheckFailure> {
    let secret = config.endpoint().client_secret.expose().to_owned();
    let result = connect_and_check(config, out, Paint(options.colour)).await;
    result.map_err(|failure| CheckFailure { message: redact(&failure.message, &secret), ..failure })
}

async fn connect_and_check(config: &Config, out: &mut impl Write, paint: Paint) -> Result<(), CheckFailure> {
    let mut connection = connect(config).await.map_err(connect_failure)?;
    let who = Who {
        host: connection.client.host(),
        client_id: config.endpoint().client_id.clone(),
        secret: config.endpoint().client_secret.clone(),
        embedded: connection.sandbox.is_some(),
    };
    let result = check(&connection.client, &who, connection.environment, out, paint).await;
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
    out: &mut impl Write,
    paint: Paint,
) -> Result<(), CheckFailure> {
    writeln!(out, "{}", paint.bold("Osigu connection"))?;
    field(out, "environment", &environment_text(environment, who.embedded))?;
    field(out, "base URL", client.base_url().as_str().trim_end_matches('/'))?;
    field(out, "client id", &printable(&who.client_id))?;
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
    let failed = sponsors.iter().zip(&results).filter_map(|(sponsor, result)| Some((sponsor, result.as_ref().err()?)));
    match clock.or_else(|| sponsor_failure(failed)) {
        Some(failure) => Err(failure),
        None => write_ok(out, who, sponsors.len(), paint),
    }
}

/// The closing line of a check that passed.
fn write_ok(out: &mut impl Write, who: &Who, sponsors: usize, paint: Paint) -> Result<(), CheckFailure> {
    let place = if who.embedded { "the embedded sandbox".to_owned() } else { who.host.clone() };
    let sponsors = if sponsors == 1 { "1 sponsor".to_owned() } else { format!("{sponsors} sponsors") };
    let summary =
        format!("OK: client {} reached {place} and read the configuration of {sponsors}.", printable(&who.client_id));
    writeln!(out, "\n{}", paint.green(&summary))?;
    Ok(())
}

/// Every sponsor's MEDICATION configuration, fetched concurrently (so a server that stopped answering costs
/// one timeout, not one per sponsor), in the order of `sponsors`.
async fn configurations(client: &OsiguClient, sponsors: &[Sponsor]) -> Vec<Result<SponsorConfiguration, ClientError>> {
    let mut tasks = JoinSet::new();
    for (index, sponsor) in sponsors.iter().enumerate() {
        let client = client.clone();
        let slug = sponsor.sponsor_slug.clone();
        tasks.spawn(async move { (index, client.sponsor_configuration(&slug, ProductType::Medication).await) });
    }
    let mut results: Vec<Option<Result<SponsorConfiguration, ClientError>>> = sponsors.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    // A task that panicked left its slot empty.
    let lost = || Err(ClientError::Invalid { detail: "the request was lost (internal error)".to_owned() });
    results.into_iter().map(|result| result.unwrap_or_else(lost)).collect()
}

/// `  label        value`.
fn field(out: &mut impl Write, label: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "  {label:<11}  {value}")
}

fn environment_text(environment: Environment, embedded: bool) -> String {
    let what = match environment {
        Environment::Sandbox if embedded => "the embedded sandbox, started by this check",
        Environment::Sandbox => "the sandbox",
        Environment::OsiguSandbox => "Osigu's public sandbox",
        Environment::OsiguProduction => "Osigu's production API",
        Environment::Custom => "a server at a configured base_url",
    };
    format!("{environment} ({what})")
}

fn write_token(out: &mut impl Write, token: &TokenInfo) -> std::io::Result<()> {
    let unstated = "(not stated by the server)";
    field(out, "provider", &token.provider_slug.as_deref().map_or(unstated.to_owned(), printable))?;
    let scopes = if token.scopes.is_empty() { unstated.to_owned() } else { printable(&token.scopes.join(" ")) };
    field(out, "scopes", &scopes)?;
    if let Some(note) = scope_note(&token.scopes) {
        field(out, "note", &note)?;
    }
    field(out, "clock", &clock_text(token.clock_skew_secs))
}

/// A warning when the server stated the scopes and a counter's are missing; reading sponsors still works, so
/// it does not fail the check.
pub fn scope_note(scopes: &[String]) -> Option<String> {
    if scopes.is_empty() {
        return None;
    }
    let missing: Vec<&str> = COUNTER_SCOPES.into_iter().filter(|scope| !scopes.iter().any(|s| s == scope)).collect();
    (!missing.is_empty()).then(|| format!("this client cannot dispense: it lacks {}", missing.join(", ")))
}

/// How far this machine's clock is from the server's; `skew` is server minus local, in seconds.
pub fn clock_text(skew: Option<i64>) -> String {
    match skew {
        None => "not checked (the server sent no Date header)".to_owned(),
        // The Date header has whole seconds and the reply takes time to arrive.
        Some(skew) if skew.abs() <= 2 => "in step with the server's".to_owned(),
        Some(skew) if skew.abs() <= MAX_CLOCK_SKEW_SECS => {
            format!("{} (within the {MAX_CLOCK_SKEW_SECS} s allowed)", clock_offset(skew))
        }
        Some(skew) => format!("{}: TOO FAR (more than {MAX_CLOCK_SKEW_SECS} s)", clock_offset(skew)),
    }
}

/// "N s behind/ahead of the server's".
fn clock_offset(skew: i64) -> String {
    // The server's clock ahead of ours means ours is behind.
    let side = if skew > 0 { "behind" } else { "ahead of" };
    format!("{} s {side} the server's", skew.unsigned_abs())
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

fn write_sponsors(
    out: &mut impl Write,
    sponsors: &[Sponsor],
    results: &[Result<SponsorConfiguration, CheckFailure>],
    paint: Paint,
) -> std::io::Result<()> {
    writeln!(out, "\n{}", paint.bold(&format!("Sponsors ({})", sponsors.len())))?;
    if sponsors.is_empty() {
        writeln!(out, "  (none: this provider works with no sponsor; only cash prescriptions can be dispensed)")?;
    }
    let rows: Vec<Vec<String>> =
        sponsors.iter().zip(results).map(|(sponsor, result)| sponsor_cells(sponsor, result.as_ref())).collect();
    for (line, result) in table(&rows).into_iter().zip(results) {
        // Only the last cell is coloured, so the alignment computed on plain text holds.
        let line = match result {
            Err(failure) => line.replace(&failed_text(failure), &paint.red(&failed_text(failure))),
            Ok(_) => line,
        };
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

/// The cells of one sponsor's line: slug, name, country/currency, verification, notes (or the failure).
pub fn sponsor_cells(sponsor: &Sponsor, configuration: Result<&SponsorConfiguration, &CheckFailure>) -> Vec<String> {
    let place = match &sponsor.currency_code {
        Some(currency) => format!("{}/{currency}", sponsor.country_code),
        None => sponsor.country_code.clone(),
    };
    let mut cells = vec![printable(&sponsor.sponsor_slug), printable(&sponsor.name), printable(&place)];
    match configuration {
        Ok(configuration) => {
            cells.push(verification_text(&configuration.dispensing));
            cells.push(sponsor_notes(configuration).join(", "));
        }
        Err(failure) => cells.push(failed_text(failure)),
    }
    cells
}

fn failed_text(failure: &CheckFailure) -> String {
    format!("FAILED: {}", printable(&failure.message))
}

/// The verification a sponsor demands, e.g. `OTP (SMS, EMAIL)` or `BIOMETRIC FACIAL on the beneficiary's phone`.
pub fn verification_text(rules: &DispensingRules) -> String {
    match rules.verification {
        SponsorVerification::None => "NONE (no verification)".to_owned(),
        SponsorVerification::Otp if rules.otp_channels.is_empty() => "OTP".to_owned(),
        SponsorVerification::Otp => {
            let channels: Vec<String> = rules.otp_channels.iter().map(wire_name).collect();
            format!("OTP ({})", channels.join(", "))
        }
        SponsorVerification::Biometric => {
            let mut text = "BIOMETRIC".to_owned();
            let modes: Vec<String> = rules.biometric_modes.iter().map(wire_name).collect();
            if !modes.is_empty() {
                text = format!("{text} {}", modes.join("/"));
            }
            match rules.biometric_capture {
                Some(BiometricCapture::Device) => text.push_str(" at the counter"),
                Some(BiometricCapture::Remote) => text.push_str(" on the beneficiary's phone"),
                None => {}
            }
            text
        }
    }
}

/// What else the counter will do for this sponsor: identify the beneficiary first, offer substitutions,
/// settle claims in batches.
pub fn sponsor_notes(configuration: &SponsorConfiguration) -> Vec<&'static str> {
    let rules = &configuration.dispensing;
    let mut notes = Vec::new();
    if rules.beneficiary_identification.required {
        notes.push("identification required");
    }
    if rules.substitution.allowed {
        notes.push("substitution allowed");
    }
    if configuration.settlement.mode == SettlementMode::Batch {
        notes.push("BATCH settlement");
    }
    notes
}

/// Rows padded into columns two spaces apart (by display width), without trailing spaces.
pub fn table(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| rows.iter().filter_map(|row| row.get(column)).map(|cell| display_width(cell)).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (cell, width) in row.iter().zip(&widths) {
                line.push_str(cell);
                line.push_str(&" ".repeat(width - display_width(cell) + 2));
            }
            line.trim_end().to_owned()
        })
        .collect()
}

/// The one-line failure for the first sponsor whose configuration could not be read.
fn sponsor_failure<'a>(mut failed: impl Iterator<Item = (&'a Sponsor, &'a CheckFailure)>) -> Option<CheckFailure> {
    let (sponsor, first) = failed.next()?;
    let more = match failed.count() {
        0 => String::new(),
        n => format!(" (and {n} more, listed above)"),
    };
    let slug = printable(&sponsor.sponsor_slug);
    Some(CheckFailure::new(
        first.exit_code,
        format!("the configuration of sponsor {slug} could not be read{more}: {}", first.message),
    ))
}

fn connect_failure(error: ConnectError) -> CheckFailure {
    CheckFailure::new(EXIT_OTHER, error.to_string())
}

/// The one-line cause of a failed call, and its exit code; the secret is masked should the server have
/// echoed it.
fn failure(error: &ClientError, who: &Who) -> CheckFailure {
    let failure = cause(error, who);
    CheckFailure { message: redact(&failure.message, who.secret.expose()), ..failure }
}

fn cause(error: &ClientError, who: &Who) -> CheckFailure {
    let host = &who.host;
    let client_id = printable(&who.client_id);
    let network = "check base_url/environment, the network, proxy or firewall";
    match error {
        ClientError::Credentials { status, error } => CheckFailure::new(
            EXIT_CREDENTIALS,
            format!(
                "the server at {host} refused client_id {client_id} (HTTP {status} {}): check client_id and \
                 client_secret (or MOSTRADOR_CLIENT_SECRET, which overrides it)",
                printable(error)
            ),
        ),
        ClientError::Connect { host, detail } => {
            CheckFailure::new(EXIT_UNREACHABLE, format!("cannot reach {host}: {network} ({})", printable(detail)))
        }
        ClientError::Tls { host, detail } => CheckFailure::new(
            EXIT_TLS,
            format!(
                "secure connection to {host} failed: check this machine's date and time, and any proxy \
                 intercepting HTTPS ({})",
                printable(detail)
            ),
        ),
        ClientError::Timeout { after } => CheckFailure::new(
            EXIT_UNREACHABLE,
            format!("{host} did not answer within {} s: {network}", after.as_secs()),
        ),
        ClientError::Broken { detail } => CheckFailure::new(
            EXIT_UNREACHABLE,
            format!("the connection to {host} broke before the reply arrived ({}): {network}", printable(detail)),
        ),
        ClientError::Api { status, code, envelope, retry_after } => {
            api_failure(who, *status, code.as_ref(), envelope.as_deref(), retry_after.map(|wait| wait.as_secs()))
        }
        ClientError::TokenRateLimited { retry_after } => CheckFailure::new(
            EXIT_OTHER,
            format!(
                "too many token requests for client_id {client_id}: wait {} s and run the check again",
                retry_after.as_secs().max(1)
            ),
        ),
        ClientError::Undecodable { status, detail } => CheckFailure::new(
            EXIT_OTHER,
            format!(
                "{host} answered HTTP {status} with something that is not an Osigu reply ({}): check \
                 base_url/environment",
                printable(detail)
            ),
        ),
        ClientError::TooLarge { limit } => CheckFailure::new(
            EXIT_OTHER,
            format!("{host} sent a reply larger than {limit} bytes: check base_url/environment"),
        ),
        ClientError::Invalid { detail } => {
            CheckFailure::new(EXIT_OTHER, format!("the request to {host} could not be made: {}", printable(detail)))
        }
    }
}

/// The cause of an HTTP refusal.
fn api_failure(
    who: &Who,
    status: u16,
    code: Option<&ErrorCode>,
    envelope: Option<&ErrorEnvelope>,
    retry_after: Option<u64>,
) -> CheckFailure {
    let host = &who.host;
    let client_id = printable(&who.client_id);
    let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|status| status.canonical_reason());
    let answered =
        format!("{host} answered HTTP {status}{}", reason.map(|reason| format!(" {reason}")).unwrap_or_default());
    match (status, code) {
        (403, Some(ErrorCode::InsufficientScope)) => {
            let scope = envelope.and_then(|envelope| envelope.detail("required_scope")?.as_str().map(printable));
            let scope = scope.unwrap_or_else(|| "(not named by the server)".to_owned());
            CheckFailure::new(
                EXIT_SCOPE,
                format!("the client {client_id} lacks scope {scope}: ask Osigu to grant it to this client"),
            )
        }
        (401, _) => CheckFailure::new(
            EXIT_CREDENTIALS,
            format!("{answered}: it refused the token it issued to client_id {client_id}; check base_url/environment"),
        ),
        (429, _) => CheckFailure::new(
            EXIT_OTHER,
            format!("{answered}: too many requests; wait {} s and run the check again", retry_after.unwrap_or(60)),
        ),
        (500.., None) => CheckFailure::new(
            EXIT_OTHER,
            format!(
                "{answered} with a page that is not Osigu's: the server, or a proxy in front of it, is failing; \
                 try again later, or check base_url/environment and the proxy"
            ),
        ),
        (500.., Some(code)) => {
            CheckFailure::new(EXIT_OTHER, format!("{answered} ({code}): the server is failing; try again later"))
        }
        (_, None) => CheckFailure::new(
            EXIT_OTHER,
            format!("{answered} with a page that is not Osigu's: check base_url/environment"),
        ),
        (_, Some(code)) => {
            let said = envelope.and_then(|envelope| envelope.message.as_deref()).map(clip).unwrap_or_default();
            let said = if said.is_empty() { String::new() } else { format!(": {said}") };
            CheckFailure::new(EXIT_OTHER, format!("{answered} ({code}){said}"))
        }
    }
}

/// Server-sent text made safe for one terminal line, cut to a readable length.
fn clip(text: &str) -> String {
    let text = printable(text);
    match text.char_indices().nth(160) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// `text` with control characters (line breaks, escape sequences from a hostile server) replaced by spaces.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `message` with every occurrence of the secret masked, in case a server echoed it back.
fn redact(message: &str, secret: &str) -> String {
    if secret.is_empty() { message.to_owned() } else { message.replace(secret, "***") }
}

/// Terminal columns `text` takes: combining marks and zero-width characters take none, East Asian wide
/// characters and emoji two. Enough for sponsor names; the crate has no Unicode width table of its own yet.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0x0300..=0x036F
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x200B..=0x200F
            | 0x20D0..=0x20FF
            | 0xFE00..=0xFE0F
            | 0xFE20..=0xFE2F => 0,
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// ANSI styling, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }

    fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osigu::model::{
        BiometricType, EvaluationMode, IdentificationRules, InvoiceRules, OtpChannel, SettlementRules,
        SubstitutionRules,
    };

    fn sponsor(slug: &str, name: &str, country: &str, currency: &str) -> Sponsor {
        Sponsor {
            sponsor_slug: slug.into(),
            name: name.into(),
            country_code: country.into(),
            currency_code: Some(currency.into()),
        }
    }

    fn configuration(verification: SponsorVerification) -> SponsorConfiguration {
        SponsorConfiguration {
            sponsor_slug: "x".into(),
            product_type: ProductType::Medication,
            evaluation_mode: EvaluationMode::Sync,
            dispensing: DispensingRules {
                verification,
                otp_channels: Vec::new(),
                biometric_modes: Vec::new(),
                biometric_capture: None,
                beneficiary_identification: IdentificationRules { required: false, form_slug: None },
                invoice: InvoiceRules { document_number_required: true, document_serial_required: false },
                substitution: SubstitutionRules { allowed: false, reasons: Vec::new() },
                max_attempts: 3,
            },
            settlement: SettlementRules { mode: SettlementMode::PerTransaction },
        }
    }

    /// The line of one sponsor printed alone.
    fn line(sponsor: &Sponsor, configuration: &SponsorConfiguration) -> String {
        table(&[sponsor_cells(sponsor, Ok(configuration))]).remove(0)
    }

    #[test]
    fn a_sponsor_without_verification() {
        let mut config = configuration(SponsorVerification::None);
        config.dispensing.substitution.allowed = true;
        assert_eq!(
            line(&sponsor("sponsor-sandbox", "Sponsor Sandbox", "GT", "GTQ"), &config),
            "sponsor-sandbox  Sponsor Sandbox  GT/GTQ  NONE (no verification)  substitution allowed"
        );
    }

    #[test]
    fn an_otp_sponsor_names_its_channels() {
        let mut config = configuration(SponsorVerification::Otp);
        config.dispensing.otp_channels = vec![OtpChannel::Sms, OtpChannel::Email];
        assert_eq!(
            line(&sponsor("aseguradora-otp", "Aseguradora OTP", "GT", "GTQ"), &config),
            "aseguradora-otp  Aseguradora OTP  GT/GTQ  OTP (SMS, EMAIL)"
        );
    }

    #[test]
    fn a_fingerprint_sponsor_captures_at_the_counter() {
        let mut config = configuration(SponsorVerification::Biometric);
        config.dispensing.biometric_modes = vec![BiometricType::Fingerprint];
        config.dispensing.biometric_capture = Some(BiometricCapture::Device);
        assert_eq!(
            line(&sponsor("seguro-huella", "Seguro Huella EPS", "CO", "COP"), &config),
            "seguro-huella  Seguro Huella EPS  CO/COP  BIOMETRIC FINGERPRINT at the counter"
        );
    }

    #[test]
    fn a_facial_sponsor_captures_on_the_phone() {
        let mut config = configuration(SponsorVerification::Biometric);
        config.dispensing.biometric_modes = vec![BiometricType::Facial];
        config.dispensing.biometric_capture = Some(BiometricCapture::Remote);
        assert_eq!(
            line(&sponsor("salud-facial", "Salud Facial Seguros", "ES", "EUR"), &config),
            "salud-facial  Salud Facial Seguros  ES/EUR  BIOMETRIC FACIAL on the beneficiary's phone"
        );
    }

    #[test]
    fn identification_substitution_and_batch_settlement_are_noted() {
        let mut config = configuration(SponsorVerification::Otp);
        config.dispensing.otp_channels = vec![OtpChannel::Sms];
        config.dispensing.beneficiary_identification.required = true;
        config.dispensing.substitution.allowed = true;
        config.settlement.mode = SettlementMode::Batch;
        assert_eq!(
            line(&sponsor("ars-sandbox-do", "ARS Sandbox RD", "DO", "DOP"), &config),
            "ars-sandbox-do  ARS Sandbox RD  DO/DOP  OTP (SMS)  identification required, substitution allowed, \
             BATCH settlement"
        );
    }

    #[test]
    fn a_failed_sponsor_shows_its_cause() {
        let failure = CheckFailure::new(EXIT_OTHER, "x answered HTTP 502");
        let cells = sponsor_cells(&sponsor("s", "S", "GT", "GTQ"), Err(&failure));
        assert_eq!(table(&[cells]), ["s  S  GT/GTQ  FAILED: x answered HTTP 502"]);
    }

    #[test]
    fn columns_align_by_display_width() {
        let rows = vec![
            vec!["a".to_owned(), "Señor Seguro".to_owned(), "x".to_owned()],
            vec!["bb".to_owned(), "Sen\u{303}or".to_owned(), "y".to_owned()],
            vec!["c".to_owned(), "保険".to_owned(), "z".to_owned()],
        ];
        assert_eq!(table(&rows), ["a   Señor Seguro  x", "bb  Sen\u{303}or         y", "c   保険          z"]);
    }

    #[test]
    fn server_text_cannot_break_the_line() {
        let cells = sponsor_cells(&sponsor("s", "Evil\x1b[2J\nName", "GT", "GTQ"), Err(&CheckFailure::new(1, "a\nb")));
        let line = table(&[cells]).remove(0);
        assert!(!line.contains('\n') && !line.contains('\x1b'), "{line:?}");
    }

    fn who() -> Who {
        Who {
            host: "api.example.com".into(),
            client_id: "counter-7".into(),
            secret: Secret::new("s3cret"),
            embedded: false,
        }
    }

    #[test]
    fn causes_name_what_to_check() {
        let credentials = failure(&ClientError::Credentials { status: 401, error: "invalid_client".into() }, &who());
        assert_eq!(credentials.exit_code, EXIT_CREDENTIALS);
        assert!(credentials.message.contains("client_id counter-7") && credentials.message.contains("client_secret"));
        let connect = ClientError::Connect { host: "127.0.0.1:1".into(), detail: "Connection refused".into() };
        let connect = failure(&connect, &who());
        assert_eq!(connect.exit_code, EXIT_UNREACHABLE);
        assert!(connect.message.starts_with("cannot reach 127.0.0.1:1: check base_url"), "{}", connect.message);
        let tls = failure(&ClientError::Tls { host: "h".into(), detail: "UnknownIssuer".into() }, &who());
        assert_eq!(tls.exit_code, EXIT_TLS);
        assert!(tls.message.contains("date and time") && tls.message.contains("UnknownIssuer"));
        let timeout = failure(&ClientError::Timeout { after: std::time::Duration::from_secs(15) }, &who());
        assert_eq!(
            timeout.message,
            "api.example.com did not answer within 15 s: check base_url/environment, the network, proxy or firewall"
        );
    }

    #[test]
    fn refusals_by_status() {
        let envelope = ErrorEnvelope {
            code: Some("INSUFFICIENT_SCOPE".into()),
            details: Some(serde_json::json!({"required_scope": "arc:read"})),
            ..ErrorEnvelope::default()
        };
        let scope = ClientError::Api {
            status: 403,
            code: Some(ErrorCode::InsufficientScope),
            envelope: Some(Box::new(envelope)),
            retry_after: None,
        };
        let scope = failure(&scope, &who());
        assert_eq!((scope.exit_code, scope.message.contains("lacks scope arc:read")), (EXIT_SCOPE, true));
        let html = ClientError::Api { status: 502, code: None, envelope: None, retry_after: None };
        let html = failure(&html, &who());
        assert_eq!(html.exit_code, EXIT_OTHER);
        assert!(
            html.message.starts_with("api.example.com answered HTTP 502 Bad Gateway with a page"),
            "{}",
            html.message
        );
    }

    #[test]
    fn the_clock_fails_beyond_300_seconds() {
        assert_eq!(clock_failure(300), None);
        assert_eq!(clock_failure(-299), None);
        let behind = clock_failure(3600).unwrap();
        assert_eq!(behind.exit_code, EXIT_CLOCK);
        assert!(behind.message.starts_with("this machine's clock is 3600 s behind the server's: fix the date"));
        assert!(clock_failure(-301).unwrap().message.contains("301 s ahead of the server's"));
        assert_eq!(clock_text(Some(1)), "in step with the server's");
        assert!(clock_text(Some(-400)).contains("TOO FAR"));
    }

    #[test]
    fn a_sponsor_failure_names_the_sponsor() {
        let a = sponsor("ars-sandbox-do", "ARS", "DO", "DOP");
        let b = sponsor("other", "Other", "GT", "GTQ");
        let cause = CheckFailure::new(EXIT_UNREACHABLE, "h did not answer within 15 s");
        let failure = sponsor_failure([(&a, &cause), (&b, &cause)].into_iter()).unwrap();
        assert_eq!(failure.exit_code, EXIT_UNREACHABLE);
        assert_eq!(
            failure.message,
            "the configuration of sponsor ars-sandbox-do could not be read (and 1 more, listed above): h did not \
             answer within 15 s"
        );
    }

    #[test]
    fn missing_counter_scopes_are_noted_and_secrets_masked() {
        let read_only: Vec<String> = ["arc:read", "dispensing:read", "ehr:read"].map(String::from).to_vec();
        assert_eq!(
            scope_note(&read_only).as_deref(),
            Some("this client cannot dispense: it lacks arc:write, dispensing:write")
        );
        assert_eq!(scope_note(&[]), None);
        assert_eq!(redact("server said s3cret!", "s3cret"), "server said ***!");
    }
}
