//! Sponsors, their configuration, search forms and beneficiary search (contract §2).
//!
//! Every enum of the configuration keeps a value this build does not know as `Unknown` (see [`super::known`]),
//! so a sponsor that adds a channel or a settlement mode stays usable with what the counter does know.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{BiometricType, Id, ProductType, SubstitutionReason};

/// A sponsor (insurer, ARS, EPS…) the provider is affiliated with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sponsor {
    pub sponsor_slug: String,
    pub name: String,
    pub country_code: String,
    #[serde(default)]
    pub currency_code: Option<String>,
}

/// Whether the sponsor decides synchronously.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvaluationMode {
    Sync,
    Async,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// The verification a sponsor demands at the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SponsorVerification {
    None,
    Otp,
    Biometric,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// Where a biometric sample is captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BiometricCapture {
    /// The counter's reader.
    Device,
    /// The beneficiary's phone, through a challenge URL.
    Remote,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// Channels an OTP can travel by.
// A channel this build does not know decodes as `Unknown` and is never offered to the clerk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OtpChannel {
    Sms,
    Email,
    InApp,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// Whether and how claims are settled in batches (Dominican radicación).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SettlementMode {
    PerTransaction,
    Batch,
    /// A value this build does not know (a newer contract): decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// `GET /arc/v1/sponsors/{slug}/configuration?product_type=…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SponsorConfiguration {
    pub sponsor_slug: String,
    pub product_type: ProductType,
    pub evaluation_mode: EvaluationMode,
    pub dispensing: DispensingRules,
    pub settlement: SettlementRules,
}

/// What the counter must do for this sponsor's dispensations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DispensingRules {
    pub verification: SponsorVerification,
    /// The first is the default.
    #[serde(default)]
    pub otp_channels: Vec<OtpChannel>,
    #[serde(default)]
    pub biometric_modes: Vec<BiometricType>,
    #[serde(default)]
    pub biometric_capture: Option<BiometricCapture>,
    pub beneficiary_identification: IdentificationRules,
    pub invoice: InvoiceRules,
    pub substitution: SubstitutionRules,
    /// Failed verification attempts allowed per dispensation.
    pub max_attempts: u32,
}

/// Whether the beneficiary must be identified through a form before starting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IdentificationRules {
    pub required: bool,
    #[serde(default)]
    pub form_slug: Option<String>,
}

/// Invoice fields finalize must carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceRules {
    pub document_number_required: bool,
    pub document_serial_required: bool,
}

/// Whether lines may be dispensed as another product, and for which reasons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubstitutionRules {
    pub allowed: bool,
    #[serde(default)]
    pub reasons: Vec<SubstitutionReason>,
}

/// How claims reach the sponsor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SettlementRules {
    pub mode: SettlementMode,
}

/// Field types of search forms. Types the counter cannot edit decode as [`FieldType::Unsupported`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FieldType {
    #[serde(alias = "string")]
    Text,
    Integer,
    Date,
    #[serde(alias = "enum")]
    Select,
    Dropdown,
    Email,
    Phone,
    /// A field type the counter shows read-only. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unsupported,
}

/// A beneficiary search form; the concept page's variant (`form_id`, `label`) decodes too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchForm {
    #[serde(alias = "form_id")]
    pub form_slug: String,
    #[serde(alias = "label")]
    pub fallback_name: String,
    pub fields: Vec<FormField>,
}

/// One field of a [`SearchForm`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FormField {
    /// The key used in the search body.
    #[serde(alias = "key")]
    pub slug: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Choices of SELECT and DROPDOWN fields.
    #[serde(default, alias = "values")]
    pub options: Vec<String>,
    #[serde(default)]
    pub order: Option<u32>,
}

/// The beneficiary's coverage as the search reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Coverage {
    #[serde(default)]
    pub plan_code: Option<String>,
    pub active: bool,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub effective_until: Option<String>,
}

/// `POST /v1/sponsors/{slug}/search` reply. The schema's variant (`id`, `name`, `identity_document_*`,
/// `status`) decodes into the same fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BeneficiaryMatch {
    #[serde(alias = "id")]
    pub beneficiary_id: Id,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// Full name, when the server sends one field only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, alias = "identity_document_type")]
    pub document_type: Option<String>,
    #[serde(default, alias = "identity_document_id")]
    pub document_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_code: Option<String>,
    #[serde(default)]
    pub coverage: Option<Coverage>,
    /// `ENABLED` or `DISABLED` in the schema's variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Contract §2's configuration, with `alter` applied to its text.
    fn configuration(alter: &[(&str, &str)]) -> Result<SponsorConfiguration, serde_json::Error> {
        let mut body = r#"{ "sponsor_slug": "aseguradora-otp", "product_type": "MEDICATION", "evaluation_mode": "SYNC",
          "dispensing": {
            "verification": "OTP",
            "otp_channels": ["SMS", "EMAIL"],
            "biometric_modes": ["FINGERPRINT"],
            "biometric_capture": "DEVICE",
            "beneficiary_identification": { "required": false, "form_slug": null },
            "invoice": { "document_number_required": true, "document_serial_required": false },
            "substitution": { "allowed": true, "reasons": ["OUT_OF_STOCK", "EMERGENCY", "ACTIVE_INGREDIENT", "OTHER"] },
            "max_attempts": 3 },
          "settlement": { "mode": "PER_TRANSACTION" } }"#
            .to_owned();
        for (from, to) in alter {
            assert!(body.contains(from), "{from}");
            body = body.replace(from, to);
        }
        serde_json::from_str(&body)
    }

    #[test]
    fn a_configuration_with_values_this_build_does_not_know_still_decodes() {
        let known = configuration(&[]).unwrap();
        assert_eq!(known.dispensing.otp_channels, [OtpChannel::Sms, OtpChannel::Email]);
        let newer = configuration(&[
            ("\"SYNC\"", "\"DEFERRED\""),
            ("\"verification\": \"OTP\"", "\"verification\": \"VOICE\""),
            ("[\"SMS\", \"EMAIL\"]", "[\"SMS\", \"WHATSAPP\"]"),
            ("[\"FINGERPRINT\"]", "[\"FINGERPRINT\", \"IRIS\"]"),
            ("\"DEVICE\"", "\"KIOSK\""),
            ("\"OTHER\"]", "\"OTHER\", \"PRICE\"]"),
            ("PER_TRANSACTION", "NETTING"),
        ])
        .unwrap();
        assert_eq!(newer.evaluation_mode, EvaluationMode::Unknown);
        assert_eq!(newer.dispensing.verification, SponsorVerification::Unknown);
        assert_eq!(newer.dispensing.otp_channels, [OtpChannel::Sms, OtpChannel::Unknown]);
        assert_eq!(newer.dispensing.biometric_modes, [BiometricType::Fingerprint, BiometricType::Unknown]);
        assert_eq!(newer.dispensing.biometric_capture, Some(BiometricCapture::Unknown));
        assert_eq!(newer.dispensing.substitution.reasons.last(), Some(&SubstitutionReason::Unknown));
        assert_eq!(newer.settlement.mode, SettlementMode::Unknown);
        // What is known is kept as it was.
        assert_eq!(newer.dispensing.max_attempts, 3);
        assert_eq!(newer.dispensing.substitution.reasons[..4], known.dispensing.substitution.reasons[..]);
        // Unknown values are never sent back.
        assert!(serde_json::to_string(&OtpChannel::Unknown).is_err());
        // A value of the wrong type is still refused.
        assert!(configuration(&[("PER_TRANSACTION\"", "PER_TRANSACTION\", \"x\": [")]).is_err());
        assert!(configuration(&[("[\"SMS\", \"EMAIL\"]", "[\"SMS\", 7]")]).is_err());
    }

    #[test]
    fn decodes_both_form_shapes() {
        let concept = r#"[{"form_id":"national-id","label":"Cédula","fields":[
            {"key":"document_type","type":"enum","values":["CC","CE"],"required":true},
            {"key":"document_number","type":"string","required":true}]}]"#;
        let forms: Vec<SearchForm> = serde_json::from_str(concept).unwrap();
        assert_eq!(forms[0].form_slug, "national-id");
        assert_eq!(forms[0].fields[0].field_type, FieldType::Select);
        assert_eq!(forms[0].fields[0].options, ["CC", "CE"]);
        assert_eq!(forms[0].fields[1].field_type, FieldType::Text);

        let schema = r#"[{"form_slug":"dpi","fallback_name":"DPI","fields":[
            {"slug":"document_number","type":"TEXT","label":"DPI","required":true,"order":1},
            {"slug":"photo","type":"FILE_UPLOAD","required":false}]}]"#;
        let forms: Vec<SearchForm> = serde_json::from_str(schema).unwrap();
        assert_eq!(forms[0].fields[1].field_type, FieldType::Unsupported);
    }

    #[test]
    fn decodes_both_search_reply_shapes() {
        let schema = r#"{"id":981,"name":"MARIA GONZALEZ","identity_document_type":"PASSPORT",
            "identity_document_id":"X1","member_code":"M-1","status":"ENABLED"}"#;
        let found: BeneficiaryMatch = serde_json::from_str(schema).unwrap();
        assert_eq!(found.beneficiary_id, Id::new("981"));
        assert_eq!(found.document_number.as_deref(), Some("X1"));
        assert_eq!(found.name.as_deref(), Some("MARIA GONZALEZ"));
    }
}
