//! The error envelope and the machine codes it carries.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// Declares [`ErrorCode`] with the exact wire text of each code, so the text is written once.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)+) => {
        /// Every machine code of the contract's error envelope (`code` / `error_code`).
        ///
        /// Codes the contract does not list decode as [`ErrorCode::Other`], keeping their text.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
            /// A code this build does not know.
            Other(String),
        }

        impl ErrorCode {
            /// The code exactly as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(text) => text,
                }
            }

            /// Reads a wire code; unknown text becomes [`ErrorCode::Other`].
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }

            /// Every code the contract names, for tests and documentation.
            pub const ALL_KNOWN: &'static [&'static str] = &[$($text,)+];
        }
    };
}

error_codes! {
    /// Missing, unknown or expired bearer token.
    Unauthorized => "UNAUTHORIZED",
    /// The token lacks the scope the endpoint needs (`details.required_scope`).
    InsufficientScope => "INSUFFICIENT_SCOPE",
    /// Too many calls; honour `Retry-After`.
    RateLimited => "RATE_LIMITED",
    CodeNotFound => "CODE_NOT_FOUND",
    CodeAlreadyRedeemed => "CODE_ALREADY_REDEEMED",
    /// Another STARTED dispensation holds the code (`details.started_at`, `details.dispensation_id`).
    CodeInProgress => "CODE_IN_PROGRESS",
    CodeExpired => "CODE_EXPIRED",
    CodeVoided => "CODE_VOIDED",
    /// The code becomes valid later (`details.valid_from`).
    CodeNotYetValid => "CODE_NOT_YET_VALID",
    AuthorizationPendingReview => "AUTHORIZATION_PENDING_REVIEW",
    CoverageInactive => "COVERAGE_INACTIVE",
    /// The sponsor requires identifying the beneficiary first (`details.sponsor_slug`, `details.form_slug`).
    BeneficiaryRequired => "BENEFICIARY_REQUIRED",
    BeneficiaryMismatch => "BENEFICIARY_MISMATCH",
    BeneficiaryNotFound => "BENEFICIARY_NOT_FOUND",
    DispensationNotFound => "DISPENSATION_NOT_FOUND",
    QuantityExceedsAvailable => "QUANTITY_EXCEEDS_AVAILABLE",
    QuantityInvalid => "QUANTITY_INVALID",
    /// A unit price or taxes the server cannot accept: negative, finer than the currency's cents, or beyond
    /// its maximum (the embedded sandbox's `PUT`; `errors[].path` names the field).
    PriceInvalid => "PRICE_INVALID",
    SubstitutionNotAllowed => "SUBSTITUTION_NOT_ALLOWED",
    SubstitutionReasonRequired => "SUBSTITUTION_REASON_REQUIRED",
    /// A product code that is not a registered provider product (`error_code` `071-104`).
    ProductNotRegistered => "PRODUCT_NOT_REGISTERED",
    InvalidState => "INVALID_STATE",
    BiometricNoMatch => "BIOMETRIC_NO_MATCH",
    BiometricSampleInvalid => "BIOMETRIC_SAMPLE_INVALID",
    VerificationAttemptsExceeded => "VERIFICATION_ATTEMPTS_EXCEEDED",
    PayloadTooLarge => "PAYLOAD_TOO_LARGE",
    VerificationRequired => "VERIFICATION_REQUIRED",
    /// The finalize amount differs from the server's total (`details.expected`).
    AmountMismatch => "AMOUNT_MISMATCH",
    InvoiceRequired => "INVOICE_REQUIRED",
    VerificationTokenInvalid => "VERIFICATION_TOKEN_INVALID",
    /// The dispensation was completed before (`details.dispensation` is the completed one).
    AlreadyCompleted => "ALREADY_COMPLETED",
    DispensationTimedOut => "DISPENSATION_TIMED_OUT",
    OtpChannelUnsupported => "OTP_CHANNEL_UNSUPPORTED",
    OtpResendTooSoon => "OTP_RESEND_TOO_SOON",
    /// Wrong code (`details.attempts_remaining`).
    OtpInvalid => "OTP_INVALID",
    OtpExpired => "OTP_EXPIRED",
    OtpAttemptsExceeded => "OTP_ATTEMPTS_EXCEEDED",
    OtpNotFound => "OTP_NOT_FOUND",
    IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
    /// A well-formed request whose fields are wrong (`errors[]` names them).
    ValidationError => "VALIDATION_ERROR",
    /// The body is not valid JSON.
    MalformedJson => "MALFORMED_JSON",
    UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
    /// The request body did not arrive in time.
    RequestTimeout => "REQUEST_TIMEOUT",
    SponsorNotFound => "SPONSOR_NOT_FOUND",
    PatientNotFound => "PATIENT_NOT_FOUND",
    PatientAlreadyExists => "PATIENT_ALREADY_EXISTS",
    PatientDataConsentRequired => "PATIENT_DATA_CONSENT_REQUIRED",
    PrescriptionNotFound => "PRESCRIPTION_NOT_FOUND",
    ChallengeNotFound => "CHALLENGE_NOT_FOUND",
    SettlementNotFound => "SETTLEMENT_NOT_FOUND",
    /// 406: the provider may not open an on-demand batch for this sponsor (its claims are not settled in
    /// batches).
    SettlementNotAllowed => "SETTLEMENT_NOT_ALLOWED",
    /// An OPEN batch for this sponsor and period exists already (`details.settlement_id`).
    SettlementAlreadyOpen => "SETTLEMENT_ALREADY_OPEN",
    /// The authorization's claims are in a batch already (`details.settlement_id`).
    AuthorizationInSettlement => "AUTHORIZATION_IN_SETTLEMENT",
    /// No completed claim of this authorization waits for a batch of this sponsor and period.
    AuthorizationNotPending => "AUTHORIZATION_NOT_PENDING",
    /// A batch without claims cannot be submitted.
    SettlementEmpty => "SETTLEMENT_EMPTY",
    /// 400: the batch's invoice number or date is wrong (`errors[].path` names each).
    InvoiceInvalid => "INVOICE_INVALID",
    SubscriptionNotFound => "SUBSCRIPTION_NOT_FOUND",
    /// No pre-authorization request has this id.
    AuthorizationRequestNotFound => "AUTHORIZATION_REQUEST_NOT_FOUND",
    /// A pre-authorization request completed before any indication was attached; it stays `PENDING_INDICATION`.
    IndicationRequired => "INDICATION_REQUIRED",
    /// No route has this path.
    NotFound => "NOT_FOUND",
    MethodNotAllowed => "METHOD_NOT_ALLOWED",
    ServiceUnavailable => "SERVICE_UNAVAILABLE",
    InternalError => "INTERNAL_ERROR",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

/// The body of every non-2xx reply but the token endpoint's.
///
/// The sandbox fills both `code` and `error_code`; the real API may send only one, omit `errors`, or not send
/// JSON at all (a proxy's HTML page), so every field is optional when decoding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Machine code, e.g. `OTP_INVALID`.
    #[serde(default)]
    pub code: Option<String>,
    /// The same code under the name the provider-products docs use (`071-104` for an unregistered product).
    #[serde(default)]
    pub error_code: Option<String>,
    /// Human text in English, for logs and support; the counter shows its own words.
    #[serde(default)]
    pub message: Option<String>,
    /// One entry per offending field.
    #[serde(default)]
    pub errors: Vec<FieldError>,
    /// Code-specific facts, e.g. `attempts_remaining`, `expected`, `valid_from`.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

impl ErrorEnvelope {
    /// The machine code, from `code` or else `error_code`.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().or(self.error_code.as_deref()).map(ErrorCode::parse)
    }

    /// A field of `details` by name.
    pub fn detail(&self, name: &str) -> Option<&serde_json::Value> {
        self.details.as_ref()?.get(name)
    }
}

/// One field-level problem inside an [`ErrorEnvelope`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Where in the request, e.g. `products[0].quantity`.
    #[serde(default)]
    pub path: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_code_from_either_field() {
        let both: ErrorEnvelope =
            serde_json::from_str(r#"{"code":"OTP_INVALID","error_code":"OTP_INVALID","message":"x"}"#).unwrap();
        assert_eq!(both.error_code(), Some(ErrorCode::OtpInvalid));
        let legacy: ErrorEnvelope = serde_json::from_str(r#"{"error_code":"071-104"}"#).unwrap();
        assert_eq!(legacy.error_code(), Some(ErrorCode::Other("071-104".into())));
        let bare: ErrorEnvelope = serde_json::from_str("{}").unwrap();
        assert_eq!(bare.error_code(), None);
    }

    #[test]
    fn every_known_code_round_trips_through_its_text() {
        for text in ErrorCode::ALL_KNOWN {
            let code = ErrorCode::parse(text);
            assert!(!matches!(code, ErrorCode::Other(_)), "{text}");
            assert_eq!(code.as_str(), *text);
        }
    }
}
