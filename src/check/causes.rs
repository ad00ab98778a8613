//! Why a call failed, as a [`CheckFailure`]: a [`ConnectError`] or [`ClientError`] becomes one line naming the
//! cause and what to check, with the exit code of its kind; a sponsor whose configuration could not be read is
//! named in the line.

use super::report::{clip, redact};
use super::{CheckFailure, EXIT_CREDENTIALS, EXIT_OTHER, EXIT_SCOPE, EXIT_TLS, EXIT_UNREACHABLE, Who};
use crate::inert;
use crate::osigu::error::ClientError;
use crate::osigu::model::{ErrorCode, ErrorEnvelope, Sponsor};
use crate::runtime::ConnectError;

/// The one-line failure for the first sponsor whose configuration could not be read.
pub(super) fn sponsor_failure<'a>(
    mut failed: impl Iterator<Item = (&'a Sponsor, &'a CheckFailure)>,
) -> Option<CheckFailure> {
    let (sponsor, first) = failed.next()?;
    let more = match failed.count() {
        0 => String::new(),
        n => format!(" (and {n} more, listed above)"),
    };
    let slug = inert::line(&sponsor.sponsor_slug);
    Some(CheckFailure::new(
        first.exit_code,
        format!("the configuration of sponsor {slug} could not be read{more}: {}", first.message),
    ))
}

pub(super) fn connect_failure(error: ConnectError) -> CheckFailure {
    CheckFailure::new(EXIT_OTHER, error.to_string())
}

/// The one-line cause of a failed call, and its exit code; the secret is masked should the server have
/// echoed it.
pub(super) fn failure(error: &ClientError, who: &Who) -> CheckFailure {
    let failure = cause(error, who);
    CheckFailure { message: redact(&failure.message, who.secret.expose()), ..failure }
}

fn cause(error: &ClientError, who: &Who) -> CheckFailure {
    let host = &who.host;
    let client_id = inert::line(&who.client_id);
    let network = "check base_url/environment, the network, proxy or firewall";
    match error {
        ClientError::Credentials { status, error } => CheckFailure::new(
            EXIT_CREDENTIALS,
            format!(
                "the server at {host} refused client_id {client_id} (HTTP {status} {}): check client_id and \
                 client_secret (or MOSTRADOR_CLIENT_SECRET, which overrides it)",
                inert::line(error)
            ),
        ),
        ClientError::Connect { host, detail } => {
            CheckFailure::new(EXIT_UNREACHABLE, format!("cannot reach {host}: {network} ({})", inert::line(detail)))
        }
        ClientError::Tls { host, detail } => CheckFailure::new(
            EXIT_TLS,
            format!(
                "secure connection to {host} failed: check this machine's date and time, and any proxy \
                 intercepting HTTPS ({})",
                inert::line(detail)
            ),
        ),
        ClientError::Timeout { after } => CheckFailure::new(
            EXIT_UNREACHABLE,
            format!("{host} did not answer within {} s: {network}", after.as_secs()),
        ),
        ClientError::Broken { detail } => CheckFailure::new(
            EXIT_UNREACHABLE,
            format!("the connection to {host} broke before the reply arrived ({}): {network}", inert::line(detail)),
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
                inert::line(detail)
            ),
        ),
        ClientError::TooLarge { limit } => CheckFailure::new(
            EXIT_OTHER,
            format!("{host} sent a reply larger than {limit} bytes: check base_url/environment"),
        ),
        ClientError::Invalid { detail } => {
            CheckFailure::new(EXIT_OTHER, format!("the request to {host} could not be made: {}", inert::line(detail)))
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
    let client_id = inert::line(&who.client_id);
    let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|status| status.canonical_reason());
    let answered =
        format!("{host} answered HTTP {status}{}", reason.map(|reason| format!(" {reason}")).unwrap_or_default());
    match (status, code) {
        (403, Some(ErrorCode::InsufficientScope)) => {
            let scope = envelope.and_then(|envelope| {
                envelope.detail("required_scope")?.as_str().map(|scope| inert::line(scope).into_owned())
            });
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
