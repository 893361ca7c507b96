//! `ledger-client verify`: one real bundle per verdict through the binary, each with its own exit
//! code, its Chinese and English reports and its JSON; byte flips; key windows; validity edges.

mod common;

use common::*;
use ledger_format::Canonical;
use ledger_format::bundle::Bundle;
use ledger_format::testing::parse_date as d;

/// A day after the checkpoint: within its one-day maximum age at noon.
const TODAY: &str = "2027-02-01";

/// The bundle of certificate 1 against a checkpoint signed on 2026-12-06 at 11:00 CST, the day
/// before its first valid day (a fixture: the checkpoint holds the whole log), so that a check at
/// noon that day is not before the checkpoint's witnessed time.
fn day_before_bundle(l: &ledger_format::testing::Ledger) -> Vec<u8> {
    let signed = l.checkpoint(ledger_format::testing::at("2026-12-06", 11), WITNESSES);
    l.bundle(&code(1), &signed, &policy(l, 0), false).encode()
}

struct Case {
    name: &'static str,
    bundle: Vec<u8>,
    /// Quorum and maximum age of the policy.
    quorum: usize,
    max_age_days: i64,
    on: &'static str,
    exit: i32,
    zh: &'static str,
    en: &'static str,
}

fn case(
    name: &'static str,
    bundle: Vec<u8>,
    on: &'static str,
    exit: i32,
    zh: &'static str,
    en: &'static str,
) -> Case {
    Case {
        name,
        bundle,
        quorum: 2,
        max_age_days: 1,
        on,
        exit,
        zh,
        en,
    }
}

fn cases() -> Vec<Case> {
    let l = ledger();
    let valid = bundle(&l, 1, WITNESSES, false);
    let mut stretched = Bundle::decode_exact(&valid).unwrap();
    if let Some(v) = stretched.state.as_mut().and_then(|s| s.validity.as_mut()) {
        v.until = d("2035-12-07");
    }
    let far = |mut c: Case| {
        c.max_age_days = 36_500;
        c
    };
    vec![
        case(
            "valid",
            valid.clone(),
            TODAY,
            0,
            "有效：证书真实",
            "VALID: authentic",
        ),
        far(case(
            "expired",
            valid.clone(),
            "2029-12-08",
            10,
            "已过期",
            "EXPIRED",
        )),
        far(case(
            "not-yet-valid",
            day_before_bundle(&l),
            "2026-12-06",
            11,
            "尚未生效",
            "NOT YET VALID",
        )),
        case(
            "cancelled",
            bundle(&l, 4, WITNESSES, false),
            TODAY,
            12,
            "数据无法恢复或已灭失",
            "the data is irrecoverable or lost",
        ),
        case(
            "revoked",
            bundle(&l, 5, WITNESSES, false),
            TODAY,
            13,
            "证书被篡改或伪造",
            "REVOKED",
        ),
        case(
            "suspended",
            bundle(&l, 3, WITNESSES, false),
            TODAY,
            14,
            "异议处理中",
            "SUSPENDED",
        ),
        case(
            "in-notice",
            bundle(&l, 2, WITNESSES, false),
            TODAY,
            15,
            "公示期至 2026-12-04",
            "IN PUBLIC NOTICE",
        ),
        case(
            "terminated",
            bundle(&l, 6, WITNESSES, false),
            TODAY,
            16,
            "登记已终止",
            "TERMINATED",
        ),
        case(
            "unknown-certificate",
            bundle(&l, 99, WITNESSES, false),
            TODAY,
            17,
            "查无此证",
            "UNKNOWN CERTIFICATE",
        ),
        case(
            "stale",
            valid.clone(),
            "2027-02-03",
            20,
            "证明过旧",
            "STALE",
        ),
        case(
            "untrusted",
            bundle(&l, 1, 1, false),
            TODAY,
            21,
            "不可信",
            "1 of the 2 replica cosignatures required",
        ),
        case(
            "tampered",
            stretched.encode(),
            TODAY,
            22,
            "被篡改",
            "status-map proof",
        ),
        case(
            "malformed",
            b"not a bundle".to_vec(),
            TODAY,
            23,
            "格式错误",
            "MALFORMED",
        ),
    ]
}

#[test]
fn every_verdict_has_its_exit_code_and_reports() {
    let l = ledger();
    let files = Files::new();
    let mut seen = Vec::new();
    for c in cases() {
        let mut policy = policy(&l, c.quorum);
        policy.max_age_seconds = c.max_age_days * 86_400;
        let policy = files.policy(&format!("{}.policy", c.name), &policy);
        let path = files.write(&format!("{}.bundle", c.name), &c.bundle);
        let (code, zh) = verify(&path, &policy, c.on, &["--lang", "zh"]);
        assert_eq!(code, c.exit, "{}: {zh}", c.name);
        assert!(zh.contains(c.zh), "{}: {zh}", c.name);
        let (code, en) = verify(&path, &policy, c.on, &["--lang", "en"]);
        assert_eq!(code, c.exit, "{}", c.name);
        assert!(en.contains(c.en), "{}: {en}", c.name);
        let (code, json) = verify(&path, &policy, c.on, &["--json"]);
        assert_eq!(code, c.exit, "{}", c.name);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["verdict"], c.name);
        assert_eq!(json["exit_code"], c.exit);
        assert_eq!(json["reliable"], c.exit == 0);
        seen.push(c.exit);
    }
    let count = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), count, "exit codes are distinct");
    assert_eq!(count, 13, "one case per verdict");
}

#[test]
fn the_valid_report_shows_what_a_loan_officer_needs() {
    let l = ledger();
    let files = Files::new();
    let policy = files.policy("p", &policy(&l, 2));
    let path = files.write("b", bundle(&l, 1, WITNESSES, false));
    let (_, zh) = verify(&path, &policy, TODAY, &[]);
    let code = code(1).to_string();
    for phrase in [
        code.as_str(),
        "登记主体: 玉溪市数据资源有限公司 (91350100M000100Y43)",
        "数据名称: 玉溪市公共交通客流数据",
        "登记状态: 已发证",
        "有效期: 2026-12-07 至 2029-12-07",
        "状态截至: 2027-02-01 09:00:01 北京时间",
        "登记机构日志: ledger.yuxi.example/2026",
        "见证方: witness-0.example、witness-1.example、witness-2.example（其他登记机构的节点）",
        "核验日期: 2027-02-01",
    ] {
        assert!(zh.contains(phrase), "missing {phrase:?} in\n{zh}");
    }
    let (_, en) = verify(&path, &policy, TODAY, &["--lang", "en"]);
    assert!(
        en.contains("Status as of: 2027-02-01 09:00:01 CST (UTC+8)"),
        "{en}"
    );
    assert!(en.contains("Log: ledger.yuxi.example/2026\n"), "{en}");
    assert!(en.contains("Witnessed by: witness-0.example, "), "{en}");
    let (_, json) = verify(&path, &policy, TODAY, &["--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["code"], code);
    assert_eq!(json["registrant_credit_code"], "91350100M000100Y43");
    assert_eq!(json["valid_until"], "2029-12-07");
    assert_eq!(json["as_of"], checkpoint_time() + 1);
    assert_eq!(json["log"], "ledger.yuxi.example/2026");
    assert_eq!(json["witnesses"].as_array().unwrap().len(), 3);
    assert_eq!(json["witnesses"][0]["kind"], "replica");
    assert_eq!(json["reason"], serde_json::Value::Null);
}

/// The attack: a registrant shows the bank certificate B (say, cancelled or someone else's) with
/// the valid bundle of certificate A. The bank must give the code printed on B, and the bundle of
/// A is then tampered; without `--code` or an explicit `--any-code` nothing is verified at all.
#[test]
fn the_bundle_of_another_certificate_is_tampered_and_the_printed_code_is_required() {
    let l = ledger();
    let files = Files::new();
    let policy = files.policy("p", &policy(&l, 2));
    let a = files.write("a", bundle(&l, 1, WITNESSES, false));
    let (code_a, code_b) = (code(1).to_string(), code(4).to_string());

    let (exit, en) = verify(&a, &policy, TODAY, &["--code", &code_b, "--lang", "en"]);
    assert_eq!(exit, 22, "{en}");
    assert!(en.contains("TAMPERED"), "{en}");
    assert!(
        en.contains(&format!(
            "the bundle is for certificate {code_a}, not {code_b}"
        )),
        "{en}"
    );
    let (exit, zh) = verify(&a, &policy, TODAY, &["--code", &code_b]);
    assert_eq!(exit, 22, "{zh}");
    let (exit, json) = verify(&a, &policy, TODAY, &["--code", &code_b, "--json"]);
    assert_eq!(exit, 22);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["verdict"], "tampered");
    assert_eq!(json["reliable"], false);
    assert_eq!(json["code_compared"], true);

    // The right code: valid, and the report says it was compared.
    let (exit, en) = verify(&a, &policy, TODAY, &["--code", &code_a, "--lang", "en"]);
    assert_eq!(exit, 0, "{en}");
    assert!(en.contains("Code on the certificate: compared"), "{en}");
    let (_, zh) = verify(&a, &policy, TODAY, &["--code", &code_a]);
    assert!(zh.contains("证书上的编码: 已比对"), "{zh}");

    // --any-code: the bundle's own verdict, and the report says the code was not compared.
    let (exit, en) = verify(&a, &policy, TODAY, &["--any-code", "--lang", "en"]);
    assert_eq!(exit, 0, "{en}");
    assert!(en.contains("Code on the certificate: NOT COMPARED"), "{en}");
    let (_, zh) = verify(&a, &policy, TODAY, &["--any-code"]);
    assert!(zh.contains("证书上的编码: 未比对"), "{zh}");
    let (_, json) = verify(&a, &policy, TODAY, &["--any-code", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["code_compared"], false);
    assert_eq!(json["code"], code_a);

    // Neither: a usage error (exit 2) that names both flags, before anything is verified.
    let bundle = a.to_str().unwrap();
    let policy = policy.to_str().unwrap();
    for args in [
        vec!["verify", bundle, "--policy", policy],
        vec!["verify", bundle, "--policy", policy, "--json"],
    ] {
        let out = run(&args);
        assert_eq!(code_of(&out), 2, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--code <CODE>") && stderr.contains("--any-code"),
            "{stderr}"
        );
    }
    // Both: a usage error too.
    let out = run(&[
        "verify",
        bundle,
        "--policy",
        policy,
        "--code",
        &code_a,
        "--any-code",
    ]);
    assert_eq!(code_of(&out), 2);
    // A printed code that is not a certificate code: a usage error that says why.
    let out = run(&[
        "verify",
        bundle,
        "--policy",
        policy,
        "--code",
        "5304002026R0000000",
    ]);
    assert_eq!(code_of(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("certificate code 5304002026R0000000"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn validity_edges_with_at() {
    let l = ledger();
    let files = Files::new();
    let mut p = policy(&l, 2);
    p.max_age_seconds = 36_500 * 86_400;
    let policy = files.policy("p", &p);
    let path = files.write("b", bundle(&l, 1, WITNESSES, false));
    let early = files.write("early", day_before_bundle(&l));
    for (bundle, on, exit) in [
        (&early, "2026-12-06", 11),
        (&early, "2026-12-07", 0),
        (&path, "2029-12-07", 0),
        (&path, "2029-12-08", 10),
        // A bundle witnessed after the date asked about cannot answer for it.
        (&path, "2026-12-07", 21),
    ] {
        let (code, text) = verify(bundle, &policy, on, &["--lang", "en"]);
        assert_eq!(code, exit, "--at {on}: {text}");
        assert!(text.contains(&format!("Checked on: {on}")), "{text}");
    }
    let (_, text) = verify(&path, &policy, "2026-12-07", &["--lang", "en"]);
    assert!(text.contains("ahead of the verification time"), "{text}");
}

#[test]
fn log_key_outside_its_window_and_short_quorum_are_untrusted() {
    let l = ledger();
    let files = Files::new();
    let path = files.write("b", bundle(&l, 1, WITNESSES, false));
    let mut expired_key = policy(&l, 2);
    expired_key.logs[0].not_after = Some(checkpoint_time() - 1);
    let p = files.policy("expired-key", &expired_key);
    let (code, text) = verify(&path, &p, TODAY, &["--lang", "en"]);
    assert_eq!(code, 21, "{text}");
    assert!(text.contains("was not in force"), "{text}");
    let mut future_key = policy(&l, 2);
    future_key.logs[0].not_before = Some(checkpoint_time() + 2);
    let p = files.policy("future-key", &future_key);
    assert_eq!(verify(&path, &p, TODAY, &[]).0, 21);
    // Windows are judged at the witnessed time (cosigned a second after signing): a window that
    // covers the log's own timestamp only is not enough; one that covers the witnessed time is.
    let mut signing_time_only = policy(&l, 2);
    signing_time_only.logs[0].not_before = Some(checkpoint_time());
    signing_time_only.logs[0].not_after = Some(checkpoint_time());
    let p = files.policy("signing-time-only", &signing_time_only);
    assert_eq!(verify(&path, &p, TODAY, &[]).0, 21);
    let mut covering = policy(&l, 2);
    covering.logs[0].not_before = Some(checkpoint_time() + 1);
    covering.logs[0].not_after = Some(checkpoint_time() + 1);
    let p = files.policy("covering", &covering);
    assert_eq!(verify(&path, &p, TODAY, &[]).0, 0);
    // A quorum of two with one cosignature.
    let one = files.write("one", bundle(&l, 1, 1, false));
    let p = files.policy("q2", &policy(&l, 2));
    let (code, text) = verify(&one, &p, TODAY, &["--lang", "en"]);
    assert_eq!(code, 21, "{text}");
    assert!(
        text.contains("1 of the 2 replica cosignatures required"),
        "{text}"
    );
}

#[test]
fn flipping_any_byte_of_the_bundle_file_is_never_valid() {
    // The quorum is every witness: with a spare cosignature, damaging that line's key ID would
    // make it unknown and rightly ignored (see ledger-format's bundle tests).
    let l = ledger();
    let files = Files::new();
    let policy_path = files.policy("p", &policy(&l, WITNESSES as usize));
    let bytes = bundle(&l, 1, WITNESSES, false);
    let path = files.write("b", &bytes);
    assert_eq!(verify(&path, &policy_path, TODAY, &[]).0, 0);
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0xFF;
        std::fs::write(&path, &flipped).unwrap();
        let (code, text) = verify(&path, &policy_path, TODAY, &["--json"]);
        assert!(
            code >= 20,
            "byte {i} of {}: exit {code}\n{text}",
            bytes.len()
        );
    }
}

#[test]
fn flipping_any_bit_of_a_bundle_with_records_is_never_valid() {
    // The library path the binary uses, on the larger bundle that carries records: every bit.
    let l = ledger();
    let policy = policy(&l, WITNESSES as usize);
    let bytes = bundle(&l, 1, WITNESSES, true);
    let at = ledger_client::noon_cst(d(TODAY));
    assert_eq!(
        ledger_client::report::exit_code(&ledger_client::verify(&bytes, &policy, at).kind),
        0
    );
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[i] ^= 1 << bit;
            let verdict = ledger_client::verify(&flipped, &policy, at);
            assert_ne!(verdict.kind.name(), "valid", "byte {i} bit {bit}");
        }
    }
}

#[test]
fn an_equivocation_proof_makes_the_log_untrusted() {
    use ledger_format::checkpoint::{Checkpoint, SignedCheckpoint, VerifierKey};
    use ledger_format::equivocation::Equivocation;
    use ledger_format::testing;
    let l = ledger();
    let files = Files::new();
    let policy = files.policy("p", &policy(&l, 2));
    let path = files.write("b", bundle(&l, 1, WITNESSES, false));
    assert_eq!(verify(&path, &policy, TODAY, &[]).0, 0);
    // The fixture log's key signs two checkpoints of one size with different roots.
    let signed = |root: u8| {
        let checkpoint = Checkpoint {
            origin: testing::ORIGIN.into(),
            size: 3,
            root: ledger_format::Hash([root; 32]),
            map_root: ledger_format::Hash([0; 32]),
            timestamp: checkpoint_time(),
        };
        SignedCheckpoint::sign(checkpoint, testing::ORIGIN, &testing::agency_key()).unwrap()
    };
    let key = VerifierKey::ed25519(testing::ORIGIN, testing::agency_key().public_key()).unwrap();
    let proof = Equivocation::new(&signed(1), &signed(2), &key).unwrap();
    let hex_file = files.write("proof.hex", hex::encode(proof.encode()));
    let (code, en) = verify(
        &path,
        &policy,
        TODAY,
        &["--lang", "en", "--equivocation", hex_file.to_str().unwrap()],
    );
    assert_eq!(code, 21, "{en}");
    assert!(en.contains("equivocated"), "{en}");
    // A proof that does not verify is an error, not a verdict.
    let bad = files.write("bad.bin", b"not a proof");
    let out = run(&[
        "verify",
        path.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--any-code",
        "--equivocation",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code_of(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("equivocation proof"), "{stderr}");
}

#[test]
fn a_rotated_log_verifies_under_a_policy_with_both_key_windows() {
    use ledger_format::bundle::TrustedLog;
    use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
    use ledger_format::testing::{self, at};
    let mut l = ledger();
    // Signed by the genesis key, witnessed on 2027-02-01 at 09:00:01 CST.
    let old = bundle(&l, 1, WITNESSES, false);
    l.rotate(
        "2027-02-02",
        ledger_format::SigningKey::from_seed(&[77; 32]),
    );
    let rotation = at("2027-02-02", 10);
    let mut both = policy(&l, 2);
    let new_log = TrustedLog {
        not_before: Some(rotation),
        ..both.logs[0].clone()
    };
    let old_log = TrustedLog {
        key: VerifierKey::ed25519(testing::ORIGIN, testing::agency_key().public_key()).unwrap(),
        not_before: None,
        not_after: Some(rotation),
        ..both.logs[0].clone()
    };
    both.logs = vec![old_log, new_log];
    let new_signed = l.checkpoint(at("2027-02-02", 11), WITNESSES);
    let new = l.bundle(&code(1), &new_signed, &both, false).encode();
    // The old key, stolen, signs the same tree after the rotation and gets it cosigned.
    let mut stolen = SignedCheckpoint::sign(
        new_signed.checkpoint().clone(),
        testing::ORIGIN,
        &testing::agency_key(),
    )
    .unwrap();
    for n in 0..WITNESSES {
        let cosigned_at = u64::try_from(at("2027-02-02", 11) + 1).unwrap();
        stolen
            .add_cosignature(
                &testing::witness_name(n),
                &testing::witness_key(n),
                cosigned_at,
            )
            .unwrap();
    }
    let stolen = l.bundle(&code(1), &stolen, &both, false).encode();

    let files = Files::new();
    let policy_path = files.policy("both", &both);
    let text = std::fs::read_to_string(&policy_path).unwrap();
    assert!(
        text.contains("not-after") && text.contains("not-before"),
        "{text}"
    );
    let (exit, en) = verify(
        &files.write("old", old),
        &policy_path,
        TODAY,
        &["--lang", "en"],
    );
    assert_eq!(exit, 0, "a bundle from before the rotation: {en}");
    let (exit, en) = verify(
        &files.write("new", new),
        &policy_path,
        "2027-02-02",
        &["--lang", "en"],
    );
    assert_eq!(exit, 0, "a bundle signed by the new key: {en}");
    let (exit, en) = verify(
        &files.write("stolen", stolen),
        &policy_path,
        "2027-02-02",
        &["--lang", "en"],
    );
    assert_eq!(exit, 21, "{en}");
    assert!(en.contains("not in force"), "{en}");
}
