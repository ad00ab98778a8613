//! The embedded sandbox is plain `http://` on 127.0.0.1: no certificate is ever involved, so the system's CA
//! certificates are not read. On a machine without them (a minimal container, a stripped counter PC) the
//! counter and `mostrador check` still work against it; reading them is also most of a start's file reads.

use std::process::Command;

/// `mostrador check` with the embedded sandbox, where rustls would find no CA certificate at all.
#[test]
fn the_embedded_sandbox_needs_no_ca_certificates() {
    let dir = std::env::temp_dir().join(format!("mostrador-certificates-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("home")).expect("scratch directory");
    let config = dir.join("config.toml");
    std::fs::write(&config, format!("[counter]\ndata_dir = \"{}\"\n", dir.join("data").display())).expect("config");
    let output = Command::new(env!("CARGO_BIN_EXE_mostrador"))
        .arg("check")
        .env("MOSTRADOR_CONFIG", &config)
        .env_remove("MOSTRADOR_CLIENT_SECRET")
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("home/.config"))
        // Where rustls-native-certs looks first: nothing there, and nothing to fall back on.
        .env("SSL_CERT_FILE", dir.join("no-such-bundle.pem"))
        .env("SSL_CERT_DIR", dir.join("no-such-directory"))
        .output()
        .expect("the binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "check failed without CA certificates:\n{stdout}\n{stderr}");
    assert!(stdout.contains("reached the embedded sandbox"), "{stdout}\n{stderr}");
}
