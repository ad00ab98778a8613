//! The redeemable codes: authorizations (insurer pays, claim follows) and electronic prescriptions, with the
//! quantities already redeemed, and one uniform view of their lines for dispensing.

use rust_decimal::Decimal;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::osigu::model::{Diagnosis, Id, Prescriber, money};

/// Authorization lifecycle states that matter at the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum AuthorizationStatus {
    Ready,
    PartiallyClaimed,
    Claimed,
    Voided,
    PendingReview,
}

impl AuthorizationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "READY",
            Self::PartiallyClaimed => "PARTIALLY_CLAIMED",
            Self::Claimed => "CLAIMED",
            Self::Voided => "VOIDED",
            Self::PendingReview => "PENDING_REVIEW",
        }
    }
}

/// One authorized product.
#[derive(Clone, Debug)]
pub(crate) struct AuthorizationLine {
    pub id: Id,
    pub product_code: String,
    pub prescribed: u32,
    pub authorized: u32,
    pub claimed: u32,
    pub unit_price: Decimal,
    /// Taxes for the whole authorized quantity; a partial quantity pays its share.
    pub taxes: Decimal,
    pub posology: Option<String>,
    pub duration_days: Option<u32>,
    pub substitution_allowed: bool,
}

/// An insurer's authorization code.
#[derive(Clone, Debug)]
pub(crate) struct AuthorizationRecord {
    pub authorization_id: Id,
    pub code: String,
    pub sponsor_slug: String,
    pub beneficiary_id: Id,
    pub status: AuthorizationStatus,
    pub expires_at: OffsetDateTime,
    pub prescriber: Prescriber,
    pub diagnoses: Vec<Diagnosis>,
    pub lines: Vec<AuthorizationLine>,
}

impl AuthorizationRecord {
    /// Adds what a completed dispensation delivered and moves the status along.
    pub fn claim(&mut self, line_id: &Id, units: u32) {
        if let Some(line) = self.lines.iter_mut().find(|line| &line.id == line_id) {
            line.claimed = line.claimed.saturating_add(units).min(line.authorized);
        }
        let exhausted = self.lines.iter().all(|line| line.claimed >= line.authorized);
        self.status = if exhausted { AuthorizationStatus::Claimed } else { AuthorizationStatus::PartiallyClaimed };
    }
}

/// Per-item state of a prescription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ItemStatus {
    Dispensable,
    Locked,
    Dispensed,
    PartiallyDispensed,
    Substituted,
    PartiallySubstituted,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dispensable => "DISPENSABLE",
            Self::Locked => "LOCKED",
            Self::Dispensed => "DISPENSED",
            Self::PartiallyDispensed => "PARTIALLY_DISPENSED",
            Self::Substituted => "SUBSTITUTED",
            Self::PartiallySubstituted => "PARTIALLY_SUBSTITUTED",
        }
    }
}

/// One prescribed product.
#[derive(Clone, Debug)]
pub(crate) struct PrescriptionItem {
    pub id: Id,
    pub product_code: String,
    pub quantity: u32,
    pub dispensed: u32,
    pub substituted: u32,
    pub status: ItemStatus,
    pub lock_reason: Option<String>,
    pub posology: Option<String>,
    pub duration_days: Option<u32>,
}

impl PrescriptionItem {
    pub fn available(&self) -> u32 {
        if self.status == ItemStatus::Locked {
            return 0;
        }
        self.quantity.saturating_sub(self.dispensed.saturating_add(self.substituted))
    }

    /// Records a delivery and names the new state as the prescription schema does.
    pub fn deliver(&mut self, original: u32, substitute: u32) {
        self.dispensed = self.dispensed.saturating_add(original);
        self.substituted = self.substituted.saturating_add(substitute);
        let complete = self.dispensed.saturating_add(self.substituted) >= self.quantity;
        self.status = match (self.substituted > 0, complete) {
            (true, true) => ItemStatus::Substituted,
            (true, false) => ItemStatus::PartiallySubstituted,
            (false, true) => ItemStatus::Dispensed,
            (false, false) => ItemStatus::PartiallyDispensed,
        };
    }
}

/// An electronic prescription code (cash: the patient pays).
#[derive(Clone, Debug)]
pub(crate) struct PrescriptionRecord {
    pub prescription_id: Id,
    pub code: String,
    pub patient_id: Id,
    /// `v1`, `v1.1` or `v2`: the endpoint that issued it.
    pub version: String,
    pub created_at: OffsetDateTime,
    pub valid_from: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub prescriber: Prescriber,
    pub diagnoses: Vec<Diagnosis>,
    pub items: Vec<PrescriptionItem>,
}

/// A line of either kind of code, as dispensing sees it.
#[derive(Clone, Debug)]
pub(crate) struct SourceLine {
    pub id: Id,
    pub product_code: String,
    pub prescribed: u32,
    pub authorized: u32,
    pub claimed: u32,
    pub available: u32,
    pub unit_price: Decimal,
    pub taxes: Decimal,
    /// The quantity `taxes` is for.
    pub taxed_units: u32,
    pub posology: Option<String>,
    pub duration_days: Option<u32>,
    pub substitution_allowed: bool,
    pub status: &'static str,
    pub lock_reason: Option<String>,
}

impl SourceLine {
    /// The taxes owed on `units`: the line's taxes prorated, half-even to the cent. Checked arithmetic; the
    /// line's whole taxes should it ever overflow (seeded taxes are small, so it does not).
    pub fn taxes_for(&self, units: u32) -> Decimal {
        if self.taxed_units == 0 || units == 0 {
            return Decimal::ZERO;
        }
        self.taxes
            .checked_mul(Decimal::from(units))
            .and_then(|scaled| scaled.checked_div(Decimal::from(self.taxed_units)))
            .map_or(self.taxes, money::round)
    }

    pub fn from_authorization(line: &AuthorizationLine) -> Self {
        let status = if line.claimed >= line.authorized {
            AuthorizationStatus::Claimed
        } else if line.claimed > 0 {
            AuthorizationStatus::PartiallyClaimed
        } else {
            AuthorizationStatus::Ready
        };
        Self {
            id: line.id.clone(),
            product_code: line.product_code.clone(),
            prescribed: line.prescribed,
            authorized: line.authorized,
            claimed: line.claimed,
            available: line.authorized.saturating_sub(line.claimed),
            unit_price: line.unit_price,
            taxes: line.taxes,
            taxed_units: line.authorized,
            posology: line.posology.clone(),
            duration_days: line.duration_days,
            substitution_allowed: line.substitution_allowed,
            status: if status == AuthorizationStatus::Ready { "APPROVED" } else { status.as_str() },
            lock_reason: None,
        }
    }

    pub fn from_prescription(item: &PrescriptionItem, unit_price: Decimal) -> Self {
        Self {
            id: item.id.clone(),
            product_code: item.product_code.clone(),
            prescribed: item.quantity,
            authorized: item.quantity,
            claimed: item.dispensed.saturating_add(item.substituted),
            available: item.available(),
            unit_price,
            taxes: Decimal::ZERO,
            taxed_units: item.quantity,
            posology: item.posology.clone(),
            duration_days: item.duration_days,
            substitution_allowed: true,
            status: item.status.as_str(),
            lock_reason: item.lock_reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(quantity: u32) -> PrescriptionItem {
        PrescriptionItem {
            id: Id::new("line_1"),
            product_code: "MED-1".into(),
            quantity,
            dispensed: 0,
            substituted: 0,
            status: ItemStatus::Dispensable,
            lock_reason: None,
            posology: None,
            duration_days: None,
        }
    }

    #[test]
    fn prescription_items_take_the_schema_statuses() {
        let mut full = item(10);
        full.deliver(10, 0);
        assert_eq!(full.status, ItemStatus::Dispensed);
        let mut partial = item(10);
        partial.deliver(4, 0);
        assert_eq!((partial.status, partial.available()), (ItemStatus::PartiallyDispensed, 6));
        let mut swapped = item(10);
        swapped.deliver(0, 10);
        assert_eq!(swapped.status, ItemStatus::Substituted);
        let mut some_swapped = item(10);
        some_swapped.deliver(3, 2);
        assert_eq!(some_swapped.status, ItemStatus::PartiallySubstituted);
    }

    #[test]
    fn partial_quantities_pay_their_share_of_the_taxes() {
        let line = AuthorizationLine {
            id: Id::new("line_3"),
            product_code: "MED-215".into(),
            prescribed: 14,
            authorized: 14,
            claimed: 0,
            unit_price: Decimal::new(640, 2),
            taxes: Decimal::new(1075, 2),
            posology: None,
            duration_days: None,
            substitution_allowed: true,
        };
        let source = SourceLine::from_authorization(&line);
        assert_eq!(source.taxes_for(14), Decimal::new(1075, 2));
        // 10.75 × 7 / 14 = 5.375 → 5.38 (half-even keeps the 8)
        assert_eq!(source.taxes_for(7), Decimal::new(538, 2));
        assert_eq!(source.taxes_for(0), Decimal::ZERO);
    }
}
