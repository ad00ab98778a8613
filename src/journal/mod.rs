//! The journal: the store's own record of every dispensation, in a SQLite file in the data directory
//! (`journal.sqlite3`) that every counter process of the store server shares. An append-only `events` table keeps
//! each step as it happened (start, verification, lines, the finalize intent with its Idempotency-Key, the result,
//! cancellation, a reveal of personal data), `dispensations` keeps each one's current state for history, export
//! and recovery, `starts` keeps each start before it is sent, and `invoices` allocates invoice numbers. The
//! clerks who may sign in, and the audit of their sign-ins, lockouts and unlocks, are kept here too ([`clerks`]);
//! every event and every dispensation says which clerk did it (none when nobody signs in).
//!
//! Every row says which till wrote it: each running counter holds one till (see `runtime::till`), and start-up
//! recovery touches only its own till's rows, so it never settles a dispensation another live counter holds.
//!
//! Written in WAL mode with `synchronous = FULL`: a record is on disk when a write returns, which is what lets an
//! intent be trusted after a power cut. A write that fails says why ([`JournalError::failure`]): the counter then
//! stops dispensing. A damaged file is found when the journal opens (SQLite's quick check) and refused; it is
//! never deleted or overwritten ([`set_aside`] keeps it beside the new one). Nothing secret is ever stored: the
//! records the core sends ([`Record`]) have no field for an OTP, a token, a secret or a document number.

mod clerks;
mod export;
mod health;
mod invoices;
mod paper;
mod schema;
mod starts;
#[cfg(test)]
mod tests;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use time::OffsetDateTime;

pub use clerks::{ClerkEvent, ClerkRow};
/// One CSV cell made inert for a spreadsheet (also the settlements export's).
pub use export::cell as csv_cell;
pub use export::write_csv;
pub use health::{Health, set_aside};
pub use invoices::MAX_SEQUENCE;
pub use paper::{PaperEntry, PaperIntent, PaperState};
pub use schema::MigrateError;
pub use starts::LooseStart;
pub use webhooks::{NewWebhookEvent, SettlementRow, StoredWebhookEvent, VoidedCode, WebhookEffect};

use crate::counter::{Event, JournalCause, JournalFailure, Record};

/// The journal's file in a data directory.
pub const FILE_NAME: &str = "journal.sqlite3";

/// How long a write waits for another counter's write to finish before it is a failure.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Who writes: the machine (host name) and the till this process holds on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub terminal: String,
    pub till: String,
}

impl Place {
    pub fn new(terminal: impl Into<String>, till: impl Into<String>) -> Self {
        Self { terminal: terminal.into(), till: till.into() }
    }
}

/// A dispensation's state as the journal knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub dispensation_id: String,
    pub terminal: String,
    pub till: String,
    pub code: String,
    pub code_type: Option<String>,
    pub sponsor_slug: Option<String>,
    /// `STARTED`, `FINALIZING` (intent written, outcome not yet known), `CANCELLING` (to be cancelled, never
    /// completed), `COMPLETED` or `CANCELLED`.
    pub status: String,
    pub started_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub verified_by: Option<String>,
    pub idempotency_key: Option<String>,
    /// As sent or charged, exact (stored as text so no float ever touches it).
    pub amount: Option<rust_decimal::Decimal>,
    pub currency: Option<String>,
    pub invoice_number: Option<String>,
    pub claim_id: Option<String>,
    pub invoice_date: Option<String>,
    pub invoice_serial: Option<String>,
    /// What the sponsor owes of `amount`, as the completion's reply said (none when it did not).
    pub sponsor_amount: Option<rust_decimal::Decimal>,
    /// What the patient paid of `amount`, as the completion's reply said (none when it did not).
    pub patient_amount: Option<rust_decimal::Decimal>,
    /// The clerk who started it (none when nobody signs in at the counter).
    pub clerk_id: Option<String>,
    /// That clerk's name, as kept (outside text: made inert where shown).
    pub clerk_name: Option<String>,
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the journal {path} cannot be opened: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("the journal {path} cannot be brought up to date: {source}")]
    Migrate { path: PathBuf, source: MigrateError },
    #[error("the journal {path} is damaged ({found})")]
    Damaged { path: PathBuf, found: String },
    #[error("the journal could not be written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("there is already a clerk with the id `{id}`")]
    ClerkExists { id: String },
    #[error("there is no clerk with the id `{id}`")]
    UnknownClerk { id: String },
    #[error("the journal's directory {path} cannot be created: {source}")]
    Directory { path: PathBuf, source: std::io::Error },
    #[error("the invoice number {number} is already used by another dispensation")]
    InvoiceTaken { number: String },
    #[error("every invoice number of the series {prefix} is used (the last is {prefix}{MAX_SEQUENCE})")]
    InvoicesExhausted { prefix: String },
    /// The journal's file could not be created, or made readable by its owner only.
    #[error("the journal {path} cannot be created or made private: {source}")]
    File { path: PathBuf, source: std::io::Error },
    /// Reading only, and there is no journal (nothing was ever dispensed with this data directory).
    #[error(
        "there is no journal at {path}: nothing has been dispensed with this data directory (check \
         `counter.data_dir` in the configuration)"
    )]
    Missing { path: PathBuf },
    /// Reading only, and the journal has not been brought up to this build's schema yet.
    #[error(
        "the journal {path} was written by an older Mostrador (schema {found}, this one reads {current}): start \
         the counter once to bring it up to date"
    )]
    Outdated { path: PathBuf, found: u32, current: u32 },
}

impl JournalError {
    /// What this error means for the counter: why nothing can be recorded.
    pub fn failure(&self) -> JournalFailure {
        let cause = match self {
            Self::Damaged { .. } => JournalCause::Damaged,
            Self::Directory { source, .. } => io_cause(source),
            Self::Open { source, .. } | Self::Sqlite(source) => sqlite_cause(source),
            Self::Migrate { source: MigrateError::Sqlite(source), .. } => sqlite_cause(source),
            Self::File { source, .. } => io_cause(source),
            Self::Migrate { .. }
            | Self::InvoiceTaken { .. }
            | Self::InvoicesExhausted { .. }
            | Self::ClerkExists { .. }
            | Self::UnknownClerk { .. }
            | Self::Missing { .. }
            | Self::Outdated { .. } => JournalCause::Other,
        };
        JournalFailure { cause, detail: self.to_string() }
    }
}

fn sqlite_cause(error: &rusqlite::Error) -> JournalCause {
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => JournalCause::Full,
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => JournalCause::ReadOnly,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => JournalCause::Damaged,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => JournalCause::Busy,
        _ => JournalCause::Other,
    }
}

fn io_cause(error: &std::io::Error) -> JournalCause {
    match error.kind() {
        std::io::ErrorKind::StorageFull => JournalCause::Full,
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => JournalCause::ReadOnly,
        _ => JournalCause::Other,
    }
}

/// The journal as one till writes it; clones share the connection.
#[derive(Clone)]
pub struct Journal {
    connection: Arc<Mutex<Connection>>,
    place: Arc<Place>,
    path: Arc<Path>,
}

impl Journal {
    /// Opens (creating it when needed) the journal in `data_dir`, written from `place`. The directory is made
    /// private (see [`crate::files`]).
    pub fn in_dir(data_dir: &Path, place: &Place) -> Result<Self, JournalError> {
        let directory = |source| JournalError::Directory { path: data_dir.to_owned(), source };
        if let Some(tightened) = crate::files::private_dir(data_dir).map_err(directory)? {
            tightened.log();
        }
        Self::open(&data_dir.join(FILE_NAME), place)
    }

    /// Opens (creating it when needed) the journal at `path`. The file is created readable by its owner only
    /// before SQLite opens it, since SQLite creates a database 0644 and its `-wal` and `-shm` files with the
    /// database's own mode; files an earlier version left open are tightened. A file that is not a sound SQLite
    /// database is refused as [`JournalError::Damaged`] and left exactly as it is.
    pub fn open(path: &Path, place: &Place) -> Result<Self, JournalError> {
        let open_error = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                JournalError::Damaged { path: path.to_owned(), found: source.to_string() }
            }
            _ => JournalError::Open { path: path.to_owned(), source },
        };
        private_files(path).map_err(|source| JournalError::File { path: path.to_owned(), source })?;
        let mut connection = Connection::open(path).map_err(open_error)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        use_wal(&connection).map_err(open_error)?;
        // Every commit reaches the disk before it returns: an intent written is an intent kept.
        connection.pragma_update(None, "synchronous", "FULL").map_err(open_error)?;
        health::quick_check(&connection).map_err(|found| match found {
            health::Check::Damaged(found) => JournalError::Damaged { path: path.to_owned(), found },
            health::Check::Failed(source) => open_error(source),
        })?;
        schema::migrate(&mut connection).map_err(|source| match source {
            MigrateError::Sqlite(source) if matches!(sqlite_cause(&source), JournalCause::Damaged) => {
                JournalError::Damaged { path: path.to_owned(), found: source.to_string() }
            }
            source => JournalError::Migrate { path: path.to_owned(), source },
        })?;
        Ok(Self { connection: Arc::new(Mutex::new(connection)), place: Arc::new(place.clone()), path: Arc::from(path) })
    }

    /// The journal's file (SQLite keeps `-wal` and `-shm` files beside it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where this journal writes from.
    pub fn place(&self) -> &Place {
        &self.place
    }

    /// The connection, for one call. A panic elsewhere while holding it leaves SQLite consistent (every write
    /// is one transaction), so a poisoned lock is taken over rather than turned into a second panic.
    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps `record`: the event, and the dispensation's new state, in one transaction. A finalize intent also
    /// claims its invoice number here: [`JournalError::InvoiceTaken`] when another dispensation holds it.
    pub fn record(&self, record: &Record) -> Result<(), JournalError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let at = stamp(record.at);
        let id = record.dispensation_id.as_str();
        let Place { terminal, till } = &*self.place;
        let clerk = record.clerk.as_deref();
        transaction.execute(
            "INSERT INTO events (at, terminal, till, dispensation_id, code, step, detail, clerk_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![at, terminal, till, id, record.code, record.event.step(), detail(&record.event), clerk],
        )?;
        // Every event makes sure the dispensation has a row, then updates what the event changes. The clerk of the
        // first is the dispensation's (no clerk is switched in the middle of one; recovery writes none).
        transaction.execute(
            "INSERT INTO dispensations (dispensation_id, terminal, till, code, status, started_at, updated_at, clerk_id)
             VALUES (?1, ?2, ?3, ?4, 'STARTED', ?5, ?5, ?6)
             ON CONFLICT (dispensation_id) DO UPDATE SET updated_at = excluded.updated_at,
                 clerk_id = COALESCE(dispensations.clerk_id, excluded.clerk_id)",
            params![id, terminal, till, record.code, at, clerk],
        )?;
        let update = |sql: &str, values: &[&dyn rusqlite::ToSql]| transaction.execute(sql, values).map(drop);
        match &record.event {
            Event::Started { code_type, sponsor_slug, start_key } => {
                update(
                    "UPDATE dispensations SET code_type = ?2, sponsor_slug = ?3 WHERE dispensation_id = ?1",
                    params![id, code_type_name(*code_type), sponsor_slug],
                )?;
                if let Some(key) = start_key {
                    starts::started(&transaction, key, id)?;
                }
            }
            Event::Verified { method } => {
                update(
                    "UPDATE dispensations SET verified_by = ?2 WHERE dispensation_id = ?1",
                    params![id, method.name()],
                )?;
            }
            Event::FinalizeIntent { key, amount, currency, invoice_number, invoice_date, invoice_serial } => {
                update(
                    "UPDATE dispensations SET status = 'FINALIZING', idempotency_key = ?2, amount = ?3, currency = ?4,
                     invoice_number = ?5, invoice_date = ?6, invoice_serial = ?7
                     WHERE dispensation_id = ?1 AND status != 'COMPLETED'",
                    params![id, key, amount.to_string(), currency, invoice_number, invoice_date, invoice_serial],
                )?;
                invoices::sent(&transaction, &self.place, id, invoice_number.as_deref(), &at)?;
            }
            Event::Completed { claim_id, amount, currency, invoice_number, amounts } => {
                update(
                    "UPDATE dispensations SET status = 'COMPLETED', claim_id = ?2, amount = ?3, currency = ?4,
                     invoice_number = COALESCE(?5, invoice_number), sponsor_amount = ?6, patient_amount = ?7
                     WHERE dispensation_id = ?1",
                    params![
                        id,
                        claim_id.as_ref().map(|claim| claim.as_str()),
                        amount.to_string(),
                        currency,
                        invoice_number,
                        amounts.map(|amounts| amounts.sponsor.to_string()),
                        amounts.map(|amounts| amounts.patient.to_string()),
                    ],
                )?;
                invoices::used(&transaction, &self.place, id, invoice_number.as_deref(), &at)?;
            }
            Event::CompletionRefused => {
                update(
                    "UPDATE dispensations SET status = 'STARTED' WHERE dispensation_id = ?1 AND status = 'FINALIZING'",
                    params![id],
                )?;
                invoices::refused(&transaction, id)?;
            }
            Event::CancelIntent { .. } => {
                update(
                    "UPDATE dispensations SET status = 'CANCELLING'
                     WHERE dispensation_id = ?1 AND status IN ('STARTED', 'FINALIZING')",
                    params![id],
                )?;
            }
            Event::Cancelled => {
                update(
                    "UPDATE dispensations SET status = 'CANCELLED' WHERE dispensation_id = ?1 AND status != 'COMPLETED'",
                    params![id],
                )?;
                invoices::released(&transaction, id)?;
            }
            Event::LinesSaved { .. }
            | Event::Revealed
            | Event::NotVerified { .. }
            | Event::Printed { .. }
            | Event::PackChecked(_) => {}
        }
        transaction.commit()?;
        Ok(())
    }

    /// The dispensations started in `[from, to)` (all when unbounded), oldest first.
    pub fn dispensations(
        &self,
        from: Option<OffsetDateTime>,
        to: Option<OffsetDateTime>,
    ) -> Result<Vec<Entry>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "{SELECT_ENTRIES} WHERE (?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2)
             ORDER BY started_at, rowid"
        ))?;
        let rows = statement.query_map(params![from.map(stamp), to.map(stamp)], entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// This till's dispensations started in `[from, to)`, newest first, each with when it ended: what the
    /// history (F3) and the counter's "today at this till" list. Reads one till's day through
    /// `dispensations_by_till_start`, however long the journal is.
    pub fn day(&self, from: OffsetDateTime, to: OffsetDateTime) -> Result<Vec<Listed>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(DAY_QUERY)?;
        let rows = statement.query_map(params![&self.place.till, stamp(from), stamp(to)], listed)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every till's dispensations whose code or invoice number contains `text` (ASCII letters in any case), on
    /// any day, newest first, at most `limit`: the history's search by code. Reads the journal from its newest
    /// start backwards and stops at `limit`.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<Listed>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(SEARCH_QUERY)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map(params![text.to_uppercase(), limit], listed)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The dispensations this till left unfinished (STARTED, FINALIZING with an intent, CANCELLING), oldest
    /// first. Other tills' are never listed: they belong to live counters, or to the next one to hold that till.
    pub fn unfinished(&self) -> Result<Vec<Entry>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!(
            "{SELECT_ENTRIES} WHERE till = ?1 AND status IN ('STARTED', 'FINALIZING', 'CANCELLING')
             ORDER BY started_at, rowid"
        ))?;
        let rows = statement.query_map(params![&self.place.till], entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One dispensation's state, if the journal has it.
    pub fn dispensation(&self, id: &str) -> Result<Option<Entry>, JournalError> {
        let connection = self.connection();
        Ok(connection
            .query_row(&format!("{SELECT_ENTRIES} WHERE dispensation_id = ?1"), params![id], entry)
            .optional()?)
    }

    /// The steps recorded for one dispensation, oldest first, as `(step, clerk id)`.
    pub fn event_clerks(&self, id: &str) -> Result<Vec<(String, Option<String>)>, JournalError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare("SELECT step, clerk_id FROM events WHERE dispensation_id = ?1 ORDER BY id")?;
        let rows = statement.query_map(params![id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The steps recorded for one dispensation, oldest first, as `(step, detail JSON)`.
    pub fn events(&self, id: &str) -> Result<Vec<(String, String)>, JournalError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare("SELECT step, detail FROM events WHERE dispensation_id = ?1 ORDER BY id")?;
        let rows = statement.query_map(params![id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Opens the journal in `data_dir` for reading only (`journal export`): nothing is created, migrated or
    /// written, so it works on a journal the user may only read, and beside a running counter. A journal from
    /// another schema version is refused (reading it with this build's columns could misread it).
    ///
    /// A journal in WAL mode makes even a read-only SQLite connection create the `-wal` and `-shm` files, and
    /// fail where it cannot. So a journal no counter has open (no `-wal` beside it: the last one to close folded
    /// it into the file) is opened `immutable`, which reads the file alone and creates nothing; one in use (or
    /// left by a crash) is read through its existing `-wal` and `-shm`, like any reader beside a writer.
    pub fn open_read_only(data_dir: &Path, place: &Place) -> Result<Self, JournalError> {
        use rusqlite::OpenFlags;

        let path = data_dir.join(FILE_NAME);
        if !path.exists() {
            return Err(JournalError::Missing { path });
        }
        let open_error = |source| JournalError::Open { path: path.clone(), source };
        // No CREATE: a journal removed meanwhile is an error, not a new empty file.
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = if companion(&path, "-wal").exists() {
            Connection::open_with_flags(&path, flags)
        } else {
            Connection::open_with_flags(immutable_uri(&path), flags | OpenFlags::SQLITE_OPEN_URI)
        }
        .map_err(open_error)?;
        connection.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_error)?;
        let found: u32 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(open_error)?;
        if found > schema::CURRENT {
            let source = MigrateError::Newer { found, known: schema::CURRENT };
            return Err(JournalError::Migrate { path, source });
        }
        if found < schema::CURRENT {
            return Err(JournalError::Outdated { path, found, current: schema::CURRENT });
        }
        Ok(Self { connection: Arc::new(Mutex::new(connection)), place: Arc::new(place.clone()), path: Arc::from(path) })
    }
}

/// The journal at `path` and SQLite's files beside it, readable by their owner only (see [`Journal::open`]).
fn private_files(path: &Path) -> std::io::Result<()> {
    let tightened = crate::files::ensure_private(path)?;
    tightened.iter().for_each(crate::files::Tightened::log);
    for suffix in ["-wal", "-shm"] {
        crate::files::tighten(&companion(path, suffix))?.iter().for_each(crate::files::Tightened::log);
    }
    Ok(())
}

/// A file SQLite keeps beside the journal: `-wal`, `-shm`.
fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `file:<path>?immutable=1`, the path percent-encoded as SQLite's URIs want it (every byte but unreserved
/// characters and `/`), so a `?`, `#` or `%` in a directory name cannot change what is opened.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Puts the journal in WAL mode. On a journal just created, another counter opening it at the same moment may hold
/// it for a few milliseconds, and SQLite answers a change of journal mode with "busy" at once rather than
/// waiting: so it is tried again, for as long as any write would wait.
fn use_wal(connection: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match connection.pragma_update(None, "journal_mode", "WAL") {
            Err(error)
                if matches!(sqlite_cause(&error), JournalCause::Busy) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            result => return result,
        }
    }
}

/// The columns [`entry`] reads, in its order.
const SELECT_ENTRIES: &str = "SELECT dispensation_id, terminal, till, code, code_type, sponsor_slug, status,
    started_at, updated_at, verified_by, idempotency_key, amount, currency, invoice_number, claim_id, invoice_date,
    invoice_serial, sponsor_amount, patient_amount, clerk_id,
    (SELECT name FROM clerks WHERE clerks.id = dispensations.clerk_id) FROM dispensations";

/// A dispensation as the history lists it: its state, and when it was completed or cancelled.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub entry: Entry,
    /// The moment of its `completed` event when it is COMPLETED, of its `cancelled` event when CANCELLED; `None`
    /// while it is neither.
    pub ended_at: Option<OffsetDateTime>,
}

/// [`SELECT_ENTRIES`]'s columns, then when the dispensation ended (see [`Listed::ended_at`]), found through
/// `events_by_dispensation`.
macro_rules! select_listed {
    () => {
        "SELECT dispensation_id, terminal, till, code, code_type, sponsor_slug, status, started_at, updated_at,
            verified_by, idempotency_key, amount, currency, invoice_number, claim_id, invoice_date, invoice_serial,
            sponsor_amount, patient_amount, clerk_id,
            (SELECT name FROM clerks WHERE clerks.id = dispensations.clerk_id),
            (SELECT at FROM events
             WHERE events.dispensation_id = dispensations.dispensation_id
               AND events.step = CASE dispensations.status
                   WHEN 'COMPLETED' THEN 'completed' WHEN 'CANCELLED' THEN 'cancelled' END
             ORDER BY events.id LIMIT 1)
         FROM dispensations"
    };
}

/// One till's day, newest first: `?1` the till, `?2`..`?3` the stamps of the day's bounds (public for the
/// history bench, which prints its plan).
pub const DAY_QUERY: &str = concat!(
    select_listed!(),
    " WHERE till = ?1 AND started_at >= ?2 AND started_at < ?3 ORDER BY started_at DESC, rowid DESC"
);

/// Codes or invoice numbers containing `?1` (upper case), every till and day, newest first, at most `?2`.
const SEARCH_QUERY: &str = concat!(
    select_listed!(),
    " WHERE instr(upper(code), ?1) > 0 OR instr(upper(COALESCE(invoice_number, '')), ?1) > 0
     ORDER BY started_at DESC LIMIT ?2"
);

fn listed(row: &rusqlite::Row<'_>) -> rusqlite::Result<Listed> {
    let ended_at = row.get::<_, Option<String>>(21)?.as_deref().and_then(parse_stamp);
    Ok(Listed { entry: entry(row)?, ended_at })
}

/// A moment as stored: UTC, whole seconds, fixed width, so text order is time order.
fn stamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

fn parse_stamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let time = |index: usize| -> rusqlite::Result<OffsetDateTime> {
        let text: String = row.get(index)?;
        parse_stamp(&text).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, "not a journal time".into())
        })
    };
    Ok(Entry {
        dispensation_id: row.get(0)?,
        terminal: row.get(1)?,
        till: row.get(2)?,
        code: row.get(3)?,
        code_type: row.get(4)?,
        sponsor_slug: row.get(5)?,
        status: row.get(6)?,
        started_at: time(7)?,
        updated_at: time(8)?,
        verified_by: row.get(9)?,
        idempotency_key: row.get(10)?,
        amount: decimal(row, 11)?,
        currency: row.get(12)?,
        invoice_number: row.get(13)?,
        claim_id: row.get(14)?,
        invoice_date: row.get(15)?,
        invoice_serial: row.get(16)?,
        sponsor_amount: decimal(row, 17)?,
        patient_amount: decimal(row, 18)?,
        clerk_id: row.get(19)?,
        clerk_name: row.get(20)?,
    })
}

/// An amount kept as text (exact), or none; text that is not an amount reads as none.
fn decimal(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<rust_decimal::Decimal>> {
    Ok(row.get::<_, Option<String>>(index)?.and_then(|text| text.parse().ok()))
}

fn code_type_name(code_type: crate::osigu::model::CodeType) -> &'static str {
    use crate::osigu::model::CodeType;
    match code_type {
        CodeType::Authorization => "AUTHORIZATION",
        CodeType::Prescription => "PRESCRIPTION",
        CodeType::Unknown => "UNKNOWN",
    }
}

/// The facts of an event, as a small JSON object.
fn detail(event: &Event) -> String {
    let value = match event {
        Event::Started { code_type, sponsor_slug, start_key } => serde_json::json!({
            "code_type": code_type_name(*code_type), "sponsor": sponsor_slug, "start_key": start_key,
        }),
        Event::Verified { method } => serde_json::json!({ "method": method.name() }),
        Event::NotVerified { method, reason } => serde_json::json!({ "method": method.name(), "reason": reason }),
        Event::LinesSaved { units } => serde_json::json!({ "units": units }),
        Event::FinalizeIntent { key, amount, currency, invoice_number, invoice_date, invoice_serial } => {
            serde_json::json!({
                "idempotency_key": key, "amount": amount.to_string(), "currency": currency, "invoice": invoice_number,
                "invoice_date": invoice_date, "invoice_serial": invoice_serial,
            })
        }
        Event::Completed { claim_id, amount, currency, invoice_number, amounts } => serde_json::json!({
            "claim_id": claim_id.as_ref().map(|claim| claim.as_str()), "amount": amount.to_string(),
            "currency": currency, "invoice": invoice_number,
            "sponsor_amount": amounts.map(|amounts| amounts.sponsor.to_string()),
            "patient_amount": amounts.map(|amounts| amounts.patient.to_string()),
        }),
        Event::CancelIntent { key } => serde_json::json!({ "idempotency_key": key }),
        Event::Printed { copy, printed } => serde_json::json!({ "copy": copy, "printed": printed }),
        Event::CompletionRefused | Event::Cancelled | Event::Revealed => serde_json::json!({}),
        Event::PackChecked(pack) => serde_json::json!({
            "line": pack.line_id.as_ref().map(|line| line.as_str()), "product_code": pack.product_code,
            "gtin": pack.gtin, "batch": pack.batch, "expiry": pack.expiry.map(|date| date.to_string()),
            "serial": pack.serial,
        }),
    };
    value.to_string()
}
