//! Named clerks: who may sign in at the counter, with what PIN, and what a clerk's id, role and PIN may be. This
//! module owns the rules (an id's characters, a PIN's 4 to 12 digits, 5 wrong PINs lock a clerk for 5 minutes) and
//! the hashing: PINs are kept only as Argon2id hashes in PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`), with the
//! `argon2` crate's default parameters and a random salt each. Where clerks are kept is the journal's
//! (`journal::clerks`); the counter asks it through an effect, since a hash costs tens of milliseconds of CPU.
//!
//! A PIN never reaches a log or a `Debug` print: [`Pin`] writes itself as `Pin(…)`.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Wrong PINs in a row that lock a clerk.
pub const MAX_FAILURES: u32 = 5;

/// How long a clerk stays locked after [`MAX_FAILURES`] wrong PINs.
pub const LOCKOUT: time::Duration = time::Duration::minutes(5);

/// The longest clerk id, in characters.
pub const MAX_ID_CHARS: usize = 32;

/// The longest clerk name, in characters (a name is shown on the status bar, in the history and on receipts).
pub const MAX_NAME_CHARS: usize = 60;

/// A PIN's length, in digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=12;

/// What a clerk may do beyond dispensing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Clerk,
    /// May also unlock a counter another clerk left locked (audited).
    Supervisor,
}

impl Role {
    /// As stored and as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Clerk => "clerk",
            Self::Supervisor => "supervisor",
        }
    }

    /// The role stored as `text`; anything else is an ordinary clerk (never more rights than written).
    pub fn from_name(text: &str) -> Self {
        if text == "supervisor" { Self::Supervisor } else { Self::Clerk }
    }
}

/// A clerk as the counter knows the one signed in: never their PIN or its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clerk {
    pub id: String,
    /// As given to `clerks add`: outside text, made inert wherever it is shown or printed.
    pub name: String,
    pub role: Role,
}

/// What a PIN is checked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinFor {
    /// Signing in at the counter.
    SignIn,
    /// Unlocking a counter locked while clerk `of` was signed in: `of` themself, or a supervisor.
    Unlock { of: String },
}

/// What became of a PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinVerdict {
    /// The right PIN: the clerk (for an unlock by a supervisor, the supervisor).
    Accepted(Clerk),
    /// A wrong PIN; `left` more wrong ones lock the clerk.
    Wrong { left: u32 },
    /// This wrong PIN was the last allowed: the clerk is locked out until `until`.
    LockedOut { until: time::OffsetDateTime },
    /// The clerk was locked out already (the PIN was not even looked at).
    Locked { until: time::OffsetDateTime },
    /// No clerk has this id.
    Unknown,
    /// The clerk is disabled (`clerks disable`).
    Disabled,
    /// Another clerk, not a supervisor, tried to unlock a counter they are not signed in to.
    NotAllowed,
}

/// Why a clerk id cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a clerk id is 1 to {MAX_ID_CHARS} letters (a-z, without accents), digits, `-`, `_` or `.`, found {found:?}")]
pub struct BadId {
    pub found: String,
}

/// A clerk id as kept: lower case, so `MLopez` and `mlopez` are one clerk; 1 to [`MAX_ID_CHARS`] ASCII letters,
/// digits, `-`, `_` or `.` (an id is typed at the counter and on the command line, and printed on receipts).
pub fn normalize_id(text: &str) -> Result<String, BadId> {
    let id = text.trim().to_ascii_lowercase();
    let valid = !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid { Ok(id) } else { Err(BadId { found: text.to_owned() }) }
}

/// Why a PIN cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadPin {
    #[error("a PIN is 4 to 12 digits (0-9), nothing else")]
    Format,
    #[error("the two PINs typed differ")]
    Mismatch,
}

/// A PIN as typed: 4 to 12 ASCII digits. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

impl Pin {
    /// `text` as a PIN, when it is 4 to 12 digits (a line's end is not part of it).
    pub fn new(text: &str) -> Result<Self, BadPin> {
        let text = text.trim_end_matches(['\r', '\n']);
        let valid = PIN_DIGITS.contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit());
        if valid { Ok(Self(text.to_owned())) } else { Err(BadPin::Format) }
    }

    /// The PIN's hash as a PHC string (Argon2id, default parameters, a fresh random salt).
    pub fn hash(&self) -> Result<String, HashError> {
        Argon2::default()
            .hash_password(self.0.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| HashError(error.to_string()))
    }

    /// Whether this PIN is the one `phc` was made from. A hash that cannot be read (a damaged row, another
    /// algorithm) matches nothing.
    pub fn matches(&self, phc: &str) -> bool {
        // Only Argon2id is ever written: any other algorithm in the row was not put there by Mostrador.
        phc.starts_with("$argon2id$") && Argon2::default().verify_password(self.0.as_bytes(), phc).is_ok()
    }
}

/// A PIN could not be hashed (the system's random generator failed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the PIN could not be hashed: {0}")]
pub struct HashError(String);

/// What a clerk's name may be: 1 to [`MAX_NAME_CHARS`] characters, not only spaces. Otherwise it is kept as given
/// (accents, any script, even characters a terminal would act on): a name is outside text, and every place that
/// shows or prints one makes it inert there ([`crate::inert`]).
pub fn check_name(name: &str) -> Result<&str, String> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("a clerk's name is 1 to {MAX_NAME_CHARS} characters"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_case_and_of_few_characters() {
        assert_eq!(normalize_id(" MLopez ").as_deref(), Ok("mlopez"));
        assert_eq!(normalize_id("ana.maria_2-b").as_deref(), Ok("ana.maria_2-b"));
        assert!(normalize_id("").is_err());
        assert!(normalize_id("josé").is_err(), "accents are not typed the same everywhere");
        assert!(normalize_id("a b").is_err());
        assert!(normalize_id(&"a".repeat(33)).is_err());
    }

    #[test]
    fn a_pin_is_4_to_12_digits_and_never_printed() {
        assert!(Pin::new("1234").is_ok());
        assert!(Pin::new("123456789012\n").is_ok());
        assert_eq!(Pin::new("123"), Err(BadPin::Format));
        assert_eq!(Pin::new("1234567890123"), Err(BadPin::Format));
        assert_eq!(Pin::new("12a4"), Err(BadPin::Format));
        assert_eq!(Pin::new("١٢٣٤"), Err(BadPin::Format), "only ASCII digits");
        assert_eq!(format!("{:?}", Pin::new("4821").unwrap()), "Pin(…)");
    }

    #[test]
    fn a_pin_matches_its_argon2id_hash_only() {
        let pin = Pin::new("4821").unwrap();
        let hash = pin.hash().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(!hash.contains("4821"));
        assert!(pin.matches(&hash));
        assert!(!Pin::new("4822").unwrap().matches(&hash));
        assert_ne!(pin.hash().unwrap(), hash, "a fresh salt each time");
        assert!(!pin.matches("not a hash"));
        assert!(!pin.matches(&hash.replace("argon2id", "argon2d")));
    }

    #[test]
    fn names_are_kept_as_given_within_a_length() {
        assert_eq!(check_name("María José López"), Ok("María José López"));
        assert_eq!(check_name("Ana\u{1b}[31m"), Ok("Ana\u{1b}[31m"), "kept as given, shown inert");
        assert!(check_name("").is_err());
        assert!(check_name("   ").is_err());
        assert!(check_name(&"a".repeat(61)).is_err());
    }
}
