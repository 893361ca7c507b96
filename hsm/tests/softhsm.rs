//! `Pkcs11Signer` against SoftHSM2: real PKCS#11 calls into a software token.
//!
//! SoftHSM2 finds its tokens through the `SOFTHSM2_CONF` environment variable, read once per
//! process when the module is initialised. So the tokens are made once per test run in a private
//! directory (with `softhsm2-util` and OpenSC's `pkcs11-tool`, as an operator would), and each test
//! runs its case in a child process of this test binary started with `SOFTHSM2_CONF` naming that
//! directory. Each case thus gets its own module instance and its own login state, and no test
//! changes its own process's environment.
//!
//! SoftHSM2 and OpenSC are required: without them these tests fail and say what to install.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use ledger_format::Hash;
use ledger_format::checkpoint::{
    Checkpoint, Note, NoteSigningKey, SignatureType, SignedCheckpoint, VerifierKey,
};
use ledger_format::keys::{PublicKey, Signer};
use ledger_format::suite::Suite;
use ledger_hsm::{HsmError, HsmKeyConfig, Pkcs11Signer};

/// Where distributions install SoftHSM2's module.
const MODULE_PATHS: [&str; 4] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];
const TOKEN: &str = "ledger-test";
const USER_PIN: &str = "user-pin-4821";
const SO_PIN: &str = "so-pin-93017";
/// Set in the child processes that run the cases.
const CHILD_MARK: &str = "LEDGER_HSM_TEST_CHILD";
/// The environment variable the children get the user PIN in (for `pin-env`).
const PIN_VARIABLE: &str = "LEDGER_HSM_TEST_PIN";
/// Token directories of earlier runs older than this are removed.
const STALE_AFTER: Duration = Duration::from_secs(3600);

fn module_path() -> PathBuf {
    MODULE_PATHS
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .unwrap_or_else(|| {
            panic!(
                "SoftHSM2 is not installed (no libsofthsm2.so at {MODULE_PATHS:?}): install softhsm2 \
                 and opensc (Debian: apt-get install softhsm2 opensc) to run the PKCS#11 tests"
            )
        })
}

/// Runs `program` with `SOFTHSM2_CONF=conf`, failing with its output when it fails.
fn run(conf: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .env("SOFTHSM2_CONF", conf)
        .args(args)
        .output()
        .map_err(|e| {
            format!(
                "cannot run {program} ({e}): install softhsm2 and opensc \
                 (Debian: apt-get install softhsm2 opensc) to run the PKCS#11 tests"
            )
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The token every case uses, made once per test run: the path of its SoftHSM2 configuration.
fn tokens() -> &'static Path {
    static TOKENS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match TOKENS.get_or_init(make_tokens) {
        Ok(conf) => conf,
        Err(e) => panic!("{e}"),
    }
}

fn make_tokens() -> Result<PathBuf, String> {
    let module = module_path();
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("softhsm");
    std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
    remove_stale(&base);
    let dir = tempfile::Builder::new()
        .prefix("tokens-")
        .tempdir_in(&base)
        .map_err(|e| e.to_string())?
        .keep();
    std::fs::create_dir(dir.join("tokens")).map_err(|e| e.to_string())?;
    let conf = dir.join("softhsm2.conf");
    let text = format!(
        "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
        dir.join("tokens").display()
    );
    std::fs::write(&conf, text).map_err(|e| e.to_string())?;

    run(
        &conf,
        "softhsm2-util",
        &[
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--so-pin",
            SO_PIN,
            "--pin",
            USER_PIN,
        ],
    )?;
    let module = module.to_string_lossy().into_owned();
    let tool = |args: &[&str]| {
        let common = [
            "--module",
            &module,
            "--token-label",
            TOKEN,
            "--login",
            "--pin",
            USER_PIN,
        ];
        run(&conf, "pkcs11-tool", &[&common[..], args].concat())
    };
    let keypair = |key_type: &str, label: &str, id: &str| {
        tool(&[
            "--keypairgen",
            "--key-type",
            key_type,
            "--label",
            label,
            "--id",
            id,
        ])
    };
    // The key the cases sign with, made as docs/operations.md tells an operator to.
    keypair("EC:edwards25519", "log-key", "01")?;
    // Two keys under one label, told apart by their IDs.
    keypair("EC:edwards25519", "twin", "21")?;
    keypair("EC:edwards25519", "twin", "22")?;
    // A private key whose public-key object was deleted.
    keypair("EC:edwards25519", "no-public", "31")?;
    tool(&["--delete-object", "--type", "pubkey", "--id", "31"])?;
    // A private key whose public-key object (same label and ID) holds another key's point.
    keypair("EC:edwards25519", "mismatch", "41")?;
    keypair("EC:edwards25519", "mismatch", "42")?;
    tool(&["--delete-object", "--type", "pubkey", "--id", "41"])?;
    tool(&["--type", "pubkey", "--id", "42", "--set-id", "41"])?;
    tool(&["--delete-object", "--type", "privkey", "--id", "42"])?;
    // A key of another type under the label a configuration names.
    keypair("EC:prime256v1", "p256-key", "51")?;
    Ok(conf)
}

/// Removes token directories that earlier runs left (the test process cannot remove its own,
/// as its children may still use it when it exits).
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Runs `case` in a child process of this binary that has `SOFTHSM2_CONF` set, and fails with the
/// child's output unless exactly that one test passed there.
fn in_child(name: &str, case: fn(&Case)) {
    if std::env::var_os(CHILD_MARK).is_some() {
        case(&Case::new());
        return;
    }
    let conf = tokens();
    let exe = std::env::current_exe().unwrap();
    // One case at a time: SoftHSM2 rewrites a token's file on some calls (a failed login, say),
    // and another process reading it then may get CKR_GENERAL_ERROR.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let output = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env("SOFTHSM2_CONF", conf)
        .env(CHILD_MARK, "1")
        .env(PIN_VARIABLE, USER_PIN)
        .output()
        .unwrap();
    drop(guard);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "case {name} (SOFTHSM2_CONF={}):\n{stdout}\n{stderr}",
        conf.display()
    );
}

/// Declares a test whose body runs in a child process with the tokens (see [`in_child`]).
macro_rules! softhsm_test {
    ($(#[$meta:meta])* fn $name:ident($case:ident) $body:block) => {
        $(#[$meta])*
        #[test]
        fn $name() {
            fn case($case: &Case) $body
            in_child(stringify!($name), case);
        }
    };
}

/// A case's private files: the PIN file.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let case = Case {
            dir: tempfile::tempdir().unwrap(),
        };
        case.write_pin("pin", USER_PIN);
        case
    }

    /// Writes a PIN file readable by its owner only.
    fn write_pin(&self, name: &str, pin: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::write(&path, format!("{pin}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    /// The configuration of the Ed25519 key `label` on the test token, with the right PIN.
    fn config(&self, label: &str) -> HsmKeyConfig {
        self.config_in(module_path(), label)
    }

    fn config_in(&self, module: PathBuf, label: &str) -> HsmKeyConfig {
        HsmKeyConfig {
            module,
            token_label: TOKEN.into(),
            key_label: label.into(),
            key_id: None,
            pin_file: Some(self.dir.path().join("pin")),
            pin_env: None,
            suite: Suite::Ed25519Sha256,
            sm2_mechanism: None,
        }
    }

    fn open(&self, label: &str) -> Result<Pkcs11Signer, HsmError> {
        Pkcs11Signer::open(&self.config(label))
    }
}

/// Asserts that neither PIN appears in `text`.
fn assert_no_pin(text: &str) {
    for pin in [USER_PIN, SO_PIN, "wrong-pin-7730"] {
        assert!(!text.contains(pin), "a pin leaked: {text}");
    }
}

softhsm_test! {
    /// Signatures from the token verify under the public key it reports, and Ed25519 is
    /// deterministic through the token too.
    fn signs_with_a_key_in_the_token(case) {
        let signer = case.open("log-key").unwrap();
        let public = signer.public_key();
        assert!(matches!(public, PublicKey::Ed25519(_)));
        public.check_registrable().unwrap();
        for message in [&b""[..], b"record", &[0xa5; 4096]] {
            let signature = signer.sign(message).unwrap();
            public.verify(message, &signature).unwrap();
            assert_eq!(signer.sign(message).unwrap(), signature);
        }
        let signature = signer.sign(b"one message").unwrap();
        assert!(public.verify(b"another message", &signature).is_err());
        assert_no_pin(&format!("{signer:?} {:?}", signer.config()));
    }
}

softhsm_test! {
    /// A C2SP checkpoint note signed by the token through `NoteSigningKey::with_signer` verifies
    /// as a log signature, by ledger-format and by plain Ed25519 over the note text; a witness key
    /// in the token cosigns too.
    fn signs_checkpoint_notes(case) {
        let signer: Arc<dyn Signer> = Arc::new(case.open("log-key").unwrap());
        let name = "ledger.example/log";
        let key = NoteSigningKey::with_signer(name, SignatureType::Ed25519, signer.clone()).unwrap();
        assert!(key.secret_key().is_none());
        let checkpoint = Checkpoint {
            origin: name.into(),
            size: 42,
            root: Hash([7; 32]),
            map_root: Hash([8; 32]),
            timestamp: 1_767_225_600,
        };
        let mut note = Note::new(&checkpoint.body()).unwrap();
        note.sign(&key).unwrap();
        let text = SignedCheckpoint::from_note(note).unwrap().to_note_text();

        let parsed = SignedCheckpoint::parse(&text).unwrap();
        let verifier = VerifierKey::parse(&key.verifier_key().to_string()).unwrap();
        parsed.verify_log_signature(&verifier).unwrap();
        let line = &parsed.note().signatures()[0];
        let signature = ledger_format::keys::Signature(line.bytes().try_into().unwrap());
        signer.public_key().verify(checkpoint.body().as_bytes(), &signature).unwrap();

        let other = VerifierKey::ed25519(name, ledger_format::SigningKey::from_seed(&[9; 32]).public_key()).unwrap();
        assert!(parsed.verify_log_signature(&other).is_err());

        let witness = NoteSigningKey::with_signer("witness.example/w1", SignatureType::CosignatureV1, signer).unwrap();
        let mut note = parsed.note().clone();
        note.cosign(&witness, 1_767_225_601).unwrap();
        assert_eq!(note.verify_cosignature(witness.verifier_key()).unwrap(), 1_767_225_601);
    }
}

softhsm_test! {
    /// The PIN may come from an environment variable; an unset variable is named, not guessed.
    fn pin_from_an_environment_variable(case) {
        let mut config = case.config("log-key");
        config.pin_file = None;
        config.pin_env = Some(PIN_VARIABLE.into());
        let signer = Pkcs11Signer::open(&config).unwrap();
        signer.sign(b"m").unwrap();
        config.pin_env = Some("LEDGER_HSM_TEST_UNSET_VARIABLE".into());
        let error = Pkcs11Signer::open(&config).unwrap_err();
        assert_eq!(
            error,
            HsmError::Pin("environment variable LEDGER_HSM_TEST_UNSET_VARIABLE is not set".into())
        );
    }
}

softhsm_test! {
    /// A wrong PIN is refused with the token's reason, and neither PIN shows in the error.
    fn a_wrong_pin_is_refused(case) {
        let mut config = case.config("log-key");
        config.pin_file = Some(case.write_pin("wrong", "wrong-pin-7730"));
        let error = Pkcs11Signer::open(&config).unwrap_err();
        let HsmError::Login { token, reason } = &error else {
            panic!("not a login error: {error:?}");
        };
        assert_eq!(token, TOKEN);
        assert!(reason.contains("CKR_PIN_INCORRECT"), "{reason}");
        assert_no_pin(&format!("{error} {error:?} {config:?}"));
        // The right PIN still works afterwards.
        case.open("log-key").unwrap();
    }
}

softhsm_test! {
    /// A PIN file every user can read is refused before the token is asked.
    fn a_world_readable_pin_file_is_refused(case) {
        use std::os::unix::fs::PermissionsExt;
        let config = case.config("log-key");
        let path = config.pin_file.clone().unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = Pkcs11Signer::open(&config).unwrap_err();
        assert!(matches!(&error, HsmError::Pin(m) if m.contains("readable by every user")), "{error}");
        assert_no_pin(&error.to_string());
    }
}

softhsm_test! {
    fn a_missing_key_is_refused(case) {
        let error = case.open("no-such-key").unwrap_err();
        assert_eq!(
            error,
            HsmError::KeyNotFound { token: TOKEN.into(), label: "no-such-key".into(), id: None }
        );
        let mut config = case.config("log-key");
        config.key_id = Some("02".parse().unwrap());
        let error = Pkcs11Signer::open(&config).unwrap_err();
        assert_eq!(
            error,
            HsmError::KeyNotFound { token: TOKEN.into(), label: "log-key".into(), id: Some("02".into()) }
        );
    }
}

softhsm_test! {
    fn a_wrong_token_label_is_refused(case) {
        let mut config = case.config("log-key");
        config.token_label = "no-such-token".into();
        let error = Pkcs11Signer::open(&config).unwrap_err();
        assert_eq!(
            error,
            HsmError::TokenNotFound { label: "no-such-token".into(), present: vec![TOKEN.into()] }
        );
    }
}

softhsm_test! {
    /// An EC P-256 key under the configured label is not taken for an Ed25519 key.
    fn a_key_of_another_type_is_refused(case) {
        let error = case.open("p256-key").unwrap_err();
        let HsmError::WrongKeyType { label, suite, found, .. } = &error else {
            panic!("not a key type error: {error:?}");
        };
        assert_eq!((label.as_str(), *suite, found.as_str()), ("p256-key", Suite::Ed25519Sha256, "a CKK_EC key"));
    }
}

softhsm_test! {
    /// An Ed25519 key configured as an SM2 key is refused, whatever the mechanism number.
    fn an_ed25519_key_configured_as_sm2_is_refused(case) {
        let mut config = case.config("log-key");
        config.suite = Suite::Sm2Sm3;
        config.sm2_mechanism = Some(0x8000_0001);
        let error = Pkcs11Signer::open(&config).unwrap_err();
        assert!(matches!(&error, HsmError::WrongKeyType { suite: Suite::Sm2Sm3, .. }), "{error:?}");
    }
}

softhsm_test! {
    /// Two keys under one label: refused as ambiguous until the ID picks one.
    fn the_key_id_picks_one_of_two_keys(case) {
        let error = case.open("twin").unwrap_err();
        assert!(matches!(&error, HsmError::AmbiguousKey { what: "private key", count: 2, .. }), "{error:?}");
        let mut config = case.config("twin");
        config.key_id = Some("21".parse().unwrap());
        let first = Pkcs11Signer::open(&config).unwrap();
        config.key_id = Some("22".parse().unwrap());
        let second = Pkcs11Signer::open(&config).unwrap();
        assert_ne!(first.public_key(), second.public_key());
        let signature = second.sign(b"m").unwrap();
        second.public_key().verify(b"m", &signature).unwrap();
        assert!(first.public_key().verify(b"m", &signature).is_err());
    }
}

softhsm_test! {
    fn a_key_without_its_public_key_is_refused(case) {
        let error = case.open("no-public").unwrap_err();
        assert!(
            matches!(&error, HsmError::PublicKey { label, reason } if label == "no-public" && reason.contains("no public-key object")),
            "{error:?}"
        );
    }
}

softhsm_test! {
    /// A public-key object that is not the private key's: the self-test at open refuses it.
    fn a_public_key_of_another_key_fails_the_self_test(case) {
        let error = case.open("mismatch").unwrap_err();
        assert!(
            matches!(&error, HsmError::SelfTest { label, reason } if label == "mismatch" && reason.contains("does not verify")),
            "{error:?}"
        );
    }
}

softhsm_test! {
    /// When the token logs the user out (here: a logout through another session of the same
    /// process), the signer logs in again on a new session and signs.
    fn signing_logs_in_again_after_a_logout(case) {
        use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
        use cryptoki::session::SessionState;

        let signer = case.open("log-key").unwrap();
        signer.sign(b"before").unwrap();

        // The same module instance as the signer's: initialising it again is refused, harmlessly.
        let context = Pkcs11::new(module_path()).unwrap();
        let _ = context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
        let slot = context
            .get_slots_with_initialized_token()
            .unwrap()
            .into_iter()
            .find(|slot| context.get_token_info(*slot).unwrap().label() == TOKEN)
            .unwrap();
        let other = context.open_ro_session(slot).unwrap();
        assert_eq!(other.get_session_info().unwrap().session_state(), SessionState::RoUser);
        other.logout().unwrap();
        assert_eq!(other.get_session_info().unwrap().session_state(), SessionState::RoPublic);

        let signature = signer.sign(b"after").unwrap();
        signer.public_key().verify(b"after", &signature).unwrap();
        assert_eq!(other.get_session_info().unwrap().session_state(), SessionState::RoUser);
    }
}

softhsm_test! {
    /// One signer shared by several threads: every signature verifies.
    fn signs_from_several_threads(case) {
        let signer = Arc::new(case.open("log-key").unwrap());
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                let signer = signer.clone();
                std::thread::spawn(move || {
                    for i in 0..25u8 {
                        let message = [t, i];
                        let signature = signer.sign(&message).unwrap();
                        signer.public_key().verify(&message, &signature).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
}

softhsm_test! {
    /// Two keys of one module in one process (a log key and a witness key) share its context.
    fn two_keys_of_one_module(case) {
        let log = case.open("log-key").unwrap();
        let mut config = case.config("twin");
        config.key_id = Some("21".parse().unwrap());
        let witness = Pkcs11Signer::open(&config).unwrap();
        drop(log);
        let signature = witness.sign(b"m").unwrap();
        witness.public_key().verify(b"m", &signature).unwrap();
    }
}

/// A module that does not exist is named in the error (no token needed).
#[test]
fn a_missing_module_is_refused() {
    let case = Case::new();
    let config = HsmKeyConfig {
        module: "/nonexistent/libpkcs11-module.so".into(),
        ..case.config_in("/unused.so".into(), "log-key")
    };
    let error = Pkcs11Signer::open(&config).unwrap_err();
    assert!(
        matches!(&error, HsmError::Module { module, .. } if module == Path::new("/nonexistent/libpkcs11-module.so")),
        "{error:?}"
    );
}
