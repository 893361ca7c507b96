//! Objections during a notice (R22): filed, forwarded, answered, decided; and a notice ended
//! without approval (R17, R27).

use super::*;

pub(super) fn file_objection(
    s: &CertificateState,
    rules: &Rules<'_>,
) -> Result<CertificateState, TransitionError> {
    let p = pending(s)?;
    if rules.today < p.starts_on || rules.today > p.ends_on {
        return Err(TransitionError::OutsideNoticePeriod {
            starts_on: p.starts_on,
            ends_on: p.ends_on,
        });
    }
    let forward_by = rules.deadline(rules.profile.objection_forward_working_days)?;
    let mut next = s.clone();
    if let Some(n) = next.notice.as_mut() {
        n.open_objections.push(OpenObjection {
            index: rules.index,
            forward_by,
            forwarded: None,
            answered: false,
        });
    }
    Ok(next)
}

/// The open objection `index`, mutable in a copy of the state.
pub(super) fn with_objection(
    s: &CertificateState,
    index: u64,
    change: impl FnOnce(&mut OpenObjection) -> Result<(), TransitionError>,
) -> Result<CertificateState, TransitionError> {
    let mut next = s.clone();
    let objection = next
        .notice
        .as_mut()
        .and_then(|n| n.open_objections.iter_mut().find(|o| o.index == index))
        .ok_or(TransitionError::UnknownObjection(index))?;
    change(objection)?;
    Ok(next)
}

pub(super) fn forward_objection(
    s: &CertificateState,
    index: u64,
    rules: &Rules<'_>,
    late: &mut Option<LateAct>,
) -> Result<CertificateState, TransitionError> {
    let answer_by = rules.deadline(rules.profile.objection_answer_working_days)?;
    let today = rules.today;
    with_objection(s, index, |o| {
        if o.forwarded.is_some() {
            return Err(TransitionError::ObjectionStep {
                index,
                reason: "was forwarded already",
            });
        }
        note_late(late, Deadline::ObjectionForward, o.forward_by, today);
        o.forwarded = Some(Forwarded {
            on: today,
            answer_by,
        });
        Ok(())
    })
}

pub(super) fn answer_objection(
    s: &CertificateState,
    index: u64,
    today: Date,
) -> Result<CertificateState, TransitionError> {
    with_objection(s, index, |o| {
        let forwarded = o.forwarded.ok_or(TransitionError::ObjectionStep {
            index,
            reason: "was not forwarded to the registrant yet",
        })?;
        if o.answered {
            return Err(TransitionError::ObjectionStep {
                index,
                reason: "was answered already",
            });
        }
        if today > forwarded.answer_by {
            return Err(TransitionError::AnswerLate {
                index,
                due: forwarded.answer_by,
            });
        }
        o.answered = true;
        Ok(())
    })
}

pub(super) fn resolve_objection(
    s: &CertificateState,
    r: &ObjectionResolved,
    today: Date,
) -> Result<CertificateState, TransitionError> {
    let p = pending(s)?;
    let position = p
        .open_objections
        .iter()
        .position(|o| o.index == r.objection_index)
        .ok_or(TransitionError::UnknownObjection(r.objection_index))?;
    let objection = &p.open_objections[position];
    let forwarded = objection.forwarded.ok_or(TransitionError::ObjectionStep {
        index: objection.index,
        reason: "must be forwarded to the registrant before it is decided",
    })?;
    if !objection.answered && today <= forwarded.answer_by {
        return Err(TransitionError::AnswerPending {
            index: objection.index,
            due: forwarded.answer_by,
        });
    }
    let mut next = s.clone();
    match (r.upheld, p.registration_type) {
        (true, RegistrationType::First) => {
            next.status = Status::Terminated;
            next.notice = None;
        }
        // An upheld objection to a change or correction ends that procedure only.
        (true, _) => next.notice = None,
        (false, _) => {
            if let Some(n) = next.notice.as_mut() {
                n.open_objections.remove(position);
            }
        }
    }
    Ok(next)
}

pub(super) fn terminate_notice(
    s: &CertificateState,
    notice_index: u64,
    ground: &RefusalGround,
) -> Result<CertificateState, TransitionError> {
    let p = pending(s)?;
    if p.notice_index != notice_index {
        return Err(TransitionError::NoticeIndex {
            pending: p.notice_index,
            stated: notice_index,
        });
    }
    let mut next = s.clone();
    if p.registration_type == RegistrationType::First {
        next.status = Status::Refused(ground.clone());
    }
    next.notice = None;
    Ok(next)
}
