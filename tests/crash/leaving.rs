//! Leaving mid-completion and sharing a store server (issue 10), with the real binary on a pseudo-terminal:
//! - SIGTERM or Ctrl-C while a completion is in flight: the counter says it is confirming, keeps going, and exits
//!   once the server has answered; a completion that will not answer within the signal's bound is left FINALIZING
//!   for the next start, which settles it;
//! - two counters on one data directory hold two tills; the second's recovery never touches the first's live
//!   dispensation, their invoice numbers differ, and a third asking for a held till is refused.

use super::*;

/// `kill -s SIGNAL pid`.
fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill").args(["-s", name, &pid.to_string()]).status();
}

/// A counter on a standalone sandbox whose `complete` answers after `latency_ms`, with `code` sent to finalize:
/// returns once the completion is on its way.
fn finalizing(name: &str, code: &str, latency_ms: u64) -> (Scratch, SandboxProcess, Server, PathBuf, Terminal) {
    let scratch = Scratch::new(name);
    let sandbox = SandboxProcess::start(&scratch, &[format!("complete:latency-ms={latency_ms}")]);
    let server = Server::new(&sandbox.base_url);
    let config = scratch.config(&sandbox.base_url);
    let mut counter = Terminal::start(&scratch, &config, None, "first");
    counter.wait_for(0, "Escanee el código", STEP);
    let mark = counter.send(&format!("{code}{ENTER}"));
    counter.wait_for(mark, "Líneas a despachar", STEP);
    let mark = counter.send(F10);
    counter.wait_for(mark, "F001-000001", STEP);
    let mark = counter.send(ENTER);
    counter.wait_for(mark, "Finalizando con Osigu", STEP);
    scratch.wait_for_log(r#"call="complete""#, STEP, &counter);
    (scratch, sandbox, server, config, counter)
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn sigterm_while_a_completion_is_in_flight_waits_for_its_answer_then_exits() {
    let (scratch, _sandbox, server, _config, mut counter) = finalizing("sigterm", "RX-2026-000001", 2500);
    signal(counter.pid, "TERM");
    std::thread::sleep(Duration::from_millis(800));
    assert!(alive(counter.pid), "exited with the completion in flight\n{}", counter.tail());
    let status = counter.wait_exit(STEP);
    assert!(status.success(), "{status}\n{}", counter.tail());
    server.exactly_one_completion("RX-2026-000001");
    let entry = scratch.journal_entry("RX-2026-000001").expect("on record");
    assert_eq!(entry.status, "COMPLETED", "the outcome was learned and recorded before the exit");
}

#[test]
fn ctrl_c_while_a_completion_is_in_flight_says_so_and_exits_once_it_is_known() {
    let (scratch, _sandbox, server, _config, mut counter) = finalizing("ctrl-c", "RX-2026-000001", 2500);
    let mark = counter.send(CTRL_C);
    counter.wait_for(mark, "Confirmando con Osigu antes de cerrar", STEP);
    let status = counter.wait_exit(STEP);
    assert!(status.success(), "{status}\n{}", counter.tail());
    server.exactly_one_completion("RX-2026-000001");
    assert_eq!(scratch.journal_entry("RX-2026-000001").expect("on record").status, "COMPLETED");
}

#[test]
fn a_completion_that_outlasts_a_signals_bound_is_left_for_the_next_start_which_settles_it() {
    // 12 s: past the signal's 8 s bound, within the 20 s recovery gives the resumed completion.
    let (scratch, _sandbox, server, config, mut counter) = finalizing("sigterm-bound", "RX-2026-000001", 12_000);
    let began = Instant::now();
    signal(counter.pid, "TERM");
    let status = counter.wait_exit(STEP);
    let waited = began.elapsed();
    assert!(status.success(), "{status}\n{}", counter.tail());
    assert!(waited >= Duration::from_secs(7), "it gave up after {waited:?}, before its bound");
    let left = scratch.journal_entry("RX-2026-000001").expect("on record");
    assert_eq!(left.status, "FINALIZING", "left for the next start");
    // The next start confirms it with the server: the dead run's request went with its connection, so the same
    // completion is sent again with its key.
    let mut restarted = Terminal::start(&scratch, &config, None, "restart");
    restarted.wait_for(0, "Recuperado al iniciar", RECOVERY);
    restarted.send(CTRL_C);
    assert!(restarted.wait_exit(STEP).success());
    server.exactly_one_completion("RX-2026-000001");
    assert_eq!(scratch.journal_entry("RX-2026-000001").expect("on record").status, "COMPLETED");
}

#[test]
fn two_counters_on_one_data_directory_hold_two_tills_and_leave_each_other_alone() {
    let scratch = Scratch::new("two-tills");
    let sandbox = SandboxProcess::start(&scratch, &[]);
    let server = Server::new(&sandbox.base_url);
    let config = scratch.config(&sandbox.base_url);
    let mut first = Terminal::start(&scratch, &config, None, "first");
    first.wait_for(0, "caja-1", STEP);
    let mark = first.send(&format!("AUTH-2026-000101{ENTER}"));
    first.wait_for(mark, "Líneas a despachar", STEP);
    let live = scratch.wait_for_journal("AUTH-2026-000101", "STARTED", STEP, &first);

    // The second opens on the same data directory while the first's dispensation is live.
    let mut second = Terminal::start(&scratch, &config, None, "second");
    second.wait_for(0, "caja-2", STEP);
    second.wait_for(0, "Escanee el código", STEP);
    let held = server.dispensation(&Id::new(live.dispensation_id.clone()));
    assert_eq!(held.status, DispensationStatus::Started, "the second counter's recovery cancelled the first's");
    assert!(!second.drawn_since(0).contains("Recuperado al iniciar"), "{}", second.tail());

    // A third asking for a till that is held is refused, saying why.
    let busy = scratch.dir.join("busy.toml");
    let text = std::fs::read_to_string(&config).unwrap() + "till = \"caja-1\"\n";
    std::fs::write(&busy, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&busy, std::fs::Permissions::from_mode(0o600)).unwrap();
    let third = scratch.command(BIN).env("MOSTRADOR_CONFIG", &busy).arg("check").output().unwrap();
    assert!(third.status.success(), "check still works beside open tills");
    let mut refused = Terminal::start(&scratch, &busy, None, "third");
    refused.wait_for(0, "ya está abierta en otro mostrador", STEP);
    assert!(!refused.wait_exit(STEP).success());

    // Both finalize: two numbers, never the same.
    let mark = second.send(&format!("RX-2026-000001{ENTER}"));
    second.wait_for(mark, "Líneas a despachar", STEP);
    let (a, b) = (first.send(F10), second.send(F10));
    first.wait_for(a, "F001-00000", STEP);
    second.wait_for(b, "F001-00000", STEP);
    let (a, b) = (first.send(ENTER), second.send(ENTER));
    first.wait_for(a, "Despacho completado", STEP);
    second.wait_for(b, "Despacho completado", STEP);
    for counter in [&mut first, &mut second] {
        counter.send(CTRL_C);
        assert!(counter.wait_exit(STEP).success());
    }
    let rows = scratch.export(&config);
    let mut numbers: Vec<&str> = rows.iter().map(|row| row.invoice_number.as_str()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, ["F001-000001", "F001-000002"], "{rows:?}");
    let mut tills: Vec<&str> = rows.iter().map(|row| row.till.as_str()).collect();
    tills.sort_unstable();
    assert_eq!(tills, ["caja-1", "caja-2"]);
}
