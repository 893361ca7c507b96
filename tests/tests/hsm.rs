//! A log key in a hardware security module: `ledger-node init --log-key-hsm` takes a key made in
//! a SoftHSM2 token (with OpenSC's `pkcs11-tool`, as an operator would) as the log's key, writes no
//! `agency.key`, and the running node signs its records and checkpoints through PKCS#11. A wrong
//! PIN, or a token whose key is not the log's, stops the node at start with a clear error.
//!
//! SoftHSM2 reads its token directory from `SOFTHSM2_CONF` in the process that loads it: the node
//! processes get it in their environment; this test process never loads the module.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Agency, free_port, node_binary, poll};
use ledger_format::checkpoint::SignedCheckpoint;
use serde_json::json;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "node-pin-5512";

/// Runs `program` with `SOFTHSM2_CONF=conf`; panics with its output (and what to install) when it
/// fails.
fn run(conf: &Path, program: &str, args: &[&str]) {
    let output = Command::new(program)
        .env("SOFTHSM2_CONF", conf)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): apt-get install softhsm2 opensc"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A SoftHSM2 token `label` in `dir` holding an Ed25519 key pair `log-key`: the configuration
/// file's path.
fn token(dir: &Path, label: &str) -> PathBuf {
    assert!(
        Path::new(MODULE).exists(),
        "SoftHSM2 is not installed ({MODULE}): apt-get install softhsm2 opensc"
    );
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    run(
        &conf,
        "softhsm2-util",
        &[
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            "so-7731",
            "--pin",
            PIN,
        ],
    );
    run(
        &conf,
        "pkcs11-tool",
        &[
            "--module",
            MODULE,
            "--token-label",
            label,
            "--login",
            "--pin",
            PIN,
            "--keypairgen",
            "--key-type",
            "EC:edwards25519",
            "--label",
            "log-key",
            "--id",
            "01",
        ],
    );
    conf
}

fn hsm_toml(dir: &Path, token: &str, pin: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let pin_file = dir.join(format!("{token}.pin"));
    std::fs::write(&pin_file, pin).unwrap();
    // The module refuses a PIN file other users may read.
    std::fs::set_permissions(&pin_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let path = dir.join(format!("{token}.toml"));
    std::fs::write(
        &path,
        format!(
            "module = \"{MODULE}\"\ntoken-label = \"{token}\"\nkey-label = \"log-key\"\n\
             pin-file = \"{}\"\nsuite = \"ed25519-sha256\"\n",
            pin_file.display()
        ),
    )
    .unwrap();
    path
}

/// `ledger-node run` on `node_dir` with the tokens of `conf`, to its end (a refused start).
fn run_node(conf: &Path, node_dir: &Path) -> std::process::Output {
    Command::new(node_binary())
        .env("SOFTHSM2_CONF", conf)
        .arg("--data-dir")
        .arg(node_dir)
        .arg("run")
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_node_signs_its_log_with_a_key_in_a_pkcs11_token() {
    let work = tempfile::tempdir().unwrap();
    let conf = token(work.path(), "agency");
    let node_dir = work.path().join("node");
    let (http, admin) = (free_port(), free_port());
    let origin = "ledger.hsm.example/1";
    let init = Command::new(node_binary())
        .env("SOFTHSM2_CONF", &conf)
        .arg("--data-dir")
        .arg(&node_dir)
        .args(["init", "--origin", origin])
        .args(["--listen", &format!("127.0.0.1:{http}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .arg("--log-key-hsm")
        .arg(hsm_toml(work.path(), "agency", PIN))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    // No key file: the secret never left the token.
    assert!(!node_dir.join("agency.key").exists());
    let config = std::fs::read_to_string(node_dir.join("config.toml")).unwrap();
    assert!(config.contains("[log_key_hsm]"), "{config}");
    let policy = std::fs::read_to_string(node_dir.join("policy.txt")).unwrap();
    let policy = ledger_client::policy::parse_policy(&policy).unwrap();
    let log_key = policy.logs[0].key.clone();

    let mut node = Agency::standalone("hsm", origin, node_dir.clone(), http, admin);
    node.env
        .push(("SOFTHSM2_CONF".into(), conf.display().to_string()));
    node.start(0);
    let year: i64 = 2026;
    node.append(json!({"Calendar": {"year": year, "holidays": [], "makeup_workdays": []}}));
    let signed = poll(30, || {
        SignedCheckpoint::parse(&node.get_text("/v1/checkpoint"))
            .is_ok_and(|s| s.checkpoint().size >= 1)
    });
    assert!(signed, "no checkpoint of the appended record");
    let checkpoint = SignedCheckpoint::parse(&node.get_text("/v1/checkpoint")).unwrap();
    // Signed by the token's key, the one the policy names.
    checkpoint.verify_log_signature(&log_key).unwrap();
    let record = node.get_json("/v1/records/0");
    let bytes = hex::decode(record["hex"].as_str().unwrap()).unwrap();
    let record =
        <ledger_format::record::Record as ledger_format::Canonical>::decode_exact(&bytes).unwrap();
    assert_eq!(&record.header.author, log_key.public_key());
    record.verify_signature().unwrap();
    // Rotation over HTTP is not offered for a key in a module.
    let rotate = ureq::post(&node.url("/v1/agency/key-rotation"))
        .header("Authorization", &format!("Bearer {}", node.token()))
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(json!({"new_key": log_key.public_key().to_hex()}))
        .unwrap();
    assert_eq!(rotate.status().as_u16(), 503);
    node.kill();

    // The wrong PIN: the node does not start, and says why (never the PIN).
    hsm_toml(work.path(), "agency", "not-the-pin");
    let refused = run_node(&conf, &node_dir);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("hardware security module"), "{stderr}");
    assert!(!stderr.contains("not-the-pin"), "{stderr}");

    // Another token of the same label whose key is not the log's (a swapped or re-initialised
    // module): refused, naming the key in force.
    let other = token(&work.path().join("other"), "agency");
    hsm_toml(work.path(), "agency", PIN);
    let refused = run_node(&other, &node_dir);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("not the key in force"), "{stderr}");
    assert!(stderr.contains(&log_key.public_key().to_hex()), "{stderr}");
}

/// An evidence service whose key is in a token: `ledger-client evidence sign --hsm` signs through
/// PKCS#11, and the signature verifies under the token's public key; a wrong PIN is refused.
#[test]
fn an_evidence_service_signs_with_a_key_in_a_pkcs11_token() {
    let work = tempfile::tempdir().unwrap();
    let conf = token(work.path(), "service");
    let sign = |config: &Path| {
        Command::new(common::client_binary())
            .env("SOFTHSM2_CONF", &conf)
            .args([
                "evidence",
                "sign",
                "--origin",
                "ledger.hsm.example/1",
                "--hsm",
            ])
            .arg(config)
            .arg("ab".repeat(32))
            .output()
            .unwrap()
    };
    let out = sign(&hsm_toml(work.path(), "service", PIN));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &json["submissions"][0];
    let submitter =
        ledger_format::PublicKey::from_hex(entry["submitter"].as_str().unwrap()).unwrap();
    let signature = ledger_format::Signature(
        hex::decode(entry["signature"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    );
    let hash = ledger_format::Hash::from_hex(&"ab".repeat(32)).unwrap();
    let message = ledger_format::record::evidence_message("ledger.hsm.example/1", &hash);
    submitter.verify(&message, &signature).unwrap();

    let out = sign(&hsm_toml(work.path(), "service", "wrong-pin-0"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PIN") || stderr.contains("pin"), "{stderr}");
    assert!(!stderr.contains("wrong-pin-0"), "{stderr}");
}

/// The node's witness key in a token (`network.witness_key_hsm`): the node's membership entry
/// names the token's key as its `cosignature/v1` key; a wrong PIN is refused.
#[test]
fn a_node_witness_key_in_a_pkcs11_token() {
    let work = tempfile::tempdir().unwrap();
    let conf = token(work.path(), "witness");
    let node_dir = work.path().join("node");
    let origin = "ledger.witness.example/1";
    let init = Command::new(node_binary())
        .arg("--data-dir")
        .arg(&node_dir)
        .args(["init", "--origin", origin])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let hsm = hsm_toml(work.path(), "witness", PIN);
    let table = std::fs::read_to_string(&hsm).unwrap();
    let config = node_dir.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("\n[network.witness_key_hsm]\n{table}"));
    std::fs::write(&config, text).unwrap();
    let member = || {
        Command::new(node_binary())
            .env("SOFTHSM2_CONF", &conf)
            .arg("--data-dir")
            .arg(&node_dir)
            .args(["member", "--region", "530400"])
            .output()
            .unwrap()
    };
    let out = member();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entry: toml::Value = toml::from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let witness = ledger_format::checkpoint::VerifierKey::parse(
        entry["agency"][0]["witness_key"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(witness.name(), format!("{origin}/witness"));
    assert_eq!(
        witness.signature_type(),
        ledger_format::checkpoint::SignatureType::CosignatureV1
    );
    // It is the token's key, not the witness.key file's.
    let file_key = ledger_node::init::read_witness_key(&node_dir.join("witness.key")).unwrap();
    assert_ne!(witness.public_key(), file_key.verifier_key().public_key());
    let signed = Command::new(common::client_binary())
        .env("SOFTHSM2_CONF", &conf)
        .args(["evidence", "sign", "--origin", origin, "--hsm"])
        .arg(&hsm)
        .arg("cd".repeat(32))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert_eq!(
        json["submissions"][0]["submitter"].as_str().unwrap(),
        witness.public_key().to_hex()
    );
    // The wrong PIN: refused.
    hsm_toml(work.path(), "witness", "wrong-pin-1");
    let out = member();
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("wrong-pin-1"));
}
