//! Unit tests of the board's JSON: what a state shows, and the bounds of a page.

use ledger_format::lifecycle::{CertificateState, Status};
use ledger_format::record::{RegistrantId, RegistrationType, identity_commitment};
use ledger_format::testing;

use super::*;

fn applied() -> CertificateState {
    CertificateState {
        code: testing::code(2026, 1),
        status: Status::Applied,
        registrant: None,
        data_name: None,
        content: ledger_format::hash::Hash::ZERO,
        operation_ends: None,
        validity: None,
        version: 0,
        latest_index: 4,
        notice: None,
        application: None,
        late_acts: 0,
    }
}

fn in_notice() -> CertificateState {
    let mut content = testing::content(ObjectKind::DataResource, None);
    content.registrant.id = RegistrantId::Individual(identity_commitment(
        ledger_format::suite::Suite::Ed25519Sha256,
        &[3; 32],
        "resident-id:1",
    ));
    CertificateState {
        status: Status::InNotice,
        registrant: Some(content.registrant.clone()),
        data_name: Some(content.data_name.clone()),
        notice: Some(PendingNotice {
            notice_index: 5,
            registration_type: RegistrationType::First,
            starts_on: testing::parse_date("2026-11-23"),
            ends_on: testing::parse_date("2026-12-04"),
            content,
            open_objections: Vec::new(),
        }),
        latest_index: 5,
        ..applied()
    }
}

#[test]
fn an_application_not_in_notice_is_not_public() {
    assert!(BoardCertificate::new("ledger.yuxi.example/2026", applied()).is_none());
}

#[test]
fn a_notice_shows_names_and_never_the_identity() {
    let state = in_notice();
    let Some(RegistrantId::Individual(identity)) = state.registrant.as_ref().map(|r| r.id.clone())
    else {
        panic!("an individual");
    };
    let board = BoardCertificate::new("ledger.yuxi.example/2026", state).unwrap();
    let json = serde_json::to_string(&board).unwrap();
    assert!(json.contains("玉溪市数据资源有限公司"), "{json}");
    assert!(json.contains(r#""status":"in-notice""#), "{json}");
    assert!(json.contains(r#""ends_on":"2026-12-04""#), "{json}");
    assert!(!json.contains(&identity.to_hex()), "{json}");
    assert!(!json.contains("Individual"), "{json}");
    assert!(!json.contains("commitment"), "{json}");
}

#[test]
fn links_name_the_log_escaped() {
    let links = Links::new("ledger.yuxi.example/2026", &testing::code(2026, 1), 12);
    assert_eq!(links.record, "/v1/records/12?log=ledger.yuxi.example/2026");
    assert_eq!(
        links.inclusion,
        "/v1/proofs/inclusion?index=12&log=ledger.yuxi.example/2026"
    );
    assert_eq!(
        links.bundle,
        "/v1/certificates/5304002026R00000001T/bundle?log=ledger.yuxi.example/2026"
    );
    assert_eq!(encode_query("a&b=c#d%e f"), "a%26b%3Dc%23d%25e%20f");
}

#[test]
fn pages_are_bounded() {
    assert_eq!(page_limit(None).unwrap(), DEFAULT_BOARD_PAGE);
    assert_eq!(page_limit(Some(MAX_BOARD_PAGE)).unwrap(), MAX_BOARD_PAGE);
    for bad in [0, MAX_BOARD_PAGE + 1, usize::MAX] {
        let err = page_limit(Some(bad)).unwrap_err();
        assert!(
            matches!(&err, ApiError::BadRequest { field: Some(f), .. } if f == "limit"),
            "{err:?}"
        );
    }
}
