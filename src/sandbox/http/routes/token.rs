//! `POST /v1/oauth/token` (contract §1).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use utoipa::ToSchema;

use crate::osigu::model::{OAuthError, TokenResponse};
use crate::sandbox::auth::TokenError;
use crate::sandbox::http::extract::read_body;
use crate::sandbox::state::AppState;

/// The form body of the token request, described for OpenAPI; the handler reads the form by hand so that a
/// malformed one still gets the OAuth error shape.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct TokenForm {
    /// Always `client_credentials`.
    pub grant_type: String,
}

/// `Authorization: Basic base64(client_id:client_secret)`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn grant_type(form: &[u8], query: Option<&str>) -> Option<String> {
    let from = |bytes: &[u8]| serde_urlencoded::from_bytes::<HashMap<String, String>>(bytes).ok()?.remove("grant_type");
    // The ARC docs put it in the form body; a sibling product puts it in the query string.
    from(form).or_else(|| query.and_then(|query| from(query.as_bytes())))
}

/// Exchange client credentials for a bearer token (1 h).
#[utoipa::path(
    post, path = "/v1/oauth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenResponse, description = "A bearer token and its scopes"),
        (status = 400, body = OAuthError, description = "invalid_request or unsupported_grant_type"),
        (status = 401, body = OAuthError, description = "invalid_client"),
        (status = 429, body = OAuthError, description = "rate_limited: more than 10 requests a minute; see Retry-After"),
    ),
    security(("basic" = []))
)]
pub(crate) async fn token(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Json<TokenResponse>, TokenError> {
    let credentials = basic_credentials(request.headers());
    let body = read_body(request.into_body()).await.map_err(|_| TokenError::InvalidRequest("unreadable body"))?;
    let grant_type = grant_type(&body, query.as_deref());
    let now = app.clock.now();
    app.auth().issue(&app.catalog, now, credentials, grant_type.as_deref()).map(Json)
}
