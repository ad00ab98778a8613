//! The journal's tables, as numbered migrations: a database is brought up to date at open, one transaction
//! per version, and `PRAGMA user_version` says how far it is. A migration is never edited once shipped; a
//! change is a new one at the end.

use rusqlite::Connection;

/// Each version's statements, in order; version N is `MIGRATIONS[N - 1]`.
const MIGRATIONS: &[&str] = &[
    // 1: the append-only event log and each dispensation's current state.
    "CREATE TABLE events (
         id              INTEGER PRIMARY KEY,
         at              TEXT NOT NULL,
         terminal        TEXT NOT NULL,
         dispensation_id TEXT NOT NULL,
         code            TEXT NOT NULL,
         step            TEXT NOT NULL,
         detail          TEXT NOT NULL DEFAULT '{}'
     );
     CREATE INDEX events_by_dispensation ON events (dispensation_id, id);
     CREATE TRIGGER events_are_never_changed BEFORE UPDATE ON events
         BEGIN SELECT RAISE(ABORT, 'the journal''s events are append-only'); END;
     CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
         BEGIN SELECT RAISE(ABORT, 'the journal''s events are append-only'); END;
     CREATE TABLE dispensations (
         dispensation_id TEXT PRIMARY KEY,
         terminal        TEXT NOT NULL,
         code            TEXT NOT NULL,
         code_type       TEXT,
         sponsor_slug    TEXT,
         status          TEXT NOT NULL,
         started_at      TEXT NOT NULL,
         updated_at      TEXT NOT NULL,
         verified_by     TEXT,
         idempotency_key TEXT,
         amount          TEXT,
         currency        TEXT,
         invoice_number  TEXT,
         claim_id        TEXT
     );
     CREATE INDEX dispensations_by_status ON dispensations (status);
     CREATE INDEX dispensations_by_start ON dispensations (started_at);",
    // 2: the rest of the completion as it was sent, so that recovery can send exactly it again.
    "ALTER TABLE dispensations ADD COLUMN invoice_date TEXT;
     ALTER TABLE dispensations ADD COLUMN invoice_serial TEXT;",
    // 3: many counters on one store server. Each process holds a till; what an earlier build wrote belongs to the
    // first till, which the first counter to open takes. Starts are kept before they are sent (a start whose reply
    // is lost is found again), and invoice numbers are allocated here, never twice, from any process.
    "ALTER TABLE dispensations ADD COLUMN till TEXT NOT NULL DEFAULT 'caja-1';
     ALTER TABLE events ADD COLUMN till TEXT NOT NULL DEFAULT 'caja-1';
     CREATE INDEX dispensations_by_till ON dispensations (till, status);
     CREATE TABLE starts (
         idempotency_key TEXT PRIMARY KEY,
         till            TEXT NOT NULL,
         code            TEXT NOT NULL,
         request         TEXT NOT NULL,
         state           TEXT NOT NULL,
         dispensation_id TEXT,
         at              TEXT NOT NULL
     );
     CREATE INDEX starts_by_till ON starts (till, state);
     CREATE TABLE invoices (
         number          TEXT PRIMARY KEY,
         prefix          TEXT,
         seq             INTEGER,
         state           TEXT NOT NULL,
         till            TEXT NOT NULL,
         dispensation_id TEXT,
         at              TEXT NOT NULL
     );
     CREATE INDEX invoices_by_sequence ON invoices (prefix, seq);
     CREATE INDEX invoices_by_dispensation ON invoices (dispensation_id);
     CREATE TABLE probes (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);",
    // 4: the history (F3, "today at this till") reads one till's day: without this index SQLite picks
    // `dispensations_by_till` (till, status) and walks every row the till ever wrote.
    "CREATE INDEX dispensations_by_till_start ON dispensations (till, started_at);",
    // 5: what the patient paid and what the sponsor owes (contract §9), as the completion's reply shared the total;
    // empty when it did not say (the real Osigu documents no `amounts`) and for dispensations completed before.
    "ALTER TABLE dispensations ADD COLUMN sponsor_amount TEXT;
     ALTER TABLE dispensations ADD COLUMN patient_amount TEXT;",
    // 6 (issue 13, named clerks): who may sign in at the counter, their PIN as an Argon2id PHC string (never the
    // PIN), their wrong PINs in a row and the lockout they earn; an append-only audit of what each clerk did at the
    // door (signed in, a wrong PIN, locked out, unlocked, by which supervisor, signed out; the CLI's changes); and
    // the clerk on every event and on each dispensation (the clerk who started it). Older rows have no clerk.
    "CREATE TABLE clerks (
         id           TEXT PRIMARY KEY,
         name         TEXT NOT NULL,
         role         TEXT NOT NULL,
         pin_hash     TEXT NOT NULL,
         enabled      INTEGER NOT NULL DEFAULT 1,
         failures     INTEGER NOT NULL DEFAULT 0,
         locked_until TEXT,
         created_at   TEXT NOT NULL,
         updated_at   TEXT NOT NULL
     );
     CREATE TABLE clerk_events (
         id       INTEGER PRIMARY KEY,
         at       TEXT NOT NULL,
         terminal TEXT NOT NULL,
         till     TEXT NOT NULL,
         clerk_id TEXT NOT NULL,
         event    TEXT NOT NULL,
         by_clerk TEXT,
         detail   TEXT NOT NULL DEFAULT '{}'
     );
     CREATE INDEX clerk_events_by_clerk ON clerk_events (clerk_id, id);
     CREATE TRIGGER clerk_events_are_never_changed BEFORE UPDATE ON clerk_events
         BEGIN SELECT RAISE(ABORT, 'the clerks'' audit is append-only'); END;
     CREATE TRIGGER clerk_events_are_never_deleted BEFORE DELETE ON clerk_events
         BEGIN SELECT RAISE(ABORT, 'the clerks'' audit is append-only'); END;
     ALTER TABLE events ADD COLUMN clerk_id TEXT;
     ALTER TABLE dispensations ADD COLUMN clerk_id TEXT;",
    // 7: what `mostrador webhooks serve` receives from Osigu. Every accepted event once (its id is the key, which is
    // what deduplicates an at-least-once delivery across restarts), applied once (`applied` turns 1 in the same
    // transaction as the event's effect); the authorization codes voided, for the counters to poll; and each
    // settlement batch's latest state, for the settlements screen.
    "CREATE TABLE webhook_events (
         event_id    TEXT PRIMARY KEY,
         event_type  TEXT NOT NULL,
         created_at  TEXT,
         received_at TEXT NOT NULL,
         subject     TEXT,
         body        TEXT NOT NULL,
         applied     INTEGER NOT NULL DEFAULT 0,
         applied_at  TEXT
     );
     CREATE INDEX webhook_events_unapplied ON webhook_events (received_at) WHERE applied = 0;
     CREATE TABLE voided_authorizations (
         code             TEXT PRIMARY KEY,
         authorization_id TEXT,
         sponsor_slug     TEXT,
         reason           TEXT,
         voided_at        TEXT,
         recorded_at      TEXT NOT NULL,
         event_id         TEXT NOT NULL
     );
     CREATE INDEX voided_authorizations_by_recorded ON voided_authorizations (recorded_at);
     CREATE TABLE settlements (
         settlement_id   TEXT PRIMARY KEY,
         sponsor_slug    TEXT,
         period          TEXT,
         status          TEXT NOT NULL,
         currency        TEXT,
         total_amount    TEXT,
         accepted_amount TEXT,
         invoice_number  TEXT,
         decided_at      TEXT,
         updated_at      TEXT NOT NULL,
         event_id        TEXT NOT NULL,
         detail          TEXT NOT NULL DEFAULT '{}'
     );
     CREATE INDEX settlements_by_sponsor_period ON settlements (sponsor_slug, period);",
    // 8: paper prescriptions (issue 15): each pre-authorization request is kept before it is sent, with its
    // Idempotency-Keys and how every transcribed line was mapped to a product, then its answer and the codes it
    // issued; a cash sale keeps its lines the same way (no request). An approved code nobody started is offered
    // again at the next start. The clerk who asked (none without clerks), as on every event.
    "CREATE TABLE paper_requests (
         idempotency_key TEXT PRIMARY KEY,
         till            TEXT NOT NULL,
         sponsor_slug    TEXT,
         scan_reference  TEXT NOT NULL,
         lines           TEXT NOT NULL,
         sent            TEXT,
         state           TEXT NOT NULL,
         request_id      TEXT,
         codes           TEXT NOT NULL DEFAULT '[]',
         printed         INTEGER,
         at              TEXT NOT NULL,
         updated_at      TEXT NOT NULL,
         clerk_id        TEXT
     );
     CREATE INDEX paper_requests_by_till ON paper_requests (till, at);",
];

/// The version this build writes.
pub const CURRENT: u32 = MIGRATIONS.len() as u32;

/// Brings `connection` to [`CURRENT`]; a database from a newer build is refused rather than misread. Each step
/// reads the version inside its own write transaction, so counters opening a new journal at the same moment
/// (several clerks on one store server) take turns: one migrates, the others find it done.
pub fn migrate(connection: &mut Connection) -> Result<(), MigrateError> {
    loop {
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: u32 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if found > CURRENT {
            return Err(MigrateError::Newer { found, known: CURRENT });
        }
        let Some(statements) = MIGRATIONS.get(found as usize) else {
            return Ok(());
        };
        transaction.execute_batch(statements)?;
        transaction.pragma_update(None, "user_version", found + 1)?;
        transaction.commit()?;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("the journal was written by a newer Mostrador (schema {found}, this one knows up to {known})")]
    Newer { found: u32, known: u32 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}
