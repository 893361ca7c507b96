//! The page's functions on real bundles of the fixture log (`ledger_format::testing`), through the
//! exports as the page calls them.

use ledger_client::ledger_format::Canonical;
use ledger_client::policy::policy_text;
use ledger_format::testing::{self, Ledger, at};

use crate::abi::{self, DONE, REFUSED};

const WITNESSES: u8 = 3;

fn fixture() -> (Ledger, String, Vec<u8>) {
    let l = testing::six_certificates();
    let policy = l.policy(WITNESSES, 2);
    let signed = l.checkpoint(at("2027-02-01", 9), WITNESSES);
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    (l, policy_text(&policy), bundle.encode())
}

/// Verifies through the exports, as web/verify/verify.js does.
fn verify_abi(bundle: &[u8], policy: &str, code: &str, at: f64) -> (u32, serde_json::Value) {
    abi::put(0, bundle);
    abi::put(1, policy.as_bytes());
    abi::put(2, code.as_bytes());
    let status = abi::ledger_verify(at);
    let output = abi::last_output();
    assert_eq!(abi::ledger_output_len() as usize, output.len());
    (status, serde_json::from_slice(&output).unwrap())
}

fn noon(date: &str) -> f64 {
    at(date, 12) as f64
}

#[test]
fn valid_bundle_with_its_code() {
    let (_, policy, bundle) = fixture();
    let code = testing::code(2026, 1).to_string();
    let (status, answer) = verify_abi(&bundle, &policy, &code, noon("2027-02-01") + 0.75);
    assert_eq!(status, DONE);
    assert_eq!(answer["report"]["verdict"], "valid");
    assert_eq!(answer["report"]["exit_code"], 0);
    assert_eq!(answer["report"]["code"], code.as_str());
    assert_eq!(answer["report"]["valid_until"], "2029-12-07");
    assert!(
        answer["headline"]["zh"]
            .as_str()
            .unwrap()
            .starts_with("有效")
    );
    assert!(
        answer["headline"]["en"]
            .as_str()
            .unwrap()
            .starts_with("VALID")
    );
    assert!(answer["reason"].is_null());
    assert_eq!(answer["expected_code"], code.as_str());
    assert_eq!(answer["report"]["code_compared"], true);
    // The printable record is the CLI's text report, in both languages.
    assert!(answer["text"]["zh"].as_str().unwrap().contains(&code));
    assert!(answer["text"]["en"].as_str().unwrap().contains(&code));
    // The table's lines are the text report's, label by label.
    for (lang, text) in [("zh", &answer["text"]["zh"]), ("en", &answer["text"]["en"])] {
        for line in answer["lines"][lang].as_array().unwrap() {
            let row = format!(
                "{}: {}",
                line[0].as_str().unwrap(),
                line[1].as_str().unwrap()
            );
            assert!(text.as_str().unwrap().contains(&row), "{row}");
        }
    }
}

#[test]
fn another_certificates_code_is_tampered() {
    let (_, policy, bundle) = fixture();
    let other = testing::code(2026, 4).to_string();
    let (status, answer) = verify_abi(&bundle, &policy, &other, noon("2027-02-01"));
    assert_eq!(status, DONE);
    assert_eq!(answer["report"]["verdict"], "tampered");
    assert!(
        answer["reason"]["en"].as_str().unwrap().contains(&other),
        "{answer}"
    );
    assert!(!answer["reason"]["zh"].as_str().unwrap().is_empty());
    // No code: any certificate's bundle is judged on its own, and the answer says none was given.
    let (_, answer) = verify_abi(&bundle, &policy, "  ", noon("2027-02-01"));
    assert_eq!(answer["report"]["verdict"], "valid");
    assert!(answer["expected_code"].is_null());
}

#[test]
fn every_flipped_byte_is_refused() {
    // The quorum is every witness: with a spare cosignature, a damaged one is rightly ignored.
    let l = testing::six_certificates();
    let policy = policy_text(&l.policy(WITNESSES, WITNESSES as usize));
    let (_, _, bundle) = fixture();
    assert_eq!(
        verify_abi(&bundle, &policy, "", noon("2027-02-01")).1["report"]["verdict"],
        "valid"
    );
    for i in 0..bundle.len() {
        let mut flipped = bundle.clone();
        flipped[i] ^= 0x01;
        let (status, answer) = verify_abi(&flipped, &policy, "", noon("2027-02-01"));
        assert_eq!(status, DONE);
        let verdict = answer["report"]["verdict"].as_str().unwrap();
        assert!(
            ["tampered", "malformed", "untrusted"].contains(&verdict),
            "byte {i}: {verdict}"
        );
    }
}

#[test]
fn expired_and_stale_by_the_time_given() {
    let l = testing::six_certificates();
    let mut policy = l.policy(WITNESSES, 2);
    // A bank that accepts a checkpoint of any age up to ten years sees the validity end.
    policy.max_age_seconds = 10 * 366 * 86_400;
    let signed = l.checkpoint(at("2027-02-01", 9), WITNESSES);
    let bundle = l
        .bundle(&testing::code(2026, 1), &signed, &policy, false)
        .encode();
    let (_, answer) = verify_abi(&bundle, &policy_text(&policy), "", noon("2029-12-08"));
    assert_eq!(answer["report"]["verdict"], "expired");
    assert!(
        answer["headline"]["zh"]
            .as_str()
            .unwrap()
            .starts_with("已过期")
    );
    assert_eq!(answer["lines"]["zh"][0][0], "证书编码");
    assert_eq!(answer["report"]["code_compared"], false);
    // With a one-day maximum age, the same check two years on finds the checkpoint stale.
    let (_, policy, bundle) = fixture();
    let (_, answer) = verify_abi(&bundle, &policy, "", noon("2029-12-08"));
    assert_eq!(answer["report"]["verdict"], "stale");
}

#[test]
fn bad_policy_and_bad_code_are_refused_with_reasons() {
    let (_, policy, bundle) = fixture();
    let (status, answer) = verify_abi(&bundle, "log nonsense\n", "", noon("2027-02-01"));
    assert_eq!(status, REFUSED);
    assert!(
        answer["en"].as_str().unwrap().contains("trust policy"),
        "{answer}"
    );
    assert!(answer["zh"].as_str().unwrap().contains("信任策略"));
    let (status, answer) = verify_abi(&bundle, &policy, "5304002026R0000000XT", noon("2027-02-01"));
    assert_eq!(status, REFUSED);
    assert!(
        answer["en"]
            .as_str()
            .unwrap()
            .contains("5304002026R0000000XT")
    );
    // Bytes that are not a bundle are a verdict, not a refusal.
    let (status, answer) = verify_abi(b"\xff\x00garbage", &policy, "", noon("2027-02-01"));
    assert_eq!(status, DONE);
    assert_eq!(answer["report"]["verdict"], "malformed");
    // Invalid UTF-8 in the policy is named by the parser, not a crash.
    let (status, _) = verify_abi(&bundle, "\u{fffd}\n", "", noon("2027-02-01"));
    assert_eq!(status, REFUSED);
    abi::put(1, b"log \xff\xfe\n");
    assert_eq!(abi::ledger_policy(), REFUSED);
}

#[test]
fn policy_summary_shows_every_key_and_round_trips() {
    let (l, policy, _) = fixture();
    abi::put(1, policy.as_bytes());
    assert_eq!(abi::ledger_policy(), DONE);
    let summary: serde_json::Value = serde_json::from_slice(&abi::last_output()).unwrap();
    let trusted = l.policy(WITNESSES, 2);
    assert_eq!(
        summary["logs"][0]["key_id"],
        trusted.logs[0].key.key_id().to_string()
    );
    assert_eq!(summary["logs"][0]["role"], "log");
    assert_eq!(
        summary["witnesses"].as_array().unwrap().len(),
        WITNESSES as usize
    );
    assert_eq!(summary["quorum"], 2);
    assert_eq!(summary["max_age_seconds"], 86_400);
    // The canonical text the page stores parses to the same policy.
    let canonical = summary["canonical"].as_str().unwrap();
    assert_eq!(
        ledger_client::policy::parse_policy(canonical).unwrap(),
        trusted
    );
}

#[test]
fn qr_from_grey_pixels_of_a_rendered_code() {
    let (_, policy, bundle) = fixture();
    let (png, _) = ledger_client::qr::encode_png(&bundle, ledger_client::qr::Level::M).unwrap();
    // The page hands over grey levels, as a canvas gives them: decode the PNG the same way.
    let image = image_grey(&png);
    abi::put(0, &image.2);
    assert_eq!(abi::ledger_read_qr(image.0, image.1), DONE);
    let read = abi::last_output();
    assert_eq!(read, bundle);
    let (_, answer) = verify_abi(&read, &policy, "", noon("2027-02-01"));
    assert_eq!(answer["report"]["verdict"], "valid");
    // A blank picture, and pixels that do not match the size given.
    abi::put(0, &vec![255; 64 * 64]);
    assert_eq!(abi::ledger_read_qr(64, 64), REFUSED);
    let reason: serde_json::Value = serde_json::from_slice(&abi::last_output()).unwrap();
    assert_eq!(reason["en"], "no QR code found in the picture");
    assert_eq!(abi::ledger_read_qr(65, 64), REFUSED);
    assert_eq!(abi::ledger_read_qr(u32::MAX, u32::MAX), REFUSED);
    assert!(abi::ledger_input(3, 1).is_null());
}

/// (width, height, grey levels) of a PNG, as a canvas's pixels give them to the page.
fn image_grey(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_luma8();
    (image.width(), image.height(), image.into_raw())
}

mod hostile {
    //! What a hostile picture or file can make of the page's module: an answer, never a panic
    //! (a panic in WebAssembly traps, and the page would lose its module).
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_picture_is_read_or_refused(
            width in 1usize..96,
            height in 1usize..96,
            seed in any::<u64>(),
            dark in 0u8..=255,
        ) {
            // Noise, blocks and stripes: what finder-pattern detection trips over.
            let mut x = seed | 1;
            let grey: Vec<u8> = (0..width * height)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if (i / width + i % width) % 7 == 0 { dark } else { (x >> 56) as u8 }
                })
                .collect();
            let _ = crate::read_qr(width, height, &grey);
        }

        #[test]
        fn any_bytes_give_a_verdict(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let (_, policy, _) = fixture();
            let checked = crate::verify(&bytes, &policy, at("2027-02-01", 12), None).unwrap();
            prop_assert_ne!(checked.report.verdict, "valid");
        }
    }

    #[test]
    fn a_damaged_qr_picture_is_refused_or_read_exactly() {
        // Scratches across a real code: either the error correction restores the exact bytes, or
        // the picture is refused; never other bytes.
        let (_, _, bundle) = fixture();
        let (png, _) = ledger_client::qr::encode_png(&bundle, ledger_client::qr::Level::M).unwrap();
        let (w, h, clean) = image_grey(&png);
        for stripe in (0..h).step_by(37) {
            let mut grey = clean.clone();
            for y in stripe..(stripe + 6).min(h) {
                for x in 0..w {
                    grey[(y * w + x) as usize] ^= 0xFF;
                }
            }
            if let Ok(read) = crate::read_qr(w as usize, h as usize, &grey) {
                assert_eq!(read, bundle, "stripe at {stripe}");
            }
        }
    }
}
