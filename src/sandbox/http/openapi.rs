//! The OpenAPI document's frame: title, tags, security schemes, and the replies every operation shares
//! (401, 403, 429 for token-protected routes; 400, 413, 415 for routes with a body; 404 for routes with an id)
//! so that each handler's annotation lists only what is particular to it; and the `description` OpenAPI
//! requires of every response, where an annotation leaves it out.

use axum::http::StatusCode;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Osigu dispensing sandbox (Mostrador)",
        version = "2026-01-01",
        description = "The dispensing contract of Mostrador's spec/contract.md, served by the embedded sandbox: \
            tokens, sponsors, dispensations, verification (OTP, fingerprint, remote facial), ePrescription, \
            settlement batches, pre-authorization requests, webhook subscriptions, and sandbox-only extras under \
            /sandbox/v1; and, under /posos, a stand-in for POSOS Scan & Go (partner-connect's scan-token call, the \
            Scan & Go page, the FHIR R4 search of imports). Every non-2xx reply but the token endpoint's and the \
            POSOS stand-in's carries the error envelope {code, error_code, message, errors, details}."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(
        crate::posos::fhir::RequestGroup,
        crate::posos::fhir::MedicationRequest,
        crate::posos::fhir::Patient,
        crate::posos::fhir::Practitioner
    )),
    tags(
        (name = "auth", description = "OAuth2 client credentials"),
        (name = "sponsors", description = "Sponsors, configuration, forms, beneficiary search"),
        (name = "dispensing", description = "Dispensations: start, update, complete, cancel"),
        (name = "verification", description = "Biometric verification and its status"),
        (name = "otp", description = "One-time passwords"),
        (name = "eprescription", description = "Patients, prescriptions, provider products"),
        (name = "settlements", description = "Dominican settlement batches (radicación): open, attach claims, invoice and submit; the sponsor answers later by webhook"),
        (name = "preauthorization", description = "Pre-authorization requests: create, attach the indication, complete; one authorization code per product group, at once (SYNC sponsors) or later by webhook (ASYNC)"),
        (name = "posos", description = "POSOS Scan & Go stand-in: scan token, the phone page, the FHIR R4 search of imported prescriptions (POSOS service token, not Osigu's)"),
        (name = "webhooks", description = "Webhook subscriptions: HTTPS receivers (loopback may be plain HTTP), glob event types"),
        (name = "sandbox", description = "Sandbox-only: outbox, events, webhook deliveries, challenges, clock"),
    )
)]
pub(super) struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "posos",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The POSOS service token; the stand-in accepts posos-demo-token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// Adds the shared replies each operation can get, unless its annotation already describes that status.
pub(super) fn document_common_replies(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        for (method, operation) in operations(item) {
            let security = serde_json::to_value(&operation.security).unwrap_or_default();
            let bearer = security.as_array().into_iter().flatten().find_map(|requirement| requirement.get("bearer"));
            let writes = matches!(method, "post" | "put");
            let mut add = |status: &str, description: &str| {
                let responses = &mut operation.responses.responses;
                if !responses.contains_key(status) {
                    let envelope = Content::new(Some(Ref::from_schema_name("ErrorEnvelope")));
                    let response =
                        ResponseBuilder::new().description(description).content("application/json", envelope);
                    responses.insert(status.to_owned(), RefOr::T(response.build()));
                }
            };
            if let Some(scopes) = bearer {
                add("401", "UNAUTHORIZED: the bearer token is missing, unknown or expired");
                if scopes.as_array().is_some_and(|scopes| !scopes.is_empty()) {
                    add("403", "INSUFFICIENT_SCOPE (details.required_scope)");
                }
                add("429", "RATE_LIMITED: over 50 calls a minute in the faithful profile; see Retry-After");
                if writes {
                    add("422", "IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used with another request");
                }
            }
            if operation.request_body.is_some() {
                add("400", "MALFORMED_JSON or VALIDATION_ERROR (errors[].path names the field)");
                add("413", "PAYLOAD_TOO_LARGE: the body exceeds 4 MiB");
                add("415", "UNSUPPORTED_MEDIA_TYPE: send application/json");
            }
            if operation.parameters.as_ref().is_some_and(|parameters| !parameters.is_empty()) {
                add("400", "VALIDATION_ERROR: a parameter is out of range (errors[].path names it)");
            }
            if has_id {
                add("404", "NOT_FOUND: nothing has this id");
            }
            describe_every_reply(operation);
        }
    }
}

/// OpenAPI requires a `description` on every response object; where an annotation gives none, the status's
/// reason phrase ("OK", "Created", "Not Found") says what the status code already does.
fn describe_every_reply(operation: &mut Operation) {
    for (status, reply) in operation.responses.responses.iter_mut() {
        let RefOr::T(reply) = reply else { continue };
        if reply.description.trim().is_empty() {
            let reason = status.parse::<u16>().ok().and_then(|code| StatusCode::from_u16(code).ok());
            reply.description = reason.and_then(|code| code.canonical_reason()).unwrap_or("Reply").to_owned();
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
}
