//! Every generator the property tests share, in one place: JSON (arbitrary, hostile, and valid reply samples
//! with mutations), client errors, the clerk's keys, and [`World`], which plays the runtime and the server
//! for the pure core: it answers each effect the core asks for, in any order, with whatever a generated
//! [`Answer`] says (a good reply, a mangled one, the wrong kind, a failure), and lets time pass.
//!
//! Only public entry points are used (`counter::update`, `App::new`, `Msg`, `Effect`, `runtime::key_msg`,
//! `ui::render`), so the tests survive a reshuffle of the counter's insides.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mostrador::counter::{
    App, CaptureError, Effect, HistoryQuery, HistoryRow, InvoiceRefusal, JournalCause, JournalFailure, Msg, Reply,
    ReqId, RowStatus, Settings, Unsent, update,
};
use mostrador::keymap::Keymap;
use mostrador::osigu::error::ClientError;
use mostrador::osigu::model::{ErrorCode, ErrorEnvelope, Id};
use proptest::prelude::*;
use proptest::sample::select;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

/// The moment every generated session starts at.
pub const START: OffsetDateTime = datetime!(2026-11-21 15:04:00 UTC);

/// Numbers that have broken, or could break, arithmetic downstream.
const HOSTILE_NUMBERS: [f64; 14] =
    [999_999_999_999.0, 7.9e28, 5e28, 1e12, 1e13, -1.0, -0.01, 0.0, 0.5, 1.5, 1e300, 86_401.0, 4_294_967_296.0, 3.0];

/// Texts that have broken, or could break, a terminal or a layout.
const HOSTILE_TEXTS: [&str; 12] = [
    "",
    " ",
    "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[32mOK",
    "\u{9b}31m\u{85}C1",
    "\u{202e}cipe\u{202c} RTL",
    "MARÍA JOSÉ GONZÁLEZ DE LOS ÁNGELES QUIÑÓNEZ BARRIOS Y CASTELLANOS DEL VALLE",
    "表情😀👨‍👩‍👧‍👦 wide",
    "WHATSAPP",
    "UNKNOWN",
    "\n\r\t",
    "=HYPERLINK(\"x\")",
    "0",
];

/// A JSON number from the hostile list, or any integer.
pub fn hostile_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        select(HOSTILE_NUMBERS.to_vec()).prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (0_u32..100).prop_map(|n| json!(n)),
    ]
}

/// A text from the hostile list, or any short string.
pub fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![select(HOSTILE_TEXTS.to_vec()).prop_map(str::to_owned), "\\PC{0,12}", ".{0,40}"]
}

/// Any JSON value, a few levels deep.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        hostile_number(),
        hostile_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Field names the contract uses (so arbitrary objects hit real fields), or any short name.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "dispensation_id",
            "status",
            "code_type",
            "products",
            "quantity",
            "unit_price",
            "taxes",
            "expires_in",
            "resend_available_in",
            "otp_id",
            "channel",
            "challenge_url",
            "sponsor_slug",
            "dispensing",
            "otp_channels",
            "verification",
            "total_amount",
            "code",
            "details",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,8}",
    ]
}

/// One change to a JSON document: somewhere (chosen by `at`), a value is replaced or a field removed.
#[derive(Clone, Debug)]
pub enum Mutation {
    Replace { at: u64, with: Value },
    Remove { at: u64 },
}

pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let replacement = prop_oneof![
        3 => hostile_number(),
        2 => hostile_text().prop_map(Value::String),
        1 => json_value(),
    ];
    let mutation = prop_oneof![
        4 => (any::<u64>(), replacement).prop_map(|(at, with)| Mutation::Replace { at, with }),
        1 => any::<u64>().prop_map(|at| Mutation::Remove { at }),
    ];
    prop::collection::vec(mutation, 0..4)
}

/// Applies `mutations` to `value`: each walks down from the root (its seed picks a child at each level and
/// when to stop), then replaces the value it stopped at, or removes one of its children.
pub fn mutate(value: &mut Value, mutations: &[Mutation]) {
    for mutation in mutations {
        let (mut seed, with) = match mutation {
            Mutation::Replace { at, with } => (*at, Some(with)),
            Mutation::Remove { at } => (*at, None),
        };
        let mut node = &mut *value;
        loop {
            let children = match &*node {
                Value::Array(items) => items.len(),
                Value::Object(map) => map.len(),
                _ => 0,
            };
            if children == 0 || seed.is_multiple_of(4) {
                break;
            }
            seed /= 4;
            let index = (seed % children as u64) as usize;
            seed /= children as u64;
            node = match node {
                Value::Array(items) => &mut items[index],
                Value::Object(map) => map.values_mut().nth(index).expect("a child"),
                _ => unreachable!("a leaf has no children"),
            };
        }
        match (with, node) {
            (Some(with), node) => *node = with.clone(),
            (None, Value::Array(items)) if !items.is_empty() => {
                items.remove((seed % items.len() as u64) as usize);
            }
            (None, Value::Object(map)) if !map.is_empty() => {
                let key = map.keys().nth((seed % map.len() as u64) as usize).cloned().expect("a key");
                map.remove(&key);
            }
            (None, _) => {}
        }
    }
}

/// The kinds of reply a call gets back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sponsors,
    Configuration,
    Forms,
    Beneficiary,
    Dispensation,
    OtpSent,
    OtpValidated,
    Biometric,
    Challenge,
    VerificationStatus,
    Products,
    /// A page of dispensations' content (a code's earlier visits).
    Dispensations,
}

pub const KINDS: [Kind; 12] = [
    Kind::Sponsors,
    Kind::Configuration,
    Kind::Forms,
    Kind::Beneficiary,
    Kind::Dispensation,
    Kind::OtpSent,
    Kind::OtpValidated,
    Kind::Biometric,
    Kind::Challenge,
    Kind::VerificationStatus,
    Kind::Products,
    Kind::Dispensations,
];

/// What the core asked, as far as a sample reply needs to know.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub dispensation_id: Option<String>,
    pub sponsor_slug: Option<String>,
}

/// The reply kind of an Osigu call, and what of the call a reply may echo.
pub fn kind_of(call: &mostrador::counter::Call) -> (Kind, Context) {
    use mostrador::counter::Call;
    let of_id = |id: &Id| Context { dispensation_id: Some(id.to_string()), sponsor_slug: None };
    match call {
        Call::Sponsors => (Kind::Sponsors, Context::default()),
        Call::Configuration { sponsor_slug, .. } => {
            (Kind::Configuration, Context { sponsor_slug: Some(sponsor_slug.clone()), dispensation_id: None })
        }
        Call::Forms { .. } => (Kind::Forms, Context::default()),
        Call::Search { .. } => (Kind::Beneficiary, Context::default()),
        Call::Get { id } | Call::Update { id, .. } => (Kind::Dispensation, of_id(id)),
        Call::VerificationStatus { id } => (Kind::VerificationStatus, of_id(id)),
        Call::Biometric { id, .. } => (Kind::Biometric, of_id(id)),
        Call::Challenge { id, .. } => (Kind::Challenge, of_id(id)),
        Call::SendOtp { .. } => (Kind::OtpSent, Context::default()),
        Call::ValidateOtp { .. } => (Kind::OtpValidated, Context::default()),
        Call::Products { .. } => (Kind::Products, Context::default()),
        Call::Dispensations { .. } => (Kind::Dispensations, Context::default()),
        // The settlements screen's calls get a reply of another kind: the screen ignores it (and logs it).
        Call::Settlements
        | Call::Settlement { .. }
        | Call::OpenSettlement { .. }
        | Call::PendingAuthorizations { .. }
        | Call::AttachAuthorizations { .. }
        | Call::CompleteSettlement { .. } => (Kind::Sponsors, Context::default()),
        // No sample of its own: a dispensation in its place is a reply of the wrong shape, which the core must
        // survive as well.
        Call::AuthorizationRequest { .. } => (Kind::Dispensation, Context::default()),
    }
}

/// The context a reply to a guarded request (start, complete, cancel) may echo.
pub fn context_of(send: &mostrador::counter::Guarded) -> Context {
    use mostrador::counter::Guarded;
    match send {
        Guarded::Start { .. } | Guarded::Preauthorize { .. } => Context::default(),
        Guarded::Complete { id, .. } | Guarded::Cancel { id, .. } => {
            Context { dispensation_id: Some(id.to_string()), sponsor_slug: None }
        }
    }
}

/// The `variant`th of `choices`, round and round.
fn pick<T: Copy>(choices: &[T], variant: u8) -> T {
    choices[usize::from(variant) % choices.len()]
}

const SPONSORS: [&str; 5] = ["sponsor-sandbox", "aseguradora-otp", "seguro-huella", "salud-facial", "ars-sandbox-do"];

fn line(n: u32, quantity: u32, price: f64, status: &str) -> Value {
    json!({
        "id": format!("line_{n}"), "product_code": format!("MED-{n:03}"),
        "product_name": format!("Medicamento {n} de nombre largo 500 mg tableta recubierta"),
        "product_type": "MEDICATION", "prescribed_quantity": quantity, "authorized_quantity": quantity,
        // One line delivered in part before: the review asks for the code's earlier visits.
        "claimed_quantity": if n == 2 { 3 } else { 0 }, "available_quantity": quantity, "quantity": quantity, "unit_price": price,
        "taxes": 0.0, "posology": "1 tableta cada 8 h", "duration_days": 10, "substitution_allowed": true,
        "status": status
    })
}

/// A valid reply of `kind`; `variant` picks among the shapes the counter meets (OTP, fingerprint, facial,
/// cash, completed, cancelled…).
pub fn sample(kind: Kind, variant: u8, context: &Context) -> Value {
    let id = context.dispensation_id.clone().unwrap_or_else(|| format!("dsp_{variant:02}"));
    match kind {
        Kind::Sponsors => json!(
            SPONSORS
                .iter()
                .map(|slug| json!({"sponsor_slug": slug, "name": slug.to_uppercase(), "country_code": "GT",
                "currency_code": pick(&["GTQ", "COP", "EUR", "DOP", "XYZ"], variant)}))
                .collect::<Vec<_>>()
        ),
        Kind::Configuration => {
            let (verification, channels, modes, capture) = match variant % 5 {
                0 => ("NONE", json!([]), json!([]), Value::Null),
                1 => ("OTP", json!(["SMS", "EMAIL"]), json!([]), Value::Null),
                2 => ("BIOMETRIC", json!([]), json!(["FINGERPRINT"]), json!("DEVICE")),
                3 => ("BIOMETRIC", json!([]), json!(["FACIAL"]), json!("REMOTE")),
                _ => ("OTP", json!(["WHATSAPP", "IN_APP"]), json!([]), Value::Null),
            };
            json!({
                "sponsor_slug": context.sponsor_slug.clone().unwrap_or_else(|| "aseguradora-otp".into()),
                "product_type": "MEDICATION", "evaluation_mode": "SYNC",
                "dispensing": {
                    "verification": verification, "otp_channels": channels, "biometric_modes": modes,
                    "biometric_capture": capture,
                    "beneficiary_identification": {"required": variant.is_multiple_of(3), "form_slug": "dpi"},
                    "invoice": {"document_number_required": true, "document_serial_required": variant.is_multiple_of(2)},
                    "substitution": {"allowed": variant % 4 != 1,
                        "reasons": ["OUT_OF_STOCK", "EMERGENCY", "ACTIVE_INGREDIENT", "OTHER"]},
                    "max_attempts": 3},
                "settlement": {"mode": if variant.is_multiple_of(2) { "PER_TRANSACTION" } else { "BATCH" }}
            })
        }
        Kind::Forms => json!([{"form_slug": "dpi", "fallback_name": "DPI", "fields": [
            {"slug": "document_number", "type": "TEXT", "label": "DPI", "required": true, "order": 1},
            {"slug": "birth_date", "type": "DATE", "label": "Nacimiento", "required": variant.is_multiple_of(2), "order": 2},
            {"slug": "kind", "type": "SELECT", "label": "Tipo", "options": ["CC", "CE", "PA"], "order": 3},
            {"slug": "photo", "type": "FILE_UPLOAD", "required": false}]}]),
        Kind::Beneficiary => json!({"beneficiary_id": "bnf_01", "first_name": "MARÍA JOSÉ", "last_name": "GONZÁLEZ",
            "document_type": "DPI", "document_number": "2515674440101",
            "coverage": {"plan_code": "P1", "active": !variant.is_multiple_of(4), "effective_until": "2027-01-01"}}),
        Kind::Dispensation => {
            let (status, code_type, sponsor, required) = match variant % 8 {
                0 | 6 => ("STARTED", "AUTHORIZATION", json!("aseguradora-otp"), json!("OTP")),
                1 => ("STARTED", "AUTHORIZATION", json!("seguro-huella"), json!("BIOMETRIC")),
                2 => ("STARTED", "AUTHORIZATION", json!("salud-facial"), json!("BIOMETRIC")),
                3 => ("STARTED", "PRESCRIPTION", Value::Null, Value::Null),
                4 => ("COMPLETED", "AUTHORIZATION", json!("sponsor-sandbox"), Value::Null),
                5 => ("CANCELLED", "PRESCRIPTION", Value::Null, Value::Null),
                _ => ("STARTED", "AUTHORIZATION", json!("sponsor-sandbox"), Value::Null),
            };
            let lines: Vec<Value> = (1..=u32::from(variant % 13) + 1)
                .map(|n| line(n, n * 10 % 97 + 1, f64::from(n) * 1.25, if n == 2 { "LOCKED" } else { "APPROVED" }))
                .collect();
            let mut reply = json!({
                "dispensation_id": id, "status": status, "code": "AUTH-2026-000102", "code_type": code_type,
                "sponsor_slug": sponsor,
                "beneficiary": {"beneficiary_id": "bnf_01", "first_name": "MARÍA JOSÉ", "last_name": "GONZÁLEZ",
                    "document_type": "DPI", "document_number": "2515674440101"},
                "prescriber": {"name": "Dr. Juan Bassi", "medical_license_number": "2012-468"},
                "diagnoses": [{"code": "R51", "description": "Cefalea"}],
                "currency_code": pick(&["GTQ", "COP", "EUR", "DOP"], variant),
                "products": lines, "verification_required": required,
                "verification": {"status": if required.is_null() { "NOT_REQUIRED" } else { "PENDING" },
                    "challenge_url": if variant % 8 == 2 { json!("https://sandbox.test/c/1") } else { Value::Null }},
                "code_expires_at": "2026-12-21T00:00:00Z", "started_at": "2026-11-21T15:04:00Z",
                "timeout_at": "2026-11-21T15:34:00Z"
            });
            if status == "COMPLETED" {
                reply["completed_at"] = json!("2026-11-21T15:10:00Z");
                reply["total_amount"] = json!(12.5);
                reply["claim"] = json!({"claim_id": "clm_01", "status": "OPEN", "amount": 12.5});
                reply["invoice"] = json!({"document_number": "F001-000001", "document_date": "2026-11-21"});
            }
            reply
        }
        Kind::OtpSent => json!({"otp_id": format!("otp_{variant}"),
            "channel": pick(&["SMS", "EMAIL", "IN_APP", "WHATSAPP"], variant),
            "expires_in": pick(&[300, 0, 86_400, 5], variant), "expires_at": "2026-11-21T15:09:00Z",
            "masked_destination": "+502 **** **42", "resend_available_in": pick(&[30, 0, 600], variant)}),
        Kind::OtpValidated => json!({"otp_verification_token": "ovt_1", "expires_in": 600}),
        Kind::Biometric => {
            json!({"match": !variant.is_multiple_of(3), "score": 0.97, "biometric_verification_token": "bvt_1"})
        }
        Kind::Challenge => json!({"challenge_url": "https://sandbox.test/sandbox/v1/challenges/ch_1",
            "expires_in": pick(&[600, 1, 86_400], variant), "challenge_id": "ch_1"}),
        Kind::VerificationStatus => json!({"dispensation_id": id, "verification_required": "BIOMETRIC",
            "status": pick(&["PENDING", "VERIFIED", "FAILED", "NOT_REQUIRED"], variant),
            "method": "FACIAL", "attempts_remaining": 2}),
        Kind::Products => json!([
            {"product_code": "MED-043", "product_name": "Ibuprofeno 400 mg tableta", "product_type": "MEDICATION",
             "registered_at": "2026-11-21T15:04:00Z", "unit_price": pick(&[1.8, 0.0, 99_999.99], variant),
             "currency_code": "GTQ"},
            {"product_code": format!("MED-{variant:03}"), "product_name": "Medicamento de nombre largo 500 mg tableta",
             "product_type": "DRUG", "registered_at": "2026-11-21T15:04:00Z"}
        ]),
        Kind::Dispensations => {
            json!([
                sample(Kind::Dispensation, variant, context),
                sample(Kind::Dispensation, variant.wrapping_add(1), context)
            ])
        }
    }
}

/// Decodes `value` the way the client does a 200 reply (from its bytes), as the core receives it.
pub fn decode(kind: Kind, value: &Value) -> Result<Reply, ClientError> {
    fn read<T: DeserializeOwned>(value: &Value) -> Result<T, ClientError> {
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        serde_json::from_slice(&bytes)
            .map_err(|error| ClientError::Undecodable { status: 200, detail: format!("line {}", error.line()) })
    }
    Ok(match kind {
        Kind::Sponsors => Reply::Sponsors(read(value)?),
        Kind::Configuration => Reply::Configuration(Box::new(read(value)?)),
        Kind::Forms => Reply::Forms(read(value)?),
        Kind::Beneficiary => Reply::Beneficiary(Box::new(read(value)?)),
        Kind::Dispensation => Reply::Dispensation(Box::new(read(value)?)),
        Kind::OtpSent => Reply::OtpSent(read(value)?),
        Kind::OtpValidated => Reply::OtpValidated(read(value)?),
        Kind::Biometric => Reply::Biometric(read(value)?),
        Kind::Challenge => Reply::Challenge(read(value)?),
        Kind::VerificationStatus => Reply::VerificationStatus(read(value)?),
        Kind::Products => Reply::Products(read(value)?),
        Kind::Dispensations => Reply::Dispensations(read(value)?),
    })
}

/// An error envelope whose code and details are anything, hostile values included.
pub fn envelope() -> impl Strategy<Value = ErrorEnvelope> {
    let code = prop_oneof![
        4 => select(ErrorCode::ALL_KNOWN.to_vec()).prop_map(str::to_owned),
        1 => hostile_text(),
    ];
    let detail_name = select(vec![
        "attempts_remaining",
        "resend_available_in",
        "available_quantity",
        "expected",
        "started_at",
        "valid_from",
        "expired_at",
        "dispensation",
        "sponsor_slug",
        "form_slug",
        "required_scope",
    ]);
    let detail_value = prop_oneof![hostile_number(), hostile_text().prop_map(Value::String), json_value()];
    (code, prop::collection::btree_map(detail_name, detail_value, 0..4), proptest::option::of(hostile_text())).prop_map(
        |(code, details, message)| ErrorEnvelope {
            code: Some(code.clone()),
            error_code: Some(code),
            message,
            errors: Vec::new(),
            details: Some(Value::Object(details.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        },
    )
}

/// Any failure the client reports.
pub fn client_error() -> impl Strategy<Value = ClientError> {
    let status = select(vec![400_u16, 401, 403, 404, 408, 409, 410, 413, 422, 429, 500, 502, 503, 504]);
    let seconds = prop_oneof![0_u64..120, any::<u64>()];
    prop_oneof![
        1 => Just(ClientError::Connect { host: "osigu.test".into(), detail: "refused".into() }),
        1 => Just(ClientError::Tls { host: "osigu.test".into(), detail: "bad certificate".into() }),
        1 => Just(ClientError::Broken { detail: "reset".into() }),
        1 => Just(ClientError::Timeout { after: Duration::from_secs(15) }),
        1 => Just(ClientError::Undecodable { status: 200, detail: "cut short".into() }),
        1 => Just(ClientError::TooLarge { limit: 4 * 1024 * 1024 }),
        1 => Just(ClientError::Invalid { detail: "bad url".into() }),
        1 => Just(ClientError::Credentials { status: 401, error: "invalid_client".into() }),
        1 => seconds.clone().prop_map(|s| ClientError::TokenRateLimited { retry_after: Duration::from_secs(s) }),
        // The refusal that sends the clerk to the sponsor's search form.
        2 => proptest::option::of(hostile_text()).prop_map(|form| ClientError::Api {
            status: 422,
            code: Some(ErrorCode::BeneficiaryRequired),
            envelope: Some(Box::new(ErrorEnvelope {
                code: Some("BENEFICIARY_REQUIRED".into()),
                details: Some(json!({"sponsor_slug": "ars-sandbox-do", "form_slug": form.unwrap_or_else(|| "dpi".into())})),
                ..ErrorEnvelope::default()
            })),
            retry_after: None,
        }),
        5 => (status, proptest::option::of(envelope()), proptest::option::of(seconds)).prop_map(
            |(status, envelope, retry)| ClientError::Api {
                status,
                code: envelope.as_ref().and_then(ErrorEnvelope::error_code),
                envelope: envelope.map(Box::new),
                retry_after: retry.map(Duration::from_secs),
            }
        ),
    ]
}

/// How the world answers one effect of the core.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A good reply of the kind the call expects (`variant` picks its shape), then mangled by `mutations`.
    Sample { variant: u8, mutations: Vec<Mutation> },
    /// Any JSON at all, decoded as the call's reply.
    Arbitrary(Value),
    /// A good reply of another kind than the call's.
    WrongKind { kind: usize, variant: u8 },
    /// The call failed.
    Failure(ClientError),
}

pub fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        8 => any::<u8>().prop_map(|variant| Answer::Sample { variant, mutations: Vec::new() }),
        4 => (any::<u8>(), mutations()).prop_map(|(variant, mutations)| Answer::Sample { variant, mutations }),
        1 => json_value().prop_map(Answer::Arbitrary),
        1 => (0..KINDS.len(), any::<u8>()).prop_map(|(kind, variant)| Answer::WrongKind { kind, variant }),
        3 => client_error().prop_map(Answer::Failure),
    ]
}

/// A key the clerk (or a scanner, or a cat) presses.
pub fn key() -> impl Strategy<Value = KeyEvent> {
    let code = prop_oneof![
        6 => select("0123456789".chars().collect::<Vec<_>>()).prop_map(KeyCode::Char),
        3 => any::<char>().prop_map(KeyCode::Char),
        2 => select("+-AZ- \u{1b}".chars().collect::<Vec<_>>()).prop_map(KeyCode::Char),
        5 => select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Home,
            KeyCode::End,
        ]),
        3 => (1_u8..=12).prop_map(KeyCode::F),
    ];
    let modifiers = prop_oneof![
        12 => Just(KeyModifiers::NONE),
        1 => Just(KeyModifiers::CONTROL),
        1 => Just(KeyModifiers::SHIFT),
        1 => Just(KeyModifiers::ALT),
    ];
    (code, modifiers).prop_map(|(code, modifiers)| KeyEvent::new(code, modifiers))
}

/// One thing that happens to the counter.
#[derive(Clone, Debug)]
pub enum Action {
    /// A key, through the real keymap.
    Key(KeyEvent),
    /// A scanner's burst (or a paste): a code and Enter.
    Scan(String),
    /// A message no key sends directly.
    Message(Signal),
    /// The world answers the effect at `pick` (modulo how many wait).
    Answer { pick: usize, answer: Answer },
    /// Every awaited effect gets a good reply, in order (moves a flow along).
    Settle { variant: u8 },
    /// A reply for a request nobody awaits.
    Stale { id: u64, answer: Answer },
    /// Time passes; the core gets the ticks it asked for.
    Wait(u32),
}

/// Messages sent without a key.
#[derive(Clone, Debug)]
pub enum Signal {
    Tick,
    Quit,
    Interrupt,
    Paste(String),
}

pub fn action() -> impl Strategy<Value = Action> {
    let code = prop_oneof![
        select(vec![
            "AUTH-2026-000101",
            "AUTH-2026-000102",
            "AUTH-2026-000103",
            "AUTH-2026-000104",
            "AUTH-2026-000105",
            "RX-2026-000001",
            "RX-2026-000004",
        ])
        .prop_map(str::to_owned),
        hostile_text(),
    ];
    let signal = prop_oneof![
        Just(Signal::Tick),
        Just(Signal::Quit),
        Just(Signal::Interrupt),
        hostile_text().prop_map(Signal::Paste),
    ];
    prop_oneof![
        10 => key().prop_map(Action::Key),
        2 => code.prop_map(Action::Scan),
        1 => signal.prop_map(Action::Message),
        8 => (any::<usize>(), answer()).prop_map(|(pick, answer)| Action::Answer { pick, answer }),
        3 => any::<u8>().prop_map(|variant| Action::Settle { variant }),
        1 => (any::<u64>(), answer()).prop_map(|(id, answer)| Action::Stale { id, answer }),
        2 => prop_oneof![0_u32..10, 0_u32..400, Just(90_000)].prop_map(Action::Wait),
    ]
}

/// The counter's core with a runtime and a server around it that do whatever the actions say.
pub struct World {
    pub app: App,
    pub now: OffsetDateTime,
    keymap: Keymap,
    /// Effects asked for and not answered yet.
    pending: Vec<Effect>,
}

impl World {
    pub fn new() -> Self {
        let settings = Settings { key_nonce: "prop".into(), ..Settings::default() };
        let mut world =
            Self { app: App::new(settings, START), now: START, keymap: Keymap::default(), pending: Vec::new() };
        world.send(Msg::Opened);
        world
    }

    /// Feeds `msg` to the core and keeps what it asks for that expects an answer.
    pub fn send(&mut self, msg: Msg) {
        for effect in update(&mut self.app, msg, self.now) {
            if matches!(
                effect,
                Effect::Call { .. }
                    | Effect::Send { .. }
                    | Effect::Journal { .. }
                    | Effect::CaptureFingerprint { .. }
                    | Effect::HoldInvoice { .. }
                    | Effect::LoadHistory { .. }
            ) {
                self.pending.push(effect);
            }
        }
        // A runtime drops what the core stopped waiting for; keep the list from growing without end.
        self.pending.truncate(64);
    }

    pub fn act(&mut self, action: &Action) {
        match action {
            Action::Key(key) => {
                if let Some(msg) = mostrador::runtime::key_msg(&self.keymap, key, self.app.typing()) {
                    self.send(msg);
                }
            }
            Action::Scan(code) => {
                self.send(Msg::Paste(code.clone()));
                self.send(Msg::Submit);
            }
            Action::Message(signal) => self.send(match signal {
                Signal::Tick => Msg::Tick,
                Signal::Quit => Msg::Quit,
                Signal::Interrupt => Msg::Interrupt,
                Signal::Paste(text) => Msg::Paste(text.clone()),
            }),
            Action::Answer { pick, answer } => {
                if !self.pending.is_empty() {
                    let effect = self.pending.remove(pick % self.pending.len());
                    self.answer(effect, answer);
                }
            }
            Action::Settle { variant } => {
                for effect in std::mem::take(&mut self.pending) {
                    self.answer(effect, &Answer::Sample { variant: *variant, mutations: Vec::new() });
                }
            }
            Action::Stale { id, answer } => {
                let (kind, context) = (KINDS[(*id % KINDS.len() as u64) as usize], Context::default());
                let reply = reply(kind, &context, answer);
                self.send(Msg::Replied { id: ReqId(id.wrapping_add(1 << 40)), reply });
            }
            Action::Wait(seconds) => {
                let until = self.now + time::Duration::seconds(i64::from(*seconds));
                // At most a few ticks per wait, as a busy runtime might deliver them.
                for _ in 0..8 {
                    match self.app.wake_at() {
                        Some(at) if at <= until && at > self.now => {
                            self.now = at;
                            self.send(Msg::Tick);
                        }
                        _ => break,
                    }
                }
                self.now = until;
                self.send(Msg::Tick);
            }
        }
    }

    fn answer(&mut self, effect: Effect, answer: &Answer) {
        let failed = matches!(answer, Answer::Failure(_));
        match effect {
            Effect::Call { id, call } => {
                let (kind, context) = kind_of(&call);
                self.send(Msg::Replied { id, reply: reply(kind, &context, answer) });
            }
            Effect::CaptureFingerprint { id, .. } => {
                let sample = if failed { Err(CaptureError::NoReader) } else { Ok(b"WSQ sample".to_vec()) };
                self.send(Msg::Captured { id, sample });
            }
            Effect::Send { id, send } => {
                // Some failures stand for a journal that could not keep the intent: then nothing was sent.
                if let Answer::Failure(ClientError::Invalid { .. }) = answer {
                    let why = Unsent::Journal(journal_failure(JournalCause::Full));
                    return self.send(Msg::Unsent { id, why });
                }
                let context = context_of(&send);
                self.send(Msg::Replied { id, reply: reply(Kind::Dispensation, &context, answer) });
            }
            Effect::Journal { id, .. } => {
                let result = if failed { Err(journal_failure(JournalCause::Busy)) } else { Ok(()) };
                self.send(Msg::Journaled { id: Some(id), result });
            }
            Effect::HoldInvoice { id, prefix, .. } => {
                let result = match answer {
                    Answer::Sample { variant, .. } => Ok(format!("{prefix}{variant:06}")),
                    Answer::Failure(_) => Err(InvoiceRefusal::Exhausted { prefix }),
                    _ => Ok(HOSTILE_TEXTS[2].to_owned()),
                };
                self.send(Msg::InvoiceHeld { id, result });
            }
            Effect::LoadHistory { id, query } => {
                let since = match query {
                    HistoryQuery::Day { from, .. } => from,
                    HistoryQuery::Code { .. } => self.now,
                };
                let rows = if failed { Err("the journal is locked".to_owned()) } else { Ok(history(since)) };
                self.send(Msg::HistoryLoaded { id, rows });
            }
            _ => {}
        }
    }
}

/// A journal failure of `cause`.
fn journal_failure(cause: JournalCause) -> JournalFailure {
    JournalFailure { cause, detail: HOSTILE_TEXTS[0].to_owned() }
}

/// What the server answers `answer` to a call expecting `kind`.
fn reply(kind: Kind, context: &Context, answer: &Answer) -> Result<Reply, ClientError> {
    match answer {
        Answer::Sample { variant, mutations } => {
            let mut value = sample(kind, *variant, context);
            mutate(&mut value, mutations);
            decode(kind, &value)
        }
        Answer::Arbitrary(value) => decode(kind, value),
        Answer::WrongKind { kind: other, variant } => {
            let other = KINDS[other % KINDS.len()];
            decode(other, &sample(other, *variant, context))
        }
        Answer::Failure(error) => Err(error.clone()),
    }
}

/// A day's history with odd rows in it: every status, hostile texts, amounts at a decimal's limit (their
/// totals overflow), a completion time before the start.
fn history(since: OffsetDateTime) -> Vec<HistoryRow> {
    [RowStatus::Open, RowStatus::Finalizing, RowStatus::Completed, RowStatus::Completed, RowStatus::Cancelled]
        .iter()
        .enumerate()
        .map(|(n, status)| HistoryRow {
            dispensation_id: format!("dsp_{n}"),
            started_at: since,
            ended_at: (n % 2 == 0).then(|| since - time::Duration::hours(30)),
            till: HOSTILE_TEXTS[(n + 3) % HOSTILE_TEXTS.len()].to_owned(),
            code: HOSTILE_TEXTS[n % HOSTILE_TEXTS.len()].to_owned(),
            sponsor_slug: (n != 4).then(|| HOSTILE_TEXTS[5].into()),
            status: *status,
            amount: Some(rust_decimal::Decimal::MAX),
            sponsor_amount: (n % 2 == 0).then_some(rust_decimal::Decimal::MAX),
            patient_amount: (n != 3).then_some(rust_decimal::Decimal::MAX),
            currency: Some(["GTQ", "GTQ", "GTQ", "GTQ", "\u{1b}"][n % 5].into()),
            invoice_number: Some(HOSTILE_TEXTS[(n + 1) % HOSTILE_TEXTS.len()].to_owned()),
            claim_id: Some(Id::new(HOSTILE_TEXTS[6])),
            clerk: Some(HOSTILE_TEXTS[(n + 2) % HOSTILE_TEXTS.len()].to_owned()),
            paper: None,
        })
        .collect()
}
