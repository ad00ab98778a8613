//! The HTTP client for POSOS: the scan-token call and the FHIR search of an import, with the service token as
//! bearer. No retries: the scan-token call creates a session (a lost reply is answered by asking again, which
//! the clerk does), and the search is polled by the counter anyway. Bodies are read up to a cap; a refusal's
//! message is kept for the screen, and nothing the server sent reaches a log.

use std::sync::Arc;

use reqwest::{Response, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::fhir::{Bundle, FHIR_JSON};
use super::scan::{ScannedPrescription, prescriptions};
use super::{PososError, PososOptions, ScanSubject, ScanToken, ScanTokenRequest, valid_facility};
use crate::osigu::endpoint::{api_url, check_base_url};

/// A refusal's body is read only this far.
const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// The longest refusal message kept.
const MAX_MESSAGE_CHARS: usize = 300;

/// A cheap-to-clone POSOS client; clones share the connection pool.
#[derive(Clone, Debug)]
pub struct PososClient {
    http: reqwest::Client,
    options: Arc<PososOptions>,
}

/// The two refusal shapes: partner-connect's `{"message"}` and FHIR's OperationOutcome.
#[derive(Deserialize)]
struct Refusal {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    issue: Vec<super::fhir::OutcomeIssue>,
}

impl PososClient {
    /// Builds a client. Fails on a base URL that is not `https://` (or `http://` on a loopback host): the calls
    /// carry the service token and patient names.
    pub fn new(options: PososOptions) -> Result<Self, PososError> {
        let invalid = |error: &dyn std::fmt::Display| PososError::Invalid { detail: error.to_string() };
        let base_url = check_base_url(options.base_url.as_str()).map_err(|error| invalid(&error))?;
        let fhir_base_url = check_base_url(options.fhir_base_url.as_str()).map_err(|error| invalid(&error))?;
        if !valid_facility(&options.facility) {
            return Err(PososError::Invalid {
                detail: "the facility slug must be 1 to 64 lower-case letters, digits and hyphens".to_owned(),
            });
        }
        // Both on a loopback `http://` (the embedded sandbox's stand-in): no system certificates to read at start.
        let builder = if base_url.scheme() == "http" && fhir_base_url.scheme() == "http" {
            crate::http::client_builder_for(&base_url)
        } else {
            crate::http::client_builder()
        };
        let http = builder
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // Never carry the service token to wherever a redirect points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mostrador/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| invalid(&error))?;
        Ok(Self { http, options: Arc::new(PososOptions { base_url, fhir_base_url, ..options }) })
    }

    /// The facility this client asks for.
    pub fn facility(&self) -> &str {
        &self.options.facility
    }

    /// `POST {base}/api/partners/patient/scan-token`: a Scan & Go session for `subject`, at this facility.
    pub async fn scan_token(&self, subject: &ScanSubject) -> Result<ScanToken, PososError> {
        let body = ScanTokenRequest {
            first_name: subject.first_name.clone(),
            last_name: subject.last_name.clone(),
            rpps: subject.rpps.clone(),
            facility_slug: self.options.facility.clone(),
            patient_id: subject.patient_id.clone(),
        };
        let url = api_url(&self.options.base_url, "/api/partners/patient/scan-token");
        let request = self.http.post(url).bearer_auth(self.options.token.expose()).json(&body);
        let (status, bytes) = self.exchange(request).await?;
        let token: ScanToken = decode(status, &bytes)?;
        if token.token.trim().is_empty() || token.url.trim().is_empty() {
            return Err(PososError::Undecodable {
                status: status.as_u16(),
                detail: "an empty token or url".to_owned(),
            });
        }
        Ok(token)
    }

    /// `GET {fhir}/{facility}/RequestGroup?subject:identifier={patient_id}`: the searchset of what was imported
    /// for this patient (empty until an import).
    pub async fn request_groups(&self, patient_id: &str) -> Result<Bundle, PososError> {
        let route = format!("/{}/RequestGroup", self.options.facility);
        let url = api_url(&self.options.fhir_base_url, &route);
        let request = self
            .http
            .get(url)
            .bearer_auth(self.options.token.expose())
            .header(header::ACCEPT, FHIR_JSON)
            .query(&[("subject:identifier", patient_id)]);
        let (status, bytes) = self.exchange(request).await?;
        let bundle: Bundle = decode(status, &bytes)?;
        if bundle.resource_type != "Bundle" || bundle.kind != "searchset" {
            return Err(PososError::Undecodable {
                status: status.as_u16(),
                detail: "not a FHIR searchset Bundle".to_owned(),
            });
        }
        Ok(bundle)
    }

    /// [`PososClient::request_groups`], flattened: every import for this patient, oldest first.
    pub async fn prescriptions(&self, patient_id: &str) -> Result<Vec<ScannedPrescription>, PososError> {
        Ok(prescriptions(&self.request_groups(patient_id).await?))
    }

    /// Sends one request and reads a 2xx body, or the refusal.
    async fn exchange(&self, request: reqwest::RequestBuilder) -> Result<(StatusCode, Vec<u8>), PososError> {
        let response = request.send().await.map_err(|error| self.transport_error(&error))?;
        let status = response.status();
        if status.is_success() {
            return Ok((status, self.read_body(response, self.options.body_limit).await?));
        }
        let body = self.read_body(response, ERROR_BODY_LIMIT).await.unwrap_or_default();
        let refusal = serde_json::from_slice::<Refusal>(&body).ok();
        let message = refusal
            .and_then(|refusal| refusal.message.or_else(|| refusal.issue.into_iter().find_map(|i| i.diagnostics)))
            .map(|message| message.chars().take(MAX_MESSAGE_CHARS).collect());
        Err(PososError::Refused { status: status.as_u16(), message })
    }

    async fn read_body(&self, mut response: Response, limit: usize) -> Result<Vec<u8>, PososError> {
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(PososError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| self.transport_error(&error))? {
            if body.len() + chunk.len() > limit {
                return Err(PososError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_error(&self, error: &reqwest::Error) -> PososError {
        if error.is_timeout() {
            return PososError::Timeout { after: self.options.request_timeout };
        }
        let mut cause: &dyn std::error::Error = error;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let detail = cause.to_string();
        if error.is_connect() {
            let url = &self.options.base_url;
            let host = format!(
                "{}{}",
                url.host_str().unwrap_or_default(),
                url.port().map(|port| format!(":{port}")).unwrap_or_default()
            );
            return PososError::Connect { host, detail };
        }
        if error.is_builder() {
            return PososError::Invalid { detail };
        }
        PososError::Broken { detail }
    }
}

/// Decodes JSON, naming where it stopped, never what it read.
fn decode<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T, PososError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let place = if path == "." { String::new() } else { format!(" at `{path}`") };
        let inner = error.into_inner();
        PososError::Undecodable {
            status: status.as_u16(),
            detail: format!("{:?}{place} (line {}, column {})", inner.classify(), inner.line(), inner.column()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posos::fhir::OperationOutcome;

    #[test]
    fn facility_slugs_are_path_safe() {
        assert!(valid_facility("farmacia-demo"));
        for bad in ["", "Farmacia", "a/b", "a b", "ñandú", &"a".repeat(65)] {
            assert!(!valid_facility(bad), "{bad}");
        }
    }

    #[test]
    fn refusals_are_read_in_either_shape() {
        let outcome = OperationOutcome::error("login", "the service token is not valid");
        let body = serde_json::to_vec(&outcome).unwrap();
        let refusal: Refusal = serde_json::from_slice(&body).unwrap();
        assert_eq!(refusal.issue[0].diagnostics.as_deref(), Some("the service token is not valid"));
        let partner: Refusal = serde_json::from_str(r#"{"statusCode": 401, "message": "Unauthorized"}"#).unwrap();
        assert_eq!(partner.message.as_deref(), Some("Unauthorized"));
    }
}
