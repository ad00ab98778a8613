//! `mostrador clerks`: who may sign in at the counter. `add` and `reset-pin` read the PIN twice, without echo
//! from the terminal, or one line each from standard input when it is not a terminal (scripts, provisioning);
//! `list` prints the clerks (never a PIN or its hash); `disable` keeps a clerk from signing in again. Every change
//! is kept in the journal's clerks' audit. Exit 2 for what the caller must fix (an id, a name, a PIN), 1 when the
//! journal refuses (a taken or unknown id, a journal that cannot be written).

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use mostrador::clerks::{BadPin, Pin, Role, check_name, normalize_id};
use mostrador::inert;
use mostrador::journal::{Journal, Place};

#[derive(Subcommand)]
pub(crate) enum ClerksCommand {
    /// Add a clerk who may sign in at the counter; the PIN (4 to 12 digits) is asked for twice.
    Add {
        /// The id typed at the sign-in: letters without accents, digits, `-`, `_` or `.` (kept in lower case).
        id: String,
        /// The clerk's name, as receipts and the history show it.
        #[arg(long)]
        name: String,
        /// A supervisor may also unlock a counter another clerk left locked.
        #[arg(long, value_enum, default_value_t = RoleArg::Clerk)]
        role: RoleArg,
    },
    /// List the clerks: id, name, role, and whether each may sign in.
    List,
    /// Keep a clerk from signing in (kept in the journal, with what they did).
    Disable { id: String },
    /// Give a clerk a new PIN (asked for twice); it also lifts a lockout.
    ResetPin { id: String },
}

/// `--role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum RoleArg {
    Clerk,
    Supervisor,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Clerk => Role::Clerk,
            RoleArg::Supervisor => Role::Supervisor,
        }
    }
}

/// Why a `clerks` command failed, and its exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// The caller's mistake (exit 2).
    fn usage(message: impl std::fmt::Display) -> Self {
        Self { message: message.to_string(), code: 2 }
    }

    /// The journal refused or failed (exit 1).
    fn journal(error: impl std::fmt::Display) -> Self {
        Self { message: error.to_string(), code: 1 }
    }
}

/// Runs one `clerks` command on the journal of `config`'s data directory.
pub(crate) fn run(config: &mostrador::config::Config, command: ClerksCommand) -> ExitCode {
    match run_command(config, command) {
        Ok(said) => {
            for line in said.lines() {
                println!("{}", inert::line(line));
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("mostrador clerks: {}", inert::line(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

fn run_command(config: &mostrador::config::Config, command: ClerksCommand) -> Result<String, Failure> {
    let now = time::OffsetDateTime::now_utc();
    // What the caller typed is checked before the journal is opened (nothing is created for a typo).
    let id = match &command {
        ClerksCommand::Add { id, .. } | ClerksCommand::Disable { id } | ClerksCommand::ResetPin { id } => {
            Some(normalize_id(id).map_err(Failure::usage)?)
        }
        ClerksCommand::List => None,
    };
    if let ClerksCommand::Add { name, .. } = &command {
        check_name(name).map_err(Failure::usage)?;
    }
    let data_dir = config.data_dir().map_err(Failure::usage)?;
    let place = Place::new(mostrador::runtime::terminal_name(), "cli");
    let journal = Journal::in_dir(&data_dir, &place).map_err(Failure::journal)?;
    let id = id.unwrap_or_default();
    match command {
        ClerksCommand::Add { name, role, .. } => {
            let hash = read_pin()?.hash().map_err(Failure::journal)?;
            let role = Role::from(role);
            journal.add_clerk(now, &id, &name, role, &hash).map_err(Failure::journal)?;
            Ok(format!("Clerk `{id}` ({name}, {}) added: they sign in at the counter with their PIN.", role.name()))
        }
        ClerksCommand::List => list(&journal, now),
        ClerksCommand::Disable { .. } => {
            journal.set_clerk_enabled(now, &id, false).map_err(Failure::journal)?;
            Ok(format!("Clerk `{id}` disabled: they can no longer sign in (their records stay in the journal)."))
        }
        ClerksCommand::ResetPin { .. } => {
            // The id is checked before the PIN is asked for: nobody types a PIN twice for a typo.
            if !journal.clerks(now).map_err(Failure::journal)?.iter().any(|clerk| clerk.id == id) {
                return Err(Failure::journal(mostrador::journal::JournalError::UnknownClerk { id }));
            }
            let hash = read_pin()?.hash().map_err(Failure::journal)?;
            journal.reset_pin(now, &id, &hash).map_err(Failure::journal)?;
            Ok(format!("Clerk `{id}` has a new PIN (any lockout is lifted)."))
        }
    }
}

/// `id  name  role  state`, one clerk a line, under a header.
fn list(journal: &Journal, now: time::OffsetDateTime) -> Result<String, Failure> {
    let clerks = journal.clerks(now).map_err(Failure::journal)?;
    if clerks.is_empty() {
        return Ok("No clerks: the counter opens without a sign-in (add one with `mostrador clerks add`).".to_owned());
    }
    let mut lines = vec![format!("{:<16} {:<30} {:<10} {}", "ID", "NAME", "ROLE", "STATE")];
    for clerk in clerks {
        let state = match (clerk.enabled, clerk.locked_until) {
            (false, _) => "disabled".to_owned(),
            (true, Some(until)) => format!(
                "locked out until {}",
                until.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
            ),
            (true, None) => "enabled".to_owned(),
        };
        let name = inert::line(&clerk.name);
        lines.push(format!("{:<16} {:<30} {:<10} {state}", clerk.id, name, clerk.role.name()));
    }
    Ok(lines.join("\n"))
}

/// The PIN, typed twice: without echo on a terminal, else one line each from standard input.
fn read_pin() -> Result<Pin, Failure> {
    let (first, second) = if std::io::stdin().is_terminal() {
        let ask = |prompt: &str| rpassword::prompt_password(prompt).map_err(Failure::journal);
        (ask("PIN (4 to 12 digits): ")?, ask("The same PIN again: ")?)
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = || match lines.next() {
            Some(Ok(line)) => Ok(line),
            Some(Err(error)) => Err(Failure::usage(format!("the PIN could not be read: {error}"))),
            None => Err(Failure::usage("expected the PIN on two lines of standard input")),
        };
        (next()?, next()?)
    };
    let pin = Pin::new(&first).map_err(Failure::usage)?;
    if Pin::new(&second).ok().as_ref() != Some(&pin) {
        return Err(Failure::usage(BadPin::Mismatch));
    }
    Ok(pin)
}
