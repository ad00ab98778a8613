//! The journal's health: a quick integrity check when it opens (a damaged file is refused, never repaired or
//! overwritten), a probe write the counter uses to learn that a failed journal works again, what `mostrador check`
//! reports (writable, integrity, free space), and setting a damaged file aside so a new one can start.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use time::OffsetDateTime;

use super::{FILE_NAME, Journal, JournalError, stamp};
use crate::counter::JournalFailure;

/// What the quick check found wrong.
pub(super) enum Check {
    /// SQLite read the file and found it damaged (its first complaint).
    Damaged(String),
    /// The check itself could not run.
    Failed(rusqlite::Error),
}

/// SQLite's `quick_check`: the structure of every page, without the slower index cross-checks of
/// `integrity_check`. It reads the whole file once, which is milliseconds for a store's year of dispensations.
pub(super) fn quick_check(connection: &Connection) -> Result<(), Check> {
    let found: String =
        connection.query_row("PRAGMA quick_check(1)", [], |row| row.get(0)).map_err(
            |error| match super::sqlite_cause(&error) {
                crate::counter::JournalCause::Damaged => Check::Damaged(error.to_string()),
                _ => Check::Failed(error),
            },
        )?;
    if found == "ok" { Ok(()) } else { Err(Check::Damaged(found)) }
}

/// The journal as `mostrador check` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// A write went through (the probe row).
    pub writable: Result<(), JournalFailure>,
    /// SQLite's quick check of every page.
    pub integrity: Result<(), String>,
    /// Space left on the journal's file system, in bytes.
    pub free_bytes: Option<u64>,
}

impl Journal {
    /// One small write, to learn whether the journal can be written (again).
    pub fn probe(&self, at: OffsetDateTime) -> Result<(), JournalError> {
        let connection = self.connection();
        connection.execute(
            "INSERT INTO probes (id, at) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET at = ?1",
            [stamp(at)],
        )?;
        Ok(())
    }

    /// Writable, sound, and how much room is left.
    pub fn health(&self) -> Health {
        let writable = self.probe(OffsetDateTime::now_utc()).map_err(|error| error.failure());
        let integrity = match quick_check(&self.connection()) {
            Ok(()) => Ok(()),
            Err(Check::Damaged(found)) => Err(found),
            Err(Check::Failed(error)) => Err(error.to_string()),
        };
        let directory = self.path.parent().unwrap_or(Path::new("."));
        let free_bytes = rustix::fs::statvfs(directory).ok().map(|stats| stats.f_bavail.saturating_mul(stats.f_frsize));
        Health { writable, integrity, free_bytes }
    }
}

/// Renames the journal of `data_dir` (and SQLite's `-wal` and `-shm` beside it) to
/// `journal.damaged-<UTC time>.sqlite3`, so the next start begins a new journal and the old one is kept for
/// support. Never overwrites: a name already taken is an error. Returns the new name of the journal file.
pub fn set_aside(data_dir: &Path, at: OffsetDateTime) -> std::io::Result<PathBuf> {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let name = format!(
        "journal.damaged-{:04}{:02}{:02}-{:02}{:02}{:02}.sqlite3",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    let from = data_dir.join(FILE_NAME);
    let to = data_dir.join(&name);
    if !from.exists() {
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("{} does not exist", from.display())));
    }
    for suffix in ["", "-wal", "-shm"] {
        let target = data_dir.join(format!("{name}{suffix}"));
        if target.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", target.display()),
            ));
        }
    }
    // The companions first: a journal file without its WAL would lose the last commits if it opened alone.
    for suffix in ["-wal", "-shm"] {
        let companion = data_dir.join(format!("{FILE_NAME}{suffix}"));
        if companion.exists() {
            std::fs::rename(&companion, data_dir.join(format!("{name}{suffix}")))?;
        }
    }
    std::fs::rename(&from, &to)?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{journal, place, record};
    use super::*;
    use crate::counter::Event;

    #[test]
    fn a_damaged_journal_is_refused_at_open_and_left_as_it_is() {
        let (journal, dir) = journal();
        for n in 0..200 {
            journal.record(&record(&format!("dsp_{n}"), Event::Cancelled)).unwrap();
        }
        drop(journal);
        let path = dir.join(FILE_NAME);
        // Damage the middle of the file, as a failing disk would: from the start of a page (its header), since
        // damage that falls in a page's unused space is no damage at all.
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2 / 4096 * 4096;
        bytes[middle..middle + 512].fill(0xA5);
        std::fs::write(&path, &bytes).unwrap();
        let refused = Journal::in_dir(&dir, &place()).err().expect("refused");
        assert!(matches!(refused, JournalError::Damaged { .. }), "{refused}");
        assert_eq!(refused.failure().cause, crate::counter::JournalCause::Damaged);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "never repaired or overwritten");
        // Not a database at all.
        std::fs::write(&path, b"not a journal").unwrap();
        assert!(matches!(Journal::in_dir(&dir, &place()), Err(JournalError::Damaged { .. })));
    }

    #[test]
    fn setting_aside_keeps_the_file_and_its_companions_and_never_overwrites() {
        let (journal, dir) = journal();
        journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
        let at = time::macros::datetime!(2026-11-30 10:00:00 UTC);
        // The journal still open: its -wal holds the last commit and goes along.
        let kept = set_aside(&dir, at).unwrap();
        assert_eq!(kept.file_name().unwrap(), "journal.damaged-20261130-100000.sqlite3");
        assert!(!dir.join(FILE_NAME).exists());
        drop(journal);
        let reread = Journal::open(&kept, &place()).unwrap();
        assert_eq!(reread.dispensation("dsp_1").unwrap().unwrap().status, "CANCELLED", "nothing lost");
        drop(reread);
        std::fs::write(dir.join(FILE_NAME), b"another").unwrap();
        let error = set_aside(&dir, at).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(dir.join(FILE_NAME)).unwrap(), b"another");
    }

    #[test]
    fn a_sound_journal_is_writable_sound_and_says_how_much_room_is_left() {
        let (journal, _dir) = journal();
        let health = journal.health();
        assert_eq!(health.writable, Ok(()));
        assert_eq!(health.integrity, Ok(()));
        assert!(health.free_bytes.is_some_and(|free| free > 0));
    }
}

#[cfg(test)]
mod opening {
    use super::super::Place;
    use super::*;

    #[test]
    fn many_counters_opening_a_new_journal_at_once_all_get_it() {
        for round in 0..20 {
            let dir = std::env::temp_dir().join(format!("mostrador-open-{}-{round}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let threads: Vec<_> = (0..6)
                .map(|n| {
                    let dir = dir.clone();
                    std::thread::spawn(move || {
                        Journal::in_dir(&dir, &Place::new("store", format!("caja-{n}"))).map(drop)
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap().unwrap_or_else(|error| panic!("round {round}: {error}"));
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
