//! What was delivered before on a code scanned again, so the clerk can answer "what's left on my prescription?":
//! each line's claimed quantity comes with the dispensation; the earlier visits (when, how many units) are the
//! code's COMPLETED dispensations, asked for once when the review opens, and only for a code with something
//! claimed before (`GET /dispensing/v1/dispensations?code=…&status=COMPLETED`). The core never does the I/O: it
//! asks with an [`Effect::Call`] and keeps the answer on the dispensation in progress ([`Active::earlier`]).

use time::OffsetDateTime;

use crate::counter::app::{Active, App, Purpose};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::Reply;
use crate::osigu::error::ClientError;
use crate::osigu::model::{Dispensation, DispensationStatus, Id, ProductLine};

/// One earlier completed dispensation of the same code.
#[derive(Clone, Debug, PartialEq)]
pub struct Visit {
    /// When it was completed (when it started, if the server did not say).
    pub at: OffsetDateTime,
    /// Units delivered then, over every line (substitutes included).
    pub units: u32,
}

/// The earlier visits of the code in progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Earlier {
    /// Not asked: nothing was delivered before on this code (or the review has not opened yet).
    #[default]
    NotAsked,
    Loading,
    /// Oldest first.
    Loaded(Vec<Visit>),
    /// The server could not be asked; the claimed quantities still say what was delivered.
    Failed,
}

/// The most earlier dispensations one request reads (the newest): far more than a code ever has.
const VISITS_PAGE: u32 = 50;

/// Units delivered before on `dispensation`'s lines (their claimed quantities), over every line.
pub fn delivered_before(dispensation: &Dispensation) -> u32 {
    dispensation.products.iter().filter_map(|line| line.claimed_quantity).fold(0, u32::saturating_add)
}

/// The visits among `found` (a page of the code's dispensations): completed ones other than `current`, oldest
/// first.
fn visits(found: &[Dispensation], current: &Id) -> Vec<Visit> {
    let mut visits: Vec<Visit> = found
        .iter()
        .filter(|dispensation| dispensation.status == DispensationStatus::Completed)
        .filter(|dispensation| dispensation.dispensation_id != *current)
        .filter_map(|dispensation| {
            Some(Visit {
                at: dispensation.completed_at.or(dispensation.started_at)?,
                units: dispensation.products.iter().map(ProductLine::units).fold(0, u32::saturating_add),
            })
        })
        .collect();
    visits.sort_by_key(|visit| visit.at);
    visits
}

impl App {
    /// The review opened: a code with something delivered before has its earlier visits asked for, once per
    /// dispensation (back from finalize, they are already there).
    pub(in crate::counter) fn ask_earlier_visits(&mut self, effects: &mut Vec<Effect>) {
        let Some(active) = &mut self.active else { return };
        if active.earlier != Earlier::NotAsked || delivered_before(&active.dispensation) == 0 {
            return;
        }
        let Some(code) = active.dispensation.code.clone().filter(|code| !code.is_empty()) else { return };
        active.earlier = Earlier::Loading;
        let purpose = Purpose::Visits { dispensation_id: active.id().clone() };
        effects.push(self.session.call(purpose, Call::Dispensations { code, size: VISITS_PAGE }));
    }

    /// The code's completed dispensations arrived (or could not be read), for the dispensation `for_id`.
    pub(in crate::counter) fn visits_replied(&mut self, for_id: &Id, result: Result<Reply, ClientError>) {
        let Some(active) = self.active.as_mut().filter(|active| active.id() == for_id) else { return };
        active.earlier = match result {
            Ok(Reply::Dispensations(found)) => Earlier::Loaded(visits(&found, for_id)),
            Ok(_) => Earlier::Failed,
            Err(error) => {
                tracing::info!(error = %error, "the earlier visits could not be read");
                Earlier::Failed
            }
        };
    }
}

impl Active {
    /// Units delivered before on this code.
    pub fn delivered_before(&self) -> u32 {
        delivered_before(&self.dispensation)
    }
}
