//! The report `mostrador check` prints: the connection's fields (environment, base URL, client id, provider,
//! scopes, clock), the sponsors' table (cells, verification, notes, or the failure), the closing line, and the
//! helpers that keep server-sent text short ([`clip`]), mask the secret ([`redact`]) and colour the output
//! ([`Paint`]). Server-sent text is made inert with [`crate::inert::line`] before it is printed.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

use super::{CheckFailure, MAX_CLOCK_SKEW_SECS, Who};
use crate::inert;
use crate::osigu::client::TokenInfo;
use crate::osigu::endpoint::Environment;
use crate::osigu::model::scopes::{ARC_READ, ARC_WRITE, DISPENSING_READ, DISPENSING_WRITE};
use crate::osigu::model::{
    BiometricCapture, DispensingRules, SettlementMode, Sponsor, SponsorConfiguration, SponsorVerification, wire_name,
};

/// The scopes a counter needs to dispense: sponsors and OTPs (`arc:*`), dispensations (`dispensing:*`).
const COUNTER_SCOPES: [&str; 4] = [ARC_READ, ARC_WRITE, DISPENSING_READ, DISPENSING_WRITE];

/// The closing line of a check that passed.
pub(super) fn write_ok(out: &mut impl Write, who: &Who, sponsors: usize, paint: Paint) -> Result<(), CheckFailure> {
    let place = if who.embedded { "the embedded sandbox".to_owned() } else { who.host.clone() };
    let sponsors = if sponsors == 1 { "1 sponsor".to_owned() } else { format!("{sponsors} sponsors") };
    let summary =
        format!("OK: client {} reached {place} and read the configuration of {sponsors}.", inert::line(&who.client_id));
    writeln!(out, "\n{}", paint.green(&summary))?;
    Ok(())
}

/// `  label        value`; the value is made inert, whoever supplied it.
pub(super) fn field(out: &mut impl Write, label: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "  {label:<11}  {}", inert::line(value))
}

pub(super) fn environment_text(environment: Environment, embedded: bool) -> String {
    let what = match environment {
        Environment::Sandbox if embedded => "the embedded sandbox, started by this check",
        Environment::Sandbox => "the sandbox",
        Environment::OsiguSandbox => "Osigu's public sandbox",
        Environment::OsiguProduction => "Osigu's production API",
        Environment::Custom => "a server at a configured base_url",
    };
    format!("{environment} ({what})")
}

pub(super) fn write_token(out: &mut impl Write, token: &TokenInfo) -> std::io::Result<()> {
    let unstated = "(not stated by the server)";
    field(
        out,
        "provider",
        &token.provider_slug.as_deref().map_or(unstated.to_owned(), |slug| inert::line(slug).into_owned()),
    )?;
    let scopes =
        if token.scopes.is_empty() { unstated.to_owned() } else { inert::line(&token.scopes.join(" ")).into_owned() };
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
pub(super) fn clock_offset(skew: i64) -> String {
    // The server's clock ahead of ours means ours is behind.
    let side = if skew > 0 { "behind" } else { "ahead of" };
    format!("{} s {side} the server's", skew.unsigned_abs())
}

pub(super) fn write_sponsors(
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
    let mut cells = vec![
        inert::line(&sponsor.sponsor_slug).into_owned(),
        inert::line(&sponsor.name).into_owned(),
        inert::line(&place).into_owned(),
    ];
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
    format!("FAILED: {}", inert::line(&failure.message))
}

/// The verification a sponsor demands, e.g. `OTP (SMS, EMAIL)` or `BIOMETRIC FACIAL on the beneficiary's phone`.
pub fn verification_text(rules: &DispensingRules) -> String {
    match rules.verification {
        SponsorVerification::None => "NONE (no verification)".to_owned(),
        SponsorVerification::Unknown => "UNKNOWN (a verification this version does not know)".to_owned(),
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
                Some(BiometricCapture::Unknown) => text.push_str(" captured in an unknown way"),
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
    match configuration.settlement.mode {
        SettlementMode::Batch => notes.push("BATCH settlement"),
        SettlementMode::Unknown => notes.push("UNKNOWN settlement"),
        SettlementMode::PerTransaction => {}
    }
    notes
}

/// The warning for sponsors (`slugs`) that need a fingerprint on the counter's reader, when this terminal has
/// no `reader`; `None` when there is nothing to warn about.
pub fn reader_warning(slugs: Vec<&str>, reader: bool) -> Option<String> {
    if reader || slugs.is_empty() {
        return None;
    }
    let (names, need) = if slugs.len() == 1 { (slugs[0].to_owned(), "needs") } else { (slugs.join(", "), "need") };
    Some(format!(
        "warning: {} {need} a FINGERPRINT on the counter's reader and this terminal has none: set [biometric] \
         capture_command to the reader's command (it writes the WSQ sample to stdout), or these dispensations \
         cannot be verified here",
        inert::line(&names)
    ))
}

/// Rows padded into columns two spaces apart (by display width), without trailing spaces.
pub fn table(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| rows.iter().filter_map(|row| row.get(column)).map(|cell| cell.width()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (cell, width) in row.iter().zip(&widths) {
                line.push_str(cell);
                line.push_str(&" ".repeat(width - cell.width() + 2));
            }
            line.trim_end().to_owned()
        })
        .collect()
}

/// Server-sent text made safe for one terminal line, cut to a readable length.
pub(super) fn clip(text: &str) -> String {
    let text = inert::line(text);
    match text.char_indices().nth(160) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.into_owned(),
    }
}

/// `message` with every occurrence of the secret masked, in case a server echoed it back. A secret shorter than
/// [`MIN_REDACTED_CHARS`] is not a real one (and masking it would garble ordinary words), so it is left alone.
pub(super) fn redact(message: &str, secret: &str) -> String {
    if secret.chars().count() < MIN_REDACTED_CHARS { message.to_owned() } else { message.replace(secret, "***") }
}

/// Real client secrets are long random strings; anything shorter than this is a placeholder.
const MIN_REDACTED_CHARS: usize = 6;

/// ANSI styling, or none.
#[derive(Clone, Copy)]
pub(super) struct Paint(pub(super) bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    pub(super) fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }

    pub(super) fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }

    pub(super) fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }
}
