//! Session tokens: a signed JWT (HS256, key derived from the master key) in an HttpOnly cookie,
//! naming a session record in the store. The token carries the absolute expiry; the record
//! carries revocation and the last activity (for the idle timeout), so the server can end a
//! session the token would still allow.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The cookie that carries the session token.
pub const COOKIE: &str = "sqlgate_session";
/// The cookie (readable by the page's script) and header that carry the CSRF token.
pub const CSRF_COOKIE: &str = "sqlgate_csrf";
/// The header a cookie-authenticated write must repeat the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What the token says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The session's id.
    pub sid: String,
    /// The user's id.
    pub sub: String,
    /// The CSRF token bound to this session.
    pub csrf: String,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// Absolute expiry (unix seconds).
    pub exp: i64,
}

/// Signs and checks session tokens.
pub struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Signer {
    /// A signer with a 32-byte key.
    pub fn new(key: &Zeroizing<[u8; 32]>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Signer {
            encoding: EncodingKey::from_secret(key.as_ref()),
            decoding: DecodingKey::from_secret(key.as_ref()),
            validation,
        }
    }

    /// The token for `claims`.
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// The claims of a token that is ours, unaltered and not past its absolute expiry.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation).ok().map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims { sid: "s".into(), sub: "u".into(), csrf: "c".into(), iat: 0, exp }
    }

    #[test]
    fn tokens_verify_only_unaltered_unexpired_and_with_our_key() {
        let signer = Signer::new(&Zeroizing::new([7u8; 32]));
        let token = signer.sign(&claims(crate::auth::now() + 60)).unwrap();
        assert_eq!(signer.verify(&token).unwrap().sid, "s");
        let expired = signer.sign(&claims(crate::auth::now() - 1)).unwrap();
        assert!(signer.verify(&expired).is_none());
        let other = Signer::new(&Zeroizing::new([8u8; 32]));
        assert!(other.verify(&token).is_none());
        let mut tampered = token.clone();
        tampered.insert(tampered.find('.').unwrap() + 2, 'x');
        assert!(signer.verify(&tampered).is_none());
        // "alg": "none" is never accepted.
        let none = format!("eyJhbGciOiJub25lIn0.{}.", token.split('.').nth(1).unwrap());
        assert!(signer.verify(&none).is_none());
    }
}
