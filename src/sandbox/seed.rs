//! Loads the seed files of `assets/sandbox/` (embedded in the binary) into the catalog and the initial codes,
//! resolving relative dates against the sandbox's start and checking every cross-reference (the POSOS
//! stand-in's sample prescriptions and each sponsor's pre-authorization rules included).

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::catalog::{
    ApiClient, BeneficiaryEntry, Catalog, Plan, PreauthorizationRules, ProductEntry, Provider, SEARCHABLE_ATTRIBUTES,
    SettlementReview, SponsorEntry,
};
use super::posos::fixtures::PososCatalog;
use super::store::codes::{
    AuthorizationLine, AuthorizationRecord, AuthorizationStatus, ItemStatus, PrescriptionItem, PrescriptionRecord,
};
use crate::osigu::model::{
    CoverageRule, Diagnosis, DispensingRules, EvaluationMode, Id, Patient, Prescriber, SearchForm, SettlementMode,
    SettlementRules, Sponsor, money,
};

const CREDENTIALS: (&str, &str) = ("credentials.toml", include_str!("../../assets/sandbox/credentials.toml"));
const SPONSORS: (&str, &str) = ("sponsors.toml", include_str!("../../assets/sandbox/sponsors.toml"));
const PEOPLE: (&str, &str) = ("people.toml", include_str!("../../assets/sandbox/people.toml"));
const PRODUCTS: (&str, &str) = ("products.toml", include_str!("../../assets/sandbox/products.toml"));
const CODES: (&str, &str) = ("codes.toml", include_str!("../../assets/sandbox/codes.toml"));
const POSOS: (&str, &str) = ("posos.toml", include_str!("../../assets/sandbox/posos.toml"));

/// Fingerprint samples by file name.
const FINGERPRINTS: &[(&str, &[u8])] = &[
    ("andres-nunez.wsq", include_bytes!("../../assets/sandbox/fingerprints/andres-nunez.wsq")),
    ("lucia-araujo.wsq", include_bytes!("../../assets/sandbox/fingerprints/lucia-araujo.wsq")),
];

/// Days a code stays valid unless its seed says otherwise.
const DEFAULT_VALIDITY_DAYS: i64 = 30;

/// A seed file that does not parse or does not hang together.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("assets/sandbox/{file}: {detail}")]
    Parse { file: &'static str, detail: Box<toml::de::Error> },
    #[error("assets/sandbox: {0}")]
    Inconsistent(String),
}

/// Everything the sandbox starts with.
#[derive(Debug)]
pub(crate) struct Seed {
    pub catalog: Catalog,
    pub authorizations: Vec<AuthorizationRecord>,
    pub prescriptions: Vec<PrescriptionRecord>,
    pub patients: Vec<Patient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    provider: Provider,
    clients: Vec<ApiClient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SponsorsFile {
    sponsors: Vec<SponsorSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SponsorSeed {
    sponsor_slug: String,
    name: String,
    country_code: String,
    currency_code: String,
    evaluation_mode: EvaluationMode,
    dispensing: DispensingRules,
    settlement: SettlementRules,
    forms: Vec<SearchForm>,
    plan: Plan,
    #[serde(default)]
    settlement_review: Option<SettlementReview>,
    preauthorization: PreauthorizationRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeopleFile {
    beneficiaries: Vec<BeneficiaryEntry>,
    patients: Vec<Patient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductsFile {
    products: Vec<ProductEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodesFile {
    authorizations: Vec<AuthorizationSeed>,
    prescriptions: Vec<PrescriptionSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizationSeed {
    code: String,
    authorization_id: Id,
    sponsor_slug: String,
    beneficiary_id: Id,
    status: AuthorizationStatus,
    #[serde(default = "default_validity")]
    expires_in_days: i64,
    prescriber: Prescriber,
    diagnoses: Vec<Diagnosis>,
    lines: Vec<AuthorizationLineSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizationLineSeed {
    product_code: String,
    quantity: u32,
    authorized_quantity: u32,
    #[serde(default)]
    claimed_quantity: u32,
    unit_price: Decimal,
    #[serde(default)]
    taxes: Decimal,
    posology: Option<String>,
    duration_days: Option<u32>,
    #[serde(default = "yes")]
    substitution_allowed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrescriptionSeed {
    code: String,
    prescription_id: Id,
    patient_id: Id,
    #[serde(default)]
    valid_from_in_days: i64,
    #[serde(default = "default_validity")]
    expires_in_days: i64,
    prescriber: Prescriber,
    diagnoses: Vec<Diagnosis>,
    items: Vec<PrescriptionItemSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrescriptionItemSeed {
    product_code: String,
    quantity: u32,
    posology: Option<String>,
    duration_days: Option<u32>,
    #[serde(default = "dispensable")]
    status: ItemStatus,
    lock_reason: Option<String>,
}

fn default_validity() -> i64 {
    DEFAULT_VALIDITY_DAYS
}

fn yes() -> bool {
    true
}

fn dispensable() -> ItemStatus {
    ItemStatus::Dispensable
}

fn parse<T: for<'de> Deserialize<'de>>((file, text): (&'static str, &str)) -> Result<T, SeedError> {
    toml::from_str(text).map_err(|detail| SeedError::Parse { file, detail: Box::new(detail) })
}

fn line_id(index: usize) -> Id {
    Id::new(format!("line_{}", index + 1))
}

/// Parses and checks the embedded seed; `now` anchors the relative dates.
pub(crate) fn load(now: OffsetDateTime) -> Result<Seed, SeedError> {
    let credentials: CredentialsFile = parse(CREDENTIALS)?;
    let sponsors: SponsorsFile = parse(SPONSORS)?;
    let people: PeopleFile = parse(PEOPLE)?;
    let products: ProductsFile = parse(PRODUCTS)?;
    let codes: CodesFile = parse(CODES)?;
    let posos: PososCatalog = parse(POSOS)?;

    let mut fingerprints = Vec::new();
    for beneficiary in &people.beneficiaries {
        if let Some(file) = &beneficiary.fingerprint {
            let sample = FINGERPRINTS
                .iter()
                .find(|(name, _)| name == file)
                .map(|(_, bytes)| *bytes)
                .ok_or_else(|| inconsistent(format!("fingerprint file {file} is not embedded")))?;
            fingerprints.push((beneficiary.beneficiary_id.clone(), sample));
        }
    }

    let catalog = Catalog {
        provider: credentials.provider,
        clients: credentials.clients,
        sponsors: sponsors
            .sponsors
            .into_iter()
            .map(|seed| SponsorEntry {
                sponsor: Sponsor {
                    sponsor_slug: seed.sponsor_slug,
                    name: seed.name,
                    country_code: seed.country_code,
                    currency_code: Some(seed.currency_code),
                },
                evaluation_mode: seed.evaluation_mode,
                dispensing: seed.dispensing,
                settlement: seed.settlement,
                forms: seed.forms,
                plan: seed.plan,
                settlement_review: seed.settlement_review,
                preauthorization: seed.preauthorization,
            })
            .collect(),
        beneficiaries: people.beneficiaries,
        products: products.products,
        fingerprints,
        posos,
    };

    let authorizations = codes
        .authorizations
        .into_iter()
        .map(|seed| AuthorizationRecord {
            authorization_id: seed.authorization_id,
            code: seed.code,
            sponsor_slug: seed.sponsor_slug,
            beneficiary_id: seed.beneficiary_id,
            status: seed.status,
            expires_at: now + Duration::days(seed.expires_in_days),
            prescriber: seed.prescriber,
            diagnoses: seed.diagnoses,
            lines: seed
                .lines
                .into_iter()
                .enumerate()
                .map(|(index, line)| AuthorizationLine {
                    id: line_id(index),
                    product_code: line.product_code,
                    prescribed: line.quantity,
                    authorized: line.authorized_quantity,
                    claimed: line.claimed_quantity,
                    unit_price: line.unit_price,
                    taxes: line.taxes,
                    posology: line.posology,
                    duration_days: line.duration_days,
                    substitution_allowed: line.substitution_allowed,
                })
                .collect(),
        })
        .collect();

    let prescriptions = codes
        .prescriptions
        .into_iter()
        .map(|seed| PrescriptionRecord {
            prescription_id: seed.prescription_id,
            code: seed.code,
            patient_id: seed.patient_id,
            version: "v1".to_owned(),
            created_at: now - Duration::days(1),
            valid_from: now + Duration::days(seed.valid_from_in_days),
            expires_at: now + Duration::days(seed.expires_in_days),
            prescriber: seed.prescriber,
            diagnoses: seed.diagnoses,
            items: seed
                .items
                .into_iter()
                .enumerate()
                .map(|(index, item)| PrescriptionItem {
                    id: line_id(index),
                    product_code: item.product_code,
                    quantity: item.quantity,
                    dispensed: 0,
                    substituted: 0,
                    status: item.status,
                    lock_reason: item.lock_reason,
                    posology: item.posology,
                    duration_days: item.duration_days,
                })
                .collect(),
        })
        .collect();

    let seed = Seed { catalog, authorizations, prescriptions, patients: people.patients };
    check(&seed)?;
    Ok(seed)
}

fn inconsistent(message: String) -> SeedError {
    SeedError::Inconsistent(message)
}

fn unique<'a>(what: &str, values: impl IntoIterator<Item = &'a str>) -> Result<(), SeedError> {
    let mut seen = HashSet::new();
    for value in values {
        if !seen.insert(value) {
            return Err(inconsistent(format!("{what} {value} appears twice")));
        }
    }
    Ok(())
}

/// Every reference resolves and every number makes sense.
fn check(seed: &Seed) -> Result<(), SeedError> {
    let catalog = &seed.catalog;
    unique("client", catalog.clients.iter().map(|client| client.client_id.as_str()))?;
    unique("sponsor", catalog.sponsors.iter().map(SponsorEntry::slug))?;
    unique("beneficiary", catalog.beneficiaries.iter().map(|b| b.beneficiary_id.as_str()))?;
    unique("product", catalog.products.iter().map(|p| p.product_code.as_str()))?;
    unique("GTIN", catalog.products.iter().map(|p| p.gtin.as_str()))?;
    for product in &catalog.products {
        // Contract §12: 14 digits with a correct check digit, so that a pack's barcode matches it.
        if product.gtin.len() != 14 || crate::gs1::Gtin::parse(&product.gtin).is_err() {
            return Err(inconsistent(format!(
                "product {} has GTIN {}, not 14 digits with their check digit",
                product.product_code, product.gtin
            )));
        }
    }
    unique("patient", seed.patients.iter().map(|p| p.patient_id.as_str()))?;
    unique(
        "code",
        seed.authorizations.iter().map(|a| a.code.as_str()).chain(seed.prescriptions.iter().map(|p| p.code.as_str())),
    )?;

    for sponsor in &catalog.sponsors {
        for form in &sponsor.forms {
            for field in &form.fields {
                if !SEARCHABLE_ATTRIBUTES.contains(&field.slug.as_str()) {
                    return Err(inconsistent(format!(
                        "form {} of {} has field {}, which no beneficiary attribute matches",
                        form.form_slug,
                        sponsor.slug(),
                        field.slug
                    )));
                }
            }
        }
        check_plan(seed, sponsor)?;
        check_settlement_review(sponsor)?;
        check_preauthorization(catalog, sponsor)?;
        let identification = &sponsor.dispensing.beneficiary_identification;
        if identification.required {
            let form = identification.form_slug.as_deref().unwrap_or_default();
            if !sponsor.forms.iter().any(|candidate| candidate.form_slug == form) {
                return Err(inconsistent(format!("{} requires form {form:?}, which it lacks", sponsor.slug())));
            }
        }
    }
    if !catalog.sponsors.iter().any(|sponsor| sponsor.evaluation_mode == EvaluationMode::Async) {
        // Contract §10: some sponsor answers pre-authorizations later, so that flow can be exercised.
        return Err(inconsistent("no sponsor evaluates ASYNC".to_owned()));
    }
    catalog
        .posos
        .check(|gtin| catalog.products.iter().any(|product| product.gtin == gtin))
        .map_err(|problem| inconsistent(format!("posos.toml: {problem}")))?;
    for beneficiary in &catalog.beneficiaries {
        if catalog.sponsor(&beneficiary.sponsor_slug).is_none() {
            return Err(inconsistent(format!(
                "beneficiary {} names unknown sponsor {}",
                beneficiary.beneficiary_id, beneficiary.sponsor_slug
            )));
        }
    }
    for authorization in &seed.authorizations {
        let beneficiary = catalog.beneficiary(&authorization.beneficiary_id).ok_or_else(|| {
            inconsistent(format!("{} names unknown beneficiary {}", authorization.code, authorization.beneficiary_id))
        })?;
        if beneficiary.sponsor_slug != authorization.sponsor_slug {
            return Err(inconsistent(format!("{}: beneficiary belongs to another sponsor", authorization.code)));
        }
        for line in &authorization.lines {
            if catalog.product(&line.product_code).is_none() {
                return Err(inconsistent(format!("{} uses unknown product {}", authorization.code, line.product_code)));
            }
            if line.claimed > line.authorized {
                return Err(inconsistent(format!("{} claims more than it authorizes", authorization.code)));
            }
        }
    }
    for prescription in &seed.prescriptions {
        if !seed.patients.iter().any(|patient| patient.patient_id == prescription.patient_id) {
            return Err(inconsistent(format!("{} names unknown patient", prescription.code)));
        }
        for item in &prescription.items {
            if catalog.product(&item.product_code).is_none() {
                return Err(inconsistent(format!("{} uses unknown product {}", prescription.code, item.product_code)));
            }
        }
    }
    Ok(())
}

/// A plan says what its rule needs and nothing else, in whole cents, and excludes only registered products
/// that none of the sponsor's seeded codes carries: so every seeded code keeps the plan's rule on every line,
/// and only a substitution can reach an excluded product.
fn check_plan(seed: &Seed, sponsor: &SponsorEntry) -> Result<(), SeedError> {
    let plan = &sponsor.plan;
    let slug = sponsor.slug();
    let bad = |why: &str| Err(inconsistent(format!("the plan of {slug} {why}")));
    let percent_ok = plan.percent.is_some_and(|p| p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED);
    let fixed_ok = plan.fixed.is_some_and(|f| !f.is_sign_negative() && money::round(f) == f);
    match plan.rule {
        CoverageRule::Coinsurance if !percent_ok || plan.fixed.is_some() => {
            return bad("needs a percent from 0 to 100 and no fixed amount");
        }
        CoverageRule::CopayPerLine | CoverageRule::CopayPerDispensation if !fixed_ok || plan.percent.is_some() => {
            return bad("needs a fixed amount ≥ 0 in whole cents and no percent");
        }
        CoverageRule::NotCovered | CoverageRule::None if plan.percent.is_some() || plan.fixed.is_some() => {
            return bad("takes neither a percent nor a fixed amount");
        }
        CoverageRule::Unknown => return bad("names a rule the contract does not"),
        _ => {}
    }
    for excluded in &plan.excluded_products {
        if seed.catalog.product(excluded).is_none() {
            return bad(&format!("excludes {excluded}, which is not a registered product"));
        }
        let carried = seed
            .authorizations
            .iter()
            .filter(|authorization| authorization.sponsor_slug == slug)
            .find(|authorization| authorization.lines.iter().any(|line| line.product_code == *excluded));
        if let Some(authorization) = carried {
            return bad(&format!("excludes {excluded}, which {} carries", authorization.code));
        }
    }
    Ok(())
}

/// A BATCH sponsor says how it reviews a batch, with a positive limit in whole cents; no other sponsor does
/// (its claims never reach a batch, so such rules would be read as working when they never apply).
fn check_settlement_review(sponsor: &SponsorEntry) -> Result<(), SeedError> {
    let slug = sponsor.slug();
    match (&sponsor.settlement.mode, &sponsor.settlement_review) {
        (SettlementMode::Batch, None) => {
            Err(inconsistent(format!("{slug} settles in batches but has no settlement_review")))
        }
        (SettlementMode::Batch, Some(review))
            if review.max_claim_amount <= Decimal::ZERO
                || money::round(review.max_claim_amount) != review.max_claim_amount =>
        {
            Err(inconsistent(format!("the settlement_review of {slug} needs a max_claim_amount > 0 in whole cents")))
        }
        (SettlementMode::Batch, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(inconsistent(format!("{slug} does not settle in batches but has a settlement_review"))),
    }
}

/// A sponsor's pre-authorization rules make sense: some product type covered, bounded quantities, days and
/// price factor, and named groups of registered products that no other group holds.
fn check_preauthorization(catalog: &Catalog, sponsor: &SponsorEntry) -> Result<(), SeedError> {
    let rules = &sponsor.preauthorization;
    let slug = sponsor.slug();
    let bad = |why: String| Err(inconsistent(format!("the preauthorization of {slug} {why}")));
    if rules.covered_product_types.is_empty() {
        return bad("covers no product type".to_owned());
    }
    if !(1..=super::limits::MAX_QUANTITY).contains(&rules.max_quantity) || !(1..=366).contains(&rules.validity_days) {
        return bad("needs max_quantity from 1 to 1000000 and validity_days from 1 to 366".to_owned());
    }
    if rules.price_factor <= Decimal::ZERO || rules.price_factor > Decimal::from(100_000) {
        return bad("needs a price_factor above 0 and at most 100000".to_owned());
    }
    let mut grouped = HashSet::new();
    for group in &rules.groups {
        let clashes_with_a_type = ["MEDICATION", "LAB", "IMAGING", "PROCEDURE"].contains(&group.name.as_str());
        if group.name.trim().is_empty() || clashes_with_a_type || group.products.is_empty() {
            return bad(format!("has a group {:?} without a name of its own or without products", group.name));
        }
        for code in &group.products {
            if catalog.product(code).is_none() {
                return bad(format!("groups {code}, which is not a registered product"));
            }
            if !grouped.insert(code.as_str()) {
                return bad(format!("puts {code} in two groups"));
            }
        }
    }
    Ok(())
}

/// The fingerprint sample shipped for a sandbox beneficiary: what the embedded "reader" captures in demos.
pub fn demo_fingerprint(beneficiary_id: &str) -> Option<&'static [u8]> {
    let people: PeopleFile = parse(PEOPLE).ok()?;
    let file = people
        .beneficiaries
        .into_iter()
        .find(|beneficiary| beneficiary.beneficiary_id == *beneficiary_id)?
        .fingerprint?;
    FINGERPRINTS.iter().find(|(name, _)| *name == file).map(|(_, sample)| *sample)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PROVIDER_SLUG};

    #[test]
    fn the_embedded_seed_loads_and_hangs_together() {
        let seed = load(OffsetDateTime::now_utc()).unwrap();
        assert_eq!(seed.catalog.sponsors.len(), 5);
        assert_eq!(seed.catalog.provider.provider_slug, DEMO_PROVIDER_SLUG);
        let demo = seed.catalog.client(DEMO_CLIENT_ID).unwrap();
        assert_eq!(demo.client_secret, DEMO_CLIENT_SECRET);
        for code in [
            "RX-2026-000001",
            "RX-2026-000002",
            "RX-2026-000003",
            "RX-2026-000004",
            "AUTH-2026-000101",
            "AUTH-2026-000110",
        ] {
            let known =
                seed.authorizations.iter().any(|a| a.code == code) || seed.prescriptions.iter().any(|p| p.code == code);
            assert!(known, "{code} missing from codes.toml");
        }
        let long = seed.prescriptions.iter().find(|p| p.code == "RX-2026-000004").unwrap();
        assert_eq!(long.items.len(), 12);
        let longest = long
            .items
            .iter()
            .filter_map(|item| seed.catalog.product(&item.product_code))
            .map(|product| product.product_name.chars().count())
            .max();
        assert_eq!(longest, Some(60));
    }

    #[test]
    fn every_sponsor_has_a_plan_and_a_plan_that_does_not_hang_together_is_refused() {
        let now = OffsetDateTime::now_utc();
        let seed = load(now).unwrap();
        for sponsor in &seed.catalog.sponsors {
            assert_eq!(sponsor.plan.excluded_products.len(), 1, "{}", sponsor.slug());
        }
        let refused = |change: &dyn Fn(&mut Plan)| {
            let mut seed = load(now).unwrap();
            let plan = &mut seed.catalog.sponsors.iter_mut().find(|s| s.slug() == "aseguradora-otp").unwrap().plan;
            change(plan);
            check(&seed).unwrap_err().to_string()
        };
        // AUTH-2026-000102 carries MED-042: excluding it would change a §8 code's rule.
        let carried = refused(&|plan| plan.excluded_products = vec!["MED-042".into()]);
        assert!(carried.contains("AUTH-2026-000102"), "{carried}");
        assert!(refused(&|plan| plan.excluded_products = vec!["MED-999".into()]).contains("not a registered"));
        assert!(refused(&|plan| plan.fixed = Some(Decimal::new(1001, 3))).contains("whole cents"));
        assert!(refused(&|plan| plan.fixed = None).contains("fixed amount"));
        assert!(refused(&|plan| plan.rule = CoverageRule::Unknown).contains("rule"));
        let coinsurance = |plan: &mut Plan| {
            plan.rule = CoverageRule::Coinsurance;
            plan.fixed = None;
            plan.percent = Some(Decimal::new(101, 0));
        };
        assert!(refused(&coinsurance).contains("percent"));
    }

    #[test]
    fn every_product_has_its_own_gtin_with_a_right_check_digit() {
        let now = OffsetDateTime::now_utc();
        let seed = load(now).unwrap();
        assert!(seed.catalog.products.iter().all(|product| crate::gs1::Gtin::parse(&product.gtin).is_ok()));
        let refused = |gtin: &str| {
            let mut seed = load(now).unwrap();
            seed.catalog.products[0].gtin = gtin.to_owned();
            check(&seed).unwrap_err().to_string()
        };
        assert!(refused("09520001000011").contains("check digit"), "a wrong check digit");
        assert!(refused("9520001000424").contains("14 digits"), "a GTIN-13");
        let twice = seed.catalog.products[1].gtin.clone();
        assert!(refused(&twice).contains("twice"));
    }

    #[test]
    fn only_and_every_batch_sponsor_says_how_it_reviews_a_batch() {
        let now = OffsetDateTime::now_utc();
        let seed = load(now).unwrap();
        let reviewed: Vec<&str> =
            seed.catalog.sponsors.iter().filter(|s| s.settlement_review.is_some()).map(SponsorEntry::slug).collect();
        assert_eq!(reviewed, ["ars-sandbox-do"]);
        let refused = |change: &dyn Fn(&mut SponsorEntry)| {
            let mut seed = load(now).unwrap();
            change(seed.catalog.sponsors.iter_mut().find(|s| s.slug() == "ars-sandbox-do").unwrap());
            check(&seed).unwrap_err().to_string()
        };
        assert!(refused(&|s| s.settlement_review = None).contains("no settlement_review"));
        let no_limit = |s: &mut SponsorEntry| {
            if let Some(review) = &mut s.settlement_review {
                review.max_claim_amount = Decimal::new(10_000_001, 3);
            }
        };
        assert!(refused(&no_limit).contains("whole cents"));
        let per_transaction = |s: &mut SponsorEntry| s.settlement.mode = SettlementMode::PerTransaction;
        assert!(refused(&per_transaction).contains("does not settle in batches"));
    }

    #[test]
    fn one_sponsor_answers_pre_authorizations_later_and_rules_that_do_not_hang_together_are_refused() {
        let now = OffsetDateTime::now_utc();
        let seed = load(now).unwrap();
        let later: Vec<&str> = seed
            .catalog
            .sponsors
            .iter()
            .filter(|s| s.evaluation_mode == EvaluationMode::Async)
            .map(SponsorEntry::slug)
            .collect();
        assert_eq!(later, ["seguro-huella"]);
        let refused = |change: &dyn Fn(&mut SponsorEntry)| {
            let mut seed = load(now).unwrap();
            change(seed.catalog.sponsors.iter_mut().find(|s| s.slug() == "aseguradora-otp").unwrap());
            check(&seed).unwrap_err().to_string()
        };
        assert!(refused(&|s| s.preauthorization.covered_product_types.clear()).contains("covers no product type"));
        assert!(refused(&|s| s.preauthorization.max_quantity = 0).contains("max_quantity"));
        assert!(refused(&|s| s.preauthorization.price_factor = Decimal::ZERO).contains("price_factor"));
        assert!(refused(&|s| s.preauthorization.groups[0].products.push("MED-999".into())).contains("MED-999"));
        assert!(refused(&|s| s.preauthorization.groups[0].name = "LAB".into()).contains("name of its own"));
        let all_sync = |seed: &mut Seed| {
            for sponsor in &mut seed.catalog.sponsors {
                sponsor.evaluation_mode = EvaluationMode::Sync;
            }
        };
        let mut sync = load(now).unwrap();
        all_sync(&mut sync);
        assert!(check(&sync).unwrap_err().to_string().contains("ASYNC"));
    }

    #[test]
    fn the_posos_fixtures_are_what_their_kinds_say() {
        use crate::sandbox::posos::fixtures::FixtureKind;
        let now = OffsetDateTime::now_utc();
        let seed = load(now).unwrap();
        let kinds: Vec<FixtureKind> = seed.catalog.posos.prescriptions.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [FixtureKind::Clean, FixtureKind::LowReliability, FixtureKind::Unregistered, FixtureKind::Failed]
        );
        let refused = |change: &dyn Fn(&mut PososCatalog)| {
            let mut seed = load(now).unwrap();
            change(&mut seed.catalog.posos);
            check(&seed).unwrap_err().to_string()
        };
        // A "clean" prescription with a misread line, or with a drug the pharmacy does not have, is not clean.
        assert!(refused(&|p| p.prescriptions[0].lines[0].reliability = 0.4).contains("receta-clara"));
        assert!(refused(&|p| p.prescriptions[0].lines[0].gtin = Some("09520001999017".into())).contains("Clean"));
        assert!(refused(&|p| p.prescriptions[1].lines[1].reliability = 0.9).contains("LowReliability"));
        assert!(refused(&|p| p.prescriptions[0].lines[0].gtin = Some("09520001000011".into())).contains("check digit"));
        assert!(refused(&|p| p.prescriptions[3].failure = None).contains("foto-borrosa"));
        assert!(refused(&|p| p.prescriptions.truncate(3)).contains("Failed"));
        assert!(refused(&|p| p.facilities = vec!["Farmacia Demo".into()]).contains("facilities"));
    }

    #[test]
    fn each_fingerprint_belongs_to_one_huella_beneficiary() {
        let andres = demo_fingerprint("bnf_01JD00SANDBX00000000000003").unwrap();
        let lucia = demo_fingerprint("bnf_01JD00SANDBX00000000000004").unwrap();
        assert_ne!(andres, lucia);
        assert!(andres.starts_with(&[0xFF, 0xA0]));
        assert!(demo_fingerprint("bnf_01JD00SANDBX00000000000002").is_none());
    }
}
