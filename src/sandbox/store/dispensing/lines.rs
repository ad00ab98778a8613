//! Replacing a dispensation's lines: partial quantities, prices, taxes and substitutions (`PUT`).
//!
//! Every line is checked before anything is saved. Quantities are whole numbers from 0 to
//! [`limits::MAX_QUANTITY`] (422 `QUANTITY_INVALID`); a unit price or taxes is from 0 to [`limits::MAX_AMOUNT`]
//! with at most the currency's two decimals (422 `PRICE_INVALID`): the contract's money has the currency's
//! fraction digits, and refusing a finer amount tells the client of its rounding bug instead of silently
//! charging another amount than it shows. Within these bounds no total can overflow.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_json::json;

use super::{LineSelection, Substitute, not_found};
use crate::osigu::model::{
    Dispensation, ErrorCode, Id, SubstitutionReason, UpdateLine, UpdateRequest, money, wire_name,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::limits;
use crate::sandbox::store::Store;
use crate::sandbox::store::codes::SourceLine;

impl Store {
    /// `PUT /dispensing/v1/dispensations/{id}`: the request replaces every line; lines it omits deliver nothing.
    pub fn update(&mut self, id: &Id, request: UpdateRequest) -> Result<Dispensation, ApiError> {
        let record = self.started(id)?;
        let sources = self.source_lines(record.code_type, &record.code);
        let rules = record.sponsor_slug.as_deref().and_then(|slug| self.catalog.sponsor(slug));
        let (sponsor_allows, reasons) = match rules {
            Some(sponsor) => (sponsor.dispensing.substitution.allowed, Some(&sponsor.dispensing.substitution.reasons)),
            // A cash prescription answers to no sponsor: the pharmacist decides.
            None => (true, None),
        };

        let mut seen = HashSet::new();
        let mut selections: Vec<LineSelection> = sources
            .iter()
            .map(|source| LineSelection {
                line_id: source.id.clone(),
                quantity: 0,
                unit_price: source.unit_price,
                taxes: Decimal::ZERO,
                substitute: None,
            })
            .collect();
        for (index, line) in request.products.iter().enumerate() {
            let path = format!("products[{index}]");
            let Some(position) = sources.iter().position(|source| source.id == line.id) else {
                return Err(ApiError::invalid_field(format!("{path}.id"), format!("no line {} here", line.id)));
            };
            if !seen.insert(line.id.clone()) {
                return Err(ApiError::invalid_field(format!("{path}.id"), format!("line {} appears twice", line.id)));
            }
            let (Some(source), Some(slot)) = (sources.get(position), selections.get_mut(position)) else {
                return Err(ApiError::invalid_field(format!("{path}.id"), format!("no line {} here", line.id)));
            };
            *slot = self.plan_line(&path, source, line, sponsor_allows, reasons)?;
        }
        // Defense in depth: the bounds above keep the total far from overflowing, but it is computed with
        // checked arithmetic anyway, and refused before it is saved if it ever could not be.
        if money::total(selections.iter().map(LineSelection::subtotal)).is_err() {
            return Err(ApiError::new(ErrorCode::PriceInvalid, "the lines' total is beyond what can be computed"));
        }

        let record = self.dispensations.get_mut(id).ok_or_else(|| not_found(id))?;
        record.lines = selections;
        self.dispensation(id)
    }

    fn plan_line(
        &self,
        path: &str,
        source: &SourceLine,
        line: &UpdateLine,
        sponsor_allows: bool,
        reasons: Option<&Vec<SubstitutionReason>>,
    ) -> Result<LineSelection, ApiError> {
        let quantity = quantity(line.quantity, &format!("{path}.quantity"))?;
        let substitute = match &line.substitute_product_code {
            None => {
                if line.substitute_quantity.is_some() || line.substitution_reason_enum.is_some() {
                    return Err(ApiError::invalid_field(
                        format!("{path}.substitute_product_code"),
                        "substitution fields need substitute_product_code",
                    ));
                }
                None
            }
            Some(product_code) => {
                Some(self.plan_substitute(path, source, line, product_code, sponsor_allows, reasons)?)
            }
        };
        let selection = LineSelection {
            line_id: source.id.clone(),
            quantity,
            unit_price: source.unit_price,
            taxes: Decimal::ZERO,
            substitute,
        };
        let units = selection.units();
        if units > source.available {
            return Err(ApiError::new(
                ErrorCode::QuantityExceedsAvailable,
                format!("line {} has {} available, {units} requested", source.id, source.available),
            )
            .with_field(format!("{path}.quantity"), format!("at most {}", source.available))
            .with_details(
                json!({ "line_id": source.id, "available_quantity": source.available, "requested": units }),
            ));
        }
        let unit_price = amount(line.unit_price, &format!("{path}.unit_price"))?.unwrap_or(source.unit_price);
        let taxes = amount(line.taxes, &format!("{path}.taxes"))?.unwrap_or_else(|| source.taxes_for(units));
        Ok(LineSelection { unit_price, taxes, ..selection })
    }

    fn plan_substitute(
        &self,
        path: &str,
        source: &SourceLine,
        line: &UpdateLine,
        product_code: &str,
        sponsor_allows: bool,
        reasons: Option<&Vec<SubstitutionReason>>,
    ) -> Result<Substitute, ApiError> {
        if !sponsor_allows || !source.substitution_allowed {
            return Err(ApiError::new(
                ErrorCode::SubstitutionNotAllowed,
                format!("line {} may not be substituted", source.id),
            )
            .with_field(format!("{path}.substitute_product_code"), "substitution not allowed"));
        }
        let Some(reason) = line.substitution_reason_enum else {
            return Err(ApiError::new(ErrorCode::SubstitutionReasonRequired, "a substitution needs a reason")
                .with_field(format!("{path}.substitution_reason_enum"), "required"));
        };
        if reasons.is_some_and(|accepted| !accepted.contains(&reason)) {
            return Err(ApiError::new(
                ErrorCode::SubstitutionReasonRequired,
                format!("the sponsor does not accept {} as a substitution reason", wire_name(&reason)),
            )
            .with_field(format!("{path}.substitution_reason_enum"), "not accepted by the sponsor"));
        }
        let description = line.substitution_other_description.as_deref().map(str::trim).filter(|d| !d.is_empty());
        if reason == SubstitutionReason::Other && description.is_none() {
            return Err(ApiError::new(ErrorCode::SubstitutionReasonRequired, "reason OTHER needs a description")
                .with_field(format!("{path}.substitution_other_description"), "required with OTHER"));
        }
        if self.catalog.product(product_code).is_none() {
            return Err(ApiError::new(
                ErrorCode::ProductNotRegistered,
                format!("{product_code} is not a registered provider product"),
            )
            .with_legacy_code("071-104")
            .with_field(format!("{path}.substitute_product_code"), "product not registered"));
        }
        if product_code == source.product_code {
            return Err(ApiError::invalid_field(
                format!("{path}.substitute_product_code"),
                "a line cannot be substituted by its own product",
            ));
        }
        let quantity = match line.substitute_quantity {
            None => {
                return Err(ApiError::invalid_field(
                    format!("{path}.substitute_quantity"),
                    "required with substitute_product_code",
                ));
            }
            Some(given) => quantity(given, &format!("{path}.substitute_quantity"))?,
        };
        Ok(Substitute {
            product_code: product_code.to_owned(),
            quantity,
            reason,
            other_description: description.map(str::to_owned),
        })
    }
}

/// A quantity from 0 to [`limits::MAX_QUANTITY`].
fn quantity(value: i64, path: &str) -> Result<u32, ApiError> {
    u32::try_from(value).ok().filter(|units| *units <= limits::MAX_QUANTITY).ok_or_else(|| {
        let why = format!("must be a whole number from 0 to {}", limits::MAX_QUANTITY);
        ApiError::new(ErrorCode::QuantityInvalid, format!("{path} {value}: {why}")).with_field(path, why)
    })
}

/// A unit price or taxes, when given: from 0 to [`limits::MAX_AMOUNT`], to the cent.
fn amount(value: Option<Decimal>, path: &str) -> Result<Option<Decimal>, ApiError> {
    let Some(amount) = value else {
        return Ok(None);
    };
    let invalid =
        |why: String| ApiError::new(ErrorCode::PriceInvalid, format!("{path} {amount}: {why}")).with_field(path, why);
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(invalid("must be ≥ 0".to_owned()));
    }
    if amount > limits::MAX_AMOUNT {
        return Err(invalid(format!("must be at most {}", limits::MAX_AMOUNT)));
    }
    let amount = amount.normalize();
    if amount.scale() > money::FRACTION_DIGITS {
        return Err(invalid(format!("must have at most {} decimals (the currency's cents)", money::FRACTION_DIGITS)));
    }
    Ok(Some(amount))
}
