//! `mostrador journal export --csv`: one row per dispensation, with a header, for the pharmacy's books.
//! Times are written in the counter's local offset; amounts as the server computed them, with their currency.

use std::io::Write;

use time::UtcOffset;

use super::Entry;

/// The columns, in order.
const HEADER: [&str; 13] = [
    "started_at",
    "terminal",
    "code",
    "code_type",
    "sponsor",
    "status",
    "dispensation_id",
    "claim_id",
    "amount",
    "currency",
    "invoice_number",
    "verified_by",
    "updated_at",
];

/// An amount as the books want it: always two decimals (`51600.00`, not `51600`), a point, no grouping.
fn cents(amount: rust_decimal::Decimal) -> String {
    let mut rounded = crate::osigu::model::money::round(amount);
    rounded.rescale(crate::osigu::model::money::FRACTION_DIGITS);
    rounded.to_string()
}

/// Writes `entries` as CSV to `out`, times in `offset`.
pub fn write_csv(entries: &[Entry], offset: UtcOffset, out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let time = |at: time::OffsetDateTime| {
        at.to_offset(offset).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    };
    for entry in entries {
        writer.write_record([
            time(entry.started_at).as_str(),
            &entry.terminal,
            &entry.code,
            entry.code_type.as_deref().unwrap_or(""),
            entry.sponsor_slug.as_deref().unwrap_or(""),
            &entry.status,
            &entry.dispensation_id,
            entry.claim_id.as_deref().unwrap_or(""),
            &entry.amount.map(cents).unwrap_or_default(),
            entry.currency.as_deref().unwrap_or(""),
            entry.invoice_number.as_deref().unwrap_or(""),
            entry.verified_by.as_deref().unwrap_or(""),
            time(entry.updated_at).as_str(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
