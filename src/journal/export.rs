//! `mostrador journal export --csv`: one row per dispensation, with a header, for the pharmacy's books.
//! Times are written in the counter's local offset; amounts as the server computed them, with their currency:
//! the total (`amount`), what the sponsor owes of it (`sponsor_amount`) and what the patient paid
//! (`patient_amount`), the last two empty when the server did not share the total (contract §9).
//!
//! Every cell is outside text (codes, ids and claim numbers come from the server) and the file is opened in a
//! spreadsheet or printed on a terminal, so each cell is made safe for both ([`cell`]): controls and bidi
//! overrides are replaced ([`crate::inert::line`]), and a cell a spreadsheet would take for a formula is
//! neutralised as OWASP recommends for CSV injection.

use std::io::Write;

use time::UtcOffset;

use super::Entry;

/// The columns, in order.
const HEADER: [&str; 19] = [
    "started_at",
    "terminal",
    "till",
    "code",
    "code_type",
    "sponsor",
    "status",
    "dispensation_id",
    "claim_id",
    "amount",
    "sponsor_amount",
    "patient_amount",
    "currency",
    "invoice_number",
    "invoice_serial",
    "verified_by",
    "updated_at",
    // Who dispensed it (issue 13): empty when nobody signs in at the counter, and for older rows.
    "clerk_id",
    "clerk_name",
];

/// An amount as the books want it: always two decimals (`51600.00`, not `51600`), a point, no grouping.
fn cents(amount: rust_decimal::Decimal) -> String {
    let mut rounded = crate::osigu::model::money::round(amount);
    rounded.rescale(crate::osigu::model::money::FRACTION_DIGITS);
    rounded.to_string()
}

/// The characters that make a spreadsheet read a cell as a formula (or, tab and CR, hide one behind them).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell as written: a cell that begins with a formula character (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`)
/// gets a single quote in front, so a spreadsheet shows it as text instead of evaluating it (OWASP, "CSV
/// Injection"); then every control and bidi override is replaced. Amounts are never affected: they are
/// never negative (a total, a price), so none begins with `-`; times begin with a digit.
pub fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    // Looked at before the controls are replaced, so a leading tab or CR is caught as what it is.
    if text.starts_with(FORMULA_STARTS) {
        return std::borrow::Cow::Owned(format!("'{}", crate::inert::line(text)));
    }
    crate::inert::line(text)
}

/// Writes `entries` as CSV to `out`, times in `offset`; every cell through [`cell`].
pub fn write_csv(entries: &[Entry], offset: UtcOffset, out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let time = |at: time::OffsetDateTime| {
        at.to_offset(offset).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    };
    for entry in entries {
        let (started_at, updated_at, amount) =
            (time(entry.started_at), time(entry.updated_at), entry.amount.map(cents).unwrap_or_default());
        let row = [
            started_at.as_str(),
            &entry.terminal,
            &entry.till,
            &entry.code,
            entry.code_type.as_deref().unwrap_or(""),
            entry.sponsor_slug.as_deref().unwrap_or(""),
            &entry.status,
            &entry.dispensation_id,
            entry.claim_id.as_deref().unwrap_or(""),
            &amount,
            &entry.sponsor_amount.map(cents).unwrap_or_default(),
            &entry.patient_amount.map(cents).unwrap_or_default(),
            entry.currency.as_deref().unwrap_or(""),
            entry.invoice_number.as_deref().unwrap_or(""),
            entry.invoice_serial.as_deref().unwrap_or(""),
            entry.verified_by.as_deref().unwrap_or(""),
            updated_at.as_str(),
            entry.clerk_id.as_deref().unwrap_or(""),
            entry.clerk_name.as_deref().unwrap_or(""),
        ];
        writer.write_record(row.map(cell).iter().map(|cell| cell.as_bytes()))?;
    }
    writer.flush()?;
    Ok(())
}
