//! The counter's files are private: the data directory is created so only its owner can enter it (0700), and
//! the files in it (the journal and SQLite's `-wal` and `-shm` beside it, the log, the invoice counter) so only
//! their owner can read them (0600). A journal names patients' codes and claims; a store server is often shared
//! by several Unix accounts.
//!
//! Files an earlier version left readable by others are tightened when they are opened, and each caller says
//! so in the log ([`Tightened`]). An existing data directory others can enter is tightened only when it holds
//! nothing but Mostrador's own files (a directory made for it); a directory that holds other things (a home
//! directory, `/tmp`, a shared folder someone configured) is never changed, only reported, since changing it
//! could lock other programs or people out of their own files.
//!
//! On other systems than Unix there are no mode bits: files are created as the system creates them.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Mode of the data directory: its owner may list, create and enter.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file in it: its owner may read and write.
pub const FILE_MODE: u32 = 0o600;

/// The names of the files Mostrador keeps in its data directory; a directory holding only these (or nothing)
/// is Mostrador's own and may be tightened.
const OWN_FILES: &[&str] = &[
    "journal.sqlite3",
    "journal.sqlite3-wal",
    "journal.sqlite3-shm",
    "journal.sqlite3-journal",
    "mostrador.log",
    "invoice-counter",
    "invoice-counter.tmp",
    "invoice-counter.imported",
    "tills",
];

/// A file or directory whose mode was looser than Mostrador's, and what was done about it; displayed as one
/// line for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    /// The permission bits it had.
    pub was: u32,
    /// The permission bits it has now; the same as `was` when it was left alone (see [`private_dir`]).
    pub now: u32,
}

impl Tightened {
    /// True when the mode was changed, false when it was only reported.
    pub fn changed(&self) -> bool {
        self.was != self.now
    }
}

impl std::fmt::Display for Tightened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = crate::inert::line(&self.path.to_string_lossy()).into_owned();
        if self.changed() {
            write!(f, "{path} was open to other users (mode {:03o}); it is now {:03o}", self.was, self.now)
        } else {
            write!(
                f,
                "the data directory {path} can be entered by other users (mode {:03o}) and holds other files, so it \
                 was left as it is; Mostrador's files in it are private; to close it: chmod 700 {path}",
                self.was
            )
        }
    }
}

impl Tightened {
    /// Says it in the log, as a warning.
    pub fn log(&self) {
        tracing::warn!("{self}");
    }
}

/// Makes `dir` (and any missing parent) with mode [`DIR_MODE`]. An existing directory that others can enter is
/// tightened when it holds only Mostrador's files, otherwise reported and left alone; either way it is returned.
pub fn private_dir(dir: &Path) -> io::Result<Option<Tightened>> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        let was = mode(dir)?;
        if was & 0o077 == 0 {
            return Ok(None);
        }
        let ours = std::fs::read_dir(dir)?
            .map(|entry| entry.map(|entry| OWN_FILES.iter().any(|name| entry.file_name() == *name)))
            .collect::<io::Result<Vec<bool>>>()?
            .into_iter()
            .all(|own| own);
        let now = if ours {
            set_mode(dir, DIR_MODE)?;
            DIR_MODE
        } else {
            was
        };
        Ok(Some(Tightened { path: dir.to_owned(), was, now }))
    }
    #[cfg(not(unix))]
    Ok(None)
}

/// Opens `path` for appending, creating it with mode [`FILE_MODE`]; an existing file others could read is
/// tightened to it.
pub fn append_private(path: &Path) -> io::Result<(File, Option<Tightened>)> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let file = options.open(path)?;
    let tightened = tighten(path)?;
    Ok((file, tightened))
}

/// Creates `path` empty when it is missing, with mode [`FILE_MODE`], without touching its content when it is
/// there; an existing file others could read is tightened. For files another library opens afterwards
/// (SQLite creates its database 0644, and its `-wal` and `-shm` files with the database's own mode).
pub fn ensure_private(path: &Path) -> io::Result<Option<Tightened>> {
    append_private(path).map(|(_, tightened)| tightened)
}

/// Writes `contents` to a new file at `path` (replacing one that is there) with mode [`FILE_MODE`].
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;

    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let mut file = options.open(path)?;
    // A file that was there keeps its mode through `open`: tighten it before anything is written.
    tighten(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Sets `path`'s mode to [`FILE_MODE`] when it grants anything to others; a missing file is nothing to do.
pub fn tighten(path: &Path) -> io::Result<Option<Tightened>> {
    #[cfg(unix)]
    {
        let was = match mode(path) {
            Ok(was) => was,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        if was & 0o077 == 0 {
            return Ok(None);
        }
        set_mode(path, FILE_MODE)?;
        Ok(Some(Tightened { path: path.to_owned(), was, now: FILE_MODE }))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(None)
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mostrador-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_directory_and_its_files_are_private() {
        let root = scratch("new");
        let dir = root.join("a/b");
        assert_eq!(private_dir(&dir).unwrap(), None);
        assert_eq!(mode_of(&dir), 0o700);
        assert_eq!(mode_of(&root.join("a")), 0o700, "parents it had to make too");
        let (_, tightened) = append_private(&dir.join("mostrador.log")).unwrap();
        assert_eq!(tightened, None);
        assert_eq!(mode_of(&dir.join("mostrador.log")), 0o600);
        write_private(&dir.join("invoice-counter"), b"7\n").unwrap();
        assert_eq!(mode_of(&dir.join("invoice-counter")), 0o600);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn files_left_open_by_an_earlier_version_are_tightened_and_say_so() {
        let dir = scratch("old");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let log = dir.join("mostrador.log");
        std::fs::write(&log, "earlier\n").unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();

        let tightened = private_dir(&dir).unwrap().expect("the directory was open");
        assert!(tightened.changed() && tightened.was == 0o755, "{tightened:?}");
        assert_eq!(mode_of(&dir), 0o700, "a directory holding only Mostrador's files is tightened");
        let (_, tightened) = append_private(&log).unwrap();
        let tightened = tightened.expect("the log was open");
        assert_eq!((tightened.was, tightened.now), (0o644, 0o600));
        assert!(tightened.to_string().contains("mode 644"), "{tightened}");
        assert_eq!(mode_of(&log), 0o600);
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "earlier\n", "content untouched");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_holding_other_things_is_reported_not_changed() {
        let dir = scratch("shared");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("someone-elses.txt"), "x").unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let reported = private_dir(&dir).unwrap().expect("reported");
        assert!(!reported.changed());
        assert!(reported.to_string().contains("chmod 700"), "{reported}");
        assert_eq!(mode_of(&dir), 0o755);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
