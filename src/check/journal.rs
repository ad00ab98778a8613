//! The journal's part of `mostrador check`: where it is, whether it can be written, whether SQLite finds it sound,
//! how much room is left, and which tills are open on it. It is local, so it is reported even when Osigu cannot be
//! reached; a journal that cannot be used fails the check with [`EXIT_JOURNAL`] (unless the connection failed
//! first: that is reported instead, both being shown).

use std::io::Write;
use std::path::Path;

use super::{CheckFailure, EXIT_JOURNAL, report::Paint, report::field};
use crate::journal::{Journal, Place};

/// Below this much free space the check warns: a day of a busy store's journal is far less, but logs and the
/// system share the disk.
const LOW_SPACE_BYTES: u64 = 100 * 1024 * 1024;

/// Writes the journal's section; returns the failure to report when it cannot be used.
pub(super) fn check_journal(
    data_dir: &Path,
    out: &mut impl Write,
    paint: Paint,
) -> Result<Option<CheckFailure>, std::io::Error> {
    writeln!(out, "{}", paint.bold("Journal"))?;
    let path = data_dir.join(crate::journal::FILE_NAME);
    field(out, "file", &path.display().to_string())?;
    let tills = match crate::runtime::till::held(data_dir) {
        Ok(held) if held.is_empty() => "none open now".to_owned(),
        Ok(held) => held.join(", "),
        Err(error) => format!("cannot be read ({error})"),
    };
    let journal = match Journal::in_dir(data_dir, &Place::new(crate::runtime::terminal_name(), "check")) {
        Ok(journal) => journal,
        Err(error) => {
            field(out, "state", &paint.red(&format!("CANNOT BE USED: {error}")))?;
            field(out, "tills", &tills)?;
            writeln!(out)?;
            let advice = match error {
                crate::journal::JournalError::Damaged { .. } => {
                    "close every counter and run `mostrador journal set-aside` (it keeps the file)"
                }
                _ => "check the disk's free space and the data directory's permissions",
            };
            return Ok(Some(CheckFailure::new(EXIT_JOURNAL, format!("the journal cannot be used: {error}; {advice}"))));
        }
    };
    let health = journal.health();
    let mut failure = None;
    match &health.writable {
        Ok(()) => field(out, "writable", "yes")?,
        Err(why) => {
            field(out, "writable", &paint.red(&format!("NO: {}", why.detail)))?;
            failure = Some(CheckFailure::new(
                EXIT_JOURNAL,
                format!("the journal cannot be written ({}): the counter will not dispense", why.detail),
            ));
        }
    }
    match &health.integrity {
        Ok(()) => field(out, "integrity", "ok (SQLite quick check)")?,
        Err(found) => {
            field(out, "integrity", &paint.red(&format!("DAMAGED: {found}")))?;
            failure.get_or_insert_with(|| {
                CheckFailure::new(
                    EXIT_JOURNAL,
                    format!(
                        "the journal is damaged ({found}): close every counter and run `mostrador journal set-aside`"
                    ),
                )
            });
        }
    }
    match health.free_bytes {
        Some(free) if free < LOW_SPACE_BYTES => {
            field(out, "free space", &paint.red(&format!("{} (low: free some space)", size(free))))?;
        }
        Some(free) => field(out, "free space", &size(free))?,
        None => field(out, "free space", "unknown")?,
    }
    field(out, "tills", &tills)?;
    writeln!(out)?;
    Ok(failure)
}

/// `12.3 GB`, `850 MB`.
fn size(bytes: u64) -> String {
    const MB: u64 = 1_000_000;
    if bytes >= 1000 * MB {
        format!("{:.1} GB", bytes as f64 / (1000 * MB) as f64)
    } else {
        format!("{} MB", bytes / MB)
    }
}
