//! A settlement batch as CSV, for the pharmacy's accountant: one row per claim with the sponsor's answer, every
//! cell made inert against formula injection exactly as `journal export` does ([`crate::journal::csv_cell`]).

use std::io::Write;

use crate::osigu::model::{Settlement, SettlementEntryStatus};

/// The header row (machine words: a spreadsheet's columns, not the clerk's language).
const HEADER: [&str; 13] = [
    "settlement_id",
    "sponsor_slug",
    "period",
    "batch_status",
    "invoice_number",
    "invoice_date",
    "currency",
    "authorization_id",
    "claim_id",
    "code",
    "claim_amount",
    "patient_amount",
    "claim_status",
];

/// Writes `batch` to `out`: the header, then one row per claim (a batch with no claim writes the header only).
pub fn write_batch(batch: &Settlement, out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
    let status = serde_json::to_value(batch.status).ok().and_then(|v| v.as_str().map(str::to_owned));
    for entry in &batch.authorizations {
        let verdict = match entry.status {
            Some(SettlementEntryStatus::Accepted) => "ACCEPTED".to_owned(),
            Some(SettlementEntryStatus::Rejected) => {
                format!("REJECTED {}", entry.reason.as_deref().unwrap_or_default()).trim().to_owned()
            }
            Some(SettlementEntryStatus::Unknown) => "UNKNOWN".to_owned(),
            None => String::new(),
        };
        let row = [
            batch.settlement_id.as_str().to_owned(),
            text(batch.sponsor_slug.as_deref()),
            text(batch.period.as_deref()),
            status.clone().unwrap_or_default(),
            text(batch.invoice_number.as_deref()),
            text(batch.invoice_date.as_deref()),
            text(batch.currency_code.as_deref()),
            entry.authorization_id.as_str().to_owned(),
            entry.claim_id.as_str().to_owned(),
            text(entry.code.as_deref()),
            format!("{:.2}", entry.total_amount),
            entry.patient_amount.map(|amount| format!("{amount:.2}")).unwrap_or_default(),
            verdict,
        ];
        writer.write_record(row.iter().map(|cell| crate::journal::csv_cell(cell).into_owned()))?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_invoice_or_code_is_written_inert() {
        let batch: Settlement = serde_json::from_value(serde_json::json!({
            "settlement_id": "stl_1", "status": "PARTIALLY_ACCEPTED", "sponsor_slug": "ars-sandbox-do",
            "period": "2026-11", "currency_code": "DOP", "invoice_number": "=HYPERLINK(\"http://x\")",
            "invoice_date": "2026-11-21",
            "authorizations": [
                {"authorization_id": "auth_1", "claim_id": "clm_1", "total_amount": 10325.0, "status": "REJECTED",
                 "reason": "AMOUNT_OVER_LIMIT", "code": "+cmd|' /C calc'!A0", "patient_amount": 0},
                {"authorization_id": "auth_2", "claim_id": "clm_2", "total_amount": 378.0, "status": "ACCEPTED",
                 "code": "AUTH-2026-000113"}
            ]
        }))
        .unwrap();
        let mut out = Vec::new();
        write_batch(&batch, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[1].contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{}", rows[1]);
        assert!(rows[1].contains("'+cmd|"), "{}", rows[1]);
        assert!(rows[1].ends_with(",10325.00,0.00,REJECTED AMOUNT_OVER_LIMIT"), "{}", rows[1]);
        assert!(rows[2].ends_with(",AUTH-2026-000113,378.00,,ACCEPTED"), "{}", rows[2]);
    }
}
