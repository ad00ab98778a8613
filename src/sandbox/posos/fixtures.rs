//! The POSOS stand-in's seed (`assets/sandbox/posos.toml`): the facilities it serves and the sample paper
//! prescriptions its Scan & Go page offers, each checked to be what its `kind` says (a clean prescription, one
//! with a misread line, one with a drug the pharmacy has not registered, one that fails to import).

use std::collections::HashSet;

use serde::Deserialize;

use crate::gs1::Gtin;
use crate::osigu::model::bounded::MAX_QUANTITY;
// Below this a line counts as misread: the client's own threshold.
use crate::posos::scan::LOW_RELIABILITY;

/// What a sample prescription is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum FixtureKind {
    /// Every line recognised, registered and read with reliability ≥ 0.6.
    Clean,
    /// Some line read with reliability below 0.6.
    LowReliability,
    /// Some line's drug is not a registered provider product.
    Unregistered,
    /// The import fails: a `RequestGroup` `entered-in-error` without lines.
    Failed,
}

/// The prescriber written on the paper.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FixturePrescriber {
    pub name: String,
    pub license: String,
}

/// One line as POSOS transcribes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FixtureLine {
    /// The drug as read.
    pub text: String,
    /// The posology as written.
    pub posology: String,
    /// The posology as POSOS structures it.
    pub dosage: String,
    /// 0 to 1.
    pub reliability: f64,
    /// The recognised pack, when POSOS recognised the drug.
    #[serde(default)]
    pub gtin: Option<String>,
    /// The recognised drug's name in POSOS's drug base.
    #[serde(default)]
    pub display: Option<String>,
    pub quantity: u32,
    /// The unit of `quantity` (`tableta`).
    pub unit: String,
    #[serde(default)]
    pub duration_days: Option<u32>,
}

/// A sample paper prescription.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScanFixture {
    pub slug: String,
    pub kind: FixtureKind,
    /// What the page shows to choose it.
    pub title: String,
    /// Why the import fails (FAILED only).
    #[serde(default)]
    pub failure: Option<String>,
    #[serde(default)]
    pub prescriber: Option<FixturePrescriber>,
    /// The date written on the paper, in days before the import.
    #[serde(default)]
    pub written_days_ago: u32,
    #[serde(default)]
    pub lines: Vec<FixtureLine>,
}

/// `posos.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PososCatalog {
    /// Facility slugs the stand-in serves; any other is refused.
    pub facilities: Vec<String>,
    /// The sample prescriptions, in the order the page lists them; the first is imported by default.
    pub prescriptions: Vec<ScanFixture>,
}

impl PososCatalog {
    pub fn serves(&self, facility: &str) -> bool {
        self.facilities.iter().any(|known| known == facility)
    }

    pub fn fixture(&self, slug: &str) -> Option<(usize, &ScanFixture)> {
        self.prescriptions.iter().enumerate().find(|(_, fixture)| fixture.slug == slug)
    }

    /// Every fixture is what its kind says, and the four kinds are all there. `registered` says whether a
    /// GTIN is a registered provider product's.
    pub fn check(&self, registered: impl Fn(&str) -> bool) -> Result<(), String> {
        if self.facilities.is_empty() || !self.facilities.iter().all(|slug| crate::posos::valid_facility(slug)) {
            return Err("facilities must be one or more lower-case slugs".to_owned());
        }
        let mut slugs = HashSet::new();
        for fixture in &self.prescriptions {
            let slug = &fixture.slug;
            if !crate::posos::valid_facility(slug) || !slugs.insert(slug.as_str()) {
                return Err(format!("prescription slug {slug:?} is not a unique lower-case slug"));
            }
            for line in &fixture.lines {
                check_line(slug, line)?;
            }
            check_kind(fixture, &registered)?;
        }
        for kind in [FixtureKind::Clean, FixtureKind::LowReliability, FixtureKind::Unregistered, FixtureKind::Failed] {
            if !self.prescriptions.iter().any(|fixture| fixture.kind == kind) {
                return Err(format!("no prescription of kind {kind:?}"));
            }
        }
        Ok(())
    }
}

fn check_line(slug: &str, line: &FixtureLine) -> Result<(), String> {
    let bad = |why: &str| Err(format!("prescription {slug}, line {:?}: {why}", line.text));
    if [&line.text, &line.posology, &line.dosage, &line.unit].iter().any(|text| text.trim().is_empty()) {
        return bad("text, posology, dosage and unit must not be empty");
    }
    if !(0.0..=1.0).contains(&line.reliability) {
        return bad("reliability must be from 0 to 1");
    }
    if !(1..=MAX_QUANTITY).contains(&line.quantity) {
        return bad("quantity out of range");
    }
    match (&line.gtin, &line.display) {
        (Some(gtin), Some(_)) if gtin.len() == 14 && Gtin::parse(gtin).is_ok() => Ok(()),
        (None, None) => Ok(()),
        (Some(_), Some(_)) => bad("gtin must be 14 digits with their check digit"),
        _ => bad("a recognised drug has both gtin and display, an unrecognised one neither"),
    }
}

fn check_kind(fixture: &ScanFixture, registered: &impl Fn(&str) -> bool) -> Result<(), String> {
    let slug = &fixture.slug;
    let lines = &fixture.lines;
    let is_registered = |line: &FixtureLine| line.gtin.as_deref().is_some_and(registered);
    let holds = match fixture.kind {
        FixtureKind::Failed => {
            return if lines.is_empty() && fixture.failure.is_some() {
                Ok(())
            } else {
                Err(format!("prescription {slug} fails to import: it needs a failure and no lines"))
            };
        }
        _ if fixture.failure.is_some() || lines.is_empty() || fixture.prescriber.is_none() => {
            return Err(format!("prescription {slug} imports: it needs a prescriber and lines, and no failure"));
        }
        FixtureKind::Clean => lines.iter().all(|line| is_registered(line) && line.reliability >= LOW_RELIABILITY),
        FixtureKind::LowReliability => lines.iter().any(|line| line.reliability < LOW_RELIABILITY),
        FixtureKind::Unregistered => lines.iter().any(|line| line.gtin.is_some() && !is_registered(line)),
    };
    if holds { Ok(()) } else { Err(format!("prescription {slug} is not what its kind {:?} says", fixture.kind)) }
}
