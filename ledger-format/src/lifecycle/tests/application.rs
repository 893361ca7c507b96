use super::*;

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
    // Once published, there is no application left to withdraw (R18: only before the notice).
    let notice_index = published
        .apply(
            "2026-11-23",
            notice(&code, RegistrationType::First, None, "2026-12-04"),
        )
        .unwrap();
    assert_eq!(
        published.apply("2026-11-24", withdrawn(&code, index, false)),
        Err(TransitionError::WithdrawalAfterNotice { notice_index })
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
    let notice_index = change_published
        .apply(
            "2027-03-01",
            notice(&code, RegistrationType::Change, None, "2027-03-12"),
        )
        .unwrap();
    assert_eq!(
        change_published.apply("2027-03-02", withdrawn(&code, index, false)),
        Err(TransitionError::WithdrawalAfterNotice { notice_index })
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
