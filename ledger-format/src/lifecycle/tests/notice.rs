use super::*;

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
