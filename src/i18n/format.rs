//! Money, dates and times as the clerk reads them. Money follows the currency (each currency belongs to one of
//! the counter's countries), not the screen language: a Colombian counter in English still writes `$1.234,50`.
//! Dates are day/month/year in both languages, because that is how Guatemala, the Dominican Republic, Colombia
//! and Spain all write them; times are 24-hour `HH:MM`, shown in the offset the value carries (the runtime
//! converts to local time before asking).

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use crate::config::Locale;

/// An amount rounded half-even to cents, split into sign, whole digits and two decimal digits.
struct Cents {
    negative: bool,
    whole: String,
    cents: String,
}

impl Cents {
    fn of(amount: Decimal) -> Self {
        // The contract's rounding, so the screen shows to the cent what the server will be sent.
        let rounded = crate::osigu::model::money::round(amount);
        // -0.001 rounds to -0.00: no sign on zero.
        let negative = rounded.is_sign_negative() && !rounded.is_zero();
        let mut magnitude = rounded.abs();
        magnitude.rescale(crate::osigu::model::money::FRACTION_DIGITS);
        let digits = magnitude.to_string();
        let (whole, cents) = match digits.split_once('.') {
            Some((whole, cents)) => (whole.to_owned(), format!("{cents:0<2}")),
            None => (digits, "00".to_owned()),
        };
        Self { negative, whole, cents }
    }

    fn sign(&self) -> &'static str {
        if self.negative { "-" } else { "" }
    }
}

/// `1234567` → `1,234,567` with `separator` between groups of three digits.
fn group(whole: &str, separator: char) -> String {
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.iter().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(*digit);
    }
    out
}

/// An amount of `currency` (ISO 4217 code) the way its country writes it, rounded half-even to cents:
/// GTQ `Q1,234.50`, DOP `RD$1,234.50`, COP `$1.234,50`, EUR `1.234,50 €` (non-breaking space before `€`).
/// Any other currency is written `1,234.50 XYZ`. Negative amounts lead with `-`.
pub fn money(amount: Decimal, currency: &str) -> String {
    let c = Cents::of(amount);
    let sign = c.sign();
    let code = currency.trim();
    match code.to_ascii_uppercase().as_str() {
        "GTQ" => format!("{sign}Q{}.{}", group(&c.whole, ','), c.cents),
        "DOP" => format!("{sign}RD${}.{}", group(&c.whole, ','), c.cents),
        "COP" => format!("{sign}${},{}", group(&c.whole, '.'), c.cents),
        "EUR" => format!("{sign}{},{}\u{a0}€", group(&c.whole, '.'), c.cents),
        "" => format!("{sign}{}.{}", group(&c.whole, ','), c.cents),
        _ => format!("{sign}{}.{} {code}", group(&c.whole, ','), c.cents),
    }
}

/// An amount whose currency is not known, rounded half-even to cents with a decimal point and no grouping
/// (`1234.50`), so it cannot be misread in either convention.
pub fn plain_amount(amount: Decimal) -> String {
    let c = Cents::of(amount);
    format!("{}{}.{}", c.sign(), c.whole, c.cents)
}

/// An amount in `currency` when it is known ([`money`]), otherwise [`plain_amount`].
pub fn amount(value: Decimal, currency: Option<&str>) -> String {
    match currency {
        Some(currency) if !currency.trim().is_empty() => money(value, currency),
        _ => plain_amount(value),
    }
}

/// A date as `21/11/2026` (day/month/year, zero-padded) in every locale; see the module header.
pub fn date(locale: Locale, value: Date) -> String {
    match locale {
        Locale::Es | Locale::En => {
            format!("{:02}/{:02}/{:04}", value.day(), u8::from(value.month()), value.year())
        }
    }
}

/// A moment as `21/11/2026 14:05`, in the offset it carries.
pub fn date_time(locale: Locale, value: OffsetDateTime) -> String {
    format!("{} {}", date(locale, value.date()), time_of_day(value))
}

/// The time of day as 24-hour `14:05`, in the offset the value carries.
/// [`amount`] of a computed amount, or `—` when it could not be computed (an overflow): a dash is never read
/// as a price.
pub fn checked_amount(value: Result<Decimal, crate::osigu::model::money::Overflow>, currency: Option<&str>) -> String {
    value.map_or_else(|_| "—".to_owned(), |value| amount(value, currency))
}

pub fn time_of_day(value: OffsetDateTime) -> String {
    format!("{:02}:{:02}", value.hour(), value.minute())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use time::macros::{date, datetime};

    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn money_is_written_the_way_each_country_writes_it() {
        assert_eq!(money(dec("1234.5"), "GTQ"), "Q1,234.50");
        assert_eq!(money(dec("1234.5"), "DOP"), "RD$1,234.50");
        assert_eq!(money(dec("1234.5"), "COP"), "$1.234,50");
        assert_eq!(money(dec("1234.5"), "EUR"), "1.234,50\u{a0}€");
        assert_eq!(money(dec("1234.5"), "XYZ"), "1,234.50 XYZ");
        assert_eq!(money(dec("1234.5"), "gtq"), "Q1,234.50");
    }

    #[test]
    fn an_amount_that_could_not_be_computed_is_a_dash() {
        use crate::osigu::model::money::Overflow;
        assert_eq!(checked_amount(Ok(dec("12.5")), Some("GTQ")), "Q12.50");
        assert_eq!(checked_amount(Err(Overflow), Some("GTQ")), "—");
    }

    #[test]
    fn money_rounds_half_to_even() {
        assert_eq!(money(dec("1234.505"), "GTQ"), "Q1,234.50");
        assert_eq!(money(dec("1234.515"), "GTQ"), "Q1,234.52");
        assert_eq!(money(dec("0.005"), "GTQ"), "Q0.00");
        assert_eq!(money(dec("0.015"), "GTQ"), "Q0.02");
        assert_eq!(money(dec("999.995"), "COP"), "$1.000,00");
    }

    #[test]
    fn money_handles_zero_small_large_and_negative_amounts() {
        assert_eq!(money(Decimal::ZERO, "GTQ"), "Q0.00");
        assert_eq!(money(dec("-0.001"), "GTQ"), "Q0.00");
        assert_eq!(money(dec("7"), "DOP"), "RD$7.00");
        assert_eq!(money(dec("123"), "EUR"), "123,00\u{a0}€");
        assert_eq!(money(dec("1000"), "GTQ"), "Q1,000.00");
        assert_eq!(money(dec("1234567.8"), "COP"), "$1.234.567,80");
        assert_eq!(money(dec("123456789.1"), "DOP"), "RD$123,456,789.10");
        assert_eq!(money(dec("-1234.5"), "GTQ"), "-Q1,234.50");
        assert_eq!(money(dec("-1234.5"), "COP"), "-$1.234,50");
        assert_eq!(money(dec("-1234.5"), "EUR"), "-1.234,50\u{a0}€");
        assert_eq!(money(dec("-1234.5"), "XYZ"), "-1,234.50 XYZ");
        assert_eq!(money(dec("12.3"), ""), "12.30");
    }

    #[test]
    fn plain_amounts_have_no_grouping() {
        assert_eq!(plain_amount(dec("1234567.891")), "1234567.89");
        assert_eq!(plain_amount(dec("-375.5")), "-375.50");
    }

    #[test]
    fn dates_and_times_are_day_first_and_24_hour() {
        assert_eq!(date(Locale::Es, date!(2026 - 11 - 21)), "21/11/2026");
        assert_eq!(date(Locale::En, date!(2026 - 01 - 05)), "05/01/2026");
        assert_eq!(time_of_day(datetime!(2026-11-21 14:05:59 UTC)), "14:05");
        assert_eq!(time_of_day(datetime!(2026-11-21 09:07 -6)), "09:07");
        assert_eq!(date_time(Locale::Es, datetime!(2026-11-21 14:05 -6)), "21/11/2026 14:05");
    }
}
