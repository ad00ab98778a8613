//! Extractors that refuse in the contract's envelope, never in axum's plain text: JSON bodies (size, time and
//! content-type limits), paths, query strings, and the bearer token with the scope a route needs.

use std::marker::PhantomData;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{HeaderMap, header, request::Parts};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

use crate::osigu::model::ErrorCode;
use crate::osigu::model::scopes;
use crate::sandbox::error::ApiError;
use crate::sandbox::state::AppState;

/// The largest request body: a 1 MiB biometric sample in base64 plus room for the JSON around it.
pub(crate) const BODY_LIMIT: usize = 4 * 1024 * 1024;
/// How long a client may take to send its body.
pub(crate) const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// 413 `PAYLOAD_TOO_LARGE`, whether the body said so in its `Content-Length` or by growing past the limit.
pub(crate) fn payload_too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("the request body exceeds {} MiB", BODY_LIMIT / (1024 * 1024)))
}

/// Reads a whole body within [`BODY_LIMIT`] and [`BODY_TIMEOUT`].
pub(crate) async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    let limited = Limited::new(body, BODY_LIMIT);
    match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Err(_) => Err(ApiError::new(ErrorCode::RequestTimeout, "the request body did not arrive in time")),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => Err(payload_too_large()),
        Ok(Err(_)) => Err(ApiError::new(ErrorCode::MalformedJson, "the request body could not be read")),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Whether the request says its body is JSON (`application/json`, `application/…+json`, any parameters).
fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Decodes JSON, naming the offending field on a type error.
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {inner}"))
        } else {
            let path = if path == "." { String::new() } else { path };
            ApiError::new(ErrorCode::ValidationError, format!("invalid request: {inner}"))
                .with_field(path, inner.to_string())
        }
    })?;
    deserializer.end().map_err(|error| ApiError::new(ErrorCode::MalformedJson, format!("trailing data: {error}")))?;
    Ok(value)
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json")
}

/// A JSON request body.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !declares_json(request.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = read_body(request.into_body()).await?;
        decode_json(&bytes).map(Self)
    }
}

/// A JSON body that may be absent altogether (cancel's optional reason).
pub(crate) struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let json = declares_json(request.headers());
        let bytes = read_body(request.into_body()).await?;
        // No body, or a JSON `null`, both mean "nothing to say".
        let trimmed = bytes.trim_ascii();
        if trimmed.is_empty() || (json && trimmed == b"null") {
            return Ok(Self(T::default()));
        }
        if !json {
            return Err(unsupported_media_type());
        }
        decode_json(&bytes).map(Self)
    }
}

/// Path parameters. One that cannot be decoded (invalid percent-encoding, say) names nothing that exists: 404.
pub(crate) struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state).await.map(|Path(value)| Self(value)).map_err(|rejection| {
            ApiError::new(ErrorCode::NotFound, format!("no such resource: {}", rejection.body_text()))
        })
    }
}

/// Query-string parameters.
pub(crate) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection| ApiError::invalid_field("query", rejection.body_text()))
    }
}

/// A free-text query value that is present and not blank: `?code=` means no code filter, as forms send it.
pub(crate) fn given(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.trim().is_empty())
}

/// The bearer token of a request, if it has one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}

/// A scope a route requires.
pub(crate) trait Scope: Send + Sync + 'static {
    const NAME: &'static str;
}

/// Marker types naming each scope.
pub(crate) mod scope {
    use super::{Scope, scopes};

    macro_rules! scope {
        ($($name:ident => $value:expr),+ $(,)?) => {$(
            pub(crate) struct $name;
            impl Scope for $name {
                const NAME: &'static str = $value;
            }
        )+};
    }

    scope! {
        ArcRead => scopes::ARC_READ,
        ArcWrite => scopes::ARC_WRITE,
        DispensingRead => scopes::DISPENSING_READ,
        DispensingWrite => scopes::DISPENSING_WRITE,
        EhrRead => scopes::EHR_READ,
        EhrWrite => scopes::EHR_WRITE,
    }
}

/// Proof that the caller's token is valid and carries scope `S`; counted against the API rate limit when the
/// profile has one.
pub(crate) struct Authorized<S>(PhantomData<S>);

impl<S: Scope> FromRequestParts<AppState> for Authorized<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "send Authorization: Bearer <token>"))?;
        let now = app.clock.now();
        let mut auth = app.auth();
        let grant = auth.resolve(token, now)?;
        if !grant.scopes.iter().any(|scope| scope == S::NAME) {
            return Err(ApiError::new(ErrorCode::InsufficientScope, format!("this call needs the {} scope", S::NAME))
                .with_details(serde_json::json!({ "required_scope": S::NAME })));
        }
        if app.profile.limits_api_calls() {
            let client_id = grant.client_id.clone();
            auth.count_api_call(&client_id, now)?;
        }
        Ok(Self(PhantomData))
    }
}

/// Any caller with a valid token, whatever its scopes: the sandbox's own extras.
pub(crate) struct AnyClient;

impl FromRequestParts<AppState> for AnyClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "send Authorization: Bearer <token>"))?;
        app.auth().resolve(token, app.clock.now())?;
        Ok(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osigu::model::StartRequest;

    #[test]
    fn json_errors_separate_syntax_from_content() {
        let syntax = decode_json::<StartRequest>(b"{\"code\": ").unwrap_err();
        assert_eq!(syntax.code, ErrorCode::MalformedJson);
        let missing = decode_json::<StartRequest>(b"{}").unwrap_err();
        assert_eq!(missing.code, ErrorCode::ValidationError);
        let wrong_type = decode_json::<StartRequest>(br#"{"code": 5}"#).unwrap_err();
        assert_eq!(wrong_type.errors[0].path, "code");
        let trailing = decode_json::<StartRequest>(br#"{"code": "A"} x"#).unwrap_err();
        assert_eq!(trailing.code, ErrorCode::MalformedJson);
    }

    #[test]
    fn recognises_json_content_types_and_bearer_tokens() {
        let mut headers = HeaderMap::new();
        assert!(!declares_json(&headers));
        headers.insert(header::CONTENT_TYPE, "Application/JSON; charset=utf-8".parse().unwrap());
        assert!(declares_json(&headers));
        headers.insert(header::CONTENT_TYPE, "application/problem+json".parse().unwrap());
        assert!(declares_json(&headers));
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!declares_json(&headers));
        headers.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
