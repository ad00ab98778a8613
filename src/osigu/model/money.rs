//! Money: exact decimals on the inside, JSON numbers on the wire, and the contract's rounding rule.
//!
//! Both the sandbox and the counter compute a dispensation's total with these functions, so the amount the
//! clerk finalizes is, to the cent, the amount the server expects. The arithmetic is checked: an amount past
//! what a decimal holds is an [`Overflow`], never a panic (decoding already refuses amounts and quantities
//! that could get there, see [`super::bounded`]).

use rust_decimal::{Decimal, RoundingStrategy};

/// An amount in a currency whose fraction digits are 2 (GTQ, DOP, COP, EUR).
pub type Money = Decimal;

/// Fraction digits of every currency the contract uses.
pub const FRACTION_DIGITS: u32 = 2;

/// Rounds half-even to the currency's fraction digits, as the contract requires per line.
pub fn round(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(FRACTION_DIGITS, RoundingStrategy::MidpointNearestEven)
}

/// An amount too large to compute: the counter takes it as a reply it cannot understand, the sandbox as a
/// request it cannot honour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the amount is too large to compute")]
pub struct Overflow;

/// One line's subtotal: `unit_price × units + taxes`, rounded half-even; a line that delivers nothing costs
/// nothing (its taxes included). The counter and the sandbox both call this, so they agree to the cent.
pub fn line_total(unit_price: Decimal, units: u32, taxes: Decimal) -> Result<Decimal, Overflow> {
    if units == 0 {
        return Ok(Decimal::ZERO);
    }
    let amount = unit_price.checked_mul(Decimal::from(units)).and_then(|amount| amount.checked_add(taxes));
    amount.map(round).ok_or(Overflow)
}

/// The total of already-rounded line subtotals (as [`line_total`] gives them: the first overflow is the total's).
pub fn total(lines: impl IntoIterator<Item = Result<Decimal, Overflow>>) -> Result<Decimal, Overflow> {
    lines.into_iter().try_fold(Decimal::ZERO, |sum, line| sum.checked_add(line?).ok_or(Overflow))
}

/// Whether two amounts are equal once both are rounded to the currency's fraction digits.
pub fn same_amount(a: Decimal, b: Decimal) -> bool {
    round(a) == round(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn rounds_each_line_half_even_before_summing() {
        // 0.125 × 1 → 0.12 (half to even), 0.135 × 1 → 0.14
        assert_eq!(line_total(dec("0.125"), 1, Decimal::ZERO), Ok(dec("0.12")));
        assert_eq!(line_total(dec("0.135"), 1, Decimal::ZERO), Ok(dec("0.14")));
        assert_eq!(total([Ok(dec("0.12")), Ok(dec("0.14"))]), Ok(dec("0.26")));
        assert_eq!(line_total(dec("12.50"), 30, dec("0")), Ok(dec("375.00")));
        assert_eq!(line_total(dec("6.40"), 0, dec("10.75")), Ok(Decimal::ZERO), "no units, no taxes either");
    }

    #[test]
    fn amounts_past_what_a_decimal_holds_are_an_overflow_not_a_panic() {
        // The two replies: one price of 7.9e28 times 2 units, and two lines of 5e28 each.
        assert_eq!(line_total(dec("79000000000000000000000000000"), 2, Decimal::ZERO), Err(Overflow));
        assert_eq!(line_total(Decimal::MAX, 1, dec("1")), Err(Overflow), "the taxes tip it over");
        let half = line_total(dec("50000000000000000000000000000"), 1, Decimal::ZERO);
        assert!(half.is_ok());
        assert_eq!(total([half, half]), Err(Overflow));
        assert_eq!(total([Ok(dec("1")), Err(Overflow), Ok(dec("2"))]), Err(Overflow));
        assert_eq!(total([]), Ok(Decimal::ZERO));
    }

    #[test]
    fn amounts_compare_to_the_cent() {
        assert!(same_amount(dec("375"), dec("375.00")));
        assert!(!same_amount(dec("375.01"), dec("375.00")));
    }
}
