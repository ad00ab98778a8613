//! POSOS Scan & Go (contract §11, seed 003): a partner asks POSOS's partner-connect API for a scan token and
//! URL, the clerk or the patient photographs the paper prescription on the Scan & Go page that URL opens, and
//! the transcription arrives as FHIR R4 resources the partner searches for by its own patient id.
//!
//! This module owns the client side: the wire types of the scan-token call, the FHIR resources of the
//! import ([`fhir`]), their flattening into what the counter shows ([`scan`]), and a small HTTP client
//! ([`PososClient`]) configured by `[posos]` (see [`crate::config`]) with the service token from
//! [`POSOS_TOKEN_ENV`]. The embedded sandbox serves a stand-in under `/posos`, which accepts
//! [`crate::sandbox::POSOS_DEMO_TOKEN`].

mod client;
pub mod fhir;
pub mod scan;

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::osigu::endpoint::Secret;

pub use client::PososClient;

/// The environment variable that holds the POSOS service token. The token is read from there only (never from
/// the configuration file) and never written to a log.
pub const POSOS_TOKEN_ENV: &str = "MOSTRADOR_POSOS_TOKEN";

/// A facility slug as POSOS spells them (`hopital-demo`): it becomes a path segment, so nothing else: 1 to 64
/// lower-case ASCII letters, digits and hyphens.
pub fn valid_facility(slug: &str) -> bool {
    (1..=64).contains(&slug.len()) && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `POST …/api/partners/patient/scan-token`, exactly as POSOS documents it (mixed-case keys included).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScanTokenRequest {
    /// The patient's given name(s).
    pub first_name: String,
    /// The patient's family name(s).
    pub last_name: String,
    /// The pharmacist's (or the pharmacy's) professional id.
    pub rpps: String,
    #[serde(rename = "facilitySlug")]
    pub facility_slug: String,
    /// The partner's id for this patient: the counter's join key, fresh per session; the FHIR search's
    /// `subject:identifier`.
    #[serde(rename = "patientId")]
    pub patient_id: String,
}

/// Patient data: only the facility is shown.
impl fmt::Debug for ScanTokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanTokenRequest").field("facility_slug", &self.facility_slug).finish_non_exhaustive()
    }
}

/// The scan-token reply: the page to open (as a QR code or a link) and the token inside it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScanToken {
    pub token: String,
    /// The Scan & Go page for this session; whoever holds it can import a prescription into it.
    pub url: String,
}

/// The token opens the page: never shown in full.
impl fmt::Debug for ScanToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanToken").field("token", &"***").finish_non_exhaustive()
    }
}

/// Who a scan session is for, without the facility (the client adds its own).
#[derive(Clone, PartialEq, Eq)]
pub struct ScanSubject {
    pub first_name: String,
    pub last_name: String,
    pub rpps: String,
    pub patient_id: String,
}

impl fmt::Debug for ScanSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScanSubject { .. }")
    }
}

/// How to reach POSOS. `Debug` shows no token.
#[derive(Clone, Debug)]
pub struct PososOptions {
    /// partner-connect (`https://partner-connect.preprod.posos.co`; the sandbox's `http://127.0.0.1:PORT/posos`).
    pub base_url: Url,
    /// Where the FHIR R4 API lives, up to but excluding the facility (`…/fhir/r4`).
    pub fhir_base_url: Url,
    /// This pharmacy's facility slug at POSOS.
    pub facility: String,
    /// The service token (bearer), from [`POSOS_TOKEN_ENV`] or, for the stand-in, its demo token.
    pub token: Secret,
    pub connect_timeout: Duration,
    /// Limit for one whole exchange.
    pub request_timeout: Duration,
    /// Largest reply read, in bytes.
    pub body_limit: usize,
}

impl PososOptions {
    /// Connect 3 s, 15 s a call, replies up to 2 MiB (a prescription's bundle is a few kilobytes).
    pub fn new(base_url: Url, fhir_base_url: Url, facility: impl Into<String>, token: Secret) -> Self {
        Self {
            base_url,
            fhir_base_url,
            facility: facility.into(),
            token,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
            body_limit: 2 * 1024 * 1024,
        }
    }
}

/// Why a call to POSOS failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PososError {
    /// No connection could be made: the request never left this machine.
    #[error("cannot connect to POSOS at {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("no reply from POSOS within {} s", .after.as_secs())]
    Timeout { after: Duration },
    /// The connection broke, or TLS failed, before a whole reply arrived.
    #[error("the connection to POSOS broke: {detail}")]
    Broken { detail: String },
    /// POSOS refused the request. `message` is POSOS's own (or the FHIR OperationOutcome's diagnostics); it is
    /// kept for the screen, never logged.
    #[error("POSOS answered HTTP {status}")]
    Refused { status: u16, message: Option<String> },
    /// A success status with a body that is not what POSOS documents. `detail` says where decoding stopped,
    /// never what was read.
    #[error("POSOS answered HTTP {status} with a reply that cannot be read: {detail}")]
    Undecodable { status: u16, detail: String },
    #[error("the POSOS reply is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// The client or the request could not be built (a base URL that is not https, say).
    #[error("invalid POSOS request: {detail}")]
    Invalid { detail: String },
}

impl PososError {
    /// The service token was refused (401/403): the configuration is at fault, not the moment.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Refused { status: 401 | 403, .. })
    }
}
