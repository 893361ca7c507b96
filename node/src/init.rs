//! `ledger-node init`: a new agency log — key, token, configuration, empty store, trust policy.

use std::io::Write;
use std::path::{Path, PathBuf};

use ledger_format::checkpoint::{NoteSigningKey, SignatureType, VerifierKey};
use ledger_format::keys::{PublicKey, SecretKey, Signer};
use ledger_format::suite::Suite;

use crate::sequencer::LogKey;

use crate::config::{CONFIG_FILE, Config};
use crate::store::{LogIdentity, RocksStore};

/// Name of the trust-policy file `init` writes for banks and other verifiers.
pub const POLICY_FILE: &str = "policy.txt";

/// Why a key or token file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The directory already holds a node.
    #[error("{0} already holds a node (config.toml exists)")]
    Exists(PathBuf),
    /// A key file does not hold a valid key.
    #[error("{path}: {reason}")]
    BadKey {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The operating system's random source failed.
    #[error("no randomness: {0}")]
    Random(String),
    /// The store could not be created.
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The origin or configuration is invalid.
    #[error("{0}")]
    Config(String),
    /// The log key's hardware security module refused (docs/operations.md).
    #[error("log key in the hardware security module: {0}")]
    Hsm(ledger_hsm::HsmError),
}

// Not `#[from]`: that would make the module's error the source too, and a report of the chain
// would print it twice.
impl From<ledger_hsm::HsmError> for InitError {
    fn from(e: ledger_hsm::HsmError) -> Self {
        InitError::Hsm(e)
    }
}

/// `config` with its relative paths (module, PIN file) resolved against the node's directory.
fn resolved(config: &Config, hsm: &ledger_hsm::HsmKeyConfig) -> ledger_hsm::HsmKeyConfig {
    let mut hsm = hsm.clone();
    hsm.module = config.path(&hsm.module);
    hsm.pin_file = hsm.pin_file.map(|pin| config.path(&pin));
    hsm
}

/// Opens the log key of a node whose configuration keeps it in a hardware security module
/// (`log_key_hsm`): the module signs and verifies a test message first, and the key must be of
/// the log's suite.
///
/// # Errors
/// [`InitError::Hsm`] when the module, token, PIN or key is unusable; [`InitError::Config`] for a
/// key of another suite than the log's.
pub fn open_hsm_log_key(
    config: &Config,
    hsm: &ledger_hsm::HsmKeyConfig,
) -> Result<ledger_hsm::Pkcs11Signer, InitError> {
    let signer = ledger_hsm::Pkcs11Signer::open(&resolved(config, hsm))?;
    let suite = signer.public_key().suite();
    if suite != config.suite {
        return Err(InitError::Config(format!(
            "the log key in the module is a {suite} key, and the log is {}",
            config.suite
        )));
    }
    Ok(signer)
}

/// The log key in force (`in_force`, the store's agency key), wherever the configuration keeps
/// it: in a hardware security module (`log_key_hsm`), whose key must be the one in force, or in
/// the key file ([`load_log_key`]).
///
/// # Errors
/// As [`open_hsm_log_key`] and [`load_log_key`]; [`InitError::BadKey`] when the module's key is
/// not the key in force.
pub fn open_log_key(config: &Config, in_force: PublicKey) -> Result<LogKey, InitError> {
    let Some(hsm) = &config.log_key_hsm else {
        return load_log_key(&config.path(&config.key_file), in_force);
    };
    let signer = open_hsm_log_key(config, hsm)?;
    if signer.public_key() != in_force {
        return Err(InitError::BadKey {
            path: config.path(&hsm.module),
            reason: format!(
                "the module's key {} (label {:?}) is not the key in force, {in_force}",
                signer.public_key(),
                hsm.key_label
            ),
        });
    }
    Ok(std::sync::Arc::new(signer))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InitError + '_ {
    move |source| InitError::Io {
        path: path.to_owned(),
        source,
    }
}

/// 32 bytes from the operating system's random source.
///
/// # Errors
/// [`InitError::Random`] when the source fails.
pub fn random_bytes() -> Result<[u8; 32], InitError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| InitError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A new secret key of `suite` from the OS's random source. (An SM2 scalar outside `[1, n-2]`,
/// about one draw in 2^32, is drawn again.)
///
/// # Errors
/// [`InitError::Random`] when the OS gives no random bytes.
pub fn new_secret_key(suite: Suite) -> Result<SecretKey, InitError> {
    loop {
        if let Ok(key) = SecretKey::from_secret_bytes(suite, &random_bytes()?) {
            return Ok(key);
        }
    }
}

/// Writes `contents` to a new file readable by its owner only (mode 0600); never overwrites.
///
/// # Errors
/// [`InitError::Io`], also when the file exists.
pub fn write_secret(path: &Path, contents: &str) -> Result<(), InitError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    file.write_all(contents.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Replaces the secret file `path` with `contents` atomically, mode 0600: a temporary file beside
/// it (a stale one from a crash is removed first), synced, renamed over `path`, and the directory
/// synced, so a reader never sees half a file. On failure, the file the error concerns.
///
/// # Errors
/// The path and the I/O error.
pub fn replace_secret(path: &Path, contents: &str) -> Result<(), (PathBuf, std::io::Error)> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let at = |path: &Path| {
        let path = path.to_owned();
        move |e| (path, e)
    };
    match std::fs::remove_file(&temporary) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err((temporary, e)),
        _ => {}
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(at(&temporary))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(at(&temporary))?;
    std::fs::rename(&temporary, path).map_err(at(path))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(at(dir))
}

/// Reads the agency's signing key from a C2SP note private-key file.
///
/// # Errors
/// [`InitError::Io`] or [`InitError::BadKey`].
pub fn read_key(path: &Path) -> Result<SecretKey, InitError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let key = NoteSigningKey::parse(text.trim()).map_err(|e| InitError::BadKey {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if key.verifier_key().signature_type().is_cosignature() {
        return Err(InitError::BadKey {
            path: path.to_owned(),
            reason: "a witness key, not a log key".into(),
        });
    }
    key.secret_key().cloned().ok_or_else(|| InitError::BadKey {
        path: path.to_owned(),
        reason: "holds no secret".into(),
    })
}

/// The secret text of `key` named `name` for signatures of type `kind`, as a key file holds it.
fn secret_text(name: &str, kind: SignatureType, key: SecretKey) -> Result<String, InitError> {
    NoteSigningKey::new(name, kind, key)
        .map_err(|e| InitError::Config(e.to_string()))?
        .to_secret_text()
        .map(|text| text + "\n")
        .ok_or_else(|| InitError::Config("the key is not in memory".into()))
}

/// Where a rotation keeps the next log key until it is in force: next to the current key file,
/// with `.next` appended (`agency.key.next`).
pub fn next_key_path(key_file: &Path) -> PathBuf {
    let mut name = key_file.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// The next log key of a rotation: the one in `agency.key.next` when a rotation was prepared and
/// not finished, otherwise a new key written there first (mode 0600, written to a temporary file,
/// synced, renamed and the directory synced, so a crash leaves either no file or a whole key).
///
/// # Errors
/// [`InitError`] when the file cannot be read or written.
pub fn prepare_next_key(origin: &str, key_file: &Path) -> Result<SecretKey, InitError> {
    let next = next_key_path(key_file);
    if next.exists() {
        return read_key(&next);
    }
    // The log keeps its suite for life: the next key is of the current key's.
    let suite = read_key(key_file)?.suite();
    let key = new_secret_key(suite)?;
    let text = secret_text(origin, SignatureType::log(suite), key.clone())?;
    replace_secret(&next, &text).map_err(|(path, source)| InitError::Io { path, source })?;
    sync_parent(&next)?;
    Ok(key)
}

/// Makes the next key (`agency.key.next`) the node's key file, replacing the old key in one
/// atomic rename (then syncs the directory). Called once the `KeyRotation` record is durable.
///
/// # Errors
/// [`InitError::Io`].
pub fn switch_to_next_key(key_file: &Path) -> Result<(), InitError> {
    let next = next_key_path(key_file);
    std::fs::rename(&next, key_file).map_err(io(key_file))?;
    sync_parent(key_file)
}

/// Loads the log key the replayed log says is in force (`in_force`, the store's agency key): the
/// key file when it holds it; else the next key of a rotation whose record became durable before
/// the node could switch its key file (a crash in between), which is switched now. Refuses when
/// neither file holds the key in force: the node cannot sign its own log.
///
/// # Errors
/// [`InitError::BadKey`] naming the key in force; I/O errors.
pub fn load_log_key(key_file: &Path, in_force: PublicKey) -> Result<LogKey, InitError> {
    let current = read_key(key_file);
    if let Ok(key) = &current
        && key.public_key() == in_force
    {
        return Ok(std::sync::Arc::new(key.clone()));
    }
    let next = next_key_path(key_file);
    if next.exists() {
        let key = read_key(&next)?;
        if key.public_key() == in_force {
            tracing::warn!(file = %key_file.display(), "the log rotated to the next key before the key file was switched: switching it now");
            switch_to_next_key(key_file)?;
            return Ok(std::sync::Arc::new(key));
        }
    }
    current?;
    Err(InitError::BadKey {
        path: key_file.to_owned(),
        reason: format!(
            "the log's records put key {in_force} in force, and neither this file nor {} holds it",
            next.display()
        ),
    })
}

fn sync_parent(path: &Path) -> Result<(), InitError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// Reads the agency token (one line).
///
/// # Errors
/// [`InitError::Io`], or [`InitError::BadKey`] for an empty file.
pub fn read_token(path: &Path) -> Result<String, InitError> {
    let token = std::fs::read_to_string(path).map_err(io(path))?;
    let token = token.trim().to_owned();
    if token.len() < 16 {
        return Err(InitError::BadKey {
            path: path.to_owned(),
            reason: "token shorter than 16 characters".into(),
        });
    }
    Ok(token)
}

/// The verifier key of the agency's log key: what banks put in their trust policy.
///
/// # Errors
/// [`InitError::Config`] when the origin is not a valid key name.
pub fn log_verifier_key(origin: &str, key: &dyn Signer) -> Result<VerifierKey, InitError> {
    let public = key.public_key();
    VerifierKey::new(origin, SignatureType::log(public.suite()), public)
        .map_err(|e| InitError::Config(e.to_string()))
}

/// The name of a node's witness key: its log's origin followed by `/witness`.
pub fn witness_key_name(origin: &str) -> String {
    format!("{origin}/witness")
}

/// The node's current witness key, wherever the configuration keeps it: in a hardware security
/// module (`network.witness_key_hsm`, named `<origin>/witness`, which signs and verifies a test
/// message when opened) or in the witness key file ([`read_witness_key`]).
///
/// # Errors
/// [`InitError::Hsm`] when the module is unusable; as [`read_witness_key`].
pub fn witness_key(config: &Config) -> Result<NoteSigningKey, InitError> {
    let Some(hsm) = &config.network.witness_key_hsm else {
        return read_witness_key(&config.path(&config.network.witness_key_file));
    };
    let signer = ledger_hsm::Pkcs11Signer::open(&resolved(config, hsm))?;
    let kind = SignatureType::cosignature(signer.public_key().suite());
    NoteSigningKey::with_signer(
        &witness_key_name(&config.origin),
        kind,
        std::sync::Arc::new(signer),
    )
    .map_err(|e| InitError::Config(e.to_string()))
}

/// Reads the node's witness key (a C2SP note private key of type `cosignature/v1`).
///
/// # Errors
/// [`InitError::Io`] or [`InitError::BadKey`].
pub fn read_witness_key(path: &Path) -> Result<NoteSigningKey, InitError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let key = NoteSigningKey::parse(text.trim()).map_err(|e| InitError::BadKey {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if !key.verifier_key().signature_type().is_cosignature() {
        return Err(InitError::BadKey {
            path: path.to_owned(),
            reason: "not a witness (cosignature) key".into(),
        });
    }
    Ok(key)
}

/// Reads the node's libp2p identity (a hex Ed25519 seed).
///
/// # Errors
/// [`InitError::Io`] or [`InitError::BadKey`].
pub fn read_p2p_key(path: &Path) -> Result<libp2p::identity::Keypair, InitError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let bad = |reason: String| InitError::BadKey {
        path: path.to_owned(),
        reason,
    };
    let seed: [u8; 32] =
        ledger_format::encoding::from_hex_array(text.trim()).map_err(|e| bad(e.to_string()))?;
    libp2p::identity::Keypair::ed25519_from_bytes(seed).map_err(|e| bad(e.to_string()))
}

/// Creates the witness and libp2p keys of a node that lacks them (nodes created before the
/// network existed); existing keys are kept.
///
/// # Errors
/// [`InitError`] when a key cannot be written.
pub fn ensure_network_keys(config: &Config) -> Result<(), InitError> {
    let witness = config.path(&config.network.witness_key_file);
    if config.network.witness_key_hsm.is_none() && !witness.exists() {
        // A witness key of the log's suite.
        let suite = config.suite;
        let text = secret_text(
            &witness_key_name(&config.origin),
            SignatureType::cosignature(suite),
            new_secret_key(suite)?,
        )?;
        write_secret(&witness, &text)?;
    }
    let p2p = config.path(&config.network.p2p_key_file);
    if !p2p.exists() {
        write_secret(
            &p2p,
            &(ledger_format::encoding::to_hex(&random_bytes()?) + "\n"),
        )?;
    }
    Ok(())
}

/// Writes `policy.txt`, the trust policy of this node's log alone (its key and, when the
/// configuration restricts them, its regions); returns its path.
///
/// # Errors
/// [`InitError`] when the file cannot be written.
pub fn write_own_policy(config: &Config, key: &VerifierKey) -> Result<PathBuf, InitError> {
    let path = config.base_dir.join(POLICY_FILE);
    let regions = Some(config.regions.as_slice()).filter(|r| !r.is_empty());
    std::fs::write(
        &path,
        crate::policy::own_policy_text(&config.origin, key, regions),
    )
    .map_err(io(&path))?;
    Ok(path)
}

/// This node's entry for the network's membership file: its regions (GB/T 2260 codes), log key,
/// witness key, peer id and libp2p addresses.
///
/// # Errors
/// [`InitError`] when a key cannot be read.
pub fn member_entry(
    config: &Config,
    name: Option<&str>,
    regions: &[u32],
) -> Result<crate::replication::MemberEntry, InitError> {
    ensure_network_keys(config)?;
    let log_key = genesis_log_key(config)?;
    let witness = witness_key(config)?;
    let p2p = read_p2p_key(&config.path(&config.network.p2p_key_file))?;
    let default_name = config.origin.split(['.', '/']).next().unwrap_or("agency");
    Ok(crate::replication::MemberEntry {
        name: name.unwrap_or(default_name).to_owned(),
        origin: config.origin.clone(),
        regions: regions.to_vec(),
        profiles: Vec::new(),
        log_key: log_key.to_string(),
        log_key_not_after: None,
        witness_key: Some(witness.verifier_key().to_string()),
        witness_keys: Vec::new(),
        peer_id: p2p.public().to_peer_id().to_string(),
        addresses: config.network.listen.clone(),
        removed: None,
        objections: config.board.objections.clone(),
    })
}

/// The log's genesis key, which the membership names (a replica replays the log from its first
/// record, signed by that key, and learns every rotation from the records): from the store, or,
/// while a running node holds the store, from the key file when the log never rotated.
///
/// # Errors
/// [`InitError`] when neither can be read, or the store is busy and the key file holds a rotated
/// key (stop the node, or take the entry printed before the rotation).
fn genesis_log_key(config: &Config) -> Result<VerifierKey, InitError> {
    let key = |k| VerifierKey::log(&config.origin, k).map_err(|e| InitError::Config(e.to_string()));
    match RocksStore::open(config.path(&config.db_dir), &config.origin) {
        Ok(store) => {
            use crate::store::Store;
            key(store.identity()?.genesis_key)
        }
        Err(busy) => {
            if let Some(hsm) = &config.log_key_hsm {
                tracing::warn!(error = %busy, "the store cannot be read: the module's key is taken as the genesis key");
                return key(open_hsm_log_key(config, hsm)?.public_key());
            }
            let path = config.path(&config.key_file);
            let current = read_key(&path)?;
            if next_key_path(&path).exists() {
                return Err(InitError::Config(format!(
                    "the store cannot be read ({busy}) and a key rotation is under way: stop the node"
                )));
            }
            tracing::warn!(error = %busy, "the store cannot be read: the key file's key is taken as the genesis key");
            key(current.public_key())
        }
    }
}

/// What `init` created.
#[derive(Debug)]
pub struct Initialized {
    /// The configuration written.
    pub config: Config,
    /// The log's verifier key.
    pub verifier_key: VerifierKey,
    /// The trust policy file.
    pub policy_path: PathBuf,
}

/// Creates a new node in `dir`: agency key and token (0600), the officer registry naming the
/// token's holder officer `administrator` (0600), `config.toml`, an empty RocksDB store, and the
/// trust-policy file for verifiers.
///
/// # Errors
/// [`InitError::Exists`] when `dir` already holds a node, or any I/O failure.
pub fn init(
    dir: &Path,
    origin: &str,
    listen: Option<std::net::SocketAddr>,
) -> Result<Initialized, InitError> {
    init_with_suite(dir, origin, listen, Suite::Ed25519Sha256)
}

/// [`init`] for a log of `suite`: its log key, witness key, records, tree, map and checkpoints
/// are of that suite for the log's life (docs/format.md#suites).
///
/// # Errors
/// As [`init`].
pub fn init_with_suite(
    dir: &Path,
    origin: &str,
    listen: Option<std::net::SocketAddr>,
    suite: Suite,
) -> Result<Initialized, InitError> {
    init_with(dir, origin, listen, suite, None)
}

/// [`init_with_suite`], the log key kept in a hardware security module when `hsm` is given: the
/// module's key (which must exist, made with the vendor's tools) becomes the log's genesis key,
/// no `agency.key` is written, and `config.toml` names the module (`log_key_hsm`).
///
/// # Errors
/// As [`init`]; [`InitError::Hsm`] when the module cannot sign.
pub fn init_with(
    dir: &Path,
    origin: &str,
    listen: Option<std::net::SocketAddr>,
    suite: Suite,
    hsm: Option<ledger_hsm::HsmKeyConfig>,
) -> Result<Initialized, InitError> {
    ledger_format::record::validate_origin(origin).map_err(|e| InitError::Config(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let config_path = dir.join(CONFIG_FILE);
    if config_path.exists() {
        return Err(InitError::Exists(dir.to_owned()));
    }
    let mut config = Config::new(origin, dir);
    config.suite = suite;
    if let Some(listen) = listen {
        config.http.listen = listen;
        // A node on a port the OS chooses (tests, benchmarks) has its admin routes so too.
        if listen.port() == 0 {
            config.http.admin_listen = std::net::SocketAddr::new(listen.ip(), 0);
        }
    }
    let key: LogKey = match hsm {
        Some(hsm) => {
            if hsm.suite != suite {
                return Err(InitError::Config(format!(
                    "the module's key is configured as {}, and the log as {suite}",
                    hsm.suite
                )));
            }
            let signer = open_hsm_log_key(&config, &hsm)?;
            config.log_key_hsm = Some(hsm);
            std::sync::Arc::new(signer)
        }
        None => {
            let key = new_secret_key(suite)?;
            write_secret(
                &config.path(&config.key_file),
                &secret_text(origin, SignatureType::log(suite), key.clone())?,
            )?;
            std::sync::Arc::new(key)
        }
    };
    let token = ledger_format::encoding::to_hex(&random_bytes()?);
    write_secret(&config.path(&config.token_file), &(token.clone() + "\n"))?;
    crate::officers::ensure_registry(&config.path(&config.officers_file), &token)
        .map_err(|e| InitError::Config(e.to_string()))?;
    RocksStore::create(
        config.path(&config.db_dir),
        LogIdentity {
            origin: origin.to_owned(),
            genesis_key: key.public_key(),
        },
    )?;
    ensure_network_keys(&config)?;
    let verifier_key = log_verifier_key(origin, &key)?;
    let policy_path = write_own_policy(&config, &verifier_key)?;
    // The configuration goes last: its presence marks a complete node directory.
    std::fs::write(&config_path, config.to_toml()).map_err(io(&config_path))?;
    Ok(Initialized {
        config,
        verifier_key,
        policy_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::keys::SigningKey;

    const ORIGIN: &str = "ledger.yuxi.example/2026";

    fn write_key(path: &Path, key: &SigningKey) {
        let note = NoteSigningKey::new(ORIGIN, SignatureType::Ed25519, key.clone()).unwrap();
        write_secret(path, &(note.to_secret_text().unwrap() + "\n")).unwrap();
    }

    #[test]
    fn the_next_key_is_written_once_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("agency.key");
        // No current key: the next key's suite is unknown, so none is made.
        assert!(prepare_next_key(ORIGIN, &key_file).is_err());
        write_key(&key_file, &SigningKey::from_seed(&[1; 32]));
        let next = prepare_next_key(ORIGIN, &key_file).unwrap();
        let path = next_key_path(&key_file);
        assert_eq!(path, dir.path().join("agency.key.next"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(next.suite(), Suite::Ed25519Sha256);
        // A rotation that did not finish reuses the prepared key rather than a second one.
        let again = prepare_next_key(ORIGIN, &key_file).unwrap();
        assert_eq!(again.public_key(), next.public_key());
    }

    #[test]
    fn the_node_loads_the_key_the_log_has_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("agency.key");
        let old = SigningKey::from_seed(&[1; 32]);
        write_key(&key_file, &old);
        let next = prepare_next_key(ORIGIN, &key_file).unwrap();

        // The rotation record never became durable: the old key stays, the next one waits.
        let loaded = load_log_key(&key_file, old.public_key()).unwrap();
        assert_eq!(loaded.public_key(), old.public_key());
        assert!(next_key_path(&key_file).exists());

        // A crash after the record was durable and before the file switch: the log says the
        // next key is in force, so the switch is finished now.
        let loaded = load_log_key(&key_file, next.public_key()).unwrap();
        assert_eq!(loaded.public_key(), next.public_key());
        assert_eq!(read_key(&key_file).unwrap().public_key(), next.public_key());
        assert!(!next_key_path(&key_file).exists());

        // Neither file holds the key the log says is in force: the node refuses to start.
        let other = SigningKey::from_seed(&[2; 32]).public_key();
        let refused = load_log_key(&key_file, other).unwrap_err();
        assert!(
            matches!(&refused, InitError::BadKey { reason, .. } if reason.contains(&other.to_string())),
            "{refused}"
        );
    }
}
