//! Money: exact decimals on the inside, JSON numbers on the wire, and the contract's rounding rule.
//!
//! Both the sandbox and the counter compute a dispensation's total with these functions, so the amount the
//! clerk finalizes is, to the cent, the amount the server expects.

use rust_decimal::{Decimal, RoundingStrategy};

/// An amount in a currency whose fraction digits are 2 (GTQ, DOP, COP, EUR).
pub type Money = Decimal;

/// Fraction digits of every currency the contract uses.
pub const FRACTION_DIGITS: u32 = 2;

/// Rounds half-even to the currency's fraction digits, as the contract requires per line.
pub fn round(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(FRACTION_DIGITS, RoundingStrategy::MidpointNearestEven)
}

/// One line's subtotal: `unit_price × units + taxes`, rounded half-even; a line that delivers nothing costs
/// nothing (its taxes included). The counter and the sandbox both call this, so they agree to the cent.
pub fn line_total(unit_price: Decimal, units: u32, taxes: Decimal) -> Decimal {
    if units == 0 {
        return Decimal::ZERO;
    }
    round(unit_price * Decimal::from(units) + taxes)
}

/// The total of already-rounded line subtotals.
pub fn total(lines: impl IntoIterator<Item = Decimal>) -> Decimal {
    lines.into_iter().sum()
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
        assert_eq!(line_total(dec("0.125"), 1, Decimal::ZERO), dec("0.12"));
        assert_eq!(line_total(dec("0.135"), 1, Decimal::ZERO), dec("0.14"));
        assert_eq!(total([dec("0.12"), dec("0.14")]), dec("0.26"));
        assert_eq!(line_total(dec("12.50"), 30, dec("0")), dec("375.00"));
        assert_eq!(line_total(dec("6.40"), 0, dec("10.75")), Decimal::ZERO, "no units, no taxes either");
    }

    #[test]
    fn amounts_compare_to_the_cent() {
        assert!(same_amount(dec("375"), dec("375.00")));
        assert!(!same_amount(dec("375.01"), dec("375.00")));
    }
}
