//! The substitution dialog: the substitute is chosen from the provider's registered products (fetched once per
//! session, kept in [`Registry`]) by typing part of its name or code, accents and case aside, and picking with
//! the arrows; then how many units and why. What is missing is said beside its field, never in a box, and a
//! product the provider has not registered can never be chosen.

use rust_decimal::Decimal;
use tui_input::Input;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{LineEdit, Substitution};
use crate::counter::msg::Msg;
use crate::counter::steps::text;
use crate::osigu::model::{ProductLine, ProviderProduct, SubstitutionReason};

/// Rows of the product list the dialog shows; a page key moves this many.
pub const PRODUCT_ROWS: usize = 5;

const MAX_SEARCH_CHARS: usize = 60;
const MAX_DESCRIPTION_CHARS: usize = 200;
/// A substitute's quantity, in digits (the server's bound is a million units).
const MAX_QUANTITY_DIGITS: usize = 6;

/// The provider's registered products, fetched once per session when a substitution first needs them.
#[derive(Clone, Debug, Default)]
pub enum Registry {
    #[default]
    NotAsked,
    Loading,
    /// The products, each with the text it is searched by (code and name, lower case, accents dropped).
    Loaded(Vec<(ProviderProduct, String)>),
    /// The list could not be read; the next dialog asks again.
    Failed,
}

impl Registry {
    /// The registry of `products`, ready to search.
    pub fn loaded(products: Vec<ProviderProduct>) -> Self {
        Self::Loaded(
            products
                .into_iter()
                .map(|product| {
                    let key = fold(&format!("{} {}", product.product_code, product.product_name));
                    (product, key)
                })
                .collect(),
        )
    }

    /// Whether it must be asked for (never asked, or the last try failed).
    pub fn wanted(&self) -> bool {
        matches!(self, Self::NotAsked | Self::Failed)
    }

    /// The registered product with `code`.
    fn find(&self, code: &str) -> Option<Candidate> {
        match self {
            Self::Loaded(products) => products
                .iter()
                .find(|(product, _)| product.product_code.eq_ignore_ascii_case(code))
                .map(|(product, _)| Candidate::of(product)),
            _ => None,
        }
    }

    /// The products matching `search` (every word of it, in the code or the name, accents and case aside), except
    /// `excluded` (a line cannot be substituted by its own product). A code typed whole comes first, then names
    /// and codes that start with the first word, then the rest in the registry's order.
    pub(in crate::counter) fn matching(&self, search: &str, excluded: &str) -> Vec<Candidate> {
        let Self::Loaded(products) = self else { return Vec::new() };
        let query = fold(search);
        let words: Vec<&str> = query.split_whitespace().collect();
        let mut found: Vec<(u8, Candidate)> = products
            .iter()
            .filter(|(product, _)| !product.product_code.eq_ignore_ascii_case(excluded))
            .filter(|(_, key)| words.iter().all(|word| key.contains(word)))
            .map(|(product, key)| {
                let (code, name) = key.split_once(' ').unwrap_or((key.as_str(), ""));
                let first = words.first().copied().unwrap_or_default();
                let rank = if code == query.trim() {
                    0
                } else if code.starts_with(first) || name.starts_with(first) {
                    1
                } else if name.split_whitespace().any(|word| word.starts_with(first)) {
                    2
                } else {
                    3
                };
                (rank, Candidate::of(product))
            })
            .collect();
        // Stable: equal ranks keep the registry's order.
        found.sort_by_key(|(rank, _)| *rank);
        found.into_iter().map(|(_, candidate)| candidate).collect()
    }
}

/// `text` in lower case without accents, for searching: `Lágrimas` and `LAGRIMAS` both read `lagrimas`.
fn fold(text: &str) -> String {
    text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// A registered product the substitute may be, as the dialog shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub product_code: String,
    pub product_name: String,
    /// The provider's shelf price and its currency, when the registry says them.
    pub unit_price: Option<Decimal>,
    pub currency_code: Option<String>,
}

impl Candidate {
    pub(in crate::counter) fn of(product: &ProviderProduct) -> Self {
        Self {
            product_code: product.product_code.clone(),
            product_name: product.product_name.clone(),
            unit_price: product.unit_price,
            currency_code: product.currency_code.clone(),
        }
    }
}

/// Fields of the substitution dialog, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubstitutionField {
    /// The search for the substitute, with the list under it.
    Product,
    Quantity,
    Reason,
    /// Only with the reason OTHER.
    Description,
}

/// What keeps the dialog from saving, said beside its field (which takes the cursor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// No registered product is chosen.
    Product,
    /// The quantity is not from 1 to `most`.
    Quantity { most: u32 },
    /// The reason OTHER needs a description.
    Description,
}

/// The substitution dialog for one line.
#[derive(Clone, Debug)]
pub struct SubstitutionDialog {
    pub line: usize,
    /// The line's own product: it cannot be its own substitute.
    pub original_code: String,
    /// Part of the substitute's name or code, as typed.
    pub search: Input,
    /// The registered products matching `search`.
    pub matches: Vec<Candidate>,
    /// The match the arrows are on: `None` until the clerk types or moves, so nothing is chosen unseen.
    pub highlighted: Option<usize>,
    /// The substitute saved before the dialog opened, chosen while the clerk has not searched for another.
    pub saved: Option<Candidate>,
    pub quantity: Input,
    /// Most units the substitute may take: what the line may deliver.
    pub most: u32,
    /// The sponsor's accepted reasons.
    pub reasons: Vec<SubstitutionReason>,
    pub reason: usize,
    pub description: Input,
    pub focus: SubstitutionField,
    /// What Enter found missing, until the clerk edits again.
    pub missing: Option<Missing>,
}

/// What a key in the dialog leads to.
pub(super) enum DialogNext {
    Stay,
    /// Saved or removed: close it.
    Close,
}

impl SubstitutionDialog {
    /// The dialog for `line` (at `index`), showing its substitution when it has one.
    pub(super) fn open(
        index: usize,
        line: &ProductLine,
        edit: &LineEdit,
        reasons: Vec<SubstitutionReason>,
        registry: &Registry,
    ) -> Self {
        let existing = edit.substitution.as_ref();
        let reason = existing.and_then(|s| reasons.iter().position(|r| *r == s.reason)).unwrap_or(0);
        let saved = existing.map(|substitution| {
            registry.find(&substitution.product_code).unwrap_or_else(|| Candidate {
                product_code: substitution.product_code.clone(),
                product_name: substitution.product_name.clone().unwrap_or_default(),
                unit_price: None,
                currency_code: None,
            })
        });
        let mut dialog = Self {
            line: index,
            original_code: line.product_code.clone(),
            search: Input::default(),
            matches: Vec::new(),
            highlighted: None,
            saved,
            quantity: Input::new(existing.map_or(String::new(), |s| s.quantity.to_string())),
            most: edit.max,
            reasons,
            reason,
            description: Input::new(existing.and_then(|s| s.other_description.clone()).unwrap_or_default()),
            focus: SubstitutionField::Product,
            missing: None,
        };
        dialog.refresh(registry);
        dialog
    }

    /// The substitute as chosen now: the highlighted match, or the saved one while nothing was searched.
    pub fn chosen(&self) -> Option<&Candidate> {
        match self.highlighted {
            Some(index) => self.matches.get(index),
            None if self.search.value().trim().is_empty() => self.saved.as_ref(),
            None => None,
        }
    }

    /// Whether the chosen reason is OTHER (which needs a description).
    pub fn other(&self) -> bool {
        self.reasons.get(self.reason) == Some(&SubstitutionReason::Other)
    }

    /// The matches again, after the search changed or the registry arrived. A search highlights its best match;
    /// an empty one highlights the saved substitute, if any, and otherwise nothing.
    pub(super) fn refresh(&mut self, registry: &Registry) {
        self.matches = registry.matching(self.search.value(), &self.original_code);
        self.highlighted = if self.search.value().trim().is_empty() {
            let saved = self.saved.as_ref().map(|saved| saved.product_code.as_str());
            self.matches.iter().position(|candidate| Some(candidate.product_code.as_str()) == saved)
        } else if self.matches.is_empty() {
            None
        } else {
            Some(0)
        };
    }

    fn fields(&self) -> &'static [SubstitutionField] {
        use SubstitutionField as F;
        if self.other() {
            &[F::Product, F::Quantity, F::Reason, F::Description]
        } else {
            &[F::Product, F::Quantity, F::Reason]
        }
    }

    /// Moves the highlight by `by` rows (negative: up), within the matches.
    fn pick(&mut self, by: isize) {
        let Some(last) = self.matches.len().checked_sub(1) else { return };
        self.highlighted = Some(match self.highlighted {
            None => 0,
            Some(at) => at.saturating_add_signed(by).min(last),
        });
    }

    /// A key in the dialog: `edit` is its line (which a save or a removal changes).
    pub(super) fn on_msg(&mut self, msg: Msg, edit: &mut LineEdit, registry: &Registry) -> DialogNext {
        use SubstitutionField as F;
        let fields = self.fields();
        let position = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        if !matches!(msg, Msg::Submit) {
            self.missing = None;
        }
        match (msg, self.focus) {
            (Msg::NextField, _) => self.focus = fields[(position + 1) % fields.len()],
            (Msg::PrevField, _) => self.focus = fields[(position + fields.len() - 1) % fields.len()],
            (Msg::Down, F::Product) => self.pick(1),
            (Msg::Up, F::Product) => self.pick(-1),
            (Msg::PageDown, F::Product) => self.pick(PRODUCT_ROWS.cast_signed()),
            (Msg::PageUp, F::Product) => self.pick(-PRODUCT_ROWS.cast_signed()),
            (direction @ (Msg::Down | Msg::Up), F::Reason) => {
                let count = self.reasons.len().max(1);
                let forward = matches!(direction, Msg::Down);
                self.reason = if forward { (self.reason + 1) % count } else { (self.reason + count - 1) % count };
            }
            (Msg::Edit(request), F::Product) => {
                text::edit(&mut self.search, request, MAX_SEARCH_CHARS, text::any);
                self.refresh(registry);
            }
            (Msg::Paste(pasted), F::Product) => {
                text::paste(&mut self.search, &pasted, MAX_SEARCH_CHARS, text::any);
                self.refresh(registry);
            }
            (Msg::Edit(request), F::Quantity) => {
                text::edit(&mut self.quantity, request, MAX_QUANTITY_DIGITS, text::digit);
            }
            (Msg::Paste(pasted), F::Quantity) => {
                text::paste(&mut self.quantity, &pasted, MAX_QUANTITY_DIGITS, text::digit)
            }
            (Msg::Edit(request), F::Description) => {
                text::edit(&mut self.description, request, MAX_DESCRIPTION_CHARS, text::any);
            }
            (Msg::Paste(pasted), F::Description) => {
                text::paste(&mut self.description, &pasted, MAX_DESCRIPTION_CHARS, text::any);
            }
            (Msg::Substitute, _) if self.removable() => {
                edit.remove_substitution();
                return DialogNext::Close;
            }
            (Msg::Submit, _) => return self.save(edit),
            _ => {}
        }
        DialogNext::Stay
    }

    /// Enter: the substitution onto the line, or the cursor to the first field that lacks something.
    fn save(&mut self, edit: &mut LineEdit) -> DialogNext {
        use SubstitutionField as F;
        let quantity: u32 = self.quantity.value().parse().unwrap_or(0);
        let description = Some(self.description.value().trim().to_owned()).filter(|d| !d.is_empty());
        let reason = self.reasons.get(self.reason).copied();
        let missing = if self.chosen().is_none() {
            Some((Missing::Product, F::Product))
        } else if quantity == 0 || quantity > self.most {
            Some((Missing::Quantity { most: self.most }, F::Quantity))
        } else if self.other() && description.is_none() {
            Some((Missing::Description, F::Description))
        } else {
            None
        };
        if let Some((missing, field)) = missing {
            self.missing = Some(missing);
            self.focus = field;
            return DialogNext::Stay;
        }
        let (Some(chosen), Some(reason)) = (self.chosen(), reason) else { return DialogNext::Stay };
        let quantity_before = edit.substitution.as_ref().map_or(edit.quantity, |s| s.quantity_before);
        edit.substitution = Some(Substitution {
            product_code: chosen.product_code.clone(),
            product_name: Some(chosen.product_name.clone()).filter(|name| !name.is_empty()),
            quantity,
            reason,
            other_description: description.filter(|_| reason == SubstitutionReason::Other),
            quantity_before,
        });
        // The substitute's units come out of the same availability.
        edit.quantity = quantity_before.min(edit.max.saturating_sub(quantity));
        DialogNext::Close
    }

    /// Whether the line had a substitution when the dialog opened (F4 removes it).
    pub fn removable(&self) -> bool {
        self.saved.is_some()
    }
}
