//! The procedure before the notice (R14–R18, R21, R23): an application from receipt to its end,
//! with the stage deadlines of the profile in force.

use super::*;

pub(super) fn receive(
    s: Option<&CertificateState>,
    a: &crate::record::ApplicationReceived,
    rules: &Rules<'_>,
) -> Result<CertificateState, TransitionError> {
    let today = rules.today;
    let mut next = match (s, &a.kind) {
        (None, ApplicationKind::First) => {
            if a.code.year() != today.year() {
                return Err(TransitionError::CodeYear {
                    code_year: a.code.year(),
                    year: today.year(),
                });
            }
            CertificateState {
                code: a.code.clone(),
                status: Status::Applied,
                registrant: None,
                data_name: None,
                content: Hash::ZERO,
                operation_ends: None,
                validity: None,
                version: 0,
                latest_index: rules.index,
                notice: None,
                application: None,
                late_acts: 0,
            }
        }
        (Some(_), ApplicationKind::First) => {
            return Err(TransitionError::CodeInUse(a.code.to_string()));
        }
        (None, _) => return Err(TransitionError::UnknownCertificate(a.code.to_string())),
        (Some(s), kind) => {
            active(s)?;
            if let Some(p) = &s.application {
                return Err(TransitionError::ApplicationPending(p.kind.name(), p.index));
            }
            // A pending change or correction notice does not hold a renewal back: the window
            // would otherwise run out while the notice (or an objection to it) is decided.
            if let Some(n) = &s.notice
                && *kind != ApplicationKind::Renewal
            {
                return Err(TransitionError::NoticePending(n.registration_type));
            }
            let validity = s
                .validity
                .ok_or(TransitionError::NotActive(s.status.name()))?;
            match kind {
                ApplicationKind::Renewal => {
                    let (opens, closes) = rules
                        .profile
                        .renewal_window(validity.until, rules.calendars)?;
                    if today < opens || today > closes {
                        return Err(TransitionError::RenewalWindow {
                            opens,
                            closes,
                            applied_on: today,
                        });
                    }
                }
                ApplicationKind::Change | ApplicationKind::Correction => {
                    not_expired(s, today)?;
                }
                _ => {}
            }
            s.clone()
        }
    };
    next.application = Some(PendingApplication {
        index: rules.index,
        kind: a.kind.clone(),
        received_on: today,
        stage: Stage::Received {
            due: rules.deadline(rules.profile.acceptance_working_days)?,
        },
        materials_requested: false,
    });
    Ok(next)
}

/// The pending application named by `index`.
pub(super) fn application(
    s: &CertificateState,
    index: u64,
) -> Result<&PendingApplication, TransitionError> {
    let p = s.application.as_ref().ok_or_else(|| {
        TransitionError::NoApplication(format!("no application is pending for {}", s.code))
    })?;
    if p.index != index {
        return Err(TransitionError::ApplicationIndex {
            pending: p.index,
            stated: index,
        });
    }
    Ok(p)
}

pub(super) fn wrong_stage(p: &PendingApplication, wanted: &str) -> TransitionError {
    TransitionError::NoApplication(format!(
        "the {} application (record {}) is {}, not {wanted}",
        p.kind.name(),
        p.index,
        match p.stage {
            Stage::Received { .. } => "received",
            Stage::AwaitingMaterials { .. } => "awaiting materials",
            Stage::Accepted { .. } => "accepted",
            Stage::Reviewed { .. } => "reviewed",
        }
    ))
}

pub(super) fn with_stage(s: &CertificateState, stage: Stage) -> CertificateState {
    let mut next = s.clone();
    if let Some(p) = next.application.as_mut() {
        p.stage = stage;
    }
    next
}

/// The working days of the stage after acceptance: the review (R16), or the completion of a
/// cancellation (R21).
pub(super) fn after_acceptance(kind: &ApplicationKind, profile: &RuleProfile) -> (u16, Deadline) {
    match kind {
        ApplicationKind::Cancellation(_) => {
            (profile.cancellation_working_days, Deadline::Cancellation)
        }
        _ => (profile.review_working_days, Deadline::Review),
    }
}

pub(super) fn accept(
    s: &CertificateState,
    index: u64,
    rules: &Rules<'_>,
    late: &mut Option<LateAct>,
) -> Result<CertificateState, TransitionError> {
    let p = application(s, index)?;
    let Stage::Received { due } = p.stage else {
        return Err(wrong_stage(p, "awaiting acceptance"));
    };
    note_late(late, Deadline::Acceptance, due, rules.today);
    let (days, _) = after_acceptance(&p.kind, rules.profile);
    Ok(with_stage(
        s,
        Stage::Accepted {
            on: rules.today,
            due: rules.deadline(days)?,
        },
    ))
}

pub(super) fn refuse(
    s: &CertificateState,
    index: u64,
    ground: &RefusalGround,
    rules: &Rules<'_>,
    late: &mut Option<LateAct>,
) -> Result<CertificateState, TransitionError> {
    let p = application(s, index)?;
    match p.stage {
        Stage::Received { due } => note_late(late, Deadline::Acceptance, due, rules.today),
        Stage::Accepted { due, .. } => {
            let (_, deadline) = after_acceptance(&p.kind, rules.profile);
            note_late(late, deadline, due, rules.today);
        }
        Stage::Reviewed { .. } => {}
        Stage::AwaitingMaterials { .. } => {
            return Err(wrong_stage(p, "decidable (materials are awaited)"));
        }
    }
    let mut next = s.clone();
    next.application = None;
    if p.kind == ApplicationKind::First {
        next.status = Status::Refused(ground.clone());
    }
    Ok(next)
}

pub(super) fn request_materials(
    s: &CertificateState,
    index: u64,
    rules: &Rules<'_>,
    late: &mut Option<LateAct>,
) -> Result<CertificateState, TransitionError> {
    let p = application(s, index)?;
    if p.materials_requested {
        return Err(TransitionError::MaterialsRequestedTwice);
    }
    let accepted_on = match p.stage {
        Stage::Received { due } => {
            note_late(late, Deadline::Acceptance, due, rules.today);
            None
        }
        Stage::Accepted { on, due } => {
            let (_, deadline) = after_acceptance(&p.kind, rules.profile);
            note_late(late, deadline, due, rules.today);
            Some(on)
        }
        _ => return Err(wrong_stage(p, "received or accepted")),
    };
    let mut next = with_stage(
        s,
        Stage::AwaitingMaterials {
            due: rules.deadline(rules.profile.supplement_working_days)?,
            accepted_on,
        },
    );
    if let Some(p) = next.application.as_mut() {
        p.materials_requested = true;
    }
    Ok(next)
}

pub(super) fn supply_materials(
    s: &CertificateState,
    index: u64,
    rules: &Rules<'_>,
) -> Result<CertificateState, TransitionError> {
    let p = application(s, index)?;
    let Stage::AwaitingMaterials { due, accepted_on } = p.stage else {
        return Err(wrong_stage(p, "awaiting materials"));
    };
    if rules.today > due {
        return Err(TransitionError::MaterialsLate { due });
    }
    // R16: the clock of the stage restarts from the resubmission.
    let stage = match accepted_on {
        None => Stage::Received {
            due: rules.deadline(rules.profile.acceptance_working_days)?,
        },
        Some(on) => Stage::Accepted {
            on,
            due: rules.deadline(after_acceptance(&p.kind, rules.profile).0)?,
        },
    };
    Ok(with_stage(s, stage))
}

pub(super) fn withdraw(
    s: &CertificateState,
    index: u64,
    deemed: bool,
    today: Date,
) -> Result<CertificateState, TransitionError> {
    if s.application.is_none()
        && let Some(n) = &s.notice
    {
        return Err(TransitionError::WithdrawalAfterNotice {
            notice_index: n.notice_index,
        });
    }
    let p = application(s, index)?;
    if deemed {
        let Stage::AwaitingMaterials { due, .. } = p.stage else {
            return Err(wrong_stage(p, "awaiting materials"));
        };
        if today <= due {
            return Err(TransitionError::NotYetWithdrawn { due });
        }
    }
    let mut next = s.clone();
    next.application = None;
    if p.kind == ApplicationKind::First {
        next.status = Status::Withdrawn;
    }
    Ok(next)
}

pub(super) fn complete_review(
    s: &CertificateState,
    index: u64,
    today: Date,
    late: &mut Option<LateAct>,
) -> Result<CertificateState, TransitionError> {
    let p = application(s, index)?;
    if p.kind.notice_type().is_none() {
        return Err(TransitionError::NoApplication(format!(
            "a {} application is decided without a notice",
            p.kind.name()
        )));
    }
    let Stage::Accepted { due, .. } = p.stage else {
        return Err(wrong_stage(p, "accepted"));
    };
    note_late(late, Deadline::Review, due, today);
    Ok(with_stage(s, Stage::Reviewed { on: today }))
}

/// A notice needs the reviewed application of its type (R16, R22).
pub(super) fn reviewed_application(
    s: &CertificateState,
    kind: RegistrationType,
) -> Result<(), TransitionError> {
    let p = s.application.as_ref().ok_or_else(|| {
        TransitionError::NoApplication(format!(
            "a {kind:?} notice needs a reviewed {kind:?} application"
        ))
    })?;
    if p.kind.notice_type() != Some(kind) {
        return Err(TransitionError::ApplicationPending(p.kind.name(), p.index));
    }
    match p.stage {
        Stage::Reviewed { .. } => Ok(()),
        _ => Err(wrong_stage(p, "reviewed")),
    }
}
