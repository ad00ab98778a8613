//! The sandbox's HTTP surface: every route of contract §1–§4 and §7 plus the sandbox's extras, declared once
//! with `utoipa-axum` so the router and `GET /openapi.json` are built from the same list and cannot drift.

pub(crate) mod extract;
pub(crate) mod idempotency;
mod routes;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::routes::{dispensations, ehr, extras, otp, sponsors, token, verification};
use super::error::ApiError;
use super::state::AppState;
use crate::osigu::model::ErrorCode;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Osigu dispensing sandbox (Mostrador)",
        version = "2026-01-01",
        description = "The dispensing contract of Mostrador's spec/contract.md, served by the embedded sandbox: \
            tokens, sponsors, dispensations, verification (OTP, fingerprint, remote facial), ePrescription, and \
            sandbox-only extras under /sandbox/v1. Every non-2xx reply but the token endpoint's carries the \
            error envelope {code, error_code, message, errors, details}."
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "OAuth2 client credentials"),
        (name = "sponsors", description = "Sponsors, configuration, forms, beneficiary search"),
        (name = "dispensing", description = "Dispensations: start, update, complete, cancel"),
        (name = "verification", description = "Biometric verification and its status"),
        (name = "otp", description = "One-time passwords"),
        (name = "eprescription", description = "Patients, prescriptions, provider products"),
        (name = "sandbox", description = "Sandbox-only: outbox, events, challenges, clock"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

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
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
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
    let document = serde_json::to_vec_pretty(&openapi).unwrap_or_default();
    // Set once per sandbox; a second set cannot happen because the state is fresh.
    let _ = state.openapi.set(Bytes::from(document));
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::idempotency))
        .with_state(state);
    (router, openapi)
}
