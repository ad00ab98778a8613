//! Every decoder of a server reply, fed any JSON, any bytes and mutated valid replies: it returns a value or a
//! refusal, never panics, and whatever it accepts is within the bounds the counter relies on (a dispensation's
//! total can be computed; no duration, quantity or amount past its bound). Error envelopes, however odd,
//! become a problem the clerk can read in both languages.

use mostrador::counter::{NextStep, from_client};
use mostrador::i18n::{Locale, problem_message_in};
use mostrador::osigu::error::ClientError;
use mostrador::osigu::model::bounded::{MAX_AMOUNT, MAX_LINES, MAX_QUANTITY, MAX_TOKEN_SECS, MAX_VERIFICATION_SECS};
use mostrador::osigu::model::{
    BeneficiaryMatch, BiometricMatch, Challenge, Dispensation, ErrorEnvelope, OAuthError, OtpSent, OtpValidated, Page,
    ProductLine, ProviderProduct, SearchForm, Sponsor, SponsorConfiguration, TokenResponse, VerificationStatus,
    wire_name,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::generators::{Context, KINDS, envelope, json_value, mutate, mutations, sample};

/// Decodes `bytes` as `T` the way the client reads a reply.
fn read<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

fn amount_in_bounds(amount: Decimal) -> bool {
    (Decimal::ZERO..=MAX_AMOUNT).contains(&amount)
}

fn line_in_bounds(line: &ProductLine) -> bool {
    let quantities = [
        Some(line.quantity),
        line.prescribed_quantity,
        line.authorized_quantity,
        line.claimed_quantity,
        line.available_quantity,
        line.substitute_quantity,
    ];
    quantities.into_iter().flatten().all(|n| n <= MAX_QUANTITY)
        && amount_in_bounds(line.unit_price)
        && amount_in_bounds(line.taxes)
}

fn dispensation_in_bounds(dispensation: &Dispensation) -> Result<(), TestCaseError> {
    prop_assert!(dispensation.products.len() <= MAX_LINES);
    prop_assert!(dispensation.products.iter().all(line_in_bounds));
    prop_assert!(dispensation.amount_due().is_ok(), "a decoded dispensation always has a total");
    prop_assert!(dispensation.charged().is_ok());
    prop_assert!(dispensation.total_amount.is_none_or(amount_in_bounds));
    prop_assert!(dispensation.claim.as_ref().and_then(|claim| claim.amount).is_none_or(amount_in_bounds));
    let _ = wire_name(&dispensation.status);
    Ok(())
}

/// Every decoder on the same bytes; what decodes is checked against its bounds.
fn decode_everything(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Some(dispensation) = read::<Dispensation>(bytes) {
        dispensation_in_bounds(&dispensation)?;
    }
    if let Some(page) = read::<Page<Dispensation>>(bytes) {
        for dispensation in &page.content {
            dispensation_in_bounds(dispensation)?;
        }
    }
    if let Some(sent) = read::<OtpSent>(bytes) {
        prop_assert!(sent.expires_in.is_none_or(|s| s <= MAX_VERIFICATION_SECS));
        prop_assert!(sent.resend_available_in.is_none_or(|s| s <= MAX_VERIFICATION_SECS));
    }
    if let Some(validated) = read::<OtpValidated>(bytes) {
        prop_assert!(validated.expires_in.is_none_or(|s| s <= MAX_VERIFICATION_SECS));
    }
    if let Some(challenge) = read::<Challenge>(bytes) {
        prop_assert!(challenge.expires_in <= MAX_VERIFICATION_SECS);
    }
    if let Some(token) = read::<TokenResponse>(bytes) {
        prop_assert!(token.expires_in <= MAX_TOKEN_SECS);
    }
    if let Some(configuration) = read::<SponsorConfiguration>(bytes) {
        // Every value, known or not, has a name for messages.
        let rules = &configuration.dispensing;
        let _ = (wire_name(&rules.verification), wire_name(&configuration.settlement.mode));
        let _: Vec<String> = rules.otp_channels.iter().map(wire_name).collect();
    }
    if let Some(products) = read::<Vec<ProviderProduct>>(bytes) {
        prop_assert!(products.iter().all(|product| product.unit_price.is_none_or(amount_in_bounds)));
    }
    if let Some(page) = read::<Page<ProviderProduct>>(bytes) {
        prop_assert!(page.content.iter().all(|product| product.unit_price.is_none_or(amount_in_bounds)));
    }
    let _ = read::<Vec<Sponsor>>(bytes);
    let _ = read::<Vec<SearchForm>>(bytes);
    let _ = read::<BeneficiaryMatch>(bytes);
    let _ = read::<VerificationStatus>(bytes);
    let _ = read::<BiometricMatch>(bytes);
    let _ = read::<OAuthError>(bytes);
    if let Some(envelope) = read::<ErrorEnvelope>(bytes) {
        let _ = (envelope.error_code(), envelope.detail("dispensation"));
    }
    Ok(())
}

/// Dispensation samples also travel in pages, as the list endpoint sends them.
fn in_a_page(value: Value) -> Value {
    json!({"content": [value], "page": {"number": 0, "size": 20, "total_elements": 1, "total_pages": 1}})
}

proptest! {
    #![proptest_config(crate::config(2000))]

    #[test]
    fn any_json_is_decoded_or_refused_by_every_reply_decoder(value in json_value()) {
        decode_everything(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn any_bytes_are_decoded_or_refused_by_every_reply_decoder(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        decode_everything(&bytes)?;
    }

    #[test]
    fn mutated_valid_replies_are_decoded_within_bounds_or_refused(
        kind in 0..KINDS.len(),
        variant in any::<u8>(),
        mutations in mutations(),
        paged in any::<bool>(),
    ) {
        let context = Context { dispensation_id: Some("dsp_1".into()), sponsor_slug: Some("aseguradora-otp".into()) };
        let mut value = sample(KINDS[kind], variant, &context);
        mutate(&mut value, &mutations);
        let value = if paged { in_a_page(value) } else { value };
        decode_everything(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn any_refusal_becomes_a_problem_the_clerk_can_read_in_both_languages(
        envelope in envelope(),
        status in 400_u16..600,
        code in "\\PC{0,20}",
    ) {
        let error = ClientError::Api {
            status,
            code: envelope.error_code(),
            envelope: Some(Box::new(envelope)),
            retry_after: None,
        };
        let _ = error.completed_dispensation().map(|dispensation| dispensation.amount_due());
        let problem = from_client(&error, &code, NextStep::Retry);
        for locale in [Locale::Es, Locale::En] {
            for currency in [None, Some("GTQ"), Some("EUR")] {
                prop_assert!(!problem_message_in(locale, &problem, currency).is_empty());
            }
        }
    }
}
