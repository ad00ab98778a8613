//! Sponsors, their configuration, search forms and beneficiary search (contract §2).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;

use crate::osigu::model::{
    BeneficiaryMatch, ErrorCode, ErrorEnvelope, ProductType, SearchForm, Sponsor, SponsorConfiguration,
};
use crate::sandbox::catalog::SponsorEntry;
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{ApiJson, ApiPath, ApiQuery, Authorized, scope};
use crate::sandbox::state::AppState;

fn sponsor<'a>(app: &'a AppState, slug: &str) -> Result<&'a SponsorEntry, ApiError> {
    app.catalog.sponsor(slug).ok_or_else(|| ApiError::new(ErrorCode::SponsorNotFound, format!("no sponsor {slug}")))
}

/// The sponsors this provider is affiliated with.
#[utoipa::path(
    get, path = "/v1/sponsors", tag = "sponsors",
    responses((status = 200, body = Vec<Sponsor>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn list_sponsors(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
) -> Json<Vec<Sponsor>> {
    Json(app.catalog.sponsors.iter().map(|entry| entry.sponsor.clone()).collect())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConfigurationQuery {
    /// `MEDICATION` (default), `LAB`, `IMAGING`, `PROCEDURE`, or the schema names `DRUG`…
    #[param(value_type = Option<ProductType>)]
    product_type: Option<String>,
}

/// What the counter must do for a sponsor's dispensations: verification, OTP channels, identification,
/// invoice fields, substitution.
#[utoipa::path(
    get, path = "/arc/v1/sponsors/{slug}/configuration", tag = "sponsors",
    params(("slug" = String, Path, description = "Sponsor slug"), ConfigurationQuery),
    responses(
        (status = 200, body = SponsorConfiguration),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: unknown product_type"),
        (status = 404, body = ErrorEnvelope, description = "SPONSOR_NOT_FOUND"),
    ),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn configuration(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(query): ApiQuery<ConfigurationQuery>,
) -> Result<Json<SponsorConfiguration>, ApiError> {
    let sponsor = sponsor(&app, &slug)?;
    let product_type = match query.product_type {
        None => ProductType::Medication,
        Some(text) => serde_json::from_value(Value::String(text.to_ascii_uppercase()))
            .map_err(|_| ApiError::invalid_field("product_type", format!("unknown product type {text:?}")))?,
    };
    Ok(Json(sponsor.configuration(product_type)))
}

/// The forms a beneficiary can be searched with.
#[utoipa::path(
    get, path = "/v1/sponsors/{slug}/forms", tag = "sponsors",
    params(("slug" = String, Path, description = "Sponsor slug")),
    responses((status = 200, body = Vec<SearchForm>), (status = 404, body = ErrorEnvelope, description = "SPONSOR_NOT_FOUND")),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn forms(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<SearchForm>>, ApiError> {
    Ok(Json(sponsor(&app, &slug)?.forms.clone()))
}

/// Find a beneficiary by the fields of one of the sponsor's forms (`{field_slug: value}`). Inactive coverage is
/// a 200 with `coverage.active = false`.
#[utoipa::path(
    post, path = "/v1/sponsors/{slug}/search", tag = "sponsors",
    params(("slug" = String, Path, description = "Sponsor slug")),
    request_body(content = Object, description = "Field slug → value, e.g. {\"document_type\": \"CEDULA\", \"document_number\": \"00112345678\"}"),
    responses(
        (status = 200, body = BeneficiaryMatch),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: unknown field or a form left incomplete"),
        (status = 404, body = ErrorEnvelope, description = "BENEFICIARY_NOT_FOUND or SPONSOR_NOT_FOUND"),
    ),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn search(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiPath(slug): ApiPath<String>,
    ApiJson(criteria): ApiJson<Map<String, Value>>,
) -> Result<Json<BeneficiaryMatch>, ApiError> {
    app.store().search_beneficiary(&slug, &criteria).map(Json)
}
