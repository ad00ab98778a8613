//! The POSOS Scan & Go stand-in (contract §11), served under `/posos`: the partner-connect scan-token call, the
//! phone-sized Scan & Go page with four sample prescriptions, the import (from the page, or by itself
//! `posos_auto_import_secs` after the token, on the sandbox's clock), and the FHIR R4 search of what was imported.
//!
//! Its sessions and imports live in the sandbox's store, behind the same lock and clock as everything else
//! ([`crate::sandbox::store`] glues them in); this module holds the parts that are the stand-in's alone: the
//! seed ([`fixtures`]), the session book ([`state`]), the FHIR bundle ([`bundle`]) and the page ([`page`]).

pub(crate) mod bundle;
pub(crate) mod fixtures;
pub(crate) mod page;
pub(crate) mod state;

/// The service token the stand-in accepts, as public as the sandbox's demo client secret.
pub const POSOS_DEMO_TOKEN: &str = "posos-demo-token";

/// Where the stand-in lives under the sandbox's address.
pub const POSOS_PREFIX: &str = "/posos";

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::posos::fhir::{FHIR_JSON, OperationOutcome};

/// A refusal of the partner-connect API, in the JSON shape `{statusCode, error, message}`. (POSOS does not
/// publish its error body; this is the shape of its API framework's default, and the client reads `message`.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PartnerError {
    pub status: StatusCode,
    pub message: String,
}

impl PartnerError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "send Authorization: Bearer <the POSOS service token>")
    }
}

impl IntoResponse for PartnerError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "statusCode": self.status.as_u16(),
            "error": self.status.canonical_reason().unwrap_or("Error"),
            "message": self.message,
        });
        (self.status, axum::Json(body)).into_response()
    }
}

/// A refusal of the FHIR API: an `OperationOutcome` with FHIR's issue type (`login`, `required`, `not-found`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FhirError {
    pub status: StatusCode,
    pub code: &'static str,
    pub diagnostics: String,
}

impl FhirError {
    pub fn new(status: StatusCode, code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self { status, code, diagnostics: diagnostics.into() }
    }
}

/// FHIR's JSON, with its own media type.
pub(crate) fn fhir_json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        fhir_json(self.status, &OperationOutcome::error(self.code, self.diagnostics))
    }
}
