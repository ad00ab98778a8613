//! Webhook subscriptions (contract §5, facts §8.1) and, as a sandbox extra, what became of each delivery: its
//! attempts, their replies, and when the next one is due on the sandbox's clock. Subscriptions need `arc:write`
//! to change and `arc:read` to read (Osigu documents only "a bearer token").

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::osigu::model::{ErrorEnvelope, Id, SubscriptionRequest, WebhookSubscription};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{AnyClient, ApiJson, ApiPath, ApiQuery, Authorized, scope};
use crate::sandbox::state::AppState;
use crate::sandbox::webhooks::DeliveryView;

/// Subscribe a receiver to event types (globs such as `settlement.*`; `*` is everything).
#[utoipa::path(
    post, path = "/webhooks/v1/subscriptions", tag = "webhooks",
    request_body = SubscriptionRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 201, body = WebhookSubscription),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: url not https (plain http only to a loopback host) or not a URL; event_types empty or a pattern matching no event type (errors[].path names each)"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn subscribe(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiJson(request): ApiJson<SubscriptionRequest>,
) -> Result<(StatusCode, Json<WebhookSubscription>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.subscribe(now, request).map(|subscription| (StatusCode::CREATED, Json(subscription)))
}

/// Every subscription, oldest first (the one `--webhook-url` made included).
#[utoipa::path(
    get, path = "/webhooks/v1/subscriptions", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookSubscription>)),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn list(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
) -> Json<Vec<WebhookSubscription>> {
    Json(app.store().subscriptions())
}

/// One subscription.
#[utoipa::path(
    get, path = "/webhooks/v1/subscriptions/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, body = WebhookSubscription), (status = 404, body = ErrorEnvelope, description = "SUBSCRIPTION_NOT_FOUND")),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn get(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<WebhookSubscription>, ApiError> {
    app.store().subscription(&id).map(Json)
}

/// Stop sending new events to a subscription; deliveries already owed to it go on.
#[utoipa::path(
    delete, path = "/webhooks/v1/subscriptions/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorEnvelope, description = "SUBSCRIPTION_NOT_FOUND")),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn delete(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiPath(id): ApiPath<Id>,
) -> Result<StatusCode, ApiError> {
    app.store().unsubscribe(&id).map(|()| StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveriesQuery {
    /// Only the deliveries to this subscription.
    subscription_id: Option<Id>,
    /// Only the deliveries of this event.
    event_id: Option<Id>,
}

/// Sandbox extra: every webhook delivery, in the order the events came, with each attempt (the sandbox time
/// it was made, the receiver's status) and the next one due. Retries follow 1 min, 5 min, 30 min, 2 h, 6 h,
/// then every 12 h up to 72 h after the first attempt, on the sandbox's clock.
#[utoipa::path(
    get, path = "/sandbox/v1/webhook-deliveries", tag = "sandbox",
    params(DeliveriesQuery),
    responses((status = 200, body = Vec<DeliveryView>), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub(crate) async fn deliveries(
    State(app): State<AppState>,
    _caller: AnyClient,
    ApiQuery(query): ApiQuery<DeliveriesQuery>,
) -> Json<Vec<DeliveryView>> {
    Json(app.deliveries.views(query.subscription_id.as_ref(), query.event_id.as_ref()))
}
