//! The registration ledger's whole flow in one process, with the fixture keys of
//! `ledger_format::testing` (real Ed25519 keys from fixed, public seeds: never use them for a log).
//!
//! An agency's log takes evidence hashes and a certificate's life (notice, objection, issuance,
//! change, renewal); the agency signs a checkpoint, three witnesses cosign it; the registrant exports
//! the offline bundle; a bank verifies it, opens one private field, and sees tampering caught.
//!
//! Run: `cargo run -p ledger-format --example demo`

use ledger_format::Canonical;
use ledger_format::bundle::{VerdictKind, verify_bundle, verify_bundle_bytes};
use ledger_format::record::{
    Amended, ApplicationKind, Body, FieldId, Issued, Notice, ObjectionAct, ObjectionAnswered,
    ObjectionFiled, ObjectionResolved, RegistrationType, Renewed, field_commitment,
};
use ledger_format::testing::{self, Ledger, at, parse_date as d};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut ledger = Ledger::default();
    let code = testing::code(2026, 1);
    println!("log {} — certificate {code}", testing::ORIGIN);

    for i in 0..1000u32 {
        ledger.evidence(
            at("2026-11-20", 9) + i64::from(i),
            ledger_format::sha256(&i.to_be_bytes()),
        );
    }
    println!("anchored 1000 evidence hashes");

    let content = testing::content(code.kind(), None);
    let application = ledger.apply_for("2026-11-23", &code, ApplicationKind::First)?;
    println!("application #{application} received, accepted and reviewed on 2026-11-23");
    let notice = ledger.apply(
        "2026-11-23",
        Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::First,
            content: content.clone(),
            ends_on: d("2026-12-04"),
        }),
    )?;
    let objection = ledger.apply(
        "2026-11-25",
        Body::ObjectionFiled(ObjectionFiled {
            code: code.clone(),
            objector: ledger_format::sha256(b"objector"),
        }),
    )?;
    println!(
        "notice #{notice} (10 working days, ends 2026-12-04); objection #{objection}: suspended"
    );
    let early = ledger.apply("2026-12-07", issue(&code));
    println!(
        "issuing with the objection open is refused: {}",
        early.unwrap_err()
    );
    ledger.apply(
        "2026-11-26",
        Body::ObjectionForwarded(ObjectionAct {
            code: code.clone(),
            objection_index: objection,
        }),
    )?;
    ledger.apply(
        "2026-12-03",
        Body::ObjectionAnswered(ObjectionAnswered {
            code: code.clone(),
            objection_index: objection,
            answer: ledger_format::sha256(b"answer"),
        }),
    )?;
    ledger.apply(
        "2026-12-07",
        Body::ObjectionResolved(ObjectionResolved {
            code: code.clone(),
            objection_index: objection,
            upheld: false,
        }),
    )?;
    ledger.apply(
        "2026-12-08",
        Body::Issued(Issued {
            code: code.clone(),
            valid_from: d("2026-12-08"),
            valid_until: d("2029-12-08"),
        }),
    )?;
    println!("issued 2026-12-08, valid until 2029-12-08 (Civil Code Art. 201-202)");

    ledger.apply_for("2027-02-26", &code, ApplicationKind::Change)?;
    let mut changed = content.clone();
    changed.data_name = "玉溪市公共交通客流数据（含2027年新线路）".into();
    let change_notice = ledger.apply(
        "2027-03-01",
        Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::Change,
            content: changed,
            ends_on: d("2027-03-12"),
        }),
    )?;
    ledger.apply(
        "2027-03-15",
        Body::Changed(Amended {
            code: code.clone(),
            notice_index: change_notice,
            valid_until: d("2029-12-08"),
        }),
    )?;
    let too_early = ledger.apply_for("2029-10-01", &code, ApplicationKind::Renewal);
    println!(
        "a renewal applied for 68 days before expiry is refused: {}",
        too_early.unwrap_err()
    );
    let application = ledger.apply_for("2029-11-01", &code, ApplicationKind::Renewal)?;
    ledger.apply("2029-11-01", renewal(&code, application))?;
    println!("changed (version 2) and renewed until 2032-12-08");

    let checkpoint = ledger.checkpoint(at("2029-11-02", 9), 3);
    println!(
        "\ncheckpoint note, cosigned by 3 witnesses:\n{}",
        checkpoint.to_note_text()
    );

    let policy = ledger.policy(3, 2);
    let bundle = ledger.bundle(&code, &checkpoint, &policy, false);
    let bytes = bundle.encode();
    let full = ledger.bundle(&code, &checkpoint, &policy, true).encode();
    println!(
        "offline bundle: {} bytes (QR form), {} bytes with the 7 lifecycle records and their proofs",
        bytes.len(),
        full.len()
    );

    let verdict = verify_bundle_bytes(&bytes, &policy, at("2029-11-02", 15));
    println!(
        "bank verifies on 2029-11-02: {:?} (as of {:?})",
        verdict.kind, verdict.as_of
    );

    let industry = "I6450 互联网数据服务";
    let opened = field_commitment(
        ledger_format::suite::Suite::Ed25519Sha256,
        FieldId::Industry,
        &testing::salt(FieldId::Industry),
        industry,
    );
    let committed = content
        .fields
        .iter()
        .any(|f| f.field == FieldId::Industry && f.commitment == opened);
    println!(
        "registrant opens the industry field ({industry}): matches the commitment: {committed}"
    );

    let mut forged = bundle.clone();
    if let Some(validity) = forged.state.as_mut().and_then(|s| s.validity.as_mut()) {
        validity.until = d("2039-12-08");
    }
    println!(
        "a bundle with its validity stretched: {:?}",
        verify_bundle(&forged, &policy, at("2029-11-02", 15)).kind
    );
    let late = verify_bundle(&bundle, &policy, at("2029-11-09", 15));
    println!("the same bundle a week later: {:?}", late.kind);
    assert!(matches!(verdict.kind, VerdictKind::Valid { .. }));
    Ok(())
}

fn issue(code: &ledger_format::code::CertificateCode) -> Body {
    Body::Issued(Issued {
        code: code.clone(),
        valid_from: d("2026-12-07"),
        valid_until: d("2029-12-07"),
    })
}

fn renewal(code: &ledger_format::code::CertificateCode, application_index: u64) -> Body {
    Body::Renewed(Renewed {
        code: code.clone(),
        application_index,
        valid_until: d("2032-12-08"),
        operation_ends: None,
    })
}
