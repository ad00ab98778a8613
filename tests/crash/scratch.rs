//! A private directory per crash run (configuration, data directory, home, pid file) and the journal's export
//! read back as rows.

use super::*;

/// A private directory per test: the configuration, the counter's data directory, an empty home, the pid file.
/// Removed when the test passes, kept (and named) when it fails.
pub(super) struct Scratch {
    pub(super) dir: PathBuf,
}

impl Scratch {
    pub(super) fn new(name: &str) -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mostrador-crash-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("scratch directory");
        Self { dir }
    }

    pub(super) fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub(super) fn home(&self) -> PathBuf {
        self.dir.join("home")
    }

    pub(super) fn log(&self) -> PathBuf {
        self.data_dir().join("mostrador.log")
    }

    /// The configuration pointing the counter at the standalone sandbox, readable by its owner only (else the
    /// binary warns about the secret in it).
    pub(super) fn config(&self, base_url: &str) -> PathBuf {
        let path = self.dir.join("config.toml");
        let text = format!(
            "locale = \"es\"\n[osigu]\nenvironment = \"custom\"\nbase_url = \"{base_url}\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
             client_secret = \"{DEMO_CLIENT_SECRET}\"\n[counter]\ninvoice_prefix = \"F001-\"\ndata_dir = \"{}\"\n",
            self.data_dir().display()
        );
        std::fs::write(&path, text).expect("configuration");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
        path
    }

    /// An environment with nothing of the developer's in it.
    pub(super) fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        let home = self.home();
        command
            .env_remove("MOSTRADOR_CONFIG")
            .env_remove("MOSTRADOR_CLIENT_SECRET")
            .env_remove("MOSTRADOR_LOG")
            .env_remove("MOSTRADOR_TEST_PAUSE")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"));
        command
    }

    /// The first line of the counter's log containing `needle`, once written.
    pub(super) fn wait_for_log(&self, needle: &str, limit: Duration, terminal: &Terminal) -> String {
        let began = Instant::now();
        loop {
            let log = std::fs::read_to_string(self.log()).unwrap_or_default();
            if let Some(line) = log.lines().find(|line| line.contains(needle)) {
                return line.to_owned();
            }
            if began.elapsed() > limit {
                panic!("no `{needle}` in the counter's log after {limit:?}\nlog:\n{log}\nscreen:\n{}", terminal.tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The journal's row for `code`, read beside the running counter (SQLite in WAL mode allows it).
    pub(super) fn journal_entry(&self, code: &str) -> Option<Entry> {
        let path = self.data_dir().join(FILE_NAME);
        if !path.exists() {
            return None;
        }
        let journal =
            Journal::open(&path, &mostrador::journal::Place::new("crash-test", "reader")).expect("the journal opens");
        let entries = journal.dispensations(None, None).expect("the journal reads");
        let mut mine = entries.into_iter().filter(|entry| entry.code == code);
        let entry = mine.next();
        assert!(mine.next().is_none(), "{code} is more than once in the journal");
        entry
    }

    pub(super) fn wait_for_journal(&self, code: &str, status: &str, limit: Duration, terminal: &Terminal) -> Entry {
        let began = Instant::now();
        loop {
            let entry = self.journal_entry(code);
            if let Some(entry) = entry.as_ref().filter(|entry| entry.status == status) {
                return entry.clone();
            }
            if began.elapsed() > limit {
                panic!(
                    "{code} is not {status} in the journal after {limit:?}: {entry:?}\nscreen:\n{}",
                    terminal.tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `mostrador journal export --csv`, parsed.
    pub(super) fn export(&self, config: &Path) -> Vec<Row> {
        let output = self
            .command(BIN)
            .args(["journal", "export", "--csv"])
            .env("MOSTRADOR_CONFIG", config)
            .stdin(Stdio::null())
            .output()
            .expect("journal export runs");
        assert!(output.status.success(), "journal export failed: {}", String::from_utf8_lossy(&output.stderr));
        let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
        let header = reader.headers().expect("a header").clone();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} column"));
        let (code, status, id, claim, amount) =
            (column("code"), column("status"), column("dispensation_id"), column("claim_id"), column("amount"));
        let (till, invoice_number) = (column("till"), column("invoice_number"));
        reader
            .records()
            .map(|record| {
                let record = record.expect("a CSV row");
                let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
                Row {
                    code: field(code),
                    status: field(status),
                    dispensation_id: field(id),
                    claim_id: field(claim),
                    amount: field(amount),
                    till: field(till),
                    invoice_number: field(invoice_number),
                }
            })
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept for inspection: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One row of `journal export --csv`.
#[derive(Debug)]
pub(super) struct Row {
    pub(super) code: String,
    pub(super) status: String,
    pub(super) dispensation_id: String,
    pub(super) claim_id: String,
    pub(super) amount: String,
    pub(super) till: String,
    pub(super) invoice_number: String,
}
