//! API keys for CI: `sqg_<id>_<secret>`. The id finds the record; only SHA-256 of the secret is
//! stored, compared in constant time. The whole key is shown once, when it is created.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::random_token;

/// A new key: what to show once, the record's id, and the hash to store.
pub struct NewKey {
    /// The full key, for the user; never stored.
    pub token: String,
    /// The record's id.
    pub id: String,
    /// SHA-256 of the secret part, hex.
    pub hash: String,
}

/// Makes a key: a 96-bit id and a 256-bit secret.
pub fn generate() -> NewKey {
    let id = random_token(12).replace(['-', '_'], "x");
    let secret = random_token(32);
    NewKey { token: format!("sqg_{id}_{secret}"), hash: digest(&secret), id }
}

/// Splits a presented key into its id and secret; `None` when it is not shaped like one.
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("sqg_")?;
    let (id, secret) = rest.split_once('_')?;
    (!id.is_empty() && !secret.is_empty() && id.len() <= 64 && secret.len() <= 128).then_some((id, secret))
}

/// Whether `secret` is the one whose hash is `stored`.
pub fn matches(secret: &str, stored: &str) -> bool {
    digest(secret).as_bytes().ct_eq(stored.as_bytes()).into()
}

fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_parses_back_and_only_its_secret_matches() {
        let key = generate();
        let (id, secret) = parse(&key.token).unwrap();
        assert_eq!(id, key.id);
        assert!(matches(secret, &key.hash));
        assert!(!matches("guess", &key.hash));
        assert!(!key.token.contains(&key.hash));
        assert!(parse("Bearer nonsense").is_none());
        assert!(parse("sqg__x").is_none());
    }
}
