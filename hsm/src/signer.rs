//! [`Pkcs11Signer`]: a ledger key that never leaves its token, used through
//! [`ledger_format::keys::Signer`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use ledger_format::keys::{PublicKey, SignError, Signature, Signer};
use ledger_format::suite::Suite;
use ledger_format::suite::sm2::{SM2_PUBLIC_KEY_LEN, Sm2PublicKey};

use crate::config::{CKM_VENDOR_DEFINED, HsmKeyConfig, Pin};
use crate::der::{self, CurveName};
use crate::error::{describe, is_session_lost};
use crate::{HsmError, module, scheme};

/// The message signed and verified when a key is opened: a token that cannot sign it, or whose
/// signature does not verify, is refused before the key is used for anything.
const SELF_TEST_MESSAGE: &[u8] = b"registration-ledger pkcs#11 self-test v1\n";

/// The content octets of the OID id-Ed25519, 1.3.101.112 (RFC 8410 §3).
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// The printable curve name PKCS#11 3.0 §2.3.10 allows instead of the OID.
const NAME_ED25519: &[u8] = b"edwards25519";
/// The content octets of the OID of the SM2 curve, 1.2.156.10197.1.301 (GM/T 0006-2012).
const OID_SM2: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];

/// A key held in a PKCS#11 token (a hardware security module, 密码机): it signs for the ledger
/// through [`Signer`], and its secret never leaves the token.
///
/// Opened with [`Pkcs11Signer::open`], which logs in, finds the key and its public key, and signs
/// and verifies a fixed message before returning (so a misconfigured token is refused at startup).
/// Every later signature is verified under the public key before [`Signer::sign`] returns it.
///
/// One session, guarded by a mutex, serves all signing; when the token reports the session closed
/// or the user logged out, a new session is opened and logged in once and the signature tried
/// again. `Debug` shows where the key is and its public key, never the PIN.
pub struct Pkcs11Signer {
    config: HsmKeyConfig,
    pin: Pin,
    context: Pkcs11,
    public: PublicKey,
    state: Mutex<Option<OpenKey>>,
}

/// A logged-in session and the private key's handle in it.
struct OpenKey {
    session: Session,
    key: ObjectHandle,
}

/// Why one signing attempt failed, and whether a fresh session might succeed.
struct Failure {
    session_lost: bool,
    reason: String,
}

impl Pkcs11Signer {
    /// Opens the key `config` names: loads the module, finds the token by label, logs in with the
    /// PIN from the configured file or environment variable, finds the private key (label, and ID
    /// if given) and its public-key object, checks that both are of the configured suite, and
    /// signs and verifies a fixed message.
    ///
    /// # Errors
    /// [`HsmError`] naming what is wrong: the configuration, the PIN's source, the module, the
    /// token, the login, the key, its type, its public key, or the self-test. No error includes
    /// the PIN.
    pub fn open(config: &HsmKeyConfig) -> Result<Pkcs11Signer, HsmError> {
        config.validate()?;
        let pin = config.read_pin()?;
        let context = module::module(&config.module)?;
        let open = open_key(&context, config, &pin)?;
        let public = read_public_key(&open, config)?;
        let signer = Pkcs11Signer {
            config: config.clone(),
            pin,
            context,
            public,
            state: Mutex::new(Some(open)),
        };
        signer
            .sign_checked(SELF_TEST_MESSAGE)
            .map_err(|reason| HsmError::SelfTest {
                label: config.key_label.clone(),
                reason,
            })?;
        Ok(signer)
    }

    /// The configuration the key was opened with (it holds no secret: the PIN is read from its
    /// source).
    pub fn config(&self) -> &HsmKeyConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Option<OpenKey>> {
        // A panic while signing leaves at worst a session that fails, which is then reopened.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Signs `message` and verifies the signature, reopening the session once if it was lost.
    fn sign_checked(&self, message: &[u8]) -> Result<Signature, String> {
        let mut state = self.lock();
        match self.attempt(&mut state, message) {
            Err(Failure {
                session_lost: true, ..
            }) => {
                *state = None;
                self.attempt(&mut state, message)
                    .map_err(|failure| format!("{} (after opening a new session)", failure.reason))
            }
            other => other.map_err(|failure| failure.reason),
        }
    }

    fn attempt(&self, state: &mut Option<OpenKey>, message: &[u8]) -> Result<Signature, Failure> {
        let open = match state {
            Some(open) => open,
            None => state.insert(open_key(&self.context, &self.config, &self.pin).map_err(
                |e| Failure {
                    session_lost: false,
                    reason: e.to_string(),
                },
            )?),
        };
        let mechanism = mechanism(&self.config).map_err(|reason| Failure {
            session_lost: false,
            reason,
        })?;
        let mut session_lost = false;
        scheme::sign_with(&self.public, message, |input| {
            open.session.sign(&mechanism, open.key, input).map_err(|e| {
                session_lost = is_session_lost(&e);
                describe(&e)
            })
        })
        .map_err(|reason| Failure {
            session_lost,
            reason,
        })
    }
}

impl Signer for Pkcs11Signer {
    fn public_key(&self) -> PublicKey {
        self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        self.sign_checked(message).map_err(|reason| {
            SignError::Device(format!(
                "key {:?} on token {:?}: {reason}",
                self.config.key_label, self.config.token_label
            ))
        })
    }
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Pkcs11Signer {
            config,
            pin: _,
            context: _,
            public,
            state: _,
        } = self;
        f.debug_struct("Pkcs11Signer")
            .field("module", &config.module)
            .field("token", &config.token_label)
            .field("key", &config.key_label)
            .field("key_id", &config.key_id)
            .field("suite", &config.suite)
            .field("public_key", public)
            .finish_non_exhaustive()
    }
}

/// The mechanism that signs for the configured suite.
fn mechanism(config: &HsmKeyConfig) -> Result<Mechanism<'static>, String> {
    match (config.suite, config.sm2_mechanism) {
        (Suite::Ed25519Sha256, _) => Ok(Mechanism::Eddsa(EddsaParams::new(
            EddsaSignatureScheme::Pure,
        ))),
        (Suite::Sm2Sm3, Some(number)) if number >= CKM_VENDOR_DEFINED => {
            #[allow(
                clippy::useless_conversion,
                reason = "CK_ULONG is u64 here but 32 bits on Windows"
            )]
            let value = number.try_into().map_err(|_| {
                format!("sm2-mechanism {number:#x} does not fit this platform's CK_ULONG")
            })?;
            let kind = MechanismType::new_vendor_defined(value)
                .map_err(|e| format!("sm2-mechanism {number:#x}: {e}"))?;
            Ok(Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(
                kind, None,
            )))
        }
        (Suite::Sm2Sm3, _) => Err("suite sm2-sm3 needs a vendor-defined sm2-mechanism".to_owned()),
    }
}

/// A new session on the configured token, logged in, and the handle of the configured private key.
fn open_key(context: &Pkcs11, config: &HsmKeyConfig, pin: &Pin) -> Result<OpenKey, HsmError> {
    let slot = find_token(context, &config.token_label)?;
    let session = context.open_ro_session(slot).map_err(|e| {
        HsmError::Device(format!(
            "opening a session on token {:?}: {}",
            config.token_label,
            describe(&e)
        ))
    })?;
    match session.login(UserType::User, Some(&pin.auth_pin())) {
        // Login is per application and token: another key of this process may have logged in.
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => {
            return Err(HsmError::Login {
                token: config.token_label.clone(),
                reason: login_reason(&e),
            });
        }
    }
    let key = find_private_key(&session, config)?;
    check_key_type(&session, key, config)?;
    Ok(OpenKey { session, key })
}

fn login_reason(error: &CkError) -> String {
    let hint = match error {
        CkError::Pkcs11(RvError::PinIncorrect, _) => ": the pin is incorrect",
        CkError::Pkcs11(RvError::PinLocked, _) => {
            ": the pin is locked (the security officer must unlock it)"
        }
        CkError::Pkcs11(RvError::PinExpired, _) => ": the pin has expired (set a new one)",
        CkError::Pkcs11(RvError::UserPinNotInitialized, _) => ": the token has no user pin yet",
        _ => "",
    };
    format!("{}{hint}", describe(error))
}

/// The slot of the one initialised token labelled `label`.
fn find_token(context: &Pkcs11, label: &str) -> Result<Slot, HsmError> {
    let device = |what: &str, e: &CkError| HsmError::Device(format!("{what}: {}", describe(e)));
    let slots = context
        .get_slots_with_initialized_token()
        .map_err(|e| device("listing the module's slots", &e))?;
    let mut present = Vec::with_capacity(slots.len());
    let mut matching = Vec::new();
    for slot in slots {
        let info = context
            .get_token_info(slot)
            .map_err(|e| device("reading a token's information", &e))?;
        if info.label() == label {
            matching.push(slot);
        }
        present.push(info.label().to_owned());
    }
    match matching.as_slice() {
        [slot] => Ok(*slot),
        [] => Err(HsmError::TokenNotFound {
            label: label.to_owned(),
            present,
        }),
        _ => Err(HsmError::AmbiguousToken {
            label: label.to_owned(),
            count: matching.len(),
        }),
    }
}

/// The search template for the configured key's objects of class `class`.
fn template(class: ObjectClass, config: &HsmKeyConfig, id: Option<&[u8]>) -> Vec<Attribute> {
    let mut template = vec![
        Attribute::Class(class),
        Attribute::Label(config.key_label.as_bytes().to_vec()),
    ];
    if let Some(id) = id {
        template.push(Attribute::Id(id.to_vec()));
    }
    template
}

/// The one object matching `template`.
fn find_one(
    session: &Session,
    template: &[Attribute],
    what: &'static str,
    config: &HsmKeyConfig,
) -> Result<Option<ObjectHandle>, HsmError> {
    let found = session.find_objects(template).map_err(|e| {
        HsmError::Device(format!(
            "searching for {what} {:?}: {}",
            config.key_label,
            describe(&e)
        ))
    })?;
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(HsmError::AmbiguousKey {
            what,
            label: config.key_label.clone(),
            id: config.key_id.as_ref().map(ToString::to_string),
            count: found.len(),
        }),
    }
}

fn find_private_key(session: &Session, config: &HsmKeyConfig) -> Result<ObjectHandle, HsmError> {
    let id = config.key_id.as_ref().map(|id| id.0.as_slice());
    let template = template(ObjectClass::PRIVATE_KEY, config, id);
    find_one(session, &template, "private key", config)?.ok_or_else(|| HsmError::KeyNotFound {
        token: config.token_label.clone(),
        label: config.key_label.clone(),
        id: config.key_id.as_ref().map(ToString::to_string),
    })
}

/// The attributes `types` of `object`, in that order (`None` where the token has no value).
fn attributes<const N: usize>(
    session: &Session,
    object: ObjectHandle,
    types: [AttributeType; N],
) -> Result<[Option<Attribute>; N], HsmError> {
    let found = session
        .get_attributes(object, &types)
        .map_err(|e| HsmError::Device(format!("reading a key's attributes: {}", describe(&e))))?;
    Ok(types.map(|wanted| {
        found
            .iter()
            .find(|attribute| attribute.attribute_type() == wanted)
            .cloned()
    }))
}

/// Refuses a key whose type the configured suite does not sign with.
fn check_key_type(
    session: &Session,
    key: ObjectHandle,
    config: &HsmKeyConfig,
) -> Result<(), HsmError> {
    let [key_type] = attributes(session, key, [AttributeType::KeyType])?;
    let key_type = match key_type {
        Some(Attribute::KeyType(key_type)) => key_type,
        _ => {
            return Err(wrong_type(config, "a key without CKA_KEY_TYPE".to_owned()));
        }
    };
    let fits = match config.suite {
        Suite::Ed25519Sha256 => key_type == KeyType::EC_EDWARDS,
        // Vendors mark SM2 keys as EC keys on the SM2 curve, or with a key type of their own.
        Suite::Sm2Sm3 => key_type == KeyType::EC || *key_type >= CKK_VENDOR_DEFINED,
    };
    if fits {
        Ok(())
    } else {
        Err(wrong_type(config, format!("a {key_type} key")))
    }
}

/// The first key type a vendor may define (PKCS#11 `CKK_VENDOR_DEFINED`).
const CKK_VENDOR_DEFINED: u64 = 0x8000_0000;

fn wrong_type(config: &HsmKeyConfig, found: String) -> HsmError {
    let expected = match config.suite {
        Suite::Ed25519Sha256 => "a CKK_EC_EDWARDS key on edwards25519",
        Suite::Sm2Sm3 => "an SM2 key (CKK_EC on the SM2 curve, or the vendor's SM2 key type)",
    };
    HsmError::WrongKeyType {
        label: config.key_label.clone(),
        suite: config.suite,
        expected: expected.to_owned(),
        found,
    }
}

/// The public key from the public-key object that matches the private key: same label, and the
/// configured ID or else the private key's own `CKA_ID` (when it has one).
fn read_public_key(open: &OpenKey, config: &HsmKeyConfig) -> Result<PublicKey, HsmError> {
    let fail = |reason: String| HsmError::PublicKey {
        label: config.key_label.clone(),
        reason,
    };
    let id = match &config.key_id {
        Some(id) => Some(id.0.clone()),
        None => match attributes(&open.session, open.key, [AttributeType::Id])? {
            [Some(Attribute::Id(id))] if !id.is_empty() => Some(id),
            _ => None,
        },
    };
    let template = template(ObjectClass::PUBLIC_KEY, config, id.as_deref());
    let object = find_one(&open.session, &template, "public key", config)?.ok_or_else(|| {
        fail(format!(
            "no public-key object with this label{} on the token (import the public key next to the private key)",
            id.as_deref().map(|id| format!(" and id {}", hex::encode(id))).unwrap_or_default()
        ))
    })?;
    let [params, point] = attributes(
        &open.session,
        object,
        [AttributeType::EcParams, AttributeType::EcPoint],
    )?;
    let params = match params {
        Some(Attribute::EcParams(params)) => Some(params),
        _ => None,
    };
    let Some(Attribute::EcPoint(point)) = point else {
        return Err(fail("the public-key object has no CKA_EC_POINT".to_owned()));
    };
    let public = match config.suite {
        Suite::Ed25519Sha256 => ed25519_public_key(params.as_deref(), &point),
        Suite::Sm2Sm3 => sm2_public_key(params.as_deref(), &point),
    }
    .map_err(fail)?;
    public
        .check_registrable()
        .map_err(|e| fail(format!("not a key the ledger accepts: {e}")))?;
    Ok(public)
}

fn ed25519_public_key(params: Option<&[u8]>, point: &[u8]) -> Result<PublicKey, String> {
    let params = params.ok_or("the public-key object has no CKA_EC_PARAMS to name its curve")?;
    match der::curve_name(params) {
        Ok(CurveName::Oid(OID_ED25519) | CurveName::Printable(NAME_ED25519)) => {}
        Ok(_) => {
            return Err(format!(
                "CKA_EC_PARAMS {} names another curve than edwards25519",
                hex::encode(params)
            ));
        }
        Err(e) => return Err(format!("CKA_EC_PARAMS is malformed: {e}")),
    }
    let point = der::ec_point(point, 32).map_err(|e| format!("CKA_EC_POINT: {e}"))?;
    PublicKey::from_suite_bytes(Suite::Ed25519Sha256, point)
        .map_err(|e| format!("CKA_EC_POINT: {e}"))
}

fn sm2_public_key(params: Option<&[u8]>, point: &[u8]) -> Result<PublicKey, String> {
    // Vendors' own SM2 key types may carry no CKA_EC_PARAMS; when there is one, it must be SM2's.
    if let Some(params) = params {
        match der::curve_name(params) {
            Ok(CurveName::Oid(OID_SM2)) => {}
            Ok(_) => {
                return Err(format!(
                    "CKA_EC_PARAMS {} names another curve than SM2 (OID 1.2.156.10197.1.301)",
                    hex::encode(params)
                ));
            }
            Err(e) => return Err(format!("CKA_EC_PARAMS is malformed: {e}")),
        }
    }
    let point = der::ec_point(point, SM2_PUBLIC_KEY_LEN).map_err(|e| {
        format!("CKA_EC_POINT: {e} (export the uncompressed point 04 || x || y, 65 bytes)")
    })?;
    Sm2PublicKey::from_slice(point)
        .map(PublicKey::Sm2)
        .map_err(|e| format!("CKA_EC_POINT: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::keys::SigningKey;
    use ledger_format::suite::sm2::Sm2SigningKey;

    const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
    const SM2_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
    const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

    fn printable_ed25519() -> Vec<u8> {
        [&[0x13, 12][..], NAME_ED25519].concat()
    }

    #[test]
    fn ed25519_public_keys_from_either_curve_name_and_point_form() {
        let key = SigningKey::from_seed(&[3; 32]).public_key();
        let raw = key.as_bytes();
        let wrapped = [&[0x04, 0x20][..], raw].concat();
        for params in [ED25519_OID.to_vec(), printable_ed25519()] {
            for point in [raw, wrapped.as_slice()] {
                assert_eq!(ed25519_public_key(Some(&params), point), Ok(key));
            }
        }
    }

    #[test]
    fn ed25519_public_keys_of_other_curves_are_refused() {
        let key = SigningKey::from_seed(&[3; 32]).public_key();
        let raw = key.as_bytes();
        let error = ed25519_public_key(Some(P256_OID), raw).unwrap_err();
        assert!(error.contains("another curve"), "{error}");
        let ed448 = [&[0x13, 10][..], b"edwards448"].concat();
        assert!(ed25519_public_key(Some(&ed448), raw).is_err());
        let error = ed25519_public_key(None, raw).unwrap_err();
        assert!(error.contains("no CKA_EC_PARAMS"), "{error}");
        assert!(ed25519_public_key(Some(ED25519_OID), &raw[..31]).is_err());
    }

    #[test]
    fn sm2_public_keys_must_be_uncompressed_points_of_the_sm2_curve() {
        let key = Sm2SigningKey::from_secret_bytes(&[5; 32])
            .unwrap()
            .public_key();
        let wrapped = [&[0x04, 0x41][..], &key.0].concat();
        assert_eq!(
            sm2_public_key(Some(SM2_OID), &wrapped),
            Ok(PublicKey::Sm2(key))
        );
        assert_eq!(sm2_public_key(None, &key.0), Ok(PublicKey::Sm2(key)));

        let error = sm2_public_key(Some(P256_OID), &key.0).unwrap_err();
        assert!(error.contains("another curve"), "{error}");
        let mut compressed = key.0[..33].to_vec();
        compressed[0] = 0x02 | (key.0[64] & 1);
        let error = sm2_public_key(None, &compressed).unwrap_err();
        assert!(error.contains("uncompressed"), "{error}");
        let mut off_curve = key.0;
        off_curve[64] ^= 1;
        assert!(sm2_public_key(None, &off_curve).is_err());
    }

    #[test]
    fn mechanisms_for_each_suite() {
        let mut config = HsmKeyConfig {
            module: "/m.so".into(),
            token_label: "t".into(),
            key_label: "k".into(),
            key_id: None,
            pin_file: None,
            pin_env: Some("PIN".into()),
            suite: Suite::Ed25519Sha256,
            sm2_mechanism: None,
        };
        let ed = mechanism(&config).unwrap();
        assert_eq!(ed.mechanism_type(), MechanismType::EDDSA);
        config.suite = Suite::Sm2Sm3;
        assert!(mechanism(&config).is_err());
        config.sm2_mechanism = Some(CKM_VENDOR_DEFINED + 0x1234);
        let sm2 = mechanism(&config).unwrap();
        assert_eq!(*sm2.mechanism_type(), 0x8000_1234);
        config.sm2_mechanism = Some(0x1234);
        assert!(mechanism(&config).is_err());
    }
}
