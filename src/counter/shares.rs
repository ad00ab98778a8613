//! What the patient pays and what the sponsor pays (contract §9), as the counter shows it on the lines, on
//! finalize and on Done. The rule itself is written once, in `osigu::model::coverage` ([`share`]); this only says
//! where the figures come from: the server's `coverage` and `amounts` when the lines on screen are the lines the
//! server priced, or the same [`share`] over the clerk's quantities (each line under the rule the server last
//! sent for it) while a change is on its way to the server. A reply without coverage (the real Osigu does not
//! document it) leaves only the total: the patient's share then follows the sponsor's rules, and the screens say
//! so. A cash prescription has no sponsor: the patient pays every line.

use rust_decimal::Decimal;

use crate::osigu::model::{Amounts, Dispensation, LineCoverage, Terms, money, share};

/// How a dispensation's cost is shared, line by line and in all.
#[derive(Clone, Debug, PartialEq)]
pub enum Shares {
    /// Each line's share, in the dispensation's order, and the sums.
    Known { lines: Vec<LineCoverage>, amounts: Amounts, source: Source },
    /// Nothing says how the sponsor shares the cost: only the total is known.
    Unknown { total: Result<Decimal, money::Overflow> },
}

/// Where known shares come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The server's `coverage` and `amounts`, for the lines it holds.
    Server,
    /// Computed here with the shared rule, for lines the server has not priced yet (or a cash prescription's,
    /// which the patient pays whole whatever the server says).
    Counter,
}

impl Shares {
    /// The shares of `dispensation`'s lines as the server holds them: its own figures when it sent them for every
    /// line, and otherwise (a cash prescription) what the shared rule gives.
    pub fn served(dispensation: &Dispensation) -> Self {
        let covered: Option<Vec<LineCoverage>> =
            dispensation.products.iter().map(|line| line.coverage.clone()).collect();
        if let (Some(lines), Some(amounts)) = (covered, dispensation.amounts) {
            return Self::Known { lines, amounts, source: Source::Server };
        }
        let subtotals: Vec<_> = dispensation.products.iter().map(|line| line.subtotal()).collect();
        match Self::computed(dispensation, &subtotals) {
            // The server's total when it has one: that is what it charged.
            Self::Unknown { .. } => Self::Unknown { total: dispensation.charged() },
            known => known,
        }
    }

    /// The shares of `dispensation`'s lines at `subtotals` (one per line, in order: the clerk's quantities), each
    /// line under the rule the server last sent for it ([`share`], the rule the server itself applies). Unknown
    /// when a line of a sponsored dispensation came without coverage, its rule is one this build does not know,
    /// or a subtotal cannot be computed.
    pub fn computed(dispensation: &Dispensation, subtotals: &[Result<Decimal, money::Overflow>]) -> Self {
        let cash = dispensation.sponsor_slug.is_none();
        let priced: Option<Vec<(Decimal, Terms)>> = dispensation
            .products
            .iter()
            .zip(subtotals)
            .map(|(line, subtotal)| {
                let terms = match &line.coverage {
                    Some(coverage) => Terms::of(coverage),
                    // No sponsor, no plan: the patient pays the whole line.
                    None if cash => Terms::NOT_COVERED,
                    None => return None,
                };
                Some((subtotal.ok()?, terms))
            })
            .collect();
        match priced.filter(|priced| priced.len() == subtotals.len()).and_then(|priced| share(&priced)) {
            Some((lines, amounts)) => Self::Known { lines, amounts, source: Source::Counter },
            None => Self::Unknown { total: money::total(subtotals.iter().copied()) },
        }
    }

    /// What everything costs.
    pub fn total(&self) -> Result<Decimal, money::Overflow> {
        match self {
            Self::Known { amounts, .. } => Ok(amounts.total),
            Self::Unknown { total } => *total,
        }
    }

    /// The sums, when known.
    pub fn amounts(&self) -> Option<&Amounts> {
        match self {
            Self::Known { amounts, .. } => Some(amounts),
            Self::Unknown { .. } => None,
        }
    }

    /// What the patient pays, when known.
    pub fn patient(&self) -> Option<Decimal> {
        self.amounts().map(|amounts| amounts.patient)
    }

    /// Line `index`'s share, when known.
    pub fn line(&self, index: usize) -> Option<&LineCoverage> {
        match self {
            Self::Known { lines, .. } => lines.get(index),
            Self::Unknown { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dispensation(json: &str) -> Dispensation {
        serde_json::from_str(json).unwrap()
    }

    const COVERED: &str = r#"{"dispensation_id":"d","status":"STARTED","code_type":"AUTHORIZATION","sponsor_slug":"s",
        "products":[{"product_code":"M","quantity":21,"unit_price":3.75,
            "coverage":{"covered":true,"rule":"COINSURANCE","percent":20,"sponsor_amount":63,"patient_amount":15.75}}],
        "amounts":{"total":78.75,"sponsor":63,"patient":15.75}}"#;

    #[test]
    fn the_servers_figures_while_the_lines_are_its_own_and_the_same_rule_for_the_clerks_quantities() {
        let served = dispensation(COVERED);
        let shares = Shares::served(&served);
        assert_eq!(shares.patient(), Some(Decimal::new(1575, 2)));
        assert!(matches!(shares, Shares::Known { source: Source::Server, .. }));
        // 10 units: 37.50, of which the patient pays 20 %.
        let edited = Shares::computed(&served, &[Ok(Decimal::new(3750, 2))]);
        assert_eq!(edited.patient(), Some(Decimal::new(750, 2)));
        assert_eq!(edited.amounts().map(|a| a.sponsor), Some(Decimal::new(3000, 2)));
        assert!(matches!(edited, Shares::Known { source: Source::Counter, .. }));
    }

    #[test]
    fn without_coverage_only_the_total_is_known_except_for_cash_which_the_patient_pays_whole() {
        let bare = r#"{"dispensation_id":"d","status":"STARTED","code_type":"AUTHORIZATION","sponsor_slug":"s",
            "products":[{"product_code":"M","quantity":2,"unit_price":1.5}],"total_amount":3}"#;
        assert_eq!(Shares::served(&dispensation(bare)), Shares::Unknown { total: Ok(Decimal::new(3, 0)) });
        let cash = bare.replace(r#""sponsor_slug":"s","#, "");
        let shares = Shares::served(&dispensation(&cash));
        assert_eq!(shares.patient(), Some(Decimal::new(3, 0)));
        assert_eq!(shares.amounts().map(|a| a.sponsor), Some(Decimal::ZERO));
    }
}
