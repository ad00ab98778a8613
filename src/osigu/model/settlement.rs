//! Settlement batches, the Dominican radicación (contract §6): a batch per sponsor and period, the claims still
//! waiting for one, and the request bodies that open, fill and submit a batch.
//!
//! The sandbox emits exactly these shapes; the counter decodes them, so every field the real API may leave
//! out is optional, amounts are range-checked ([`bounded`]) and a status this build does not know decodes as
//! `Unknown` rather than failing the whole reply.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Id, bounded};

/// Where a batch is in its life: `OPEN → SUBMITTED → ACCEPTED | REJECTED | PARTIALLY_ACCEPTED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SettlementStatus {
    /// Claims may be attached; nothing has been sent to the sponsor.
    Open,
    /// Invoiced and sent; the sponsor has not answered yet.
    Submitted,
    /// Every claim accepted: the sponsor pays the whole batch.
    Accepted,
    /// Every claim rejected.
    Rejected,
    /// Some claims accepted, some rejected (each entry says which, and why).
    PartiallyAccepted,
    /// A status this build does not know. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl SettlementStatus {
    /// Whether the sponsor has answered: nothing about the batch changes any more.
    pub fn is_decided(self) -> bool {
        matches!(self, Self::Accepted | Self::Rejected | Self::PartiallyAccepted)
    }
}

/// The sponsor's answer for one claim of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SettlementEntryStatus {
    Accepted,
    Rejected,
    /// A value this build does not know. Decoded, never sent.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// An instant written as RFC 3339 or, as "dispensation date" may be, a plain `YYYY-MM-DD` (read as its first
/// second, UTC); `null` or absent is `None`.
fn instant_or_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<OffsetDateTime>, D::Error> {
    use time::format_description::well_known::Rfc3339;
    let Some(text) = Option::<String>::deserialize(deserializer)? else { return Ok(None) };
    if let Ok(instant) = OffsetDateTime::parse(&text, &Rfc3339) {
        return Ok(Some(instant));
    }
    time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"))
        .map(|date| Some(date.midnight().assume_utc()))
        .map_err(|_| serde::de::Error::invalid_value(serde::de::Unexpected::Str(&text), &"RFC 3339 or YYYY-MM-DD"))
}

/// A completed claim of the batch's sponsor and period that no batch holds yet
/// (`GET /v3/settlements/{id}/pending-authorizations`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PendingAuthorization {
    pub authorization_id: Id,
    pub claim_id: Id,
    /// What the sponsor is asked to pay for this claim: the claim's `amount` (contract §9), i.e. the
    /// dispensation's total less the patient's share.
    #[serde(deserialize_with = "bounded::amount")]
    pub total_amount: Decimal,
    /// When the claim's dispensation was completed.
    #[serde(
        default,
        alias = "dispensation_date",
        deserialize_with = "instant_or_date",
        serialize_with = "time::serde::rfc3339::option::serialize"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub dispensed_at: Option<OffsetDateTime>,
    /// Sandbox extra: the patient's share of the dispensation (copays, coinsurance, lines not covered).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_amount")]
    pub patient_amount: Option<Decimal>,
    /// Sandbox extra: the dispensation the claim came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispensation_id: Option<Id>,
    /// Sandbox extra: the authorization code (`AUTH-2026-000105`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// One claim inside a batch, with the sponsor's answer once there is one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SettlementEntry {
    pub authorization_id: Id,
    pub claim_id: Id,
    /// The claim's amount (what the sponsor owes for it), as in [`PendingAuthorization::total_amount`].
    #[serde(deserialize_with = "bounded::amount")]
    pub total_amount: Decimal,
    /// `null` until the sponsor decides.
    #[serde(default)]
    pub status: Option<SettlementEntryStatus>,
    /// Why the sponsor rejected the claim, as a machine code (`AMOUNT_OVER_LIMIT`, `LATE_SUBMISSION`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Sandbox extra: the sponsor's words for the rejection, in Spanish, as an ARS writes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_description: Option<String>,
    #[serde(
        default,
        alias = "dispensation_date",
        deserialize_with = "instant_or_date",
        serialize_with = "time::serde::rfc3339::option::serialize"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub dispensed_at: Option<OffsetDateTime>,
    /// Sandbox extra, as in [`PendingAuthorization`].
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_amount")]
    pub patient_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispensation_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A settlement batch (`GET /v3/settlements/{id}`; the other settlement calls answer it too). The guide's
/// start reply (`settlement_id`, `status`, `sponsor_slug`, `created_at`) decodes as well.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Settlement {
    pub settlement_id: Id,
    pub status: SettlementStatus,
    #[serde(default)]
    pub sponsor_slug: Option<String>,
    /// `YYYY-MM`.
    #[serde(default)]
    pub period: Option<String>,
    /// Sandbox extra: the sponsor's currency, which every amount of the batch is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub authorizations: Vec<SettlementEntry>,
    /// Σ entries' `total_amount`.
    #[serde(default, deserialize_with = "bounded::optional_amount")]
    pub total_amount: Option<Decimal>,
    /// Σ `total_amount` of the accepted entries; `null` until the sponsor decides.
    #[serde(default, deserialize_with = "bounded::optional_amount")]
    pub accepted_amount: Option<Decimal>,
    #[serde(default)]
    pub invoice_number: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub invoice_date: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    /// Sandbox extra: when the sponsor will answer a SUBMITTED batch (by the sandbox's clock).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub decision_due_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

/// `POST /v3/settlements`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OpenSettlementRequest {
    pub sponsor_slug: String,
    /// The month whose claims the batch settles, `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub period: String,
}

/// `POST /v3/settlements/{id}/authorizations`: attach these authorizations' pending claims to the batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttachAuthorizationsRequest {
    pub authorization_ids: Vec<Id>,
}

/// `POST /v3/settlements/{id}/complete`: the invoice the batch is billed with. Both fields are checked by the
/// server (a 400 names each wrong one), so both are optional here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompleteSettlementRequest {
    #[serde(default)]
    pub invoice_number: Option<String>,
    /// `YYYY-MM-DD`, not after today.
    #[serde(default)]
    pub invoice_date: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_decode_from_the_guide_reply_and_tolerate_a_new_status() {
        let started: Settlement = serde_json::from_str(
            r#"{"settlement_id": 981, "status": "OPEN", "sponsor_slug": "sponsor-sandbox-do",
                "created_at": "2026-06-25T16:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!((started.settlement_id.as_str(), started.status), ("981", SettlementStatus::Open));
        assert!(started.authorizations.is_empty() && started.accepted_amount.is_none());
        let later: Settlement = serde_json::from_str(r#"{"settlement_id": "stl_1", "status": "IN_AUDIT"}"#).unwrap();
        assert_eq!(later.status, SettlementStatus::Unknown);
        assert!(!later.status.is_decided() && SettlementStatus::PartiallyAccepted.is_decided());
    }

    #[test]
    fn pending_claims_read_a_date_or_an_instant_and_refuse_absurd_amounts() {
        let dated: PendingAuthorization = serde_json::from_str(
            r#"{"authorization_id": "auth_1", "claim_id": "clm_1", "total_amount": 1123.5,
                "dispensation_date": "2026-11-21"}"#,
        )
        .unwrap();
        assert_eq!(dated.dispensed_at, Some(time::macros::datetime!(2026-11-21 0:00 UTC)));
        assert_eq!(dated.total_amount, Decimal::new(11235, 1));
        let absurd = r#"{"authorization_id": "a", "claim_id": "c", "total_amount": -1}"#;
        assert!(serde_json::from_str::<PendingAuthorization>(absurd).is_err());
        let undated = r#"{"authorization_id": "a", "claim_id": "c", "total_amount": 1, "dispensed_at": "ayer"}"#;
        assert!(serde_json::from_str::<PendingAuthorization>(undated).is_err());
    }
}
