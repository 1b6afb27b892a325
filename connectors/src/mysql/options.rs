//! How a MySQL/MariaDB connector reaches its server: address, credentials, TLS, pool bounds, and
//! the session settings that every connection runs on connect and again after every reset.
//!
//! Everything here is built without network IO, so a bad setting (a missing CA file, a Postgres
//! URL) is refused when the connector is created, not on its first query.

use std::time::Duration;

use mysql_async::{Opts, OptsBuilder, PoolConstraints, PoolOpts, SslOpts};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::config::{Engine, ServerConfig, TlsMode};
use crate::error::ConnectorError;

/// The `sql_mode` every session runs under: what the guard's MySQL dialect assumes. Backslash
/// escapes stay on and `"…"` stays a string literal (no `ANSI_QUOTES`, no `ANSI`, no
/// `NO_BACKSLASH_ESCAPES`), so the server splits the text into the same tokens the guard did.
pub(super) const SQL_MODE: &str = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

/// How long an idle pooled connection is kept before it is closed.
const IDLE_TTL: Duration = Duration::from_secs(60);

/// Which server family answers: they name the statement time limit differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavour {
    /// MariaDB: `max_statement_time`, in seconds (fractions allowed); JSON columns are `LONGTEXT`.
    MariaDb,
    /// MySQL (and servers that speak like it): `max_execution_time`, in milliseconds, for reads.
    MySql,
}

impl Flavour {
    /// Reads `SELECT VERSION()`'s answer: MariaDB says so in it (`10.11.6-MariaDB-…`).
    pub(super) fn from_version(version: &str) -> Self {
        if version.to_ascii_lowercase().contains("mariadb") {
            Flavour::MariaDb
        } else {
            Flavour::MySql
        }
    }

    /// The one `SET` that pins the character set, `sql_mode`, time zone and statement time limit.
    /// All values are constants or numbers; nothing from a user reaches this text.
    pub(super) fn session_settings(self, statement_timeout: Duration) -> String {
        let limit = match self {
            Flavour::MariaDb => {
                format!("max_statement_time = {}.{:03}", statement_timeout.as_secs(), statement_timeout.subsec_millis())
            }
            Flavour::MySql => format!("max_execution_time = {}", statement_timeout.as_millis().max(1)),
        };
        format!("SET NAMES utf8mb4, SESSION sql_mode = '{SQL_MODE}', SESSION time_zone = '+00:00', SESSION {limit}")
    }
}

/// The statements mysql_async runs on every new connection and again after every
/// `COM_RESET_CONNECTION` (`OptsBuilder::setup`). `SET SESSION TRANSACTION READ ONLY` makes every
/// transaction of the session read-only, including the one a DDL statement's implicit commit
/// would start: `START TRANSACTION READ ONLY` alone does not stop `CREATE TABLE` on MariaDB.
pub(super) fn setup_statements(flavour: Flavour, statement_timeout: Duration) -> Vec<String> {
    vec![flavour.session_settings(statement_timeout), "SET SESSION TRANSACTION READ ONLY".to_owned()]
}

/// Options shared by every connection of a connector: address, credentials, database and TLS,
/// but no session setup and no pool. Used as is for the short-lived side connections (flavour
/// detection, `KILL QUERY`, the privilege report).
pub(super) fn base_opts(config: &ServerConfig) -> Result<OptsBuilder, ConnectorError> {
    if config.engine != Engine::Mysql {
        return Err(ConnectorError::Open("the MySQL/MariaDB connector needs a mysql:// or mariadb:// URL".to_owned()));
    }
    Ok(OptsBuilder::default()
        .ip_or_hostname(config.host.clone())
        .tcp_port(config.port)
        .user(Some(config.user.clone()))
        .pass(config.password.as_ref().map(|p| p.expose().to_owned()))
        .db_name(Some(config.database.clone()))
        // mysql_async would otherwise reconnect over the server's Unix socket after a loopback TCP
        // login, and it never encrypts a socket (src/io/tls/rustls_io.rs `make_secure`): the
        // connector must talk to exactly the endpoint, and with exactly the TLS, it was given.
        .prefer_socket(false)
        .ssl_opts(ssl_opts(config)?)
        .tcp_nodelay(true)
        .enable_cleartext_plugin(false))
}

/// Options for the pooled connections: the base, the session setup, and a pool bounded by
/// `pool_size` that resets every connection (`COM_RESET_CONNECTION`, then the setup again)
/// before it is reused.
pub(super) fn pooled_opts(base: &OptsBuilder, config: &ServerConfig, flavour: Flavour) -> Opts {
    let constraints = PoolConstraints::new(0, config.pool_size.max(1)).unwrap_or_default();
    let pool = PoolOpts::default()
        .with_constraints(constraints)
        .with_reset_connection(true)
        // Non-zero, or mysql_async keeps no idle connection at all (PoolOpts::active_bound).
        .with_inactive_connection_ttl(IDLE_TTL);
    base.clone().setup(setup_statements(flavour, config.statement_timeout)).pool_opts(pool).into()
}

/// TLS as the config asks: none, encrypted without checks, or a verified chain and host name.
pub(super) fn ssl_opts(config: &ServerConfig) -> Result<Option<SslOpts>, ConnectorError> {
    match config.tls {
        TlsMode::Disable => Ok(None),
        TlsMode::Require => {
            install_crypto_provider();
            Ok(Some(SslOpts::default().with_danger_accept_invalid_certs(true).with_danger_skip_domain_validation(true)))
        }
        TlsMode::VerifyFull => {
            install_crypto_provider();
            let Some(path) = &config.ca_file else { return Ok(Some(SslOpts::default())) };
            let pem = std::fs::read(path)
                .map_err(|e| ConnectorError::Tls(format!("cannot read the CA file {}: {e}", path.display())))?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| {
                    ConnectorError::Tls(format!("the CA file {} is not valid PEM: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    ConnectorError::Tls(format!("the CA file {} holds an unusable certificate: {e}", path.display()))
                })?;
            }
            if roots.is_empty() {
                return Err(ConnectorError::Tls(format!(
                    "the CA file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    path.display()
                )));
            }
            // Only the given CA is trusted: the public web roots are off when a file is named.
            Ok(Some(SslOpts::default().with_root_certs(vec![pem.into()]).with_disable_built_in_roots(true)))
        }
    }
}

/// rustls needs one process-wide crypto provider; with more than one compiled in and none
/// chosen, building a TLS client panics. Choosing ring (what this crate compiles) first makes
/// that impossible; if another part of the process chose already, its choice stands.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBijCCATGgAwIBAgIUQ3TCmCLGKl13Ph8V1LG9rq29jUQwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPc3FsZ2F0ZSB0ZXN0IENBMCAXDTI2MTEyMzE2MjQwOVoYDzIx
MjYxMDMwMTYyNDA5WjAaMRgwFgYDVQQDDA9zcWxnYXRlIHRlc3QgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAT+GGbWJZnYZ+R3T1rVEcSqesJPECCvkMtBsDAL
A1YO/AbTSbpZ478s74/JzdItMKtOq6glfIk509IUfPp92tJmo1MwUTAdBgNVHQ4E
FgQUCHL3FrE4wN55Vxjaplzgb/EZ/uswHwYDVR0jBBgwFoAUCHL3FrE4wN55Vxja
plzgb/EZ/uswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiA4ex9v
wayfxB96ONO5ZuSAz5vWkVGcvfbeg0TFGNAnsgIgCSG75aBnAaxzvh4oilQQSzV6
Qk4RDboGI353qMmxfHo=
-----END CERTIFICATE-----
";

    fn config(url: &str) -> ServerConfig {
        ServerConfig::from_url(url).unwrap()
    }

    fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("sqlgate-mysql-options-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn disable_is_plain_tcp() {
        assert!(ssl_opts(&config("mysql://u@127.0.0.1/db?sslmode=disable")).unwrap().is_none());
    }

    #[test]
    fn require_encrypts_without_checking_the_certificate() {
        let ssl = ssl_opts(&config("mysql://u@db.example.com/db?sslmode=require")).unwrap().unwrap();
        assert!(ssl.accept_invalid_certs());
        assert!(ssl.skip_domain_validation());
    }

    #[test]
    fn verify_full_without_a_file_checks_against_the_web_roots() {
        let ssl = ssl_opts(&config("mysql://u@db.example.com/db?sslmode=verify-full")).unwrap().unwrap();
        assert!(!ssl.accept_invalid_certs());
        assert!(!ssl.skip_domain_validation());
        assert!(!ssl.disable_built_in_roots());
        assert!(ssl.root_certs().is_empty());
        assert_eq!(ssl.tls_hostname_override(), None);
    }

    #[test]
    fn verify_full_with_a_file_trusts_only_that_ca() {
        let path = temp_file("ca.pem", CA_PEM);
        let url = format!("mysql://u@db.example.com/db?sslmode=verify-full&sslrootcert={}", path.display());
        let ssl = ssl_opts(&config(&url)).unwrap().unwrap();
        assert!(!ssl.accept_invalid_certs());
        assert!(!ssl.skip_domain_validation());
        assert!(ssl.disable_built_in_roots());
        assert_eq!(ssl.root_certs().len(), 1);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn an_unusable_ca_file_is_refused_up_front_by_name() {
        let missing = std::env::temp_dir().join("sqlgate-no-such-ca.pem");
        let empty = temp_file("empty.pem", "not a certificate\n");
        for path in [missing, empty.clone()] {
            let url = format!("mysql://u:hunter2@db.example.com/db?sslmode=verify-full&sslrootcert={}", path.display());
            match ssl_opts(&config(&url)) {
                Err(ConnectorError::Tls(message)) => {
                    assert!(message.contains(&path.display().to_string()), "{message}");
                    assert!(!message.contains("hunter2"), "{message}");
                }
                other => panic!("expected a TLS error, got {other:?}"),
            }
        }
        let _ = std::fs::remove_file(empty);
    }

    #[test]
    fn a_postgres_url_is_refused() {
        let result = base_opts(&config("postgres://u:hunter2@127.0.0.1/db"));
        assert!(matches!(result, Err(ConnectorError::Open(ref m)) if !m.contains("hunter2")));
    }

    #[test]
    fn the_pool_is_bounded_resets_and_never_uses_the_socket() {
        let c = config("mysql://u:pw@127.0.0.1:3307/shop?pool_size=3&statement_timeout=1500");
        let opts = pooled_opts(&base_opts(&c).unwrap(), &c, Flavour::MariaDb);
        assert_eq!(opts.pool_opts().constraints().max(), 3);
        assert!(opts.pool_opts().reset_connection());
        assert!(!opts.prefer_socket());
        assert!(opts.ssl_opts().is_none());
        assert_eq!((opts.ip_or_hostname(), opts.tcp_port(), opts.db_name()), ("127.0.0.1", 3307, Some("shop")));
        assert_eq!(
            opts.setup(),
            [
                format!(
                    "SET NAMES utf8mb4, SESSION sql_mode = '{SQL_MODE}', SESSION time_zone = '+00:00', SESSION max_statement_time = 1.500"
                ),
                "SET SESSION TRANSACTION READ ONLY".to_owned()
            ]
        );
    }

    #[test]
    fn each_flavour_gets_its_own_time_limit() {
        assert!(Flavour::MySql.session_settings(Duration::from_millis(2500)).ends_with("max_execution_time = 2500"));
        assert!(Flavour::MariaDb.session_settings(Duration::from_millis(250)).ends_with("max_statement_time = 0.250"));
        assert_eq!(Flavour::from_version("10.11.19-MariaDB-0+deb12u1"), Flavour::MariaDb);
        assert_eq!(Flavour::from_version("8.0.36"), Flavour::MySql);
    }

    #[test]
    fn the_pinned_sql_mode_keeps_the_guards_reading_of_text() {
        for mode in SQL_MODE.split(',') {
            assert!(!["ANSI_QUOTES", "NO_BACKSLASH_ESCAPES", "ANSI", "PIPES_AS_CONCAT"].contains(&mode), "{mode}");
        }
    }
}
