//! The sandbox's HTTP surface: every route of contract §1–§7 and §10, the POSOS stand-in of §11, plus the
//! sandbox's extras, declared once
//! with `utoipa-axum` so the router and `GET /openapi.json` are built from the same list and cannot drift;
//! and the two guards around all of them: a body declared over the limit is refused before it is read, and a
//! handler that panics answers a 500 envelope instead of taking its connection down.

pub(crate) mod extract;
pub(crate) mod idempotency;
mod openapi;
mod routes;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tracing::error;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::routes::{
    authorization_requests, dispensations, ehr, extras, otp, posos, settlements, sponsors, token, verification,
    webhooks,
};
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

/// Refuses at once a request whose `Content-Length` exceeds the body limit, without reading or waiting for the
/// body (nor sending `100 Continue`), and closes the connection: what follows on it would be that body.
async fn refuse_oversize(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    let limit = u64::try_from(extract::BODY_LIMIT).unwrap_or(u64::MAX);
    if declared.is_some_and(|length| length > limit) {
        let mut response = extract::payload_too_large().into_response();
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    next.run(request).await
}

/// The reply to a handler that panicked. The sandbox's state stays usable: its locks recover from poisoning
/// and every store operation checks before it changes anything. Only the panic's own text is logged (no
/// request data), cut short.
fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let text = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let text: String = text.chars().take(200).collect();
    error!(panic = %text, "a sandbox handler panicked; answered 500");
    ApiError::new(ErrorCode::InternalError, "the sandbox failed while handling this request").into_response()
}

/// The guards every route sits behind, outermost first: panics become 500 envelopes, then oversize bodies
/// are refused before anything else looks at the request.
pub(crate) fn guarded(router: Router) -> Router {
    router.layer(middleware::from_fn(refuse_oversize)).layer(CatchPanicLayer::custom(panicked))
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
        .routes(routes!(settlements::open, settlements::list))
        .routes(routes!(settlements::get))
        .routes(routes!(settlements::pending))
        .routes(routes!(settlements::attach))
        .routes(routes!(settlements::complete))
        .routes(routes!(authorization_requests::create))
        .routes(routes!(authorization_requests::get))
        .routes(routes!(authorization_requests::add_indication))
        .routes(routes!(authorization_requests::complete))
        .routes(routes!(posos::scan_token))
        .routes(routes!(posos::scan_page))
        .routes(routes!(posos::scan_import))
        .routes(routes!(posos::search))
        .routes(routes!(webhooks::subscribe, webhooks::list))
        .routes(routes!(webhooks::get, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
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
    (guarded(router), openapi)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::routing::get;

    use super::*;
    use crate::sandbox::faults::{FaultPlan, Faults};

    /// Real HTTP through the real accept loop: before the guard, the panic dropped the connection unanswered.
    #[tokio::test]
    async fn a_handler_that_panics_answers_a_500_envelope_and_every_route_keeps_answering() {
        async fn boom() -> &'static str {
            panic!("injected by the test")
        }
        let router = guarded(Router::new().route("/boom", get(boom)).route("/ok", get(|| async { "ok" })));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let faults = Arc::new(Faults::new(FaultPlan::none(), 0));
        tokio::spawn(crate::sandbox::server::serve(
            listener,
            router,
            faults,
            Some(crate::sandbox::server::HEADER_TIMEOUT),
            stopped,
        ));
        let client = crate::http::client_builder().build().unwrap();
        for _ in 0..3 {
            let reply = client.get(format!("http://{addr}/boom")).send().await.expect("an answer, not a drop");
            assert_eq!(reply.status(), 500);
            let envelope: serde_json::Value = reply.json().await.unwrap();
            assert_eq!(
                (envelope["code"].as_str(), envelope["error_code"].as_str()),
                (Some("INTERNAL_ERROR"), Some("INTERNAL_ERROR"))
            );
            assert_eq!(client.get(format!("http://{addr}/ok")).send().await.unwrap().status(), 200);
        }
    }
}
