//! Range checks where a reply is decoded: durations, quantities and amounts of money outside what a pharmacy
//! counter can mean are refused right there, so a hostile or broken reply becomes "a reply that cannot be read"
//! (`ClientError::Undecodable`, which the counter shows as such) instead of an overflow later, in date or money
//! arithmetic, that would end the program.
//!
//! Each bound is far beyond real use and small enough that everything computed from the values stays exact:
//! a line costs at most `MAX_AMOUNT × 2·MAX_QUANTITY + MAX_AMOUNT` ≈ 2·10^18, so the sum of [`MAX_LINES`]
//! lines (≈ 2·10^21) is far inside `rust_decimal`'s 7.9·10^28, and their units (a product plus its substitute,
//! at most 2·10^9) fit a `u32`; a duration of at most a year added to any date this side of 9000 stays a
//! valid date.
//!
//! Use them as `#[serde(deserialize_with = "bounded::quantity")]` (the `optional_*` ones with
//! `#[serde(default, …)]`). Requests the sandbox receives are validated by the sandbox itself, with its own
//! messages, so these are for replies.

use rust_decimal::Decimal;
use serde::de::{self, Deserialize, Deserializer, Unexpected};

use super::whole;

/// Longest an OTP, its resend cool-down, a facial challenge or an OTP verification token may last: one day.
/// The contract's are minutes (an OTP lasts 5, a challenge 10); a day is already absurd at a counter.
pub const MAX_VERIFICATION_SECS: u64 = 24 * 60 * 60;

/// Longest lifetime of an access token: a year. The client refreshes every token after 50 minutes whatever it
/// says, so the bound only keeps its arithmetic sane without refusing a generous server.
pub const MAX_TOKEN_SECS: u64 = 366 * 24 * 60 * 60;

/// Most units one line may prescribe, authorize, make available or deliver: a million.
pub const MAX_QUANTITY: u32 = 1_000_000;

/// Largest amount of money a price, a tax, a total or a claim may carry: 10^12 in the currency's units (a
/// trillion quetzales, pesos or euros). Amounts are never negative.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// Most lines one dispensation may have: a thousand (a long prescription has a dozen).
pub const MAX_LINES: usize = 1_000;

const SECONDS_IN_A_DAY: &str = "a number of seconds of at most one day (86400)";
const SECONDS_IN_A_YEAR: &str = "a number of seconds of at most a year (31622400)";
const A_QUANTITY: &str = "a whole number of units of at most 1000000";
const AN_AMOUNT: &str = "an amount from 0 to 1000000000000";

fn seconds_at_most<E: de::Error>(seconds: u64, max: u64, expected: &'static str) -> Result<u64, E> {
    if seconds > max {
        return Err(E::invalid_value(Unexpected::Unsigned(seconds), &expected));
    }
    Ok(seconds)
}

/// Seconds of an OTP, a cool-down or a challenge: at most [`MAX_VERIFICATION_SECS`].
pub fn verification_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    seconds_at_most(u64::deserialize(deserializer)?, MAX_VERIFICATION_SECS, SECONDS_IN_A_DAY)
}

/// [`verification_secs`], or `null` / absent.
pub fn optional_verification_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Option::<u64>::deserialize(deserializer)?
        .map(|seconds| seconds_at_most(seconds, MAX_VERIFICATION_SECS, SECONDS_IN_A_DAY))
        .transpose()
}

/// Seconds an access token lives: at most [`MAX_TOKEN_SECS`].
pub fn token_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    seconds_at_most(u64::deserialize(deserializer)?, MAX_TOKEN_SECS, SECONDS_IN_A_YEAR)
}

fn quantity_at_most<E: de::Error>(units: u32) -> Result<u32, E> {
    if units > MAX_QUANTITY {
        return Err(E::invalid_value(Unexpected::Unsigned(units.into()), &A_QUANTITY));
    }
    Ok(units)
}

/// A whole number of units (`30` or `30.0`), at most [`MAX_QUANTITY`].
pub fn quantity<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    quantity_at_most(whole::number(deserializer)?)
}

/// [`quantity`], or `null` / absent.
pub fn optional_quantity<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    whole::optional(deserializer)?.map(quantity_at_most).transpose()
}

fn amount_in_range<E: de::Error>(amount: Decimal) -> Result<Decimal, E> {
    if amount < Decimal::ZERO || amount > MAX_AMOUNT {
        return Err(E::invalid_value(Unexpected::Other("an amount out of range"), &AN_AMOUNT));
    }
    Ok(amount)
}

/// An amount of money from 0 to [`MAX_AMOUNT`].
pub fn amount<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    amount_in_range(<Decimal as Deserialize>::deserialize(deserializer)?)
}

/// [`amount`], or `null` / absent.
pub fn optional_amount<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    Option::<Decimal>::deserialize(deserializer)?.map(amount_in_range).transpose()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(default, deserialize_with = "optional_verification_secs")]
        expires_in: Option<u64>,
        #[serde(default, deserialize_with = "optional_quantity")]
        quantity: Option<u32>,
        #[serde(default, deserialize_with = "optional_amount")]
        price: Option<Decimal>,
    }

    fn parse(text: &str) -> Result<Sample, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn the_largest_amount_is_ten_to_the_twelfth() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000_u64));
    }

    #[test]
    fn values_within_their_bounds_decode_and_absent_ones_stay_absent() {
        let sample = parse(r#"{"expires_in": 86400, "quantity": 1000000.0, "price": 1000000000000}"#).unwrap();
        assert_eq!(sample.expires_in, Some(86_400));
        assert_eq!(sample.quantity, Some(1_000_000));
        assert_eq!(sample.price, Some(MAX_AMOUNT));
        assert_eq!(parse(r#"{"expires_in": null, "price": 0}"#).unwrap().price, Some(Decimal::ZERO));
        assert_eq!(parse("{}").unwrap(), Sample { expires_in: None, quantity: None, price: None });
    }

    #[test]
    fn values_past_their_bounds_are_refused_naming_the_bound() {
        for body in [
            r#"{"expires_in": 86401}"#,
            r#"{"expires_in": 999999999999}"#,
            r#"{"expires_in": -1}"#,
            r#"{"quantity": 1000001}"#,
            r#"{"price": 1000000000000.01}"#,
            r#"{"price": 7.9e28}"#,
            r#"{"price": -0.01}"#,
        ] {
            assert!(parse(body).is_err(), "{body} decoded");
        }
        let error = parse(r#"{"quantity": 5000000}"#).unwrap_err().to_string();
        assert!(error.contains("at most 1000000"), "{error}");
    }
}
