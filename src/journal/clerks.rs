//! The clerks, kept in the journal every counter of the store shares: who they are (`clerks`), and an append-only
//! audit of what each did at the door (`clerk_events`): signed in, typed a wrong PIN, was locked out, unlocked the
//! counter (or had a supervisor unlock it), signed out; and what `mostrador clerks` changed.
//!
//! A PIN is checked in two steps so that no lock is held while Argon2 works (tens of milliseconds of CPU): the
//! clerk's row is read, the PIN verified against its hash with no connection held, and then the outcome is kept
//! in one IMMEDIATE transaction that reads the row again, so two tills racing on one clerk count every wrong PIN
//! and a lockout one of them earned holds for the other.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::{Journal, JournalError, parse_stamp, stamp};
use crate::clerks::{Clerk, LOCKOUT, MAX_FAILURES, Pin, PinFor, PinVerdict, Role};

/// A clerk as `clerks list` shows one: never the PIN's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClerkRow {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    /// Until when wrong PINs keep the clerk out; `None` when they do not (or no longer do).
    pub locked_until: Option<OffsetDateTime>,
}

/// One line of a clerk's audit, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClerkEvent {
    pub at: OffsetDateTime,
    pub till: String,
    pub clerk_id: String,
    pub event: String,
    /// The supervisor who unlocked a counter for `clerk_id`.
    pub by: Option<String>,
    pub detail: String,
}

/// The row of a clerk, as a PIN check reads it.
struct Door {
    name: String,
    role: Role,
    pin_hash: String,
    enabled: bool,
    failures: u32,
    locked_until: Option<OffsetDateTime>,
}

impl Journal {
    /// Adds a clerk with the PIN hashed as `pin_hash`; [`JournalError::ClerkExists`] when the id is taken.
    pub fn add_clerk(
        &self,
        at: OffsetDateTime,
        id: &str,
        name: &str,
        role: Role,
        pin_hash: &str,
    ) -> Result<(), JournalError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let added = transaction.execute(
            "INSERT INTO clerks (id, name, role, pin_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (id) DO NOTHING",
            params![id, name, role.name(), pin_hash, stamp(at)],
        )?;
        if added == 0 {
            return Err(JournalError::ClerkExists { id: id.to_owned() });
        }
        let detail = serde_json::json!({ "role": role.name() }).to_string();
        self.audit_in(&transaction, at, id, "added", None, &detail)?;
        transaction.commit()?;
        Ok(())
    }

    /// Every clerk, by id.
    pub fn clerks(&self, now: OffsetDateTime) -> Result<Vec<ClerkRow>, JournalError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare("SELECT id, name, role, enabled, locked_until FROM clerks ORDER BY id")?;
        let rows = statement.query_map([], |row| {
            let locked_until = row.get::<_, Option<String>>(4)?.as_deref().and_then(parse_stamp);
            Ok(ClerkRow {
                id: row.get(0)?,
                name: row.get(1)?,
                role: Role::from_name(&row.get::<_, String>(2)?),
                enabled: row.get(3)?,
                locked_until: locked_until.filter(|until| *until > now),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether any clerk may sign in: then the counter opens on the sign-in screen.
    pub fn any_enabled_clerk(&self) -> Result<bool, JournalError> {
        let connection = self.connection();
        Ok(connection.query_row("SELECT EXISTS (SELECT 1 FROM clerks WHERE enabled = 1)", [], |row| row.get(0))?)
    }

    /// Lets a clerk sign in again (`enabled`), or no longer; [`JournalError::UnknownClerk`] when there is none.
    pub fn set_clerk_enabled(&self, at: OffsetDateTime, id: &str, enabled: bool) -> Result<(), JournalError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let changed = transaction.execute(
            "UPDATE clerks SET enabled = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, enabled, stamp(at)],
        )?;
        if changed == 0 {
            return Err(JournalError::UnknownClerk { id: id.to_owned() });
        }
        self.audit_in(&transaction, at, id, if enabled { "enabled" } else { "disabled" }, None, "{}")?;
        transaction.commit()?;
        Ok(())
    }

    /// A new PIN for a clerk (hashed as `pin_hash`); it also lifts a lockout and forgets the wrong PINs.
    pub fn reset_pin(&self, at: OffsetDateTime, id: &str, pin_hash: &str) -> Result<(), JournalError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let changed = transaction.execute(
            "UPDATE clerks SET pin_hash = ?2, failures = 0, locked_until = NULL, updated_at = ?3 WHERE id = ?1",
            params![id, pin_hash, stamp(at)],
        )?;
        if changed == 0 {
            return Err(JournalError::UnknownClerk { id: id.to_owned() });
        }
        self.audit_in(&transaction, at, id, "pin-reset", None, "{}")?;
        transaction.commit()?;
        Ok(())
    }

    /// Checks `pin` for clerk `id` at `at` (the counter's clock), for `purpose`, and keeps the outcome: a wrong PIN
    /// is counted, the fifth in a row locks the clerk for five minutes, the right one forgets them; every outcome
    /// is audited. Argon2 runs with no connection held (see the module's documentation).
    pub fn check_pin(
        &self,
        at: OffsetDateTime,
        id: &str,
        pin: &Pin,
        purpose: &PinFor,
    ) -> Result<PinVerdict, JournalError> {
        let purpose_name = match purpose {
            PinFor::SignIn => "sign-in",
            PinFor::Unlock { .. } => "unlock",
        };
        let refused = |reason: &str| serde_json::json!({ "reason": reason, "purpose": purpose_name }).to_string();
        let Some(door) = self.door(id)? else {
            self.audit(at, id, "refused", None, &refused("unknown"))?;
            return Ok(PinVerdict::Unknown);
        };
        if let Some(verdict) = self.refusal(at, id, &door, purpose, &refused)? {
            return Ok(verdict);
        }
        let right = pin.matches(&door.pin_hash);

        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Read again: another till may have counted a wrong PIN, or locked the clerk, while Argon2 worked.
        let Some(now) = door_in(&transaction, id)? else {
            return Ok(PinVerdict::Unknown);
        };
        if !now.enabled {
            return Ok(PinVerdict::Disabled);
        }
        if let Some(until) = now.locked_until.filter(|until| *until > at) {
            self.audit_in(&transaction, at, id, "refused", None, &refused("locked"))?;
            transaction.commit()?;
            return Ok(PinVerdict::Locked { until });
        }
        let when = stamp(at);
        let verdict = if right {
            transaction.execute("UPDATE clerks SET failures = 0, locked_until = NULL WHERE id = ?1", params![id])?;
            match purpose {
                PinFor::SignIn => self.audit_in(&transaction, at, id, "signed-in", None, "{}")?,
                PinFor::Unlock { of } if of == id => self.audit_in(&transaction, at, id, "unlocked", None, "{}")?,
                // The clerk whose counter it was is the one the row is about; the supervisor is who did it.
                PinFor::Unlock { of } => {
                    let detail = serde_json::json!({ "role": "supervisor" }).to_string();
                    self.audit_in(&transaction, at, of, "unlocked", Some(id), &detail)?;
                }
            }
            PinVerdict::Accepted(Clerk { id: id.to_owned(), name: now.name, role: now.role })
        } else {
            let failures = now.failures.saturating_add(1);
            let detail = |left: u32| {
                serde_json::json!({ "purpose": purpose_name, "in_a_row": failures, "left": left }).to_string()
            };
            if failures >= MAX_FAILURES {
                // As kept (to the second), so the lockout said now and the one read later are the same moment.
                let until = parse_stamp(&stamp(at + LOCKOUT)).unwrap_or(at + LOCKOUT);
                transaction.execute(
                    "UPDATE clerks SET failures = 0, locked_until = ?2 WHERE id = ?1",
                    params![id, stamp(until)],
                )?;
                self.audit_in(&transaction, at, id, "pin-wrong", None, &detail(0))?;
                let locked = serde_json::json!({ "until": stamp(until), "wrong_pins": failures }).to_string();
                self.audit_in(&transaction, at, id, "locked-out", None, &locked)?;
                PinVerdict::LockedOut { until }
            } else {
                transaction.execute("UPDATE clerks SET failures = ?2 WHERE id = ?1", params![id, failures])?;
                let left = MAX_FAILURES - failures;
                self.audit_in(&transaction, at, id, "pin-wrong", None, &detail(left))?;
                PinVerdict::Wrong { left }
            }
        };
        transaction.execute("UPDATE clerks SET updated_at = ?2 WHERE id = ?1", params![id, when])?;
        transaction.commit()?;
        Ok(verdict)
    }

    /// Keeps one line of a clerk's audit (`signed-out`, `idle-locked`…), from this journal's till.
    pub fn audit(
        &self,
        at: OffsetDateTime,
        clerk_id: &str,
        event: &str,
        by: Option<&str>,
        detail: &str,
    ) -> Result<(), JournalError> {
        let connection = self.connection();
        self.audit_in(&connection, at, clerk_id, event, by, detail)
    }

    /// A clerk's audit, oldest first (every clerk's when `clerk_id` is `None`).
    pub fn clerk_events(&self, clerk_id: Option<&str>) -> Result<Vec<ClerkEvent>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT at, till, clerk_id, event, by_clerk, detail FROM clerk_events
             WHERE ?1 IS NULL OR clerk_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map(params![clerk_id], |row| {
            Ok(ClerkEvent {
                at: parse_stamp(&row.get::<_, String>(0)?).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                till: row.get(1)?,
                clerk_id: row.get(2)?,
                event: row.get(3)?,
                by: row.get(4)?,
                detail: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn audit_in(
        &self,
        connection: &rusqlite::Connection,
        at: OffsetDateTime,
        clerk_id: &str,
        event: &str,
        by: Option<&str>,
        detail: &str,
    ) -> Result<(), JournalError> {
        connection.execute(
            "INSERT INTO clerk_events (at, terminal, till, clerk_id, event, by_clerk, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![stamp(at), self.place.terminal, self.place.till, clerk_id, event, by, detail],
        )?;
        Ok(())
    }

    fn door(&self, id: &str) -> Result<Option<Door>, JournalError> {
        let connection = self.connection();
        door_in(&connection, id)
    }

    /// Why a PIN for clerk `id` is not even looked at (audited), or `None` when it is to be.
    fn refusal(
        &self,
        at: OffsetDateTime,
        id: &str,
        door: &Door,
        purpose: &PinFor,
        refused: &dyn Fn(&str) -> String,
    ) -> Result<Option<PinVerdict>, JournalError> {
        let (verdict, reason) = if !door.enabled {
            (PinVerdict::Disabled, "disabled")
        } else if let Some(until) = door.locked_until.filter(|until| *until > at) {
            (PinVerdict::Locked { until }, "locked")
        } else if matches!(purpose, PinFor::Unlock { of } if of != id) && door.role != Role::Supervisor {
            (PinVerdict::NotAllowed, "not-supervisor")
        } else {
            return Ok(None);
        };
        self.audit(at, id, "refused", None, &refused(reason))?;
        Ok(Some(verdict))
    }
}

fn door_in(connection: &rusqlite::Connection, id: &str) -> Result<Option<Door>, JournalError> {
    Ok(connection
        .query_row(
            "SELECT name, role, pin_hash, enabled, failures, locked_until FROM clerks WHERE id = ?1",
            params![id],
            |row| {
                Ok(Door {
                    name: row.get(0)?,
                    role: Role::from_name(&row.get::<_, String>(1)?),
                    pin_hash: row.get(2)?,
                    enabled: row.get(3)?,
                    failures: row.get(4)?,
                    locked_until: row.get::<_, Option<String>>(5)?.as_deref().and_then(parse_stamp),
                })
            },
        )
        .optional()?)
}
