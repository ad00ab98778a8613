//! The review screen: every line with its name up to strength and form, then prescribed / authorized /
//! available / to deliver / price / taxes / subtotal as the width allows (a column goes, least needed first,
//! before a name is cut into its strength; taxes only when some line has them), a substituted line's substitute
//! and reason beneath it, the list scrolling with the selection; the selected line's full name and dosage; the
//! total in the sponsor's currency, and beneath it what the sponsor pays and what the patient pays (per line too,
//! in columns of their own as the width allows); on a code scanned again, what was delivered before and when;
//! and the substitution dialog over it. What the lines cost, who pays what, their limits and what the dialog
//! found are the core's answers ([`Review`], [`Shares`]); this only lays them out.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::chrome::Chrome;
use super::substitution::{self, reason_name};
use super::{packs, summary, t, text, theme};
use crate::counter::{Active, App, Earlier, LineEdit, Review, Shares, Substitution};
use crate::i18n::{self, Locale};
use crate::osigu::model::{CodeType, CoverageRule, Dispensation, LineCoverage, ProductLine};

/// The selection marker (or a locked line's) before each name (the dialog's list marks its choice the same way).
pub(super) const MARKER_WIDTH: u16 = 2;

pub(super) fn render(frame: &mut Frame, area: Rect, review: &Review, app: &App, chrome: &Chrome) {
    let Some(active) = &app.active else { return };
    let dispensation = &active.dispensation;
    let locale = chrome.locale;
    let shares = review.shares(dispensation);
    // A sponsor's dispensation says beneath the total who pays what; a cash one's total is the patient's.
    let sponsored = dispensation.sponsor_slug.is_some();
    let inner = super::panel(frame, area, t(locale, "review.title"));
    // One row above the table says what the last pack scanned did (or which packs are missing), else what was
    // delivered on this code before.
    let [header, clinical, note_area, table_area, detail_area, total_area, split_area] = Layout::vertical([
        Constraint::Length(summary::HEADER_ROWS),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(u16::from(sponsored)),
    ])
    .areas(inner);
    summary::header(frame, header, app, chrome);
    frame.render_widget(Paragraph::new(clinical_line(dispensation, locale, clinical.width)), clinical);
    let required = app.session.settings.require_pack_scan;
    let pack_row = packs::row(review, active, required, locale, note_area.width);
    if pack_row.width() > 0 {
        frame.render_widget(Paragraph::new(pack_row), note_area);
    } else if let Some(line) = earlier_line(active, chrome, note_area.width) {
        frame.render_widget(Paragraph::new(line), note_area);
    }
    let table = Grid::of(review, dispensation, &shares, locale);
    let plan = table.plan(table_area.width);
    let marks = packs::marks(review, active, required);
    lines_table(frame, table_area, review, &table, &plan, &marks, locale);
    if let (Some(line), Some(edit)) = (dispensation.products.get(review.selected), review.lines.get(review.selected)) {
        frame.render_widget(Paragraph::new(detail_lines(line, edit, locale, detail_area.width)), detail_area);
    }
    total_row(frame, total_area, review, dispensation, &shares, &table, &plan, locale);
    if sponsored {
        split_row(frame, split_area, review, dispensation, &shares, locale);
    }
    if let Some(dialog) = &review.dialog {
        substitution::render(frame, area, dialog, dispensation, app, locale);
    }
}

/// `Dr. … · Dx J06.9 Infección aguda…` — who prescribed it and why.
fn clinical_line(dispensation: &Dispensation, locale: Locale, width: u16) -> Line<'static> {
    let mut parts = Vec::new();
    if let Some(prescriber) = &dispensation.prescriber {
        parts.push(format!("{} {}", t(locale, "review.prescriber"), prescriber.name));
    }
    let mut more = String::new();
    if let Some(diagnosis) = dispensation.diagnoses.first() {
        let description = diagnosis.description.as_deref().unwrap_or("");
        parts.push(format!("{} {} {description}", t(locale, "review.diagnosis"), diagnosis.code).trim_end().to_owned());
        if dispensation.diagnoses.len() > 1 {
            // Further diagnoses are counted, so the clerk knows the line is not the whole story.
            more = format!(" (+{})", dispensation.diagnoses.len() - 1);
        }
    }
    let room = width.saturating_sub(u16::try_from(more.len()).unwrap_or(0));
    Line::from(Span::styled(format!("{}{more}", text::fit(&parts.join(" · "), room)), theme::DIM))
}

/// The number columns, in the order they are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Prescribed,
    Authorized,
    /// Delivered on earlier visits (the line's claimed quantity).
    Claimed,
    Available,
    Deliver,
    Price,
    Taxes,
    Subtotal,
    /// What the sponsor pays of the line.
    Sponsor,
    /// What the patient pays of the line.
    Patient,
}

impl Column {
    const ALL: [Self; 10] = [
        Self::Prescribed,
        Self::Authorized,
        Self::Claimed,
        Self::Available,
        Self::Deliver,
        Self::Price,
        Self::Taxes,
        Self::Subtotal,
        Self::Sponsor,
        Self::Patient,
    ];

    fn header(self) -> &'static str {
        match self {
            Self::Prescribed => "review.prescribed",
            Self::Authorized => "review.authorized",
            Self::Claimed => "review.claimed",
            Self::Available => "review.available",
            Self::Deliver => "review.deliver",
            Self::Price => "review.price",
            Self::Taxes => "review.taxes",
            Self::Subtotal => "review.subtotal",
            Self::Sponsor => "review.sponsor_pays",
            Self::Patient => "review.patient_pays",
        }
    }

    /// How much the clerk needs it on a narrow screen: the lowest goes first when the names need the room. Taxes
    /// are inside the subtotal, the prescribed quantity is the authorized one or the available one for most lines,
    /// what was delivered before is said above the list, a price is in the subtotal, the sponsor's part is the
    /// subtotal less the patient's, and a subtotal is the sum of the two (all shown for the selected line under the
    /// list); what the patient pays, what is available and what is delivered always stay.
    fn need(self) -> u8 {
        match self {
            Self::Taxes => 0,
            Self::Prescribed => 1,
            Self::Claimed => 2,
            Self::Price => 3,
            Self::Sponsor => 4,
            Self::Subtotal => 5,
            Self::Authorized => 6,
            Self::Patient => 7,
            Self::Available => 8,
            Self::Deliver => 9,
        }
    }
}

/// Every cell of the table, before it is fitted to a width.
struct Grid {
    /// The candidate columns (authorized only on an authorization, taxes only when some line has them).
    columns: Vec<Column>,
    rows: Vec<TableRow>,
    /// Columns the names need so that none is cut before its strength and form.
    name_need: u16,
}

/// One row: a line, or the substitute under a substituted line.
struct TableRow {
    line: usize,
    name: String,
    /// The values of `Grid::columns`, in that order.
    values: Vec<Span<'static>>,
    substitute: bool,
}

/// Which columns fit, and how wide each is.
struct Plan {
    columns: Vec<(Column, u16)>,
    name_width: u16,
}

impl Plan {
    fn shows(&self, column: Column) -> bool {
        self.columns.iter().any(|(shown, _)| *shown == column)
    }
}

impl Grid {
    fn of(review: &Review, dispensation: &Dispensation, shares: &Shares, locale: Locale) -> Self {
        let currency = dispensation.currency_code.as_deref();
        // Only an authorization has authorized quantities; a prescription's column would repeat the prescribed one.
        let authorized = dispensation.code_type == CodeType::Authorization;
        let taxed = dispensation.products.iter().any(|line| !line.taxes.is_zero());
        let claimed = dispensation.products.iter().any(|line| line.claimed_quantity.is_some_and(|units| units > 0));
        // Who pays what, per line, when it is known and there is a sponsor to share with (a cash prescription's
        // patient pays every subtotal, and its total says so).
        let split = dispensation.sponsor_slug.is_some() && shares.amounts().is_some();
        let columns: Vec<Column> = Column::ALL
            .into_iter()
            .filter(|column| *column != Column::Authorized || authorized)
            .filter(|column| *column != Column::Taxes || taxed)
            .filter(|column| *column != Column::Claimed || claimed)
            .filter(|column| !matches!(column, Column::Sponsor | Column::Patient) || split)
            .collect();
        let mut rows = Vec::new();
        for (index, (line, edit)) in dispensation.products.iter().zip(&review.lines).enumerate() {
            let selected = index == review.selected;
            let values = columns
                .iter()
                .map(|column| match column {
                    Column::Prescribed => Span::raw(quantity(line.prescribed_quantity)),
                    Column::Authorized => Span::raw(quantity(line.authorized_quantity)),
                    // A quantity that met its limit says the limit here, beside it (the layout stays put).
                    Column::Available if selected && review.at_limit => Span::styled(
                        i18n::fill(locale, "review.at_most", &[("count", &edit.own_limit().to_string())]),
                        theme::WARNING,
                    ),
                    Column::Available => Span::raw(line.available().to_string()),
                    Column::Deliver => deliver(review, edit, selected),
                    Column::Price => Span::raw(i18n::amount(line.unit_price, currency)),
                    Column::Taxes => Span::raw(i18n::amount(line.taxes, currency)),
                    Column::Subtotal => Span::raw(i18n::checked_amount(review.subtotal(dispensation, index), currency)),
                    Column::Claimed => Span::raw(quantity(line.claimed_quantity)),
                    Column::Sponsor => Span::raw(shared(shares.line(index), currency, |share| share.sponsor_amount)),
                    Column::Patient => {
                        Span::styled(shared(shares.line(index), currency, |share| share.patient_amount), theme::BOLD)
                    }
                })
                .collect();
            let name = line.product_name.clone().unwrap_or_else(|| line.product_code.clone());
            rows.push(TableRow { line: index, name, values, substitute: false });
            if let Some(substitution) = &edit.substitution {
                let values = columns
                    .iter()
                    .map(|column| match column {
                        Column::Deliver => Span::raw(substitution.quantity.to_string()),
                        _ => Span::raw(""),
                    })
                    .collect();
                rows.push(TableRow {
                    line: index,
                    name: substitute_name(substitution, locale),
                    values,
                    substitute: true,
                });
            }
        }
        let name_need = dispensation
            .products
            .iter()
            .map(|line| {
                let name = line.product_name.as_deref().unwrap_or(&line.product_code);
                let essential = essential(name);
                // A name cut after its form ends in `…`.
                text::width(essential) + usize::from(essential.len() < name.trim_end().len())
            })
            .max()
            .unwrap_or(0);
        let name_need = u16::try_from(name_need).unwrap_or(u16::MAX).saturating_add(MARKER_WIDTH);
        Self { columns, rows, name_need }
    }

    /// The columns that fit in `width` with every name up to its strength and form, dropping the least needed
    /// first; the names get the rest.
    fn plan(&self, width: u16) -> Plan {
        let mut columns: Vec<(Column, u16)> = self
            .columns
            .iter()
            .enumerate()
            .map(|(at, column)| {
                let values = self.rows.iter().map(|row| row.values.get(at).map_or(0, Span::width));
                let header = text::width(t_any(column.header()));
                let widest = values.chain([header]).max().unwrap_or(0);
                (*column, u16::try_from(widest).unwrap_or(u16::MAX))
            })
            .collect();
        // Never so much for the names that what is available and what is delivered would go, nor more than three
        // quarters of the width: a name without strength or form may be long.
        let kept: u16 = columns
            .iter()
            .filter(|(column, _)| matches!(column, Column::Available | Column::Deliver))
            .map(|(_, w)| w.saturating_add(1))
            .fold(0, u16::saturating_add);
        let need = self.name_need.min(width / 4 * 3).min(width.saturating_sub(kept));
        loop {
            let used: u16 = columns.iter().map(|(_, w)| w.saturating_add(1)).fold(0, u16::saturating_add);
            if width.saturating_sub(used) >= need {
                break;
            }
            let least = columns
                .iter()
                .enumerate()
                .filter(|(_, (column, _))| *column != Column::Deliver)
                .min_by_key(|(_, (column, _))| column.need())
                .map(|(at, _)| at);
            match least {
                Some(at) => {
                    columns.remove(at);
                }
                None => break,
            }
        }
        let used: u16 = columns.iter().map(|(_, w)| w.saturating_add(1)).fold(0, u16::saturating_add);
        Plan { name_width: width.saturating_sub(used).max(8), columns }
    }
}

/// The widest a header is in either language: the columns keep their width when the clerk switches.
fn t_any(key: &'static str) -> &'static str {
    let (es, en) = (i18n::text(Locale::Es, key), i18n::text(Locale::En, key));
    if text::width(es) >= text::width(en) { es } else { en }
}

/// The quantity to deliver: the digits being typed (what they give once capped), or `—` on a locked line.
fn deliver(review: &Review, edit: &LineEdit, selected: bool) -> Span<'static> {
    if selected && let Some(typed) = &review.typed {
        let shown = if review.at_limit { edit.quantity.to_string() } else { typed.clone() };
        return Span::raw(format!("{shown}▏"));
    }
    if edit.max == 0 { Span::raw("—") } else { Span::raw(edit.quantity.to_string()) }
}

/// `↳ Ibuprofeno 400 mg tableta · Sin existencia`: the substitute under its line, with the reason.
fn substitute_name(substitution: &Substitution, locale: Locale) -> String {
    let product = substitution.product_name.clone().unwrap_or_else(|| substitution.product_code.clone());
    let reason = reason_name(locale, substitution.reason);
    match &substitution.other_description {
        Some(description) => i18n::fill(
            locale,
            "review.substitute_other",
            &[("product", &product), ("reason", reason), ("description", description)],
        ),
        None => i18n::fill(locale, "review.substitute", &[("product", &product), ("reason", reason)]),
    }
}

/// The part of a product's name a clerk needs to tell it from another: up to its strength and the dosage form
/// after it (`Ácido acetilsalicílico 100 mg tableta` of `… tableta gastrorresistente x 30`). A name without a
/// strength ends at its form; one without either is needed whole.
fn essential(name: &str) -> &str {
    let words: Vec<(usize, &str)> = name.split_whitespace().map(|word| (offset_of(name, word), word)).collect();
    let bare = |word: &str| -> String {
        word.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '.' | ':')).to_lowercase()
    };
    let end_of = |at: usize| {
        words
            .get(at)
            .map_or(name.len(), |(offset, word)| offset + word.trim_end_matches([',', ';', ')', '.', ':']).len())
    };
    // The strength: a number with its unit (`100 mg`, `0,3 %`, `500mg`, `100 mcg/dosis`).
    let strength = words.iter().enumerate().find_map(|(at, (_, word))| {
        let word = bare(word);
        let starts_with_digit = word.chars().next().is_some_and(|c| c.is_ascii_digit());
        if !starts_with_digit {
            return None;
        }
        let glued = word.trim_start_matches(|c: char| c.is_ascii_digit() || c == ',' || c == '.');
        if is_unit(glued) {
            return Some(at);
        }
        words.get(at + 1).filter(|(_, next)| is_unit(&bare(next))).map(|_| at + 1)
    });
    let form =
        words.iter().enumerate().skip(strength.map_or(0, |at| at + 1)).find(|(_, (_, word))| is_form(&bare(word)));
    match (strength, form) {
        (_, Some((at, _))) | (Some(at), None) => &name[..end_of(at)],
        (None, None) => name.trim_end(),
    }
}

/// Where `word` (a slice of `name`) starts in it.
fn offset_of(name: &str, word: &str) -> usize {
    (word.as_ptr() as usize).saturating_sub(name.as_ptr() as usize)
}

fn is_unit(word: &str) -> bool {
    let unit = word.split('/').next().unwrap_or("");
    matches!(unit, "mg" | "mcg" | "µg" | "μg" | "g" | "kg" | "ml" | "l" | "ui" | "iu" | "u" | "%" | "meq" | "mmol")
}

/// Dosage forms, in Spanish and English, singular and plural.
fn is_form(word: &str) -> bool {
    const FORMS: &[&str] = &[
        "tableta",
        "comprimido",
        "cápsula",
        "capsula",
        "gragea",
        "pastilla",
        "jarabe",
        "suspensión",
        "suspension",
        "solución",
        "solucion",
        "gotas",
        "crema",
        "gel",
        "ungüento",
        "unguento",
        "pomada",
        "loción",
        "locion",
        "inhalador",
        "spray",
        "aerosol",
        "sobre",
        "ampolla",
        "inyectable",
        "parche",
        "supositorio",
        "óvulo",
        "polvo",
        "vial",
        "tablet",
        "capsule",
        "caplet",
        "syrup",
        "solution",
        "drops",
        "cream",
        "ointment",
        "lotion",
        "inhaler",
        "sachet",
        "ampoule",
        "injection",
        "patch",
        "suppository",
        "powder",
        "lozenge",
    ];
    FORMS
        .iter()
        .any(|form| word == *form || word.strip_suffix('s') == Some(form) || word.strip_suffix("es") == Some(form))
}

fn lines_table(
    frame: &mut Frame,
    area: Rect,
    review: &Review,
    table: &Grid,
    plan: &Plan,
    marks: &[Option<&'static str>],
    locale: Locale,
) {
    let visible = usize::from(area.height.saturating_sub(1)).max(1);
    // The selected line and its substitute stay in view.
    let last_selected = table.rows.iter().rposition(|row| row.line == review.selected).unwrap_or(review.selected);
    let offset = last_selected.saturating_sub(visible - 1);
    let header = Row::new(
        std::iter::once(Cell::from(t(locale, "review.product")))
            .chain(plan.columns.iter().map(|(column, width)| Cell::from(right(t(locale, column.header()), *width)))),
    )
    .style(theme::BOLD);
    let shown_at: Vec<usize> = plan
        .columns
        .iter()
        .filter_map(|(column, _)| table.columns.iter().position(|candidate| candidate == column))
        .collect();
    let rows = table.rows.iter().skip(offset).take(visible).map(|row| {
        let selected = row.line == review.selected;
        let locked = review.lines.get(row.line).is_some_and(|edit| edit.max == 0);
        // A line's pack, checked (✔) or missing (○), when packs are in use; the selection's ▶ shows over it.
        let pack = marks.get(row.line).copied().flatten();
        let marker = match (row.substitute, locked, selected) {
            (true, _, _) => "  ",
            (false, true, _) => "⊘ ",
            (false, false, true) => "▶ ",
            (false, false, false) => pack.unwrap_or("  "),
        };
        // A substitute's words are drawn over the columns before its quantity, below.
        let name = if row.substitute {
            String::new()
        } else {
            format!("{marker}{}", text::fit(&row.name, plan.name_width.saturating_sub(MARKER_WIDTH)))
        };
        let cells: Vec<Cell> = std::iter::once(Cell::from(name))
            .chain(shown_at.iter().zip(&plan.columns).map(|(at, (_, width))| {
                let value = row.values.get(*at).cloned().unwrap_or_default();
                Cell::from(Line::from(right_span(value, *width)))
            }))
            .collect();
        let style = if selected && !row.substitute {
            theme::SELECTED
        } else if locked || row.substitute {
            theme::DIM
        } else {
            theme::PLAIN
        };
        Row::new(cells).style(style)
    });
    let widths = std::iter::once(Constraint::Length(plan.name_width))
        .chain(plan.columns.iter().map(|(_, width)| Constraint::Length(*width)))
        .collect::<Vec<_>>();
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
    // A substitute and its reason take the room of the name and the quantities before what it delivers (those
    // cells are empty on its row), so the reason shows at 80 columns too.
    let before_deliver = plan
        .columns
        .iter()
        .take_while(|(column, _)| *column != Column::Deliver)
        .map(|(_, width)| width.saturating_add(1))
        .fold(plan.name_width, u16::saturating_add);
    for (at, row) in table.rows.iter().skip(offset).take(visible).enumerate() {
        if !row.substitute {
            continue;
        }
        let y = area.y + 1 + u16::try_from(at).unwrap_or(u16::MAX);
        let room = before_deliver.min(area.width).saturating_sub(MARKER_WIDTH);
        let words = format!("  {}", text::fit(&row.name, room));
        let rect = Rect { y, height: 1, width: before_deliver.min(area.width), ..area };
        if y < area.bottom() {
            frame.render_widget(Paragraph::new(Span::styled(words, theme::DIM)), rect);
        }
    }
    // Where the list is when it does not fit: `3–10 / 12` at the table's top right.
    let count = review.lines.len();
    if table.rows.len() > visible {
        let first = table.rows.get(offset).map_or(0, |row| row.line);
        let last = table.rows.get((offset + visible).min(table.rows.len()) - 1).map_or(0, |row| row.line);
        let position = format!("{}–{} / {count}", first + 1, last + 1);
        let width = u16::try_from(text::width(&position)).unwrap_or(0);
        let more_above = if offset > 0 { "▲" } else { " " };
        let more_below = if offset + visible < table.rows.len() { "▼" } else { " " };
        let label = format!("{more_above}{position}{more_below}");
        let rect = Rect { x: area.right().saturating_sub(width + 2), y: area.y, width: width + 2, height: 1 };
        frame.render_widget(Paragraph::new(label).style(theme::KEY), rect);
    }
}

/// The selected line in full: its whole name, then why it is locked, or its dosage.
fn detail_lines(line: &ProductLine, edit: &LineEdit, locale: Locale, width: u16) -> Vec<Line<'static>> {
    let name = line.product_name.clone().unwrap_or_default();
    let first = Line::from(vec![
        Span::styled(format!("{} ", line.product_code), theme::DIM),
        Span::styled(
            text::fit(&name, width.saturating_sub(u16::try_from(line.product_code.len() + 1).unwrap_or(0))),
            theme::BOLD,
        ),
    ]);
    let second = if edit.max == 0 {
        let reason = line.lock_reason.clone().unwrap_or_default();
        // Known reasons in the clerk's words; an unknown one as the server wrote it.
        let key = format!("lock_reason.{}", reason.to_ascii_lowercase());
        let words = i18n::text(locale, &key);
        let reason = if words == key { reason.clone() } else { words.to_owned() };
        i18n::fill(locale, "review.locked", &[("reason", &reason)])
    } else {
        let posology = line.posology.clone().unwrap_or_default();
        match line.duration_days {
            Some(days) => {
                i18n::fill(locale, "review.posology_days", &[("posology", &posology), ("days", &days.to_string())])
            }
            None if posology.is_empty() => String::new(),
            None => i18n::fill(locale, "review.posology", &[("posology", &posology)]),
        }
    };
    vec![first, Line::from(Span::styled(text::fit(&second, width), theme::DIM))]
}

/// The total (a cash prescription's is what the patient pays, and says so) and the units; on the left, the
/// selected line's money the table has no room for (price, subtotal, the sponsor's part).
#[allow(clippy::too_many_arguments)] // one row drawn from the review's parts; a struct would only rename them
fn total_row(
    frame: &mut Frame,
    area: Rect,
    review: &Review,
    dispensation: &Dispensation,
    shares: &Shares,
    table: &Grid,
    plan: &Plan,
    locale: Locale,
) {
    let currency = dispensation.currency_code.as_deref();
    let label = if dispensation.sponsor_slug.is_none() { "review.cash_total" } else { "review.total" };
    let total_line = Line::from(vec![
        Span::styled(format!("{}  ", t(locale, label)), theme::BOLD),
        Span::styled(i18n::checked_amount(shares.total(), currency), theme::OK),
        Span::styled(
            format!("   {}", i18n::fill(locale, "review.units", &[("count", &review.units().to_string())])),
            theme::DIM,
        ),
    ]);
    let total_width = u16::try_from(total_line.width()).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(total_line).alignment(Alignment::Right), area);
    let Some(line) = dispensation.products.get(review.selected) else { return };
    let hidden = |column: Column| table.columns.contains(&column) && !plan.shows(column);
    let mut parts = Vec::new();
    if hidden(Column::Price) || hidden(Column::Subtotal) {
        parts.push(i18n::fill(locale, "review.line_price", &[("amount", &i18n::amount(line.unit_price, currency))]));
        let subtotal = i18n::checked_amount(review.subtotal(dispensation, review.selected), currency);
        parts.push(i18n::fill(locale, "review.line_subtotal", &[("amount", &subtotal)]));
    }
    // One line's sponsor part is the total's, said on the row below: only a line among several needs its own.
    let several = dispensation.products.len() > 1;
    if let Some(share) = shares.line(review.selected).filter(|_| hidden(Column::Sponsor) && several) {
        let sponsor = i18n::amount(share.sponsor_amount, currency);
        parts.push(i18n::fill(locale, "review.line_sponsor", &[("amount", &sponsor)]));
    }
    // As many parts as fit whole, in that order: a figure cut in half would be misread.
    let room = usize::from(area.width.saturating_sub(total_width + 2));
    let mut shown = String::new();
    for part in parts {
        let joined = if shown.is_empty() { part } else { format!("{shown} · {part}") };
        if text::width(&joined) > room {
            break;
        }
        shown = joined;
    }
    let room = u16::try_from(room).unwrap_or(0);
    frame.render_widget(Paragraph::new(Span::styled(shown, theme::DIM)), Rect { width: room, ..area });
}

/// Beneath the total of a sponsor's dispensation: what the sponsor pays and what the patient pays (the part the
/// clerk charges, in reverse video), with the selected line's rule on the left; or, when the server did not say
/// how the sponsor shares the cost, that the patient's part follows the sponsor's rules.
fn split_row(
    frame: &mut Frame,
    area: Rect,
    review: &Review,
    dispensation: &Dispensation,
    shares: &Shares,
    locale: Locale,
) {
    let currency = dispensation.currency_code.as_deref();
    let Some(amounts) = shares.amounts() else {
        let words = text::fit(t(locale, "review.share_by_rules"), area.width);
        frame.render_widget(Paragraph::new(Span::styled(words, theme::WARNING)).alignment(Alignment::Right), area);
        return;
    };
    let split = Line::from(vec![
        Span::styled(
            format!(
                "{} · ",
                i18n::fill(locale, "review.sponsor_part", &[("amount", &i18n::amount(amounts.sponsor, currency))])
            ),
            theme::PLAIN,
        ),
        Span::styled(
            format!(
                " {} ",
                i18n::fill(locale, "review.patient_part", &[("amount", &i18n::amount(amounts.patient, currency))])
            ),
            theme::CHARGE,
        ),
    ]);
    let split_width = u16::try_from(split.width()).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(split).alignment(Alignment::Right), area);
    let rule = shares.line(review.selected).and_then(|share| rule_words(share, currency, locale));
    if let Some(rule) = rule {
        let room = area.width.saturating_sub(split_width + 2);
        frame.render_widget(
            Paragraph::new(Span::styled(text::fit(&rule, room), theme::DIM)),
            Rect { width: room, ..area },
        );
    }
}

/// A line's rule in the clerk's words (`Coaseguro 20 %`, `Copago Q10.00 por línea`), for a rule this build knows.
pub(super) fn rule_words(share: &LineCoverage, currency: Option<&str>, locale: Locale) -> Option<String> {
    let fixed = || share.fixed.map(|fixed| i18n::amount(fixed, currency)).unwrap_or_default();
    Some(match share.rule {
        CoverageRule::Coinsurance => {
            let percent = share.percent.map(|percent| percent.normalize().to_string()).unwrap_or_default();
            i18n::fill(locale, "coverage.coinsurance", &[("percent", &percent)])
        }
        CoverageRule::CopayPerLine => i18n::fill(locale, "coverage.copay_per_line", &[("amount", &fixed())]),
        CoverageRule::CopayPerDispensation => {
            i18n::fill(locale, "coverage.copay_per_dispensation", &[("amount", &fixed())])
        }
        CoverageRule::NotCovered => t(locale, "coverage.not_covered").to_owned(),
        CoverageRule::None => t(locale, "coverage.fully_covered").to_owned(),
        CoverageRule::Unknown => return None,
    })
}

/// On a code scanned again: `Entregado antes: 20 u. · visitas: 12/11 15 u. · 21/11 5 u.`, the most recent visits
/// kept when they do not all fit. Nothing when nothing was delivered before.
fn earlier_line(active: &Active, chrome: &Chrome, width: u16) -> Option<Line<'static>> {
    let locale = chrome.locale;
    let delivered = active.delivered_before();
    if delivered == 0 {
        return None;
    }
    let label = i18n::fill(locale, "review.delivered_before", &[("units", &delivered.to_string())]);
    let mut spans = vec![Span::styled(label.clone(), theme::BOLD)];
    let used = text::width(&label);
    let after = match &active.earlier {
        Earlier::NotAsked => None,
        Earlier::Loading => Some(t(locale, "review.visits_loading").to_owned()),
        Earlier::Failed => Some(t(locale, "review.visits_failed").to_owned()),
        Earlier::Loaded(visits) if visits.is_empty() => Some(t(locale, "review.visits_none").to_owned()),
        Earlier::Loaded(visits) => {
            let shown: Vec<String> = visits
                .iter()
                .map(|visit| {
                    let at = visit.at.to_offset(chrome.offset());
                    let date = format!("{:02}/{:02}", at.day(), u8::from(at.month()));
                    i18n::fill(locale, "review.visit", &[("date", &date), ("units", &visit.units.to_string())])
                })
                .collect();
            let intro = t(locale, "review.visits");
            // The newest visits that fit, oldest of them first; `…` says older ones are left out.
            let room = usize::from(width).saturating_sub(used + text::width(intro) + 6);
            let mut kept: Vec<&String> = Vec::new();
            let mut taken = 0;
            for visit in shown.iter().rev() {
                let cost = text::width(visit) + 3;
                if taken + cost > room && !kept.is_empty() {
                    break;
                }
                taken += cost;
                kept.push(visit);
            }
            let older = if kept.len() < shown.len() { "… " } else { "" };
            let list: Vec<&str> = kept.iter().rev().map(|visit| visit.as_str()).collect();
            Some(format!("{intro} {older}{}", list.join(" · ")))
        }
    };
    if let Some(after) = after {
        spans.push(Span::styled(format!(" · {after}"), theme::DIM));
    }
    Some(Line::from(text::fit_spans(spans, width)))
}

/// One part of a line's share, in the currency (`—` when not known).
fn shared(
    share: Option<&LineCoverage>,
    currency: Option<&str>,
    part: impl Fn(&LineCoverage) -> rust_decimal::Decimal,
) -> String {
    share.map_or_else(|| "—".to_owned(), |share| i18n::amount(part(share), currency))
}

fn quantity(value: Option<u32>) -> String {
    value.map_or_else(|| "—".to_owned(), |value| value.to_string())
}

/// `text` right-aligned in `width` columns (cut if it does not fit).
fn right(text_value: &str, width: u16) -> String {
    let fitted = text::fit(text_value, width);
    let pad = usize::from(width).saturating_sub(text::width(&fitted));
    format!("{}{fitted}", " ".repeat(pad))
}

/// A styled value right-aligned in `width` columns.
fn right_span(value: Span<'static>, width: u16) -> Vec<Span<'static>> {
    let fitted = text::fit(&value.content, width);
    let pad = usize::from(width).saturating_sub(text::width(&fitted));
    vec![Span::raw(" ".repeat(pad)), Span::styled(fitted, value.style)]
}

#[cfg(test)]
mod tests {
    use super::essential;

    #[test]
    fn a_name_is_needed_up_to_its_strength_and_form() {
        for (name, needed) in [
            ("Ácido acetilsalicílico 100 mg tableta gastrorresistente x 30", "Ácido acetilsalicílico 100 mg tableta"),
            ("Salbutamol 100 mcg/dosis inhalador, 200 dosis", "Salbutamol 100 mcg/dosis inhalador"),
            ("Vitamina D3 (colecalciferol) 1000 UI cápsula blanda", "Vitamina D3 (colecalciferol) 1000 UI cápsula"),
            (
                "Lágrimas artificiales (hipromelosa 0,3 %) gotas, 15 ml",
                "Lágrimas artificiales (hipromelosa 0,3 %) gotas",
            ),
            ("Clotrimazol 1 % crema tópica, tubo 20 g", "Clotrimazol 1 % crema"),
            ("Ibuprofeno 600 mg, 40 comprimidos", "Ibuprofeno 600 mg, 40 comprimidos"),
            ("Loratadina 10 mg tableta", "Loratadina 10 mg tableta"),
            ("Amoxicillin 500mg capsules x 21", "Amoxicillin 500mg capsules"),
            ("Suero oral de rehidratación sabor naranja, sobre", "Suero oral de rehidratación sabor naranja, sobre"),
            ("Omeprazol 20 mg", "Omeprazol 20 mg"),
            ("Producto sin datos", "Producto sin datos"),
            ("", ""),
        ] {
            assert_eq!(essential(name), needed, "{name}");
        }
    }
}
