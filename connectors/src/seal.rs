//! Credentials sealed with AES-256-GCM before they touch a store.
//!
//! A sealed credential is `format (1 byte) ‖ key id (4) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. The
//! nonce is random for every seal. The associated data binds the header and the connector id, so a
//! blob copied to another connector, or with an edited header, does not open. The sealing key is
//! derived from the master key with HKDF-SHA256 (its own label), so the master key itself is never
//! used as an AES key and other subkeys (audit, store) stay independent. The key id, derived the
//! same way, tells which master key sealed a blob: "wrong key" is a clear error, not a failed tag.

use std::fmt;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hkdf::Hkdf;
use sha2::Sha256;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::secret::Secret;

/// The environment variable that holds the master key (base64 of 32 bytes).
pub const MASTER_KEY_ENV: &str = "SQLGATE_MASTER_KEY";

const FORMAT: u8 = 1;
const HEADER_LEN: usize = 1 + 4;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_LABEL: &[u8] = b"sqlgate credential";
const HKDF_SALT: &[u8] = b"sqlgate master key";

/// Which master key sealed a blob: a fingerprint derived from the key, not the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyId(u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// The master key could not be loaded.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Neither the environment variable nor a key file was given.
    #[error("no master key: set {MASTER_KEY_ENV} to the base64 of 32 random bytes (for example `head -c 32 /dev/urandom | base64`) or give a key file with mode 0600")]
    Missing,
    /// The key text is not base64.
    #[error("the master key is not valid base64; it must be the base64 of 32 random bytes")]
    Base64,
    /// The key is not 32 bytes long.
    #[error("the master key is {0} bytes; it must be exactly 32 bytes (256 bits)")]
    Length(usize),
    /// The key file can be read by other users.
    #[error("the key file {} has mode {mode:04o}; it must be readable by its owner only: run `chmod 600 {}`", path.display(), path.display())]
    Insecure {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file could not be read.
    #[error("the key file {} could not be read: {source}", path.display())]
    Unreadable {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A sealed credential could not be opened or made.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SealError {
    /// Too short, or not base64: not a sealed credential.
    #[error("this is not a sealed credential (it is truncated or not in sqlgate's format)")]
    Malformed,
    /// Sealed in a format this build does not know.
    #[error("the sealed credential uses format {0}, which this version of sqlgate cannot open; upgrade sqlgate")]
    UnsupportedFormat(u8),
    /// Sealed with another master key.
    #[error("the credential was sealed with master key {sealed_with}, but the key loaded is {loaded}; start with the key that sealed it, or rotate to the new key")]
    WrongKey {
        /// The key id in the blob.
        sealed_with: KeyId,
        /// The key id of the key given.
        loaded: KeyId,
    },
    /// The authentication tag did not verify: the blob was altered, or belongs to another connector.
    #[error("the sealed credential for connector `{connector}` does not verify: it was altered, or it belongs to another connector; enter the credential again")]
    Tampered {
        /// The connector id it was opened for.
        connector: String,
    },
    /// Encryption itself failed (only for absurd lengths).
    #[error("the credential could not be sealed")]
    Seal,
    /// One credential of a rotation could not be opened; nothing was re-sealed.
    #[error("rotation stopped, nothing was re-sealed: credential of connector `{connector}`: {source}")]
    Rotation {
        /// The connector whose credential failed.
        connector: String,
        /// Why it failed.
        source: Box<SealError>,
    },
}

/// The master key, held as the subkeys derived from it.
pub struct MasterKey {
    sealing: Zeroizing<[u8; 32]>,
    /// HKDF's pseudorandom key, from which other parts of sqlgate derive their own subkeys.
    prk: Zeroizing<[u8; 32]>,
    id: KeyId,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, [redacted])", self.id)
    }
}

impl MasterKey {
    /// A key from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 32 {
            return Err(KeyError::Length(bytes.len()));
        }
        let (prk, hkdf) = Hkdf::<Sha256>::extract(Some(HKDF_SALT), bytes);
        let prk = Zeroizing::new(<[u8; 32]>::from(prk));
        let mut sealing = Zeroizing::new([0u8; 32]);
        let mut id = [0u8; 4];
        // Both lengths are far below HKDF-SHA256's 8,160-byte output limit.
        hkdf.expand(b"credentials v1", sealing.as_mut()).map_err(|_| KeyError::Length(bytes.len()))?;
        hkdf.expand(b"key id v1", &mut id).map_err(|_| KeyError::Length(bytes.len()))?;
        Ok(MasterKey { sealing, prk, id: KeyId(u32::from_be_bytes(id)) })
    }

    /// A key from the base64 of its 32 bytes (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(BASE64.decode(text.trim()).map_err(|_| KeyError::Base64)?);
        Self::from_bytes(&bytes)
    }

    /// The key from `SQLGATE_MASTER_KEY`.
    pub fn from_env() -> Result<Self, KeyError> {
        let text = Zeroizing::new(std::env::var(MASTER_KEY_ENV).map_err(|_| KeyError::Missing)?);
        Self::from_base64(&text)
    }

    /// The key from a file holding its base64. The file must be readable by its owner only. The
    /// permissions are checked on the open file, so the file read is the file checked.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        use std::io::Read;
        let unreadable = |source| KeyError::Unreadable { path: path.to_owned(), source };
        let mut file = std::fs::File::open(path).map_err(unreadable)?;
        let meta = file.metadata().map_err(unreadable)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o7777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Insecure { path: path.to_owned(), mode });
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text).map_err(unreadable)?;
        Self::from_base64(&text)
    }

    /// A 32-byte key for one purpose (`"store v1"`, `"audit v1"`, …), derived with HKDF-SHA256:
    /// independent of the sealing key and of every other purpose's key.
    pub fn subkey(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let hkdf = Hkdf::<Sha256>::from_prk(self.prk.as_ref()).expect("a SHA-256 PRK is 32 bytes");
        let mut key = Zeroizing::new([0u8; 32]);
        let info = format!("sqlgate subkey: {purpose}");
        hkdf.expand(info.as_bytes(), key.as_mut()).expect("32 bytes is within HKDF's output limit");
        key
    }

    /// The fingerprint recorded in every blob this key seals.
    pub fn id(&self) -> KeyId {
        self.id
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.sealing.as_ref().into())
    }
}

/// A credential sealed for one connector. Safe to store; opens only with the master key and the
/// connector id it was sealed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedSecret(Vec<u8>);

impl SealedSecret {
    /// The blob as base64, for text columns.
    pub fn to_base64(&self) -> String {
        BASE64.encode(&self.0)
    }

    /// Reads a blob stored as base64.
    pub fn from_base64(text: &str) -> Result<Self, SealError> {
        BASE64.decode(text.trim()).map(SealedSecret).map_err(|_| SealError::Malformed)
    }

    /// The raw blob.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Wraps a raw blob read from a store.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        SealedSecret(bytes)
    }

    /// The master key that sealed this blob, when the blob is well formed.
    pub fn key_id(&self) -> Option<KeyId> {
        let id: [u8; 4] = self.0.get(1..HEADER_LEN)?.try_into().ok()?;
        Some(KeyId(u32::from_be_bytes(id)))
    }
}

fn aad(header: &[u8], connector: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + header.len() + connector.len());
    aad.extend_from_slice(AAD_LABEL);
    aad.extend_from_slice(header);
    aad.extend_from_slice(connector.as_bytes());
    aad
}

/// Seals `secret` for the connector `connector` under `key`, with a fresh random nonce.
pub fn seal(key: &MasterKey, connector: &str, secret: &Secret) -> Result<SealedSecret, SealError> {
    let mut header = [0u8; HEADER_LEN];
    header[0] = FORMAT;
    header[1..].copy_from_slice(&key.id.0.to_be_bytes());
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = key
        .cipher()
        .encrypt(&nonce, Payload { msg: secret.expose().as_bytes(), aad: &aad(&header, connector) })
        .map_err(|_| SealError::Seal)?;
    let mut blob = Vec::with_capacity(HEADER_LEN + NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&header);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(SealedSecret(blob))
}

/// Opens a credential sealed for `connector`.
pub fn unseal(key: &MasterKey, connector: &str, sealed: &SealedSecret) -> Result<Secret, SealError> {
    let blob = &sealed.0;
    if blob.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
        return Err(SealError::Malformed);
    }
    if blob[0] != FORMAT {
        return Err(SealError::UnsupportedFormat(blob[0]));
    }
    let sealed_with = sealed.key_id().ok_or(SealError::Malformed)?;
    if sealed_with != key.id {
        return Err(SealError::WrongKey { sealed_with, loaded: key.id });
    }
    let (header, rest) = blob.split_at(HEADER_LEN);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let plain = key
        .cipher()
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad(header, connector) })
        .map(Zeroizing::new)
        .map_err(|_| SealError::Tampered { connector: connector.to_owned() })?;
    let text = std::str::from_utf8(&plain).map_err(|_| SealError::Tampered { connector: connector.to_owned() })?;
    Ok(Secret::new(text.to_owned()))
}

/// Re-seals every credential from `old` to `new`, all or nothing: every blob is opened first, and
/// if any fails, the error names its connector and nothing is returned to store.
pub fn rotate(
    old: &MasterKey,
    new: &MasterKey,
    sealed: &[(String, SealedSecret)],
) -> Result<Vec<(String, SealedSecret)>, SealError> {
    let opened = sealed
        .iter()
        .map(|(connector, blob)| {
            unseal(old, connector, blob)
                .map(|secret| (connector, secret))
                .map_err(|e| SealError::Rotation { connector: connector.clone(), source: Box::new(e) })
        })
        .collect::<Result<Vec<_>, _>>()?;
    opened.into_iter().map(|(connector, secret)| Ok((connector.clone(), seal(new, connector, &secret)?))).collect()
}
