//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew), with
//! an otpauth URI and its QR code for enrolment, and single-use recovery codes stored as hashes.

use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// The issuer shown in authenticator apps.
const ISSUER: &str = "sqlgate";

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// A new random 160-bit secret, base32 (the form authenticator apps take).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_base32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some(ISSUER.to_owned()), account.to_owned()).ok()
}

/// The `otpauth://` URI for an authenticator app.
pub fn uri(secret_base32: &str, account: &str) -> Option<String> {
    totp(secret_base32, account).map(|t| t.get_url())
}

/// The URI as an SVG QR code.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    Some(code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}

/// The time step (`unix seconds / 30`) whose code `code` is, if it is the code of the current
/// step or of the one before or after.
pub fn matching_step(secret_base32: &str, account: &str, code: &str, now: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, account)?;
    let step = now / 30;
    [step, step.saturating_sub(1), step + 1].into_iter().find(|s| totp.generate(s * 30) == code)
}

/// Whether `code` is valid now (or one step before or after).
pub fn check(secret_base32: &str, account: &str, code: &str) -> bool {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    matching_step(secret_base32, account, code, now).is_some()
}

/// New recovery codes: the codes to show once, and their hashes to store.
pub fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("{}-{}-{}-{}", &hex[..4], &hex[4..8], &hex[8..12], &hex[12..])
        })
        .collect();
    let hashes = codes.iter().map(|c| digest(c)).collect();
    (codes, hashes)
}

/// Uses up a recovery code: removes its hash and returns `true` when it was one of `hashes`.
pub fn use_recovery_code(code: &str, hashes: &mut Vec<String>) -> bool {
    let wanted = digest(code.trim());
    let before = hashes.len();
    hashes.retain(|h| h != &wanted);
    hashes.len() < before
}

fn digest(code: &str) -> String {
    Sha256::digest(code.to_ascii_lowercase().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_check_and_recovery_codes_work_once() {
        let secret = new_secret();
        let now = totp(&secret, "ann").unwrap().generate_current().unwrap();
        assert!(check(&secret, "ann", &now));
        assert!(!check(&secret, "ann", "000000") || now == "000000");
        assert!(!check(&secret, "ann", "12345"));
        assert!(uri(&secret, "ann").unwrap().starts_with("otpauth://totp/sqlgate:ann?"));
        assert!(qr_svg("otpauth://totp/x").unwrap().contains("<svg"));
        let (codes, mut hashes) = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(use_recovery_code(&codes[3], &mut hashes));
        assert!(!use_recovery_code(&codes[3], &mut hashes), "a code works once");
        assert_eq!(hashes.len(), RECOVERY_CODES - 1);
    }
}
