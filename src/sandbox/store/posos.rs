//! The POSOS stand-in inside the store: scan tokens, the page's steps, imports (by hand or on the clock) and
//! the FHIR search, under the store's one lock and clock. The stand-in's own parts are in
//! [`crate::sandbox::posos`].

use axum::http::StatusCode;
use time::OffsetDateTime;

use super::Store;
use super::timetable::Due;
use crate::osigu::model::Id;
use crate::posos::ScanToken;
use crate::posos::ScanTokenRequest;
use crate::posos::fhir::Bundle;
use crate::sandbox::dates::later;
use crate::sandbox::posos::bundle::{SearchContext, searchset};
use crate::sandbox::posos::page;
use crate::sandbox::posos::state::{ImportOutcome, PageRefusal, Session, TOKEN_LIFETIME};
use crate::sandbox::posos::{FhirError, POSOS_PREFIX, PartnerError};

/// The longest name, and the longest professional id, a scan token takes.
const MAX_NAME_CHARS: usize = 100;
const MAX_ID_CHARS: usize = 64;

/// A page to answer with.
pub(crate) struct Page {
    pub status: StatusCode,
    pub html: String,
}

impl Page {
    fn ok(html: String) -> Self {
        Self { status: StatusCode::OK, html }
    }

    fn refused(refusal: PageRefusal) -> Self {
        let status = match refusal {
            PageRefusal::NoToken => StatusCode::BAD_REQUEST,
            PageRefusal::NotAForm => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PageRefusal::UnknownToken => StatusCode::NOT_FOUND,
            PageRefusal::Expired => StatusCode::GONE,
            PageRefusal::UnknownPrescription => StatusCode::BAD_REQUEST,
        };
        Self { status, html: page::refused(refusal) }
    }

    /// The page or the form named no token.
    pub fn missing_token() -> Self {
        Self::refused(PageRefusal::NoToken)
    }

    /// The import did not come as a form.
    pub fn not_a_form() -> Self {
        Self::refused(PageRefusal::NotAForm)
    }
}

/// `text`, trimmed, if it is 1 to `max` printable characters.
fn field(text: &str, name: &str, max: usize) -> Result<String, PartnerError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max || trimmed.chars().any(char::is_control) {
        return Err(PartnerError::new(
            StatusCode::BAD_REQUEST,
            format!("{name} must be 1 to {max} printable characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A partner's patient id: it is matched in searches, so letters, digits, `.`, `_` and `-` only.
fn patient_id(text: &str) -> Result<String, PartnerError> {
    let ok = (1..=MAX_ID_CHARS).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !ok {
        return Err(PartnerError::new(
            StatusCode::BAD_REQUEST,
            format!("patientId must be 1 to {MAX_ID_CHARS} letters, digits, '.', '_' or '-'"),
        ));
    }
    Ok(text.to_owned())
}

/// A FHIR id from a sandbox id: FHIR ids allow `-` and `.` but not `_`.
fn fhir_id(id: &Id) -> String {
    id.as_str().replace('_', "-")
}

impl Store {
    /// The address phones and receivers reach this sandbox at (`public_url`, else where it listens).
    pub fn public_base(&self) -> &str {
        &self.settings.base_url
    }

    /// `POST /posos/api/partners/patient/scan-token`: a session for one patient, and the page's URL.
    pub fn open_scan(&mut self, now: OffsetDateTime, request: ScanTokenRequest) -> Result<ScanToken, PartnerError> {
        let first_name = field(&request.first_name, "first_name", MAX_NAME_CHARS)?;
        let last_name = field(&request.last_name, "last_name", MAX_NAME_CHARS)?;
        field(&request.rpps, "rpps", MAX_ID_CHARS)?;
        let patient = patient_id(&request.patient_id)?;
        let facility = request.facility_slug.trim();
        if !self.catalog.posos.serves(facility) {
            return Err(PartnerError::new(
                StatusCode::FORBIDDEN,
                "this service account may not scan for that facilitySlug",
            ));
        }
        let token = self.ids.secret("pst");
        let session = Session {
            facility: facility.to_owned(),
            patient_id: patient,
            first_name,
            last_name,
            expires_at: now + TOKEN_LIFETIME,
            selected: 0,
            imported: None,
            failed: None,
        };
        if let Some(at) = self.settings.posos_auto_import.and_then(|after| later(now, after)) {
            self.timetable.schedule(at, Due::PososAutoImport(Id::new(token.clone())));
        }
        self.posos.open(token.clone(), session, now);
        let url = format!("{}{POSOS_PREFIX}/scan?token={token}", self.settings.base_url);
        Ok(ScanToken { token, url })
    }

    /// `GET /posos/scan?token=…[&prescription=…]`: the page for where the session is. Choosing a prescription
    /// also makes it the one the clock imports, so a demo left alone imports what is on the screen.
    pub fn scan_page(&mut self, now: OffsetDateTime, token: &str, prescription: Option<&str>) -> Page {
        if let Some(slug) = prescription
            && let Err(refusal) = self.posos.select(&self.catalog.posos, token, slug, now)
        {
            return Page::refused(refusal);
        }
        let session = match self.posos.session(token, now) {
            Ok(session) => session,
            Err(refusal) => return Page::refused(refusal),
        };
        let catalog = &self.catalog.posos;
        if let Some(import) = session.imported.as_deref().and_then(|id| self.posos.import_of(id))
            && let Some(fixture) = catalog.prescriptions.get(import.fixture)
        {
            return Page::ok(page::imported(session, fixture, import));
        }
        match (prescription, session.failed.as_deref().and_then(|id| self.posos.import_of(id))) {
            (Some(_), _) => match catalog.prescriptions.get(session.selected) {
                Some(fixture) => Page::ok(page::review(token, session, fixture)),
                None => Page::refused(PageRefusal::UnknownPrescription),
            },
            (None, Some(failure)) => match catalog.prescriptions.get(failure.fixture) {
                Some(fixture) => Page::ok(page::failed(token, session, fixture, catalog)),
                None => Page::ok(page::choose(token, session, catalog)),
            },
            (None, None) => Page::ok(page::choose(token, session, catalog)),
        }
    }

    /// `POST /posos/scan/import`: imports the sample prescription `slug` into the session.
    pub fn scan_import(&mut self, now: OffsetDateTime, token: &str, slug: &str) -> Result<ImportOutcome, Page> {
        let (index, _) =
            self.catalog.posos.fixture(slug).ok_or_else(|| Page::refused(PageRefusal::UnknownPrescription))?;
        self.import_fixture(now, token, index).map_err(Page::refused)
    }

    fn import_fixture(&mut self, now: OffsetDateTime, token: &str, index: usize) -> Result<ImportOutcome, PageRefusal> {
        let ids = (fhir_id(&self.ids.id("rg", now)), fhir_id(&self.ids.id("pt", now)));
        self.posos.import(&self.catalog.posos, token, index, ids, now)
    }

    /// The clock's import, `posos_auto_import_secs` after the token: the prescription on the page (the first
    /// one if none was chosen), unless the session imported or tried already.
    pub(super) fn auto_import(&mut self, token: &Id, now: OffsetDateTime) {
        if let Some(index) = self.posos.awaiting_import(token.as_str(), now) {
            // A session that lapsed meanwhile is simply not imported.
            let _ = self.import_fixture(now, token.as_str(), index);
        }
    }

    /// `GET /posos/fhir/r4/{facility}/RequestGroup?subject:identifier=…`: the patient's imports, oldest first.
    /// `base` is this sandbox's address as the caller reached it; `query` the search as asked.
    pub fn scan_search(
        &mut self,
        now: OffsetDateTime,
        facility: &str,
        identifier: &str,
        query: &str,
    ) -> Result<Bundle, FhirError> {
        if !self.catalog.posos.serves(facility) {
            return Err(FhirError::new(StatusCode::NOT_FOUND, "not-found", "no such facility"));
        }
        // A token search may name the system: `system|value`, or `|value` for "no system".
        let patient_id = match identifier.split_once('|') {
            Some((system, value)) if system.is_empty() || system == crate::posos::fhir::PATIENT_ID_SYSTEM => value,
            Some(_) => "",
            None => identifier,
        };
        let base = format!("{}{POSOS_PREFIX}/fhir/r4/{facility}", self.settings.base_url);
        let context = SearchContext {
            self_url: format!("{base}/RequestGroup?{query}"),
            base: &base,
            bundle_id: fhir_id(&self.ids.id("bundle", now)),
            now,
        };
        let imports = self.posos.imports_of(facility, patient_id).filter(|_| !patient_id.is_empty());
        Ok(searchset(&self.catalog.posos, imports, &context))
    }
}
