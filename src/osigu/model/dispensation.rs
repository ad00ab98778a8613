//! Dispensations (contract §3): the object every call returns, and the request bodies.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Amounts, Id, LineCoverage, Terms, bounded, known, money, share, whole};

/// Where a dispensation is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DispensationStatus {
    Started,
    Completed,
    Cancelled,
    /// A status this build does not know. Decoded, never sent (so it stays out of the OpenAPI enum).
    #[serde(other, skip_serializing)]
    Unknown,
}

/// What kind of code is being redeemed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CodeType {
    /// An insurer's authorization: the sponsor pays and Osigu creates a claim.
    Authorization,
    /// An electronic prescription.
    Prescription,
    /// A code type this build does not know. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// Product families; the schemas' vocabulary (`DRUG`, `LABORATORY`, …) maps 1:1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductType {
    #[serde(alias = "DRUG")]
    Medication,
    #[serde(alias = "LABORATORY")]
    Lab,
    #[serde(alias = "DIAGNOSTIC_TEST")]
    Imaging,
    #[serde(alias = "MEDICAL_PROCEDURE")]
    Procedure,
}

impl ProductType {
    /// The contract's name, as used in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Medication => "MEDICATION",
            Self::Lab => "LAB",
            Self::Imaging => "IMAGING",
            Self::Procedure => "PROCEDURE",
        }
    }
}

/// The verification a dispensation needs before it can be completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerificationKind {
    /// A one-time code the beneficiary receives and reads aloud.
    Otp,
    /// A fingerprint at the counter or a facial check on the beneficiary's phone.
    Biometric,
}

/// Progress of the verification of one dispensation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerificationState {
    Pending,
    Verified,
    Failed,
    #[default]
    NotRequired,
}

/// How a beneficiary was (or is being) verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerificationMethod {
    Otp,
    Fingerprint,
    Facial,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// Biometric modalities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BiometricType {
    Fingerprint,
    Facial,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl From<BiometricType> for VerificationMethod {
    fn from(kind: BiometricType) -> Self {
        match kind {
            BiometricType::Fingerprint => Self::Fingerprint,
            BiometricType::Facial => Self::Facial,
            BiometricType::Unknown => Self::Unknown,
        }
    }
}

/// Reasons a line may be dispensed as another product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubstitutionReason {
    OutOfStock,
    Emergency,
    ActiveIngredient,
    Other,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// The person the code belongs to. Document numbers are personal data: the counter masks them on screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Beneficiary {
    #[serde(alias = "id")]
    pub beneficiary_id: Id,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default, alias = "identity_document_type")]
    pub document_type: Option<String>,
    #[serde(default, alias = "identity_document_id")]
    pub document_number: Option<String>,
}

/// Who prescribed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Prescriber {
    pub name: String,
    #[serde(default)]
    pub medical_license_number: Option<String>,
}

/// An ICD-10 diagnosis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Diagnosis {
    pub code: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// One line that may be dispensed. The guide's short form carries only `product_code`, `quantity` and
/// `unit_price`, so everything else is optional when decoding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductLine {
    /// Line id from the authorization or prescription; `PUT` refers to lines by it.
    #[serde(default)]
    pub id: Option<Id>,
    pub product_code: String,
    #[serde(default)]
    pub product_name: Option<String>,
    #[serde(default)]
    pub product_type: Option<ProductType>,
    #[serde(default, deserialize_with = "bounded::optional_quantity")]
    pub prescribed_quantity: Option<u32>,
    #[serde(default, deserialize_with = "bounded::optional_quantity")]
    pub authorized_quantity: Option<u32>,
    #[serde(default, deserialize_with = "bounded::optional_quantity")]
    pub claimed_quantity: Option<u32>,
    /// What may still be dispensed over all dispensations of this code.
    #[serde(default, deserialize_with = "bounded::optional_quantity")]
    pub available_quantity: Option<u32>,
    /// What this dispensation will deliver of the original product.
    #[serde(deserialize_with = "bounded::quantity")]
    pub quantity: u32,
    #[serde(alias = "price", deserialize_with = "bounded::amount")]
    pub unit_price: Decimal,
    #[serde(default, deserialize_with = "bounded::amount")]
    pub taxes: Decimal,
    #[serde(default)]
    pub posology: Option<String>,
    #[serde(default)]
    pub duration_days: Option<u32>,
    #[serde(default)]
    pub substitution_allowed: Option<bool>,
    /// Line state on the source: `APPROVED`, `PARTIALLY_CLAIMED`, `CLAIMED` on authorizations;
    /// `DISPENSABLE`, `LOCKED`, `DISPENSED`, … on prescriptions.
    #[serde(default)]
    pub status: Option<String>,
    /// Why a prescription item is `LOCKED` (e.g. `CONTRAINDICATION`).
    #[serde(default)]
    pub lock_reason: Option<String>,
    #[serde(default)]
    pub substitute_product_code: Option<String>,
    #[serde(default)]
    pub substitute_product_name: Option<String>,
    #[serde(default, deserialize_with = "bounded::optional_quantity")]
    pub substitute_quantity: Option<u32>,
    #[serde(default)]
    pub substitution_reason_enum: Option<SubstitutionReason>,
    #[serde(default)]
    pub substitution_other_description: Option<String>,
    /// How this line's cost is shared between the sponsor and the patient (contract §9). Absent from the real
    /// Osigu's replies, and read leniently: a coverage this build cannot read is `None` too, so it never makes
    /// a dispensable line undispensable; the counter then shows the total only.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub coverage: Option<LineCoverage>,
}

/// The verification block of a dispensation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    #[serde(default)]
    pub status: VerificationState,
    #[serde(default)]
    pub method: Option<VerificationMethod>,
    /// Where the beneficiary's phone completes a REMOTE biometric check (shown as a QR code).
    #[serde(default)]
    pub challenge_url: Option<String>,
}

/// The claim Osigu creates when an authorization is completed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Claim {
    pub claim_id: Id,
    #[serde(default)]
    pub status: Option<String>,
    /// What the sponsor owes: the dispensation's total less the patient's share (contract §9).
    #[serde(default, deserialize_with = "bounded::optional_amount")]
    pub amount: Option<Decimal>,
    /// The patient's share taken by copay rules (`COPAY_PER_LINE`, `COPAY_PER_DISPENSATION`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_amount")]
    pub copayment: Option<Decimal>,
    /// The patient's share taken by `COINSURANCE`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_amount")]
    pub coinsurance: Option<Decimal>,
}

/// The dispensation object every dispensation call returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dispensation {
    pub dispensation_id: Id,
    pub status: DispensationStatus,
    #[serde(default)]
    pub code: Option<String>,
    pub code_type: CodeType,
    /// `null` for a cash prescription.
    #[serde(default)]
    pub sponsor_slug: Option<String>,
    #[serde(default)]
    pub beneficiary: Option<Beneficiary>,
    #[serde(default)]
    pub prescriber: Option<Prescriber>,
    #[serde(default)]
    pub diagnoses: Vec<Diagnosis>,
    #[serde(default)]
    pub currency_code: Option<String>,
    /// At most [`bounded::MAX_LINES`], whose total can always be computed (decoding refuses other lists).
    #[serde(default, deserialize_with = "priced_lines")]
    pub products: Vec<ProductLine>,
    /// Authoritative for this dispensation: `null` means complete straight away.
    #[serde(default)]
    pub verification_required: Option<VerificationKind>,
    #[serde(default)]
    pub verification: Verification,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub code_expires_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub valid_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// A STARTED dispensation is cancelled by the server at this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub timeout_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// Why it was cancelled: `TIMEOUT`, or the reason the pharmacy gave.
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    /// Σ(unit_price × units + taxes), each line rounded half-even.
    #[serde(default, deserialize_with = "bounded::optional_amount")]
    pub total_amount: Option<Decimal>,
    /// Present on COMPLETED authorizations.
    #[serde(default)]
    pub claim: Option<Claim>,
    /// The dispensation's total split between the sponsor and the patient (contract §9), read leniently like
    /// each line's `coverage`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub amounts: Option<Amounts>,
    /// The authorization a COMPLETED authorization dispensation redeemed (`auth_…`), as settlements name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<Id>,
    /// The invoice a completion carried (a sandbox extra: lets a terminal that crashed see what it sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceInfo>,
}

/// The invoice fields of a completed dispensation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceInfo {
    pub document_number: String,
    #[serde(default)]
    pub document_serial: Option<String>,
    pub document_date: String,
    #[serde(default)]
    pub provider_transaction_id: Option<String>,
}

/// `POST /dispensing/v1/dispensations`: start a dispensation by looking a code up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StartRequest {
    /// The code as printed or scanned; case and surrounding spaces do not matter.
    #[schema(min_length = 1, pattern = "\\S", example = "AUTH-2026-000102")]
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary_id: Option<Id>,
    /// ISO 4217, e.g. `GTQ`; must be the code's own currency when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub currency_code: Option<String>,
}

/// `PUT /dispensing/v1/dispensations/{id}`: the new set of lines; lines left out deliver nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UpdateRequest {
    pub products: Vec<UpdateLine>,
}

/// One line of an [`UpdateRequest`]. Quantities are signed so that a negative one is reported as
/// `QUANTITY_INVALID` rather than as undecodable JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UpdateLine {
    pub id: Id,
    #[serde(deserialize_with = "whole::number")]
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxes: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute_product_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "whole::optional")]
    pub substitute_quantity: Option<i64>,
    /// A reason this build does not know is refused, as the contract's list is closed for requests.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "known::optional")]
    pub substitution_reason_enum: Option<SubstitutionReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitution_other_description: Option<String>,
}

/// A verification proof attached in the schema's generic slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExternalVerification {
    /// `OTP` or `BIOMETRIC`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The verification token.
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<String>,
}

/// `POST /dispensing/v1/dispensations/{id}/complete`: finalize with the invoice and the verification proof.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompleteRequest {
    /// Must equal the dispensation's total to the cent.
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// The invoice date: `YYYY-MM-DD` or an RFC 3339 date-time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_transaction_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_verification_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric_verification_token: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_verifications: Vec<ExternalVerification>,
}

/// `POST /dispensing/v1/dispensations/{id}/cancel`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CancelRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `GET /dispensing/v1/dispensations/{id}/verification-status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VerificationStatus {
    pub dispensation_id: Id,
    #[serde(default)]
    pub verification_required: Option<VerificationKind>,
    #[serde(default)]
    pub status: VerificationState,
    #[serde(default)]
    pub method: Option<VerificationMethod>,
    #[serde(default)]
    pub challenge_url: Option<String>,
    #[serde(default)]
    pub attempts_remaining: Option<u32>,
}

/// `POST /dispensing/v1/dispensations/{id}/biometric`: a sample captured at the counter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BiometricSample {
    #[serde(deserialize_with = "known::required")]
    pub biometric_type: BiometricType,
    /// `WSQ`, `ISO19794`, `JPEG` or `PNG`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The sample, base64; at most 1 MiB once decoded.
    #[serde(alias = "image_base64")]
    pub sample_base64: String,
}

/// The result of a matching biometric sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BiometricMatch {
    #[serde(rename = "match")]
    pub matched: bool,
    pub score: f64,
    #[serde(default)]
    pub biometric_verification_token: Option<String>,
}

/// `POST /dispensing/v1/dispensations/{id}/biometric/challenge`: ask for a check on the beneficiary's phone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChallengeRequest {
    #[serde(deserialize_with = "known::required")]
    pub biometric_type: BiometricType,
}

/// A remote biometric challenge the beneficiary opens on their phone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Challenge {
    pub challenge_url: String,
    /// Seconds until the challenge lapses, at most a day.
    #[serde(deserialize_with = "bounded::verification_secs")]
    pub expires_in: u64,
    #[serde(default)]
    pub challenge_id: Option<Id>,
}

/// Paging metadata of list replies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PageInfo {
    pub number: u32,
    pub size: u32,
    pub total_elements: u64,
    pub total_pages: u32,
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub content: Vec<T>,
    pub page: PageInfo,
}

impl ProductLine {
    /// Units this line delivers: the product itself plus any substitute.
    pub fn units(&self) -> u32 {
        self.quantity.saturating_add(self.substitute_quantity.unwrap_or(0))
    }

    /// The line's subtotal as the contract computes it: `unit_price × units + taxes`, rounded half-even; a line
    /// that delivers nothing costs nothing. Never an overflow for a decoded line (see [`bounded`]).
    pub fn subtotal(&self) -> Result<Decimal, money::Overflow> {
        money::line_total(self.unit_price, self.units(), self.taxes)
    }

    /// Units that may still be delivered (the guide-style shape has no availability: its quantity is it).
    pub fn available(&self) -> u32 {
        self.available_quantity.unwrap_or(self.quantity)
    }

    /// Whether the line may deliver anything now: not locked, and something left.
    pub fn dispensable(&self) -> bool {
        self.available() > 0 && !self.status.as_deref().is_some_and(|status| status.eq_ignore_ascii_case("LOCKED"))
    }
}

impl Dispensation {
    /// The amount `complete` must carry: Σ line subtotals, computed exactly as the server does. Never an
    /// overflow for a decoded dispensation: decoding refuses lines whose total cannot be computed.
    pub fn amount_due(&self) -> Result<Decimal, money::Overflow> {
        money::total(self.products.iter().map(ProductLine::subtotal))
    }

    /// What the dispensation charged: the server's total once it has one, the lines' sum until then.
    pub fn charged(&self) -> Result<Decimal, money::Overflow> {
        self.total_amount.map_or_else(|| self.amount_due(), Ok)
    }

    /// Recomputes each line's `coverage` and the `amounts` with [`share`], from the lines' quantities and prices
    /// as they stand and each line's rule as the server last sent it: what the counter shows while its `PUT` is
    /// on its way. Without a coverage on every line (a reply without them), or with a rule this build does not
    /// know, nothing is recomputed and `amounts` is cleared: an old share must not be shown as the new one.
    /// Returns the new amounts.
    pub fn reshare(&mut self) -> Option<Amounts> {
        let shared = self.reshared();
        if let Some((coverages, _)) = &shared {
            for (line, coverage) in self.products.iter_mut().zip(coverages) {
                line.coverage = Some(coverage.clone());
            }
        }
        self.amounts = shared.map(|(_, amounts)| amounts);
        self.amounts
    }

    fn reshared(&self) -> Option<(Vec<LineCoverage>, Amounts)> {
        let lines = self
            .products
            .iter()
            .map(|line| Some((line.subtotal().ok()?, Terms::of(line.coverage.as_ref()?))))
            .collect::<Option<Vec<_>>>()?;
        share(&lines)
    }
}

/// A value read leniently: absent, `null` or unreadable is `None`. For what the contract adds beyond Osigu's
/// documentation (coverage): a server that sends it in another shape loses that information, not the reply.
fn lenient<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// A dispensation's lines: each range-checked by its own fields, at most [`bounded::MAX_LINES`] of them, and
/// their total computable, so that [`Dispensation::amount_due`] of a decoded dispensation always has a value.
fn priced_lines<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<ProductLine>, D::Error> {
    use serde::de::Error;
    let lines = Vec::<ProductLine>::deserialize(deserializer)?;
    if lines.len() > bounded::MAX_LINES {
        return Err(D::Error::invalid_length(lines.len(), &"at most 1000 lines"));
    }
    money::total(lines.iter().map(ProductLine::subtotal)).map_err(D::Error::custom)?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_guides_short_start_reply() {
        let body = r#"{"dispensation_id":"dsp_01HXDN","status":"STARTED","code_type":"AUTHORIZATION",
            "products":[{"product_code":"MED-042","quantity":30,"unit_price":12.50}],
            "verification_required":"OTP"}"#;
        let dispensation: Dispensation = serde_json::from_str(body).unwrap();
        assert_eq!(dispensation.products[0].unit_price, Decimal::new(125, 1));
        assert_eq!(dispensation.products[0].taxes, Decimal::ZERO);
        assert_eq!(dispensation.verification_required, Some(VerificationKind::Otp));
        assert_eq!(dispensation.verification.status, VerificationState::NotRequired);
    }

    fn with_products(products: &str) -> Result<Dispensation, serde_json::Error> {
        let body = format!(
            r#"{{"dispensation_id":"dsp_1","status":"STARTED","code_type":"AUTHORIZATION","products":{products}}}"#
        );
        serde_json::from_str(&body)
    }

    #[test]
    fn prices_and_quantities_past_their_bounds_do_not_decode() {
        let line = |quantity: &str, price: &str| {
            format!(r#"{{"product_code":"MED-1","quantity":{quantity},"unit_price":{price}}}"#)
        };
        let ok = with_products(&format!("[{}]", line("30", "12.50"))).unwrap();
        assert_eq!(ok.amount_due(), Ok(Decimal::new(375, 0)));
        // The issue's replies: one price of 7.9e28; two lines of 5e28, whose sum overflows.
        assert!(with_products(&format!("[{}]", line("1", "7.9e28"))).is_err());
        assert!(with_products(&format!("[{},{}]", line("1", "5e28"), line("1", "5e28"))).is_err());
        assert!(with_products(&format!("[{}]", line("1", "-1"))).is_err(), "a negative price");
        assert!(with_products(&format!("[{}]", line("1000001", "1"))).is_err(), "a million and one units");
        let taxes = r#"[{"product_code":"MED-1","quantity":1,"unit_price":1,"taxes":1e13}]"#;
        assert!(with_products(taxes).is_err());
        let total = r#"{"dispensation_id":"d","status":"COMPLETED","code_type":"PRESCRIPTION","total_amount":1e20}"#;
        assert!(serde_json::from_str::<Dispensation>(total).is_err());
        let claim = r#"{"dispensation_id":"d","status":"COMPLETED","code_type":"AUTHORIZATION",
            "claim":{"claim_id":"c","amount":-5}}"#;
        assert!(serde_json::from_str::<Dispensation>(claim).is_err());
    }

    #[test]
    fn a_dispensation_of_more_than_a_thousand_lines_does_not_decode() {
        let line = r#"{"product_code":"M","quantity":1,"unit_price":1}"#;
        let lines = |count: usize| format!("[{}]", vec![line; count].join(","));
        assert_eq!(with_products(&lines(bounded::MAX_LINES)).unwrap().products.len(), bounded::MAX_LINES);
        assert!(with_products(&lines(bounded::MAX_LINES + 1)).is_err());
    }

    #[test]
    fn the_totals_of_lines_built_by_hand_are_checked_too() {
        let mut dispensation = with_products(r#"[{"product_code":"M","quantity":2,"unit_price":1}]"#).unwrap();
        dispensation.products[0].unit_price = Decimal::MAX;
        assert_eq!(dispensation.amount_due(), Err(money::Overflow));
        assert_eq!(dispensation.charged(), Err(money::Overflow));
        dispensation.total_amount = Some(Decimal::ONE);
        assert_eq!(dispensation.charged(), Ok(Decimal::ONE), "the server's total once it has one");
    }

    #[test]
    fn coverage_absent_or_unreadable_is_none_and_the_dispensation_still_decodes() {
        let bare = with_products(r#"[{"product_code":"M","quantity":2,"unit_price":1}]"#).unwrap();
        assert_eq!(
            (bare.products[0].coverage.as_ref(), bare.amounts, bare.authorization_id.as_ref()),
            (None, None, None)
        );
        let json = serde_json::to_value(&bare).unwrap();
        assert!(json.get("amounts").is_none() && json["products"][0].get("coverage").is_none(), "{json}");
        // A shape this build cannot read (a newer server's, a broken one's) loses the coverage, not the reply.
        let odd = r#"{"dispensation_id":"d","status":"STARTED","code_type":"AUTHORIZATION",
            "products":[{"product_code":"M","quantity":2,"unit_price":1,"coverage":"80 %"},
                        {"product_code":"N","quantity":1,"unit_price":1,"coverage":{"covered":true,"rule":"COINSURANCE",
                         "percent":250,"sponsor_amount":1,"patient_amount":0}}],
            "amounts":{"total":-3,"sponsor":1,"patient":1}}"#;
        let odd: Dispensation = serde_json::from_str(odd).unwrap();
        assert!(odd.products.iter().all(|line| line.coverage.is_none()));
        assert_eq!(odd.amounts, None);
        let claim = r#"{"dispensation_id":"d","status":"COMPLETED","code_type":"AUTHORIZATION",
            "claim":{"claim_id":"c","amount":63,"copayment":-1}}"#;
        assert!(serde_json::from_str::<Dispensation>(claim).is_err(), "claim amounts are bounded like the rest");
    }

    #[test]
    fn reshare_recomputes_each_line_from_its_rule_as_last_sent_and_clears_what_it_cannot() {
        let line = |quantity: u32, coverage: &str| {
            format!(r#"{{"product_code":"M","quantity":{quantity},"unit_price":3.75,"coverage":{coverage}}}"#)
        };
        let copay =
            r#"{"covered":true,"rule":"COPAY_PER_DISPENSATION","fixed":50,"sponsor_amount":28.75,"patient_amount":50}"#;
        let excluded = r#"{"covered":false,"rule":"NOT_COVERED","sponsor_amount":0,"patient_amount":3.75}"#;
        let mut dispensation =
            with_products(&format!("[{},{},{}]", line(21, copay), line(1, excluded), line(4, copay))).unwrap();
        // The clerk lowers line 1 to 4 units (15.00): the Q50 comes from it and then from line 3's 15.00.
        dispensation.products[0].quantity = 4;
        let amounts = dispensation.reshare().unwrap();
        let patient: Vec<Decimal> =
            dispensation.products.iter().map(|line| line.coverage.as_ref().unwrap().patient_amount).collect();
        assert_eq!(patient, [Decimal::new(15, 0), Decimal::new(375, 2), Decimal::new(15, 0)]);
        assert_eq!(
            amounts,
            Amounts { total: Decimal::new(3375, 2), sponsor: Decimal::ZERO, patient: Decimal::new(3375, 2) }
        );
        assert_eq!(dispensation.amounts, Some(amounts));
        // A line without coverage: nothing to recompute from, and the old sums are not left standing.
        dispensation.products[1].coverage = None;
        assert_eq!(dispensation.reshare(), None);
        assert_eq!(dispensation.amounts, None);
    }

    #[test]
    fn a_challenge_lasting_more_than_a_day_does_not_decode() {
        let challenge = |secs: &str| {
            serde_json::from_str::<Challenge>(&format!(r#"{{"challenge_url":"https://x/c","expires_in":{secs}}}"#))
        };
        assert_eq!(challenge("600").unwrap().expires_in, 600);
        assert!(challenge("999999999999").is_err());
    }

    #[test]
    fn requests_refuse_values_the_contract_does_not_name() {
        assert!(serde_json::from_str::<ChallengeRequest>(r#"{"biometric_type":"IRIS"}"#).is_err());
        let line = r#"{"id":"l1","quantity":1,"substitute_product_code":"X","substitution_reason_enum":"PRICE"}"#;
        assert!(serde_json::from_str::<UpdateLine>(line).is_err());
    }

    #[test]
    fn accepts_the_schema_product_type_vocabulary() {
        let types: Vec<ProductType> =
            serde_json::from_str(r#"["DRUG","LABORATORY","DIAGNOSTIC_TEST","MEDICAL_PROCEDURE","MEDICATION"]"#)
                .unwrap();
        assert_eq!(
            types,
            [
                ProductType::Medication,
                ProductType::Lab,
                ProductType::Imaging,
                ProductType::Procedure,
                ProductType::Medication
            ]
        );
    }
}
