//! One named test per rule, each with the edge on both sides. A rule that takes a number from the
//! rule profile is checked under two profiles with different numbers (yuxi-2025 and a custom one,
//! or yuxi-2025 and national-2025 where the counting convention differs). Every expected date is
//! counted by hand in a comment; calendars have plain weekends unless a test says otherwise.

use super::*;
use crate::calendar::WorkCalendar;
use crate::profile::{DayCount, ProfileAdopted};
use crate::record::{
    ApplicationAct, ApplicationRefused, ApplicationWithdrawn, Body, MaterialsRequested,
    MaterialsSupplied, NoticeTerminated, ObjectionAct, ObjectionAnswered, ObjectionFiled,
    RegistrantId, RegistrantRole, Revoked, identity_commitment,
};
use crate::testing::{self, LogBuilder, at, parse_date as d};

/// A certificate's life in one log: appends agency records and applies the rules.
#[derive(Clone)]
struct Life {
    log: LogBuilder,
    calendars: Calendars,
    profiles: Profiles,
    state: Option<CertificateState>,
}

impl Life {
    /// Under yuxi-2025, as the fixtures.
    fn new() -> Self {
        Life::under(testing::profile())
    }

    /// Under `profile`, adopted from the first day of its measure.
    fn under(profile: RuleProfile) -> Self {
        Life::adopting(vec![ProfileAdopted {
            from: profile.measure_from,
            profile,
        }])
    }

    /// Under the profiles of `adopted`, in log order.
    fn adopting(adopted: Vec<ProfileAdopted>) -> Self {
        Life {
            log: LogBuilder::default(),
            calendars: testing::plain_calendars(2025..=2040),
            profiles: Profiles::new(adopted),
            state: None,
        }
    }

    /// Appends `body` at 10:00 CST on `date`; keeps it only if the rules allow it.
    fn outcome(&mut self, date: &str, body: Body) -> Result<Outcome, TransitionError> {
        let record = self.log.agency(at(date, 10), body);
        let outcome = transition_outcome(
            self.state.as_ref(),
            &record,
            &self.calendars,
            &self.profiles,
        );
        match &outcome {
            Ok(o) => self.state = Some(o.state.clone()),
            Err(_) => {
                self.log.records.pop();
            }
        }
        outcome
    }

    /// As [`Life::outcome`]; returns the record's index.
    fn apply(&mut self, date: &str, body: Body) -> Result<u64, TransitionError> {
        self.outcome(date, body).map(|o| o.state.latest_index)
    }

    /// As [`Life::outcome`]; returns the lateness it reports.
    fn late(&mut self, date: &str, body: Body) -> Result<Option<LateAct>, TransitionError> {
        self.outcome(date, body).map(|o| o.late)
    }

    fn state(&self) -> &CertificateState {
        self.state.as_ref().unwrap()
    }

    fn code(&self) -> CertificateCode {
        self.state().code.clone()
    }

    fn stage(&self) -> Stage {
        self.state().application.as_ref().unwrap().stage
    }

    /// Receives an application of `kind` for `code` and takes it through acceptance and (for a
    /// registration that goes to notice) review, all on `date`; returns its index.
    fn apply_for(&mut self, date: &str, code: &CertificateCode, kind: ApplicationKind) -> u64 {
        let index = self
            .apply(date, testing::application(code, kind.clone()))
            .unwrap();
        for body in testing::decided_application(code, &kind, index) {
            self.apply(date, body).unwrap();
        }
        index
    }

    /// A first registration of `code` applied for, reviewed and published on `date`, its notice
    /// ending on `ends_on`; returns the notice's index.
    fn in_notice(&mut self, date: &str, code: &CertificateCode, ends_on: &str) -> u64 {
        self.apply_for(date, code, ApplicationKind::First);
        self.apply(date, notice(code, RegistrationType::First, None, ends_on))
            .unwrap()
    }
}

/// A profile of an agency's own with other numbers than yuxi-2025 in every parameter, its notice
/// counted from the next day.
fn custom() -> RuleProfile {
    RuleProfile {
        name: "testing-custom".into(),
        measure: "a measure for tests".into(),
        measure_from: d("2025-01-01"),
        measure_until: None,
        notice_working_days: 15,
        notice_count: DayCount::FromNextDay,
        acceptance_working_days: 5,
        review_working_days: 15,
        supplement_working_days: 5,
        objection_forward_working_days: 2,
        objection_answer_working_days: 7,
        cancellation_working_days: 5,
        validity_years: 5,
        renewal_window_days: 90,
        renewal_max_years: 2,
        operation_max_years: 3,
    }
}

fn yuxi() -> RuleProfile {
    testing::profile()
}

fn national() -> RuleProfile {
    crate::profile::builtin("national-2025").unwrap()
}

fn adoption(from: &str, profile: RuleProfile) -> ProfileAdopted {
    ProfileAdopted {
        from: d(from),
        profile,
    }
}

fn product_code(year: u16, serial: u64) -> CertificateCode {
    CertificateCode::new(testing::REGION, year, ObjectKind::ProductOrService, serial).unwrap()
}

fn act(code: &CertificateCode, application_index: u64) -> ApplicationAct {
    ApplicationAct {
        code: code.clone(),
        application_index,
    }
}

fn received(code: &CertificateCode, kind: ApplicationKind) -> Body {
    testing::application(code, kind)
}

fn accepted(code: &CertificateCode, index: u64) -> Body {
    Body::ApplicationAccepted(act(code, index))
}

fn reviewed(code: &CertificateCode, index: u64) -> Body {
    Body::ReviewCompleted(act(code, index))
}

fn refused(code: &CertificateCode, index: u64, ground: RefusalGround) -> Body {
    Body::ApplicationRefused(ApplicationRefused {
        code: code.clone(),
        application_index: index,
        ground,
    })
}

fn materials_requested(code: &CertificateCode, index: u64) -> Body {
    Body::MaterialsRequested(MaterialsRequested {
        code: code.clone(),
        application_index: index,
        request: crate::sha256(b"missing: proof of lawful acquisition"),
    })
}

fn materials_supplied(code: &CertificateCode, index: u64) -> Body {
    Body::MaterialsSupplied(MaterialsSupplied {
        code: code.clone(),
        application_index: index,
        materials: crate::sha256(b"resubmitted materials"),
    })
}

fn withdrawn(code: &CertificateCode, index: u64, deemed: bool) -> Body {
    Body::ApplicationWithdrawn(ApplicationWithdrawn {
        code: code.clone(),
        application_index: index,
        deemed,
    })
}

fn notice(
    code: &CertificateCode,
    kind: RegistrationType,
    operation_ends: Option<&str>,
    ends_on: &str,
) -> Body {
    notice_of(
        code,
        kind,
        testing::content(code.kind(), operation_ends.map(d)),
        ends_on,
    )
}

fn notice_of(
    code: &CertificateCode,
    kind: RegistrationType,
    content: Content,
    ends_on: &str,
) -> Body {
    Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type: kind,
        content,
        ends_on: d(ends_on),
    })
}

fn objection(code: &CertificateCode) -> Body {
    Body::ObjectionFiled(ObjectionFiled {
        code: code.clone(),
        objector: crate::sha256(b"objector"),
    })
}

fn forwarded(code: &CertificateCode, objection_index: u64) -> Body {
    Body::ObjectionForwarded(ObjectionAct {
        code: code.clone(),
        objection_index,
    })
}

fn answered(code: &CertificateCode, objection_index: u64) -> Body {
    Body::ObjectionAnswered(ObjectionAnswered {
        code: code.clone(),
        objection_index,
        answer: crate::sha256(b"answer"),
    })
}

fn decision(code: &CertificateCode, objection_index: u64, upheld: bool) -> Body {
    Body::ObjectionResolved(ObjectionResolved {
        code: code.clone(),
        objection_index,
        upheld,
    })
}

fn terminated(code: &CertificateCode, notice_index: u64, ground: RefusalGround) -> Body {
    Body::NoticeTerminated(NoticeTerminated {
        code: code.clone(),
        notice_index,
        ground,
    })
}

fn issued(code: &CertificateCode, from: &str, until: &str) -> Body {
    Body::Issued(Issued {
        code: code.clone(),
        valid_from: d(from),
        valid_until: d(until),
    })
}

fn amended(code: &CertificateCode, notice_index: u64, until: &str) -> Amended {
    Amended {
        code: code.clone(),
        notice_index,
        valid_until: d(until),
    }
}

fn renewed(code: &CertificateCode, application_index: u64, until: &str) -> Body {
    Body::Renewed(Renewed {
        code: code.clone(),
        application_index,
        valid_until: d(until),
        operation_ends: None,
    })
}

fn cancelled(
    code: &CertificateCode,
    reason: CancellationReason,
    application_index: Option<u64>,
) -> Body {
    Body::Cancelled(Cancelled {
        code: code.clone(),
        reason,
        application_index,
    })
}

fn revoked(code: &CertificateCode, reason: RevocationReason) -> Body {
    Body::Revoked(Revoked {
        code: code.clone(),
        reason,
    })
}

fn late_act(deadline: Deadline, due: &str, on: &str) -> Option<LateAct> {
    Some(LateAct {
        deadline,
        due: d(due),
        on: d(on),
    })
}

fn no_application(code: &CertificateCode) -> TransitionError {
    TransitionError::NoApplication(format!("no application is pending for {code}"))
}

/// Under yuxi-2025: applied for, reviewed and published Monday 2026-11-23 (the notice counts its
/// day: 23–27 Nov, 30 Nov–4 Dec, so it ends Friday 2026-12-04), issued Monday 2026-12-07 for
/// three years: valid until 2029-12-07.
fn issued_life() -> Life {
    issued_under(yuxi(), "2026-12-04", "2026-12-07", "2029-12-07")
}

/// Under the custom profile: published Monday 2026-11-23 for 15 working days from the next day
/// (24–27 Nov, 30 Nov–4 Dec, 7–11 Dec, 14 Dec: ends Monday 2026-12-14), issued Tuesday
/// 2026-12-15 for five years: valid until Monday 2031-12-15.
fn issued_custom() -> Life {
    issued_under(custom(), "2026-12-14", "2026-12-15", "2031-12-15")
}

/// Code 2026-1 published on 2026-11-23 under `profile`, its notice ending on `ends_on`, issued on
/// `issued_on` until `until`.
fn issued_under(profile: RuleProfile, ends_on: &str, issued_on: &str, until: &str) -> Life {
    let mut life = Life::under(profile);
    let code = testing::code(2026, 1);
    life.in_notice("2026-11-23", &code, ends_on);
    life.apply(issued_on, issued(&code, issued_on, until))
        .unwrap();
    life
}

/// The 2026 calendar of 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), as in the
/// calendar tests and docs/format.md "Counting rules": every holiday block and make-up workday.
fn calendar_2026() -> WorkCalendar {
    let blocks = [
        ("2026-01-01", "2026-01-03"), // 元旦
        ("2026-02-15", "2026-02-23"), // 春节
        ("2026-04-04", "2026-04-06"), // 清明节
        ("2026-05-01", "2026-05-05"), // 劳动节
        ("2026-06-19", "2026-06-21"), // 端午节
        ("2026-09-25", "2026-09-27"), // 中秋节
        ("2026-10-01", "2026-10-07"), // 国庆节
    ];
    let mut holidays = Vec::new();
    for (first, last) in blocks {
        let mut day = d(first);
        while day <= d(last) {
            holidays.push(day);
            day = day.next_day().unwrap();
        }
    }
    let makeup = [
        "2026-01-04", // Sunday
        "2026-02-14", // Saturday
        "2026-02-28", // Saturday
        "2026-05-09", // Saturday
        "2026-09-20", // Sunday
        "2026-10-10", // Saturday
    ];
    WorkCalendar::new(2026, holidays, makeup.iter().map(|s| d(s)).collect()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The notice (R22)

#[test]
fn notice_lasts_the_profiles_working_days() {
    // Published Monday 2026-11-23.
    // yuxi-2025, 10 counting the day: 23–27 Nov, 30 Nov–4 Dec → Friday 2026-12-04.
    // custom, 15 from the next day: 24–27 Nov, 30 Nov–4 Dec, 7–11 Dec, 14 Dec → Monday 2026-12-14.
    for (profile, before, end, after, days, count) in [
        (
            yuxi(),
            "2026-12-03",
            "2026-12-04",
            "2026-12-07",
            10,
            "including-start-day",
        ),
        (
            custom(),
            "2026-12-11",
            "2026-12-14",
            "2026-12-15",
            15,
            "from-next-day",
        ),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.apply_for("2026-11-23", &code, ApplicationKind::First);
        for stated in [before, after] {
            assert_eq!(
                life.apply(
                    "2026-11-23",
                    notice(&code, RegistrationType::First, None, stated)
                ),
                Err(TransitionError::NoticeEnd {
                    expected: d(end),
                    stated: d(stated),
                    days,
                    count
                })
            );
        }
        let index = life
            .apply(
                "2026-11-23",
                notice(&code, RegistrationType::First, None, end),
            )
            .unwrap();
        let state = life.state();
        assert_eq!(state.status, Status::InNotice);
        assert_eq!(state.version, 0);
        assert_eq!(state.application, None);
        let pending = state.notice.as_ref().unwrap();
        assert_eq!(pending.notice_index, index);
        assert_eq!(
            (pending.starts_on, pending.ends_on),
            (d("2026-11-23"), d(end))
        );
    }
}

#[test]
fn notice_count_is_the_profiles_convention() {
    // Published Monday 2026-11-23 for 10 working days. yuxi-2025 counts the day (ends Friday
    // 2026-12-04); national-2025 counts from the next day (24 Nov … 7 Dec: ends Monday
    // 2026-12-07). Each refuses the other's last day.
    for (profile, end, other, count) in [
        (yuxi(), "2026-12-04", "2026-12-07", "including-start-day"),
        (national(), "2026-12-07", "2026-12-04", "from-next-day"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.apply_for("2026-11-23", &code, ApplicationKind::First);
        assert_eq!(
            life.apply(
                "2026-11-23",
                notice(&code, RegistrationType::First, None, other)
            ),
            Err(TransitionError::NoticeEnd {
                expected: d(end),
                stated: d(other),
                days: 10,
                count
            })
        );
        life.apply(
            "2026-11-23",
            notice(&code, RegistrationType::First, None, end),
        )
        .unwrap();
    }
}

#[test]
fn notice_count_matches_a_hand_count_on_the_2026_national_day_calendar() {
    // The real 2026 calendar: 25–27 Sep (Mid-Autumn) and 1–7 Oct (National Day) off, Sunday
    // 20 Sep and Saturday 10 Oct worked.
    //
    // Published Monday 28 September:
    //   counting the day:  28 Sep (1), 29 (2), 30 (3); 1–7 Oct off; 8 (4), 9 (5),
    //                      Sat 10 (6, make-up); Sun 11 off; 12 (7), 13 (8), 14 (9), 15 (10)
    //                      → 2026-10-15
    //   from the next day: 29 Sep (1), 30 (2); 1–7 Oct off; 8 (3), 9 (4), Sat 10 (5);
    //                      12 (6), 13 (7), 14 (8), 15 (9), 16 (10) → 2026-10-16
    // Published on the make-up Sunday 20 September:
    //   counting the day:  Sun 20 (1), 21 (2), 22 (3), 23 (4), 24 (5); 25–27 off; 28 (6),
    //                      29 (7), 30 (8); 1–7 Oct off; 8 (9), 9 (10) → 2026-10-09
    //   from the next day: 21 (1), 22 (2), 23 (3), 24 (4); 25–27 off; 28 (5), 29 (6), 30 (7);
    //                      1–7 Oct off; 8 (8), 9 (9), Sat 10 (10) → 2026-10-10, a Saturday
    // Published on the holiday Monday 5 October, which is no working day, so both conventions
    // start on Thursday 8: 8 (1), 9 (2), 10 (3), 12 (4), 13 (5), 14 (6), 15 (7), 16 (8),
    // 19 (9), 20 (10) → 2026-10-20.
    let cases = [
        ("2026-09-28", "2026-10-15", "2026-10-16"),
        ("2026-09-20", "2026-10-09", "2026-10-10"),
        ("2026-10-05", "2026-10-20", "2026-10-20"),
    ];
    for (serial, (published, including, from_next)) in (1..).zip(cases) {
        for (profile, end, other) in [
            (yuxi(), including, from_next),
            (national(), from_next, including),
        ] {
            let mut life = Life::under(profile.clone());
            life.calendars.insert(calendar_2026()).unwrap();
            let code = testing::code(2026, serial);
            life.apply_for(published, &code, ApplicationKind::First);
            if other != end {
                assert_eq!(
                    life.apply(
                        published,
                        notice(&code, RegistrationType::First, None, other)
                    ),
                    Err(TransitionError::NoticeEnd {
                        expected: d(end),
                        stated: d(other),
                        days: 10,
                        count: profile.notice_count.name()
                    }),
                    "{} published {published}",
                    profile.name
                );
            }
            life.apply(published, notice(&code, RegistrationType::First, None, end))
                .unwrap();
        }
    }
}

#[test]
fn notice_published_on_a_weekend_counts_from_the_next_working_day() {
    // Saturday 2026-11-28 is no working day: both conventions count from Monday 30 Nov:
    // 30 Nov, 1–4 Dec, 7–11 Dec → 2026-12-11.
    for profile in [yuxi(), national()] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 2);
        life.apply_for("2026-11-28", &code, ApplicationKind::First);
        life.apply(
            "2026-11-28",
            notice(&code, RegistrationType::First, None, "2026-12-11"),
        )
        .unwrap();
    }
}

#[test]
fn notice_needs_the_calendar_of_every_year_it_spans() {
    let mut life = Life::new();
    life.calendars = testing::plain_calendars(2026..=2026);
    let code = testing::code(2026, 3);
    // Reviewed early in November: every deadline of the application falls in 2026.
    life.apply_for("2026-11-02", &code, ApplicationKind::First);
    assert_eq!(
        life.apply(
            "2026-12-24",
            notice(&code, RegistrationType::First, None, "2027-01-07")
        ),
        Err(TransitionError::Calendar(CalendarError::MissingYear(2027)))
    );
    life.calendars
        .insert(WorkCalendar::new(2027, vec![], vec![]).unwrap())
        .unwrap();
    // 24, 25, 28, 29, 30, 31 Dec, 1, 4, 5, 6 Jan.
    life.apply(
        "2026-12-24",
        notice(&code, RegistrationType::First, None, "2027-01-06"),
    )
    .unwrap();
}

#[test]
fn objections_only_during_the_notice() {
    // The last day to object is the notice's last day, which the convention moves.
    for (profile, end, after) in [
        (yuxi(), "2026-12-04", "2026-12-05"),
        (national(), "2026-12-07", "2026-12-08"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.in_notice("2026-11-23", &code, end);
        life.apply(end, objection(&code)).unwrap();
        assert!(life.state().is_suspended());
        assert_eq!(
            life.apply(after, objection(&code)),
            Err(TransitionError::OutsideNoticePeriod {
                starts_on: d("2026-11-23"),
                ends_on: d(end)
            })
        );
    }
}

#[test]
fn no_issuance_before_the_notice_ends() {
    for (profile, end, after, until) in [
        (yuxi(), "2026-12-04", "2026-12-05", "2029-12-05"),
        (national(), "2026-12-07", "2026-12-08", "2029-12-08"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.in_notice("2026-11-23", &code, end);
        let end_year = d(end).period_end_years(3).unwrap().to_string();
        assert_eq!(
            life.apply(end, issued(&code, end, &end_year)),
            Err(TransitionError::NoticeNotEnded { ends_on: d(end) })
        );
        life.apply(after, issued(&code, after, until)).unwrap();
        assert_eq!(life.state().status, Status::Active);
        assert_eq!(life.state().version, 1);
        assert_eq!(life.state().notice, None);
    }
}

// ---------------------------------------------------------------------------------------------
// Codes (R23 一证一码)

#[test]
fn one_code_one_registration() {
    let mut life = issued_life();
    let code = life.code();
    assert_eq!(
        life.apply("2027-01-04", received(&code, ApplicationKind::First)),
        Err(TransitionError::CodeInUse(code.to_string()))
    );
    assert_eq!(
        life.apply(
            "2027-01-04",
            notice(&code, RegistrationType::First, None, "2027-01-15")
        ),
        Err(TransitionError::CodeInUse(code.to_string()))
    );
    // A code already applied for is in use too; an unused one is not.
    let mut applied = Life::new();
    applied
        .apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    assert_eq!(
        applied.apply("2026-11-24", received(&code, ApplicationKind::First)),
        Err(TransitionError::CodeInUse(code.to_string()))
    );
    let mut fresh = Life::new();
    fresh
        .apply(
            "2026-11-24",
            received(&testing::code(2026, 2), ApplicationKind::First),
        )
        .unwrap();
}

#[test]
fn code_carries_the_year_of_its_application() {
    let mut life = Life::new();
    assert_eq!(
        life.apply(
            "2026-12-31",
            received(&testing::code(2027, 1), ApplicationKind::First)
        ),
        Err(TransitionError::CodeYear {
            code_year: 2027,
            year: 2026
        })
    );
    assert_eq!(
        life.apply(
            "2027-01-01",
            received(&testing::code(2026, 2), ApplicationKind::First)
        ),
        Err(TransitionError::CodeYear {
            code_year: 2026,
            year: 2027
        })
    );
    // Received on the last day of 2026, published in 2027: the code keeps the year of receipt.
    // The notice counts its day: 4–8 Jan, 11–15 Jan → 2027-01-15.
    let code = testing::code(2026, 1);
    life.apply_for("2026-12-31", &code, ApplicationKind::First);
    life.apply(
        "2027-01-04",
        notice(&code, RegistrationType::First, None, "2027-01-15"),
    )
    .unwrap();
}

#[test]
fn records_about_an_unknown_code_are_refused() {
    let mut life = Life::new();
    let code = testing::code(2026, 9);
    let unknown = Err(TransitionError::UnknownCertificate(code.to_string()));
    assert_eq!(
        life.apply("2026-11-23", issued(&code, "2026-11-23", "2029-11-23")),
        unknown
    );
    assert_eq!(
        life.apply(
            "2026-11-23",
            notice(&code, RegistrationType::Change, None, "2026-12-04")
        ),
        unknown
    );
    assert_eq!(
        life.apply("2026-11-23", received(&code, ApplicationKind::Change)),
        unknown
    );
    assert_eq!(life.apply("2026-11-23", accepted(&code, 0)), unknown);
}

#[test]
fn records_must_concern_the_states_certificate() {
    let mut life = issued_life();
    let other = testing::code(2026, 2);
    assert_eq!(
        life.apply("2027-01-04", received(&other, ApplicationKind::Change)),
        Err(TransitionError::CodeMismatch {
            record: other.to_string(),
            state: life.code().to_string()
        })
    );
    let calendar = WorkCalendar::new(2041, vec![], vec![]).unwrap();
    assert_eq!(
        life.apply("2027-01-04", Body::Calendar(calendar)),
        Err(TransitionError::NotACertificateRecord("calendar"))
    );
}

// ---------------------------------------------------------------------------------------------
// The application (R14–R18)

#[test]
fn one_application_at_a_time() {
    let mut life = issued_life();
    let code = life.code();
    let change = life
        .apply("2027-03-01", received(&code, ApplicationKind::Change))
        .unwrap();
    assert_eq!(
        life.apply(
            "2027-03-02",
            received(
                &code,
                ApplicationKind::Cancellation(CancellationReason::DataLost)
            )
        ),
        Err(TransitionError::ApplicationPending("change", change))
    );
    life.apply("2027-03-02", withdrawn(&code, change, false))
        .unwrap();
    assert_eq!(life.state().status, Status::Active);
    life.apply(
        "2027-03-02",
        received(
            &code,
            ApplicationKind::Cancellation(CancellationReason::DataLost),
        ),
    )
    .unwrap();
}

#[test]
fn application_acts_name_the_pending_application() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let index = life
        .apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    assert_eq!(
        life.apply("2026-11-23", accepted(&code, index + 1)),
        Err(TransitionError::ApplicationIndex {
            pending: index,
            stated: index + 1
        })
    );
    life.apply("2026-11-23", accepted(&code, index)).unwrap();
    // Accepted once: a second acceptance has no application awaiting it.
    assert_eq!(
        life.apply("2026-11-24", accepted(&code, index)),
        Err(TransitionError::NoApplication(format!(
            "the first application (record {index}) is accepted, not awaiting acceptance"
        )))
    );
    let mut issued = issued_life();
    let code = issued.code();
    assert_eq!(
        issued.apply("2027-01-04", accepted(&code, 0)),
        Err(no_application(&code))
    );
}

#[test]
fn acceptance_is_due_within_the_profiles_working_days() {
    // Received Monday 2026-11-23. yuxi-2025, 3 working days: 24, 25, 26 → Thursday 26 Nov.
    // Custom, 5: 24, 25, 26, 27, 30 → Monday 30 Nov.
    for (profile, due, after) in [
        (yuxi(), "2026-11-26", "2026-11-27"),
        (custom(), "2026-11-30", "2026-12-01"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        let index = life
            .apply("2026-11-23", received(&code, ApplicationKind::First))
            .unwrap();
        assert_eq!(life.stage(), Stage::Received { due: d(due) });
        let mut late = life.clone();
        assert_eq!(life.late(due, accepted(&code, index)), Ok(None));
        assert_eq!(life.state().late_acts, 0);
        assert_eq!(
            late.late(after, accepted(&code, index)),
            Ok(late_act(Deadline::Acceptance, due, after))
        );
        assert_eq!(late.state().late_acts, 1);
        // A refusal is an acceptance decision too.
        let mut refusal = Life::under(life.profiles.adopted()[0].profile.clone());
        refusal
            .apply("2026-11-23", received(&code, ApplicationKind::First))
            .unwrap();
        assert_eq!(
            refusal.late(
                after,
                refused(&code, index, RefusalGround::IncompleteMaterials)
            ),
            Ok(late_act(Deadline::Acceptance, due, after))
        );
    }
}

#[test]
fn review_is_due_within_the_profiles_working_days() {
    // Accepted Monday 2026-11-23. yuxi-2025, 20 working days: 24–27 Nov (4), 30 Nov–4 Dec (9),
    // 7–11 Dec (14), 14–18 Dec (19), 21 Dec (20) → Monday 2026-12-21.
    // Custom, 15: 24–27 Nov (4), 30 Nov–4 Dec (9), 7–11 Dec (14), 14 Dec (15) → 2026-12-14.
    for (profile, due, after) in [
        (yuxi(), "2026-12-21", "2026-12-22"),
        (custom(), "2026-12-14", "2026-12-15"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        let index = life
            .apply("2026-11-23", received(&code, ApplicationKind::First))
            .unwrap();
        life.apply("2026-11-23", accepted(&code, index)).unwrap();
        assert_eq!(
            life.stage(),
            Stage::Accepted {
                on: d("2026-11-23"),
                due: d(due)
            }
        );
        let mut late = life.clone();
        let mut refusal = life.clone();
        assert_eq!(life.late(due, reviewed(&code, index)), Ok(None));
        assert_eq!(life.stage(), Stage::Reviewed { on: d(due) });
        assert_eq!(life.state().late_acts, 0);
        assert_eq!(
            late.late(after, reviewed(&code, index)),
            Ok(late_act(Deadline::Review, due, after))
        );
        assert_eq!(late.state().late_acts, 1);
        // A refusal after the review is the review's decision too.
        assert_eq!(
            refusal.late(
                after,
                refused(&code, index, RefusalGround::ConditionsNotMet)
            ),
            Ok(late_act(Deadline::Review, due, after))
        );
        assert_eq!(
            refusal.state().status,
            Status::Refused(RefusalGround::ConditionsNotMet)
        );
    }
}

#[test]
fn missing_materials_are_requested_once() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let index = life
        .apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    life.apply("2026-11-23", materials_requested(&code, index))
        .unwrap();
    life.apply("2026-11-24", materials_supplied(&code, index))
        .unwrap();
    assert_eq!(
        life.apply("2026-11-25", materials_requested(&code, index)),
        Err(TransitionError::MaterialsRequestedTwice)
    );
    // Nor after acceptance.
    life.apply("2026-11-25", accepted(&code, index)).unwrap();
    assert_eq!(
        life.apply("2026-11-26", materials_requested(&code, index)),
        Err(TransitionError::MaterialsRequestedTwice)
    );
    // Nor once reviewed, even when none was requested before.
    let mut reviewed_life = Life::new();
    let index = reviewed_life.apply_for("2026-11-23", &code, ApplicationKind::First);
    assert_eq!(
        reviewed_life.apply("2026-11-24", materials_requested(&code, index)),
        Err(TransitionError::NoApplication(format!(
            "the first application (record {index}) is reviewed, not received or accepted"
        )))
    );
}

#[test]
fn missing_materials_are_supplied_within_the_profiles_working_days() {
    // Requested Monday 2026-11-23, on receipt. yuxi-2025, 10 working days: 24–27 Nov,
    // 30 Nov–4 Dec, 7 Dec → Monday 2026-12-07; supplied that day, the acceptance clock restarts:
    // 8, 9, 10 → 2026-12-10. Custom, 5: 24–27, 30 Nov → Monday 2026-11-30; then 1, 2, 3, 4, 7 Dec
    // → 2026-12-07.
    for (profile, due, after, accept_by) in [
        (yuxi(), "2026-12-07", "2026-12-08", "2026-12-10"),
        (custom(), "2026-11-30", "2026-12-01", "2026-12-07"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        let index = life
            .apply("2026-11-23", received(&code, ApplicationKind::First))
            .unwrap();
        assert_eq!(
            life.late("2026-11-23", materials_requested(&code, index)),
            Ok(None)
        );
        assert_eq!(
            life.stage(),
            Stage::AwaitingMaterials {
                due: d(due),
                accepted_on: None
            }
        );
        let mut late = life.clone();
        assert_eq!(
            late.apply(after, materials_supplied(&code, index)),
            Err(TransitionError::MaterialsLate { due: d(due) })
        );
        life.apply(due, materials_supplied(&code, index)).unwrap();
        assert_eq!(life.stage(), Stage::Received { due: d(accept_by) });
    }
}

#[test]
fn materials_supplied_during_the_review_restart_the_review_clock() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let index = life
        .apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    life.apply("2026-11-23", accepted(&code, index)).unwrap();
    // Requested Tuesday 1 Dec, during the review: due 10 working days later, 2–4, 7–11, 14, 15
    // Dec → 2026-12-15.
    life.apply("2026-12-01", materials_requested(&code, index))
        .unwrap();
    assert_eq!(
        life.stage(),
        Stage::AwaitingMaterials {
            due: d("2026-12-15"),
            accepted_on: Some(d("2026-11-23"))
        }
    );
    // Supplied Thursday 10 Dec: 20 working days of review again, 11, 14–18, 21–25, 28–31 Dec,
    // 1, 4–7 Jan → 2027-01-07 (not the first review's 2026-12-21).
    life.apply("2026-12-10", materials_supplied(&code, index))
        .unwrap();
    assert_eq!(
        life.stage(),
        Stage::Accepted {
            on: d("2026-11-23"),
            due: d("2027-01-07")
        }
    );
    let mut late = life.clone();
    assert_eq!(life.late("2027-01-07", reviewed(&code, index)), Ok(None));
    assert_eq!(
        late.late("2027-01-08", reviewed(&code, index)),
        Ok(late_act(Deadline::Review, "2027-01-07", "2027-01-08"))
    );
    // A request after the acceptance deadline is itself a late acceptance decision.
    let mut slow = Life::new();
    let index = slow
        .apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    assert_eq!(
        slow.late("2026-11-27", materials_requested(&code, index)),
        Ok(late_act(Deadline::Acceptance, "2026-11-26", "2026-11-27"))
    );
}

#[test]
fn application_counts_as_withdrawn_only_after_the_materials_are_overdue() {
    // As above: materials requested 2026-11-23 are due 2026-12-07 (yuxi-2025) or 2026-11-30
    // (custom).
    for (profile, due, after) in [
        (yuxi(), "2026-12-07", "2026-12-08"),
        (custom(), "2026-11-30", "2026-12-01"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        let index = life
            .apply("2026-11-23", received(&code, ApplicationKind::First))
            .unwrap();
        assert_eq!(
            life.apply("2026-11-23", withdrawn(&code, index, true)),
            Err(TransitionError::NoApplication(format!(
                "the first application (record {index}) is received, not awaiting materials"
            )))
        );
        life.apply("2026-11-23", materials_requested(&code, index))
            .unwrap();
        assert_eq!(
            life.apply(due, withdrawn(&code, index, true)),
            Err(TransitionError::NotYetWithdrawn { due: d(due) })
        );
        // While the materials are awaited, the application is neither refused nor accepted.
        assert_eq!(
            life.apply(
                after,
                refused(&code, index, RefusalGround::IncompleteMaterials)
            ),
            Err(TransitionError::NoApplication(format!(
                "the first application (record {index}) is awaiting materials, not decidable \
                 (materials are awaited)"
            )))
        );
        life.apply(after, withdrawn(&code, index, true)).unwrap();
        assert_eq!(life.state().status, Status::Withdrawn);
        assert_eq!(life.state().application, None);
        assert_eq!(
            life.apply(after, materials_supplied(&code, index)),
            Err(TransitionError::Final("withdrawn"))
        );
    }
}

#[test]
fn withdrawal_is_refused_once_the_notice_is_published() {
    // Before the notice: withdrawn, for good (R18).
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let index = life.apply_for("2026-11-23", &code, ApplicationKind::First);
    let mut published = life.clone();
    life.apply("2026-11-23", withdrawn(&code, index, false))
        .unwrap();
    assert_eq!(life.state().status, Status::Withdrawn);
    assert_eq!(
        life.apply(
            "2026-11-23",
            notice(&code, RegistrationType::First, None, "2026-12-04")
        ),
        Err(TransitionError::Final("withdrawn"))
    );
    // Once published, there is no application left to withdraw.
    published
        .apply(
            "2026-11-23",
            notice(&code, RegistrationType::First, None, "2026-12-04"),
        )
        .unwrap();
    assert_eq!(
        published.apply("2026-11-24", withdrawn(&code, index, false)),
        Err(no_application(&code))
    );
    // The same for a change: withdrawn before its notice, the certificate stays as it was.
    let mut change = issued_life();
    let index = change.apply_for("2027-03-01", &code, ApplicationKind::Change);
    let mut change_published = change.clone();
    change
        .apply("2027-03-01", withdrawn(&code, index, false))
        .unwrap();
    assert_eq!(change.state().status, Status::Active);
    assert_eq!(change.state().application, None);
    change_published
        .apply(
            "2027-03-01",
            notice(&code, RegistrationType::Change, None, "2027-03-12"),
        )
        .unwrap();
    assert_eq!(
        change_published.apply("2027-03-02", withdrawn(&code, index, false)),
        Err(no_application(&code))
    );
}

#[test]
fn refused_first_application_is_final_and_a_refused_change_keeps_the_certificate() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let index = life
        .apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    life.apply(
        "2026-11-24",
        refused(&code, index, RefusalGround::IncompleteMaterials),
    )
    .unwrap();
    assert_eq!(
        life.state().status,
        Status::Refused(RefusalGround::IncompleteMaterials)
    );
    assert_eq!(
        life.apply("2026-11-25", accepted(&code, index)),
        Err(TransitionError::Final("refused"))
    );

    let mut change = issued_life();
    let before = change.state().clone();
    let index = change.apply_for("2027-03-01", &code, ApplicationKind::Change);
    assert_eq!(
        change.late(
            "2027-03-05",
            refused(&code, index, RefusalGround::InterestedPartiesDisagree)
        ),
        Ok(None)
    );
    let after = change.state();
    assert_eq!(after.status, Status::Active);
    assert_eq!(after.application, None);
    assert_eq!(
        (after.version, after.content, after.validity),
        (before.version, before.content, before.validity)
    );
}

#[test]
fn notice_needs_a_reviewed_application_of_its_type() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let first = || notice(&code, RegistrationType::First, None, "2026-12-04");
    let index = life
        .apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    assert_eq!(
        life.apply("2026-11-23", first()),
        Err(TransitionError::NoApplication(format!(
            "the first application (record {index}) is received, not reviewed"
        )))
    );
    life.apply("2026-11-23", accepted(&code, index)).unwrap();
    assert_eq!(
        life.apply("2026-11-23", first()),
        Err(TransitionError::NoApplication(format!(
            "the first application (record {index}) is accepted, not reviewed"
        )))
    );
    life.apply("2026-11-23", reviewed(&code, index)).unwrap();
    life.apply("2026-11-23", first()).unwrap();

    let mut issued = issued_life();
    let change = || notice(&code, RegistrationType::Change, None, "2027-03-12");
    assert_eq!(
        issued.apply("2027-03-01", change()),
        Err(TransitionError::NoApplication(
            "a Change notice needs a reviewed Change application".into()
        ))
    );
    let correction = issued.apply_for("2027-03-01", &code, ApplicationKind::Correction);
    assert_eq!(
        issued.apply("2027-03-01", change()),
        Err(TransitionError::ApplicationPending(
            "correction",
            correction
        ))
    );
    issued
        .apply(
            "2027-03-01",
            notice(&code, RegistrationType::Correction, None, "2027-03-12"),
        )
        .unwrap();
}

#[test]
fn renewal_and_cancellation_are_decided_without_a_notice() {
    let mut life = issued_life();
    let code = life.code();
    let index = life
        .apply(
            "2027-05-10",
            received(
                &code,
                ApplicationKind::Cancellation(CancellationReason::DataLost),
            ),
        )
        .unwrap();
    life.apply("2027-05-10", accepted(&code, index)).unwrap();
    assert_eq!(
        life.apply("2027-05-11", reviewed(&code, index)),
        Err(TransitionError::NoApplication(
            "a cancellation application is decided without a notice".into()
        ))
    );
    let mut renewal = issued_life();
    let index = renewal
        .apply("2029-11-01", received(&code, ApplicationKind::Renewal))
        .unwrap();
    renewal.apply("2029-11-01", accepted(&code, index)).unwrap();
    assert_eq!(
        renewal.apply("2029-11-02", reviewed(&code, index)),
        Err(TransitionError::NoApplication(
            "a renewal application is decided without a notice".into()
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// Objections (R22)

#[test]
fn objection_is_forwarded_then_answered_then_resolved() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.in_notice("2026-11-23", &code, "2026-12-04");
    let filed = life.apply("2026-11-30", objection(&code)).unwrap();
    let step = |reason| {
        Err(TransitionError::ObjectionStep {
            index: filed,
            reason,
        })
    };
    assert_eq!(
        life.apply("2026-11-30", answered(&code, filed)),
        step("was not forwarded to the registrant yet")
    );
    assert_eq!(
        life.apply("2026-11-30", decision(&code, filed, false)),
        step("must be forwarded to the registrant before it is decided")
    );
    assert_eq!(
        life.apply("2026-11-30", forwarded(&code, filed + 1)),
        Err(TransitionError::UnknownObjection(filed + 1))
    );
    life.apply("2026-12-01", forwarded(&code, filed)).unwrap();
    assert_eq!(
        life.apply("2026-12-01", forwarded(&code, filed)),
        step("was forwarded already")
    );
    life.apply("2026-12-02", answered(&code, filed)).unwrap();
    assert_eq!(
        life.apply("2026-12-03", answered(&code, filed)),
        step("was answered already")
    );
    let open = &life.state().notice.as_ref().unwrap().open_objections;
    assert_eq!(
        open,
        &vec![OpenObjection {
            index: filed,
            // Filed Monday 30 Nov: 1, 2, 3 Dec.
            forward_by: d("2026-12-03"),
            // Forwarded Tuesday 1 Dec: 2–4, 7–11, 14, 15 Dec.
            forwarded: Some(Forwarded {
                on: d("2026-12-01"),
                answer_by: d("2026-12-15")
            }),
            answered: true,
        }]
    );
    life.apply("2026-12-03", decision(&code, filed, false))
        .unwrap();
    assert!(!life.state().is_suspended());
}

#[test]
fn objection_forward_is_due_within_the_profiles_working_days() {
    // Filed Monday 2026-11-30. yuxi-2025, 3: 1, 2, 3 Dec → Thursday 2026-12-03.
    // Custom, 2: 1, 2 Dec → Wednesday 2026-12-02.
    for (profile, end, due, after) in [
        (yuxi(), "2026-12-04", "2026-12-03", "2026-12-04"),
        (custom(), "2026-12-14", "2026-12-02", "2026-12-03"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.in_notice("2026-11-23", &code, end);
        let filed = life.apply("2026-11-30", objection(&code)).unwrap();
        let mut late = life.clone();
        assert_eq!(life.late(due, forwarded(&code, filed)), Ok(None));
        assert_eq!(life.state().late_acts, 0);
        assert_eq!(
            late.late(after, forwarded(&code, filed)),
            Ok(late_act(Deadline::ObjectionForward, due, after))
        );
        assert_eq!(late.state().late_acts, 1);
    }
}

#[test]
fn objection_answer_is_due_within_the_profiles_working_days() {
    // Forwarded Wednesday 2026-12-02. yuxi-2025, 10: 3, 4, 7–11, 14–16 Dec → 2026-12-16.
    // Custom, 7: 3, 4, 7–11 Dec → Friday 2026-12-11.
    for (profile, end, due, after) in [
        (yuxi(), "2026-12-04", "2026-12-16", "2026-12-17"),
        (custom(), "2026-12-14", "2026-12-11", "2026-12-12"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.in_notice("2026-11-23", &code, end);
        let filed = life.apply("2026-11-30", objection(&code)).unwrap();
        life.apply("2026-12-02", forwarded(&code, filed)).unwrap();
        let mut late = life.clone();
        life.apply(due, answered(&code, filed)).unwrap();
        assert_eq!(
            late.apply(after, answered(&code, filed)),
            Err(TransitionError::AnswerLate {
                index: filed,
                due: d(due)
            })
        );
    }
}

#[test]
fn objection_is_decided_after_the_answer_or_its_due_day() {
    // Forwarded 2026-12-02; the answer is due 2026-12-16 (yuxi-2025) or 2026-12-11 (custom).
    for (profile, end, due, after) in [
        (yuxi(), "2026-12-04", "2026-12-16", "2026-12-17"),
        (custom(), "2026-12-14", "2026-12-11", "2026-12-12"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.in_notice("2026-11-23", &code, end);
        let filed = life.apply("2026-11-30", objection(&code)).unwrap();
        life.apply("2026-12-02", forwarded(&code, filed)).unwrap();
        let pending = Err(TransitionError::AnswerPending {
            index: filed,
            due: d(due),
        });
        let mut answered_life = life.clone();
        // Neither answered nor overdue: not yet, up to and including the due day.
        assert_eq!(
            life.apply("2026-12-03", decision(&code, filed, true)),
            pending
        );
        assert_eq!(life.apply(due, decision(&code, filed, true)), pending);
        // The due day passed without an answer: the agency decides.
        life.apply(after, decision(&code, filed, false)).unwrap();
        assert!(!life.state().is_suspended());
        // Answered: decided at once, before the due day.
        answered_life
            .apply("2026-12-03", answered(&code, filed))
            .unwrap();
        answered_life
            .apply("2026-12-03", decision(&code, filed, false))
            .unwrap();
        assert!(!answered_life.state().is_suspended());
    }
}

#[test]
fn open_objection_suspends_issuance_until_rejected() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.in_notice("2026-11-23", &code, "2026-12-04");
    let filed = life.apply("2026-11-30", objection(&code)).unwrap();
    life.apply("2026-12-01", forwarded(&code, filed)).unwrap();
    life.apply("2026-12-02", answered(&code, filed)).unwrap();
    assert_eq!(
        life.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07")),
        Err(TransitionError::ObjectionPending(1))
    );
    assert_eq!(
        life.apply("2026-12-08", decision(&code, filed + 1, false)),
        Err(TransitionError::UnknownObjection(filed + 1))
    );
    life.apply("2026-12-08", decision(&code, filed, false))
        .unwrap();
    assert!(!life.state().is_suspended());
    life.apply("2026-12-09", issued(&code, "2026-12-09", "2029-12-09"))
        .unwrap();
    assert_eq!(life.state().status, Status::Active);
}

#[test]
fn upheld_objection_ends_the_registration_for_good() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.in_notice("2026-11-23", &code, "2026-12-04");
    let filed = life.apply("2026-11-30", objection(&code)).unwrap();
    life.apply("2026-12-01", forwarded(&code, filed)).unwrap();
    life.apply("2026-12-02", answered(&code, filed)).unwrap();
    life.apply("2026-12-08", decision(&code, filed, true))
        .unwrap();
    assert_eq!(life.state().status, Status::Terminated);
    assert_eq!(life.state().notice, None);
    assert_eq!(
        life.apply("2026-12-09", issued(&code, "2026-12-09", "2029-12-09")),
        Err(TransitionError::Final("terminated"))
    );
    assert_eq!(
        life.apply("2027-01-04", received(&code, ApplicationKind::First)),
        Err(TransitionError::Final("terminated"))
    );
}

#[test]
fn first_notice_terminated_for_a_refusal_ground_is_refused_for_good() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let index = life.apply_for("2026-11-23", &code, ApplicationKind::First);
    // Nothing to terminate before the notice.
    assert_eq!(
        life.apply(
            "2026-11-23",
            terminated(&code, index, RefusalGround::ProtectedData)
        ),
        Err(TransitionError::NoPendingNotice(RegistrationType::First))
    );
    let notice_index = life
        .apply(
            "2026-11-23",
            notice(&code, RegistrationType::First, None, "2026-12-04"),
        )
        .unwrap();
    assert_eq!(
        life.apply(
            "2026-11-30",
            terminated(&code, notice_index - 1, RefusalGround::ProtectedData)
        ),
        Err(TransitionError::NoticeIndex {
            pending: notice_index,
            stated: notice_index - 1
        })
    );
    // During the notice, a ground of R17 comes to light: the registration ends without a
    // certificate.
    life.apply(
        "2026-11-30",
        terminated(&code, notice_index, RefusalGround::ProtectedData),
    )
    .unwrap();
    assert_eq!(
        life.state().status,
        Status::Refused(RefusalGround::ProtectedData)
    );
    assert_eq!(life.state().notice, None);
    assert_eq!(
        life.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07")),
        Err(TransitionError::Final("refused"))
    );
}

// ---------------------------------------------------------------------------------------------
// Issue and validity (R23)

#[test]
fn validity_starts_on_the_day_of_issue_and_lasts_the_profiles_years() {
    // yuxi-2025: notice ends 2026-12-04, issued 2026-12-07 for 3 years → 2029-12-07.
    // Custom: notice ends 2026-12-14, issued 2026-12-15 for 5 years → 2031-12-15.
    for (profile, end, on, before, until, after) in [
        (
            yuxi(),
            "2026-12-04",
            "2026-12-07",
            "2029-12-06",
            "2029-12-07",
            "2029-12-08",
        ),
        (
            custom(),
            "2026-12-14",
            "2026-12-15",
            "2031-12-14",
            "2031-12-15",
            "2031-12-16",
        ),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2026, 1);
        life.in_notice("2026-11-23", &code, end);
        let day_before = d(on).add_days(-1).unwrap().to_string();
        assert_eq!(
            life.apply(on, issued(&code, &day_before, until)),
            Err(TransitionError::ValidFrom {
                expected: d(on),
                stated: d(&day_before)
            })
        );
        for stated in [before, after] {
            assert_eq!(
                life.apply(on, issued(&code, on, stated)),
                Err(TransitionError::ValidUntil {
                    expected: d(until),
                    stated: d(stated)
                })
            );
        }
        life.apply(on, issued(&code, on, until)).unwrap();
        assert_eq!(
            life.state().validity,
            Some(Validity {
                from: d(on),
                until: d(until)
            })
        );
    }
}

#[test]
fn leap_day_issue_ends_on_the_last_day_of_february() {
    // yuxi-2025: notice Monday 2028-02-14, counting the day: 14–18, 21–25 Feb → 2028-02-25.
    // Custom: notice Monday 2028-02-07, from the next day: 8–11, 14–18, 21–25, 28 Feb →
    // 2028-02-28. Both issued Tuesday 2028-02-29, which 2031 and 2033 lack.
    for (profile, published, end, until) in [
        (yuxi(), "2028-02-14", "2028-02-25", "2031-02-28"),
        (custom(), "2028-02-07", "2028-02-28", "2033-02-28"),
    ] {
        let mut life = Life::under(profile);
        let code = testing::code(2028, 1);
        life.in_notice(published, &code, end);
        let march = format!("{}-03-01", &until[..4]);
        assert_eq!(
            life.apply("2028-02-29", issued(&code, "2028-02-29", &march)),
            Err(TransitionError::ValidUntil {
                expected: d(until),
                stated: d(&march)
            })
        );
        life.apply("2028-02-29", issued(&code, "2028-02-29", until))
            .unwrap();
    }
}

#[test]
fn product_validity_is_capped_by_its_operation_period() {
    let mut life = Life::new();
    let code = product_code(2026, 1);
    life.apply_for("2026-11-23", &code, ApplicationKind::First);
    life.apply(
        "2026-11-23",
        notice(
            &code,
            RegistrationType::First,
            Some("2028-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    assert_eq!(
        life.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07")),
        Err(TransitionError::ValidUntil {
            expected: d("2028-06-30"),
            stated: d("2029-12-07")
        })
    );
    life.apply("2026-12-07", issued(&code, "2026-12-07", "2028-06-30"))
        .unwrap();
    // An operation period longer than the validity does not lengthen it.
    let mut long = Life::new();
    let code = product_code(2026, 2);
    long.apply_for("2026-11-23", &code, ApplicationKind::First);
    long.apply(
        "2026-11-23",
        notice(
            &code,
            RegistrationType::First,
            Some("2031-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    long.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07"))
        .unwrap();
}

#[test]
fn data_resource_keeps_its_validity_under_an_operation_period() {
    // A data resource under authorized operation (R5) states the operation's end; only a
    // product's validity is capped by it (R23).
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply_for("2026-11-23", &code, ApplicationKind::First);
    life.apply(
        "2026-11-23",
        notice(
            &code,
            RegistrationType::First,
            Some("2028-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    assert_eq!(
        life.apply("2026-12-07", issued(&code, "2026-12-07", "2028-06-30")),
        Err(TransitionError::ValidUntil {
            expected: d("2029-12-07"),
            stated: d("2028-06-30")
        })
    );
    life.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07"))
        .unwrap();
    assert_eq!(life.state().operation_ends, Some(d("2028-06-30")));
}

#[test]
fn operation_period_is_at_most_the_profiles_years() {
    // Published 2026-11-23: yuxi-2025 allows 5 years (to 2031-11-23), custom 3 (to 2029-11-23).
    for (profile, end, max, over) in [
        (yuxi(), "2026-12-04", "2031-11-23", "2031-11-24"),
        (custom(), "2026-12-14", "2029-11-23", "2029-11-24"),
    ] {
        let mut life = Life::under(profile);
        let code = product_code(2026, 1);
        life.apply_for("2026-11-23", &code, ApplicationKind::First);
        assert_eq!(
            life.apply(
                "2026-11-23",
                notice(&code, RegistrationType::First, Some(over), end)
            ),
            Err(TransitionError::OperationTooLong {
                max: d(max),
                stated: d(over)
            })
        );
        life.apply(
            "2026-11-23",
            notice(&code, RegistrationType::First, Some(max), end),
        )
        .unwrap();
    }
}

#[test]
fn operation_period_may_not_have_ended_at_the_notice() {
    let mut life = Life::new();
    let code = product_code(2026, 1);
    life.apply_for("2026-11-23", &code, ApplicationKind::First);
    assert_eq!(
        life.apply(
            "2026-11-23",
            notice(
                &code,
                RegistrationType::First,
                Some("2026-11-22"),
                "2026-12-04"
            )
        ),
        Err(TransitionError::OperationEnded(d("2026-11-22")))
    );
    life.apply(
        "2026-11-23",
        notice(
            &code,
            RegistrationType::First,
            Some("2026-11-23"),
            "2026-12-04",
        ),
    )
    .unwrap();
    // By the day of issue it has.
    assert_eq!(
        life.apply("2026-12-07", issued(&code, "2026-12-07", "2026-11-23")),
        Err(TransitionError::OperationEnded(d("2026-11-23")))
    );
}

// ---------------------------------------------------------------------------------------------
// Registrants (R12, R15)

#[test]
fn individual_registrant_goes_through_the_whole_procedure() {
    let person = Registrant {
        name: "张三".into(),
        id: RegistrantId::Individual(identity_commitment(
            &[9; 32],
            "resident-id:530402199001011234",
        )),
        role: RegistrantRole::DataHolder,
    };
    let content = Content {
        registrant: person.clone(),
        ..testing::content(ObjectKind::DataResource, None)
    };
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply_for("2026-11-23", &code, ApplicationKind::First);
    life.apply(
        "2026-11-23",
        notice_of(
            &code,
            RegistrationType::First,
            content.clone(),
            "2026-12-04",
        ),
    )
    .unwrap();
    // The notice record is a valid record with an individual's commitment in it.
    let record = life.log.records.last().unwrap().clone();
    assert_eq!(Record::decode_exact(&record.encode()), Ok(record));
    life.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07"))
        .unwrap();
    let state = life.state();
    assert_eq!(state.registrant, Some(person.clone()));
    assert_eq!(state.registrant.as_ref().unwrap().credit_code(), None);
    assert_eq!(state.content, content_commitment(&content));
    // Renewed and then cancelled on its own application, like any registrant.
    let renewal = life.apply_for("2029-11-01", &code, ApplicationKind::Renewal);
    life.apply("2029-11-02", renewed(&code, renewal, "2032-12-07"))
        .unwrap();
    let reason = CancellationReason::RightsEnded;
    let cancellation = life.apply_for(
        "2030-03-04",
        &code,
        ApplicationKind::Cancellation(reason.clone()),
    );
    life.apply(
        "2030-03-05",
        cancelled(&code, reason.clone(), Some(cancellation)),
    )
    .unwrap();
    assert_eq!(life.state().status, Status::Cancelled(reason));
    assert_eq!(life.state().registrant, Some(person));
}

#[test]
fn co_applicants_are_part_of_the_registered_content() {
    let co_applicants = vec![
        Registrant {
            name: "深圳市数据运营有限公司".into(),
            id: RegistrantId::Organisation(
                crate::code::CreditCode::parse("91440300708461136T").unwrap(),
            ),
            role: RegistrantRole::Operator,
        },
        Registrant {
            name: "李四".into(),
            id: RegistrantId::Individual(identity_commitment(&[4; 32], "resident-id:4")),
            role: RegistrantRole::DataHolder,
        },
    ];
    let alone = testing::content(ObjectKind::DataResource, None);
    let jointly = Content {
        co_applicants: co_applicants.clone(),
        ..alone.clone()
    };
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.apply_for("2026-11-23", &code, ApplicationKind::First);
    life.apply(
        "2026-11-23",
        notice_of(
            &code,
            RegistrationType::First,
            jointly.clone(),
            "2026-12-04",
        ),
    )
    .unwrap();
    let record = life.log.records.last().unwrap().clone();
    assert_eq!(Record::decode_exact(&record.encode()), Ok(record));
    assert_eq!(
        life.state().notice.as_ref().unwrap().content.co_applicants,
        co_applicants
    );
    life.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07"))
        .unwrap();
    // The certificate commits to the joint applicants: dropping one is a different content.
    assert_eq!(life.state().content, content_commitment(&jointly));
    assert_ne!(life.state().content, content_commitment(&alone));
    let one = Content {
        co_applicants: co_applicants[..1].to_vec(),
        ..alone
    };
    assert_ne!(life.state().content, content_commitment(&one));
}

// ---------------------------------------------------------------------------------------------
// Change and correction (R19, R20)

#[test]
fn change_keeps_the_code_and_bumps_the_version() {
    let mut life = issued_life();
    let code = life.code();
    let before = life.state().content;
    life.apply_for("2027-03-01", &code, ApplicationKind::Change);
    let content = Content {
        data_name: "玉溪市公共交通客流数据（2027版）".into(),
        ..testing::content(ObjectKind::DataResource, None)
    };
    // Counting its day: 1–5, 8–12 Mar → 2027-03-12.
    let notice_index = life
        .apply(
            "2027-03-01",
            notice_of(&code, RegistrationType::Change, content, "2027-03-12"),
        )
        .unwrap();
    let changed = |index| Body::Changed(amended(&code, index, "2029-12-07"));
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
            Body::Corrected(amended(&code, notice_index, "2029-12-07"))
        ),
        Err(TransitionError::NoPendingNotice(
            RegistrationType::Correction
        ))
    );
    assert_eq!(
        life.apply(
            "2027-03-15",
            Body::Changed(amended(&code, notice_index, "2029-12-08"))
        ),
        Err(TransitionError::ValidUntil {
            expected: d("2029-12-07"),
            stated: d("2029-12-08")
        })
    );
    life.apply("2027-03-15", changed(notice_index)).unwrap();
    let state = life.state();
    assert_eq!(state.code, code);
    assert_eq!(state.version, 2);
    assert_ne!(state.content, before);
    assert_eq!(
        state.data_name.as_deref(),
        Some("玉溪市公共交通客流数据（2027版）")
    );
    assert_eq!(state.validity.unwrap().until, d("2029-12-07"));
}

#[test]
fn change_of_a_products_operation_period_moves_its_validity() {
    let mut life = Life::new();
    let code = product_code(2026, 1);
    life.apply_for("2026-11-23", &code, ApplicationKind::First);
    life.apply(
        "2026-11-23",
        notice(
            &code,
            RegistrationType::First,
            Some("2028-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    life.apply("2026-12-07", issued(&code, "2026-12-07", "2028-06-30"))
        .unwrap();
    // The authorization is cut short to 2027-12-31: the certificate ends with it.
    life.apply_for("2027-03-01", &code, ApplicationKind::Change);
    let index = life
        .apply(
            "2027-03-01",
            notice(
                &code,
                RegistrationType::Change,
                Some("2027-12-31"),
                "2027-03-12",
            ),
        )
        .unwrap();
    assert_eq!(
        life.apply(
            "2027-03-15",
            Body::Changed(amended(&code, index, "2028-06-30"))
        ),
        Err(TransitionError::ValidUntil {
            expected: d("2027-12-31"),
            stated: d("2028-06-30")
        })
    );
    life.apply(
        "2027-03-15",
        Body::Changed(amended(&code, index, "2027-12-31")),
    )
    .unwrap();
    assert_eq!(life.state().validity.unwrap().until, d("2027-12-31"));
}

#[test]
fn object_kind_cannot_change() {
    let mut life = issued_life();
    let code = life.code();
    life.apply_for("2027-03-01", &code, ApplicationKind::Correction);
    let index = life
        .apply(
            "2027-03-01",
            notice_of(
                &code,
                RegistrationType::Correction,
                testing::content(ObjectKind::ProductOrService, None),
                "2027-03-12",
            ),
        )
        .unwrap();
    assert_eq!(
        life.apply(
            "2027-03-15",
            Body::Corrected(amended(&code, index, "2029-12-07"))
        ),
        Err(TransitionError::ObjectKindChanged)
    );
}

#[test]
fn correction_needs_its_own_ended_notice() {
    let mut life = issued_life();
    let code = life.code();
    let corrected = |index| Body::Corrected(amended(&code, index, "2029-12-07"));
    assert_eq!(
        life.apply("2027-03-01", corrected(1)),
        Err(TransitionError::NoPendingNotice(
            RegistrationType::Correction
        ))
    );
    life.apply_for("2027-03-01", &code, ApplicationKind::Correction);
    let index = life
        .apply(
            "2027-03-01",
            notice(&code, RegistrationType::Correction, None, "2027-03-12"),
        )
        .unwrap();
    // While it is in notice, no other registration may start.
    assert_eq!(
        life.apply("2027-03-02", received(&code, ApplicationKind::Change)),
        Err(TransitionError::NoticePending(RegistrationType::Correction))
    );
    assert_eq!(
        life.apply("2027-03-12", corrected(index)),
        Err(TransitionError::NoticeNotEnded {
            ends_on: d("2027-03-12")
        })
    );
    life.apply("2027-03-15", corrected(index)).unwrap();
    assert_eq!(life.state().version, 2);
}

#[test]
fn upheld_objection_to_a_change_keeps_the_certificate() {
    let mut life = issued_life();
    let code = life.code();
    let before = life.state().clone();
    life.apply_for("2027-03-01", &code, ApplicationKind::Change);
    life.apply(
        "2027-03-01",
        notice(&code, RegistrationType::Change, None, "2027-03-12"),
    )
    .unwrap();
    let filed = life.apply("2027-03-02", objection(&code)).unwrap();
    life.apply("2027-03-03", forwarded(&code, filed)).unwrap();
    life.apply("2027-03-04", answered(&code, filed)).unwrap();
    life.apply("2027-03-20", decision(&code, filed, true))
        .unwrap();
    let after = life.state();
    assert_eq!(after.status, Status::Active);
    assert_eq!(after.content, before.content);
    assert_eq!(after.version, before.version);
    assert_eq!(after.notice, None);
}

#[test]
fn rejected_change_notice_no_longer_blocks_a_later_change() {
    let mut life = issued_life();
    let code = life.code();
    let before = life.state().clone();
    life.apply_for("2027-03-01", &code, ApplicationKind::Change);
    let index = life
        .apply(
            "2027-03-01",
            notice(&code, RegistrationType::Change, None, "2027-03-12"),
        )
        .unwrap();
    assert_eq!(
        life.apply("2027-03-15", received(&code, ApplicationKind::Change)),
        Err(TransitionError::NoticePending(RegistrationType::Change))
    );
    life.apply(
        "2027-03-15",
        terminated(&code, index, RefusalGround::InterestedPartiesDisagree),
    )
    .unwrap();
    let after = life.state();
    assert_eq!(after.status, Status::Active);
    assert_eq!(after.notice, None);
    assert_eq!(
        (after.version, after.content),
        (before.version, before.content)
    );
    // A new change goes through. Counting its day: 16–19, 22–26, 29 Mar → 2027-03-29.
    life.apply_for("2027-03-16", &code, ApplicationKind::Change);
    let index = life
        .apply(
            "2027-03-16",
            notice(&code, RegistrationType::Change, None, "2027-03-29"),
        )
        .unwrap();
    life.apply(
        "2027-03-30",
        Body::Changed(amended(&code, index, "2029-12-07")),
    )
    .unwrap();
    assert_eq!(life.state().version, 2);
}

#[test]
fn expired_certificate_cannot_be_changed() {
    // Valid until Friday 2029-12-07.
    let mut life = issued_life();
    let code = life.code();
    let mut last_day = life.clone();
    last_day.apply_for("2029-12-07", &code, ApplicationKind::Change);
    // Reviewed on its last valid day, published after it: too late.
    assert_eq!(
        last_day.apply(
            "2029-12-10",
            notice(&code, RegistrationType::Change, None, "2029-12-21")
        ),
        Err(TransitionError::Expired(d("2029-12-07")))
    );
    assert_eq!(
        life.apply("2029-12-08", received(&code, ApplicationKind::Change)),
        Err(TransitionError::Expired(d("2029-12-07")))
    );
    assert_eq!(
        life.apply("2029-12-08", received(&code, ApplicationKind::Correction)),
        Err(TransitionError::Expired(d("2029-12-07")))
    );
}

// ---------------------------------------------------------------------------------------------
// Renewal (R23)

#[test]
fn renewal_window_opens_the_profiles_days_before_expiry() {
    // yuxi-2025: valid until Friday 2029-12-07; 60 days before is 2029-10-08.
    // Custom: valid until Monday 2031-12-15; 90 days before is 2031-09-16.
    for (mut life, early, opens, closes) in [
        (issued_life(), "2029-10-07", "2029-10-08", "2029-12-07"),
        (issued_custom(), "2031-09-15", "2031-09-16", "2031-12-15"),
    ] {
        let code = life.code();
        assert_eq!(
            life.apply(early, received(&code, ApplicationKind::Renewal)),
            Err(TransitionError::RenewalWindow {
                opens: d(opens),
                closes: d(closes),
                applied_on: d(early)
            })
        );
        life.apply(opens, received(&code, ApplicationKind::Renewal))
            .unwrap();
    }
}

#[test]
fn renewal_applied_for_after_the_deadline_is_refused() {
    // The window closes on the expiry day when it is a working day: yuxi-2025 Friday 2029-12-07,
    // custom Monday 2031-12-15.
    for (mut life, closes, late, opens) in [
        (issued_life(), "2029-12-07", "2029-12-08", "2029-10-08"),
        (issued_custom(), "2031-12-15", "2031-12-16", "2031-09-16"),
    ] {
        let code = life.code();
        let mut last_day = life.clone();
        assert_eq!(
            life.apply(late, received(&code, ApplicationKind::Renewal)),
            Err(TransitionError::RenewalWindow {
                opens: d(opens),
                closes: d(closes),
                applied_on: d(late)
            })
        );
        last_day
            .apply(closes, received(&code, ApplicationKind::Renewal))
            .unwrap();
    }
}

#[test]
fn renewal_deadline_on_a_weekend_moves_to_monday() {
    // Issued Tuesday 2026-12-08, so valid until Saturday 2029-12-08.
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    life.in_notice("2026-11-23", &code, "2026-12-04");
    life.apply("2026-12-08", issued(&code, "2026-12-08", "2029-12-08"))
        .unwrap();
    assert_eq!(d("2029-12-08").weekday(), crate::date::Weekday::Saturday);
    // Civil Code Art. 203: the last day is Monday 2029-12-10.
    let mut lapse = life.clone();
    assert_eq!(
        life.apply("2029-12-11", received(&code, ApplicationKind::Renewal)),
        Err(TransitionError::RenewalWindow {
            opens: d("2029-10-09"),
            closes: d("2029-12-10"),
            applied_on: d("2029-12-11")
        })
    );
    let index = life.apply_for("2029-12-10", &code, ApplicationKind::Renewal);
    life.apply("2029-12-10", renewed(&code, index, "2032-12-08"))
        .unwrap();
    // Nor is it lapsed before that Monday has passed.
    assert_eq!(
        lapse.apply(
            "2029-12-10",
            cancelled(&code, CancellationReason::Lapsed, None)
        ),
        Err(TransitionError::NotLapsed(d("2029-12-10")))
    );
    lapse
        .apply(
            "2029-12-11",
            cancelled(&code, CancellationReason::Lapsed, None),
        )
        .unwrap();
}

#[test]
fn renewal_adds_at_most_the_profiles_years() {
    // yuxi-2025: until 2029-12-07 + 3 years → 2032-12-07. Custom: until 2031-12-15 + 2 years →
    // 2033-12-15.
    for (mut life, applied_on, until, max, over) in [
        (
            issued_life(),
            "2029-11-01",
            "2029-12-07",
            "2032-12-07",
            "2032-12-08",
        ),
        (
            issued_custom(),
            "2031-11-03",
            "2031-12-15",
            "2033-12-15",
            "2033-12-16",
        ),
    ] {
        let code = life.code();
        let index = life.apply_for(applied_on, &code, ApplicationKind::Renewal);
        assert_eq!(
            life.apply(applied_on, renewed(&code, index, over)),
            Err(TransitionError::RenewalTooLong {
                max: d(max),
                stated: d(over)
            })
        );
        assert_eq!(
            life.apply(applied_on, renewed(&code, index, until)),
            Err(TransitionError::RenewalTooShort(d(until)))
        );
        life.apply(applied_on, renewed(&code, index, max)).unwrap();
        assert_eq!(life.state().validity.unwrap().until, d(max));
        assert_eq!(life.state().application, None);
    }
    // Less than the maximum is allowed.
    let mut shorter = issued_life();
    let code = shorter.code();
    let index = shorter.apply_for("2029-11-01", &code, ApplicationKind::Renewal);
    shorter
        .apply("2029-11-01", renewed(&code, index, "2031-12-07"))
        .unwrap();
}

#[test]
fn renewal_needs_an_accepted_renewal_application() {
    let mut life = issued_life();
    let code = life.code();
    assert_eq!(
        life.apply("2029-11-01", renewed(&code, 3, "2032-12-07")),
        Err(no_application(&code))
    );
    // A change application, however far along, is no renewal application.
    let mut change = life.clone();
    let index = change
        .apply("2029-11-01", received(&code, ApplicationKind::Change))
        .unwrap();
    change.apply("2029-11-01", accepted(&code, index)).unwrap();
    assert_eq!(
        change.apply("2029-11-02", renewed(&code, index, "2032-12-07")),
        Err(TransitionError::NoApplication(format!(
            "the pending application (record {index}) is for Change, not Renewal"
        )))
    );
    // Received but not accepted.
    let index = life
        .apply("2029-11-01", received(&code, ApplicationKind::Renewal))
        .unwrap();
    assert_eq!(
        life.apply("2029-11-02", renewed(&code, index, "2032-12-07")),
        Err(TransitionError::NoApplication(format!(
            "the renewal application (record {index}) is received, not accepted"
        )))
    );
    life.apply("2029-11-02", accepted(&code, index)).unwrap();
    assert_eq!(
        life.apply("2029-11-02", renewed(&code, index - 1, "2032-12-07")),
        Err(TransitionError::ApplicationIndex {
            pending: index,
            stated: index - 1
        })
    );
    life.apply("2029-11-02", renewed(&code, index, "2032-12-07"))
        .unwrap();
}

#[test]
fn one_renewal_application_renews_once() {
    let mut life = issued_life();
    let code = life.code();
    let index = life.apply_for("2029-11-01", &code, ApplicationKind::Renewal);
    life.apply("2029-11-02", renewed(&code, index, "2031-12-07"))
        .unwrap();
    assert_eq!(
        life.apply("2029-11-03", renewed(&code, index, "2032-12-07")),
        Err(no_application(&code))
    );
    // The next renewal waits for the new window: 60 days before 2031-12-07 (a Sunday, so the
    // window closes Monday 2031-12-08) opens 2031-10-08.
    assert_eq!(
        life.apply("2029-11-03", received(&code, ApplicationKind::Renewal)),
        Err(TransitionError::RenewalWindow {
            opens: d("2031-10-08"),
            closes: d("2031-12-08"),
            applied_on: d("2029-11-03")
        })
    );
    // There, it adds at most 3 years to the renewed expiry, never stacking beyond it.
    let index = life.apply_for("2031-10-08", &code, ApplicationKind::Renewal);
    assert_eq!(
        life.apply("2031-10-08", renewed(&code, index, "2034-12-08")),
        Err(TransitionError::RenewalTooLong {
            max: d("2034-12-07"),
            stated: d("2034-12-08")
        })
    );
    life.apply("2031-10-08", renewed(&code, index, "2034-12-07"))
        .unwrap();
}

#[test]
fn renewal_decided_after_a_lapse_cancellation_is_refused() {
    let mut life = issued_life();
    let code = life.code();
    let index = life.apply_for("2029-11-01", &code, ApplicationKind::Renewal);
    life.apply(
        "2029-11-05",
        refused(&code, index, RefusalGround::ConditionsNotMet),
    )
    .unwrap();
    assert_eq!(life.state().status, Status::Active);
    life.apply(
        "2029-12-08",
        cancelled(&code, CancellationReason::Lapsed, None),
    )
    .unwrap();
    assert_eq!(
        life.apply("2029-12-09", renewed(&code, index, "2032-12-07")),
        Err(TransitionError::Final("cancelled"))
    );
    assert_eq!(
        life.apply("2029-12-09", received(&code, ApplicationKind::Renewal)),
        Err(TransitionError::Final("cancelled"))
    );
}

#[test]
fn lapse_cancellation_waits_for_a_pending_renewal() {
    // Applied for on the last day of the window, Friday 2029-12-07, and accepted: the decision is
    // due 20 working days later, 10–14, 17–21, 24–28, 31 Dec, 1–4 Jan → 2030-01-04.
    let mut life = issued_life();
    let code = life.code();
    let index = life.apply_for("2029-12-07", &code, ApplicationKind::Renewal);
    assert_eq!(
        life.apply(
            "2029-12-10",
            cancelled(&code, CancellationReason::Lapsed, None)
        ),
        Err(TransitionError::RenewalPending(index))
    );
    let mut late = life.clone();
    assert_eq!(
        life.late("2030-01-04", renewed(&code, index, "2032-12-07")),
        Ok(None)
    );
    assert_eq!(
        late.late("2030-01-07", renewed(&code, index, "2032-12-07")),
        Ok(late_act(Deadline::Review, "2030-01-04", "2030-01-07"))
    );
    assert_eq!(late.state().late_acts, 1);
    // The renewal continues the old validity, with no gap.
    assert_eq!(
        late.state().validity,
        Some(Validity {
            from: d("2026-12-07"),
            until: d("2032-12-07")
        })
    );
}

#[test]
fn product_renewal_matches_the_operation_period() {
    let mut life = Life::new();
    let code = product_code(2026, 1);
    life.apply_for("2026-11-23", &code, ApplicationKind::First);
    life.apply(
        "2026-11-23",
        notice(
            &code,
            RegistrationType::First,
            Some("2028-06-30"),
            "2026-12-04",
        ),
    )
    .unwrap();
    life.apply("2026-12-07", issued(&code, "2026-12-07", "2028-06-30"))
        .unwrap();
    // Valid until Friday 2028-06-30: the window opens 2028-05-01.
    let index = life.apply_for("2028-06-01", &code, ApplicationKind::Renewal);
    let renewal = |operation_ends: Option<&str>, until: &str| {
        Body::Renewed(Renewed {
            code: code.clone(),
            application_index: index,
            valid_until: d(until),
            operation_ends: operation_ends.map(d),
        })
    };
    // The authorization was not extended: nothing to renew into.
    assert_eq!(
        life.apply("2028-06-01", renewal(None, "2031-06-30")),
        Err(TransitionError::OperationEnded(d("2028-06-30")))
    );
    // At most 5 years of operation from the renewal (A17): to 2033-06-01.
    assert_eq!(
        life.apply("2028-06-01", renewal(Some("2033-06-02"), "2031-06-30")),
        Err(TransitionError::OperationTooLong {
            max: d("2033-06-01"),
            stated: d("2033-06-02")
        })
    );
    // Extended to 2030-06-30: the renewal must match it.
    assert_eq!(
        life.apply("2028-06-01", renewal(Some("2030-06-30"), "2031-06-30")),
        Err(TransitionError::ValidUntil {
            expected: d("2030-06-30"),
            stated: d("2031-06-30")
        })
    );
    life.apply("2028-06-01", renewal(Some("2030-06-30"), "2030-06-30"))
        .unwrap();
    assert_eq!(life.state().operation_ends, Some(d("2030-06-30")));
    assert_eq!(life.state().validity.unwrap().until, d("2030-06-30"));
}

// ---------------------------------------------------------------------------------------------
// Cancellation and revocation (R21, R23, R27)

#[test]
fn lapsed_certificate_is_cancelled_only_after_the_deadline() {
    // The renewal deadline is the expiry day, a working day: 2029-12-07 (yuxi-2025), Monday
    // 2031-12-15 (custom).
    for (mut life, closes, after) in [
        (issued_life(), "2029-12-07", "2029-12-08"),
        (issued_custom(), "2031-12-15", "2031-12-16"),
    ] {
        let code = life.code();
        assert_eq!(
            life.apply(closes, cancelled(&code, CancellationReason::Lapsed, None)),
            Err(TransitionError::NotLapsed(d(closes)))
        );
        life.apply(after, cancelled(&code, CancellationReason::Lapsed, None))
            .unwrap();
        assert_eq!(
            life.state().status,
            Status::Cancelled(CancellationReason::Lapsed)
        );
    }
}

#[test]
fn cancellation_on_application_needs_an_accepted_application_with_its_reason() {
    let mut life = issued_life();
    let code = life.code();
    let reason = CancellationReason::RightsEnded;
    assert_eq!(
        life.apply(
            "2027-05-10",
            cancelled(&code, CancellationReason::DataLost, None)
        ),
        Err(TransitionError::NoApplication(
            "R21: a cancellation other than for lapse needs an accepted application".into()
        ))
    );
    let index = life
        .apply(
            "2027-05-10",
            received(&code, ApplicationKind::Cancellation(reason.clone())),
        )
        .unwrap();
    assert_eq!(
        life.apply("2027-05-10", cancelled(&code, reason.clone(), Some(index))),
        Err(TransitionError::NoApplication(format!(
            "the cancellation application (record {index}) is received, not accepted"
        )))
    );
    life.apply("2027-05-10", accepted(&code, index)).unwrap();
    assert_eq!(
        life.apply(
            "2027-05-11",
            cancelled(&code, CancellationReason::DataLost, Some(index))
        ),
        Err(TransitionError::NoApplication(format!(
            "the pending application (record {index}) is for Cancellation(RightsEnded), not \
             Cancellation(DataLost)"
        )))
    );
    assert_eq!(
        life.apply(
            "2027-05-11",
            cancelled(&code, reason.clone(), Some(index + 1))
        ),
        Err(TransitionError::ApplicationIndex {
            pending: index,
            stated: index + 1
        })
    );
    life.apply("2027-05-11", cancelled(&code, reason.clone(), Some(index)))
        .unwrap();
    assert_eq!(life.state().status, Status::Cancelled(reason));
    assert_eq!(life.state().application, None);
}

#[test]
fn cancellation_is_completed_within_the_profiles_working_days() {
    // Accepted Monday 2027-05-10. yuxi-2025, 10: 11–14, 17–21, 24 May → 2027-05-24.
    // Custom, 5: 11–14, 17 May → 2027-05-17.
    for (mut life, due, after) in [
        (issued_life(), "2027-05-24", "2027-05-25"),
        (issued_custom(), "2027-05-17", "2027-05-18"),
    ] {
        let code = life.code();
        let reason = CancellationReason::RegistrantTerminated;
        let index = life.apply_for(
            "2027-05-10",
            &code,
            ApplicationKind::Cancellation(reason.clone()),
        );
        assert_eq!(
            life.stage(),
            Stage::Accepted {
                on: d("2027-05-10"),
                due: d(due)
            }
        );
        let mut late = life.clone();
        assert_eq!(
            life.late(due, cancelled(&code, reason.clone(), Some(index))),
            Ok(None)
        );
        assert_eq!(life.state().late_acts, 0);
        assert_eq!(
            late.late(after, cancelled(&code, reason.clone(), Some(index))),
            Ok(late_act(Deadline::Cancellation, due, after))
        );
        assert_eq!(late.state().late_acts, 1);
        assert_eq!(late.state().status, Status::Cancelled(reason));
    }
}

#[test]
fn cancellation_is_final() {
    let mut life = issued_life();
    let code = life.code();
    let reason = CancellationReason::RegistrantTerminated;
    let index = life.apply_for(
        "2027-05-10",
        &code,
        ApplicationKind::Cancellation(reason.clone()),
    );
    life.apply("2027-05-10", cancelled(&code, reason, Some(index)))
        .unwrap();
    assert_eq!(
        life.apply("2027-05-11", received(&code, ApplicationKind::Change)),
        Err(TransitionError::Final("cancelled"))
    );
    assert_eq!(
        life.apply("2027-05-11", revoked(&code, RevocationReason::IllegalUse)),
        Err(TransitionError::Final("cancelled"))
    );
}

#[test]
fn revocation_is_final_and_needs_an_issued_certificate() {
    let mut life = Life::new();
    let code = testing::code(2026, 1);
    let revoke = || revoked(&code, RevocationReason::FalseMaterials);
    life.apply("2026-11-23", received(&code, ApplicationKind::First))
        .unwrap();
    assert_eq!(
        life.apply("2026-11-23", revoke()),
        Err(TransitionError::NotActive("applied"))
    );
    let mut life = Life::new();
    life.in_notice("2026-11-23", &code, "2026-12-04");
    assert_eq!(
        life.apply("2026-11-24", revoke()),
        Err(TransitionError::NotActive("in-notice"))
    );
    life.apply("2026-12-07", issued(&code, "2026-12-07", "2029-12-07"))
        .unwrap();
    // A pending application ends with the certificate.
    life.apply("2027-01-04", received(&code, ApplicationKind::Change))
        .unwrap();
    life.apply("2027-01-05", revoke()).unwrap();
    assert_eq!(
        life.state().status,
        Status::Revoked(RevocationReason::FalseMaterials)
    );
    assert_eq!(life.state().application, None);
    assert_eq!(
        life.apply(
            "2027-01-06",
            cancelled(&code, CancellationReason::Lapsed, None)
        ),
        Err(TransitionError::Final("revoked"))
    );
}

// ---------------------------------------------------------------------------------------------
// Profiles: which numbers judge a record

#[test]
fn no_record_before_a_profile_is_in_force() {
    let mut life = Life::adopting(vec![adoption("2026-01-01", yuxi())]);
    assert_eq!(
        life.apply(
            "2025-12-31",
            received(&testing::code(2025, 1), ApplicationKind::First)
        ),
        Err(TransitionError::Profile(ProfileError::NoneInForce(d(
            "2025-12-31"
        ))))
    );
    life.apply(
        "2026-01-01",
        received(&testing::code(2026, 1), ApplicationKind::First),
    )
    .unwrap();
}

#[test]
fn measure_applies_from_its_first_day() {
    // Both adopted from 2025-01-01, before their measures apply: yuxi-2025 from 2025-10-19, the
    // custom one (moved for this test) from 2026-03-01.
    let later = RuleProfile {
        measure_from: d("2026-03-01"),
        ..custom()
    };
    for (profile, before, first, year) in [
        (yuxi(), "2025-10-18", "2025-10-19", 2025),
        (later, "2026-02-28", "2026-03-01", 2026),
    ] {
        let mut life = Life::adopting(vec![adoption("2025-01-01", profile.clone())]);
        let code = testing::code(year, 1);
        assert_eq!(
            life.apply(before, received(&code, ApplicationKind::First)),
            Err(TransitionError::Profile(ProfileError::MeasureNotYet {
                name: profile.name.clone(),
                from: d(first)
            }))
        );
        life.apply(first, received(&code, ApplicationKind::First))
            .unwrap();
    }
}

#[test]
fn measure_applies_until_its_last_day() {
    // zhaoqing-2025 runs to 2028-04-30; the custom one (given a term for this test) to 2027-06-30.
    let zhaoqing = crate::profile::builtin("zhaoqing-2025").unwrap();
    let with_term = RuleProfile {
        measure_until: Some(d("2027-06-30")),
        ..custom()
    };
    for (profile, last, after) in [
        (zhaoqing, "2028-04-30", "2028-05-01"),
        (with_term, "2027-06-30", "2027-07-01"),
    ] {
        let mut life = Life::under(profile.clone());
        let year = d(last).year();
        let code = testing::code(year, 1);
        let index = life
            .apply(last, received(&code, ApplicationKind::First))
            .unwrap();
        let mut successor = life.clone();
        assert_eq!(
            life.apply(after, accepted(&code, index)),
            Err(TransitionError::Profile(ProfileError::MeasureExpired {
                name: profile.name.clone(),
                until: d(last)
            }))
        );
        // Once the agency adopts a successor from the next day, the procedure goes on.
        successor.profiles = Profiles::new(vec![
            adoption(&profile.measure_from.to_string(), profile.clone()),
            adoption(after, national()),
        ]);
        successor.apply(after, accepted(&code, index)).unwrap();
    }
}

#[test]
fn profile_change_judges_each_record_by_the_profile_of_its_day() {
    // yuxi-2025 from 2025-10-19; the custom profile adopted in advance, from 2027-01-01.
    let changed = || {
        Life::adopting(vec![
            adoption("2025-10-19", yuxi()),
            adoption("2027-01-01", custom()),
        ])
    };
    let mut life = changed();
    let mut unchanged = Life::new();
    let code = testing::code(2026, 1);
    // Published Monday 2026-12-28 under yuxi-2025, counting its day (plain calendars: 1 January
    // is a working day like any Friday): 28–31 Dec, 1, 4–8 Jan → 2027-01-08, though it runs into
    // the custom profile's time (which would give 15 days from the next day: 2027-01-18).
    for l in [&mut life, &mut unchanged] {
        l.apply_for("2026-12-28", &code, ApplicationKind::First);
        assert_eq!(
            l.apply(
                "2026-12-28",
                notice(&code, RegistrationType::First, None, "2027-01-18")
            ),
            Err(TransitionError::NoticeEnd {
                expected: d("2027-01-08"),
                stated: d("2027-01-18"),
                days: 10,
                count: "including-start-day"
            })
        );
        l.apply(
            "2026-12-28",
            notice(&code, RegistrationType::First, None, "2027-01-08"),
        )
        .unwrap();
    }
    // The records of 2026 re-audit to the same state under either history.
    assert_eq!(life.state, unchanged.state);
    // Issued Monday 2027-01-11: under the custom profile, five years.
    assert_eq!(
        life.apply("2027-01-11", issued(&code, "2027-01-11", "2030-01-11")),
        Err(TransitionError::ValidUntil {
            expected: d("2032-01-11"),
            stated: d("2030-01-11")
        })
    );
    life.apply("2027-01-11", issued(&code, "2027-01-11", "2032-01-11"))
        .unwrap();
    unchanged
        .apply("2027-01-11", issued(&code, "2027-01-11", "2030-01-11"))
        .unwrap();
    // A notice published Monday 2027-01-04 counts 15 days from the next day: 5–8, 11–15,
    // 18–22, 25 Jan → 2027-01-25 (yuxi-2025 would end it on 2027-01-15).
    let mut next = changed();
    let code = testing::code(2027, 1);
    next.apply_for("2027-01-04", &code, ApplicationKind::First);
    assert_eq!(
        next.apply(
            "2027-01-04",
            notice(&code, RegistrationType::First, None, "2027-01-15")
        ),
        Err(TransitionError::NoticeEnd {
            expected: d("2027-01-25"),
            stated: d("2027-01-15"),
            days: 15,
            count: "from-next-day"
        })
    );
    next.apply(
        "2027-01-04",
        notice(&code, RegistrationType::First, None, "2027-01-25"),
    )
    .unwrap();
}

#[test]
fn deadline_started_under_the_old_profile_keeps_its_due_day() {
    let changed = || {
        Life::adopting(vec![
            adoption("2025-10-19", yuxi()),
            adoption("2027-01-01", custom()),
        ])
    };
    // Received Wednesday 2026-12-30 under yuxi-2025: acceptance due in 3 working days, 31 Dec,
    // 1 Jan, 4 Jan → 2027-01-04 (the custom 5 days would give 2027-01-06).
    let mut life = changed();
    let code = testing::code(2026, 1);
    let index = life
        .apply("2026-12-30", received(&code, ApplicationKind::First))
        .unwrap();
    assert_eq!(
        life.stage(),
        Stage::Received {
            due: d("2027-01-04")
        }
    );
    let mut in_time = life.clone();
    assert_eq!(in_time.late("2027-01-04", accepted(&code, index)), Ok(None));
    assert_eq!(
        life.late("2027-01-05", accepted(&code, index)),
        Ok(late_act(Deadline::Acceptance, "2027-01-04", "2027-01-05"))
    );
    // The review clock starts under the custom profile: 15 working days from 2027-01-05,
    // 6–8, 11–15, 18–22, 25, 26 Jan → 2027-01-26 (yuxi-2025's 20 would give 2027-02-02).
    assert_eq!(
        life.stage(),
        Stage::Accepted {
            on: d("2027-01-05"),
            due: d("2027-01-26")
        }
    );

    // An objection filed Thursday 2026-12-31 under yuxi-2025 is due to be forwarded in 3 working
    // days, 1, 4, 5 Jan → 2027-01-05 (custom's 2 would give 2027-01-04); the answer's clock
    // starts at the forwarding, under the custom profile: 7 working days, 6–8, 11–14 Jan →
    // 2027-01-14.
    let mut objected = changed();
    let code = testing::code(2026, 2);
    objected.in_notice("2026-12-28", &code, "2027-01-08");
    let filed = objected.apply("2026-12-31", objection(&code)).unwrap();
    assert_eq!(
        objected.late("2027-01-05", forwarded(&code, filed)),
        Ok(None)
    );
    assert_eq!(
        objected.state().notice.as_ref().unwrap().open_objections[0].forwarded,
        Some(Forwarded {
            on: d("2027-01-05"),
            answer_by: d("2027-01-14")
        })
    );
}

#[test]
fn state_round_trips_canonically() {
    let mut life = issued_life();
    let code = life.code();
    // With an application pending and a late act counted, every field is filled.
    let index = life
        .apply("2027-05-10", received(&code, ApplicationKind::Change))
        .unwrap();
    life.apply("2027-05-20", accepted(&code, index)).unwrap();
    let state = life.state().clone();
    assert_eq!(state.late_acts, 1);
    assert_eq!(
        CertificateState::decode_exact(&state.encode()),
        Ok(state.clone())
    );
    assert_ne!(state.map_value_hash(), Hash::ZERO);
}
