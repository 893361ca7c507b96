use super::*;

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
    assert_ne!(
        state.map_value_hash(crate::suite::Suite::Ed25519Sha256),
        Hash::ZERO
    );
}
