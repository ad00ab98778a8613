//! The POSOS Scan & Go stand-in's routes (contract §11), under `/posos`: partner-connect's scan-token call and
//! the FHIR search need the POSOS service token (the stand-in takes [`POSOS_DEMO_TOKEN`]), not an Osigu token;
//! the page and its import need none (the unguessable token in the URL is the credential, as with POSOS's own
//! link). Refusals are POSOS's, not Osigu's envelope: partner-connect answers `{statusCode, error, message}`,
//! the FHIR API an `OperationOutcome`, the page a page.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::posos::fhir::{Bundle, OperationOutcome};
use crate::posos::{ScanToken, ScanTokenRequest};
use crate::sandbox::http::extract::{ApiPath, bearer_token, decode_json};
use crate::sandbox::posos::state::ImportOutcome;
use crate::sandbox::posos::{FhirError, POSOS_DEMO_TOKEN, POSOS_PREFIX, PartnerError, fhir_json};
use crate::sandbox::state::AppState;
use crate::sandbox::store::Page;

/// The page may run its own inline style and script, post forms to itself, and load nothing else.
const PAGE_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; base-uri 'none'";

/// Whether the request carries the POSOS service token.
fn has_service_token(headers: &HeaderMap) -> bool {
    bearer_token(headers) == Some(POSOS_DEMO_TOKEN)
}

/// Whether the body is declared as `essence` (parameters aside).
fn declares(headers: &HeaderMap, essence: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|declared| declared.trim().eq_ignore_ascii_case(essence))
}

fn html(page: Page) -> Response {
    let mut response = (page.status, page.html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The URL carries the session's token: it must not leave in a Referer.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    response
}

/// Open a Scan & Go session for a patient and get the page's URL.
#[utoipa::path(
    post, path = "/posos/api/partners/patient/scan-token", tag = "posos",
    request_body = ScanTokenRequest,
    responses(
        (status = 200, body = ScanToken, description = "The session's token and the Scan & Go page's URL (valid one hour)"),
        (status = 400, content_type = "application/json", description = "{statusCode, error, message}: a field missing, empty, too long, or patientId not letters, digits, '.', '_' or '-'"),
        (status = 401, content_type = "application/json", description = "{statusCode, error, message}: no POSOS service token"),
        (status = 403, content_type = "application/json", description = "{statusCode, error, message}: facilitySlug is not this service account's"),
        (status = 415, content_type = "application/json", description = "{statusCode, error, message}: send application/json"),
    ),
    security(("posos" = []))
)]
pub(crate) async fn scan_token(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<ScanToken>, PartnerError> {
    if !has_service_token(&headers) {
        return Err(PartnerError::unauthorized());
    }
    if !declares(&headers, "application/json") {
        return Err(PartnerError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as application/json"));
    }
    let request: ScanTokenRequest = decode_json(&body).map_err(|error| {
        let field = error.errors.first().map(|field| field.path.clone()).filter(|path| !path.is_empty());
        let message = match field {
            Some(path) => format!("{path}: {}", error.message),
            None => error.message.clone(),
        };
        PartnerError::new(StatusCode::BAD_REQUEST, message)
    })?;
    let mut store = app.store();
    let now = store.now;
    store.open_scan(now, request).map(axum::Json)
}

/// The query of the page.
#[derive(Deserialize, Default)]
struct PageQuery {
    token: Option<String>,
    prescription: Option<String>,
}

/// The phone-sized Scan & Go page: choose a sample prescription, review its lines, Import.
#[utoipa::path(
    get, path = "/posos/scan", tag = "posos",
    params(
        ("token" = String, Query, description = "The session's token, from the scan-token call"),
        ("prescription" = Option<String>, Query, description = "A sample prescription's slug: review it (and make it the one imported by the clock)"),
    ),
    responses(
        (status = 200, content_type = "text/html", description = "The page: the choice, a prescription's lines, the failure of an import, or the import done"),
        (status = 400, content_type = "text/html", description = "No token, or no sample prescription has that slug"),
        (status = 404, content_type = "text/html", description = "No session has this token"),
        (status = 410, content_type = "text/html", description = "The token's hour is over"),
    ),
)]
pub(crate) async fn scan_page(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query: PageQuery = serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let Some(token) = query.token.filter(|token| !token.is_empty()) else {
        return html(Page::missing_token());
    };
    let mut store = app.store();
    let now = store.now;
    let prescription = query.prescription.filter(|slug| !slug.is_empty());
    html(store.scan_page(now, &token, prescription.as_deref()))
}

/// The page's Import form.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ImportForm {
    /// The session's token.
    token: String,
    /// The sample prescription's slug.
    prescription: String,
}

/// Import a sample prescription into the session, as the page's form does; answers by sending the browser
/// back to the page, its URL ending in `#success` or `#error` (POSOS's "change page URL" notification).
#[utoipa::path(
    post, path = "/posos/scan/import", tag = "posos",
    request_body(content = ImportForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "To /posos/scan?token=…#success (imported, or imported before) or #error (the import failed)"),
        (status = 400, content_type = "text/html", description = "The form lacks token or prescription, or no sample prescription has that slug"),
        (status = 404, content_type = "text/html", description = "No session has this token"),
        (status = 410, content_type = "text/html", description = "The token's hour is over"),
        (status = 415, content_type = "text/html", description = "Not a form (application/x-www-form-urlencoded)"),
    ),
)]
pub(crate) async fn scan_import(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !declares(&headers, "application/x-www-form-urlencoded") {
        return html(Page::not_a_form());
    }
    let Ok(form) = serde_urlencoded::from_bytes::<ImportForm>(&body) else {
        return html(Page::missing_token());
    };
    let mut store = app.store();
    let now = store.now;
    let outcome = match store.scan_import(now, &form.token, &form.prescription) {
        Ok(outcome) => outcome,
        Err(page) => return html(page),
    };
    let hash = if outcome == ImportOutcome::Failed { "error" } else { "success" };
    let location = format!("{}{POSOS_PREFIX}/scan?token={}#{hash}", store.public_base(), form.token);
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// FHIR R4 search: the RequestGroups imported for one patient, with their MedicationRequests, the Patient and
/// the Practitioner included.
#[utoipa::path(
    get, path = "/posos/fhir/r4/{facilitySlug}/RequestGroup", tag = "posos",
    params(
        ("facilitySlug" = String, Path, description = "The facility the scans were made for"),
        ("subject:identifier" = String, Query, description = "The partner's patientId (or system|patientId)"),
    ),
    responses(
        (status = 200, body = Bundle, content_type = "application/fhir+json", description = "A searchset Bundle, empty until an import: per import a RequestGroup (draft, or entered-in-error with a note), its MedicationRequests (extensions originalPosology and structurationReliability), the Patient and the Practitioner"),
        (status = 400, body = OperationOutcome, content_type = "application/fhir+json", description = "required: no subject:identifier"),
        (status = 401, body = OperationOutcome, content_type = "application/fhir+json", description = "login: no POSOS service token"),
        (status = 404, body = OperationOutcome, content_type = "application/fhir+json", description = "not-found: no such facility"),
    ),
    security(("posos" = []))
)]
pub(crate) async fn search(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiPath(facility): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if !has_service_token(&headers) {
        return FhirError::new(
            StatusCode::UNAUTHORIZED,
            "login",
            "send Authorization: Bearer <the POSOS service token>",
        )
        .into_response();
    }
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap_or_default();
    let identifier = pairs.iter().find(|(name, _)| name == "subject:identifier").map(|(_, value)| value.trim());
    let Some(identifier) = identifier.filter(|value| !value.is_empty()) else {
        return FhirError::new(StatusCode::BAD_REQUEST, "required", "search by subject:identifier (the patientId)")
            .into_response();
    };
    let mut store = app.store();
    let now = store.now;
    match store.scan_search(now, &facility, identifier, &query) {
        Ok(bundle) => fhir_json(StatusCode::OK, &bundle),
        Err(error) => error.into_response(),
    }
}
