//! The other commands through the binary: QR codes, fetch, code checks, evidence, check-field.

mod common;

use common::*;
use ledger_format::Canonical;
use ledger_format::checkpoint::{CompactCheckpoint, VerifierKey};
use ledger_format::merkle;
use ledger_format::testing::{self, Ledger};

const TODAY: &str = "2027-02-01";

#[cfg(feature = "qr")]
#[test]
fn qr_round_trip() {
    let l = ledger();
    let files = Files::new();
    let bytes = bundle(&l, 1, WITNESSES, false);
    let path = files.write("cert.bundle", &bytes);
    let png = files.dir.path().join("cert.png");
    let out = run(&["qr", path.to_str().unwrap(), "-o", png.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(code_of(&out), 0, "{stdout}");
    println!("{stdout}");
    assert!(
        stdout.contains(&format!("{} bytes -> QR version", bytes.len())),
        "{stdout}"
    );
    let decoded = ledger_client::qr::decode_png(&std::fs::read(&png).unwrap()).unwrap();
    assert_eq!(decoded, bytes);
    let policy = files.policy("p", &policy(&l, 2));
    let verify_qr = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--qr",
            png.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--at",
            TODAY,
            "--lang",
            "en",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    // The code printed beside the QR code, compared with the one inside it.
    let code = common::code(1).to_string();
    let out = verify_qr(&["--code", &code]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code_of(&out), 0, "{stdout}");
    assert!(
        stdout.contains("Code on the certificate: compared"),
        "{stdout}"
    );
    assert_eq!(
        code_of(&verify_qr(&["--code", &common::code(4).to_string()])),
        22
    );
    // The code read from the QR code only: valid, but the report says it was not compared.
    let out = verify_qr(&["--any-code"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code_of(&out), 0, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Certificate code: {code}\nCode on the certificate: NOT COMPARED"
        )),
        "{stdout}"
    );
    assert_eq!(code_of(&verify_qr(&[])), 2, "neither --code nor --any-code");
    // Measured sizes, for the README: the QR form at levels L and M.
    for level in [ledger_client::qr::Level::L, ledger_client::qr::Level::M] {
        let info = ledger_client::qr::symbol_info(&bytes, level).unwrap();
        println!(
            "{} bytes at level {level:?}: version {}",
            bytes.len(),
            info.version
        );
        assert!(info.version <= 25, "{info:?}");
    }
    // Not a bundle: refused before drawing anything.
    let junk = files.write("junk", b"junk");
    assert_eq!(
        code_of(&run(&[
            "qr",
            junk.to_str().unwrap(),
            "-o",
            png.to_str().unwrap()
        ])),
        2
    );
}

/// Serves `responses` (status line, body) to the next connections on loopback, one each, then
/// stops. Returns the base URL and the thread.
#[cfg(feature = "fetch")]
fn serve(
    responses: Vec<(&'static str, Vec<u8>)>,
) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut paths = Vec::new();
        for (status, body) in responses {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            paths.push(
                request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_owned(),
            );
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
        paths
    });
    (url, handle)
}

#[cfg(feature = "fetch")]
#[test]
fn fetch_verifies_what_the_node_serves() {
    let l = ledger();
    let files = Files::new();
    let policy = files.policy("p", &policy(&l, 2));
    let valid = bundle(&l, 1, WITNESSES, false);
    let other = bundle(&l, 4, WITNESSES, false);
    let mut forged = valid.clone();
    // Inside the last cosignature (the final byte is the empty record list's length).
    let inside = forged.len() - 10;
    forged[inside] ^= 1;
    let (url, server) = serve(vec![
        ("200 OK", valid.clone()),
        ("200 OK", other),
        ("200 OK", forged),
        ("404 Not Found", b"no such certificate".to_vec()),
    ]);
    let code = common::code(1).to_string();
    let saved = files.dir.path().join("fetched.bundle");
    let fetch = |extra: &[&str]| {
        let mut args = vec![
            "fetch",
            code.as_str(),
            "--node",
            &url,
            "--policy",
            policy.to_str().unwrap(),
            "--at",
            TODAY,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = fetch(&["-o", saved.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(code_of(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(std::fs::read(&saved).unwrap(), valid);
    // A valid bundle, but for another (cancelled) certificate: the node lied.
    let out = fetch(&["--json"]);
    assert_eq!(code_of(&out), 22);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "tampered");
    assert_eq!(json["code_compared"], true);
    assert_eq!(code_of(&fetch(&[])), 22, "a damaged bundle");
    let out = fetch(&[]);
    assert_eq!(code_of(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("404"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paths = server.join().unwrap();
    assert_eq!(paths[0], format!("/v1/certificates/{code}/bundle"));
    // A code that is not well-formed never reaches the network.
    let out = run(&[
        "fetch",
        "../../etc/passwd",
        "--node",
        "http://127.0.0.1:9",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code_of(&out), 2);
}

#[test]
fn new_code_computes_the_check_character() {
    let out = run(&[
        "new-code", "--region", "530400", "--year", "2026", "--kind", "R", "--serial", "1",
    ]);
    assert_eq!(code_of(&out), 0);
    let code = String::from_utf8(out.stdout).unwrap();
    assert_eq!(code.trim(), common::code(1).to_string());
    assert_eq!(code.trim(), "5304002026R00000001T");
    let out = run(&["check-code", code.trim()]);
    assert_eq!(code_of(&out), 0);
    for bad in [
        ["--region", "999999", "--kind", "R"],
        ["--region", "530400", "--kind", "X"],
    ] {
        let mut args = vec!["new-code", "--year", "2026", "--serial", "1"];
        args.extend_from_slice(&bad);
        let out = run(&args);
        assert_eq!(code_of(&out), 2, "{bad:?}");
        assert!(!out.stderr.is_empty(), "{bad:?}");
    }
}

#[test]
fn code_checks() {
    let code = common::code(1).to_string();
    let out = run(&["check-code", &code, "--lang", "en"]);
    assert_eq!(code_of(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("well-formed"));
    let mut typo = code.clone();
    typo.replace_range(12..13, if &code[12..13] == "1" { "2" } else { "1" });
    let out = run(&["check-code", &typo]);
    assert_eq!(code_of(&out), 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains("校验位错误"));
    assert_eq!(
        code_of(&run(&["check-credit-code", testing::CREDIT_CODE])),
        0
    );
    let out = run(&["check-credit-code", "91350100M000100Y4", "--lang", "en"]);
    assert_eq!(code_of(&out), 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrong length"));
}

/// The index of the fixture's first evidence record, which anchors sha256([1]).
fn first_evidence(l: &Ledger) -> u64 {
    let hash = ledger_format::sha256(&[1]);
    l.log
        .records
        .iter()
        .position(|r| {
            r.body
                == ledger_format::record::Body::Evidence(ledger_format::record::Evidence { hash })
        })
        .unwrap() as u64
}

/// A receipt for the evidence record at `index` of the fixture ledger.
fn receipt(l: &Ledger, index: u64) -> ledger_client::receipt::EvidenceReceipt {
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let p = policy(l, 0);
    let keys: Vec<VerifierKey> = p
        .logs
        .iter()
        .map(|l| l.key.clone())
        .chain(p.witness_keys())
        .collect();
    ledger_client::receipt::EvidenceReceipt {
        version: ledger_client::receipt::RECEIPT_VERSION,
        record: l.log.records[index as usize].clone(),
        proof: merkle::inclusion_proof(index, l.tree.size(), &l.tree).unwrap(),
        checkpoint: CompactCheckpoint::from_signed(&signed, &keys).unwrap(),
    }
}

#[test]
fn evidence_commands() {
    let l = ledger();
    let files = Files::new();
    let file = files.write("snapshot.csv", b"line,count\n1,42\n");
    let out = run(&["evidence", "hash", file.to_str().unwrap()]);
    let expected = ledger_format::sha256(b"line,count\n1,42\n").to_hex();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), expected);

    let key = files.write("service.key", hex::encode(testing::submitter_key().seed()));
    let out = run(&[
        "evidence",
        "sign",
        "--key",
        key.to_str().unwrap(),
        "--origin",
        testing::ORIGIN,
        &expected,
    ]);
    assert_eq!(code_of(&out), 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["submissions"][0]["hash"], expected.as_str());
    assert_eq!(
        json["submissions"][0]["submitter"],
        testing::submitter_key().public_key().to_hex().as_str()
    );
    assert_eq!(
        code_of(&run(&[
            "evidence",
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--origin",
            testing::ORIGIN,
            "xyz"
        ])),
        2
    );

    // The first evidence record anchors sha256([1]) (see the fixture).
    let hash = ledger_format::sha256(&[1]).to_hex();
    let policy = files.policy("p", &policy(&l, 2));
    let bcs = files.write("r.bin", receipt(&l, first_evidence(&l)).encode());
    let json = files.write(
        "r.json",
        ledger_client::receipt::receipt_json(&receipt(&l, first_evidence(&l))).unwrap(),
    );
    let verify = |h: &str, r: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "evidence",
            "verify",
            "--hash",
            h,
            "--receipt",
            r.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--at",
            TODAY,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = verify(&hash, &bcs, &["--lang", "en"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code_of(&out), 0, "{text}");
    assert!(
        text.contains("ANCHORED") && text.contains("Anchored at: 2026-11-23 11:00:00"),
        "{text}"
    );
    let out = verify(&hash, &json, &[]);
    assert_eq!(code_of(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("已存证"));
    let out = verify(&expected, &bcs, &["--json"]);
    assert_eq!(code_of(&out), 24);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "wrong-hash");
    let mut forged = receipt(&l, first_evidence(&l));
    forged.proof.path[0].0[31] ^= 1;
    let forged = files.write("forged.bin", forged.encode());
    assert_eq!(code_of(&verify(&hash, &forged, &[])), 22);
    let junk = files.write("junk.bin", b"junk");
    assert_eq!(code_of(&verify(&hash, &junk, &[])), 23);
}

#[test]
fn check_field_against_a_bundle_with_records_or_a_commitment() {
    let l = ledger();
    let files = Files::new();
    let policy = files.policy("p", &policy(&l, 2));
    let path = files.write("b", bundle(&l, 1, WITNESSES, true));
    let salt = hex::encode(testing::salt(ledger_format::record::FieldId::Industry));
    let code = common::code(1).to_string();
    let check_for = |printed: &[&str], value: &str| {
        let mut args = vec![
            "check-field",
            path.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--at",
            TODAY,
            "--field",
            "industry",
            "--value",
            value,
            "--salt",
            &salt,
        ];
        args.extend_from_slice(printed);
        run(&args)
    };
    let check = |value: &str| check_for(&["--code", &code], value);
    let out = check("I6450 互联网数据服务");
    assert_eq!(
        code_of(&out),
        0,
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(code_of(&check("I6450")), 1);
    // The bundle of another certificate than the one printed: tampered, no field is checked.
    let other = common::code(4).to_string();
    let out = check_for(&["--code", &other], "I6450 互联网数据服务");
    assert_eq!(code_of(&out), 22);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("not {other}")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        code_of(&check_for(&["--any-code"], "I6450 互联网数据服务")),
        0
    );
    assert_eq!(code_of(&check_for(&[], "I6450 互联网数据服务")), 2);
    let content = testing::content(ledger_format::code::ObjectKind::DataResource, None);
    let commitment = content.fields[0].commitment.to_hex();
    let out = run(&[
        "check-field",
        "--commitment",
        &commitment,
        "--field",
        "industry",
        "--value",
        "I6450 互联网数据服务",
        "--salt",
        &salt,
    ]);
    assert_eq!(code_of(&out), 0);
    // The QR form carries no records: the content cannot be shown from it.
    let qr_form = files.write("q", bundle(&l, 1, WITNESSES, false));
    let out = run(&[
        "check-field",
        qr_form.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--any-code",
        "--at",
        TODAY,
        "--field",
        "industry",
        "--value",
        "x",
        "--salt",
        &salt,
    ]);
    assert_eq!(code_of(&out), 2);
}

/// Runs `evidence verify` for `hash` and `receipt` under `policy` at `at`, with `extra` arguments.
fn verify_receipt_cli(
    hash: &str,
    receipt: &std::path::Path,
    policy: &std::path::Path,
    at: &str,
    extra: &[&str],
) -> (i32, String) {
    let mut args = vec![
        "evidence",
        "verify",
        "--hash",
        hash,
        "--receipt",
        receipt.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--at",
        at,
        "--lang",
        "en",
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (code_of(&out), text)
}

#[test]
fn receipt_verifies_a_year_later_in_every_form() {
    let l = ledger();
    let files = Files::new();
    let hash = ledger_format::sha256(&[1]).to_hex();
    let policy = files.policy("p", &policy(&l, 2));
    let receipt = receipt(&l, first_evidence(&l));
    let tlog = receipt.to_tlog_proof(&keys(&l)).unwrap().to_text();
    assert!(tlog.starts_with("c2sp.org/tlog-proof@v1\nextra "), "{tlog}");
    let as_of = ledger_client::format_cst(checkpoint_time() + 1);
    for (name, bytes) in [
        ("r.bin", receipt.encode()),
        ("r.tlog-proof", tlog.clone().into_bytes()),
    ] {
        let path = files.write(name, bytes);
        let (code, text) = verify_receipt_cli(&hash, &path, &policy, "2028-02-01", &[]);
        assert_eq!(code, 0, "{name}: {text}");
        assert!(
            text.contains(&format!("Proven as of: {as_of} CST")),
            "{name}: {text}"
        );
        let (code, json) = verify_receipt_cli(&hash, &path, &policy, "2028-02-01", &["--json"]);
        assert_eq!(code, 0);
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(report["receipt"]["as_of"], checkpoint_time() + 1);
    }
    // The client writes the same text from the BCS receipt.
    let bcs = files.write("r0.bin", receipt.encode());
    let out = run(&[
        "evidence",
        "tlog-proof",
        "--receipt",
        bcs.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code_of(&out), 0);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), tlog);
    // Tampered tlog-proofs: another header, a truncated text, another index.
    let cases = [
        ("header", tlog.replacen("@v1", "@v2", 1), 23, "first line"),
        (
            "truncated",
            tlog[..tlog.len() - 10].to_owned(),
            23,
            "tlog-proof",
        ),
        (
            "index",
            {
                let index = first_evidence(&l);
                tlog.replacen(
                    &format!("\nindex {index}\n"),
                    &format!("\nindex {}\n", index + 1),
                    1,
                )
            },
            22,
            "another position",
        ),
    ];
    for (name, text, expected, reason) in cases {
        let path = files.write(name, text);
        let (code, out) = verify_receipt_cli(&hash, &path, &policy, TODAY, &[]);
        assert_eq!(code, expected, "{name}: {out}");
        assert!(out.contains(reason), "{name}: {out}");
    }
    // Checked before it was witnessed: in the future.
    let path = files.write("r2.bin", receipt.encode());
    let (code, out) = verify_receipt_cli(&hash, &path, &policy, "2027-01-01", &[]);
    assert_eq!(code, 21, "{out}");
    assert!(out.contains("in the future"), "{out}");
}

/// The log key and every fixture witness key.
fn keys(l: &Ledger) -> Vec<VerifierKey> {
    let p = policy(l, 0);
    p.logs
        .iter()
        .map(|l| l.key.clone())
        .chain(p.witness_keys())
        .collect()
}

#[test]
fn receipt_checked_against_a_newer_checkpoint() {
    let l = ledger();
    let files = Files::new();
    let hash = ledger_format::sha256(&[1]).to_hex();
    let policy = files.policy("p", &policy(&l, 2));
    let receipt = files.write("r.bin", receipt(&l, first_evidence(&l)).encode());
    // The log grows by two records and is checkpointed and witnessed again a month later.
    let mut grown = ledger();
    let later = testing::at("2027-03-01", 9);
    grown.evidence(later - 3600, ledger_format::sha256(b"later a"));
    grown.evidence(later - 1800, ledger_format::sha256(b"later b"));
    let (old_size, new_size) = (l.tree.size(), grown.tree.size());
    let proof = merkle::consistency_proof(old_size, new_size, &grown.tree).unwrap();
    let consistency = files.write("c.json", serde_json::to_vec(&proof).unwrap());
    let newer = grown.checkpoint(later, WITNESSES);
    let note = files.write("newer.txt", newer.to_note_text());
    let with = |note: &std::path::Path, consistency: &std::path::Path| {
        let (note, consistency) = (note.to_str().unwrap(), consistency.to_str().unwrap());
        verify_receipt_cli(
            &hash,
            &receipt,
            &policy,
            "2028-03-01",
            &["--checkpoint", note, "--consistency", consistency],
        )
    };
    let (code, out) = with(&note, &consistency);
    assert_eq!(code, 0, "{out}");
    let as_of = ledger_client::format_cst(later + 1);
    assert!(
        out.contains(&format!(
            "Consistent with: checkpoint of size {new_size}, witnessed as of {as_of} CST"
        )),
        "{out}"
    );
    // The newer checkpoint with its cosignatures stripped: quorum unmet.
    let stripped = newer.note_signed_by(&keys(&l)[0]).unwrap();
    let stripped = files.write("stripped.txt", stripped);
    let (code, out) = with(&stripped, &consistency);
    assert_eq!(code, 21, "{out}");
    assert!(
        out.contains("newer checkpoint: 0 of the 2 replica"),
        "{out}"
    );
    // A forged consistency proof.
    let mut forged = proof.clone();
    forged.path[0].0[0] ^= 1;
    let forged = files.write("forged.json", serde_json::to_vec(&forged).unwrap());
    let (code, out) = with(&note, &forged);
    assert_eq!(code, 22, "{out}");
    assert!(out.contains("consistency proof"), "{out}");
    // Not a checkpoint; and --checkpoint without --consistency is a usage error.
    let (code, out) = with(&consistency, &consistency);
    assert_eq!(code, 23, "{out}");
    let note = note.to_str().unwrap();
    let (code, _) = verify_receipt_cli(&hash, &receipt, &policy, TODAY, &["--checkpoint", note]);
    assert_eq!(code, 2);
}

/// An evidence service of an `sm2-sm3` log: `evidence new-key --suite sm2-sm3` writes an SM2 key
/// (mode 0600, never over an existing file), `evidence hash --suite sm2-sm3` hashes with SM3, and
/// `evidence sign` signs with the SM2 key: the signature verifies under the printed public key.
#[test]
fn an_sm2_evidence_service() {
    use std::os::unix::fs::PermissionsExt;
    let files = Files::new();
    let file = files.write("snapshot.csv", b"line,count\n1,42\n");
    let out = run(&[
        "evidence",
        "hash",
        "--suite",
        "sm2-sm3",
        file.to_str().unwrap(),
    ]);
    let expected = ledger_format::sm3(b"line,count\n1,42\n").to_hex();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), expected);

    let key = files.dir.path().join("sm2-service.key");
    let args = [
        "evidence",
        "new-key",
        "--suite",
        "sm2-sm3",
        "--name",
        "evidence.example",
        "--out",
        key.to_str().unwrap(),
    ];
    let out = run(&args);
    assert_eq!(code_of(&out), 0);
    let public = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(public.len(), 130, "an SM2 key, uncompressed: {public}");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // Never overwritten.
    assert_ne!(code_of(&run(&args)), 0);
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .starts_with("PRIVATE+KEY+evidence.example+")
    );

    let out = run(&[
        "evidence",
        "sign",
        "--key",
        key.to_str().unwrap(),
        "--origin",
        testing::ORIGIN,
        &expected,
    ]);
    assert_eq!(code_of(&out), 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &json["submissions"][0];
    assert_eq!(entry["submitter"], public.as_str());
    let submitter = ledger_format::PublicKey::from_hex(&public).unwrap();
    let signature = ledger_format::Signature(
        hex::decode(entry["signature"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    );
    let hash = ledger_format::Hash::from_hex(&expected).unwrap();
    let message = ledger_format::record::evidence_message(testing::ORIGIN, &hash);
    submitter.verify(&message, &signature).unwrap();
    assert!(submitter.verify(b"another message", &signature).is_err());
}
