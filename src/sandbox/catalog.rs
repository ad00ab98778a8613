//! What the sandbox knows and never changes while it runs: the provider, its API clients, sponsors with their
//! rules, forms, plans (what the patient pays), settlement review rules and pre-authorization rules,
//! beneficiaries, the provider-product registry, and the POSOS stand-in's sample prescriptions. Loaded from the
//! seed by `seed.rs`.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::posos::fixtures::PososCatalog;
use crate::osigu::model::{
    Beneficiary, BeneficiaryMatch, Coverage, CoverageRule, DispensingRules, EvaluationMode, Id, OtpChannel,
    ProductType, ProviderProduct, SearchForm, SettlementRules, Sponsor, SponsorConfiguration, Terms,
};

/// The pharmacy the sandbox serves.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Provider {
    pub provider_slug: String,
    pub name: String,
    pub country_code: String,
    pub currency_code: String,
}

/// An API client allowed to get tokens.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiClient {
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
}

/// A sponsor with its rules and search forms.
#[derive(Clone, Debug)]
pub(crate) struct SponsorEntry {
    pub sponsor: Sponsor,
    pub evaluation_mode: EvaluationMode,
    pub dispensing: DispensingRules,
    pub settlement: SettlementRules,
    pub forms: Vec<SearchForm>,
    pub plan: Plan,
    /// How the sponsor answers a submitted settlement batch; `Some` exactly for `BATCH` sponsors.
    pub settlement_review: Option<SettlementReview>,
    /// How the sponsor answers a pre-authorization request (contract §10).
    pub preauthorization: PreauthorizationRules,
}

/// A sponsor's rules for answering a pre-authorization request (contract §10), applied line by line when the
/// request is completed (a SYNC sponsor) or when its decision comes due (an ASYNC one). Not served as such: the
/// outcome shows in the request, its authorizations and, for an ASYNC sponsor, its `authorization.*` events.
///
/// A line is REJECTED when the sponsor's plan excludes its product (`PRODUCT_EXCLUDED`) or the sponsor does not
/// cover its product type (`PRODUCT_TYPE_NOT_COVERED`); it is approved for at most `max_quantity` units
/// (`QUANTITY_REDUCED` when it asked for more). Approved lines are grouped into one authorization per group:
/// the products of each named group share one, and every other product shares one with the others of its
/// product type.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PreauthorizationRules {
    /// Product types the sponsor authorizes at all.
    pub covered_product_types: Vec<ProductType>,
    /// The most units one line is approved for.
    pub max_quantity: u32,
    /// Days an issued authorization stays redeemable.
    pub validity_days: u32,
    /// The sponsor's price of a product: its shelf price (GTQ) times this, to the cent, in the sponsor's
    /// currency. The sandbox has one shelf price per product, so this stands in for each sponsor's price list.
    pub price_factor: Decimal,
    /// Products the sponsor authorizes apart from the rest of their type (controlled substances, chronic
    /// treatments…), each group under its own authorization.
    #[serde(default)]
    pub groups: Vec<ProductGroup>,
}

/// A named group of products authorized together, apart from the others of their type.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductGroup {
    pub name: String,
    pub products: Vec<String>,
}

impl PreauthorizationRules {
    /// The group a product's approved line goes into: its named group, else its product type.
    pub fn group_of(&self, product_code: &str, product_type: ProductType) -> String {
        self.groups
            .iter()
            .find(|group| group.products.iter().any(|code| code == product_code))
            .map_or_else(|| product_type.as_str().to_owned(), |group| group.name.clone())
    }
}

/// A BATCH sponsor's rules for answering a radicación (contract §6), applied claim by claim when the batch's
/// decision comes due. Not served as such: the outcome shows in the batch and its `settlement.*` event.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettlementReview {
    /// A claim whose amount (what the sponsor owes) is over this is rejected: `AMOUNT_OVER_LIMIT`.
    pub max_claim_amount: Decimal,
    /// A claim dispensed more than this many days before the batch was submitted is rejected:
    /// `LATE_SUBMISSION`.
    pub max_claim_age_days: u32,
}

/// A sponsor's plan (contract §9): the share of each covered line the patient pays, and the registered
/// products it does not cover at all. Not served as such: the sandbox applies it to every dispensation.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Plan {
    pub rule: CoverageRule,
    /// The patient's percentage, for `COINSURANCE`.
    #[serde(default)]
    pub percent: Option<Decimal>,
    /// The patient's fixed amount, for the copays, in the sponsor's currency.
    #[serde(default)]
    pub fixed: Option<Decimal>,
    /// Product codes whose lines (or substitutes) are `NOT_COVERED`.
    #[serde(default)]
    pub excluded_products: Vec<String>,
}

impl Plan {
    /// The terms of a line delivering `product` and, when substituted, `substitute`: the plan's own, unless
    /// either is a product the plan excludes (then the patient pays the whole line).
    pub fn terms(&self, product: &str, substitute: Option<&str>) -> Terms {
        let excluded = |code: &str| self.excluded_products.iter().any(|excluded| excluded == code);
        if excluded(product) || substitute.is_some_and(excluded) {
            return Terms::NOT_COVERED;
        }
        Terms { rule: self.rule, percent: self.percent, fixed: self.fixed }
    }
}

impl SponsorEntry {
    pub fn slug(&self) -> &str {
        &self.sponsor.sponsor_slug
    }

    pub fn currency(&self) -> &str {
        self.sponsor.currency_code.as_deref().unwrap_or_default()
    }

    /// The configuration reply; the sandbox applies the same rules to every product type.
    pub fn configuration(&self, product_type: ProductType) -> SponsorConfiguration {
        SponsorConfiguration {
            sponsor_slug: self.slug().to_owned(),
            product_type,
            evaluation_mode: self.evaluation_mode,
            dispensing: self.dispensing.clone(),
            settlement: self.settlement.clone(),
        }
    }
}

/// A sponsor's beneficiary.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BeneficiaryEntry {
    pub beneficiary_id: Id,
    pub sponsor_slug: String,
    pub first_name: String,
    pub last_name: String,
    pub document_type: String,
    pub document_number: String,
    pub date_of_birth: String,
    pub member_code: String,
    pub phone: String,
    pub email: String,
    pub plan_code: String,
    pub coverage_active: bool,
    pub effective_until: String,
    /// File name under `assets/sandbox/fingerprints/`.
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// Attributes a search form may match on.
pub(crate) const SEARCHABLE_ATTRIBUTES: &[&str] =
    &["document_type", "document_number", "member_code", "date_of_birth", "phone"];

impl BeneficiaryEntry {
    /// The value of a searchable attribute by its form-field slug.
    pub fn attribute(&self, slug: &str) -> Option<&str> {
        Some(match slug {
            "document_type" => &self.document_type,
            "document_number" => &self.document_number,
            "member_code" => &self.member_code,
            "date_of_birth" => &self.date_of_birth,
            "phone" => &self.phone,
            _ => return None,
        })
    }

    pub fn coverage(&self) -> Coverage {
        Coverage {
            plan_code: Some(self.plan_code.clone()),
            active: self.coverage_active,
            effective_until: Some(self.effective_until.clone()),
        }
    }

    pub fn search_match(&self) -> BeneficiaryMatch {
        BeneficiaryMatch {
            beneficiary_id: self.beneficiary_id.clone(),
            first_name: Some(self.first_name.clone()),
            last_name: Some(self.last_name.clone()),
            name: None,
            document_type: Some(self.document_type.clone()),
            document_number: Some(self.document_number.clone()),
            member_code: None,
            coverage: Some(self.coverage()),
            status: None,
        }
    }

    pub fn beneficiary(&self) -> Beneficiary {
        Beneficiary {
            beneficiary_id: self.beneficiary_id.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            document_type: Some(self.document_type.clone()),
            document_number: Some(self.document_number.clone()),
        }
    }

    /// The masked phone or e-mail an OTP goes to.
    pub fn masked_destination(&self, channel: OtpChannel) -> String {
        match channel {
            OtpChannel::Email => mask_email(&self.email),
            // An unknown channel is refused when the request is decoded; the phone is the default otherwise.
            OtpChannel::Sms | OtpChannel::InApp | OtpChannel::Unknown => mask_phone(&self.phone),
        }
    }
}

/// A registered provider product.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductEntry {
    pub product_code: String,
    /// The pack's GTIN-14, check digit included (contract §12); the seed check refuses a wrong one.
    pub gtin: String,
    pub product_name: String,
    pub product_type: ProductType,
    /// Shelf price in the provider's currency.
    pub unit_price: Decimal,
}

/// Everything fixed for the life of one sandbox.
#[derive(Clone, Debug)]
pub(crate) struct Catalog {
    pub provider: Provider,
    pub clients: Vec<ApiClient>,
    pub sponsors: Vec<SponsorEntry>,
    pub beneficiaries: Vec<BeneficiaryEntry>,
    pub products: Vec<ProductEntry>,
    /// Fingerprint samples by beneficiary id.
    pub fingerprints: Vec<(Id, &'static [u8])>,
    /// The POSOS stand-in's facilities and sample prescriptions.
    pub posos: PososCatalog,
}

impl Catalog {
    pub fn client(&self, client_id: &str) -> Option<&ApiClient> {
        self.clients.iter().find(|client| client.client_id == client_id)
    }

    pub fn sponsor(&self, slug: &str) -> Option<&SponsorEntry> {
        self.sponsors.iter().find(|sponsor| sponsor.slug() == slug)
    }

    pub fn beneficiary(&self, id: &Id) -> Option<&BeneficiaryEntry> {
        self.beneficiaries.iter().find(|beneficiary| &beneficiary.beneficiary_id == id)
    }

    pub fn product(&self, code: &str) -> Option<&ProductEntry> {
        self.products.iter().find(|product| product.product_code == code)
    }

    pub fn fingerprint(&self, beneficiary: &Id) -> Option<&'static [u8]> {
        self.fingerprints.iter().find(|(owner, _)| owner == beneficiary).map(|(_, sample)| *sample)
    }

    /// The registry as the provider-products endpoint lists it.
    pub fn provider_products(&self, registered_at: time::OffsetDateTime) -> Vec<ProviderProduct> {
        self.products
            .iter()
            .map(|product| ProviderProduct {
                product_code: product.product_code.clone(),
                product_name: product.product_name.clone(),
                product_type: product.product_type,
                registered_at,
                unit_price: Some(product.unit_price),
                currency_code: Some(self.provider.currency_code.clone()),
                gtin: Some(product.gtin.clone()),
            })
            .collect()
    }
}

/// Calling codes of the sandbox's countries, longest first so `+1809…` is not read as `+18…`.
const CALLING_CODES: &[&str] = &["502", "57", "34", "1"];

/// `+50255551242` → `+502 **** **42`: the country and the last two digits, nothing else.
pub(crate) fn mask_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let calling_code = CALLING_CODES.iter().find(|code| digits.starts_with(**code)).copied().unwrap_or("");
    let last_two = digits.get(digits.len().saturating_sub(2)..).unwrap_or_default();
    format!("+{calling_code} **** **{last_two}")
}

/// `maria.gonzalez@correo.gt` → `m***@correo.gt`.
pub(crate) fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_what_a_clerk_may_read_aloud() {
        assert_eq!(mask_phone("+50255551242"), "+502 **** **42");
        assert_eq!(mask_phone("+573001234542"), "+57 **** **42");
        assert_eq!(mask_phone("+18095551234"), "+1 **** **34");
        assert_eq!(mask_email("maria.gonzalez@correo.gt"), "m***@correo.gt");
        assert_eq!(mask_email("broken"), "***");
    }
}
