//! One named test per rule, each with the edge on both sides.

use super::*;
use crate::calendar::WorkCalendar;
use crate::code::ObjectKind;
use crate::record::{Body, Cancelled, ObjectionFiled, Revoked};
use crate::testing::{self, LogBuilder, at, parse_date as d};

/// A certificate's life in one log: appends agency records and applies the rules.
struct Life {
    log: LogBuilder,
    calendars: Calendars,
    state: Option<CertificateState>,
}

impl Life {
    fn new() -> Self {
        Life {
            log: LogBuilder::default(),
            calendars: testing::plain_calendars(2026..=2040),
            state: None,
        }
    }

    /// Appends `body` at 10:00 CST on `date`; keeps it only if the rules allow it.
    fn apply(&mut self, date: &str, body: Body) -> Result<u64, TransitionError> {
        let record = self.log.agency(at(date, 10), body);
        match transition(self.state.as_ref(), &record, &self.calendars) {
            Ok(next) => {
                self.state = Some(next);
                Ok(record.header.index)
            }
            Err(e) => {
                self.log.records.pop();
                Err(e)
            }
        }
    }

    fn state(&self) -> &CertificateState {
        self.state.as_ref().unwrap()
    }

    fn code(&self) -> CertificateCode {
        self.state().code.clone()
    }
}

fn notice(
    code: CertificateCode,
    kind: RegistrationType,
    operation_ends: Option<&str>,
    ends_on: &str,
) -> Body {
    let object_kind = code.kind();
    Body::NoticePublished(Notice {
        code,
        registration_type: kind,
        content: testing::content(object_kind, operation_ends.map(d)),
        ends_on: d(ends_on),
    })
}

fn issued(code: CertificateCode, from: &str, until: &str) -> Body {
    Body::Issued(Issued {
        code,
        valid_from: d(from),
        valid_until: d(until),
    })
}

fn objection(code: CertificateCode) -> Body {
    Body::ObjectionFiled(ObjectionFiled {
        code,
        objector: crate::sha256(b"objector"),
    })
}

fn decision(code: CertificateCode, objection_index: u64, upheld: bool) -> Body {
    Body::ObjectionResolved(ObjectionResolved {
        code,
        objection_index,
        upheld,
    })
}

fn renewed(code: CertificateCode, applied_on: &str, until: &str) -> Body {
    Body::Renewed(Renewed {
        code,
        applied_on: d(applied_on),
        valid_until: d(until),
        operation_ends: None,
    })
}

fn cancelled(code: CertificateCode, reason: CancellationReason) -> Body {
    Body::Cancelled(Cancelled { code, reason })
}

/// Notice on Monday 2026-11-23 (ends Friday 2026-12-04), issued Monday 2026-12-07.
fn issued_life() -> Life {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    life.apply("2026-12-07", issued(code, "2026-12-07", "2029-12-07"))
        .unwrap();
    life
}

#[test]
fn notice_lasts_ten_working_days_from_its_day() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    assert_eq!(
        life.apply(
            "2026-11-23",
            notice(code.clone(), RegistrationType::First, None, "2026-12-03")
        ),
        Err(TransitionError::NoticeEnd {
            expected: d("2026-12-04"),
            stated: d("2026-12-03")
        })
    );
    assert_eq!(
        life.apply(
            "2026-11-23",
            notice(code.clone(), RegistrationType::First, None, "2026-12-07")
        ),
        Err(TransitionError::NoticeEnd {
            expected: d("2026-12-04"),
            stated: d("2026-12-07")
        })
    );
    life.apply(
        "2026-11-23",
        notice(code, RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    assert_eq!(life.state().status, Status::InNotice);
    assert_eq!(life.state().version, 0);
}

#[test]
fn notice_published_on_a_weekend_counts_from_the_next_working_day() {
    let mut life = Life::new();
    // Saturday 2026-11-28: the first working day counted is Monday 2026-11-30.
    life.apply(
        "2026-11-28",
        notice(
            testing::code(2026, 2),
            RegistrationType::First,
            None,
            "2026-12-11",
        ),
    )
    .unwrap();
}

#[test]
fn notice_needs_the_calendar_of_every_year_it_spans() {
    let mut life = Life::new();
    life.calendars = testing::plain_calendars(2026..=2026);
    assert_eq!(
        life.apply(
            "2026-12-24",
            notice(
                testing::code(2026, 3),
                RegistrationType::First,
                None,
                "2027-01-06"
            )
        ),
        Err(TransitionError::Calendar(CalendarError::MissingYear(2027)))
    );
}

#[test]
fn holidays_and_makeup_days_move_the_notice_end() {
    let mut life = Life::new();
    // National Day week 2026: 1–7 October off, Saturday 10 October worked (fixture calendar).
    let holidays = (1..=7)
        .map(|day| Date::new(2026, 10, day).unwrap())
        .collect();
    let calendar = WorkCalendar::new(2026, holidays, vec![d("2026-10-10")]).unwrap();
    life.calendars.insert(calendar).unwrap();
    // From Tuesday 29 September: 29, 30 Sep, 8, 9, 10 (Sat, worked), 12, 13, 14, 15, 16 Oct.
    life.apply(
        "2026-09-29",
        notice(
            testing::code(2026, 4),
            RegistrationType::First,
            None,
            "2026-10-16",
        ),
    )
    .unwrap();
}

#[test]
fn one_code_one_registration() {
    let mut life = issued_life();
    let code = life.code();
    assert_eq!(
        life.apply(
            "2027-01-04",
            notice(code.clone(), RegistrationType::First, None, "2027-01-15")
        ),
        Err(TransitionError::CodeInUse(code.to_string()))
    );
}

#[test]
fn code_carries_the_year_of_its_notice() {
    let mut life = Life::new();
    assert_eq!(
        life.apply(
            "2026-11-23",
            notice(
                testing::code(2027, 1),
                RegistrationType::First,
                None,
                "2026-12-04"
            )
        ),
        Err(TransitionError::CodeYear {
            code_year: 2027,
            notice_year: 2026
        })
    );
}

#[test]
fn no_issuance_before_the_notice_ends() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    assert_eq!(
        life.apply(
            "2026-12-04",
            issued(code.clone(), "2026-12-04", "2029-12-04")
        ),
        Err(TransitionError::NoticeNotEnded {
            ends_on: d("2026-12-04")
        })
    );
    life.apply("2026-12-05", issued(code, "2026-12-05", "2029-12-05"))
        .unwrap();
    assert_eq!(life.state().status, Status::Active);
    assert_eq!(life.state().version, 1);
}

#[test]
fn validity_starts_on_the_day_of_issue_and_lasts_three_years() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    assert_eq!(
        life.apply(
            "2026-12-07",
            issued(code.clone(), "2026-12-06", "2029-12-06")
        ),
        Err(TransitionError::ValidFrom {
            expected: d("2026-12-07"),
            stated: d("2026-12-06")
        })
    );
    assert_eq!(
        life.apply(
            "2026-12-07",
            issued(code.clone(), "2026-12-07", "2029-12-08")
        ),
        Err(TransitionError::ValidUntil {
            expected: d("2029-12-07"),
            stated: d("2029-12-08")
        })
    );
    assert_eq!(
        life.apply(
            "2026-12-07",
            issued(code.clone(), "2026-12-07", "2029-12-06")
        ),
        Err(TransitionError::ValidUntil {
            expected: d("2029-12-07"),
            stated: d("2029-12-06")
        })
    );
    life.apply("2026-12-07", issued(code, "2026-12-07", "2029-12-07"))
        .unwrap();
}

#[test]
fn leap_day_issue_ends_on_the_last_day_of_february() {
    let mut life = Life::new();
    let code = testing::code(2028, 1);
    // Notice Monday 2028-02-14, ends Friday 2028-02-25; issued Tuesday 2028-02-29.
    life.apply(
        "2028-02-14",
        notice(code.clone(), RegistrationType::First, None, "2028-02-25"),
    )
    .unwrap();
    assert_eq!(
        life.apply(
            "2028-02-29",
            issued(code.clone(), "2028-02-29", "2031-03-01")
        ),
        Err(TransitionError::ValidUntil {
            expected: d("2031-02-28"),
            stated: d("2031-03-01")
        })
    );
    life.apply("2028-02-29", issued(code, "2028-02-29", "2031-02-28"))
        .unwrap();
}

#[test]
fn product_validity_is_capped_by_its_operation_period() {
    let mut life = Life::new();
    let code =
        CertificateCode::new(testing::REGION, 2026, ObjectKind::ProductOrService, 1).unwrap();
    life.apply(
        "2026-11-23",
        notice(
            code.clone(),
            RegistrationType::First,
            Some("2028-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    assert_eq!(
        life.apply(
            "2026-12-07",
            issued(code.clone(), "2026-12-07", "2029-12-07")
        ),
        Err(TransitionError::ValidUntil {
            expected: d("2028-06-30"),
            stated: d("2029-12-07")
        })
    );
    life.apply("2026-12-07", issued(code, "2026-12-07", "2028-06-30"))
        .unwrap();
    // An operation period longer than three years does not lengthen validity.
    let mut long = Life::new();
    let code =
        CertificateCode::new(testing::REGION, 2026, ObjectKind::ProductOrService, 2).unwrap();
    long.apply(
        "2026-11-23",
        notice(
            code.clone(),
            RegistrationType::First,
            Some("2031-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    long.apply("2026-12-07", issued(code, "2026-12-07", "2029-12-07"))
        .unwrap();
}

#[test]
fn objections_only_during_the_notice() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    life.apply("2026-12-04", objection(code.clone())).unwrap();
    assert!(life.state().is_suspended());
    assert_eq!(
        life.apply("2026-12-05", objection(code)),
        Err(TransitionError::OutsideNoticePeriod {
            starts_on: d("2026-11-23"),
            ends_on: d("2026-12-04")
        })
    );
}

#[test]
fn open_objection_suspends_issuance_until_rejected() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    let filed = life.apply("2026-11-30", objection(code.clone())).unwrap();
    assert_eq!(
        life.apply(
            "2026-12-07",
            issued(code.clone(), "2026-12-07", "2029-12-07")
        ),
        Err(TransitionError::ObjectionPending(1))
    );
    assert_eq!(
        life.apply("2026-12-08", decision(code.clone(), filed + 1, false)),
        Err(TransitionError::UnknownObjection(filed + 1))
    );
    life.apply("2026-12-08", decision(code.clone(), filed, false))
        .unwrap();
    assert!(!life.state().is_suspended());
    life.apply("2026-12-09", issued(code, "2026-12-09", "2029-12-09"))
        .unwrap();
}

#[test]
fn upheld_objection_ends_the_registration_for_good() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    let filed = life.apply("2026-11-30", objection(code.clone())).unwrap();
    life.apply("2026-12-08", decision(code.clone(), filed, true))
        .unwrap();
    assert_eq!(life.state().status, Status::Terminated);
    assert_eq!(
        life.apply(
            "2026-12-09",
            issued(code.clone(), "2026-12-09", "2029-12-09")
        ),
        Err(TransitionError::Final("terminated"))
    );
    assert_eq!(
        life.apply(
            "2027-01-04",
            notice(code, RegistrationType::First, None, "2027-01-15")
        ),
        Err(TransitionError::Final("terminated"))
    );
}

#[test]
fn change_keeps_the_code_and_bumps_the_version() {
    let mut life = issued_life();
    let code = life.code();
    let before = life.state().content;
    let notice_index = life
        .apply("2027-03-01", {
            let Body::NoticePublished(mut n) =
                notice(code.clone(), RegistrationType::Change, None, "2027-03-12")
            else {
                unreachable!()
            };
            n.content.data_name = "玉溪市公共交通客流数据（2027版）".into();
            Body::NoticePublished(n)
        })
        .unwrap();
    let changed = |index: u64| {
        Body::Changed(Amended {
            code: code.clone(),
            notice_index: index,
            valid_until: d("2029-12-07"),
        })
    };
    assert_eq!(
        life.apply("2027-03-12", changed(notice_index)),
        Err(TransitionError::NoticeNotEnded {
            ends_on: d("2027-03-12")
        })
    );
    assert_eq!(
        life.apply("2027-03-15", changed(notice_index - 1)),
        Err(TransitionError::NoticeIndex {
            pending: notice_index,
            stated: notice_index - 1
        })
    );
    assert_eq!(
        life.apply(
            "2027-03-15",
            Body::Corrected(Amended {
                code: code.clone(),
                notice_index,
                valid_until: d("2029-12-07")
            })
        ),
        Err(TransitionError::NoPendingNotice(
            RegistrationType::Correction
        ))
    );
    life.apply("2027-03-15", changed(notice_index)).unwrap();
    let state = life.state();
    assert_eq!(state.code, code);
    assert_eq!(state.version, 2);
    assert_ne!(state.content, before);
    assert_eq!(state.data_name, "玉溪市公共交通客流数据（2027版）");
    assert_eq!(state.validity.unwrap().until, d("2029-12-07"));
}

#[test]
fn correction_needs_its_own_ended_notice() {
    let mut life = issued_life();
    let code = life.code();
    let corrected = |index| {
        Body::Corrected(Amended {
            code: code.clone(),
            notice_index: index,
            valid_until: d("2029-12-07"),
        })
    };
    assert_eq!(
        life.apply("2027-03-01", corrected(1)),
        Err(TransitionError::NoPendingNotice(
            RegistrationType::Correction
        ))
    );
    let index = life
        .apply(
            "2027-03-01",
            notice(
                code.clone(),
                RegistrationType::Correction,
                None,
                "2027-03-12",
            ),
        )
        .unwrap();
    assert_eq!(
        life.apply(
            "2027-03-02",
            notice(code.clone(), RegistrationType::Change, None, "2027-03-13")
        ),
        Err(TransitionError::NoticePending(RegistrationType::Correction))
    );
    life.apply("2027-03-15", corrected(index)).unwrap();
    assert_eq!(life.state().version, 2);
}

#[test]
fn upheld_objection_to_a_change_keeps_the_certificate() {
    let mut life = issued_life();
    let code = life.code();
    let before = life.state().clone();
    life.apply(
        "2027-03-01",
        notice(code.clone(), RegistrationType::Change, None, "2027-03-12"),
    )
    .unwrap();
    let filed = life.apply("2027-03-02", objection(code.clone())).unwrap();
    life.apply("2027-03-20", decision(code, filed, true))
        .unwrap();
    let after = life.state();
    assert_eq!(after.status, Status::Active);
    assert_eq!(after.content, before.content);
    assert_eq!(after.version, before.version);
    assert_eq!(after.notice, None);
}

#[test]
fn renewal_window_is_the_sixty_days_before_expiry() {
    // Valid until Friday 2029-12-07; the window opens 2029-10-08.
    let mut life = issued_life();
    let code = life.code();
    assert_eq!(
        life.apply(
            "2029-10-08",
            renewed(code.clone(), "2029-10-07", "2032-12-07")
        ),
        Err(TransitionError::RenewalWindow {
            opens: d("2029-10-08"),
            closes: d("2029-12-07"),
            applied_on: d("2029-10-07")
        })
    );
    assert_eq!(
        life.apply(
            "2029-12-10",
            renewed(code.clone(), "2029-12-08", "2032-12-07")
        ),
        Err(TransitionError::RenewalWindow {
            opens: d("2029-10-08"),
            closes: d("2029-12-07"),
            applied_on: d("2029-12-08")
        })
    );
    assert_eq!(
        life.apply(
            "2029-10-08",
            renewed(code.clone(), "2029-10-09", "2032-12-07")
        ),
        Err(TransitionError::AppliedLater {
            applied_on: d("2029-10-09"),
            recorded_on: d("2029-10-08")
        })
    );
    life.apply(
        "2029-10-08",
        renewed(code.clone(), "2029-10-08", "2032-12-07"),
    )
    .unwrap();
    assert_eq!(
        life.state().validity.unwrap(),
        Validity {
            from: d("2026-12-07"),
            until: d("2032-12-07")
        }
    );

    // The last day of the window may be the expiry day itself.
    let mut last = issued_life();
    last.apply("2029-12-07", renewed(code, "2029-12-07", "2032-12-07"))
        .unwrap();
}

#[test]
fn renewal_deadline_on_a_weekend_moves_to_monday() {
    // Issued Tuesday 2026-12-08, so valid until Saturday 2029-12-08.
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    life.apply(
        "2026-12-08",
        issued(code.clone(), "2026-12-08", "2029-12-08"),
    )
    .unwrap();
    assert_eq!(d("2029-12-08").weekday(), crate::date::Weekday::Saturday);
    // Civil Code Art. 203: the last day is Monday 2029-12-10.
    assert_eq!(
        life.apply(
            "2029-12-11",
            renewed(code.clone(), "2029-12-11", "2032-12-08")
        ),
        Err(TransitionError::RenewalWindow {
            opens: d("2029-10-09"),
            closes: d("2029-12-10"),
            applied_on: d("2029-12-11")
        })
    );
    life.apply("2029-12-10", renewed(code, "2029-12-10", "2032-12-08"))
        .unwrap();
}

#[test]
fn renewal_adds_at_most_three_years() {
    let mut life = issued_life();
    let code = life.code();
    assert_eq!(
        life.apply(
            "2029-11-01",
            renewed(code.clone(), "2029-11-01", "2032-12-08")
        ),
        Err(TransitionError::RenewalTooLong {
            max: d("2032-12-07"),
            stated: d("2032-12-08")
        })
    );
    assert_eq!(
        life.apply(
            "2029-11-01",
            renewed(code.clone(), "2029-11-01", "2029-12-07")
        ),
        Err(TransitionError::RenewalTooShort(d("2029-12-07")))
    );
    life.apply("2029-11-01", renewed(code, "2029-11-01", "2031-12-07"))
        .unwrap();
}

#[test]
fn product_renewal_matches_the_operation_period() {
    let mut life = Life::new();
    let code =
        CertificateCode::new(testing::REGION, 2026, ObjectKind::ProductOrService, 1).unwrap();
    life.apply(
        "2026-11-23",
        notice(
            code.clone(),
            RegistrationType::First,
            Some("2028-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    life.apply(
        "2026-12-07",
        issued(code.clone(), "2026-12-07", "2028-06-30"),
    )
    .unwrap();
    // The authorization was extended to 2030-06-30: the renewal must match it.
    let renewal = |until: &str| {
        Body::Renewed(Renewed {
            code: code.clone(),
            applied_on: d("2028-06-01"),
            valid_until: d(until),
            operation_ends: Some(d("2030-06-30")),
        })
    };
    assert_eq!(
        life.apply("2028-06-01", renewal("2031-06-30")),
        Err(TransitionError::ValidUntil {
            expected: d("2030-06-30"),
            stated: d("2031-06-30")
        })
    );
    life.apply("2028-06-01", renewal("2030-06-30")).unwrap();
    assert_eq!(life.state().operation_ends, Some(d("2030-06-30")));
}

#[test]
fn lapsed_certificate_is_cancelled_only_after_the_deadline() {
    let mut life = issued_life();
    let code = life.code();
    assert_eq!(
        life.apply(
            "2029-12-07",
            cancelled(code.clone(), CancellationReason::Lapsed)
        ),
        Err(TransitionError::NotLapsed(d("2029-12-07")))
    );
    life.apply("2029-12-08", cancelled(code, CancellationReason::Lapsed))
        .unwrap();
    assert_eq!(
        life.state().status,
        Status::Cancelled(CancellationReason::Lapsed)
    );
}

#[test]
fn cancellation_is_final() {
    let mut life = issued_life();
    let code = life.code();
    life.apply(
        "2027-05-10",
        cancelled(code.clone(), CancellationReason::RegistrantTerminated),
    )
    .unwrap();
    assert_eq!(
        life.apply(
            "2027-05-11",
            renewed(code.clone(), "2027-05-11", "2030-12-07")
        ),
        Err(TransitionError::Final("cancelled"))
    );
    assert_eq!(
        life.apply(
            "2027-05-11",
            Body::Revoked(Revoked {
                code,
                reason: RevocationReason::IllegalUse
            })
        ),
        Err(TransitionError::Final("cancelled"))
    );
}

#[test]
fn revocation_is_final_and_needs_an_issued_certificate() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply(
        "2026-11-23",
        notice(code.clone(), RegistrationType::First, None, "2026-12-04"),
    )
    .unwrap();
    let revoke = || {
        Body::Revoked(Revoked {
            code: code.clone(),
            reason: RevocationReason::FalseMaterials,
        })
    };
    assert_eq!(
        life.apply("2026-11-24", revoke()),
        Err(TransitionError::NotActive("in-notice"))
    );
    life.apply(
        "2026-12-07",
        issued(code.clone(), "2026-12-07", "2029-12-07"),
    )
    .unwrap();
    life.apply("2027-01-04", revoke()).unwrap();
    assert_eq!(
        life.apply("2027-01-05", cancelled(code, CancellationReason::DataLost)),
        Err(TransitionError::Final("revoked"))
    );
}

#[test]
fn expired_certificate_cannot_be_changed() {
    let mut life = issued_life();
    let code = life.code();
    assert_eq!(
        life.apply(
            "2029-12-10",
            notice(code, RegistrationType::Change, None, "2029-12-21")
        ),
        Err(TransitionError::Expired(d("2029-12-07")))
    );
}

#[test]
fn records_about_an_unknown_code_are_refused() {
    let mut life = Life::new();
    let code = testing::code(2026, 9);
    assert_eq!(
        life.apply(
            "2026-11-23",
            issued(code.clone(), "2026-11-23", "2029-11-23")
        ),
        Err(TransitionError::UnknownCertificate(code.to_string()))
    );
    assert_eq!(
        life.apply(
            "2026-11-23",
            notice(code.clone(), RegistrationType::Change, None, "2026-12-04")
        ),
        Err(TransitionError::UnknownCertificate(code.to_string()))
    );
}

#[test]
fn state_round_trips_canonically() {
    let life = issued_life();
    let state = life.state().clone();
    assert_eq!(
        CertificateState::decode_exact(&state.encode()),
        Ok(state.clone())
    );
    assert_ne!(state.map_value_hash(), Hash::ZERO);
}
