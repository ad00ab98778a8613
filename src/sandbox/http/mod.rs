//! The sandbox's HTTP surface: every route of contract §1–§4 and §7 plus the sandbox's extras, declared once
//! with `utoipa-axum` so the router and `GET /openapi.json` are built from the same list and cannot drift.

pub(crate) mod extract;
pub(crate) mod idempotency;
mod openapi;
mod routes;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::routes::{dispensations, ehr, extras, otp, sponsors, token, verification};
use super::error::ApiError;
use super::state::AppState;
use crate::osigu::model::ErrorCode;

/// This document, OpenAPI 3, generated from the route declarations.
#[utoipa::path(get, path = "/openapi.json", tag = "sandbox", responses((status = 200, content_type = "application/json", description = "OpenAPI 3 document")))]
async fn openapi_document(State(app): State<AppState>) -> Response {
    let mut response = app.openapi.get().cloned().unwrap_or_default().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "this route does not accept that method")
}

/// The router with every route and layer, and the OpenAPI document describing it.
pub(crate) fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(token::token))
        .routes(routes!(sponsors::list_sponsors))
        .routes(routes!(sponsors::configuration))
        .routes(routes!(sponsors::forms))
        .routes(routes!(sponsors::search))
        .routes(routes!(dispensations::start, dispensations::list))
        .routes(routes!(dispensations::get, dispensations::update))
        .routes(routes!(dispensations::complete))
        .routes(routes!(dispensations::cancel))
        .routes(routes!(verification::status))
        .routes(routes!(verification::biometric))
        .routes(routes!(verification::challenge))
        .routes(routes!(otp::send))
        .routes(routes!(otp::generate))
        .routes(routes!(otp::validate))
        .routes(routes!(otp::validate_alias))
        .routes(routes!(ehr::find_patients, ehr::create_patient))
        .routes(routes!(ehr::create_v1))
        .routes(routes!(ehr::create_v1_1))
        .routes(routes!(ehr::create_v2))
        .routes(routes!(ehr::get_prescription))
        .routes(routes!(ehr::document))
        .routes(routes!(ehr::resend))
        .routes(routes!(ehr::provider_products))
        .routes(routes!(extras::outbox))
        .routes(routes!(extras::events))
        .routes(routes!(extras::challenge_page))
        .routes(routes!(extras::approve))
        .routes(routes!(extras::reject))
        .routes(routes!(extras::void_authorization))
        .routes(routes!(extras::clock))
        .routes(routes!(extras::advance_clock))
        .routes(routes!(openapi_document))
        .split_for_parts();
    openapi::document_common_replies(&mut openapi);
    let document = serde_json::to_vec_pretty(&openapi).unwrap_or_default();
    // Set once per sandbox; a second set cannot happen because the state is fresh.
    let _ = state.openapi.set(Bytes::from(document));
    // A route layer wraps matched routes only: a wrong method or path gets its 405/404 whatever its headers.
    let router = router
        .route_layer(middleware::from_fn_with_state(state.clone(), idempotency::idempotency))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    (router, openapi)
}
