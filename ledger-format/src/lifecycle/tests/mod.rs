//! One named test per rule, each with the edge on both sides. A rule that takes a number from the
//! rule profile is checked under two profiles with different numbers (yuxi-2025 and a custom one,
//! or yuxi-2025 and national-2025 where the counting convention differs). Every expected date is
//! counted by hand in a comment; calendars have plain weekends unless a test says otherwise.

use super::*;
use crate::calendar::{CalendarError, WorkCalendar};
use crate::profile::ProfileAdopted;
use crate::profile::ProfileError;
use crate::record::{
    ApplicationAct, ApplicationRefused, ApplicationWithdrawn, Body, MaterialsRequested,
    MaterialsSupplied, NoticeTerminated, ObjectionAct, ObjectionAnswered, ObjectionFiled,
    RegistrantId, RegistrantRole, Revoked, identity_commitment,
};
use crate::testing::{
    self, LogBuilder, at, calendar_2026, custom_profile as custom, parse_date as d,
};

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
        let outcome = transition(
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

mod application;
mod notice;
mod objections;
mod profiles;
mod renewal;
mod validity;
