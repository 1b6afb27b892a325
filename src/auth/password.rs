//! Passwords: argon2id hashes, and a policy whose messages say what to change.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use thiserror::Error;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;

/// Common passwords (and the words they are built from), one per line, lower case; a password
/// whose lower-cased form is one of these, or is one of these plus digits or symbols, is refused.
const COMMON: &str = include_str!("common_passwords.txt");

/// Why a password was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PolicyError {
    /// Too short.
    #[error("the password has {0} characters; use at least 12 (a few unrelated words make a good one)")]
    TooShort(usize),
    /// Only letters, only digits, …
    #[error("the password uses only {0}; mix in another kind of character (letters, digits, symbols)")]
    OneClass(&'static str),
    /// Contains the user name.
    #[error("the password contains the user name; choose one that does not")]
    HasUsername,
    /// A well-known password.
    #[error("the password is on the list of common passwords that attackers try first; choose another")]
    Common,
}

/// Checks a new password against the policy.
pub fn check_policy(password: &str, username: &str) -> Result<(), PolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PolicyError::TooShort(length));
    }
    let classes = [
        ("lower-case letters", password.chars().all(|c| c.is_lowercase())),
        ("upper-case letters", password.chars().all(|c| c.is_uppercase())),
        ("digits", password.chars().all(|c| c.is_ascii_digit())),
        ("symbols", password.chars().all(|c| !c.is_alphanumeric())),
    ];
    if let Some((name, _)) = classes.iter().find(|(_, only)| *only) {
        return Err(PolicyError::OneClass(name));
    }
    let lower = password.to_lowercase();
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        return Err(PolicyError::HasUsername);
    }
    // "password123!" is "password" with decoration: compare the core too.
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON.lines().map(str::trim).filter(|l| !l.is_empty()).any(|common| common == lower || common == core) {
        return Err(PolicyError::Common);
    }
    Ok(())
}

/// The argon2id PHC string for `password`, with a random salt and the crate's default cost
/// (19 MiB, 2 passes).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the user does not exist, so that an unknown name costs the same
/// time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that matches nothing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_what_to_change() {
        assert_eq!(check_policy("short1!", "ann"), Err(PolicyError::TooShort(7)));
        assert_eq!(check_policy("alllowercaseletters", "ann"), Err(PolicyError::OneClass("lower-case letters")));
        assert_eq!(check_policy("123456789012", "ann"), Err(PolicyError::OneClass("digits")));
        assert_eq!(check_policy("Jonathan-rocks-2024", "jonathan"), Err(PolicyError::HasUsername));
        assert_eq!(check_policy("Password1234", "ann"), Err(PolicyError::Common));
        assert_eq!(check_policy("!!Qwertyuiop!!", "ann"), Err(PolicyError::Common));
        assert_eq!(check_policy("correct horse battery 9", "ann"), Ok(()));
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery 9").unwrap();
        let b = hash("correct horse battery 9").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "a random salt per hash");
        assert!(verify("correct horse battery 9", &a));
        assert!(!verify("correct horse battery 8", &a));
        assert!(!verify("anything", "not a hash"));
    }
}
