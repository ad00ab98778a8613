//! What the patient pays (contract §9): how each line's cost is shared between the sponsor and the patient, and
//! the dispensation's sums. The rule is written once, here: the sandbox computes `coverage` and `amounts` with
//! [`share`] after every start and every `PUT`, and the counter computes the same with it while its `PUT` is on
//! its way, from each line's rule as the server last sent it; so the screen never shows a second opinion.
//!
//! - `COINSURANCE`: the patient pays `percent` of the line total (rounded half-even to cents);
//! - `COPAY_PER_LINE`: the patient pays `fixed` per line, never more than the line total;
//! - `COPAY_PER_DISPENSATION`: the patient pays `fixed` once, taken from the first covered lines in order;
//! - `NOT_COVERED`: the patient pays the whole line (a cash prescription's lines, a product the plan excludes);
//! - `NONE`: the sponsor pays everything.
//!
//! Per line and in [`Amounts`], sponsor + patient = total exactly: the patient's share is rounded, the sponsor's is
//! what remains. Replies without `coverage` (the real Osigu does not document it) decode to `None`: the counter
//! then shows the total only and says the patient's share follows the sponsor's rules.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{bounded, money};

/// How one line's cost is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CoverageRule {
    Coinsurance,
    CopayPerLine,
    CopayPerDispensation,
    NotCovered,
    None,
    /// A rule this build does not know: its amounts are shown as the server sent them, and not recomputed.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// One line's coverage, as the server computed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LineCoverage {
    pub covered: bool,
    pub rule: CoverageRule,
    /// The patient's percentage, for `COINSURANCE` (0 to 100).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "percent")]
    pub percent: Option<Decimal>,
    /// The patient's fixed amount, for the copays.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "bounded::optional_amount")]
    pub fixed: Option<Decimal>,
    #[serde(deserialize_with = "bounded::amount")]
    pub sponsor_amount: Decimal,
    #[serde(deserialize_with = "bounded::amount")]
    pub patient_amount: Decimal,
}

/// A dispensation's sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Amounts {
    #[serde(deserialize_with = "bounded::amount")]
    pub total: Decimal,
    #[serde(deserialize_with = "bounded::amount")]
    pub sponsor: Decimal,
    #[serde(deserialize_with = "bounded::amount")]
    pub patient: Decimal,
}

/// A percentage from 0 to 100, or absent.
fn percent<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    let value = Option::<Decimal>::deserialize(deserializer)?;
    match value {
        Some(percent) if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED => {
            Err(serde::de::Error::custom(format!("a percentage from 0 to 100, found {percent}")))
        }
        other => Ok(other),
    }
}

/// A plan's terms for one line: the rule, and the percentage or fixed amount it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    pub rule: CoverageRule,
    pub percent: Option<Decimal>,
    pub fixed: Option<Decimal>,
}

impl Terms {
    /// The patient pays the whole line.
    pub const NOT_COVERED: Self = Self { rule: CoverageRule::NotCovered, percent: None, fixed: None };

    /// The terms a line's coverage was computed with.
    pub fn of(coverage: &LineCoverage) -> Self {
        Self { rule: coverage.rule, percent: coverage.percent, fixed: coverage.fixed }
    }
}

/// Each line's share (`line_totals[i]` under `terms[i]`), in order, and their sums. `None` when a rule is
/// [`CoverageRule::Unknown`] or a sum overflows: then nothing is recomputed.
pub fn share(lines: &[(Decimal, Terms)]) -> Option<(Vec<LineCoverage>, Amounts)> {
    let mut copay_left: Option<Decimal> = None;
    let mut coverages = Vec::with_capacity(lines.len());
    let mut amounts = Amounts::default();
    for &(line_total, terms) in lines {
        let patient = match terms.rule {
            CoverageRule::Coinsurance => {
                let percent = terms.percent.unwrap_or(Decimal::ZERO);
                money::round(line_total.checked_mul(percent)?.checked_div(Decimal::ONE_HUNDRED)?)
            }
            CoverageRule::CopayPerLine => terms.fixed.unwrap_or(Decimal::ZERO).min(line_total),
            CoverageRule::CopayPerDispensation => {
                let left = copay_left.get_or_insert(terms.fixed.unwrap_or(Decimal::ZERO));
                let taken = (*left).min(line_total);
                *left -= taken;
                taken
            }
            CoverageRule::NotCovered => line_total,
            CoverageRule::None => Decimal::ZERO,
            CoverageRule::Unknown => return None,
        };
        let sponsor = line_total.checked_sub(patient)?;
        amounts.total = amounts.total.checked_add(line_total)?;
        amounts.sponsor = amounts.sponsor.checked_add(sponsor)?;
        amounts.patient = amounts.patient.checked_add(patient)?;
        coverages.push(LineCoverage {
            covered: terms.rule != CoverageRule::NotCovered,
            rule: terms.rule,
            percent: terms.percent,
            fixed: terms.fixed,
            sponsor_amount: sponsor,
            patient_amount: patient,
        });
    }
    Some((coverages, amounts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn terms(rule: CoverageRule, percent: Option<&str>, fixed: Option<&str>) -> Terms {
        Terms { rule, percent: percent.map(dec), fixed: fixed.map(dec) }
    }

    #[test]
    fn each_rule_shares_as_the_contract_says_and_the_parts_always_add_up() {
        let coinsurance = terms(CoverageRule::Coinsurance, Some("20"), None);
        let (lines, amounts) = share(&[(dec("78.75"), coinsurance)]).unwrap();
        assert_eq!((lines[0].sponsor_amount, lines[0].patient_amount), (dec("63.00"), dec("15.75")));
        assert_eq!(amounts, Amounts { total: dec("78.75"), sponsor: dec("63.00"), patient: dec("15.75") });
        // Q10 a line, never more than the line.
        let copay = terms(CoverageRule::CopayPerLine, None, Some("10.00"));
        let (lines, amounts) = share(&[(dec("52.00"), copay), (dec("6.50"), copay)]).unwrap();
        assert_eq!((lines[0].patient_amount, lines[1].patient_amount), (dec("10.00"), dec("6.50")));
        assert_eq!(amounts.patient, dec("16.50"));
        // COP 4,500 once, from the first covered lines.
        let moderadora = terms(CoverageRule::CopayPerDispensation, None, Some("4500"));
        let (lines, amounts) = share(&[(dec("3000"), moderadora), (dec("9000"), moderadora)]).unwrap();
        assert_eq!((lines[0].patient_amount, lines[1].patient_amount), (dec("3000"), dec("1500")));
        assert_eq!(amounts, Amounts { total: dec("12000"), sponsor: dec("7500"), patient: dec("4500") });
        let (lines, _) = share(&[(dec("9.99"), Terms::NOT_COVERED)]).unwrap();
        assert!(!lines[0].covered);
        assert_eq!((lines[0].sponsor_amount, lines[0].patient_amount), (Decimal::ZERO, dec("9.99")));
        let (lines, _) = share(&[(dec("9.99"), terms(CoverageRule::None, None, None))]).unwrap();
        assert_eq!(lines[0].patient_amount, Decimal::ZERO);
    }

    #[test]
    fn rounding_edges_never_lose_a_cent() {
        // 40 % of 0.05 is 0.02 (half-even), the sponsor the 0.03 left; 30 % of 0.15 is 0.045 → 0.04.
        for (total, percent, patient) in [("0.05", "40", "0.02"), ("0.15", "30", "0.04"), ("0.25", "30", "0.08")] {
            let (lines, amounts) =
                share(&[(dec(total), terms(CoverageRule::Coinsurance, Some(percent), None))]).unwrap();
            assert_eq!(lines[0].patient_amount, dec(patient), "{percent} % of {total}");
            assert_eq!(lines[0].sponsor_amount + lines[0].patient_amount, dec(total));
            assert_eq!(amounts.sponsor + amounts.patient, amounts.total);
        }
    }

    #[test]
    fn an_unknown_rule_is_not_recomputed_and_replies_without_coverage_decode() {
        assert!(share(&[(dec("1"), terms(CoverageRule::Unknown, None, None))]).is_none());
        let coverage: LineCoverage =
            serde_json::from_str(r#"{"covered": true, "rule": "TIERED", "sponsor_amount": 1, "patient_amount": 0}"#)
                .unwrap();
        assert_eq!(coverage.rule, CoverageRule::Unknown);
        assert!(
            serde_json::from_str::<LineCoverage>(
                r#"{"covered": true, "rule": "COINSURANCE", "percent": 250, "sponsor_amount": 1, "patient_amount": 0}"#
            )
            .is_err(),
            "a percentage past 100 is not an understandable reply"
        );
    }
}
