//! `mostrador`: parses the command line, sets up logging and runs the chosen command. Fatal errors are
//! printed to stderr with a non-zero exit, made inert first (they may quote a server or a file: see
//! [`mostrador::inert`]). A panic is written to the log as well as to the terminal.

mod clerks_cli;
mod receive;
mod serve;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use mostrador::inert;
use mostrador::sandbox::{FaultRule, Profile, limits};

#[derive(Parser)]
#[command(name = "mostrador", version, about = "Pharmacy counter for Osigu e-prescriptions and authorizations")]
struct Cli {
    /// Configuration file (TOML); also MOSTRADOR_CONFIG.
    #[arg(long, global = true, value_name = "FILE", env = "MOSTRADOR_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check this terminal's connection to Osigu: credentials, clock, sponsors and their configuration.
    Check,
    /// The clerks who sign in at the counter (with none, the counter opens without a sign-in).
    Clerks {
        #[command(subcommand)]
        command: clerks_cli::ClerksCommand,
    },
    /// This terminal's journal of dispensations.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// The embedded Osigu sandbox.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// The settlement batches with the insurers (radicación), for supervisors: the counter opened on the screen
    /// Ctrl-L opens.
    Settlements,
    /// The receiver of Osigu's webhooks, for the pharmacy's server.
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
    },
}

#[derive(Subcommand)]
enum WebhooksCommand {
    /// Receive Osigu's signed webhooks on POST /osigu: voided authorizations for the counters, settlement batches'
    /// states; kept in the journal once each. Configured by `[webhooks]` and MOSTRADOR_WEBHOOK_SECRETS.
    Serve {
        /// Address to listen on [default: `[webhooks] addr`, else 127.0.0.1:9000].
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
}

#[derive(Subcommand)]
enum JournalCommand {
    /// Print the dispensations as CSV (header row, one row per dispensation, invoice number and serial included),
    /// times in local time.
    Export(ExportArgs),
    /// Keep a damaged journal aside (renamed, never deleted) so the counter can start a new one. Every counter
    /// on this data directory must be closed first.
    SetAside,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// CSV output: the only format, and the default (accepted so that older scripts keep working).
    #[arg(long)]
    csv: bool,
    /// First day (YYYY-MM-DD, local), inclusive.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<time::Date>,
    /// Last day (YYYY-MM-DD, local), inclusive.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<time::Date>,
}

fn parse_date(text: &str) -> Result<time::Date, String> {
    time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("`{text}` is not a date like 2026-11-21"))
}

/// Prints `error` on stderr as one inert line after `prefix` (e.g. `mostrador`, `mostrador check`).
fn fatal(prefix: &str, error: impl std::fmt::Display) {
    eprintln!("{prefix}: {}", inert::line(&error.to_string()));
}

/// `mostrador journal export [--csv]`: the journal's dispensations on stdout. The journal is only read: this
/// works with read access alone, and beside a running counter. A range that ends before it begins is the caller's
/// mistake (exit 2), said before anything is read: it would only ever export nothing.
fn export(config: &mostrador::config::Config, args: &ExportArgs, offset: time::UtcOffset) -> ExitCode {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && to < from
    {
        fatal("mostrador", format!("--to {to} is before --from {from}: the last day cannot come before the first"));
        return ExitCode::from(2);
    }
    let data_dir = match config.data_dir() {
        Ok(dir) => dir,
        Err(error) => {
            fatal("mostrador", error);
            return ExitCode::from(2);
        }
    };
    let place = mostrador::journal::Place::new(mostrador::runtime::terminal_name(), "export");
    let journal = match mostrador::journal::Journal::open_read_only(&data_dir, &place) {
        Ok(journal) => journal,
        Err(error) => {
            fatal("mostrador", error);
            return ExitCode::FAILURE;
        }
    };
    // Local days, as the pharmacy counts them, turned into the journal's UTC moments.
    let start_of = |date: time::Date| date.midnight().assume_offset(offset);
    let from = args.from.map(start_of);
    let to = args.to.and_then(|date| date.next_day()).map(start_of);
    let written = journal.dispensations(from, to).map_err(|error| error.to_string()).and_then(|entries| {
        mostrador::journal::write_csv(&entries, offset, std::io::stdout().lock()).map_err(|error| error.to_string())
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            fatal("mostrador", error);
            ExitCode::FAILURE
        }
    }
}

/// `mostrador journal set-aside`: the journal renamed beside itself, once no counter holds a till on it.
fn set_aside(config: &mostrador::config::Config) -> ExitCode {
    let data_dir = match config.data_dir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("mostrador: {error}");
            return ExitCode::from(2);
        }
    };
    match mostrador::runtime::till::held(&data_dir) {
        Ok(held) if held.is_empty() => {}
        Ok(held) => {
            eprintln!(
                "mostrador: close every counter on {} first (open tills: {}); nothing was changed",
                data_dir.display(),
                held.join(", ")
            );
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("mostrador: the tills of {} cannot be read: {error}; nothing was changed", data_dir.display());
            return ExitCode::FAILURE;
        }
    }
    match mostrador::journal::set_aside(&data_dir, time::OffsetDateTime::now_utc()) {
        Ok(kept) => {
            println!(
                "The journal was kept as {}.\nThe next start begins a new journal. Dispensations left unfinished in the \
                 old one are not recovered automatically: the server cancels a STARTED one after 30 minutes; give the \
                 kept file to support.",
                kept.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mostrador: the journal could not be set aside: {error}; nothing was deleted");
            ExitCode::FAILURE
        }
    }
}

#[derive(Subcommand)]
enum SandboxCommand {
    /// Run the sandbox as a standalone server, printing each OTP it sends.
    Serve(Box<ServeArgs>),
}

/// Flags of `sandbox serve`; each overrides the `[sandbox]` section of the configuration.
#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// demo, or faithful (adds 50 calls a minute per client) [default: demo].
    #[arg(long)]
    pub profile: Option<Profile>,
    /// Inject a fault, ROUTE:KIND=VALUE (repeatable), e.g. complete:commit-then-drop=0.2.
    #[arg(long = "fault", value_name = "ROUTE:KIND=VALUE")]
    pub faults: Vec<FaultRule>,
    /// Seed of the fault generator: the same seed fails the same requests [default: 0].
    #[arg(long)]
    pub fault_seed: Option<u64>,
    /// POST every signed webhook event to this URL (https, or http to a loopback host).
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// Webhook signing secret (repeat during a rotation); signs subscriptions made through the API too.
    #[arg(long = "webhook-secret", value_name = "SECRET")]
    pub webhook_secrets: Vec<String>,
    /// Seconds of sandbox time before a sponsor answers a submitted settlement batch, 1 to 2592000 [default: 7200].
    #[arg(long, value_name = "SECS", value_parser = |text: &str| in_range(text, &limits::SETTLEMENT_DECISION_SECS, "s"))]
    pub settlement_decision_secs: Option<u64>,
    /// Seconds of sandbox time before an ASYNC sponsor answers a completed pre-authorization, 1 to 604800 [default: 30].
    #[arg(long, value_name = "SECS", value_parser = |text: &str| in_range(text, &limits::AUTHORIZATION_DECISION_SECS, "s"))]
    pub authorization_decision_secs: Option<u64>,
    /// Seconds after its token before a POSOS scan imports by itself, 0 to 600; 0 never [default: 8].
    #[arg(long, value_name = "SECS", value_parser = |text: &str| in_range(text, &limits::POSOS_AUTO_IMPORT_SECS, "s"))]
    pub posos_auto_import_secs: Option<u64>,
    /// Address phones are sent to for facial checks, e.g. http://store-server.lan:8080.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Seconds before a facial challenge approves itself, 0 to 299; 0 never [default: 8].
    #[arg(long, value_name = "SECS", value_parser = |text: &str| in_range(text, &limits::REMOTE_AUTO_APPROVE_SECS, "s"))]
    pub remote_auto_approve_secs: Option<u64>,
    /// Seconds before a STARTED dispensation is cancelled, 1 to 604800 [default: 1800].
    #[arg(long, value_name = "SECS", value_parser = |text: &str| in_range(text, &limits::DISPENSATION_TIMEOUT_SECS, "s"))]
    pub dispensation_timeout_secs: Option<u64>,
    /// MiB of replies kept for Idempotency-Key retries, oldest forgotten first, 1 to 1024 [default: 32].
    #[arg(long, value_name = "MIB", value_parser = |text: &str| in_range(text, &limits::IDEMPOTENCY_STORE_MIB, "MiB"))]
    pub idempotency_store_mib: Option<u64>,
    /// Seed for ids and tokens (reproducible runs).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// A whole number within an option's range, or the message clap prints (exit 2) naming the flag and the range.
fn in_range(text: &str, range: &std::ops::RangeInclusive<u64>, unit: &str) -> Result<u64, String> {
    let expected = || format!("expected a whole number from {} to {} {unit}", range.start(), range.end());
    text.trim().parse::<u64>().ok().filter(|value| range.contains(value)).ok_or_else(expected)
}

/// A tokio runtime for one command, or the exit after saying why there is none.
fn runtime(command: &str) -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|error| {
        fatal(command, format!("cannot start the async runtime: {error}"));
        ExitCode::FAILURE
    })
}

/// `mostrador check`: the report on stdout, the cause of a failure as one line on stderr, the exit code of its
/// kind (see `mostrador::check`).
fn check(config: &mostrador::config::Config) -> ExitCode {
    // The client logs each retry; the failure line must stay the only thing on stderr unless logs are asked for.
    if std::env::var_os(mostrador::logging::FILTER_ENV).is_some() {
        mostrador::logging::to_stderr();
    }
    let runtime = match runtime("mostrador check") {
        Ok(runtime) => runtime,
        Err(exit) => return exit,
    };
    let stdout = std::io::stdout();
    let options = mostrador::check::Options { colour: stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none() };
    match runtime.block_on(mostrador::check::run(config, &mut stdout.lock(), options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            fatal("mostrador check", &failure);
            ExitCode::from(failure.exit_code)
        }
    }
}

/// `mostrador` with no command: the counter, on the embedded sandbox unless configured otherwise (on the
/// settlements screen for `mostrador settlements`). Its logs go
/// to `mostrador.log` in the data directory (the terminal belongs to the screen); a log file that cannot be
/// opened leaves the counter without logs, never without its screen. `warnings` about the configuration are
/// logged and shown on the counter's first screen: stderr is hidden by the screen the moment it opens.
fn counter(
    config: &mostrador::config::Config,
    warnings: &[mostrador::config::ConfigWarning],
    offset: time::UtcOffset,
    settlements: bool,
) -> ExitCode {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "mostrador: la pantalla del mostrador necesita una terminal / the counter screen needs a terminal \
             (for scripts: mostrador check, mostrador sandbox serve)"
        );
        return ExitCode::from(2);
    }
    match config.data_dir() {
        Ok(dir) => {
            if let Err(error) = mostrador::logging::to_file(&dir) {
                fatal("mostrador: warning", format!("no log: {} cannot be written: {error}", dir.display()));
            }
        }
        Err(error) => {
            fatal("mostrador", error);
            return ExitCode::from(2);
        }
    }
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    // One thread for the counter's loop, its calls and the embedded sandbox: all of it is light, and waking one
    // thread per timer or event instead of handing work between threads is what lets an idle counter sleep.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            fatal("mostrador", format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(mostrador::runtime::run_counter_on(config, warnings, offset, settlements));
    // Requests still in flight (a cancel the grace period gave up on) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "the counter stopped");
            let advice = advice(&error, config.locale);
            fatal("mostrador", error);
            if let Some(advice) = advice {
                eprintln!("{advice}");
            }
            ExitCode::FAILURE
        }
    }
}

/// What the clerk (or IT) should do about a counter that could not open, in the clerk's language.
fn advice(error: &mostrador::runtime::RunError, locale: mostrador::i18n::Locale) -> Option<String> {
    use mostrador::journal::JournalError;
    use mostrador::runtime::RunError;
    let key = match error {
        RunError::Journal(JournalError::Damaged { .. }) => "journal.damaged_at_start",
        RunError::Journal(_) => "journal.unusable_at_start",
        RunError::Till(mostrador::runtime::till::TillError::Busy { .. }) => "journal.till_busy",
        RunError::Till(_) => "journal.no_till",
        _ => return None,
    };
    Some(mostrador::i18n::text(locale, key).to_owned())
}

fn main() -> ExitCode {
    // Read while the process has one thread: the offset cannot be read safely once threads run.
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    mostrador::terminal::install_panic_hook();
    let cli = Cli::parse();
    let (config, warnings, config_path) = match mostrador::config::Config::load(cli.config.as_deref()) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                fatal("mostrador: warning", warning);
            }
            (loaded.config, loaded.warnings, loaded.path)
        }
        Err(error) => {
            fatal("mostrador", error);
            return ExitCode::from(2);
        }
    };
    match cli.command {
        None => counter(&config, &warnings, offset, false),
        Some(Command::Settlements) => counter(&config, &warnings, offset, true),
        Some(Command::Check) => check(&config),
        Some(Command::Clerks { command }) => clerks_cli::run(&config, command),
        Some(Command::Journal { command: JournalCommand::Export(args) }) => export(&config, &args, offset),
        Some(Command::Journal { command: JournalCommand::SetAside }) => set_aside(&config),
        Some(Command::Sandbox { command: SandboxCommand::Serve(args) }) => {
            mostrador::logging::to_stderr();
            let runtime = match runtime("mostrador sandbox serve") {
                Ok(runtime) => runtime,
                Err(exit) => return exit,
            };
            match runtime.block_on(serve::run(*args, config.sandbox)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    fatal("mostrador", &error);
                    // A bad option is the caller's to fix, as a bad configuration file is (exit 2).
                    if error.is_configuration() { ExitCode::from(2) } else { ExitCode::FAILURE }
                }
            }
        }
        Some(Command::Webhooks { command: WebhooksCommand::Serve { addr } }) => {
            mostrador::logging::to_stderr();
            let runtime = match runtime("mostrador webhooks serve") {
                Ok(runtime) => runtime,
                Err(exit) => return exit,
            };
            match runtime.block_on(receive::run(addr, &config, config_path.as_deref())) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    fatal("mostrador webhooks serve", &error);
                    if error.is_configuration() { ExitCode::from(2) } else { ExitCode::FAILURE }
                }
            }
        }
    }
}
