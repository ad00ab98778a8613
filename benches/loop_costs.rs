//! What the counter's event loop costs the machine, measured on the real binary on a pseudo-terminal (util-linux
//! `script`, as `tests/crash` runs it), with the embedded sandbox, at 80x24:
//!
//! 1. **first frame**: from the `exec` of the binary to the first complete screen on the terminal (the hints
//!    line, ending in `ayuda`, is the last row drawn), median and spread of `MOSTRADOR_RUNS` starts (default 21, the
//!    first one, which creates the journal, not counted);
//! 2. **idle**: wake-ups of every thread of the process during `MOSTRADOR_IDLE_SECS` (default 60) on the empty
//!    counter, twice in a row (from 3 s after the first frame, when the start's connections are still open,
//!    then the next minute), from `/proc/<pid>/task/*/status` (each voluntary context switch is one sleep ended
//!    by a wake-up; involuntary ones are counted too);
//! 3. **typing**: one key every 250 ms into the code field (`AUTH-2026-000101`, typed by hand), with the bytes
//!    each key brings to the terminal, and under `strace` the `write`s to the terminal per key and the opens of
//!    `/dev/tty`;
//! 4. **OTP countdown**: system calls per second of the whole process while the OTP screen counts down
//!    (`strace -c -f` for 10 s) and its wake-ups per second from `/proc`;
//! 5. **root certificates**: whether the system's CA certificates are read at start (`strace -e trace=openat`).
//!
//! `strace` is optional: without it, the figures that need it say `n/a`. Nothing here is asserted; the figures
//! are printed for the README's Performance section. `MOSTRADOR_BIN` measures another build of the binary
//! (e.g. the one before a change). Run with `cargo bench --bench loop_costs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench: its setup unwraps, as `clippy.toml` lets tests

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one screen may take to appear before the harness gives up.
const PATIENCE: Duration = Duration::from_secs(20);

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not used.
    let binary = std::env::var("MOSTRADOR_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_mostrador").to_owned());
    let runs: usize = env_number("MOSTRADOR_RUNS", 21);
    let idle_secs: u64 = env_number("MOSTRADOR_IDLE_SECS", 60);
    let strace = Command::new("strace").arg("-V").output().is_ok_and(|out| out.status.success());
    let scratch = Scratch::new();
    println!("loop costs of {binary}");
    println!("  (strace {})", if strace { "available" } else { "missing: some figures are n/a" });

    first_frame(&binary, &scratch, runs);
    let mut counter = Pty::start(&binary, &scratch, None);
    counter.wait_for(0, "ayuda");
    std::thread::sleep(Duration::from_secs(3));
    idle(&counter, idle_secs, "from 3 s after the first frame");
    // Steady state: the connections of the start have been closed by their keep-alive timeouts by now.
    idle(&counter, idle_secs, "right after");
    typing(&mut counter, strace);
    countdown(&mut counter, strace);
    counter.quit();
    root_certificates(&binary, &scratch, strace);
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

fn first_frame(binary: &str, scratch: &Scratch, runs: usize) {
    let mut times = Vec::new();
    for run in 0..=runs {
        let counter = Pty::start(binary, scratch, None);
        let at = counter.wait_for(0, "ayuda");
        let exec = counter.exec_at();
        counter.quit();
        if run > 0 {
            times.push(at.duration_since(exec));
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "first frame: median {:.1} ms (min {:.1}, max {:.1}, {} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

fn idle(counter: &Pty, secs: u64, when: &str) {
    let before = switches(counter.pid);
    std::thread::sleep(Duration::from_secs(secs));
    let after = switches(counter.pid);
    println!(
        "idle {secs} s on the counter ({when}): {} wake-ups (voluntary switches), {} involuntary, {} threads",
        after.voluntary - before.voluntary,
        after.involuntary - before.involuntary,
        after.threads
    );
}

fn typing(counter: &mut Pty, strace: bool) {
    let trace = strace.then(|| Strace::attach(counter.pid, &["-e", "trace=write,writev,openat,open"], "typing"));
    let mut bytes = Vec::new();
    for c in "AUTH-2026-000101".chars() {
        let mark = counter.mark();
        counter.send(&c.to_string());
        std::thread::sleep(Duration::from_millis(250));
        bytes.push(counter.mark() - mark);
    }
    let keys = bytes.len();
    let total: usize = bytes.iter().sum();
    println!(
        "typed character: min {} bytes, max {}, avg {:.1} ({keys} keys: {bytes:?})",
        bytes.iter().min().unwrap_or(&0),
        bytes.iter().max().unwrap_or(&0),
        total as f64 / keys as f64
    );
    if let Some(trace) = trace {
        let text = trace.finish();
        let writes = text.lines().filter(|line| line.contains("write(1,") || line.contains("writev(1,")).count();
        let ttys = text.lines().filter(|line| line.contains("/dev/tty")).count();
        println!("  writes to the terminal: {writes} for {keys} keys; /dev/tty opened {ttys} times");
    } else {
        println!("  writes to the terminal: n/a; /dev/tty opens: n/a");
    }
    // Back to an empty field (Esc clears it).
    counter.send("\x1b");
    std::thread::sleep(Duration::from_millis(300));
}

fn countdown(counter: &mut Pty, strace: bool) {
    let mark = counter.send("AUTH-2026-000102\r");
    counter.wait_for(mark, "Vence");
    std::thread::sleep(Duration::from_secs(2));
    let secs = 10;
    let before = switches(counter.pid);
    std::thread::sleep(Duration::from_secs(secs));
    let after = switches(counter.pid);
    println!(
        "OTP countdown: {:.1} wake-ups per second (voluntary switches)",
        (after.voluntary - before.voluntary) as f64 / secs as f64
    );
    if strace {
        let trace = Strace::attach(counter.pid, &["-c"], "countdown");
        std::thread::sleep(Duration::from_secs(secs));
        let text = trace.finish();
        let total = text
            .lines()
            .find(|line| line.trim_end().ends_with("total"))
            .and_then(|line| line.split_whitespace().nth(3).and_then(|calls| calls.parse::<u64>().ok()))
            .unwrap_or(0);
        println!("  {:.1} system calls per second (strace -c -f, {secs} s)", total as f64 / secs as f64);
        for line in text.lines().filter(|line| line.contains('.') && !line.contains("total")) {
            println!("    {}", line.trim());
        }
    } else {
        println!("  system calls per second: n/a");
    }
    counter.send("\x1b");
    std::thread::sleep(Duration::from_millis(300));
    counter.send("\r");
}

fn root_certificates(binary: &str, scratch: &Scratch, strace: bool) {
    if !strace {
        println!("root certificates read at start: n/a");
        return;
    }
    let log = scratch.dir.join("start.strace");
    let counter = Pty::start(binary, scratch, Some(&log));
    counter.wait_for(0, "ayuda");
    counter.quit();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let certs = text
        .lines()
        .filter(|line| {
            line.contains("openat(") && (line.contains("/ssl/") || line.contains("/certs") || line.contains("/pki/"))
        })
        .count();
    println!("root certificates read at start: {certs} files opened under ssl/, certs/ or pki/");
}

/// The counter's threads' context switches.
struct Switches {
    voluntary: u64,
    involuntary: u64,
    threads: usize,
}

fn switches(pid: u32) -> Switches {
    let mut total = Switches { voluntary: 0, involuntary: 0, threads: 0 };
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return total };
    for task in tasks.flatten() {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        total.threads += 1;
        for line in status.lines() {
            let number = || line.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
            if line.starts_with("voluntary_ctxt_switches") {
                total.voluntary += number();
            } else if line.starts_with("nonvoluntary_ctxt_switches") {
                total.involuntary += number();
            }
        }
    }
    total
}

/// `strace` attached to every thread of a running process, until [`Strace::finish`].
struct Strace {
    child: Child,
    out: PathBuf,
}

impl Strace {
    fn attach(pid: u32, args: &[&str], name: &str) -> Self {
        let out = std::env::temp_dir().join(format!("mostrador-loop-costs-{}-{name}.strace", std::process::id()));
        let child = Command::new("strace")
            .args(["-f", "-qq", "-o"])
            .arg(&out)
            .args(args)
            .args(["-p", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("strace");
        // strace attaches to each thread in turn; give it time before measuring.
        std::thread::sleep(Duration::from_millis(500));
        Self { child, out }
    }

    fn finish(mut self) -> String {
        let _ = Command::new("kill").args(["-s", "INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        let _ = std::fs::remove_file(&self.out);
        text
    }
}

/// A private directory: configuration, data, home.
struct Scratch {
    dir: PathBuf,
    config: PathBuf,
}

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("mostrador-loop-costs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("scratch directory");
        let config = dir.join("config.toml");
        // The idle lock (120 s by default) is off: the two idle minutes would end under it, and the first key typed
        // after them would lift it instead of reaching the code field (with it on, the lock is one more wake-up).
        let text =
            format!("locale = \"es\"\n[counter]\ndata_dir = \"{}\"\nlock_after_secs = 0\n", dir.join("data").display());
        std::fs::write(&config, text).expect("configuration");
        Self { dir, config }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The counter on a pseudo-terminal; what it draws is kept with the time each piece arrived.
struct Pty {
    child: Child,
    stdin: ChildStdin,
    pid: u32,
    screen: Arc<Mutex<Screen>>,
}

#[derive(Default)]
struct Screen {
    bytes: Vec<u8>,
    /// (offset in `bytes` where a read ended, when it arrived)
    arrivals: Vec<(usize, Instant)>,
}

/// Printed by the shell right before it `exec`s the counter: the start of the clock for the first frame.
const EXEC_MARK: &str = "MOSTRADOR-EXEC";

impl Pty {
    fn start(binary: &str, scratch: &Scratch, strace_to: Option<&Path>) -> Self {
        let pid_file = scratch.dir.join("counter.pid");
        let _ = std::fs::remove_file(&pid_file);
        let program = match strace_to {
            Some(log) => format!("strace -f -qq -e trace=openat -o '{}' '{binary}'", log.display()),
            None => format!("'{binary}'"),
        };
        let shell = format!(
            "stty cols 80 rows 24 && echo $$ > '{}' && printf '{EXEC_MARK}\\n' && exec {program}",
            pid_file.display()
        );
        let home = scratch.dir.join("home");
        let mut child = Command::new("script")
            .args(["-qefc", &shell, "/dev/null"])
            .env("MOSTRADOR_CONFIG", &scratch.config)
            .env_remove("MOSTRADOR_LOG")
            .env_remove("MOSTRADOR_CLIENT_SECRET")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("util-linux `script`");
        let screen = Arc::new(Mutex::new(Screen::default()));
        let mut stdout = child.stdout.take().expect("stdout");
        let reader = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buffer = [0_u8; 65536];
            while let Ok(n @ 1..) = stdout.read(&mut buffer) {
                let now = Instant::now();
                let mut screen = reader.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                screen.bytes.extend_from_slice(&buffer[..n]);
                let end = screen.bytes.len();
                screen.arrivals.push((end, now));
            }
        });
        let stdin = child.stdin.take().expect("stdin");
        let began = Instant::now();
        let pid = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file).ok().and_then(|text| text.trim().parse().ok()) {
                break pid;
            }
            assert!(began.elapsed() < PATIENCE, "the counter did not start");
            std::thread::sleep(Duration::from_millis(1));
        };
        Self { child, stdin, pid, screen }
    }

    fn mark(&self) -> usize {
        self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).bytes.len()
    }

    fn send(&mut self, keys: &str) -> usize {
        let mark = self.mark();
        self.stdin.write_all(keys.as_bytes()).and_then(|()| self.stdin.flush()).expect("keys");
        mark
    }

    /// When the screen, after `mark`, first showed `text` (the arrival of the read that completed it).
    fn wait_for(&self, mark: usize, text: &str) -> Instant {
        let began = Instant::now();
        loop {
            {
                let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(at) = find(&screen.bytes[mark.min(screen.bytes.len())..], text.as_bytes()) {
                    let end = mark + at + text.len();
                    let arrival = screen.arrivals.iter().find(|(until, _)| *until >= end).map(|(_, at)| *at);
                    return arrival.expect("an arrival");
                }
            }
            if began.elapsed() > PATIENCE {
                let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let tail = String::from_utf8_lossy(&screen.bytes[screen.bytes.len().saturating_sub(3000)..]);
                panic!("`{text}` never appeared; the screen's last bytes:\n{tail:?}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// When the shell said it was about to `exec` the counter.
    fn exec_at(&self) -> Instant {
        self.wait_for(0, EXEC_MARK)
    }

    /// Ctrl-C (the counter is idle: it quits at once), then waits for the exit.
    fn quit(mut self) {
        let _ = self.stdin.write_all(b"\x03");
        let _ = self.stdin.flush();
        let began = Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) {
            if began.elapsed() > PATIENCE {
                let _ = Command::new("kill").args(["-s", "KILL", &self.pid.to_string()]).status();
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.wait();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}
