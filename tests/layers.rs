//! The one-way imports of DESIGN.md, checked from the sources rather than kept by habit: the counter's core does
//! no I/O (no HTTP, terminal, SQLite, files, sockets, processes, async runtime) and knows nothing of the runtime,
//! the journal or the screens; the screens read the core's public state and never change it or reach the world;
//! the receipt is plain data and knows neither.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
    found
}

/// The code of a file without its comments (a doc comment may name what the code must not use).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths `text` uses: `use` items and inline `a::b` paths, as `a::b` prefixes.
fn uses(text: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for needle in forbidden {
        for (at, _) in text.match_indices(needle) {
            // Only a path's start: `crate::ui` in `super::crate::ui` would not compile anyway; `x_tokio::` is not tokio.
            let before = text[..at].chars().next_back();
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                let line = text[..at].lines().count();
                found.push(format!("{needle} (line {line})"));
            }
        }
    }
    found
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_core_does_no_io_and_knows_nothing_of_what_runs_it() {
    let forbidden = [
        "reqwest::",
        "ratatui::",
        "rusqlite::",
        "crossterm::",
        "tokio::",
        "axum::",
        "hyper::",
        "std::fs",
        "std::net",
        "std::process",
        "std::thread",
        "std::io",
        "std::env",
        "crate::runtime",
        "crate::ui",
        "crate::journal",
        "crate::sandbox",
        "crate::terminal",
        "crate::keymap",
        "crate::check",
        "crate::logging",
        "crate::files",
        "crate::osigu::client",
        "crate::http",
    ];
    let mut broken = Vec::new();
    let files = sources(&root().join("counter"));
    assert!(files.len() > 15, "the core's files were found ({})", files.len());
    for path in files {
        for path_used in uses(&code(&path), &forbidden) {
            broken.push(format!("{}: {path_used}", path.display()));
        }
    }
    assert!(broken.is_empty(), "the core reaches beyond itself:\n{}", broken.join("\n"));
}

#[test]
fn the_screens_only_read_the_cores_public_state() {
    let forbidden = [
        "reqwest::",
        "rusqlite::",
        "tokio::",
        "axum::",
        "hyper::",
        "std::fs",
        "std::net",
        "std::process",
        "std::thread",
        "std::env",
        "crate::runtime",
        "crate::journal",
        "crate::sandbox",
        "crate::terminal",
        "crate::check",
        "crate::logging",
        "crate::files",
        "crate::osigu::client",
        "crate::http",
        "&mut App",
        "update(",
    ];
    let mut broken = Vec::new();
    let files = sources(&root().join("ui"));
    assert!(files.len() > 15, "the screens' files were found ({})", files.len());
    for path in files {
        for path_used in uses(&code(&path), &forbidden) {
            broken.push(format!("{}: {path_used}", path.display()));
        }
    }
    assert!(broken.is_empty(), "a screen reaches beyond the core's public state:\n{}", broken.join("\n"));
}

#[test]
fn the_receipt_knows_nothing_of_the_counter_or_the_screens() {
    // Plain data in, text and bytes out: the counter, the history and a test print the same receipt; only its
    // printer does I/O (std::fs, tokio).
    let forbidden = [
        "crate::counter",
        "crate::ui",
        "crate::runtime",
        "crate::journal",
        "crate::sandbox",
        "crate::terminal",
        "crate::osigu",
        "crate::http",
        "ratatui::",
        "rusqlite::",
        "reqwest::",
    ];
    let mut broken = Vec::new();
    let files = sources(&root().join("receipt"));
    assert!(files.len() >= 8, "the receipt's files were found ({})", files.len());
    for path in files {
        for path_used in uses(&code(&path), &forbidden) {
            broken.push(format!("{}: {path_used}", path.display()));
        }
    }
    assert!(broken.is_empty(), "the receipt reaches beyond plain data:\n{}", broken.join("\n"));
}

#[test]
fn the_check_itself_catches_a_forbidden_path() {
    let text = "use crate::counter::App;\nfn f() { let x = rusqlite::Connection::open(\"x\"); }\n";
    assert_eq!(uses(text, &["rusqlite::", "crate::ui"]), ["rusqlite:: (line 2)"]);
    assert!(uses("use my_tokio::x;", &["tokio::"]).is_empty(), "a crate whose name ends the same is not it");
}
