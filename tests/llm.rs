//! Black-box tests of the LLM settings at the binary's edge: `sqlgate keys seal-llm-key`, and a
//! start refused for a plain key in the file or a model without a price.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use sqlgate_connectors::{unseal, MasterKey, SealedSecret};

mod common;

const MASTER: [u8; 32] = [42; 32];
const KEY: &str = "sk-ant-api03-NotARealKeyButLongEnough-0123456789";

fn master_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(MASTER)
}

/// The binary with `args`, `env` and `stdin`, stopped if it runs longer than 60 s (a start that
/// should have been refused would otherwise serve forever).
fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sqlgate"));
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("SQLGATE_")) {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("run sqlgate");
    let mut pipe = child.stdin.take().expect("stdin");
    let _ = pipe.write_all(stdin.as_bytes());
    drop(pipe);
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let out = child.wait_with_output().expect("wait");
            panic!("sqlgate {args:?} did not stop: {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// A directory of its own, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("sqlgate-llm-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn seal_llm_key_prints_a_blob_that_opens_only_as_the_llm_key_under_its_master_key() {
    let out = run(&["keys", "seal-llm-key"], &[("SQLGATE_MASTER_KEY", &master_b64())], &format!("{KEY}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(!stdout.contains(KEY) && !text(&out.stderr).contains(KEY));
    let blob = SealedSecret::from_base64(line.strip_prefix("sealed:").expect("sealed:…")).unwrap();
    let master = MasterKey::from_bytes(&MASTER).unwrap();
    assert_eq!(unseal(&master, "llm.api_key", &blob).unwrap().expose(), KEY);
    assert!(unseal(&master, "some-connector", &blob).is_err(), "it opens only as llm.api_key");
    assert!(unseal(&MasterKey::from_bytes(&[1; 32]).unwrap(), "llm.api_key", &blob).is_err());

    // The file that still holds the plain key (the reason to run it) does not stop it, and the
    // sealed line it prints is accepted in the file's place.
    let dir = Dir::new("seal");
    let config = dir.file(
        "sqlgate.toml",
        &format!("[llm]\nprovider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\napi_key = \"{KEY}\"\n"),
    );
    let out = run(&["keys", "seal-llm-key", "--config", &config], &[("SQLGATE_MASTER_KEY", &master_b64())], KEY);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("sealed:"));

    for (stdin, says) in
        [("", "no key on stdin"), ("  \n", "no key on stdin"), (line, "already sealed"), ("two words", "spaces")]
    {
        let out = run(&["keys", "seal-llm-key"], &[("SQLGATE_MASTER_KEY", &master_b64())], stdin);
        assert_eq!(out.status.code(), Some(2), "{stdin:?}");
        assert!(text(&out.stderr).contains(says), "{stdin:?}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
    let out = run(&["keys", "seal-llm-key"], &[], KEY);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("SQLGATE_MASTER_KEY"), "{}", text(&out.stderr));
}

#[test]
fn serve_refuses_a_plain_key_in_the_file_without_showing_it() {
    let dir = Dir::new("plain");
    let config = dir.file(
        "sqlgate.toml",
        &format!(
            "[store]\npath = \"{}/store.db\"\n[llm]\nprovider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\napi_key = \"{KEY}\"\nprices = {{ \"claude-sonnet-4-5\" = {{ input = 300, output = 1500 }} }}\n",
            dir.0.display()
        ),
    );
    let out = run(&["serve", "--config", &config], &[("SQLGATE_MASTER_KEY", &master_b64())], "");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("llm.api_key") && stderr.contains("seal-llm-key"), "{stderr}");
    assert!(!stderr.contains(KEY) && !text(&out.stdout).contains(KEY), "{stderr}");
}

#[test]
fn serve_refuses_a_model_without_a_price_or_an_unknown_provider() {
    let dir = Dir::new("price");
    let store = format!("{}/store.db", dir.0.display());
    let out = run(
        &["serve"],
        &[
            ("SQLGATE_MASTER_KEY", &master_b64()),
            ("SQLGATE_STORE_PATH", &store),
            ("SQLGATE_LLM_PROVIDER", "openai"),
            ("SQLGATE_LLM_MODEL", "llama3.1:8b"),
            ("SQLGATE_LLM_BASE_URL", "http://127.0.0.1:11434/v1"),
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("spend caps cannot be enforced without a price for model llama3.1:8b"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["serve"], &[("SQLGATE_MASTER_KEY", &master_b64()), ("SQLGATE_LLM_PROVIDER", "gemini")], "");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("llm.provider") && stderr.contains("`openai`"), "{stderr}");
}
