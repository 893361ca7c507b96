use super::*;

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
