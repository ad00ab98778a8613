//! Tests of the configuration file: the shipped example, every broken file and its message, secrets.
use super::*;

const FILE: &str = "/etc/mostrador/config.toml";

/// The one-line message for a broken file, checked to name the file.
fn error(text: &str) -> String {
    let message = Config::parse(text, Path::new(FILE)).unwrap_err().to_string();
    assert!(message.starts_with(&format!("the configuration file {FILE} is not valid: ")), "{message}");
    assert!(!message.contains('\n'), "{message}");
    message
}

#[test]
fn the_shipped_example_parses() {
    let text = include_str!("../../config.example.toml");
    let config = Config::parse(text, Path::new("config.example.toml")).unwrap();
    assert_eq!(config.sandbox.profile, Some(Profile::Demo));
    assert_eq!(config.sandbox.remote_auto_approve_secs, Some(8));
    assert_eq!(config.sandbox.addr, Some(SocketAddr::from(([127, 0, 0, 1], 8080))));
    assert_eq!(config.sandbox.dispensation_timeout_secs, Some(1800));
    assert_eq!(config.locale, Locale::Es);
    assert_eq!(config.osigu, OsiguSection::default());
    assert_eq!(config.counter, CounterSection::default());
    assert_eq!(config.biometric, BiometricSection::default());
    assert_eq!(config.counter.invoice_prefix, "F001-");
    let endpoint = config.endpoint();
    assert_eq!(endpoint.environment, Environment::Sandbox);
    assert_eq!(endpoint.base_url, None);
    assert_eq!((endpoint.client_id.as_str(), endpoint.client_secret.expose()), (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET));
    assert_eq!((endpoint.connect_timeout, endpoint.request_timeout), (Duration::from_secs(3), Duration::from_secs(15)));
    // The example documents the defaults, so it means the same as no file at all.
    let defaults = Config::default();
    assert_eq!(Config { sandbox: defaults.sandbox.clone(), ..config }, defaults);
}

#[test]
fn every_key_of_the_example_is_documented_with_its_default() {
    let text = include_str!("../../config.example.toml");
    for key in [
        "locale = \"es\"",
        "environment = \"sandbox\"",
        "# base_url = ",
        "# client_id = ",
        "# client_secret = ",
        "connect_timeout_secs = 3",
        "request_timeout_secs = 15",
        "invoice_prefix = \"F001-\"",
        "# data_dir = ",
        "require_pack_scan = false",
        "# capture_command = ",
        "# printer = ",
        "width = 48",
        "auto_print = true",
        "# header = ",
        "# addr = \"127.0.0.1:9000\"",
        "# secrets = ",
        "# tls_cert = ",
        "# tls_key = ",
        "behind_proxy = false",
    ] {
        assert!(text.contains(key), "{key}");
    }
}

#[test]
fn the_commented_out_examples_are_valid_too() {
    let text = include_str!("../../config.example.toml");
    // Uncomment every `# key = value` line (not the prose), keep the example faults rather than the empty list,
    // and point at a custom server for base_url.
    let uncommented: String = text
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) if rest.split_once(" = ").is_some_and(|(key, _)| !key.contains(' ')) => rest,
            _ => line,
        })
        .filter(|line| *line != "faults = []")
        .map(|line| if line == "environment = \"sandbox\"" { "environment = \"custom\"" } else { line })
        .flat_map(|line| [line, "\n"])
        .collect();
    assert!(uncommented.contains("\nbase_url = ") && uncommented.contains("\ncapture_command = "));
    let config = Config::parse(&uncommented, Path::new("config.example.toml")).unwrap();
    let endpoint = config.endpoint();
    assert_eq!(endpoint.environment, Environment::Custom);
    assert_eq!(endpoint.base_url.as_ref().map(|url| url.as_str()), Some("http://127.0.0.1:8080/"));
    assert_eq!((endpoint.client_id.as_str(), endpoint.client_secret.expose()), (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET));
    assert_eq!(config.counter.data_dir.as_deref(), Some(Path::new("/var/lib/mostrador")));
    assert_eq!(config.biometric.capture_command.as_deref(), Some("fprint-capture --wsq"));
    assert_eq!(config.sandbox.faults.len(), 3);
    assert_eq!(config.sandbox.webhook_secrets, ["whsec_sandbox"]);
    assert_eq!(config.receipt.printer, Some(PrinterAddress::Path("/dev/usb/lp0".into())));
    assert_eq!(config.receipt.header, ["Farmacia Demo", "NIT 1234567-8"]);
    assert_eq!(config.posos.base_url.as_deref(), Some("https://partner-connect.preprod.posos.co"));
    assert_eq!(config.posos.facility.as_deref(), Some("farmacia-demo"));
    assert_eq!(config.webhooks.secrets, ["whsec_current", "whsec_previous"]);
    assert_eq!(config.webhooks.addr, Some(SocketAddr::from(([127, 0, 0, 1], 9000))));
    let tls = config.webhooks.tls().unwrap();
    assert_eq!(
        (tls.cert.to_str(), tls.key.to_str()),
        (Some("/etc/mostrador/webhooks.crt"), Some("/etc/mostrador/webhooks.key"))
    );
}

#[test]
fn the_webhooks_section_takes_one_or_two_secrets_and_both_tls_files_or_neither() {
    for (text, expected) in [
        ("[webhooks]\nsecrets = [\"a\", \"b\", \"c\"]\n", "line 2: key `webhooks.secrets`: expected at most 2 secrets"),
        ("[webhooks]\nsecrets = [\"\"]\n", "line 2: key `webhooks.secrets`: expected secrets without spaces"),
        (
            "[webhooks]\ntls_cert = \"/etc/w.crt\"\n",
            "line 2: key `webhooks.tls_cert`: needs `webhooks.tls_key` too (both or neither)",
        ),
        ("[webhooks]\ntls_key = \"/etc/w.key\"\n", "line 2: key `webhooks.tls_key`: needs `webhooks.tls_cert` too"),
        (
            "[webhooks]\ntls_cert = \"w.crt\"\ntls_key = \"/etc/w.key\"\n",
            "line 2: key `webhooks.tls_cert`: expected an absolute path, found \"w.crt\"",
        ),
        ("[webhooks]\naddr = \"localhost:9000\"\n", "line 2: key `webhooks.addr`"),
        ("[webhooks]\nbehind_proxy = \"yes\"\n", "line 2: key `webhooks.behind_proxy`"),
    ] {
        let message = error(text);
        assert!(message.contains(expected), "{message}");
    }
    let config = Config::parse("[webhooks]\nsecrets = [\"whsec_a\"]\nbehind_proxy = true\n", Path::new(FILE)).unwrap();
    assert!(config.webhooks.behind_proxy && config.webhooks.tls().is_none());
    // The secrets never show in Debug output.
    let debug = format!("{config:?}");
    assert!(!debug.contains("whsec_a") && debug.contains("secrets: [\"***\"]"), "{debug}");
}

#[test]
fn mistakes_name_the_file_and_the_key() {
    let typo = Config::parse("[sandbox]\nprofle = \"demo\"\n", Path::new("/etc/mostrador.toml")).unwrap_err();
    let message = typo.to_string();
    assert!(message.contains("/etc/mostrador.toml") && message.contains("profle"), "{message}");
    let bad_fault = Config::parse("[sandbox]\nfaults = [\"complete:boom=1\"]\n", Path::new("c.toml")).unwrap_err();
    assert!(bad_fault.to_string().contains("unknown kind"), "{bad_fault}");
    let bad_profile = Config::parse("[sandbox]\nprofile = \"fast\"\n", Path::new("c.toml")).unwrap_err();
    assert!(bad_profile.to_string().contains("demo or faithful"), "{bad_profile}");
}

#[test]
fn sandbox_numbers_out_of_range_name_the_key_and_the_range() {
    for (text, expected) in [
        (
            "[sandbox]\ndispensation_timeout_secs = 999999999999\n",
            "line 2: key `sandbox.dispensation_timeout_secs`: expected 1 to 604800 s, found 999999999999",
        ),
        ("[sandbox]\ndispensation_timeout_secs = 0\n", "expected 1 to 604800 s, found 0"),
        ("[sandbox]\nremote_auto_approve_secs = 300\n", "key `sandbox.remote_auto_approve_secs`: expected 0 to 299 s"),
        ("[sandbox]\nidempotency_store_mib = 0\n", "key `sandbox.idempotency_store_mib`: expected 1 to 1024 MiB"),
        ("[sandbox]\nfaults = [\"*:latency-ms=999999999999\"]\n", "from 0 to 600000"),
        (
            "[sandbox]\nsettlement_decision_secs = 0\n",
            "line 2: key `sandbox.settlement_decision_secs`: expected 1 to 2592000 s, found 0",
        ),
        (
            "[sandbox]\nauthorization_decision_secs = 0\n",
            "line 2: key `sandbox.authorization_decision_secs`: expected 1 to 604800 s, found 0",
        ),
        ("[sandbox]\nposos_auto_import_secs = 601\n", "key `sandbox.posos_auto_import_secs`: expected 0 to 600 s"),
        (
            "[posos]\nbase_url = \"http://posos.example.com\"\nfacility = \"f\"\n",
            "line 2: key `posos.base_url`: plain http:// is allowed only for a loopback host",
        ),
        (
            "[posos]\nbase_url = \"https://partner-connect.preprod.posos.co\"\n",
            "key `posos.facility`: required with posos.base_url",
        ),
        (
            "[sandbox]\nwebhook_url = \"http://farmacia.example.do/osigu\"\nwebhook_secrets = [\"whsec_a\"]\n",
            "line 2: key `sandbox.webhook_url`: plain http is allowed only to a loopback host",
        ),
    ] {
        let message = error(text);
        assert!(message.contains(expected), "{text}: {message}");
    }
    let fine = Config::parse("[sandbox]\nidempotency_store_mib = 8\n", Path::new(FILE)).unwrap();
    assert_eq!(fine.sandbox.sandbox_config(None).unwrap().idempotency_store_bytes, 8 * 1024 * 1024);
    let decision = Config::parse("[sandbox]\nsettlement_decision_secs = 86400\n", Path::new(FILE)).unwrap();
    let decision = decision.sandbox.sandbox_config(None).unwrap().settlement_decision_delay;
    assert_eq!(decision, std::time::Duration::from_secs(86_400));
    let never =
        Config::parse("[sandbox]\nposos_auto_import_secs = 0\nauthorization_decision_secs = 5\n", Path::new(FILE));
    let never = never.unwrap().sandbox.sandbox_config(None).unwrap();
    assert_eq!(never.posos_auto_import, None);
    assert_eq!(never.authorization_decision_delay, std::time::Duration::from_secs(5));
    assert_eq!(SandboxSection::default().sandbox_config(None).unwrap().posos_auto_import, Some(Duration::from_secs(8)));
}

#[test]
fn an_unknown_top_level_key() {
    let message = error("locale = \"es\"\nlocal = \"en\"\n");
    assert!(message.contains("line 2: key `local`: unknown field `local`, expected one of"), "{message}");
}

#[test]
fn an_unknown_key_in_osigu() {
    let message = error("[osigu]\nenvironment = \"sandbox\"\nclient_secrt = \"x\"\n");
    assert!(message.contains("line 3: key `osigu.client_secrt`: unknown field `client_secrt`"), "{message}");
    assert!(message.contains("`client_secret`"), "{message}");
}

#[test]
fn an_unknown_locale() {
    let message = error("locale = \"fr\"\n");
    assert!(message.contains("line 1: key `locale`: unknown variant `fr`, expected `es` or `en`"), "{message}");
}

#[test]
fn an_unknown_environment() {
    let message = error("[osigu]\nenvironment = \"prod\"\n");
    assert!(message.contains("line 2: key `osigu.environment`: unknown variant `prod`"), "{message}");
    assert!(message.contains("`osigu-production`") && message.contains("`custom`"), "{message}");
}

#[test]
fn custom_without_base_url() {
    let message = error("[osigu]\nenvironment = \"custom\"\nclient_id = \"c\"\nclient_secret = \"s\"\n");
    assert!(message.ends_with("key `osigu.base_url`: required when environment = \"custom\""), "{message}");
}

#[test]
fn base_url_with_another_environment() {
    let message = error("[osigu]\nenvironment = \"sandbox\"\nbase_url = \"https://osigu.example.com\"\n");
    assert!(message.contains("line 3: key `osigu.base_url`: only used with environment = \"custom\""), "{message}");
    // Also when the environment is left to its default.
    let message = error("[osigu]\nbase_url = \"http://127.0.0.1:8080\"\n");
    assert!(message.contains("line 2: key `osigu.base_url`: only used with"), "{message}");
}

#[test]
fn plain_http_base_url_off_loopback() {
    let text = "[osigu]\nenvironment = \"custom\"\nbase_url = \"http://10.0.0.5:8080\"\nclient_id = \"c\"\n\
                client_secret = \"s\"\n";
    let message = error(text);
    assert!(
        message.contains("line 3: key `osigu.base_url`: plain http:// is allowed only for a loopback"),
        "{message}"
    );
    assert!(message.contains("use https://"), "{message}");
}

#[test]
fn custom_on_loopback_resolves() {
    let text = "[osigu]\nenvironment = \"custom\"\nbase_url = \"http://127.0.0.1:8080/\"\nclient_id = \"c\"\n\
                client_secret = \"s\"\nconnect_timeout_secs = 1\nrequest_timeout_secs = 60\n";
    let config = Config::parse(text, Path::new(FILE)).unwrap();
    let endpoint = config.endpoint();
    assert_eq!(endpoint.environment, Environment::Custom);
    assert_eq!(endpoint.base_url.as_ref().map(|url| url.as_str()), Some("http://127.0.0.1:8080/"));
    assert_eq!((endpoint.client_id.as_str(), endpoint.client_secret.expose()), ("c", "s"));
    assert_eq!((endpoint.connect_timeout, endpoint.request_timeout), (Duration::from_secs(1), Duration::from_secs(60)));
}

#[test]
fn production_without_client_id() {
    let message = error("[osigu]\nenvironment = \"osigu-production\"\nclient_secret = \"s\"\n");
    assert!(message.ends_with("key `osigu.client_id`: required when environment = \"osigu-production\""), "{message}");
}

#[test]
fn production_without_a_secret_unless_the_environment_gives_one() {
    let text = "[osigu]\nenvironment = \"osigu-production\"\nclient_id = \"farmacia-7\"\n";
    let message = error(text);
    assert!(message.contains("key `osigu.client_secret`: required when environment = \"osigu-production\""));
    assert!(message.contains("in this file") && message.contains(CLIENT_SECRET_ENV), "{message}");
    // An empty variable counts as unset.
    assert!(Config::parse_with_env(text, Path::new(FILE), Some(String::new())).is_err());

    let config = Config::parse_with_env(text, Path::new(FILE), Some("from-env".into())).unwrap();
    let endpoint = config.endpoint();
    assert_eq!(endpoint.environment, Environment::OsiguProduction);
    assert_eq!(endpoint.base_url.as_ref().map(|url| url.as_str()), Some("https://api.osigu.com/"));
    assert_eq!((endpoint.client_id.as_str(), endpoint.client_secret.expose()), ("farmacia-7", "from-env"));
}

#[test]
fn the_environment_secret_wins_over_the_file() {
    let text = "[osigu]\nenvironment = \"osigu-sandbox\"\nclient_id = \"c\"\nclient_secret = \"from-file\"\n";
    let from_file = Config::parse(text, Path::new(FILE)).unwrap();
    assert_eq!(from_file.endpoint().client_secret.expose(), "from-file");
    assert_eq!(from_file.endpoint().base_url.as_ref().map(|url| url.as_str()), Some("https://sandbox.osigu.com/"));
    let from_env = Config::parse_with_env(text, Path::new(FILE), Some("from-env".into())).unwrap();
    assert_eq!(from_env.endpoint().client_secret.expose(), "from-env");
}

#[test]
fn the_embedded_sandbox_uses_the_demo_client_unless_told_otherwise() {
    // A secret meant for a real Osigu is not sent to the sandbox's demo client.
    let config = Config::parse_with_env("", Path::new(FILE), Some("production-secret".into())).unwrap();
    assert_eq!(config.endpoint().client_id, DEMO_CLIENT_ID);
    assert_eq!(config.endpoint().client_secret.expose(), DEMO_CLIENT_SECRET);
    let text = format!(
        "[osigu]\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
        crate::sandbox::READONLY_CLIENT_ID,
        crate::sandbox::READONLY_CLIENT_SECRET
    );
    let readonly = Config::parse(&text, Path::new(FILE)).unwrap();
    assert_eq!(readonly.endpoint().client_id, crate::sandbox::READONLY_CLIENT_ID);
    assert_eq!(readonly.endpoint().client_secret.expose(), crate::sandbox::READONLY_CLIENT_SECRET);
    let message = error("[osigu]\nclient_secret = \"s\"\n");
    assert!(message.ends_with("key `osigu.client_id`: required when `osigu.client_secret` is given"), "{message}");
}

#[test]
fn a_zero_timeout() {
    let message = error("[osigu]\nconnect_timeout_secs = 0\n");
    assert!(
        message.contains("line 2: key `osigu.connect_timeout_secs`: expected a whole number of seconds, at least 1"),
        "{message}"
    );
    let message = error("[osigu]\nrequest_timeout_secs = 0\n");
    assert!(message.contains("line 2: key `osigu.request_timeout_secs`: expected"), "{message}");
}

#[test]
fn a_timeout_given_as_text() {
    let message = error("[osigu]\n\nrequest_timeout_secs = \"15\"\n");
    assert!(message.contains("line 3: key `osigu.request_timeout_secs`: invalid type: string \"15\""), "{message}");
    assert!(message.contains("expected u64"), "{message}");
}

#[test]
fn an_invoice_prefix_with_a_space() {
    let message = error("[counter]\ninvoice_prefix = \"F 001-\"\n");
    assert!(
        message.contains("line 2: key `counter.invoice_prefix`: expected printable characters without spaces"),
        "{message}"
    );
    assert!(message.contains("\"F 001-\""), "{message}");
    let message = error("[counter]\ninvoice_prefix = \"FACTURA-SUCURSAL-0001-\"\n");
    assert!(message.contains("key `counter.invoice_prefix`: expected at most 20 characters"), "{message}");
    // Twenty accented letters are twenty characters, not forty bytes.
    assert!(Config::parse("[counter]\ninvoice_prefix = \"ÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑÑ\"\n", Path::new(FILE)).is_ok());
    assert!(Config::parse("[counter]\ninvoice_prefix = \"\"\n", Path::new(FILE)).is_ok());
}

#[test]
fn a_relative_data_dir_and_an_empty_capture_command() {
    let message = error("[counter]\ndata_dir = \"data\"\n");
    assert!(message.contains("line 2: key `counter.data_dir`: expected an absolute path"), "{message}");
    let message = error("[biometric]\ncapture_command = \" \"\n");
    assert!(message.contains("line 2: key `biometric.capture_command`: expected a shell command"), "{message}");
}

#[test]
fn a_syntax_error_names_the_line() {
    let message = error("locale = \"es\"\n[osigu]\nenvironment = \"sandbox\n");
    assert!(message.contains(": line 3: "), "{message}");
}

#[test]
fn a_duplicate_key_is_named() {
    let message = error("locale = \"es\"\nlocale = \"en\"\n");
    assert!(message.ends_with(": line 2: key `locale`: duplicate key"), "{message}");
}

#[test]
fn the_sections_read_their_values() {
    let text = "locale = \"en\"\n[counter]\ninvoice_prefix = \"B002-\"\ndata_dir = \"/var/lib/mostrador\"\n\
                require_pack_scan = true\n[biometric]\ncapture_command = \"fprint-capture --wsq\"\n";
    let config = Config::parse(text, Path::new(FILE)).unwrap();
    assert_eq!(config.locale, Locale::En);
    assert_eq!(config.counter.invoice_prefix, "B002-");
    assert!(config.counter.require_pack_scan);
    assert_eq!(config.data_dir().unwrap(), PathBuf::from("/var/lib/mostrador"));
    assert_eq!(config.biometric.capture_command.as_deref(), Some("fprint-capture --wsq"));
}

#[test]
fn debug_never_shows_the_secret() {
    let text = "[osigu]\nenvironment = \"osigu-sandbox\"\nclient_id = \"c\"\nclient_secret = \"hunter2-secret\"\n";
    let config = Config::parse(text, Path::new(FILE)).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("***"), "{debug}");
    let loaded = Loaded { config, path: None, warnings: Vec::new() };
    assert!(!format!("{loaded:?}").contains("hunter2"));
}

#[test]
fn an_explicit_file_that_does_not_exist_is_an_error() {
    let path = std::env::temp_dir().join(format!("mostrador-missing-{}.toml", std::process::id()));
    assert_eq!(locate(Some(&path)), Some(path.clone()));
    let error = Config::load_with_env(Some(path.clone()), None).unwrap_err();
    assert!(matches!(error, ConfigError::NotFound { .. }));
    assert_eq!(error.to_string(), format!("the configuration file {} does not exist", path.display()));
    let defaults = Config::load_with_env(None, None).unwrap();
    assert_eq!((defaults.config, defaults.path, defaults.warnings), (Config::default(), None, Vec::new()));
}

#[cfg(unix)]
#[test]
fn a_secret_in_a_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;

    let path = std::env::temp_dir().join(format!(
        "mostrador-config-{}-{}.toml",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    /// Removes the file even when an assertion fails.
    struct Remove(PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _remove = Remove(path.clone());
    let text = "[osigu]\nenvironment = \"osigu-sandbox\"\nclient_id = \"c\"\nclient_secret = \"s\"\n";
    std::fs::write(&path, text).unwrap();

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loaded = Config::load_with_env(Some(path.clone()), None).unwrap();
    assert_eq!(loaded.path.as_deref(), Some(path.as_path()));
    let expected = format!(
        "the configuration file {0} holds client_secret and is readable by other users; run: chmod 600 {0}",
        path.display()
    );
    assert_eq!(loaded.warnings, vec![ConfigWarning::ExposedSecret { path: path.clone() }]);
    assert_eq!(loaded.warnings[0].to_string(), expected);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(Config::load_with_env(Some(path.clone()), None).unwrap().warnings, Vec::<ConfigWarning>::new());

    // Without a secret in it, the file may be readable by anyone.
    std::fs::write(&path, "locale = \"en\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(Config::load_with_env(Some(path.clone()), None).unwrap().warnings, Vec::<ConfigWarning>::new());
}

#[test]
fn the_example_keys_are_the_defaults_and_mistakes_in_keys_are_named() {
    let example = Config::parse(include_str!("../../config.example.toml"), Path::new(FILE)).unwrap();
    let keymap = example.keymap();
    for action in crate::keymap::Action::ALL {
        assert_eq!(keymap.keys(*action), Keymap::default().keys(*action), "{}", action.name());
    }
    let message = Config::parse("[keys]\nfinalise = [\"f10\"]\n", Path::new(FILE)).unwrap_err().to_string();
    assert!(
        message.contains(FILE) && message.contains("line 2") && message.contains("key `keys.finalise`"),
        "{message}"
    );
    let message = Config::parse("[keys]\nfinalize = [\"f99\"]\n", Path::new(FILE)).unwrap_err().to_string();
    assert!(message.contains("key `keys.finalize`") && message.contains("`f99` is not a key"), "{message}");
    let unbound = Config::parse("[keys]\nhistory = []\n", Path::new(FILE)).unwrap();
    assert!(unbound.keymap().keys(crate::keymap::Action::History).is_empty());
}

#[cfg(unix)]
#[test]
fn a_file_larger_than_any_configuration_is_refused_without_being_read_whole() {
    // A device that never ends: before, it was read until memory ran out.
    let error = Config::load_with_env(Some(PathBuf::from("/dev/zero")), None).unwrap_err();
    assert!(matches!(error, ConfigError::TooLarge { limit: MAX_FILE_BYTES, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("/dev/zero") && message.contains("larger than 1024 KiB"), "{message}");

    // A real file one byte past the limit, and one exactly at it (a valid configuration padded with a comment).
    let path = std::env::temp_dir().join(format!("mostrador-config-big-{}.toml", std::process::id()));
    let padded = |size: u64| {
        let head = "locale = \"en\"\n#";
        format!("{head}{}", "x".repeat(usize::try_from(size).unwrap() - head.len()))
    };
    std::fs::write(&path, padded(MAX_FILE_BYTES + 1)).unwrap();
    let error = Config::load_with_env(Some(path.clone()), None).unwrap_err();
    assert!(matches!(error, ConfigError::TooLarge { .. }), "{error:?}");
    std::fs::write(&path, padded(MAX_FILE_BYTES)).unwrap();
    let loaded = Config::load_with_env(Some(path.clone()), None).unwrap();
    assert_eq!(loaded.config.locale, Locale::En);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn the_receipt_section_gives_the_printer_the_width_and_the_header() {
    let text = "[receipt]\nprinter = \"tcp://192.168.1.50\"\nwidth = 32\nauto_print = false\n\
                header = [\"Farmacia Demo\", \"NIT 1234567-8\"]\n";
    let config = Config::parse(text, Path::new(FILE)).unwrap();
    let network = PrinterAddress::Tcp { host: "192.168.1.50".into(), port: crate::receipt::RAW_PORT };
    assert_eq!(config.receipt.printer, Some(network.clone()));
    assert_eq!(config.receipt.printer().map(|printer| printer.address().clone()), Some(network));
    assert_eq!((config.receipt.width, config.receipt.auto_print), (Width::W32, false));
    assert_eq!(config.receipt.header, ["Farmacia Demo", "NIT 1234567-8"]);
    // Nothing said: no printer, 80 mm paper, printed on completion, no header.
    let defaults = Config::default().receipt;
    assert_eq!((defaults.printer(), defaults.width, defaults.auto_print), (None, Width::W48, true));
    assert!(defaults.header.is_empty());
}

#[test]
fn receipt_mistakes_name_the_key_and_what_was_expected() {
    for (text, expected) in [
        ("[receipt]\nwidth = 40\n", "line 2: key `receipt.width`: expected 32, 42 or 48 (characters per line"),
        ("[receipt]\nwidth = \"48\"\n", "key `receipt.width`: invalid type"),
        ("[receipt]\nprinter = \"lp0\"\n", "line 2: key `receipt.printer`: expected an absolute path"),
        ("[receipt]\nprinter = \"\"\n", "key `receipt.printer`: expected a device or file path, or tcp://HOST:PORT"),
        ("[receipt]\nprinter = \"tcp://printer:70000\"\n", "key `receipt.printer`: expected a port from 1 to 65535"),
        ("[receipt]\nprinter = \"usb://04b8:0202\"\n", "key `receipt.printer`: expected a device or file path"),
        ("[receipt]\nauto_print = \"yes\"\n", "key `receipt.auto_print`: invalid type"),
        ("[receipt]\nheader = [\"Farmacia\\u001b@\"]\n", "line 2: key `receipt.header`: expected lines of printable"),
        ("[receipt]\nprinterr = \"/dev/usb/lp0\"\n", "key `receipt.printerr`: unknown field `printerr`"),
    ] {
        let message = error(text);
        assert!(message.contains(expected), "{text}: {message}");
    }
}

#[test]
fn scanner_values_out_of_range_name_the_key_and_what_is_expected() {
    for (text, expected) in [
        ("[scanner]\nmin_chars = 1\n", "line 2: key `scanner.min_chars`: expected 2 to 64, found 1"),
        ("[scanner]\nmin_chars = 65\n", "key `scanner.min_chars`: expected 2 to 64, found 65"),
        ("[scanner]\nmax_gap_ms = 0\n", "line 2: key `scanner.max_gap_ms`: expected 1 to 1000, found 0"),
        ("[scanner]\nmax_gap_ms = 999999999999\n", "key `scanner.max_gap_ms`: expected 1 to 1000"),
        ("[scanner]\nprefix = \"\"\n", "key `scanner.prefix`: expected 1 to 8 printable characters"),
        ("[scanner]\nsuffix = \"a b\"\n", "key `scanner.suffix`: expected 1 to 8 printable characters"),
        ("[scanner]\nprefix = \"\\u001b[2J\"\n", "key `scanner.prefix`"),
        ("[scanner]\nprefix = \"123456789\"\n", "key `scanner.prefix`"),
        ("[scanner]\nterminator = \"escape\"\n", "scanner.terminator"),
        ("[scanner]\nburst = 6\n", "burst"),
        ("[scanner]\nmin_chars = -3\n", "scanner.min_chars"),
    ] {
        let message = error(text);
        assert!(message.contains(expected), "{text}: {message}");
        // The file's text is echoed only through the key's name: an escape sequence never reaches the terminal.
        assert!(!message.contains('\u{1b}'), "{text}: {message:?}");
    }
    let fine = Config::parse(
        "[scanner]\nterminator = \"crlf\"\nprefix = \"]C1\"\nsuffix = \"#\"\nmin_chars = 8\nmax_gap_ms = 30\n",
        Path::new(FILE),
    )
    .unwrap();
    let expected = ScannerSection {
        terminator: Terminator::Crlf,
        prefix: Some("]C1".to_owned()),
        suffix: Some("#".to_owned()),
        min_chars: 8,
        max_gap_ms: 30,
    };
    assert_eq!(fine.scanner, expected);
    assert_eq!(Config::parse("", Path::new(FILE)).unwrap().scanner, ScannerSection::default());
}

#[test]
fn the_idle_lock_defaults_to_two_minutes_turns_off_with_zero_and_is_at_most_a_day() {
    let lock_after = |text: &str| Config::parse(text, Path::new(FILE)).unwrap().counter.lock_after();
    assert_eq!(lock_after(""), Some(time::Duration::seconds(120)));
    assert_eq!(lock_after("[counter]\nlock_after_secs = 30\n"), Some(time::Duration::seconds(30)));
    assert_eq!(lock_after("[counter]\nlock_after_secs = 0\n"), None, "0: never lock");
    let message = error("[counter]\nlock_after_secs = 86401\n");
    assert!(message.contains("line 2: key `counter.lock_after_secs`: expected 0 (never lock) to 86400"), "{message}");
    let message = error("[counter]\nlock_after_secs = -1\n");
    assert!(message.contains("key `counter.lock_after_secs`"), "{message}");
}
