//! Where the receipt printer is, as `[receipt] printer` writes it: the absolute path of a device (`/dev/usb/lp0`)
//! or of a file the bytes are appended to, or `tcp://HOST:PORT` for a network printer's raw port (9100 when the
//! port is left out, the port every network receipt printer listens on).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The raw printing port of network receipt printers (JetDirect / AppSocket).
pub const RAW_PORT: u16 = 9100;

/// A receipt printer's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrinterAddress {
    /// A device or a file, by its absolute path. It must exist: it is never created, so an unplugged USB printer
    /// whose device went away is "not answering" rather than a new file nobody reads.
    Path(PathBuf),
    /// A network printer's raw port.
    Tcp { host: String, port: u16 },
}

/// A `[receipt] printer` value that is not an address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrinterAddressError {
    #[error("expected a device or file path, or tcp://HOST:PORT, found an empty text")]
    Empty,
    #[error("expected an absolute path (a device such as /dev/usb/lp0, or a file), found {0:?}")]
    Relative(String),
    #[error("expected tcp://HOST:PORT (e.g. tcp://192.168.1.50:9100), found {0:?}")]
    Tcp(String),
    #[error("expected a port from 1 to 65535, found {0:?}")]
    Port(String),
    #[error("expected a device or file path, or tcp://HOST:PORT (the only network kind), found {0:?}")]
    Scheme(String),
}

impl FromStr for PrinterAddress {
    type Err = PrinterAddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PrinterAddressError::Empty);
        }
        if let Some((scheme, rest)) = text.split_once("://") {
            if !scheme.eq_ignore_ascii_case("tcp") {
                return Err(PrinterAddressError::Scheme(text.to_owned()));
            }
            return tcp(rest.trim_end_matches('/')).ok_or_else(|| PrinterAddressError::Tcp(text.to_owned()))?;
        }
        let path = PathBuf::from(text);
        if !path.is_absolute() {
            // A relative path would depend on where the counter happens to be started.
            return Err(PrinterAddressError::Relative(text.to_owned()));
        }
        Ok(Self::Path(path))
    }
}

/// `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`; `None` when the host is not one, a port that is not a number in
/// range its own error.
fn tcp(rest: &str) -> Option<Result<PrinterAddress, PrinterAddressError>> {
    let (host, port) = match rest.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':')?)),
            }
        }
        None => match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
    if host.is_empty() || !host.chars().all(valid) {
        return None;
    }
    let port = match port {
        None => RAW_PORT,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => return Some(Err(PrinterAddressError::Port(port.to_owned()))),
        },
    };
    Some(Ok(PrinterAddress::Tcp { host: host.to_owned(), port }))
}

impl fmt::Display for PrinterAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(path) => write!(f, "{}", path.display()),
            Self::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            Self::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> PrinterAddress {
        PrinterAddress::Tcp { host: host.to_owned(), port }
    }

    #[test]
    fn paths_and_network_printers_are_read_as_written() {
        assert_eq!("/dev/usb/lp0".parse(), Ok(PrinterAddress::Path("/dev/usb/lp0".into())));
        assert_eq!("tcp://192.168.1.50:9100".parse(), Ok(tcp("192.168.1.50", 9100)));
        assert_eq!("TCP://printer.lan".parse(), Ok(tcp("printer.lan", RAW_PORT)));
        assert_eq!("tcp://[::1]:9101/".parse(), Ok(tcp("::1", 9101)));
        assert_eq!("tcp://[fe80::1]".parse(), Ok(tcp("fe80::1", RAW_PORT)));
        assert_eq!(tcp("::1", 9101).to_string(), "tcp://[::1]:9101");
        assert_eq!(tcp("printer.lan", 9100).to_string(), "tcp://printer.lan:9100");
    }

    #[test]
    fn what_is_not_an_address_says_what_was_expected() {
        let error = |text: &str| text.parse::<PrinterAddress>().unwrap_err();
        assert_eq!(error("  "), PrinterAddressError::Empty);
        assert_eq!(error("lp0"), PrinterAddressError::Relative("lp0".into()));
        assert_eq!(error("tcp://"), PrinterAddressError::Tcp("tcp://".into()));
        assert_eq!(error("tcp://printer lan:9100"), PrinterAddressError::Tcp("tcp://printer lan:9100".into()));
        assert_eq!(error("tcp://printer:0"), PrinterAddressError::Port("0".into()));
        assert_eq!(error("tcp://printer:99999"), PrinterAddressError::Port("99999".into()));
        assert_eq!(error("usb://04b8:0202"), PrinterAddressError::Scheme("usb://04b8:0202".into()));
        assert!(error("http://printer").to_string().contains("tcp://HOST:PORT"));
    }
}
