//! Ledger signing keys held in a hardware security module (密码机), through PKCS#11.
//!
//! A log key, a witness key or an evidence-service key can stay inside a token and still sign for
//! the ledger: [`Pkcs11Signer`] implements [`ledger_format::keys::Signer`], so anything that signs
//! through that trait (checkpoint notes with `NoteSigningKey::with_signer`, say) uses the token
//! without knowing it. Where the key lives is configuration: [`HsmKeyConfig`]
//! (docs/operations.md, "Keys in a hardware security module (PKCS#11)").
//!
//! - **Ed25519** (`ed25519-sha256`): `CKK_EC_EDWARDS` keys on edwards25519, signed with `CKM_EDDSA`
//!   (pure EdDSA, RFC 8032), as SoftHSM2 and most current modules provide.
//! - **SM2** (`sm2-sm3`): PKCS#11 defines no SM2 mechanism, so the vendor's mechanism number for an
//!   SM2 signature of a caller's digest is configured; the digest `e = SM3(ZA ‖ M)`, with the
//!   default distinguishing ID `1234567812345678`, is computed here.
//!
//! Every signature a token returns is verified under the key's public key before it is used, and
//! [`Pkcs11Signer::open`] signs and verifies a fixed message first: a wrong mechanism number or a
//! public key that is not the private key's is refused at startup, never written to a log.
//!
//! What this crate is not: it does not create keys or tokens (the vendor's tools do), it never
//! reads a secret key, and it has no async runtime (signing blocks for the token's round trip;
//! async callers sign on a blocking thread).
//!
//! ```no_run
//! use ledger_format::keys::Signer;
//! use ledger_hsm::{HsmKeyConfig, Pkcs11Signer};
//!
//! let config: HsmKeyConfig = toml::from_str(r#"
//!     module = "/usr/lib/softhsm/libsofthsm2.so"
//!     token-label = "ledger"
//!     key-label = "log-key"
//!     pin-file = "/etc/ledger/hsm.pin"
//!     suite = "ed25519-sha256"
//! "#)?;
//! let signer = Pkcs11Signer::open(&config)?;
//! let signature = signer.sign(b"message")?;
//! signer.public_key().verify(b"message", &signature)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod config;
mod der;
mod error;
mod module;
mod scheme;
mod signer;

pub use config::{HsmKeyConfig, KeyId};
pub use error::HsmError;
pub use signer::Pkcs11Signer;
