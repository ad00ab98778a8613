//! The fingerprint reader. At a real counter it is a command (`[biometric] capture_command`) that waits for the
//! finger and writes the sample (WSQ) to stdout; against the embedded sandbox a built-in reader returns the
//! beneficiary's shipped sample, so the flow can be tried without hardware.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::counter::CaptureError;

/// The largest sample read from a reader (the contract accepts up to 1 MiB decoded).
const MAX_SAMPLE_BYTES: u64 = 1024 * 1024;
/// How long a reader may wait for the finger.
const CAPTURE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where samples come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capture {
    /// The embedded sandbox's samples, by beneficiary.
    Sandbox,
    /// A shell command whose stdout is the sample.
    Command(String),
    /// No reader configured.
    None,
}

impl Capture {
    /// Reads one sample for `beneficiary_id`.
    pub async fn capture(&self, beneficiary_id: &str) -> Result<Vec<u8>, CaptureError> {
        match self {
            Self::None => Err(CaptureError::NoReader),
            Self::Sandbox => crate::sandbox::demo_fingerprint(beneficiary_id)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| CaptureError::Failed("the sandbox has no sample for this beneficiary".to_owned())),
            Self::Command(command) => run(command).await,
        }
    }
}

async fn run(command: &str) -> Result<Vec<u8>, CaptureError> {
    let failed = |what: String| CaptureError::Failed(what);
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| failed(format!("cannot run the reader command: {error}")))?;
    let mut stdout = child.stdout.take().ok_or_else(|| failed("the reader command has no output".to_owned()))?;
    let read = async {
        let mut sample = Vec::new();
        // One byte more than allowed tells a too-large sample from one that fits exactly.
        (&mut stdout).take(MAX_SAMPLE_BYTES + 1).read_to_end(&mut sample).await?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((sample, status))
    };
    let (sample, status) = tokio::time::timeout(CAPTURE_TIMEOUT, read)
        .await
        .map_err(|_| failed(format!("no sample within {} s", CAPTURE_TIMEOUT.as_secs())))?
        .map_err(|error| failed(format!("reading the sample failed: {error}")))?;
    if !status.success() {
        return Err(failed(format!("the reader command failed ({status})")));
    }
    if sample.is_empty() {
        return Err(failed("the reader gave an empty sample".to_owned()));
    }
    if sample.len() as u64 > MAX_SAMPLE_BYTES {
        return Err(failed("the sample is larger than 1 MiB".to_owned()));
    }
    Ok(sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reader_command_gives_its_stdout_and_failures_say_why() {
        let sample = Capture::Command("printf 'WSQ-SAMPLE'".into()).capture("bnf_x").await.unwrap();
        assert_eq!(sample, b"WSQ-SAMPLE");
        let failed = Capture::Command("exit 3".into()).capture("bnf_x").await.unwrap_err();
        assert!(matches!(failed, CaptureError::Failed(ref text) if text.contains("failed")), "{failed:?}");
        let empty = Capture::Command("true".into()).capture("bnf_x").await.unwrap_err();
        assert!(matches!(empty, CaptureError::Failed(ref text) if text.contains("empty")), "{empty:?}");
        assert_eq!(Capture::None.capture("bnf_x").await, Err(CaptureError::NoReader));
    }

    #[tokio::test]
    async fn the_sandbox_reader_returns_the_beneficiarys_shipped_sample() {
        let sample = Capture::Sandbox.capture("bnf_01JD00SANDBX00000000000003").await.unwrap();
        assert!(sample.len() > 100);
        assert!(Capture::Sandbox.capture("bnf_unknown").await.is_err());
    }
}
