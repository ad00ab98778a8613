//! The pack row on the lines screen (the row above the table) and the mark of a checked line: what the last pack
//! scanned did, until the clerk's next key; otherwise the selected line's checked pack (batch, expiry, serial)
//! and, when packs are required, which products still wait for theirs. What is checked, missing or refused is
//! the core's answer ([`crate::counter::Packs`]); this only words it.

use ratatui::text::{Line, Span};
use time::Date;

use super::{t, text, theme};
use crate::counter::{Active, PackNotice, Review};
use crate::i18n::{self, Locale};
use crate::osigu::model::CodeType;

/// The mark before each line's name: `✔ ` when it delivers units and every product it delivers has its pack
/// checked, `○ ` when packs are `required` and one of them has not; `None` otherwise.
pub(super) fn marks(review: &Review, active: &Active, required: bool) -> Vec<Option<&'static str>> {
    let missing = if required { active.packs.missing(&active.dispensation, &review.lines) } else { Vec::new() };
    (0..review.lines.len())
        .map(|index| {
            if missing.iter().any(|missing| missing.line == index) {
                Some("○ ")
            } else if active.packs.line_checked(index, &active.dispensation, &review.lines) {
                Some("✔ ")
            } else {
                None
            }
        })
        .collect()
}

/// The pack row, in `width` columns; empty when there is nothing to say (packs unused and not required).
pub(super) fn row(review: &Review, active: &Active, required: bool, locale: Locale, width: u16) -> Line<'static> {
    let packs = &active.packs;
    let missing = if required { packs.missing(&active.dispensation, &review.lines) } else { Vec::new() };
    if let Some(notice) = &packs.notice {
        return notice_line(notice, locale, width);
    }
    let selected_checked = packs.line_checked(review.selected, &active.dispensation, &review.lines);
    if let (true, Some(check)) = (selected_checked, packs.latest(review.selected)) {
        let mut parts = vec![t(locale, "packs.line_checked").to_owned()];
        parts.extend(details(check.batch.as_deref(), check.expiry, check.serial.as_deref(), locale));
        if !missing.is_empty() {
            parts.push(i18n::fill(locale, "packs.missing_count", &[("count", &missing.len().to_string())]));
        }
        return Line::from(Span::styled(text::fit(&parts.join(" · "), width), theme::OK));
    }
    if missing.is_empty() {
        return Line::default();
    }
    let names: Vec<&str> = missing.iter().map(|missing| missing.product_name.as_str()).collect();
    let count = missing.len().to_string();
    let words = i18n::fill(locale, "packs.missing", &[("count", &count), ("names", &names.join(", "))]);
    Line::from(Span::styled(text::fit(&words, width), theme::WARNING))
}

/// Batch, expiry and serial of a checked pack (or that a plain EAN says neither).
fn details(batch: Option<&str>, expiry: Option<Date>, serial: Option<&str>, locale: Locale) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(batch) = batch {
        parts.push(i18n::fill(locale, "packs.batch", &[("batch", batch)]));
    }
    if let Some(expiry) = expiry {
        parts.push(i18n::fill(locale, "packs.expiry", &[("date", &i18n::date(locale, expiry))]));
    }
    if let Some(serial) = serial {
        parts.push(i18n::fill(locale, "packs.serial", &[("serial", serial)]));
    }
    if parts.is_empty() {
        parts.push(t(locale, "packs.no_data").to_owned());
    }
    parts
}

/// What the last scan did.
fn notice_line(notice: &PackNotice, locale: Locale, width: u16) -> Line<'static> {
    let date = |value| i18n::date(locale, value);
    let (words, style) = match notice {
        PackNotice::Checked { product, batch, expiry, missing } => {
            let mut rest = details(batch.as_deref(), *expiry, None, locale);
            if *missing > 0 {
                rest.push(i18n::fill(locale, "packs.missing_count", &[("count", &missing.to_string())]));
            }
            // The product's name gives way first: batch and expiry are what the clerk checks on the pack.
            let tail = format!(" · {}", rest.join(" · "));
            let head = i18n::fill(locale, "packs.checked", &[("product", product)]);
            let room = width.saturating_sub(u16::try_from(text::width(&tail)).unwrap_or(u16::MAX));
            (format!("{}{tail}", text::fit(&head, room)), theme::OK)
        }
        PackNotice::NotOnPrescription { product, code_type } => {
            let document = match code_type {
                CodeType::Authorization => t(locale, "packs.authorization"),
                CodeType::Prescription | CodeType::Unknown => t(locale, "packs.prescription"),
            };
            (naming(locale, "packs.not_on_prescription", product, &[("document", document)], width), theme::ERROR)
        }
        PackNotice::NotDelivered { product } => {
            (naming(locale, "packs.not_delivered", product, &[], width), theme::ERROR)
        }
        PackNotice::Unknown { gtin } => (i18n::fill(locale, "packs.unknown", &[("gtin", gtin)]), theme::ERROR),
        PackNotice::Expired { expiry, .. } => {
            (i18n::fill(locale, "packs.expired", &[("date", &date(*expiry))]), theme::ERROR)
        }
        PackNotice::ExpiresTooSoon { expiry, treatment_ends, .. } => (
            i18n::fill(locale, "packs.too_soon", &[("date", &date(*expiry)), ("end", &date(*treatment_ends))]),
            theme::ERROR,
        ),
        PackNotice::AlreadyScanned { serial, .. } => {
            (i18n::fill(locale, "packs.already_scanned", &[("serial", serial)]), theme::ERROR)
        }
        PackNotice::Misread => (t(locale, "packs.misread").to_owned(), theme::ERROR),
        PackNotice::Looking => (t(locale, "packs.looking").to_owned(), theme::DIM),
        PackNotice::RegistryFailed => (t(locale, "packs.registry_failed").to_owned(), theme::ERROR),
    };
    Line::from(Span::styled(text::fit(&words, width), style))
}

/// `key` filled with `product` and `args` in `width` columns: the product's name gives way first, so what the
/// clerk must do is never cut.
fn naming(locale: Locale, key: &str, product: &str, args: &[(&str, &str)], width: u16) -> String {
    let with = |product: &str| {
        let mut all = vec![("product", product)];
        all.extend_from_slice(args);
        i18n::fill(locale, key, &all)
    };
    let rest = text::width(&with(""));
    let room = u16::try_from(usize::from(width).saturating_sub(rest)).unwrap_or(0);
    with(&text::fit(product, room))
}
