//! The TLS backend chosen by the crate features, and extra trusted roots.
//!
//! | feature | backend |
//! |---|---|
//! | `rustls-aws-lc-rs` (default) | rustls with aws-lc-rs (reqwest's own choice), the platform's trust store |
//! | `native-tls` | the platform's TLS library and trust store |
//!
//! With both enabled, `native-tls` wins: a feature other than the default is asked for on
//! purpose. Neither needs a process-wide rustls provider, so no other `reqwest::Client` in the
//! program needs setup either (a `ring` backend would need reqwest's `rustls-no-provider`,
//! which makes every other reqwest client in the process panic at build; see the CHANGELOG).

use crate::Error;

/// Whether any TLS backend is compiled in (otherwise only `http://` to loopback works).
pub(crate) const ENABLED: bool = cfg!(any(feature = "rustls-aws-lc-rs", feature = "native-tls"));

/// The TLS backend of `builder`, trusting the certificates of `extra_roots_pem` (each one
/// PEM text with one or more `CERTIFICATE` blocks) besides the platform's roots.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    extra_roots_pem: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    backend::configure(builder, extra_roots_pem)
}

/// The certificates of each PEM text, or a configuration error naming the bad one.
#[cfg(any(feature = "rustls-aws-lc-rs", feature = "native-tls"))]
fn parse(extra_roots_pem: &[Vec<u8>]) -> Result<Vec<reqwest::Certificate>, Error> {
    let mut certificates = Vec::new();
    for (index, pem) in extra_roots_pem.iter().enumerate() {
        let parsed = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| bad_pem(index, e))?;
        if parsed.is_empty() {
            return Err(bad_pem(index, "no CERTIFICATE block found"));
        }
        certificates.extend(parsed);
    }
    Ok(certificates)
}

#[cfg(any(feature = "rustls-aws-lc-rs", feature = "native-tls"))]
fn bad_pem(index: usize, why: impl std::fmt::Display) -> Error {
    Error::Config(format!(
        "root certificate #{} (add_root_certificate_pem) is not a usable PEM certificate: {why}",
        index + 1
    ))
}

/// The backends reqwest configures itself: only the selector differs.
#[cfg(any(feature = "rustls-aws-lc-rs", feature = "native-tls"))]
mod backend {
    use super::*;

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
        extra_roots_pem: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, Error> {
        let roots = parse(extra_roots_pem)?;
        Ok(roots
            .into_iter()
            .fold(select(builder), |b, root| b.add_root_certificate(root)))
    }

    /// `native-tls` wins over `rustls-aws-lc-rs` (see the module docs).
    fn select(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        #[cfg(feature = "native-tls")]
        let builder = builder.tls_backend_native();
        #[cfg(not(feature = "native-tls"))]
        let builder = builder.tls_backend_rustls();
        builder
    }
}

#[cfg(not(any(feature = "rustls-aws-lc-rs", feature = "native-tls")))]
mod backend {
    use super::*;

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
        extra_roots_pem: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, Error> {
        if extra_roots_pem.is_empty() {
            Ok(builder)
        } else {
            Err(Error::Config(
                "add_root_certificate_pem needs a TLS feature of stytch-totp (rustls-aws-lc-rs, \
                 the default, or native-tls)"
                    .into(),
            ))
        }
    }
}

#[cfg(all(test, any(feature = "rustls-aws-lc-rs", feature = "native-tls")))]
mod tests {
    use crate::{Client, Error};

    /// A self-signed CA certificate (ECDSA P-256, valid until 2126), made with openssl.
    const CA: &str = include_str!("../tests/fixtures/test-ca.pem");

    fn build(roots: &[&str]) -> Result<Client, Error> {
        roots
            .iter()
            .fold(Client::builder(), |b, pem| b.add_root_certificate_pem(pem))
            .project_id("project-test-00000000-0000-0000-0000-000000000000")
            .secret("secret-test-xxxxxxxx")
            .build()
    }

    fn config_error(result: Result<Client, Error>) -> String {
        match result {
            Err(Error::Config(message)) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn extra_roots_are_accepted_alone_and_as_a_bundle() {
        build(&[]).unwrap();
        build(&[CA]).unwrap();
        build(&[&format!("{CA}{CA}")]).unwrap();
    }

    #[test]
    fn text_without_a_certificate_is_a_config_error_naming_it() {
        let message = config_error(build(&[CA, "not a certificate"]));
        assert!(
            message.contains("root certificate #2") && message.contains("no CERTIFICATE block"),
            "{message}"
        );
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        config_error(build(&[key]));
    }

    #[test]
    fn a_certificate_block_that_is_not_a_certificate_is_a_config_error() {
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAA\n-----END CERTIFICATE-----\n";
        config_error(build(&[garbage]));
    }

    #[test]
    fn a_given_http_client_does_not_silently_drop_extra_roots() {
        // A plain reqwest client builds with no process-wide setup under every backend.
        let result = Client::builder()
            .project_id("project-test-00000000-0000-0000-0000-000000000000")
            .secret("secret-test-xxxxxxxx")
            .http_client(reqwest::Client::new())
            .add_root_certificate_pem(CA)
            .build();
        assert!(config_error(result).contains("http_client"));
    }
}
