//! Beneficiary search through a sponsor's forms (`POST /v1/sponsors/{slug}/search`).

use serde_json::{Map, Value};

use super::Store;
use crate::osigu::model::{BeneficiaryMatch, ErrorCode};
use crate::sandbox::error::ApiError;

/// Compares identifiers the way a clerk types them: case, spaces and dashes do not matter.
fn same_identifier(a: &str, b: &str) -> bool {
    let canonical = |text: &str| -> String {
        text.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
    };
    canonical(a) == canonical(b)
}

impl Store {
    pub fn search_beneficiary(
        &self,
        sponsor_slug: &str,
        criteria: &Map<String, Value>,
    ) -> Result<BeneficiaryMatch, ApiError> {
        let sponsor = self
            .catalog
            .sponsor(sponsor_slug)
            .ok_or_else(|| ApiError::new(ErrorCode::SponsorNotFound, format!("no sponsor {sponsor_slug}")))?;
        let mut given = Vec::new();
        for (key, value) in criteria {
            let known = sponsor.forms.iter().flat_map(|form| &form.fields).any(|field| &field.slug == key);
            if !known {
                return Err(ApiError::invalid_field(
                    key.clone(),
                    format!("not a field of any search form of {sponsor_slug}"),
                ));
            }
            let text = match value {
                Value::String(text) => text.trim().to_owned(),
                Value::Number(number) => number.to_string(),
                Value::Null => continue,
                _ => return Err(ApiError::invalid_field(key.clone(), "expected text or a number")),
            };
            if !text.is_empty() {
                given.push((key.as_str(), text));
            }
        }
        let fills_a_form = sponsor.forms.iter().any(|form| {
            form.fields
                .iter()
                .filter(|field| field.required)
                .all(|field| given.iter().any(|(key, _)| *key == field.slug))
        });
        if !fills_a_form {
            let mut error = ApiError::new(ErrorCode::ValidationError, "fill every required field of one search form");
            if let Some(form) = sponsor.forms.first() {
                for field in form.fields.iter().filter(|f| f.required && !given.iter().any(|(k, _)| *k == f.slug)) {
                    error = error.with_field(field.slug.clone(), format!("required by form {}", form.form_slug));
                }
            }
            return Err(error);
        }
        self.catalog
            .beneficiaries
            .iter()
            .filter(|beneficiary| beneficiary.sponsor_slug == sponsor_slug)
            .find(|beneficiary| {
                given
                    .iter()
                    .all(|(key, value)| beneficiary.attribute(key).is_some_and(|own| same_identifier(own, value)))
            })
            .map(|beneficiary| beneficiary.search_match())
            .ok_or_else(|| ApiError::new(ErrorCode::BeneficiaryNotFound, "no beneficiary matches"))
    }
}
