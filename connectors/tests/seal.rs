//! Sealed credentials: they open only with the right key and connector, any change to a blob is
//! detected, nonces never repeat, rotation is all or nothing, and secrets never print.

use std::collections::HashSet;
use std::io::Write;

use sqlgate_connectors::{rotate, seal, unseal, KeyError, MasterKey, SealError, SealedSecret, Secret};

fn key(byte: u8) -> MasterKey {
    MasterKey::from_bytes(&[byte; 32]).expect("32 bytes")
}

fn secret(text: &str) -> Secret {
    Secret::new(text.to_owned())
}

#[test]
fn a_sealed_credential_opens_with_the_same_key_and_connector() {
    let k = key(7);
    let sealed = seal(&k, "sales-db", &secret("postgres://app:hunter2@db/sales")).unwrap();
    assert_eq!(unseal(&k, "sales-db", &sealed).unwrap().expose(), "postgres://app:hunter2@db/sales");
    assert_eq!(sealed.key_id(), Some(k.id()));
    let stored = sealed.to_base64();
    assert!(!stored.contains("hunter2"));
    let read_back = SealedSecret::from_base64(&stored).unwrap();
    assert_eq!(unseal(&k, "sales-db", &read_back).unwrap().expose(), "postgres://app:hunter2@db/sales");
}

#[test]
fn the_plaintext_is_not_in_the_blob() {
    let sealed = seal(&key(1), "c", &secret("hunter2hunter2")).unwrap();
    assert!(!sealed.as_bytes().windows(7).any(|w| w == b"hunter2"));
}

#[test]
fn every_changed_byte_is_detected() {
    let k = key(3);
    let sealed = seal(&k, "c1", &secret("s3cret")).unwrap();
    for i in 0..sealed.as_bytes().len() {
        let mut bytes = sealed.as_bytes().to_vec();
        bytes[i] ^= 0x01;
        let result = unseal(&k, "c1", &SealedSecret::from_bytes(bytes));
        assert!(result.is_err(), "a flipped bit at byte {i} went unnoticed");
    }
    let mut cut = sealed.as_bytes().to_vec();
    cut.pop();
    assert!(matches!(unseal(&k, "c1", &SealedSecret::from_bytes(cut)), Err(SealError::Tampered { .. })));
    assert_eq!(unseal(&k, "c1", &SealedSecret::from_bytes(vec![1, 2, 3])), Err(SealError::Malformed));
    assert_eq!(SealedSecret::from_base64("not base64!"), Err(SealError::Malformed));
}

#[test]
fn a_blob_moved_to_another_connector_does_not_open() {
    let k = key(4);
    let sealed = seal(&k, "sales", &secret("pw")).unwrap();
    assert_eq!(unseal(&k, "hr", &sealed), Err(SealError::Tampered { connector: "hr".into() }));
}

#[test]
fn another_master_key_is_named_not_guessed() {
    let sealed = seal(&key(5), "c", &secret("pw")).unwrap();
    let other = key(6);
    match unseal(&other, "c", &sealed) {
        Err(SealError::WrongKey { sealed_with, loaded }) => {
            assert_eq!(sealed_with, key(5).id());
            assert_eq!(loaded, other.id());
        }
        result => panic!("expected WrongKey, got {result:?}"),
    }
}

#[test]
fn nonces_never_repeat_across_many_seals() {
    let k = key(8);
    let s = secret("same secret every time");
    let mut nonces = HashSet::new();
    for _ in 0..20_000 {
        let sealed = seal(&k, "c", &s).unwrap();
        assert!(nonces.insert(sealed.as_bytes()[5..17].to_vec()), "a nonce repeated");
    }
}

#[test]
fn rotation_reseals_everything_or_nothing() {
    let (old, new) = (key(9), key(10));
    let blobs: Vec<(String, SealedSecret)> =
        ["a", "b", "c"].iter().map(|c| (c.to_string(), seal(&old, c, &secret(&format!("pw-{c}"))).unwrap())).collect();
    let rotated = rotate(&old, &new, &blobs).unwrap();
    for (connector, blob) in &rotated {
        assert_eq!(unseal(&new, connector, blob).unwrap().expose(), format!("pw-{connector}"));
        assert!(matches!(unseal(&old, connector, blob), Err(SealError::WrongKey { .. })));
    }
    let mut mixed = blobs.clone();
    mixed.push(("d".into(), seal(&key(11), "d", &secret("pw-d")).unwrap()));
    match rotate(&old, &new, &mixed) {
        Err(SealError::Rotation { connector, .. }) => assert_eq!(connector, "d"),
        result => panic!("a rotation with one foreign blob must fail whole, got {result:?}"),
    }
}

#[test]
fn master_keys_must_be_32_bytes_of_base64() {
    assert!(matches!(MasterKey::from_bytes(&[0; 16]), Err(KeyError::Length(16))));
    assert!(matches!(MasterKey::from_base64("c2hvcnQ="), Err(KeyError::Length(5))));
    assert!(matches!(MasterKey::from_base64("***"), Err(KeyError::Base64)));
    let good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    assert_eq!(MasterKey::from_base64(good).unwrap().id(), MasterKey::from_base64(&format!(" {good}\n")).unwrap().id());
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("sqlgate-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("master.key");
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(file, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = MasterKey::from_file(&path).unwrap_err();
    assert!(matches!(err, KeyError::Insecure { mode: 0o644, .. }), "{err:?}");
    assert!(err.to_string().contains("chmod 600"), "{err}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(MasterKey::from_file(&path).is_ok());
    assert!(matches!(MasterKey::from_file(&dir.join("absent")), Err(KeyError::Unreadable { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn secrets_and_keys_never_print() {
    let s = secret("hunter2");
    assert_eq!(format!("{s}"), "[redacted]");
    assert!(!format!("{s:?}").contains("hunter2"));
    assert_eq!(serde_json::to_string(&s).unwrap(), "\"[redacted]\"");
    let k = key(12);
    assert!(!format!("{k:?}").contains("12, 12"));
    let err = unseal(&k, "c", &seal(&key(13), "c", &s).unwrap()).unwrap_err();
    assert!(!err.to_string().contains("hunter2"));
}
