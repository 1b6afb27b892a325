//! The MongoDB-wire server of the tests: SecantusDB (PyPI `secantusdb`) on 127.0.0.1:27019, in
//! memory. Whichever test finds nothing listening starts it, detached, so it serves the tests
//! that follow (each in its own database); the driver then waits for it to answer. A lock file
//! keeps tests that start together from each starting one; a lock older than a minute is taken to
//! be left over from a start that failed.
//!
//! Shared by the store conformance suite and the black-box tests (`tests/mongo_store.rs` includes
//! this file), so it uses nothing from the crate.

use std::fs::{File, OpenOptions};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

/// Where the tests expect the server.
pub(super) const ADDRESS: &str = "127.0.0.1:27019";

/// The conventional virtualenv (as `.ci/run` creates it).
const VENV_BINARY: &str = "/var/tmp/sqlgate-venv/bin/secantusd-py";

pub(super) fn log() -> PathBuf {
    std::env::temp_dir().join("sqlgate-secantusd-27019.log")
}

/// Ok when a server listens or one is being started; Err(why) when none can be.
pub(super) fn ensure() -> Result<(), String> {
    let address: SocketAddr = ADDRESS.parse().map_err(|e| format!("bad address: {e}"))?;
    if TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok() {
        return Ok(());
    }
    let binary = binary().ok_or_else(|| {
        format!(
            "nothing listens there and secantusd-py is not installed (not in $SECANTUSD_PY, on PATH or at \
             {VENV_BINARY}); `.ci/run` installs it, or: python3 -m venv /var/tmp/sqlgate-venv && \
             /var/tmp/sqlgate-venv/bin/pip install secantusdb"
        )
    })?;
    if take_lock() {
        start(&binary);
    }
    Ok(())
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SECANTUSD_PY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("secantusd-py")).find(|p| p.is_file()));
    on_path.or_else(|| Some(PathBuf::from(VENV_BINARY)).filter(|p| p.is_file()))
}

/// Whether this test is the one to start the server.
fn take_lock() -> bool {
    let lock = std::env::temp_dir().join("sqlgate-secantusd-27019.lock");
    let create = || OpenOptions::new().write(true).create_new(true).open(&lock).is_ok();
    if create() {
        return true;
    }
    let stale = std::fs::metadata(&lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|at| SystemTime::now().duration_since(at).ok())
        .is_some_and(|age| age > Duration::from_secs(60));
    stale && std::fs::remove_file(&lock).is_ok() && create()
}

fn start(binary: &Path) {
    let log = log();
    let out = File::options().create(true).append(true).open(&log).expect("open the SecantusDB log");
    let err = out.try_clone().expect("open the SecantusDB log");
    // Its own process group and no pipes to this test: it outlives the test and serves the next.
    let mut server = Command::new(binary)
        .args(["--host", "127.0.0.1", "--port", "27019", "--storage-path", ":memory:"])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    // Reaped if it exits while this test runs (say a second start that found the port taken);
    // otherwise it is left running when the test process ends.
    std::thread::spawn(move || server.wait());
}
