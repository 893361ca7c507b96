//! Why a key in a hardware security module could not be opened ([`HsmError`]), and how the
//! module's own errors are named in messages.
//!
//! No message ever includes the PIN: the PIN is read into a type whose `Debug` is redacted and
//! which has no `Display`, and it is only ever handed to `C_Login`.

use std::path::PathBuf;

use cryptoki::error::{Error as CkError, RvError};

/// Why [`Pkcs11Signer::open`](crate::Pkcs11Signer::open) refused a key. Every variant names what
/// was looked for, so that an operator can tell a wrong label from a wrong PIN at startup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HsmError {
    /// The configuration is inconsistent (the text says which field and why).
    #[error("invalid hsm key configuration: {0}")]
    Config(String),
    /// The PIN could not be read from its file or environment variable (the text says why; it
    /// never includes the PIN).
    #[error("cannot read the token's pin: {0}")]
    Pin(String),
    /// The PKCS#11 module could not be loaded or initialised.
    #[error("cannot load pkcs#11 module {}: {reason}", module.display())]
    Module {
        /// The module's path, as configured.
        module: PathBuf,
        /// What the loader or `C_Initialize` said.
        reason: String,
    },
    /// No slot holds a token with the configured label.
    #[error(
        "no token labelled {label:?} (tokens present: {})",
        present_list(present)
    )]
    TokenNotFound {
        /// The configured label.
        label: String,
        /// The labels of the tokens the module does have.
        present: Vec<String>,
    },
    /// More than one slot holds a token with the configured label.
    #[error("{count} tokens are labelled {label:?}: give each token its own label")]
    AmbiguousToken {
        /// The configured label.
        label: String,
        /// How many tokens carry it.
        count: usize,
    },
    /// The token refused the user's login (the text names the module's reason, such as
    /// `CKR_PIN_INCORRECT` or `CKR_PIN_LOCKED`).
    #[error("login to token {token:?} refused: {reason}")]
    Login {
        /// The token's label.
        token: String,
        /// The module's reason.
        reason: String,
    },
    /// No private key with the configured label (and ID) is on the token.
    #[error("no private key labelled {label:?}{} on token {token:?}", id_suffix(id.as_deref()))]
    KeyNotFound {
        /// The token's label.
        token: String,
        /// The configured key label.
        label: String,
        /// The configured key ID, in hex, if one was given.
        id: Option<String>,
    },
    /// More than one key matches the configured label (and ID).
    #[error("{count} {what} objects are labelled {label:?}{}: give an id (key-id) to pick one", id_suffix(id.as_deref()))]
    AmbiguousKey {
        /// `private key` or `public key`.
        what: &'static str,
        /// The configured key label.
        label: String,
        /// The configured key ID, in hex, if one was given.
        id: Option<String>,
        /// How many objects match.
        count: usize,
    },
    /// The key is not of the kind the configured suite signs with (an EC P-256 key where an
    /// Ed25519 key was expected, say).
    #[error("key {label:?} is {found}, but suite {suite} needs {expected}")]
    WrongKeyType {
        /// The configured key label.
        label: String,
        /// The configured suite.
        suite: ledger_format::suite::Suite,
        /// What the suite needs.
        expected: String,
        /// What the token holds.
        found: String,
    },
    /// The public key could not be read or is not a key of the suite (missing public-key object,
    /// malformed `CKA_EC_POINT`, another curve in `CKA_EC_PARAMS`).
    #[error("public key of {label:?}: {reason}")]
    PublicKey {
        /// The configured key label.
        label: String,
        /// What is wrong.
        reason: String,
    },
    /// The self-test at open failed: the token did not sign, or its signature of a fixed message
    /// does not verify under the key's public key (a wrong mechanism number, a public key that is
    /// not the private key's, or a faulty device).
    #[error("self-test of key {label:?} failed: {reason}")]
    SelfTest {
        /// The configured key label.
        label: String,
        /// What went wrong.
        reason: String,
    },
    /// Another call to the module failed while opening the key.
    #[error("pkcs#11 call failed: {0}")]
    Device(String),
}

fn present_list(labels: &[String]) -> String {
    if labels.is_empty() {
        "none".to_owned()
    } else {
        labels
            .iter()
            .map(|label| format!("{label:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn id_suffix(id: Option<&str>) -> String {
    id.map(|id| format!(" with id {id}")).unwrap_or_default()
}

/// The module's return value named as in the PKCS#11 specification (`CKR_PIN_INCORRECT`), or
/// cryptoki's own description for errors that are not return values.
pub(crate) fn describe(error: &CkError) -> String {
    match error {
        CkError::Pkcs11(rv, function) => format!("{function:?} returned {}", rv_name(*rv)),
        other => other.to_string(),
    }
}

/// The specification's name of a return value: `PinIncorrect` becomes `CKR_PIN_INCORRECT`.
fn rv_name(rv: RvError) -> String {
    if let RvError::VendorDefined(code) = rv {
        return format!("vendor-defined error {code:#x}");
    }
    let camel = format!("{rv:?}");
    let mut name = String::from("CKR");
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

/// Whether the error means the session (or its login) is gone and a fresh session may succeed.
pub(crate) fn is_session_lost(error: &CkError) -> bool {
    matches!(
        error,
        CkError::Pkcs11(
            RvError::SessionClosed
                | RvError::SessionHandleInvalid
                | RvError::UserNotLoggedIn
                | RvError::KeyHandleInvalid
                | RvError::ObjectHandleInvalid
                | RvError::DeviceRemoved
                | RvError::TokenNotPresent,
            _
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki::context::Function;

    #[test]
    fn return_values_are_named_as_in_the_specification() {
        let error = CkError::Pkcs11(RvError::PinIncorrect, Function::Login);
        assert_eq!(describe(&error), "Login returned CKR_PIN_INCORRECT");
        let error = CkError::Pkcs11(RvError::UserNotLoggedIn, Function::Sign);
        assert_eq!(describe(&error), "Sign returned CKR_USER_NOT_LOGGED_IN");
        let error = CkError::Pkcs11(RvError::VendorDefined(0x8000_0123), Function::Sign);
        assert_eq!(
            describe(&error),
            "Sign returned vendor-defined error 0x80000123"
        );
    }

    #[test]
    fn lost_sessions_are_told_apart_from_other_failures() {
        let lost = CkError::Pkcs11(RvError::SessionHandleInvalid, Function::SignInit);
        let other = CkError::Pkcs11(RvError::MechanismInvalid, Function::SignInit);
        assert!(is_session_lost(&lost));
        assert!(!is_session_lost(&other));
    }

    #[test]
    fn messages_list_what_was_found() {
        let error = HsmError::TokenNotFound {
            label: "log".into(),
            present: vec!["witness".into()],
        };
        assert_eq!(
            error.to_string(),
            r#"no token labelled "log" (tokens present: "witness")"#
        );
        let error = HsmError::KeyNotFound {
            token: "log".into(),
            label: "key".into(),
            id: Some("01".into()),
        };
        assert_eq!(
            error.to_string(),
            r#"no private key labelled "key" with id 01 on token "log""#
        );
    }
}
