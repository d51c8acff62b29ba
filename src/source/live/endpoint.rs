//! What the operator tells runtop about a runner: its URL, the headers its
//! handshake needs, the TLS roots to trust, the limits to enforce.
//!
//! Header values are secrets (tokens): they are kept in a type whose `Debug`
//! hides them, and URLs are shown without their user info or query string.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue, Uri};

/// Why a URL, header or CA file given for a runner was refused. Each says
/// what is wrong without repeating a secret (user info, query, header value).
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("invalid URL {shown:?}: {problem}")]
    Url { shown: String, problem: String },
    #[error("a --header must look like 'Name: value'")]
    HeaderShape,
    #[error("a --header-env must look like 'Name=ENV_VAR'")]
    HeaderEnvShape,
    #[error("--header-env {name}: environment variable {var} is not set")]
    HeaderEnvUnset { name: String, var: String },
    #[error("{0:?} is not a valid header name")]
    HeaderName(String),
    #[error("the value of header {0} has characters a header cannot hold")]
    HeaderValue(String),
    #[error("cannot read --ca-cert {path}: {problem}")]
    CaCert { path: String, problem: String },
    #[error("TLS setup: {0}")]
    Tls(#[from] rustls::Error),
}

/// A runner's WebSocket address, checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub uri: Uri,
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

impl Endpoint {
    /// Parses a `ws://` or `wss://` URL. Errors show it without secrets.
    pub fn parse(url: &str) -> Result<Endpoint, EndpointError> {
        let refuse = |problem: String| EndpointError::Url {
            shown: crate::secrets::url(url),
            problem,
        };
        let uri: Uri = url.parse().map_err(|e| refuse(format!("{e}")))?;
        let tls = match uri.scheme_str() {
            Some("ws") => false,
            Some("wss") => true,
            Some(other) => return Err(refuse(format!("scheme {other:?} is not ws or wss"))),
            None => {
                return Err(refuse(
                    "expected ws://HOST[:PORT]/PATH or wss://…".to_string(),
                ));
            }
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| refuse("no host".to_string()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        // `Uri` keeps a port it cannot read as a number (`:99999`, `:abc`)
        // and then answers None for it: that must not become port 80.
        let authority = uri.authority().map_or("", |a| a.as_str());
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let after_host = match host_port.rfind(']') {
            Some(i) => &host_port[i + 1..],
            None => host_port.rfind(':').map_or("", |i| &host_port[i..]),
        };
        let port =
            match after_host.strip_prefix(':') {
                None => {
                    if tls {
                        443
                    } else {
                        80
                    }
                }
                Some(port) => port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    refuse(format!("port {port:?} is not a number from 1 to 65535"))
                })?,
            };
        Ok(Endpoint {
            uri,
            host,
            port,
            tls,
        })
    }

    /// The URL without user info or query string, which may hold secrets.
    pub fn display(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        let query = if self.uri.query().is_some() {
            "?…"
        } else {
            ""
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{host}:{}{}{query}", self.port, self.uri.path())
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// A handshake header. Its value never appears in output.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    pub name: HeaderName,
    pub value: HeaderValue,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: <redacted>", self.name)
    }
}

impl Header {
    /// Parses `Name: value` (from `--header`).
    pub fn parse(spec: &str) -> Result<Header, EndpointError> {
        let (name, value) = spec.split_once(':').ok_or(EndpointError::HeaderShape)?;
        Header::new(name.trim(), value.trim())
    }

    /// Parses `Name=VAR` (from `--header-env`), taking the value from the
    /// environment variable `VAR`.
    pub fn from_env(
        spec: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Header, EndpointError> {
        let (name, var) = spec.split_once('=').ok_or(EndpointError::HeaderEnvShape)?;
        let value = env(var.trim()).ok_or_else(|| EndpointError::HeaderEnvUnset {
            name: name.trim().to_string(),
            var: var.trim().to_string(),
        })?;
        Header::new(name.trim(), value.trim())
    }

    fn new(name: &str, value: &str) -> Result<Header, EndpointError> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| EndpointError::HeaderName(name.to_string()))?;
        // The value is a secret: say what is wrong without repeating it.
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| EndpointError::HeaderValue(name.to_string()))?;
        value.set_sensitive(true);
        Ok(Header { name, value })
    }
}

/// How a link behaves: identical for every source of one run.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    pub headers: Vec<Header>,
    /// Sent once after every connect.
    pub subscribe: Option<String>,
    pub tls: Arc<ClientConfig>,
    pub max_message_bytes: usize,
    pub max_frame_bytes: usize,
    /// Silence after which a connection is dropped and redialled.
    pub idle_timeout: Duration,
    pub ping_every: Duration,
    pub connect_timeout: Duration,
}

impl LinkOptions {
    /// The defaults, with `tls`: no headers, no subscription.
    pub fn defaults(tls: Arc<ClientConfig>) -> Self {
        LinkOptions {
            headers: Vec::new(),
            subscribe: None,
            tls,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            ping_every: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1 << 20;
pub const DEFAULT_MAX_FRAME_BYTES: usize = 256 << 10;
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The TLS configuration: the system's roots, plus a private CA if given.
pub fn tls_config(ca_cert: Option<&Path>) -> Result<Arc<ClientConfig>, EndpointError> {
    let mut roots = RootCertStore::empty();
    // A host without a system store can still use --ca-cert, so a failure to
    // load it is not fatal here; a wss:// handshake will say what is wrong.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_cert {
        let refuse = |problem: String| EndpointError::CaCert {
            path: path.display().to_string(),
            problem,
        };
        let pem = crate::files::read_capped(path).map_err(|e| refuse(e.to_string()))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| refuse(e.to_string()))?;
        if certs.is_empty() {
            return Err(refuse("it holds no PEM certificate".to_string()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| refuse(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_shown_without_secrets() {
        let e = Endpoint::parse("wss://user:pw@runner.example:9443/events?token=abc").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.tls),
            ("runner.example", 9443, true)
        );
        assert_eq!(e.display(), "wss://runner.example:9443/events?…");
        assert_eq!(Endpoint::parse("ws://127.0.0.1/x").unwrap().port, 80);
        assert_eq!(
            Endpoint::parse("ws://[::1]:7878/").unwrap().display(),
            "ws://[::1]:7878/"
        );
        for bad in [
            "http://x/",
            "runner:7878",
            "ws://",
            "not a url",
            "",
            "ws://127.0.0.1:99999/events",
            "ws://127.0.0.1:abc/events",
            "ws://127.0.0.1:0/events",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
        let err = Endpoint::parse("ws://127.0.0.1:99999/events")
            .unwrap_err()
            .to_string();
        assert!(err.contains("port \"99999\""), "{err}");
        let err = Endpoint::parse("wss://u:s3cret@host:x/p?token=s3cret")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn headers_parse_and_never_show_their_value() {
        let h = Header::parse("Authorization: Bearer s3cret").unwrap();
        assert_eq!(h.name.as_str(), "authorization");
        assert!(!format!("{h:?}").contains("s3cret"));
        let env = |v: &str| (v == "TOKEN").then(|| "Bearer t0ken".to_string());
        let h = Header::from_env("Authorization=TOKEN", env).unwrap();
        assert_eq!(h.value.to_str().unwrap(), "Bearer t0ken");
        let err = Header::from_env("Authorization=MISSING", env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("MISSING is not set"), "{err}");
        assert!(Header::parse("no colon").is_err());
        let err = Header::parse("X-Token: bad\u{7f}value")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("bad"), "{err}");
    }
}
