//! One named test per rule of rule profiles, each with the edge on both sides.

use super::*;
use crate::testing::{self, custom_profile as custom, parse_date as d};

fn yuxi() -> RuleProfile {
    builtin("yuxi-2025").unwrap()
}

fn national() -> RuleProfile {
    builtin("national-2025").unwrap()
}

fn adoption(from: &str, profile: RuleProfile) -> ProfileAdopted {
    ProfileAdopted {
        from: d(from),
        profile,
    }
}

/// 2026 by 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): the shared fixture.
fn calendars_2026() -> Calendars {
    Calendars::new(vec![testing::calendar_2026()]).unwrap()
}

#[test]
fn builtin_profiles_validate_and_round_trip_canonically() {
    for name in BUILTIN {
        let profile = builtin(name).unwrap();
        assert_eq!(profile.name, name);
        assert_eq!(profile.validate(), Ok(()), "{name}");
        assert_eq!(RuleProfile::decode_exact(&profile.encode()), Ok(profile));
    }
    assert_eq!(custom().validate(), Ok(()));
    assert_eq!(RuleProfile::decode_exact(&custom().encode()), Ok(custom()));
    assert_eq!(builtin("yuxi-2024"), None);
    assert_eq!(builtin(""), None);
}

#[test]
fn decode_refuses_trailing_bytes() {
    let mut bytes = yuxi().encode();
    bytes.push(0);
    assert!(RuleProfile::decode_exact(&bytes).is_err());
}

#[test]
fn yuxi_counts_the_publication_day_and_national_the_next_day() {
    let (yuxi, national) = (yuxi(), national());
    assert_eq!(yuxi.notice_count, DayCount::IncludingStartDay);
    assert_eq!(national.notice_count, DayCount::FromNextDay);
    assert_eq!(yuxi.measure_from, d("2025-10-19"));
    assert_eq!(yuxi.measure_until, None);
    // Every other number is Yuxi's (R16, R21–R23, A17).
    let same_numbers = RuleProfile {
        name: yuxi.name.clone(),
        measure: yuxi.measure.clone(),
        measure_from: yuxi.measure_from,
        notice_count: yuxi.notice_count,
        ..national
    };
    assert_eq!(same_numbers, yuxi);
    assert_eq!(
        (
            yuxi.notice_working_days,
            yuxi.acceptance_working_days,
            yuxi.review_working_days,
            yuxi.supplement_working_days,
            yuxi.objection_forward_working_days,
            yuxi.objection_answer_working_days,
            yuxi.cancellation_working_days,
        ),
        (10, 3, 20, 10, 3, 10, 10)
    );
    assert_eq!(
        (
            yuxi.validity_years,
            yuxi.renewal_window_days,
            yuxi.renewal_max_years,
            yuxi.operation_max_years
        ),
        (3, 60, 3, 5)
    );
    assert_eq!(DayCount::IncludingStartDay.name(), "including-start-day");
    assert_eq!(DayCount::FromNextDay.name(), "from-next-day");
}

#[test]
fn measure_applies_from_its_first_day_to_its_last() {
    let zhaoqing = builtin("zhaoqing-2025").unwrap();
    assert_eq!(
        zhaoqing.check_applies(d("2025-04-30")),
        Err(ProfileError::MeasureNotYet {
            name: "zhaoqing-2025".into(),
            from: d("2025-05-01")
        })
    );
    assert_eq!(zhaoqing.check_applies(d("2025-05-01")), Ok(()));
    assert_eq!(zhaoqing.check_applies(d("2028-04-30")), Ok(()));
    assert_eq!(
        zhaoqing.check_applies(d("2028-05-01")),
        Err(ProfileError::MeasureExpired {
            name: "zhaoqing-2025".into(),
            until: d("2028-04-30")
        })
    );
    // A measure without a term applies for good.
    assert_eq!(yuxi().check_applies(d("9999-12-31")), Ok(()));
}

#[test]
fn policy_refuses_a_builtin_name_with_other_numbers() {
    let mut altered = yuxi();
    altered.notice_count = DayCount::FromNextDay;
    let mismatch = Err(ProfileError::BuiltinMismatch("yuxi-2025".into()));
    assert_eq!(ProfilePolicy::default().check(&altered), mismatch);
    assert_eq!(
        ProfilePolicy::new(vec!["yuxi-2025".into()]).check(&altered),
        mismatch
    );
    // Even pinned by its own digest: the name belongs to the built-in numbers.
    let pinned = format!("yuxi-2025@{}", altered.digest().to_hex());
    assert_eq!(ProfilePolicy::new(vec![pinned]).check(&altered), mismatch);
    let mut one_day_more = yuxi();
    one_day_more.notice_working_days = 11;
    assert_eq!(ProfilePolicy::default().check(&one_day_more), mismatch);
    assert_eq!(ProfilePolicy::default().check(&yuxi()), Ok(()));
}

#[test]
fn policy_refuses_an_unlisted_profile() {
    let policy = ProfilePolicy::new(vec!["national-2025".into()]);
    assert_eq!(policy.entries(), ["national-2025".to_string()]);
    assert_eq!(policy.check(&national()), Ok(()));
    assert_eq!(
        policy.check(&yuxi()),
        Err(ProfileError::NotAllowed("yuxi-2025".into()))
    );
    // A profile of the agency's own is never allowed by its bare name.
    let by_name = ProfilePolicy::new(vec!["testing-custom".into()]);
    assert_eq!(
        by_name.check(&custom()),
        Err(ProfileError::NotAllowed("testing-custom".into()))
    );
}

#[test]
fn policy_accepts_a_custom_profile_pinned_by_its_digest() {
    let pinned = format!("testing-custom@{}", custom().digest().to_hex());
    let policy = ProfilePolicy::new(vec!["national-2025".into(), pinned]);
    assert_eq!(policy.check(&custom()), Ok(()));
    // One number changed is another profile: its digest no longer matches the pin.
    let mut other = custom();
    other.review_working_days = 16;
    assert_ne!(other.digest(), custom().digest());
    assert_eq!(
        policy.check(&other),
        Err(ProfileError::NotAllowed("testing-custom".into()))
    );
}

#[test]
fn empty_policy_accepts_builtin_profiles_of_measures_only() {
    let policy = ProfilePolicy::default();
    for name in BUILTIN {
        let expected = if is_draft(name) {
            Err(ProfileError::NotAllowed(name.into()))
        } else {
            Ok(())
        };
        assert_eq!(policy.check(&builtin(name).unwrap()), expected, "{name}");
    }
    // A draft is allowed where the membership names it.
    let drafts = ProfilePolicy::new(vec!["zhongwei-draft".into()]);
    assert_eq!(drafts.check(&builtin("zhongwei-draft").unwrap()), Ok(()));
    assert_eq!(
        policy.check(&custom()),
        Err(ProfileError::NotAllowed("testing-custom".into()))
    );
}

#[test]
fn digest_is_stable_and_covers_every_number() {
    assert_eq!(yuxi().digest(), yuxi().digest());
    assert_ne!(yuxi().digest(), national().digest());
    let mut longer = yuxi();
    longer.validity_years = 4;
    assert_ne!(longer.digest(), yuxi().digest());
}

#[test]
fn adoption_may_not_reach_back() {
    let mut profiles = Profiles::default();
    // Adopted the day it takes effect: allowed.
    assert_eq!(
        profiles.adopt(adoption("2025-10-19", yuxi()), d("2025-10-19")),
        Ok(())
    );
    // Recorded on 2026-06-01 to take effect the day before: refused.
    assert_eq!(
        profiles.adopt(adoption("2026-05-31", custom()), d("2026-06-01")),
        Err(ProfileError::Retroactive {
            today: d("2026-06-01"),
            from: d("2026-05-31"),
            earliest: d("2026-06-01")
        })
    );
    // Adopted in advance, from 2027-01-01.
    assert_eq!(
        profiles.adopt(adoption("2027-01-01", custom()), d("2026-06-01")),
        Ok(())
    );
    // A later record may not slip in before an adoption already made.
    assert_eq!(
        profiles.adopt(adoption("2026-12-31", national()), d("2026-07-01")),
        Err(ProfileError::Retroactive {
            today: d("2026-07-01"),
            from: d("2026-12-31"),
            earliest: d("2027-01-01")
        })
    );
    // The same first day as the latest adoption is allowed: it supersedes it.
    assert_eq!(
        profiles.adopt(adoption("2027-01-01", national()), d("2026-07-01")),
        Ok(())
    );
    assert_eq!(profiles.adopted().len(), 3);
    assert_eq!(profiles.in_force(d("2027-01-01")), Ok(&national()));
}

#[test]
fn in_force_picks_the_latest_adoption_not_after_the_date() {
    let profiles = Profiles::new(vec![
        adoption("2025-10-19", yuxi()),
        adoption("2027-01-01", custom()),
    ]);
    assert_eq!(
        profiles.in_force(d("2025-10-18")),
        Err(ProfileError::NoneInForce(d("2025-10-18")))
    );
    assert_eq!(profiles.in_force(d("2025-10-19")), Ok(&yuxi()));
    assert_eq!(profiles.in_force(d("2026-12-31")), Ok(&yuxi()));
    assert_eq!(profiles.in_force(d("2027-01-01")), Ok(&custom()));
    assert_eq!(profiles.in_force(d("2040-01-01")), Ok(&custom()));
    // Two adoptions with one first day (a profile amended before it applies): the later one in
    // log order.
    let amended = Profiles::new(vec![
        adoption("2027-01-01", custom()),
        adoption("2027-01-01", national()),
    ]);
    assert_eq!(amended.in_force(d("2027-01-01")), Ok(&national()));
    assert_eq!(
        Profiles::default().in_force(d("2026-01-01")),
        Err(ProfileError::NoneInForce(d("2026-01-01")))
    );
}

#[test]
fn adoptions_are_bounded() {
    let mut profiles = Profiles::default();
    for _ in 0..MAX_ADOPTIONS {
        profiles
            .adopt(adoption("2026-01-01", yuxi()), d("2026-01-01"))
            .unwrap();
    }
    assert_eq!(
        profiles.adopt(adoption("2026-01-01", yuxi()), d("2026-01-01")),
        Err(ProfileError::TooManyAdoptions)
    );
    assert_eq!(profiles.adopted().len(), MAX_ADOPTIONS);
}

/// Sets one day-count parameter of a profile.
type SetDays = fn(&mut RuleProfile, u16);

#[test]
fn validate_refuses_zero_and_oversized_day_counts() {
    let fields: [(&str, SetDays); 8] = [
        ("notice_working_days", |p, v| p.notice_working_days = v),
        ("acceptance_working_days", |p, v| {
            p.acceptance_working_days = v;
        }),
        ("review_working_days", |p, v| p.review_working_days = v),
        ("supplement_working_days", |p, v| {
            p.supplement_working_days = v;
        }),
        ("objection_forward_working_days", |p, v| {
            p.objection_forward_working_days = v;
        }),
        ("objection_answer_working_days", |p, v| {
            p.objection_answer_working_days = v;
        }),
        ("cancellation_working_days", |p, v| {
            p.cancellation_working_days = v;
        }),
        ("renewal_window_days", |p, v| p.renewal_window_days = v),
    ];
    for (what, set) in fields {
        for ok in [1, MAX_DAYS] {
            let mut profile = custom();
            set(&mut profile, ok);
            assert_eq!(profile.validate(), Ok(()), "{what} = {ok}");
        }
        for bad in [0, MAX_DAYS + 1] {
            let mut profile = custom();
            set(&mut profile, bad);
            let refused = DecodeError::invalid(what, format!("{bad} not in 1..=500"));
            assert_eq!(profile.validate(), Err(refused.clone()));
            assert_eq!(RuleProfile::decode_exact(&profile.encode()), Err(refused));
        }
    }
}

#[test]
fn validate_refuses_zero_and_oversized_year_counts() {
    let fields: [(&str, SetDays); 3] = [
        ("validity_years", |p, v| p.validity_years = v),
        ("renewal_max_years", |p, v| p.renewal_max_years = v),
        ("operation_max_years", |p, v| p.operation_max_years = v),
    ];
    for (what, set) in fields {
        for ok in [1, MAX_YEARS] {
            let mut profile = custom();
            set(&mut profile, ok);
            assert_eq!(profile.validate(), Ok(()), "{what} = {ok}");
        }
        for bad in [0, MAX_YEARS + 1] {
            let mut profile = custom();
            set(&mut profile, bad);
            assert_eq!(
                profile.validate(),
                Err(DecodeError::invalid(what, format!("{bad} not in 1..=30")))
            );
        }
    }
}

#[test]
fn validate_refuses_bad_names() {
    let longest = "a".repeat(MAX_PROFILE_NAME_LEN);
    for good in ["a", "yuxi-2025", "0-9", longest.as_str()] {
        let profile = RuleProfile {
            name: good.into(),
            ..custom()
        };
        assert_eq!(profile.validate(), Ok(()), "{good}");
    }
    let too_long = "a".repeat(MAX_PROFILE_NAME_LEN + 1);
    for bad in [
        "",
        "Yuxi-2025",
        "yuxi_2025",
        "yuxi 2025",
        "玉溪",
        "yuxi@2025",
        too_long.as_str(),
    ] {
        let profile = RuleProfile {
            name: bad.into(),
            ..custom()
        };
        assert_eq!(
            profile.validate(),
            Err(DecodeError::invalid(
                "profile.name",
                "1–64 bytes of a–z, 0–9 and '-'"
            )),
            "{bad:?}"
        );
    }
}

#[test]
fn validate_refuses_a_bad_measure_or_term() {
    let refused = Err(DecodeError::invalid(
        "profile.measure",
        "1–512 bytes of text without control characters",
    ));
    let longest = "m".repeat(MAX_MEASURE_LEN);
    let too_long = "m".repeat(MAX_MEASURE_LEN + 1);
    for bad in ["", "  ", "line\nbreak", too_long.as_str()] {
        let profile = RuleProfile {
            measure: bad.into(),
            ..custom()
        };
        assert_eq!(profile.validate(), refused, "{bad:?}");
    }
    let profile = RuleProfile {
        measure: longest,
        ..custom()
    };
    assert_eq!(profile.validate(), Ok(()));
    // A term may be a single day, not end before it starts.
    let one_day = RuleProfile {
        measure_until: Some(d("2025-01-01")),
        ..custom()
    };
    assert_eq!(one_day.validate(), Ok(()));
    let backwards = RuleProfile {
        measure_until: Some(d("2024-12-31")),
        ..custom()
    };
    assert_eq!(
        backwards.validate(),
        Err(DecodeError::invalid(
            "profile.measure_until",
            "before measure_from"
        ))
    );
}

#[test]
fn notice_end_follows_the_counting_convention() {
    let plain = testing::plain_calendars(2026..=2026);
    let (yuxi, national) = (yuxi(), national());
    // Monday 2026-11-23, plain weekends. Counting the day: 23, 24, 25, 26, 27, 30 Nov, 1, 2, 3,
    // 4 Dec. From the next day: 24, 25, 26, 27, 30 Nov, 1, 2, 3, 4, 7 Dec.
    assert_eq!(
        yuxi.notice_end(d("2026-11-23"), &plain),
        Ok(d("2026-12-04"))
    );
    assert_eq!(
        national.notice_end(d("2026-11-23"), &plain),
        Ok(d("2026-12-07"))
    );
    // Published on Saturday 2026-11-28, which is no working day: both count from Monday 30.
    assert_eq!(
        yuxi.notice_end(d("2026-11-28"), &plain),
        Ok(d("2026-12-11"))
    );
    assert_eq!(
        national.notice_end(d("2026-11-28"), &plain),
        Ok(d("2026-12-11"))
    );
    // Real 2026 calendar, published Monday 28 September. Counting the day: 28, 29, 30 Sep;
    // (1–7 Oct holiday); 8, 9, 10 (make-up Saturday); (11 Sunday); 12, 13, 14, 15 → 15 Oct. From
    // the next day: 29, 30 Sep; 8, 9, 10, 12, 13, 14, 15, 16 Oct → 16 Oct (docs/format.md).
    let real = calendars_2026();
    assert_eq!(yuxi.notice_end(d("2026-09-28"), &real), Ok(d("2026-10-15")));
    assert_eq!(
        national.notice_end(d("2026-09-28"), &real),
        Ok(d("2026-10-16"))
    );
    // A notice that would run into a year without a calendar cannot be counted.
    assert_eq!(
        yuxi.notice_end(d("2026-12-24"), &plain),
        Err(ProfileError::Calendar(CalendarError::MissingYear(2027)))
    );
}

#[test]
fn deadline_does_not_count_its_first_day() {
    let plain = testing::plain_calendars(2026..=2026);
    // Monday 2026-11-23 + 3 working days: 24, 25, 26.
    assert_eq!(
        yuxi().deadline(d("2026-11-23"), 3, &plain),
        Ok(d("2026-11-26"))
    );
    // Friday 2026-11-27 + 1 working day: Monday 30.
    assert_eq!(
        yuxi().deadline(d("2026-11-27"), 1, &plain),
        Ok(d("2026-11-30"))
    );
    // Across the National Day week: 30 Sep + 1 → 8 Oct.
    assert_eq!(
        yuxi().deadline(d("2026-09-30"), 1, &calendars_2026()),
        Ok(d("2026-10-08"))
    );
}

#[test]
fn valid_until_is_the_profiles_years_or_a_shorter_operation_period() {
    let (yuxi, custom) = (yuxi(), custom());
    assert_eq!(yuxi.valid_until(d("2026-11-23"), None), Ok(d("2029-11-23")));
    assert_eq!(
        custom.valid_until(d("2026-11-23"), None),
        Ok(d("2031-11-23"))
    );
    // Leap day: the last day of February of the final year.
    assert_eq!(yuxi.valid_until(d("2028-02-29"), None), Ok(d("2031-02-28")));
    // The shorter of the two ends.
    assert_eq!(
        yuxi.valid_until(d("2026-11-23"), Some(d("2029-11-22"))),
        Ok(d("2029-11-22"))
    );
    assert_eq!(
        yuxi.valid_until(d("2026-11-23"), Some(d("2029-11-24"))),
        Ok(d("2029-11-23"))
    );
    assert_eq!(
        yuxi.valid_until(d("9998-01-01"), None),
        Err(ProfileError::OutOfRange)
    );
}

#[test]
fn renewal_window_opens_its_days_before_expiry_and_closes_on_a_working_day() {
    let plain = testing::plain_calendars(2029..=2031);
    // Friday 2029-12-07: 60 days before is 2029-10-08; the expiry day is a working day.
    assert_eq!(
        yuxi().renewal_window(d("2029-12-07"), &plain),
        Ok((d("2029-10-08"), d("2029-12-07")))
    );
    // Saturday 2029-12-08: the last day moves to Monday 2029-12-10 (Civil Code Art. 203).
    assert_eq!(
        yuxi().renewal_window(d("2029-12-08"), &plain),
        Ok((d("2029-10-09"), d("2029-12-10")))
    );
    // 90 days before Monday 2031-12-15 is 2031-09-16.
    assert_eq!(
        custom().renewal_window(d("2031-12-15"), &plain),
        Ok((d("2031-09-16"), d("2031-12-15")))
    );
}
