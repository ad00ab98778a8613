//! The standalone sandbox the counter talks to, as a child process, and the test's own client of it.

use super::*;

/// `mostrador sandbox serve` on a port of its own, killed with the test.
pub(super) struct SandboxProcess {
    pub(super) child: Child,
    pub(super) base_url: String,
    /// Its log (debug: one line per request answered).
    pub(super) log: PathBuf,
}

impl SandboxProcess {
    pub(super) fn start(scratch: &Scratch, faults: &[String]) -> Self {
        let log = scratch.dir.join("sandbox.log");
        let mut command = scratch.command(BIN);
        command.args(["sandbox", "serve", "--addr", "127.0.0.1:0"]);
        for fault in faults {
            command.args(["--fault", fault]);
        }
        let child = command
            .env("MOSTRADOR_LOG", "mostrador=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("sandbox log"))
            .spawn()
            .expect("the sandbox starts");
        let mut sandbox = Self { child, base_url: String::new(), log };
        // Its first line says where it listens; the rest (its "SMS") is read and dropped so it never blocks.
        let stdout = sandbox.child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = sender.send(first);
            }
            for _ in lines {}
        });
        let first = receiver
            .recv_timeout(STEP)
            .unwrap_or_else(|_| panic!("the sandbox did not say where it listens; its log:\n{}", sandbox.log_text()));
        let url = first.split_whitespace().find(|word| word.starts_with("http://"));
        sandbox.base_url = url.unwrap_or_else(|| panic!("no address in {first:?}")).to_owned();
        sandbox
    }

    pub(super) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many `complete` requests it answered.
    pub(super) fn completions_handled(&self) -> usize {
        self.log_text().lines().filter(|line| line.contains(" request") && line.contains("/complete")).count()
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test's own client of the sandbox, asking it what it holds.
pub(super) struct Server {
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) client: OsiguClient,
}

impl Server {
    pub(super) fn new(base_url: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let options = ClientOptions::new(base_url.parse().expect("url"), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
        Self { runtime, client: OsiguClient::new(options).expect("client") }
    }

    pub(super) fn dispensation(&self, id: &Id) -> Dispensation {
        self.runtime.block_on(self.client.dispensation(id)).unwrap_or_else(|error| panic!("GET {id}: {error}"))
    }

    pub(super) fn list(&self, query: ListQuery) -> Vec<Dispensation> {
        let query = ListQuery { size: 200, ..query };
        let page = self.runtime.block_on(self.client.dispensations(&query)).unwrap_or_else(|e| panic!("list: {e}"));
        assert!(page.page.total_pages <= 1, "more dispensations than one page: {:?}", page.page);
        page.content
    }

    /// The one dispensation of `code`, COMPLETED, with each line claimed exactly as much as it delivered; and
    /// nothing STARTED anywhere.
    pub(super) fn exactly_one_completion(&self, code: &str) -> Dispensation {
        let started = self.list(ListQuery { status: Some(DispensationStatus::Started), ..ListQuery::default() });
        assert!(started.is_empty(), "left STARTED on the server: {:?}", ids(&started));
        let all = self.list(ListQuery { code: Some(code.to_owned()), ..ListQuery::default() });
        assert_eq!(all.len(), 1, "{code} has other than one dispensation on the server: {:?}", ids(&all));
        let completed = self.dispensation(&all[0].dispensation_id);
        assert_eq!(completed.status, DispensationStatus::Completed, "{code} on the server: {completed:?}");
        let mut delivered = 0;
        for line in &completed.products {
            let units = line.units();
            delivered += units;
            // Claimed over all dispensations of the code: one completion's units, not two.
            assert_eq!(line.claimed_quantity, Some(units), "{code} line {:?} claimed twice or not at all", line.id);
        }
        assert!(delivered > 0, "{code} completed with nothing delivered: {completed:?}");
        completed
    }
}

pub(super) fn ids(dispensations: &[Dispensation]) -> Vec<String> {
    dispensations.iter().map(|d| format!("{} {:?}", d.dispensation_id, d.status)).collect()
}
