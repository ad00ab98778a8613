//! The counter on a pseudo-terminal (util-linux `script`): keys in, the screen collected as text.

use super::*;

/// The counter on a pseudo-terminal (`script`), with its screen collected as it is drawn.
pub(super) struct Terminal {
    pub(super) child: Child,
    pub(super) stdin: Option<ChildStdin>,
    /// The counter's own pid (the shell `script` ran `exec`s it).
    pub(super) pid: u32,
    pub(super) screen: Arc<Mutex<Vec<u8>>>,
    pub(super) name: String,
    /// Where the raw screen is saved when the test fails.
    pub(super) keep: PathBuf,
}

impl Terminal {
    /// Starts the counter with `config`; `hook` arms a test hook (`MOSTRADOR_TEST_PAUSE`).
    pub(super) fn start(scratch: &Scratch, config: &Path, hook: Option<&str>, name: &str) -> Self {
        let pid_file = scratch.dir.join(format!("{name}.pid"));
        let shell = format!("stty cols 100 rows 30 && echo $$ > '{}' && exec '{BIN}'", pid_file.display());
        let mut command = scratch.command("script");
        command
            .args(["-qefc", &shell, "/dev/null"])
            .env("MOSTRADOR_CONFIG", config)
            .env("MOSTRADOR_LOG", "mostrador=debug")
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(hook) = hook {
            command.env("MOSTRADOR_TEST_PAUSE", hook);
        }
        let mut child = command.spawn().expect("util-linux `script` runs (the test needs it for a terminal)");
        let screen = Arc::new(Mutex::new(Vec::new()));
        // Both streams are drained all along, so the program never blocks on a full pipe.
        let pipes: [Box<dyn Read + Send>; 2] =
            [Box::new(child.stdout.take().expect("stdout")), Box::new(child.stderr.take().expect("stderr"))];
        for mut pipe in pipes {
            let screen = Arc::clone(&screen);
            std::thread::spawn(move || {
                let mut buffer = [0_u8; 8192];
                while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                    screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(&buffer[..n]);
                }
            });
        }
        let stdin = child.stdin.take();
        let keep = scratch.dir.join(format!("{name}.screen"));
        let mut terminal = Self { child, stdin, pid: 0, screen, name: name.to_owned(), keep };
        let began = Instant::now();
        terminal.pid = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file).ok().and_then(|text| text.trim().parse().ok()) {
                break pid;
            }
            if began.elapsed() > STEP {
                panic!("the {name} counter did not start\n{}", terminal.tail());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        terminal
    }

    /// The screen bytes received so far: where to look for what a key brings.
    pub(super) fn mark(&self) -> usize {
        self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Types `keys`; returns the mark before them.
    pub(super) fn send(&mut self, keys: &str) -> usize {
        let mark = self.mark();
        let stdin = self.stdin.as_mut().expect("the terminal's input");
        stdin.write_all(keys.as_bytes()).and_then(|()| stdin.flush()).expect("keys reach the terminal");
        mark
    }

    /// What was drawn after `mark`, as text.
    pub(super) fn drawn_since(&self, mark: usize) -> String {
        let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        plain(&screen[mark.min(screen.len())..])
    }

    /// Waits until `text` is drawn after `mark`.
    pub(super) fn wait_for(&self, mark: usize, text: &str, limit: Duration) {
        let began = Instant::now();
        loop {
            if self.drawn_since(mark).contains(text) {
                return;
            }
            if began.elapsed() > limit {
                panic!("`{text}` not on the {} counter's screen after {limit:?}\n{}", self.name, self.tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL to the counter itself (checked to be `mostrador`, not `script` or a shell), then waits for it to
    /// be gone.
    pub(super) fn sigkill(&mut self) {
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", self.pid)).unwrap_or_default();
        assert_eq!(comm.trim(), "mostrador", "pid {} is not the counter\n{}", self.pid, self.tail());
        kill(self.pid);
        let status = self.wait_exit(STEP);
        assert!(!status.success(), "the killed counter exited cleanly: {status}");
        assert!(!Path::new(&format!("/proc/{}", self.pid)).exists(), "the counter survived its SIGKILL");
    }

    /// Waits for `script` to end (it ends when the counter does).
    pub(super) fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let began = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if began.elapsed() > limit {
                panic!("the {} counter did not exit within {limit:?}\n{}", self.name, self.tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The last of the screen, escape sequences removed, for failure messages.
    pub(super) fn tail(&self) -> String {
        let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // From an escape sequence's start, not from the middle of one.
        let last = &screen[screen.len().saturating_sub(8000)..];
        let text = plain(last.iter().position(|&byte| byte == 0x1b).map_or(last, |at| &last[at..]));
        // Blank cells and jumps make long runs of spaces; three are enough to see where one ends.
        let text = text.split("    ").filter(|part| !part.is_empty()).collect::<Vec<_>>().join("   ");
        let chars: Vec<char> = text.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(2000)..].iter().collect();
        format!("--- the {} counter's screen, last {} characters ---\n{tail}", self.name, tail.chars().count())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = std::fs::write(&self.keep, &*screen);
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            if self.pid != 0 {
                kill(self.pid);
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// SIGKILL to `pid`.
pub(super) fn kill(pid: u32) {
    let _ = Command::new("kill").args(["-s", "KILL", &pid.to_string()]).status();
}

/// Terminal output as text: escape sequences dropped, a cursor move (a jump to another cell) as one space. What a
/// screen draws in one run of cells stays together, which is what the tests look for.
pub(super) fn plain(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            if c >= ' ' || c == '\n' {
                out.push(c);
            }
            continue;
        }
        match chars.next() {
            // CSI: parameters, then one final byte.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        if c == 'H' {
                            out.push(' ');
                        }
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST.
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}
