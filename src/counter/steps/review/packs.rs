//! Checking the packs in the patient's hand on the lines screen: a pack's GS1 DataMatrix or EAN-13, scanned while
//! the lines are on screen, is matched by its GTIN to the registered product it is (the session's [`Registry`],
//! fetched the first time a pack or a substitution needs it) and then to the line that delivers that product or
//! substitutes it. A pack in date for the whole treatment marks its line checked, with batch, expiry and serial
//! kept in the journal; anything else is refused, and the lines say why on a row of their own (never a box that
//! would swallow the next scan). With `[counter] require_pack_scan`, F10 waits until every product a line
//! delivers has its pack checked.
//!
//! The checks belong to the dispensation in progress ([`crate::counter::Active`]), so a trip to finalize and
//! back keeps them; a check stands only for the product it was scanned for, so changing a line's substitute asks
//! for the substitute's pack.

use time::Date;

use super::{LineEdit, Registry, Review};
use crate::counter::app::{App, Purpose, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::record::{Event, PackFacts};
use crate::gs1::{self, Gtin, Pack, Reading};
use crate::osigu::model::{CodeType, Dispensation, ProductType, ProviderProduct};

/// The packs checked for one dispensation, and what the last scan did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Packs {
    /// Every pack accepted, in the order scanned.
    pub checks: Vec<PackCheck>,
    /// What the last scan did, on the lines until the clerk's next key there.
    pub notice: Option<PackNotice>,
    /// A pack scanned before the registered products (and their GTINs) were known: read when they arrive.
    waiting: Option<Pack>,
}

/// One pack accepted for a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackCheck {
    /// The line's index in the dispensation.
    pub line: usize,
    /// The product the pack is: the line's own or its substitute.
    pub product_code: String,
    pub gtin: Gtin,
    pub batch: Option<String>,
    pub expiry: Option<Date>,
    pub serial: Option<String>,
}

/// What a scanned pack did, in the clerk's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackNotice {
    /// Accepted for a line; `missing` products still wait for their packs when packs are required.
    Checked { product: String, batch: Option<String>, expiry: Option<Date>, missing: usize },
    /// A registered product that no line of this prescription (or authorization) delivers or substitutes.
    NotOnPrescription { product: String, code_type: CodeType },
    /// The product of a line that delivers none of it now (its quantity is 0, or it is locked).
    NotDelivered { product: String },
    /// A GTIN no registered product has.
    Unknown { gtin: String },
    /// Past its expiry date.
    Expired { product: String, expiry: Date },
    /// Good today, but not to the end of the treatment (today plus the line's days).
    ExpiresTooSoon { product: String, expiry: Date, treatment_ends: Date },
    /// The same serial of the same product was already checked: the same pack twice, or a copied code.
    AlreadyScanned { product: String, serial: String },
    /// A GS1 barcode that did not read right (a check digit, a field out of format).
    Misread,
    /// The registered products are being fetched; the pack is read when they arrive.
    Looking,
    /// The registered products could not be read; the next scan asks again.
    RegistryFailed,
}

/// A product a line delivers whose pack has not been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingPack {
    pub line: usize,
    pub product_name: String,
}

impl Packs {
    /// The products each line delivers now (its own when its quantity is above 0, its substitute when the
    /// substitute's is) that have no checked pack, in line order.
    pub fn missing(&self, dispensation: &Dispensation, lines: &[LineEdit]) -> Vec<MissingPack> {
        let mut missing = Vec::new();
        for (index, (code, name)) in deliveries(dispensation, lines) {
            if !self.checks.iter().any(|check| check.line == index && check.product_code.eq_ignore_ascii_case(&code)) {
                missing.push(MissingPack { line: index, product_name: name });
            }
        }
        missing
    }

    /// Whether line `index` delivers units and every product it delivers has its pack checked.
    pub fn line_checked(&self, index: usize, dispensation: &Dispensation, lines: &[LineEdit]) -> bool {
        let delivers = deliveries(dispensation, lines).any(|(line, _)| line == index);
        delivers && !self.missing(dispensation, lines).iter().any(|missing| missing.line == index)
    }

    /// The last pack checked for line `index`.
    pub fn latest(&self, index: usize) -> Option<&PackCheck> {
        self.checks.iter().rev().find(|check| check.line == index)
    }
}

/// (line, (product code, name)) for every product the lines deliver now.
fn deliveries<'a>(
    dispensation: &'a Dispensation,
    lines: &'a [LineEdit],
) -> impl Iterator<Item = (usize, (String, String))> + 'a {
    dispensation.products.iter().zip(lines).enumerate().flat_map(|(index, (line, edit))| {
        let own = (edit.quantity > 0).then(|| {
            (line.product_code.clone(), line.product_name.clone().unwrap_or_else(|| line.product_code.clone()))
        });
        let substitute = edit
            .substitution
            .as_ref()
            .filter(|s| s.quantity > 0)
            .map(|s| (s.product_code.clone(), s.product_name.clone().unwrap_or_else(|| s.product_code.clone())));
        own.into_iter().chain(substitute).map(move |delivery| (index, delivery))
    })
}

/// Where a pack's product sits on the lines.
enum Placement {
    /// A line delivering it: its index.
    Line(usize),
    NotDelivered,
    NotOnPrescription,
}

/// The line a pack of `code` goes to: one that delivers it now and has no pack of it yet, else any that
/// delivers it.
fn place(code: &str, dispensation: &Dispensation, lines: &[LineEdit], packs: &Packs) -> Placement {
    let same = |other: &str| other.eq_ignore_ascii_case(code);
    let delivering: Vec<usize> =
        deliveries(dispensation, lines).filter(|(_, (c, _))| same(c)).map(|(i, _)| i).collect();
    let unchecked = delivering
        .iter()
        .find(|line| !packs.checks.iter().any(|check| check.line == **line && same(&check.product_code)));
    if let Some(line) = unchecked.or(delivering.first()) {
        return Placement::Line(*line);
    }
    let anywhere = dispensation.products.iter().zip(lines).any(|(line, edit)| {
        same(&line.product_code) || edit.substitution.as_ref().is_some_and(|s| same(&s.product_code))
    });
    if anywhere { Placement::NotDelivered } else { Placement::NotOnPrescription }
}

/// The registered product whose GTIN is `gtin` (a registry GTIN of 8 to 14 digits is compared as 14).
fn registered<'a>(registry: &'a Registry, gtin: &Gtin) -> Option<&'a ProviderProduct> {
    let Registry::Loaded(products) = registry else { return None };
    products
        .iter()
        .map(|(product, _)| product)
        .find(|product| product.gtin.as_deref().and_then(|own| Gtin::parse(own).ok()).as_ref() == Some(gtin))
}

impl App {
    /// A scan while the lines are on screen: when `text` is a pack (or a GS1 barcode misread) it is checked
    /// here and `true` says so; any other text (a code) is `false`, for the caller to treat as a code.
    pub(in crate::counter) fn pack_scanned(&mut self, text: &str, effects: &mut Vec<Effect>) -> bool {
        let (Some(active), Step::Review(_)) = (&mut self.active, &self.step) else { return false };
        let pack = match gs1::read(text, self.session.local_today()) {
            Reading::NotAPack => return false,
            Reading::Pack(pack) => pack,
            Reading::Misread(why) => {
                tracing::info!(why = %why, "a pack's barcode was misread");
                self.overlays.help = false;
                active.packs.notice = Some(PackNotice::Misread);
                return true;
            }
        };
        self.overlays.help = false;
        if matches!(self.session.products, Registry::Loaded(_)) {
            self.check_pack(pack, effects);
        } else {
            active.packs.waiting = Some(pack);
            active.packs.notice = Some(PackNotice::Looking);
            if self.session.products.wanted() {
                self.session.products = Registry::Loading;
                effects.push(
                    self.session.call(Purpose::Products, Call::Products { product_type: ProductType::Medication }),
                );
            }
        }
        true
    }

    /// Whether a paste is a pack to check: the lines are on screen with nothing over them (the substitution
    /// dialog's fields take pastes as text, a problem waits for its own keys). A paste there that is not a pack
    /// does nothing, as before.
    pub(in crate::counter) fn lines_take_pasted_packs(&self) -> bool {
        matches!(&self.step, Step::Review(Review { dialog: None, .. })) && self.problem.is_none()
    }

    /// The registered products arrived (or failed): a pack that waited for them is read now.
    pub(in crate::counter) fn packs_after_registry(&mut self, effects: &mut Vec<Effect>) {
        let Some(active) = &mut self.active else { return };
        let Some(pack) = active.packs.waiting.take() else { return };
        match self.session.products {
            Registry::Loaded(_) if matches!(self.step, Step::Review(_)) => self.check_pack(pack, effects),
            Registry::Loaded(_) => active.packs.notice = None,
            _ => active.packs.notice = Some(PackNotice::RegistryFailed),
        }
    }

    /// The clerk pressed a key on the lines: what the last scan did has been read.
    pub(in crate::counter) fn pack_notice_read(&mut self) {
        if let (Some(active), Step::Review(Review { dialog: None, .. })) = (&mut self.active, &self.step) {
            active.packs.notice = None;
        }
    }

    /// Whether F10 may finalize as far as packs go: they are not required, or every product a line delivers has
    /// its pack checked.
    pub(in crate::counter) fn packs_complete(&self) -> bool {
        if !self.session.settings.require_pack_scan {
            return true;
        }
        let (Some(active), Step::Review(review)) = (&self.active, &self.step) else { return true };
        active.packs.missing(&active.dispensation, &review.lines).is_empty()
    }

    /// Matches `pack` to a line through the registry, refuses it or checks it (and journals the check).
    fn check_pack(&mut self, pack: Pack, effects: &mut Vec<Effect>) {
        let today = self.session.local_today();
        let required = self.session.settings.require_pack_scan;
        let (Some(active), Step::Review(review)) = (&mut self.active, &mut self.step) else { return };
        let Some(product) = registered(&self.session.products, &pack.gtin) else {
            active.packs.notice = Some(PackNotice::Unknown { gtin: pack.gtin.to_string() });
            return;
        };
        let code = product.product_code.clone();
        let name = product.product_name.clone();
        let index = match place(&code, &active.dispensation, &review.lines, &active.packs) {
            Placement::Line(index) => index,
            Placement::NotDelivered => {
                active.packs.notice = Some(PackNotice::NotDelivered { product: name });
                return;
            }
            Placement::NotOnPrescription => {
                let code_type = active.dispensation.code_type;
                active.packs.notice = Some(PackNotice::NotOnPrescription { product: name, code_type });
                return;
            }
        };
        // The clerk sees the line the pack is for, whatever becomes of it.
        review.select(index);
        let line = active.dispensation.products.get(index);
        if let Some(serial) = &pack.serial
            && active.packs.checks.iter().any(|check| check.gtin == pack.gtin && check.serial.as_ref() == Some(serial))
        {
            active.packs.notice = Some(PackNotice::AlreadyScanned { product: name, serial: serial.clone() });
            return;
        }
        if let Some(expiry) = pack.expiry {
            if expiry < today {
                active.packs.notice = Some(PackNotice::Expired { product: name, expiry });
                return;
            }
            let days = line.and_then(|line| line.duration_days).unwrap_or(0);
            let treatment_ends = today.checked_add(time::Duration::days(i64::from(days)));
            if let Some(treatment_ends) = treatment_ends
                && expiry < treatment_ends
            {
                active.packs.notice = Some(PackNotice::ExpiresTooSoon { product: name, expiry, treatment_ends });
                return;
            }
        }
        let facts = PackFacts {
            line_id: line.and_then(|line| line.id.clone()),
            product_code: code.clone(),
            gtin: pack.gtin.to_string(),
            batch: pack.batch.clone(),
            expiry: pack.expiry,
            serial: pack.serial.clone(),
        };
        active.packs.checks.push(PackCheck {
            line: index,
            product_code: code,
            gtin: pack.gtin,
            batch: pack.batch.clone(),
            expiry: pack.expiry,
            serial: pack.serial,
        });
        let missing = if required { active.packs.missing(&active.dispensation, &review.lines).len() } else { 0 };
        active.packs.notice =
            Some(PackNotice::Checked { product: name, batch: pack.batch, expiry: pack.expiry, missing });
        effects.extend(self.record(Event::PackChecked(facts)));
    }
}

impl crate::counter::app::Session {
    /// Today on the pharmacy's calendar: what a pack's expiry is compared with.
    pub(in crate::counter) fn local_today(&self) -> Date {
        self.now.to_offset(self.settings.utc_offset).date()
    }
}
