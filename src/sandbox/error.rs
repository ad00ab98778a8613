//! Errors the sandbox answers with: one [`ApiError`] per refusal, rendered as the contract's envelope with
//! the status the contract gives its code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::osigu::model::{ErrorCode, ErrorEnvelope, FieldError};

/// A refusal: code, human text, optional field errors and details. Boxed, so that `Result<_, ApiError>`
/// stays a pointer wide on the happy path.
#[derive(Clone, Debug)]
pub(crate) struct ApiError(Box<Problem>);

/// What an [`ApiError`] says.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub code: ErrorCode,
    pub message: String,
    pub errors: Vec<FieldError>,
    pub details: Option<Value>,
    /// Seconds for the `Retry-After` header.
    pub retry_after: Option<u64>,
    /// Sent as `error_code` instead of the code itself (`071-104` for unregistered products).
    pub legacy_code: Option<&'static str>,
    /// A status other than the code's usual one: contract §10 answers a refused value with 422
    /// `VALIDATION_ERROR`, where the rest of the contract answers 400.
    pub status: Option<StatusCode>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(Box::new(Problem {
            code,
            message: message.into(),
            errors: Vec::new(),
            details: None,
            retry_after: None,
            legacy_code: None,
            status: None,
        }))
    }

    /// A validation failure of one field.
    pub fn invalid_field(path: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(ErrorCode::ValidationError, format!("invalid request: {message}")).with_field(path, message)
    }

    pub fn with_field(mut self, path: impl Into<String>, message: impl Into<String>) -> Self {
        self.0.errors.push(FieldError { path: path.into(), message: message.into() });
        self
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.0.details = Some(details);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.0.retry_after = Some(seconds.max(1));
        self
    }

    pub fn with_legacy_code(mut self, legacy: &'static str) -> Self {
        self.0.legacy_code = Some(legacy);
        self
    }

    /// Answers with `status` instead of the code's usual one.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.0.status = Some(status);
        self
    }

    /// The HTTP status the contract pairs with this code (or the one [`ApiError::with_status`] set).
    pub fn status(&self) -> StatusCode {
        self.0.status.unwrap_or_else(|| status_of(&self.code))
    }

    pub fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            code: Some(self.code.as_str().to_owned()),
            error_code: Some(self.legacy_code.unwrap_or(self.code.as_str()).to_owned()),
            message: Some(self.message.clone()),
            errors: self.errors.clone(),
            details: self.details.clone(),
        }
    }
}

/// Contract §3–§6: each code has one status.
pub(crate) fn status_of(code: &ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        Unauthorized => StatusCode::UNAUTHORIZED,
        InsufficientScope | VerificationRequired => StatusCode::FORBIDDEN,
        RateLimited | OtpResendTooSoon => StatusCode::TOO_MANY_REQUESTS,
        CodeNotFound
        | DispensationNotFound
        | BeneficiaryNotFound
        | OtpNotFound
        | SponsorNotFound
        | PatientNotFound
        | PrescriptionNotFound
        | ChallengeNotFound
        | SettlementNotFound
        | SubscriptionNotFound
        | AuthorizationRequestNotFound
        | NotFound => StatusCode::NOT_FOUND,
        CodeAlreadyRedeemed
        | CodeInProgress
        | InvalidState
        | AlreadyCompleted
        | PatientAlreadyExists
        | SettlementAlreadyOpen
        | AuthorizationInSettlement => StatusCode::CONFLICT,
        SettlementNotAllowed => StatusCode::NOT_ACCEPTABLE,
        DispensationTimedOut => StatusCode::GONE,
        PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ValidationError | MalformedJson | InvoiceInvalid => StatusCode::BAD_REQUEST,
        UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        InternalError | Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        CodeExpired
        | CodeVoided
        | CodeNotYetValid
        | AuthorizationPendingReview
        | CoverageInactive
        | BeneficiaryRequired
        | BeneficiaryMismatch
        | QuantityExceedsAvailable
        | QuantityInvalid
        | PriceInvalid
        | SubstitutionNotAllowed
        | SubstitutionReasonRequired
        | ProductNotRegistered
        | BiometricNoMatch
        | BiometricSampleInvalid
        | VerificationAttemptsExceeded
        | AmountMismatch
        | InvoiceRequired
        | VerificationTokenInvalid
        | OtpChannelUnsupported
        | OtpInvalid
        | OtpExpired
        | OtpAttemptsExceeded
        | IdempotencyKeyReused
        | PatientDataConsentRequired
        | AuthorizationNotPending
        | SettlementEmpty
        | IndicationRequired => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl std::ops::Deref for ApiError {
    type Target = Problem;

    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, axum::Json(self.envelope())).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_carry_the_code_twice_unless_a_legacy_code_is_set() {
        let plain = ApiError::new(ErrorCode::OtpInvalid, "wrong code").envelope();
        assert_eq!(plain.code.as_deref(), Some("OTP_INVALID"));
        assert_eq!(plain.error_code.as_deref(), Some("OTP_INVALID"));
        let legacy = ApiError::new(ErrorCode::ProductNotRegistered, "x").with_legacy_code("071-104").envelope();
        assert_eq!(legacy.code.as_deref(), Some("PRODUCT_NOT_REGISTERED"));
        assert_eq!(legacy.error_code.as_deref(), Some("071-104"));
    }

    #[test]
    fn statuses_follow_the_contract_table() {
        assert_eq!(status_of(&ErrorCode::VerificationRequired), StatusCode::FORBIDDEN);
        assert_eq!(status_of(&ErrorCode::DispensationTimedOut), StatusCode::GONE);
        assert_eq!(status_of(&ErrorCode::CodeInProgress), StatusCode::CONFLICT);
        assert_eq!(status_of(&ErrorCode::CodeExpired), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status_of(&ErrorCode::OtpResendTooSoon), StatusCode::TOO_MANY_REQUESTS);
    }
}
