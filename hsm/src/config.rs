//! Where a key lives in a hardware security module: [`HsmKeyConfig`], one table of a TOML file.
//!
//! ```toml
//! module = "/usr/lib/softhsm/libsofthsm2.so"
//! token-label = "ledger"
//! key-label = "log-key"
//! key-id = "01"              # optional: CKA_ID in hex, when several keys share the label
//! pin-file = "/etc/ledger/hsm.pin"   # or: pin-env = "LEDGER_HSM_PIN"
//! suite = "ed25519-sha256"   # or "sm2-sm3", with sm2-mechanism = 0x8000_0000 + the vendor's number
//! ```
//!
//! The PIN is never part of the configuration: it is read from a file or an environment variable
//! when the key is opened, so that it appears neither on a command line nor in a
//! configuration file that is copied around.

use std::path::{Path, PathBuf};

use ledger_format::suite::Suite;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::HsmError;

/// Where a signing key lives in a PKCS#11 module, and how to log in to its token
/// (docs/operations.md, "Keys in a hardware security module").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HsmKeyConfig {
    /// Path of the vendor's PKCS#11 module (a shared library, `.so`).
    pub module: PathBuf,
    /// The token's label (`CKA_LABEL` of the token, as `pkcs11-tool --list-slots` shows it).
    pub token_label: String,
    /// The private key's label (`CKA_LABEL`); the public key is the public-key object with the
    /// same label (and ID).
    pub key_label: String,
    /// The key's `CKA_ID`, when several keys share the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    /// A file that holds the user PIN (one line; readable by the node's user only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_file: Option<PathBuf>,
    /// The name of an environment variable that holds the user PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_env: Option<String>,
    /// The key's suite: `ed25519-sha256` (mechanism `CKM_EDDSA`) or `sm2-sm3` (the vendor's
    /// mechanism, [`HsmKeyConfig::sm2_mechanism`]).
    pub suite: Suite,
    /// For `sm2-sm3`: the vendor's mechanism number for "SM2 signature of a 32-byte digest `e`"
    /// (the digest `e = SM3(ZA ‖ M)` is computed here, not by the token). At least
    /// `CKM_VENDOR_DEFINED` (`0x80000000`): PKCS#11 defines no SM2 mechanism.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm2_mechanism: Option<u64>,
}

/// The first mechanism number a vendor may define (PKCS#11 `CKM_VENDOR_DEFINED`).
pub const CKM_VENDOR_DEFINED: u64 = 0x8000_0000;

impl HsmKeyConfig {
    /// Checks that the fields fit together: exactly one PIN source, and a vendor mechanism for
    /// SM2 keys only.
    ///
    /// # Errors
    /// [`HsmError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), HsmError> {
        let config = |text: &str| Err(HsmError::Config(text.to_owned()));
        if self.token_label.is_empty() {
            return config("token-label is empty");
        }
        if self.key_label.is_empty() {
            return config("key-label is empty");
        }
        match (&self.pin_file, &self.pin_env) {
            (None, None) => return config("give the pin's source: pin-file or pin-env"),
            (Some(_), Some(_)) => {
                return config("give one pin source, not both pin-file and pin-env");
            }
            _ => {}
        }
        match (self.suite, self.sm2_mechanism) {
            (Suite::Ed25519Sha256, Some(_)) => config(
                "sm2-mechanism is for suite sm2-sm3; ed25519-sha256 keys sign with CKM_EDDSA",
            ),
            (Suite::Sm2Sm3, None) => config(
                "suite sm2-sm3 needs sm2-mechanism: the vendor's mechanism number for an SM2 signature of a digest",
            ),
            (Suite::Sm2Sm3, Some(number)) if number < CKM_VENDOR_DEFINED => {
                Err(HsmError::Config(format!(
                    "sm2-mechanism {number:#x} is below CKM_VENDOR_DEFINED (0x80000000): SM2 mechanisms are vendor-defined"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Reads the user PIN from the configured file or environment variable.
    ///
    /// # Errors
    /// [`HsmError::Pin`] when the source is missing, unreadable, empty, or (for a file) readable by
    /// every user; [`HsmError::Config`] when no single source is configured.
    pub(crate) fn read_pin(&self) -> Result<Pin, HsmError> {
        match (&self.pin_file, &self.pin_env) {
            (Some(path), None) => Pin::from_file(path),
            (None, Some(name)) => Pin::from_env(name),
            _ => Err(HsmError::Config(
                "give exactly one of pin-file and pin-env".to_owned(),
            )),
        }
    }
}

/// A key's `CKA_ID`: bytes, written as hex in the configuration (`key-id = "01"`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyId(pub Vec<u8>);

impl std::str::FromStr for KeyId {
    type Err = HsmError;

    fn from_str(text: &str) -> Result<KeyId, HsmError> {
        match hex::decode(text) {
            Ok(bytes) if !bytes.is_empty() => Ok(KeyId(bytes)),
            _ => Err(HsmError::Config(format!(
                "key-id {text:?} is not a non-empty even number of hex digits"
            ))),
        }
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A token's user PIN. Its `Debug` shows nothing of it, it has no `Display`, and it is wiped from
/// memory on drop; it is only handed to the token's login.
pub(crate) struct Pin(Zeroizing<String>);

impl Pin {
    /// The PIN in the file at `path`: its content without one trailing line ending.
    ///
    /// # Errors
    /// [`HsmError::Pin`] when the file cannot be read, is empty, is not UTF-8, or (on Unix) is
    /// readable by every user of the machine.
    pub(crate) fn from_file(path: &Path) -> Result<Pin, HsmError> {
        let shown = path.display();
        check_not_world_readable(path)?;
        let bytes = Zeroizing::new(
            std::fs::read(path).map_err(|e| HsmError::Pin(format!("reading {shown}: {e}")))?,
        );
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| HsmError::Pin(format!("{shown} is not UTF-8 text")))?;
        let pin = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text);
        Pin::new(pin, &format!("pin file {shown}"))
    }

    /// The PIN in the environment variable `name`.
    ///
    /// # Errors
    /// [`HsmError::Pin`] when the variable is unset, empty or not UTF-8.
    pub(crate) fn from_env(name: &str) -> Result<Pin, HsmError> {
        let value = Zeroizing::new(std::env::var(name).map_err(|e| {
            HsmError::Pin(match e {
                std::env::VarError::NotPresent => format!("environment variable {name} is not set"),
                std::env::VarError::NotUnicode(_) => {
                    format!("environment variable {name} is not UTF-8")
                }
            })
        })?);
        Pin::new(&value, &format!("environment variable {name}"))
    }

    fn new(pin: &str, source: &str) -> Result<Pin, HsmError> {
        if pin.is_empty() {
            return Err(HsmError::Pin(format!("{source} is empty")));
        }
        if pin.contains(['\n', '\r', '\0']) {
            return Err(HsmError::Pin(format!(
                "{source} holds more than one line (a pin is one line)"
            )));
        }
        Ok(Pin(Zeroizing::new(pin.to_owned())))
    }

    /// The PIN in the form the login takes.
    pub(crate) fn auth_pin(&self) -> cryptoki::types::AuthPin {
        // Exactly as long as the PIN, so that boxing it moves the buffer instead of copying it
        // (the login's copy is wiped on drop too).
        let mut copy = String::with_capacity(self.0.len());
        copy.push_str(&self.0);
        cryptoki::types::AuthPin::from(copy)
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(..)")
    }
}

#[cfg(unix)]
fn check_not_world_readable(path: &Path) -> Result<(), HsmError> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let metadata =
        std::fs::metadata(path).map_err(|e| HsmError::Pin(format!("reading {shown}: {e}")))?;
    if metadata.permissions().mode() & 0o004 != 0 {
        return Err(HsmError::Pin(format!(
            "{shown} is readable by every user: chmod o-r (0600 or 0640)"
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_not_world_readable(_path: &Path) -> Result<(), HsmError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ed25519_config() -> HsmKeyConfig {
        HsmKeyConfig {
            module: "/usr/lib/softhsm/libsofthsm2.so".into(),
            token_label: "ledger".into(),
            key_label: "log-key".into(),
            key_id: None,
            pin_file: Some("/etc/ledger/hsm.pin".into()),
            pin_env: None,
            suite: Suite::Ed25519Sha256,
            sm2_mechanism: None,
        }
    }

    #[test]
    fn toml_round_trip_in_kebab_case() {
        let text = r#"
            module = "/opt/vendor/lib/libsdf-pkcs11.so"
            token-label = "ledger"
            key-label = "log-key"
            key-id = "0A1b"
            pin-env = "LEDGER_HSM_PIN"
            suite = "sm2-sm3"
            sm2-mechanism = 0x80000A01
        "#;
        let config: HsmKeyConfig = toml::from_str(text).unwrap();
        assert_eq!(config.key_id, Some(KeyId(vec![0x0a, 0x1b])));
        assert_eq!(config.suite, Suite::Sm2Sm3);
        assert_eq!(config.sm2_mechanism, Some(0x8000_0a01));
        assert_eq!(config.pin_env.as_deref(), Some("LEDGER_HSM_PIN"));
        config.validate().unwrap();
        let again: HsmKeyConfig = toml::from_str(&toml::to_string(&config).unwrap()).unwrap();
        assert_eq!(again, config);
    }

    #[test]
    fn unknown_fields_and_a_pin_in_the_file_are_refused() {
        let text = r#"
            module = "/m.so"
            token-label = "t"
            key-label = "k"
            pin = "1234"
            suite = "ed25519-sha256"
        "#;
        let error = toml::from_str::<HsmKeyConfig>(text)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `pin`"), "{error}");
    }

    #[test]
    fn bad_key_ids_are_refused() {
        for text in ["", "0", "zz", "01 02"] {
            assert!(text.parse::<KeyId>().is_err(), "{text:?}");
        }
        assert_eq!("00ff".parse::<KeyId>().unwrap().to_string(), "00ff");
    }

    #[test]
    fn inconsistent_configurations_are_refused() {
        let mut config = ed25519_config();
        config.validate().unwrap();

        config.pin_env = Some("PIN".into());
        assert!(matches!(config.validate(), Err(HsmError::Config(m)) if m.contains("not both")));
        config.pin_file = None;
        config.pin_env = None;
        assert!(
            matches!(config.validate(), Err(HsmError::Config(m)) if m.contains("pin-file or pin-env"))
        );

        let mut config = ed25519_config();
        config.sm2_mechanism = Some(CKM_VENDOR_DEFINED + 1);
        assert!(matches!(config.validate(), Err(HsmError::Config(m)) if m.contains("CKM_EDDSA")));

        config.suite = Suite::Sm2Sm3;
        config.validate().unwrap();
        config.sm2_mechanism = None;
        assert!(
            matches!(config.validate(), Err(HsmError::Config(m)) if m.contains("needs sm2-mechanism"))
        );
        config.sm2_mechanism = Some(0x1057);
        assert!(
            matches!(config.validate(), Err(HsmError::Config(m)) if m.contains("below CKM_VENDOR_DEFINED"))
        );

        let mut config = ed25519_config();
        config.key_label.clear();
        assert!(matches!(config.validate(), Err(HsmError::Config(m)) if m.contains("key-label")));
    }

    #[cfg(unix)]
    #[test]
    fn pin_files_are_read_without_their_line_ending_and_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin");
        std::fs::write(&path, "s3cret-pin\r\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let pin = Pin::from_file(&path).unwrap();
        assert_eq!(pin.0.as_str(), "s3cret-pin");
        assert_eq!(format!("{pin:?}"), "Pin(..)");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = Pin::from_file(&path).unwrap_err().to_string();
        assert!(error.contains("readable by every user"), "{error}");
        assert!(!error.contains("s3cret-pin"), "{error}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        for bad in ["", "\n", "one\ntwo\n"] {
            std::fs::write(&path, bad).unwrap();
            let error = Pin::from_file(&path).unwrap_err();
            assert!(matches!(error, HsmError::Pin(_)), "{bad:?}: {error}");
        }
        let missing = Pin::from_file(&dir.path().join("absent")).unwrap_err();
        assert!(matches!(missing, HsmError::Pin(m) if m.contains("absent")));
    }

    #[test]
    fn a_missing_pin_variable_is_named() {
        let error = Pin::from_env("LEDGER_HSM_TEST_VARIABLE_THAT_IS_NEVER_SET").unwrap_err();
        assert_eq!(
            error,
            HsmError::Pin(
                "environment variable LEDGER_HSM_TEST_VARIABLE_THAT_IS_NEVER_SET is not set".into()
            )
        );
    }
}
