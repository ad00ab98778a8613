//! The terminal's invoice numbers: a prefix from the configuration plus a counter kept in a small file in the
//! data directory, so numbers keep rising across restarts. The clerk may edit a proposed number; the counter
//! moves past whatever number was actually used.

use std::path::{Path, PathBuf};

/// The counter file of one terminal.
#[derive(Clone, Debug)]
pub struct InvoiceBook {
    path: PathBuf,
}

impl InvoiceBook {
    /// A book kept in `data_dir/invoice-counter`.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self { path: data_dir.join("invoice-counter") }
    }

    /// The last number used (0 before the first).
    fn last(&self) -> u64 {
        std::fs::read_to_string(&self.path).ok().and_then(|text| text.trim().parse().ok()).unwrap_or(0)
    }

    /// The next number to propose: `prefix` + last + 1, zero-padded to six digits.
    pub fn next(&self, prefix: &str) -> String {
        format!("{prefix}{:06}", self.last() + 1)
    }

    /// Moves the counter past `number` when it is `prefix` + digits beyond the last one used. Written to a
    /// temporary file and renamed, so a crash never leaves half a number.
    pub fn used(&self, prefix: &str, number: &str) -> std::io::Result<()> {
        let Some(value) = number.strip_prefix(prefix).and_then(|digits| digits.parse::<u64>().ok()) else {
            return Ok(());
        };
        if value <= self.last() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temporary = self.path.with_extension("tmp");
        std::fs::write(&temporary, format!("{value}\n"))?;
        std::fs::rename(&temporary, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_rise_past_whatever_was_used_and_survive_a_restart() {
        let dir = std::env::temp_dir().join(format!("mostrador-invoices-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let book = InvoiceBook::in_dir(&dir);
        assert_eq!(book.next("F001-"), "F001-000001");
        book.used("F001-", "F001-000001").unwrap();
        assert_eq!(InvoiceBook::in_dir(&dir).next("F001-"), "F001-000002");
        // The clerk typed a number of their own further ahead: the next proposal follows it.
        book.used("F001-", "F001-000040").unwrap();
        assert_eq!(book.next("F001-"), "F001-000041");
        // A number from another series or an older one does not move the counter back.
        book.used("F001-", "B-77").unwrap();
        book.used("F001-", "F001-000007").unwrap();
        assert_eq!(book.next("F001-"), "F001-000041");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
