//! Every word the clerk reads, and how numbers, money and dates are written. The catalogues
//! (`assets/i18n/es.toml`, `assets/i18n/en.toml`) are embedded in the binary and parsed once into flat dotted keys
//! (`[problem] code_not_found` → `problem.code_not_found`); [`text`] looks a key up and [`fill`] replaces its
//! `{name}` placeholders. [`problem_message`] and [`next_step_hint`] turn the core's [`Problem`] into words, and
//! [`money`], [`date`], [`date_time`] and [`time_of_day`] write values the way the four countries read them.
//!
//! A catalogue that fails to parse is a build defect, not a runtime condition: the lookup falls back to an empty
//! map (every key shows itself) and the tests in this module fail the build.
//!
//! [`Problem`]: crate::counter::Problem

mod format;
mod problem;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use crate::config::Locale;
pub use format::{amount, checked_amount, date, date_time, money, plain_amount, time_of_day};
/// How an identity document's type reads: the Spanish names the sponsors send in capitals (`CEDULA`,
/// `PASAPORTE`) written as a clerk writes them (`Cédula`, `Pasaporte` / `Passport`); acronyms (`DPI`, `DNI`, `CC`) and
/// types this build does not know stay as they came.
pub fn document_type(locale: Locale, raw: &str) -> String {
    let key = match raw.trim().to_uppercase().as_str() {
        "CEDULA" | "CÉDULA" => "document_type.cedula",
        "PASAPORTE" | "PASSPORT" => "document_type.passport",
        "CARNET DE EXTRANJERIA" | "CARNET DE EXTRANJERÍA" | "CE" => "document_type.foreigner",
        _ => return raw.trim().to_owned(),
    };
    text(locale, key).to_owned()
}

pub use problem::{journal_cause_key, next_step_hint, problem_message, problem_message_in};

/// The embedded Spanish catalogue.
const ES_SOURCE: &str = include_str!("../../assets/i18n/es.toml");
/// The embedded English catalogue.
const EN_SOURCE: &str = include_str!("../../assets/i18n/en.toml");

/// Both catalogues, flattened to dotted keys.
struct Catalog {
    es: HashMap<String, String>,
    en: HashMap<String, String>,
}

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog { es: parse(ES_SOURCE).unwrap_or_default(), en: parse(EN_SOURCE).unwrap_or_default() });

impl Catalog {
    fn entries(&self, locale: Locale) -> &HashMap<String, String> {
        match locale {
            Locale::Es => &self.es,
            Locale::En => &self.en,
        }
    }
}

/// Parses a catalogue into dotted keys. Only tables and strings are allowed; anything else is an error naming
/// the key, so a typo in a catalogue is caught by the tests rather than shown to a clerk.
fn parse(source: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = toml::from_str(source).map_err(|error| error.to_string())?;
    let mut entries = HashMap::new();
    flatten("", &table, &mut entries)?;
    Ok(entries)
}

fn flatten(prefix: &str, table: &toml::Table, entries: &mut HashMap<String, String>) -> Result<(), String> {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match value {
            toml::Value::String(text) => {
                entries.insert(key, text.clone());
            }
            toml::Value::Table(inner) => flatten(&key, inner, entries)?,
            other => return Err(format!("{key}: expected a string or a table, found {}", other.type_str())),
        }
    }
    Ok(())
}

/// The text of `key` in `locale`. A missing key returns the key itself, so a gap shows up on screen (and in the
/// tests) instead of crashing the counter.
pub fn text(locale: Locale, key: &str) -> &str {
    CATALOG.entries(locale).get(key).map_or(key, String::as_str)
}

/// The text of `key` in `locale` with each `{name}` replaced by its value from `args`. A placeholder with no
/// value stays visible as `{name}`; values are inserted as they are, never scanned for placeholders themselves.
pub fn fill(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    substitute(text(locale, key), args)
}

/// Replaces `{name}` placeholders in `template`; see [`fill`].
fn substitute(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            // An unclosed brace is literal text.
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match args.iter().find(|(arg, _)| *arg == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The names of the `{name}` placeholders in `template`, in order of appearance (for the catalogue tests).
#[cfg(test)]
fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names
}
