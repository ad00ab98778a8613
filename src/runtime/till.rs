//! Tills: many counters run on one store server (clerks over SSH, often as the same Unix user, on one data
//! directory). Each running counter holds one till, named in `[counter] till` or the first free of `caja-1`,
//! `caja-2`, … A till is an advisory lock on a file of its own under `tills/` in the data directory, so two processes
//! never hold the same one, and the operating system releases it when its process ends however it ends (a crash,
//! a SIGKILL, a dropped session): a till whose lock can be taken belongs to no live counter. The journal records
//! the till with every row; start-up recovery touches only its own till's.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// How many default tills are tried before giving up (a store server with more counters names them).
const DEFAULT_TILLS: u32 = 99;

/// A till this process holds; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct Till {
    name: String,
    /// Holding the open, locked file is holding the till.
    _lock: File,
}

/// Why no till could be held.
#[derive(Debug, thiserror::Error)]
pub enum TillError {
    #[error("the till {name} is open in another counter{}", holder.map(|pid| format!(" (process {pid})")).unwrap_or_default())]
    Busy { name: String, holder: Option<u32> },
    #[error("every till from caja-1 to caja-{DEFAULT_TILLS} is open in another counter")]
    AllBusy,
    #[error("the till lock {path} cannot be used: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl Till {
    /// The till's name, as the journal records it.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Whether `name` can name a till (it names a file).
pub fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

/// Holds `configured`, or the first free default till, in `data_dir`.
pub fn claim(data_dir: &Path, configured: Option<&str>) -> Result<Till, TillError> {
    let dir = data_dir.join("tills");
    for private in [data_dir, &dir] {
        crate::files::private_dir(private).map_err(|source| TillError::Io { path: private.to_owned(), source })?;
    }
    if let Some(name) = configured {
        return try_hold(&dir, name)?
            .ok_or_else(|| TillError::Busy { name: name.to_owned(), holder: holder(&dir, name) });
    }
    for n in 1..=DEFAULT_TILLS {
        if let Some(till) = try_hold(&dir, &format!("caja-{n}"))? {
            return Ok(till);
        }
    }
    Err(TillError::AllBusy)
}

/// The tills of `data_dir` a live counter holds now.
pub fn held(data_dir: &Path) -> std::io::Result<Vec<String>> {
    let dir = data_dir.join("tills");
    let mut busy = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(busy),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()).and_then(|name| name.strip_suffix(".lock"))
        else {
            continue;
        };
        let file = OpenOptions::new().read(true).write(true).open(&path)?;
        match file.try_lock() {
            Ok(()) => drop(file),
            Err(TryLockError::WouldBlock) => busy.push(name.to_owned()),
            Err(TryLockError::Error(error)) => return Err(error),
        }
    }
    busy.sort();
    Ok(busy)
}

/// Takes `name` if no live process holds it, writing this process's id in its file for the next one to name.
fn try_hold(dir: &Path, name: &str) -> Result<Option<Till>, TillError> {
    let path = dir.join(format!("{name}.lock"));
    let io = |source| TillError::Io { path: path.clone(), source };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(error)) => return Err(io(error)),
    }
    file.set_len(0).and_then(|()| file.rewind()).and_then(|()| writeln!(file, "{}", std::process::id())).map_err(io)?;
    Ok(Some(Till { name: name.to_owned(), _lock: file }))
}

/// The process holding `name`, as its lock file says.
fn holder(dir: &Path, name: &str) -> Option<u32> {
    let mut text = String::new();
    File::open(dir.join(format!("{name}.lock"))).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mostrador-tills-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn two_holders_never_share_a_till_and_a_released_one_is_taken_again() {
        let dir = scratch();
        let first = claim(&dir, None).unwrap();
        let second = claim(&dir, None).unwrap();
        assert_eq!((first.name(), second.name()), ("caja-1", "caja-2"));
        assert_eq!(held(&dir).unwrap(), ["caja-1", "caja-2"]);
        let busy = claim(&dir, Some("caja-2")).unwrap_err();
        assert!(
            matches!(&busy, TillError::Busy { name, holder: Some(pid) } if name == "caja-2" && *pid == std::process::id()),
            "{busy:?}"
        );
        assert_eq!(
            busy.to_string(),
            format!("the till caja-2 is open in another counter (process {})", std::process::id())
        );
        drop(first);
        assert_eq!(claim(&dir, None).unwrap().name(), "caja-1", "a till its holder let go is free again");
        assert_eq!(claim(&dir, Some("mostrador-b")).unwrap().name(), "mostrador-b");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn till_names_are_file_names_and_nothing_else() {
        assert!(valid_name("caja-2") && valid_name("Caja_3.norte"));
        for bad in ["", ".hidden", "../x", "a/b", "caja 2", "ñ", &"x".repeat(33)] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
