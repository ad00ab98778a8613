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
    /// A book kept in `data_dir/invoice-counter`; a counter file an earlier version left readable by others is
    /// made private (and the log says so).
    pub fn in_dir(data_dir: &Path) -> Self {
        let path = data_dir.join("invoice-counter");
        match crate::files::tighten(&path) {
            Ok(tightened) => tightened.iter().for_each(crate::files::Tightened::log),
            Err(error) => tracing::warn!(error = %error, "the invoice counter's mode could not be checked"),
        }
        Self { path }
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
            crate::files::private_dir(dir)?;
        }
        // Readable by its owner only, like every file of the data directory; the rename keeps the mode.
        let temporary = self.path.with_extension("tmp");
        crate::files::write_private(&temporary, format!("{value}\n").as_bytes())?;
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("invoice-counter")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the counter file is its owner's only");
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "in a directory only its owner enters");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
