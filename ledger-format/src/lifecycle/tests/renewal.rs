use super::*;

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
        Err(TransitionError::NoRenewalApplication)
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
        Err(TransitionError::NoRenewalApplication)
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
