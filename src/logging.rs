//! Where logs go and how they look: the counter writes `mostrador.log` in its data directory (the terminal
//! belongs to the screen), `check` and `sandbox serve` write to stderr. Either way every field of every event
//! is made inert ([`crate::inert::InertFields`]): a server's text cannot move the cursor of whoever reads the
//! log with `tail -f`, nor forge a second log line. The log file is created readable by its owner only.
//!
//! What is logged is filtered by `MOSTRADOR_LOG` (tracing targets, e.g. `mostrador=debug`). Logs never carry
//! secrets, OTPs or patient identifiers.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::files;
use crate::inert::InertFields;

/// The counter's log file in its data directory.
pub const FILE_NAME: &str = "mostrador.log";

/// The environment variable that chooses what is logged.
pub const FILTER_ENV: &str = "MOSTRADOR_LOG";

/// What to log: [`FILTER_ENV`] when it parses, otherwise warnings, and Mostrador's own information.
pub fn filter() -> tracing_subscriber::filter::Targets {
    std::env::var(FILTER_ENV)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| "warn,mostrador=info".parse().unwrap_or_default())
}

/// Logs to stderr, coloured when it is a terminal. Does nothing when a logger is already installed.
pub fn to_stderr() {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .fmt_fields(InertFields::new())
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .with(filter())
        .try_init();
}

/// Logs to [`FILE_NAME`] in `data_dir`, which is created private if needed (see [`crate::files`]); returns the
/// file's path. Files and a directory an earlier version left open are tightened, and that is the log's first
/// news. Does nothing more when a logger is already installed.
pub fn to_file(data_dir: &Path) -> std::io::Result<PathBuf> {
    let directory = files::private_dir(data_dir)?;
    let path = data_dir.join(FILE_NAME);
    let (file, tightened) = files::append_private(&path)?;
    // `&File` writes without a lock, so a panic while an event is written cannot leave the log locked for the
    // panic hook, which logs too; each event is one write to a file opened for appending.
    let writer = OrStderr(Arc::new(file));
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().fmt_fields(InertFields::new()).with_writer(writer).with_ansi(false))
        .with(filter())
        .try_init();
    directory.iter().chain(&tightened).for_each(files::Tightened::log);
    Ok(path)
}

/// The log file, or stderr for what the file would not take (a full disk, a removed mount): a journal that
/// cannot be written is most often a disk that cannot be, and its reason must still reach someone. While the
/// counter has the terminal, stderr is its screen: those lines are kept (the last [`DEFERRED_LIMIT`] bytes) and
/// written once the terminal is restored ([`release_deferred`]).
#[derive(Clone)]
struct OrStderr(Arc<std::fs::File>);

/// The most kept for stderr while the screen is the counter's.
const DEFERRED_LIMIT: usize = 64 * 1024;

/// Log lines waiting for the terminal to be restored.
static DEFERRED: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// Writes the log lines kept while the counter had the terminal to stderr (called when it is restored).
pub fn release_deferred() {
    let kept = std::mem::take(&mut *DEFERRED.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    if !kept.is_empty() {
        use std::io::Write;
        let _ = std::io::stderr().write_all(&kept);
    }
}

impl std::io::Write for OrStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match (&*self.0).write(buf) {
            Ok(written) => Ok(written),
            Err(_) if crate::terminal::in_counter_mode() => {
                let mut kept = DEFERRED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                kept.extend_from_slice(buf);
                let excess = kept.len().saturating_sub(DEFERRED_LIMIT);
                kept.drain(..excess);
                Ok(buf.len())
            }
            Err(_) => {
                let _ = std::io::stderr().write_all(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = (&*self.0).flush();
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for OrStderr {
    type Writer = OrStderr;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn what_the_file_will_not_take_goes_to_stderr_and_is_not_an_error() {
        // /dev/full refuses every write with ENOSPC, as a full disk does.
        let Ok(full) = std::fs::OpenOptions::new().append(true).open("/dev/full") else { return };
        let mut writer = OrStderr(Arc::new(full));
        assert_eq!(writer.write(b"test: a line for stderr\n").unwrap(), 24);
        writer.flush().unwrap();
    }
}
