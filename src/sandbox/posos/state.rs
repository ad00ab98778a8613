//! The stand-in's sessions and imports: a scan token opens a session for one patient of one facility; the
//! Scan & Go page (or the clock, `posos_auto_import_secs` after the token) imports one sample prescription
//! into it; the FHIR search lists a patient's imports. A session imports successfully at most once; a failed
//! import is recorded (its `RequestGroup` is `entered-in-error`) and the page may try another prescription.

use std::collections::{HashMap, VecDeque};

use time::{Duration, OffsetDateTime};

use super::fixtures::{FixtureKind, PososCatalog};

/// A scan token opens its page for this long (by the sandbox's clock).
pub(crate) const TOKEN_LIFETIME: Duration = Duration::hours(1);

/// The most sessions kept: past it, expired ones go first, then the oldest.
const MAX_SESSIONS: usize = 10_000;

/// The most imports kept: past it, the oldest is forgotten.
const MAX_IMPORTS: usize = 10_000;

/// One Scan & Go session.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub facility: String,
    pub patient_id: String,
    pub first_name: String,
    pub last_name: String,
    pub expires_at: OffsetDateTime,
    /// The sample prescription on the page (and the one the clock imports), by index.
    pub selected: usize,
    /// The successful import, once there is one.
    pub imported: Option<String>,
    /// The id of the last failed import, if the last attempt failed.
    pub failed: Option<String>,
}

/// One import, as the FHIR search lists it.
#[derive(Clone, Debug)]
pub(crate) struct Import {
    /// The `RequestGroup`'s FHIR id (`rg-…`); its lines are `{id}-1`, `{id}-2`…
    pub id: String,
    pub facility: String,
    pub patient_id: String,
    /// The `Patient`'s FHIR id, one per facility and patient id.
    pub patient_resource: String,
    pub first_name: String,
    pub last_name: String,
    pub fixture: usize,
    pub at: OffsetDateTime,
    pub failed: bool,
}

/// Why the page cannot do what it was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageRefusal {
    /// The request names no token at all.
    NoToken,
    /// The import was not sent as the page's form sends it.
    NotAForm,
    /// No session has this token.
    UnknownToken,
    /// The token's hour is over.
    Expired,
    /// No sample prescription has this slug.
    UnknownPrescription,
}

/// How an import went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImportOutcome {
    Imported,
    /// The session had imported already: nothing changed.
    AlreadyImported,
    Failed,
}

#[derive(Debug, Default)]
pub(crate) struct PososState {
    sessions: HashMap<String, Session>,
    /// Tokens in creation order, to forget the oldest first.
    order: VecDeque<String>,
    imports: VecDeque<Import>,
    /// The FHIR id of each (facility, patient id)'s `Patient`.
    patients: HashMap<(String, String), String>,
}

impl PososState {
    /// Opens a session under `token`, forgetting expired and then the oldest sessions past the limit.
    pub fn open(&mut self, token: String, session: Session, now: OffsetDateTime) {
        if self.sessions.len() >= MAX_SESSIONS {
            self.sessions.retain(|_, session| session.expires_at > now);
            self.order.retain(|token| self.sessions.contains_key(token));
        }
        while self.sessions.len() >= MAX_SESSIONS {
            let Some(oldest) = self.order.pop_front() else { break };
            self.sessions.remove(&oldest);
        }
        self.order.push_back(token.clone());
        self.sessions.insert(token, session);
    }

    /// The live session of `token`.
    pub fn session(&self, token: &str, now: OffsetDateTime) -> Result<&Session, PageRefusal> {
        let session = self.sessions.get(token).ok_or(PageRefusal::UnknownToken)?;
        if now >= session.expires_at {
            return Err(PageRefusal::Expired);
        }
        Ok(session)
    }

    fn session_mut(&mut self, token: &str, now: OffsetDateTime) -> Result<&mut Session, PageRefusal> {
        self.session(token, now)?;
        self.sessions.get_mut(token).ok_or(PageRefusal::UnknownToken)
    }

    /// Puts the sample prescription `slug` on the page (and makes it the one the clock would import).
    pub fn select(
        &mut self,
        catalog: &PososCatalog,
        token: &str,
        slug: &str,
        now: OffsetDateTime,
    ) -> Result<(), PageRefusal> {
        let (index, _) = catalog.fixture(slug).ok_or(PageRefusal::UnknownPrescription)?;
        let session = self.session_mut(token, now)?;
        if session.imported.is_none() {
            session.selected = index;
        }
        Ok(())
    }

    /// Imports the sample prescription `fixture` into the session of `token`; `id` and `patient_resource` are
    /// fresh FHIR ids, used only if they are needed.
    pub fn import(
        &mut self,
        catalog: &PososCatalog,
        token: &str,
        fixture: usize,
        ids: (String, String),
        now: OffsetDateTime,
    ) -> Result<ImportOutcome, PageRefusal> {
        let kind = catalog.prescriptions.get(fixture).ok_or(PageRefusal::UnknownPrescription)?.kind;
        let session = self.session_mut(token, now)?;
        if session.imported.is_some() {
            return Ok(ImportOutcome::AlreadyImported);
        }
        let failed = kind == FixtureKind::Failed;
        let (id, fresh_patient) = ids;
        session.selected = fixture;
        if failed {
            session.failed = Some(id.clone());
        } else {
            session.imported = Some(id.clone());
            session.failed = None;
        }
        let key = (session.facility.clone(), session.patient_id.clone());
        let import = Import {
            id,
            facility: session.facility.clone(),
            patient_id: session.patient_id.clone(),
            patient_resource: String::new(),
            first_name: session.first_name.clone(),
            last_name: session.last_name.clone(),
            fixture,
            at: now,
            failed,
        };
        let patient_resource = self.patients.entry(key).or_insert(fresh_patient).clone();
        if self.imports.len() >= MAX_IMPORTS {
            self.imports.pop_front();
        }
        self.imports.push_back(Import { patient_resource, ..import });
        Ok(if failed { ImportOutcome::Failed } else { ImportOutcome::Imported })
    }

    /// The session's import, for the page.
    pub fn import_of(&self, id: &str) -> Option<&Import> {
        self.imports.iter().find(|import| import.id == id)
    }

    /// The imports of one patient at one facility, oldest first.
    pub fn imports_of<'a>(&'a self, facility: &'a str, patient_id: &'a str) -> impl Iterator<Item = &'a Import> {
        self.imports.iter().filter(move |import| import.facility == facility && import.patient_id == patient_id)
    }

    /// The session due for its automatic import, if it still waits for one.
    pub fn awaiting_import(&self, token: &str, now: OffsetDateTime) -> Option<usize> {
        let session = self.session(token, now).ok()?;
        (session.imported.is_none() && session.failed.is_none()).then_some(session.selected)
    }
}
