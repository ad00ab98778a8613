//! A journal that cannot be written (issue 10): the counter does not dispense. Nothing leaves that needs its intent
//! on disk; what is open is cancelled on the server (a cancel can only lose a sale); a banner says so and stays; a
//! scanned code tries the journal again and starts once it can be written.
//!
//! The disks are real: a small tmpfs filled to the last byte, and one remounted read-only (Linux refuses that while
//! a file on it is open for writing, so this one is met when the counter opens). Mounting needs root (CI runs as
//! root); elsewhere these tests say why they did not run, and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use mostrador::counter::{JournalCause, Msg, ProblemKind, Step};
use mostrador::osigu::client::ListQuery;
use mostrador::osigu::model::DispensationStatus;
use mostrador::runtime::Capture;
use mostrador::sandbox::SandboxConfig;

use crate::support::{Counter, Setup, unique};

/// A tmpfs of `size` mounted on a directory of its own; unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    /// `None` (and a line saying why) where this process may not mount.
    fn mount(size: &str) -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("mostrador-disk-{}", unique()));
        std::fs::create_dir_all(&dir).ok()?;
        let mounted =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&dir).status();
        match mounted {
            Ok(status) if status.success() => Some(Self { dir }),
            other => {
                eprintln!("SKIPPED: a real small disk needs `mount -t tmpfs` (root); here it gave {other:?}");
                let _ = std::fs::remove_dir(&dir);
                None
            }
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Fills the disk to its last byte; returns the file holding it.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.dir.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let block = vec![0_u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let byte = [0_u8; 1];
        while file.write(&byte).is_ok_and(|n| n == 1) {}
        path
    }

    fn remount(&self, option: &str) {
        let status = Command::new("mount").args(["-o", &format!("remount,{option}")]).arg(&self.dir).status();
        assert!(status.is_ok_and(|status| status.success()), "remount {option}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn counter_on(data_dir: &Path) -> Counter {
    let setup = Setup { data_dir: Some(data_dir.to_owned()), ..Setup::default() };
    let config = SandboxConfig { remote_auto_approve: None, ..SandboxConfig::default() };
    Counter::open_in(config, Capture::Sandbox, setup).await
}

async fn held_on_server(counter: &Counter, code: &str) -> Vec<DispensationStatus> {
    let query = ListQuery { code: Some(code.to_owned()), size: 50, ..ListQuery::default() };
    counter.server.dispensations(&query).await.expect("list").content.into_iter().map(|d| d.status).collect()
}

fn journal_cause(counter: &Counter) -> Option<JournalCause> {
    counter.app.session.journal_failure.as_ref().map(|failure| failure.cause)
}

#[tokio::test]
async fn a_full_disk_stops_the_completion_before_it_is_sent_and_cancels_the_dispensation() {
    let Some(disk) = SmallDisk::mount("2m") else { return };
    let mut counter = counter_on(&disk.data_dir()).await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    let filler = disk.fill();
    counter.finalize().await;
    // The intent could not be written: no completion left, the dispensation was cancelled, and the banner stays.
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Cancelled, "{:?}", counter.app.step);
    assert_eq!(journal_cause(&counter), Some(JournalCause::Full));
    assert!(matches!(counter.app.step, Step::Entry { .. }), "{:?}", counter.app.step);
    // A scan tries the journal first: still full, so nothing starts.
    counter.send(Msg::Back).await;
    counter.scan("RX-2026-000001").await;
    assert_eq!(counter.problem_kind(), &ProblemKind::JournalUnavailable { cause: JournalCause::Full });
    assert!(held_on_server(&counter, "RX-2026-000001").await.is_empty(), "nothing was started off the record");
    // Room again: the next scan finds the journal writable, the banner goes, the code starts.
    std::fs::remove_file(filler).unwrap();
    counter.send(Msg::Submit).await;
    counter.send(Msg::Back).await;
    counter.scan("RX-2026-000001").await;
    assert!(counter.on_review(), "{:?} {:?}", counter.app.step, counter.app.problem);
    assert_eq!(journal_cause(&counter), None);
    counter.finalize().await;
    let done = counter.done().clone();
    let entry = counter.journal.dispensation(done.dispensation_id.as_str()).unwrap().unwrap();
    assert_eq!(entry.status, "COMPLETED");
}

#[tokio::test]
async fn a_start_is_not_sent_while_the_disk_is_full() {
    let Some(disk) = SmallDisk::mount("2m") else { return };
    let mut counter = counter_on(&disk.data_dir()).await;
    let _filler = disk.fill();
    counter.scan("AUTH-2026-000102").await;
    assert_eq!(counter.problem_kind(), &ProblemKind::JournalUnavailable { cause: JournalCause::Full });
    assert!(held_on_server(&counter, "AUTH-2026-000102").await.is_empty(), "no start left without its intent");
    assert_eq!(journal_cause(&counter), Some(JournalCause::Full));
}

#[test]
fn a_journal_that_cannot_be_opened_for_writing_is_refused_at_start() {
    let Some(disk) = SmallDisk::mount("8m") else { return };
    let place = mostrador::journal::Place::new("test", "caja-1");
    drop(mostrador::journal::Journal::in_dir(&disk.data_dir(), &place).unwrap());
    disk.remount("ro");
    let refused = mostrador::journal::Journal::in_dir(&disk.data_dir(), &place).err().expect("refused");
    assert_eq!(refused.failure().cause, JournalCause::ReadOnly, "{refused}");
}

#[tokio::test]
async fn a_paper_prescription_is_not_requested_while_the_disk_is_full() {
    let Some(disk) = SmallDisk::mount("2m") else { return };
    let mut counter = counter_on(&disk.data_dir()).await;
    let url = crate::paper::paper_for(&mut counter, "sponsor-sandbox", "1987654320101").await;
    crate::paper::press_import(&url, "receta-clara").await;
    counter.wait(2).await;
    let filler = disk.fill();
    counter.send(Msg::Submit).await;
    // The request and its keys could not be kept: nothing was sent, the lines are still there, and it says why.
    assert_eq!(counter.problem_kind(), &ProblemKind::JournalUnavailable { cause: JournalCause::Full });
    assert_eq!(journal_cause(&counter), Some(JournalCause::Full));
    counter.send(Msg::Submit).await;
    assert!(crate::paper::lines(&counter).ready(), "back on the lines");
    // Enter again while it is still full: refused before anything leaves.
    counter.send(Msg::Submit).await;
    assert_eq!(counter.problem_kind(), &ProblemKind::JournalUnavailable { cause: JournalCause::Full });
    // Room again (the journal is probed by the next code; here the banner is cleared by a probe the same way):
    // the first code this sandbox issues is the one of the request sent now, so none was issued before.
    std::fs::remove_file(filler).unwrap();
    counter.send(Msg::Submit).await;
    counter.send(Msg::Back).await;
    counter.send(Msg::Back).await;
    counter.scan("RX-2026-000001").await;
    assert_eq!(journal_cause(&counter), None, "{:?}", counter.app.problem);
    assert!(counter.journal.paper_requests(10).unwrap().is_empty(), "nothing was kept, so nothing was sent");
}
