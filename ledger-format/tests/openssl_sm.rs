//! The `sm2-sm3` suite (docs/format.md#suites) cross-checked with software nobody here wrote:
//! OpenSSL 3's command line computes SM3 digests equal to ours, verifies our SM2 signatures (made
//! with the default distinguishing ID and with another), and signs with keys it generated
//! signatures that our code verifies; a signature made under another ID is refused by both.
//!
//! Keys and signatures cross between the two in OpenSSL's forms, converted with the `sm2` crate's
//! own DER and PEM support: public keys as SubjectPublicKeyInfo PEM, private keys as PKCS#8 PEM,
//! signatures as DER `SEQUENCE { INTEGER r, INTEGER s }`.
//!
//! The test needs the `openssl` command (Debian package `openssl`, OpenSSL 3): without it, it
//! fails and says so. The commands it runs, for use by hand:
//!
//! ```text
//! openssl dgst -sm3 -binary FILE
//! openssl genpkey -algorithm SM2 -out key.pem
//! openssl pkey -in key.pem -pubout -out pub.pem
//! openssl pkeyutl -sign -inkey key.pem -rawin -in msg -digest sm3 -pkeyopt distid:1234567812345678 -out sig.der
//! openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg -sigfile sig.der -digest sm3 -pkeyopt distid:1234567812345678
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use ledger_format::keys::SignatureError;
use ledger_format::suite::Suite;
use ledger_format::suite::sm2::{
    DEFAULT_DIST_ID, DistId, Sm2PublicKey, Sm2Signature, Sm2SigningKey,
};
use sm2::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};

/// Runs `openssl` with `args`; fails the test, naming the package, when there is no `openssl`.
fn openssl(args: &[&str]) -> std::process::Output {
    match Command::new("openssl").args(args).output() {
        Ok(output) => output,
        Err(err) => panic!(
            "cannot run `openssl` ({err}): this test cross-checks SM2/SM3 with OpenSSL 3's command \
             line; install the Debian package `openssl`"
        ),
    }
}

/// Runs `openssl` with `args` and returns its stdout; fails the test when it does not succeed.
fn openssl_ok(args: &[&str]) -> Vec<u8> {
    let output = openssl(args);
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Does OpenSSL verify `signature` (DER) over `message` under the key `public_pem` and the ID `id`?
/// Only a verification outcome counts: a usage or parse error fails the test.
fn openssl_verifies(
    dir: &Dir,
    public_pem: &Path,
    message: &[u8],
    signature_der: &[u8],
    id: &str,
) -> bool {
    let message = dir.write("verify.msg", message);
    let signature = dir.write("verify.sig", signature_der);
    let distid = format!("distid:{id}");
    let output = openssl(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        text(public_pem),
        "-rawin",
        "-in",
        text(&message),
        "-sigfile",
        text(&signature),
        "-digest",
        "sm3",
        "-pkeyopt",
        &distid,
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    match (output.status.success(), stdout.trim()) {
        (true, "Signature Verified Successfully") => true,
        (false, "Signature Verification Failure") => false,
        _ => panic!(
            "openssl pkeyutl -verify gave no verdict: {stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// OpenSSL's form of our public key: SubjectPublicKeyInfo PEM (id-ecPublicKey with the SM2 curve).
fn public_key_pem(key: &Sm2PublicKey) -> String {
    sm2::PublicKey::from_sec1_bytes(&key.0)
        .unwrap()
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

/// OpenSSL's form of our signature: DER `SEQUENCE { INTEGER r, INTEGER s }`.
fn signature_der(signature: &Sm2Signature) -> Vec<u8> {
    sm2::dsa::Signature::from_slice(&signature.0)
        .unwrap()
        .to_der()
        .to_vec()
}

/// Our form of OpenSSL's signature: `r || s`.
fn signature_from_der(der: &[u8]) -> Sm2Signature {
    Sm2Signature(
        sm2::dsa::Signature::from_der(der)
            .unwrap()
            .to_bytes()
            .into(),
    )
}

#[test]
fn openssl_computes_our_sm3_digests() {
    let dir = Dir::new();
    let kib: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
    let messages: [&[u8]; 5] = [b"abc", &b"abcd".repeat(16), b"", &[0x00; 55], &kib];
    for message in messages {
        let file = dir.write("data", message);
        let digest = openssl_ok(&["dgst", "-sm3", "-binary", text(&file)]);
        assert_eq!(
            digest,
            Suite::Sm2Sm3.hash(message).0,
            "{} bytes",
            message.len()
        );
    }
}

#[test]
fn openssl_verifies_our_signatures_under_their_id_only() {
    let dir = Dir::new();
    let default_id = std::str::from_utf8(DEFAULT_DIST_ID).unwrap();
    for seed in [0x01u8, 0x5a, 0xc3] {
        let signer = Sm2SigningKey::from_secret_bytes(&[seed; 32]).unwrap();
        let public_pem = dir.write(
            "public.pem",
            public_key_pem(&signer.public_key()).as_bytes(),
        );
        // OpenSSL reads our key back to the same point.
        let read_back = openssl_ok(&[
            "pkey",
            "-pubin",
            "-in",
            text(&public_pem),
            "-outform",
            "DER",
        ]);
        assert_eq!(read_back[read_back.len() - 65..], signer.public_key().0);
        for message in [
            b"registration-ledger/record/v1\0".as_slice(),
            b"",
            &[seed; 1000],
        ] {
            let signature = signer.sign(message).unwrap();
            let der = signature_der(&signature);
            assert!(openssl_verifies(
                &dir,
                &public_pem,
                message,
                &der,
                default_id
            ));
            assert!(!openssl_verifies(
                &dir,
                &public_pem,
                message,
                &der,
                "ledger.yuxi.example"
            ));
            assert!(!openssl_verifies(
                &dir,
                &public_pem,
                b"other",
                &der,
                default_id
            ));
        }
        // A configured ID: OpenSSL verifies under it, and refuses under the default.
        let id = DistId::new(b"ledger.yuxi.example".to_vec()).unwrap();
        let signature = signer.sign_with_id(&id, b"checkpoint").unwrap();
        let der = signature_der(&signature);
        assert!(openssl_verifies(
            &dir,
            &public_pem,
            b"checkpoint",
            &der,
            "ledger.yuxi.example"
        ));
        assert!(!openssl_verifies(
            &dir,
            &public_pem,
            b"checkpoint",
            &der,
            default_id
        ));
    }
}

#[test]
fn openssl_verifies_the_published_and_pinned_signatures() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/sm2-sm3/vectors.json")).unwrap();
    let dir = Dir::new();
    for case in vectors["sm2"].as_array().unwrap() {
        let key = Sm2PublicKey(
            hex::decode(case["public"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap(),
        );
        let signature = Sm2Signature(
            hex::decode(case["signature"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap(),
        );
        let public_pem = dir.write("public.pem", public_key_pem(&key).as_bytes());
        let message = case["message"].as_str().unwrap().as_bytes();
        let id = case["id"].as_str().unwrap();
        assert!(
            openssl_verifies(&dir, &public_pem, message, &signature_der(&signature), id),
            "{case}"
        );
    }
}

#[test]
fn we_verify_openssl_signatures_under_their_id_only() {
    let dir = Dir::new();
    let key_pem = dir.path("key.pem");
    let public_pem = dir.path("public.pem");
    openssl_ok(&["genpkey", "-algorithm", "SM2", "-out", text(&key_pem)]);
    openssl_ok(&[
        "pkey",
        "-in",
        text(&key_pem),
        "-pubout",
        "-out",
        text(&public_pem),
    ]);
    let public =
        sm2::PublicKey::from_public_key_pem(&std::fs::read_to_string(&public_pem).unwrap())
            .unwrap();
    let key = Sm2PublicKey::from_slice(&public.to_sec1_bytes()).unwrap();
    // OpenSSL's private key is one of ours too: the same public key, and our signatures verify.
    let secret =
        sm2::SecretKey::from_pkcs8_pem(&std::fs::read_to_string(&key_pem).unwrap()).unwrap();
    let signer = Sm2SigningKey::from_secret_bytes(&secret.to_bytes().into()).unwrap();
    assert_eq!(signer.public_key(), key);

    let default_id = std::str::from_utf8(DEFAULT_DIST_ID).unwrap();
    let other = DistId::new(b"another-agency@example".to_vec()).unwrap();
    for message in [b"message digest".as_slice(), b"", &[0xa5; 4096]] {
        let message_file = dir.write("msg", message);
        let sign = |id: &str| {
            let signature = dir.path("sig.der");
            let distid = format!("distid:{id}");
            openssl_ok(&[
                "pkeyutl",
                "-sign",
                "-inkey",
                text(&key_pem),
                "-rawin",
                "-in",
                text(&message_file),
                "-digest",
                "sm3",
                "-pkeyopt",
                &distid,
                "-out",
                text(&signature),
            ]);
            std::fs::read(signature).unwrap()
        };
        // Under the default ID.
        let der = sign(default_id);
        let signature = signature_from_der(&der);
        assert_eq!(key.verify(message, &signature), Ok(()));
        assert_eq!(
            key.verify_with_id(&other, message, &signature),
            Err(SignatureError::BadSignature)
        );
        // Under another ID: both refuse it under the default, both accept it under its own.
        let der = sign("another-agency@example");
        let signature = signature_from_der(&der);
        assert_eq!(
            key.verify(message, &signature),
            Err(SignatureError::BadSignature)
        );
        assert!(!openssl_verifies(
            &dir,
            &public_pem,
            message,
            &der,
            default_id
        ));
        assert_eq!(key.verify_with_id(&other, message, &signature), Ok(()));
        assert!(openssl_verifies(
            &dir,
            &public_pem,
            message,
            &der,
            "another-agency@example"
        ));
    }
}

/// The artefacts of an `sm2-sm3` log, not just bare messages: OpenSSL verifies the log's SM2
/// signature on the golden checkpoint note (over the note text), a witness's SM2 cosignature
/// (over the `cosignature/v1` message), and an agency record's signature (over its signed
/// message), and its SM3 of a record's `0x00 ‖ bytes` is the record's hash.
#[test]
fn openssl_verifies_the_signatures_of_an_sm2_log() {
    use ledger_format::checkpoint::SignedCheckpoint;
    use ledger_format::keys::PublicKey;
    let dir = Dir::new();
    let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/sm2-sm3");
    let note = std::fs::read_to_string(format!("{vectors}/checkpoint.txt")).unwrap();
    let signed = SignedCheckpoint::parse(&note).unwrap();
    let note_text = signed.note().text().to_owned();
    let key = |byte: u8| {
        Sm2SigningKey::from_secret_bytes(&[byte; 32])
            .unwrap()
            .public_key()
    };
    let signature = |line: usize, skip: usize| {
        let bytes = &signed.note().signatures()[line].bytes()[skip..];
        Sm2Signature(bytes.try_into().unwrap())
    };
    let id = std::str::from_utf8(DEFAULT_DIST_ID).unwrap();
    // The log's line: 64 bytes of r ‖ s over the note text.
    let log_pem = dir.write("log.pem", public_key_pem(&key(1)).as_bytes());
    let der = signature_der(&signature(0, 0));
    assert!(openssl_verifies(
        &dir,
        &log_pem,
        note_text.as_bytes(),
        &der,
        id
    ));
    assert!(!openssl_verifies(
        &dir,
        &log_pem,
        b"another text\n",
        &der,
        id
    ));
    // The first witness's line: 8-byte timestamp, then r ‖ s over the cosignature message.
    let line = signed.note().signatures()[1].bytes();
    let timestamp = u64::from_be_bytes(line[..8].try_into().unwrap());
    let message = format!("cosignature/v1\ntime {timestamp}\n{note_text}");
    let witness_pem = dir.write("witness.pem", public_key_pem(&key(2)).as_bytes());
    let der = signature_der(&signature(1, 8));
    assert!(openssl_verifies(
        &dir,
        &witness_pem,
        message.as_bytes(),
        &der,
        id
    ));
    // A record of the golden SM2 log.
    let records: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{vectors}/records-v3.json")).unwrap(),
    )
    .unwrap();
    let entry = &records["records"][1];
    let bytes = hex::decode(entry["hex"].as_str().unwrap()).unwrap();
    let record =
        <ledger_format::record::Record as ledger_format::Canonical>::decode_exact(&bytes).unwrap();
    let PublicKey::Sm2(author) = record.header.author else {
        panic!("an sm2-sm3 record names an SM2 key");
    };
    let author_pem = dir.write("author.pem", public_key_pem(&author).as_bytes());
    let der = signature_der(&Sm2Signature(record.signature.0));
    assert!(openssl_verifies(
        &dir,
        &author_pem,
        &record.signed_message(),
        &der,
        id
    ));
    let leaf = dir.write("leaf", &[&[0u8][..], &bytes].concat());
    let digest = openssl_ok(&["dgst", "-sm3", "-binary", text(&leaf)]);
    assert_eq!(hex::encode(digest), entry["record_hash"].as_str().unwrap());
}
