//! ePrescription (contract §7) and the provider-product registry.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::osigu::model::{
    ErrorEnvelope, Id, NewPatient, NewPrescription, Page, Patient, PrescriptionDetail, PrescriptionIssued, ProductType,
    ProviderProduct, ResendAccepted, ResendRequest,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{ApiJson, ApiPath, ApiQuery, Authorized, given, scope};
use crate::sandbox::paging::PageRequest;
use crate::sandbox::state::AppState;
use crate::sandbox::store::PrescriptionVersion;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PatientQuery {
    /// The patient's identity document number.
    document_number: Option<String>,
}

/// Look patients up by document number.
#[utoipa::path(
    get, path = "/ehr/v1/patients", tag = "eprescription",
    params(PatientQuery),
    responses((status = 200, body = Vec<Patient>)),
    security(("bearer" = ["ehr:read"]))
)]
pub(crate) async fn find_patients(
    State(app): State<AppState>,
    _caller: Authorized<scope::EhrRead>,
    ApiQuery(query): ApiQuery<PatientQuery>,
) -> Json<Vec<Patient>> {
    Json(app.store().find_patients(given(query.document_number).as_deref()))
}

/// Register a patient.
#[utoipa::path(
    post, path = "/ehr/v1/patients", tag = "eprescription",
    request_body = NewPatient,
    responses(
        (status = 201, body = Patient),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR"),
        (status = 409, body = ErrorEnvelope, description = "PATIENT_ALREADY_EXISTS (details.patient_id)"),
    ),
    security(("bearer" = ["ehr:write"]))
)]
pub(crate) async fn create_patient(
    State(app): State<AppState>,
    _caller: Authorized<scope::EhrWrite>,
    ApiJson(request): ApiJson<NewPatient>,
) -> Result<(StatusCode, Json<Patient>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.create_patient(now, request).map(|patient| (StatusCode::CREATED, Json(patient)))
}

fn issue(
    app: &AppState,
    version: PrescriptionVersion,
    request: NewPrescription,
) -> Result<(StatusCode, Json<PrescriptionIssued>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.issue_prescription(now, version, request).map(|issued| (StatusCode::CREATED, Json(issued)))
}

/// Issue a prescription (v1): the returned `prescription_code` can be dispensed at once.
#[utoipa::path(
    post, path = "/ehr/v1/prescriptions", tag = "eprescription",
    request_body = NewPrescription,
    responses(
        (status = 201, body = PrescriptionIssued),
        (status = 404, body = ErrorEnvelope, description = "PATIENT_NOT_FOUND"),
        (status = 422, body = ErrorEnvelope, description = "PRODUCT_NOT_REGISTERED (error_code 071-104), QUANTITY_INVALID"),
    ),
    security(("bearer" = ["ehr:write"]))
)]
pub(crate) async fn create_v1(
    State(app): State<AppState>,
    _caller: Authorized<scope::EhrWrite>,
    ApiJson(request): ApiJson<NewPrescription>,
) -> Result<(StatusCode, Json<PrescriptionIssued>), ApiError> {
    issue(&app, PrescriptionVersion::V1, request)
}

/// Issue a prescription (v1.1): requires `patient_data_consent: true`.
#[utoipa::path(
    post, path = "/ehr/v1.1/prescriptions", tag = "eprescription",
    request_body = NewPrescription,
    responses(
        (status = 201, body = PrescriptionIssued),
        (status = 404, body = ErrorEnvelope, description = "PATIENT_NOT_FOUND"),
        (status = 422, body = ErrorEnvelope, description = "PATIENT_DATA_CONSENT_REQUIRED, PRODUCT_NOT_REGISTERED"),
    ),
    security(("bearer" = ["ehr:write"]))
)]
pub(crate) async fn create_v1_1(
    State(app): State<AppState>,
    _caller: Authorized<scope::EhrWrite>,
    ApiJson(request): ApiJson<NewPrescription>,
) -> Result<(StatusCode, Json<PrescriptionIssued>), ApiError> {
    issue(&app, PrescriptionVersion::V1_1, request)
}

/// Issue a prescription (v2, Spanish national repository): adds `national_repository_id` and `signed_hash`.
#[utoipa::path(
    post, path = "/ehr/v2/prescriptions", tag = "eprescription",
    request_body = NewPrescription,
    responses(
        (status = 201, body = PrescriptionIssued),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: national_repository_id or signed_hash"),
        (status = 404, body = ErrorEnvelope, description = "PATIENT_NOT_FOUND"),
        (status = 422, body = ErrorEnvelope, description = "PATIENT_DATA_CONSENT_REQUIRED, PRODUCT_NOT_REGISTERED"),
    ),
    security(("bearer" = ["ehr:write"]))
)]
pub(crate) async fn create_v2(
    State(app): State<AppState>,
    _caller: Authorized<scope::EhrWrite>,
    ApiJson(request): ApiJson<NewPrescription>,
) -> Result<(StatusCode, Json<PrescriptionIssued>), ApiError> {
    issue(&app, PrescriptionVersion::V2, request)
}

/// Read a prescription and how much of each item was dispensed.
#[utoipa::path(
    get, path = "/ehr/v1/prescriptions/{id}", tag = "eprescription",
    params(("id" = String, Path, description = "Prescription id")),
    responses((status = 200, body = PrescriptionDetail), (status = 404, body = ErrorEnvelope, description = "PRESCRIPTION_NOT_FOUND")),
    security(("bearer" = ["ehr:read"]))
)]
pub(crate) async fn get_prescription(
    State(app): State<AppState>,
    _caller: Authorized<scope::EhrRead>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<PrescriptionDetail>, ApiError> {
    app.store().prescription_detail(&id).map(Json)
}

/// The prescription as the patient prints it (plain text in the sandbox). No token: the link is what the
/// patient receives, and the prescription id in it is the key.
#[utoipa::path(
    get, path = "/ehr/v1/prescriptions/{id}/document", tag = "eprescription",
    params(("id" = String, Path, description = "Prescription id")),
    responses(
        (status = 200, content_type = "text/plain", description = "The prescription, printable"),
        (status = 404, body = ErrorEnvelope, description = "PRESCRIPTION_NOT_FOUND"),
    ),
)]
pub(crate) async fn document(State(app): State<AppState>, ApiPath(id): ApiPath<Id>) -> Result<String, ApiError> {
    app.store().prescription_document(&id)
}

/// Send the prescription to the patient again.
#[utoipa::path(
    post, path = "/ehr/v1/prescriptions/{id}/resend", tag = "eprescription",
    params(("id" = String, Path, description = "Prescription id")),
    request_body = ResendRequest,
    responses((status = 202, body = ResendAccepted), (status = 404, body = ErrorEnvelope, description = "PRESCRIPTION_NOT_FOUND")),
    security(("bearer" = ["ehr:write"]))
)]
pub(crate) async fn resend(
    State(app): State<AppState>,
    _caller: Authorized<scope::EhrWrite>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(request): ApiJson<ResendRequest>,
) -> Result<(StatusCode, Json<ResendAccepted>), ApiError> {
    app.store().resend_prescription(&id, request.channel).map(|accepted| (StatusCode::ACCEPTED, Json(accepted)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProductsQuery {
    /// `MEDICATION`, `LAB`, `IMAGING`, `PROCEDURE` (or the schema names).
    product_type: Option<ProductType>,
    /// Part of the name or code, any case.
    query: Option<String>,
    /// 0-based page (default 0).
    #[param(value_type = Option<u32>, maximum = 21474836)]
    page: Option<String>,
    /// Page size (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    size: Option<String>,
}

/// The products registered for this provider: what may be prescribed or used as a substitute.
#[utoipa::path(
    get, path = "/arc/v1/providers/products", tag = "eprescription",
    params(ProductsQuery),
    responses((status = 200, body = Page<ProviderProduct>)),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn provider_products(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiQuery(query): ApiQuery<ProductsQuery>,
) -> Result<Json<Page<ProviderProduct>>, ApiError> {
    let page = PageRequest::parse(query.page.as_deref(), query.size.as_deref())?;
    let needle = given(query.query).map(|text| text.to_lowercase());
    let matching: Vec<ProviderProduct> = app
        .catalog
        .provider_products(app.started_at)
        .into_iter()
        .filter(|product| query.product_type.is_none_or(|kind| product.product_type == kind))
        .filter(|product| {
            needle.as_deref().is_none_or(|needle| {
                product.product_name.to_lowercase().contains(needle)
                    || product.product_code.to_lowercase().contains(needle)
            })
        })
        .collect();
    Ok(Json(page.cut(matching, |product| product)))
}
