use super::*;

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
            crate::suite::Suite::Ed25519Sha256,
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
    assert_eq!(
        state.content,
        content_commitment(crate::suite::Suite::Ed25519Sha256, &content)
    );
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
            id: RegistrantId::Individual(identity_commitment(
                crate::suite::Suite::Ed25519Sha256,
                &[4; 32],
                "resident-id:4",
            )),
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
    assert_eq!(
        life.state().content,
        content_commitment(crate::suite::Suite::Ed25519Sha256, &jointly)
    );
    assert_ne!(
        life.state().content,
        content_commitment(crate::suite::Suite::Ed25519Sha256, &alone)
    );
    let one = Content {
        co_applicants: co_applicants[..1].to_vec(),
        ..alone
    };
    assert_ne!(
        life.state().content,
        content_commitment(crate::suite::Suite::Ed25519Sha256, &one)
    );
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
