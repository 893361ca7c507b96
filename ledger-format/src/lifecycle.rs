//! The lifecycle rules of a certificate, as pure transitions (docs/format.md#lifecycle).
//!
//! [`transition`] takes the certificate's current state (or `None` for an unused code), one record
//! about it, and the agency's working-day calendars, and returns the next state or the rule that
//! forbids the record. It is total and pure: the node's sequencer, `audit` and every mirror run the
//! same function, so they agree on every state. Article numbers refer to DOMAIN.md.

use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, Calendars};
use crate::code::{CertificateCode, ObjectKind};
use crate::date::Date;
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;
use crate::record::{
    Amended, CancellationReason, Content, Issued, Notice, ObjectionResolved, Record, Registrant,
    RegistrationType, Renewed, RevocationReason, content_commitment,
};

/// Working days a public notice lasts, counted from the day of the notice (R22).
pub const NOTICE_WORKING_DAYS: u32 = 10;
/// Years of validity of a certificate, and the most one renewal adds (R23).
pub const VALIDITY_YEARS: u16 = 3;
/// Calendar days before expiry in which a renewal may be applied for (R23).
pub const RENEWAL_WINDOW_DAYS: i64 = 60;
/// Largest encoded certificate state: bounded by its content (see `record::MAX_RECORD_LEN`).
const MAX_STATE_LEN: usize = 16 * 1024;

/// Where a registration stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Tag 0: a first registration is in public notice; no certificate yet.
    InNotice,
    /// Tag 1: the certificate was issued and is neither cancelled nor revoked (it may still have
    /// expired: expiry is a matter of dates, judged by the verifier at its own date).
    Active,
    /// Tag 2: an objection was upheld; the first registration ended without a certificate (R22).
    Terminated,
    /// Tag 3: cancelled (R21, R23). Final.
    Cancelled(CancellationReason),
    /// Tag 4: revoked (R27). Final.
    Revoked(RevocationReason),
}

impl Status {
    /// A short stable name, for errors and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Status::InNotice => "in-notice",
            Status::Active => "active",
            Status::Terminated => "terminated",
            Status::Cancelled(_) => "cancelled",
            Status::Revoked(_) => "revoked",
        }
    }

    /// True once nothing can change the registration any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Terminated | Status::Cancelled(_) | Status::Revoked(_)
        )
    }
}

/// The first and last day of validity, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    /// First valid day (the day of issue).
    pub from: Date,
    /// Last valid day.
    pub until: Date,
}

/// A public notice that has not been decided yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingNotice {
    /// Index of the notice record.
    pub notice_index: u64,
    /// First, change or correction.
    pub registration_type: RegistrationType,
    /// The day the notice was published (CST date of the notice record).
    pub starts_on: Date,
    /// Its last day.
    pub ends_on: Date,
    /// The content that approval would give the certificate.
    pub content: Content,
    /// Indexes of objections filed and not yet decided, increasing. Non-empty means suspended.
    pub open_objections: Vec<u64>,
}

/// The current state of one certificate code: the value of the status map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateState {
    /// The code (一证一码).
    pub code: CertificateCode,
    /// Where the registration stands.
    pub status: Status,
    /// The registrant (public, R22).
    pub registrant: Registrant,
    /// The data's name (public, R22).
    pub data_name: String,
    /// [`content_commitment`] of the approved content (of the proposed content while in notice).
    pub content: Hash,
    /// End of the authorized operation period, for products and services that have one.
    pub operation_ends: Option<Date>,
    /// Validity, once issued.
    pub validity: Option<Validity>,
    /// 1 at issue, plus one for every approved change or correction; 0 before issue.
    pub version: u32,
    /// Index of the latest record about this code.
    pub latest_index: u64,
    /// A notice not yet decided (first registration, change or correction).
    pub notice: Option<PendingNotice>,
}

impl CertificateState {
    /// True while an objection is open: the registration is suspended (R22).
    pub fn is_suspended(&self) -> bool {
        self.notice
            .as_ref()
            .is_some_and(|n| !n.open_objections.is_empty())
    }

    /// The status-map value hash of this state ([`crate::map::map_value_hash`] of its bytes).
    pub fn map_value_hash(&self) -> Hash {
        crate::map::map_value_hash(&self.encode())
    }

    /// The object kind, taken from the code.
    pub fn object_kind(&self) -> ObjectKind {
        self.code.kind()
    }
}

impl Canonical for CertificateState {
    const MAX_ENCODED_LEN: usize = MAX_STATE_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        if let Some(v) = self.validity
            && v.until < v.from
        {
            return Err(DecodeError::invalid("validity", "ends before it starts"));
        }
        if let Some(n) = &self.notice
            && !n.open_objections.windows(2).all(|w| w[0] < w[1])
        {
            return Err(DecodeError::invalid(
                "open_objections",
                "not strictly increasing",
            ));
        }
        Ok(())
    }
}

/// Why a record may not be appended: the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The record is not about a certificate.
    #[error("record kind {0} does not concern a certificate")]
    NotACertificateRecord(&'static str),
    /// The record names a different code than the state it is applied to.
    #[error("record names code {record} but the state is for {state}")]
    CodeMismatch {
        /// Code in the record.
        record: String,
        /// Code of the state.
        state: String,
    },
    /// R23 一证一码: a first registration must reserve an unused code.
    #[error("code {0} is already in use")]
    CodeInUse(String),
    /// The code names no registration in this log.
    #[error("no registration with code {0}")]
    UnknownCertificate(String),
    /// A new code carries the year of its notice.
    #[error("code year {code_year} differs from the notice year {notice_year}")]
    CodeYear {
        /// Year in the code.
        code_year: u16,
        /// Year of the notice.
        notice_year: u16,
    },
    /// R22: the notice lasts exactly 10 working days from the day of the notice.
    #[error("R22: notice must end on {expected}, not {stated}")]
    NoticeEnd {
        /// The computed last day.
        expected: Date,
        /// The stated one.
        stated: Date,
    },
    /// The calendar needed to count working days is missing.
    #[error("calendar: {0}")]
    Calendar(#[from] CalendarError),
    /// Only one notice may be pending for a code.
    #[error("a {0:?} notice is already pending")]
    NoticePending(RegistrationType),
    /// The decision needs a pending notice of its type.
    #[error("no pending {0:?} notice")]
    NoPendingNotice(RegistrationType),
    /// An amendment must name the pending notice it approves.
    #[error("the pending notice is record {pending}, not {stated}")]
    NoticeIndex {
        /// Index of the pending notice.
        pending: u64,
        /// Index stated in the record.
        stated: u64,
    },
    /// R22: no approval before the notice period is over.
    #[error("R22: the notice runs until {ends_on}; no decision before {ends_on} has passed")]
    NoticeNotEnded {
        /// Last day of the notice.
        ends_on: Date,
    },
    /// R22: objections are filed during the notice.
    #[error("R22: objections are filed between {starts_on} and {ends_on}")]
    OutsideNoticePeriod {
        /// First day of the notice.
        starts_on: Date,
        /// Last day of the notice.
        ends_on: Date,
    },
    /// R22: registration is suspended while an objection is open.
    #[error("R22: {0} objection(s) still open; registration is suspended")]
    ObjectionPending(usize),
    /// The decision names an objection that is not open.
    #[error("no open objection at index {0}")]
    UnknownObjection(u64),
    /// A change or correction cannot turn a resource into a product, or back.
    #[error("the object kind of a certificate cannot change")]
    ObjectKindChanged,
    /// R23: validity starts on the day of issue.
    #[error("R23: validity must start on {expected}, not {stated}")]
    ValidFrom {
        /// The day of issue.
        expected: Date,
        /// The stated first day.
        stated: Date,
    },
    /// R23: validity is 3 years, or the shorter operation period, or as the amendment allows.
    #[error("R23: validity must end on {expected}, not {stated}")]
    ValidUntil {
        /// The computed last day.
        expected: Date,
        /// The stated last day.
        stated: Date,
    },
    /// R23, A17: the authorized operation period is already over.
    #[error("R23: the operation period ended on {0}")]
    OperationEnded(Date),
    /// The certificate is past its last valid day.
    #[error("the certificate expired on {0}")]
    Expired(Date),
    /// R23: renewal is applied for within the 60 days before expiry.
    #[error("R23: renewal must be applied for between {opens} and {closes}, not on {applied_on}")]
    RenewalWindow {
        /// First day of the window.
        opens: Date,
        /// Last day (Civil Code Art. 203 moves it past a holiday).
        closes: Date,
        /// The stated application day.
        applied_on: Date,
    },
    /// R23: one renewal adds at most 3 years.
    #[error("R23: renewal may extend validity to {max} at most, not {stated}")]
    RenewalTooLong {
        /// The latest allowed last day.
        max: Date,
        /// The stated last day.
        stated: Date,
    },
    /// A renewal must extend the validity.
    #[error("renewal must extend validity beyond {0}")]
    RenewalTooShort(Date),
    /// The application cannot postdate the record of its approval.
    #[error("applied on {applied_on}, after the record's date {recorded_on}")]
    AppliedLater {
        /// The stated application day.
        applied_on: Date,
        /// The record's date.
        recorded_on: Date,
    },
    /// R23: the agency cancels a certificate for lapse only after the renewal deadline passed.
    #[error("R23: not lapsed before the renewal deadline {0} has passed")]
    NotLapsed(Date),
    /// The record needs an issued certificate.
    #[error("the registration is {0}, not active")]
    NotActive(&'static str),
    /// Cancellation, revocation and an upheld objection are final.
    #[error("the registration is {0}, which is final")]
    Final(&'static str),
    /// A date computation left the supported range, or the record's time is out of range.
    #[error("date out of range: {0}")]
    Date(String),
}

impl From<DecodeError> for TransitionError {
    fn from(e: DecodeError) -> Self {
        TransitionError::Date(e.to_string())
    }
}

/// The day a notice published on `starts_on` ends: the 10th working day counted from `starts_on`
/// itself (R22 "自公示之日起计算").
///
/// # Errors
/// [`TransitionError::Calendar`] when a needed year has no calendar.
pub fn notice_end(starts_on: Date, calendars: &Calendars) -> Result<Date, TransitionError> {
    let day_before = starts_on.add_days(-1)?;
    Ok(calendars.add_working_days(day_before, NOTICE_WORKING_DAYS)?)
}

/// The last day of validity for a certificate valid from `from`: three years by the Civil Code's
/// period rule, or the end of a shorter operation period (R23).
///
/// # Errors
/// [`TransitionError::Date`] past year 9999.
pub fn default_valid_until(
    from: Date,
    operation_ends: Option<Date>,
) -> Result<Date, TransitionError> {
    let three_years = from.period_end_years(VALIDITY_YEARS)?;
    Ok(operation_ends.map_or(three_years, |end| end.min(three_years)))
}

/// The window in which a renewal may be applied for: from 60 days before `valid_until` to
/// `valid_until`, the last day moved to the next working day if it is not one (Civil Code Art. 203).
///
/// # Errors
/// [`TransitionError::Calendar`] when the year of expiry has no calendar.
pub fn renewal_window(
    valid_until: Date,
    calendars: &Calendars,
) -> Result<(Date, Date), TransitionError> {
    let opens = valid_until.add_days(-RENEWAL_WINDOW_DAYS)?;
    let closes = calendars.next_working_day_on_or_after(valid_until)?;
    Ok((opens, closes))
}

/// Applies one record about a certificate to its state.
///
/// `state` is the code's current state, `None` when the code is unused. The record's header gives
/// its index and time (its CST date is the day the agency acted).
///
/// # Errors
/// The [`TransitionError`] naming the rule that forbids the record; on error nothing changes.
pub fn transition(
    state: Option<&CertificateState>,
    record: &Record,
    calendars: &Calendars,
) -> Result<CertificateState, TransitionError> {
    use crate::record::Body;
    let today = Date::from_unix_cst(record.header.time)?;
    let index = record.header.index;
    let code = record
        .body
        .certificate_code()
        .ok_or(TransitionError::NotACertificateRecord(
            record.body.kind_name(),
        ))?;
    let state = match state {
        Some(s) if &s.code != code => {
            return Err(TransitionError::CodeMismatch {
                record: code.to_string(),
                state: s.code.to_string(),
            });
        }
        Some(s) if s.status.is_final() => return Err(TransitionError::Final(s.status.name())),
        other => other,
    };
    let mut next = match (&record.body, state) {
        (Body::NoticePublished(n), None) => first_notice(n, index, today, calendars)?,
        (Body::NoticePublished(n), Some(s)) => amendment_notice(s, n, index, today, calendars)?,
        (_, None) => return Err(TransitionError::UnknownCertificate(code.to_string())),
        (Body::ObjectionFiled(_), Some(s)) => file_objection(s, index, today)?,
        (Body::ObjectionResolved(r), Some(s)) => resolve_objection(s, r)?,
        (Body::Issued(i), Some(s)) => issue(s, i, today)?,
        (Body::Changed(a), Some(s)) => amend(s, a, RegistrationType::Change, today)?,
        (Body::Corrected(a), Some(s)) => amend(s, a, RegistrationType::Correction, today)?,
        (Body::Renewed(r), Some(s)) => renew(s, r, today, calendars)?,
        (Body::Cancelled(c), Some(s)) => cancel(s, &c.reason, today, calendars)?,
        (Body::Revoked(r), Some(s)) => {
            let mut next = active(s)?.clone();
            next.status = Status::Revoked(r.reason.clone());
            next.notice = None;
            next
        }
        (other, Some(_)) => return Err(TransitionError::NotACertificateRecord(other.kind_name())),
    };
    next.latest_index = index;
    Ok(next)
}

fn active(s: &CertificateState) -> Result<&CertificateState, TransitionError> {
    match s.status {
        Status::Active => Ok(s),
        _ => Err(TransitionError::NotActive(s.status.name())),
    }
}

fn not_expired(s: &CertificateState, today: Date) -> Result<Validity, TransitionError> {
    let validity = s
        .validity
        .ok_or(TransitionError::NotActive(s.status.name()))?;
    if today > validity.until {
        return Err(TransitionError::Expired(validity.until));
    }
    Ok(validity)
}

fn checked_notice(
    n: &Notice,
    index: u64,
    today: Date,
    calendars: &Calendars,
) -> Result<PendingNotice, TransitionError> {
    let expected = notice_end(today, calendars)?;
    if n.ends_on != expected {
        return Err(TransitionError::NoticeEnd {
            expected,
            stated: n.ends_on,
        });
    }
    if let Some(end) = n.content.operation_ends
        && end < today
    {
        return Err(TransitionError::OperationEnded(end));
    }
    Ok(PendingNotice {
        notice_index: index,
        registration_type: n.registration_type,
        starts_on: today,
        ends_on: n.ends_on,
        content: n.content.clone(),
        open_objections: Vec::new(),
    })
}

fn first_notice(
    n: &Notice,
    index: u64,
    today: Date,
    calendars: &Calendars,
) -> Result<CertificateState, TransitionError> {
    if n.registration_type != RegistrationType::First {
        return Err(TransitionError::UnknownCertificate(n.code.to_string()));
    }
    if n.code.year() != today.year() {
        return Err(TransitionError::CodeYear {
            code_year: n.code.year(),
            notice_year: today.year(),
        });
    }
    let pending = checked_notice(n, index, today, calendars)?;
    Ok(CertificateState {
        code: n.code.clone(),
        status: Status::InNotice,
        registrant: n.content.registrant.clone(),
        data_name: n.content.data_name.clone(),
        content: content_commitment(&n.content),
        operation_ends: n.content.operation_ends,
        validity: None,
        version: 0,
        latest_index: index,
        notice: Some(pending),
    })
}

fn amendment_notice(
    s: &CertificateState,
    n: &Notice,
    index: u64,
    today: Date,
    calendars: &Calendars,
) -> Result<CertificateState, TransitionError> {
    if n.registration_type == RegistrationType::First {
        return Err(TransitionError::CodeInUse(n.code.to_string()));
    }
    active(s)?;
    if let Some(p) = &s.notice {
        return Err(TransitionError::NoticePending(p.registration_type));
    }
    not_expired(s, today)?;
    let mut next = s.clone();
    next.notice = Some(checked_notice(n, index, today, calendars)?);
    Ok(next)
}

fn pending(s: &CertificateState) -> Result<&PendingNotice, TransitionError> {
    s.notice
        .as_ref()
        .ok_or(TransitionError::NoPendingNotice(RegistrationType::First))
}

fn file_objection(
    s: &CertificateState,
    index: u64,
    today: Date,
) -> Result<CertificateState, TransitionError> {
    let p = pending(s)?;
    if today < p.starts_on || today > p.ends_on {
        return Err(TransitionError::OutsideNoticePeriod {
            starts_on: p.starts_on,
            ends_on: p.ends_on,
        });
    }
    let mut next = s.clone();
    if let Some(n) = next.notice.as_mut() {
        n.open_objections.push(index);
    }
    Ok(next)
}

fn resolve_objection(
    s: &CertificateState,
    r: &ObjectionResolved,
) -> Result<CertificateState, TransitionError> {
    let p = pending(s)?;
    let position = p
        .open_objections
        .iter()
        .position(|i| *i == r.objection_index)
        .ok_or(TransitionError::UnknownObjection(r.objection_index))?;
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

/// The pending notice of type `kind`, checked to be decidable on `today`.
fn decidable(
    s: &CertificateState,
    kind: RegistrationType,
    today: Date,
) -> Result<&PendingNotice, TransitionError> {
    let p = s
        .notice
        .as_ref()
        .filter(|p| p.registration_type == kind)
        .ok_or(TransitionError::NoPendingNotice(kind))?;
    if !p.open_objections.is_empty() {
        return Err(TransitionError::ObjectionPending(p.open_objections.len()));
    }
    if today <= p.ends_on {
        return Err(TransitionError::NoticeNotEnded { ends_on: p.ends_on });
    }
    Ok(p)
}

fn issue(
    s: &CertificateState,
    i: &Issued,
    today: Date,
) -> Result<CertificateState, TransitionError> {
    if s.status != Status::InNotice {
        return Err(TransitionError::CodeInUse(s.code.to_string()));
    }
    let p = decidable(s, RegistrationType::First, today)?;
    if i.valid_from != today {
        return Err(TransitionError::ValidFrom {
            expected: today,
            stated: i.valid_from,
        });
    }
    if let Some(end) = p.content.operation_ends
        && end < today
    {
        return Err(TransitionError::OperationEnded(end));
    }
    let expected = default_valid_until(today, p.content.operation_ends)?;
    if i.valid_until != expected {
        return Err(TransitionError::ValidUntil {
            expected,
            stated: i.valid_until,
        });
    }
    let mut next = s.clone();
    next.status = Status::Active;
    next.validity = Some(Validity {
        from: i.valid_from,
        until: i.valid_until,
    });
    next.version = 1;
    next.notice = None;
    Ok(next)
}

fn amend(
    s: &CertificateState,
    a: &Amended,
    kind: RegistrationType,
    today: Date,
) -> Result<CertificateState, TransitionError> {
    active(s)?;
    let validity = not_expired(s, today)?;
    let p = decidable(s, kind, today)?;
    if a.notice_index != p.notice_index {
        return Err(TransitionError::NoticeIndex {
            pending: p.notice_index,
            stated: a.notice_index,
        });
    }
    if p.content.object_kind != s.object_kind() {
        return Err(TransitionError::ObjectKindChanged);
    }
    let expected = p
        .content
        .operation_ends
        .map_or(validity.until, |end| end.min(validity.until));
    if expected < today {
        return Err(TransitionError::OperationEnded(expected));
    }
    if a.valid_until != expected {
        return Err(TransitionError::ValidUntil {
            expected,
            stated: a.valid_until,
        });
    }
    let mut next = s.clone();
    next.registrant = p.content.registrant.clone();
    next.data_name = p.content.data_name.clone();
    next.content = content_commitment(&p.content);
    next.operation_ends = p.content.operation_ends;
    next.validity = Some(Validity {
        from: validity.from,
        until: expected,
    });
    next.version = s.version.saturating_add(1);
    next.notice = None;
    Ok(next)
}

fn renew(
    s: &CertificateState,
    r: &Renewed,
    today: Date,
    calendars: &Calendars,
) -> Result<CertificateState, TransitionError> {
    active(s)?;
    let validity = s
        .validity
        .ok_or(TransitionError::NotActive(s.status.name()))?;
    if r.applied_on > today {
        return Err(TransitionError::AppliedLater {
            applied_on: r.applied_on,
            recorded_on: today,
        });
    }
    let (opens, closes) = renewal_window(validity.until, calendars)?;
    if r.applied_on < opens || r.applied_on > closes {
        return Err(TransitionError::RenewalWindow {
            opens,
            closes,
            applied_on: r.applied_on,
        });
    }
    if r.operation_ends.is_some() && s.object_kind() != ObjectKind::ProductOrService {
        return Err(TransitionError::ObjectKindChanged);
    }
    let max = validity.until.period_end_years(VALIDITY_YEARS)?;
    let operation_ends = r.operation_ends.or(s.operation_ends);
    if let Some(end) = operation_ends {
        // A17/R23: the renewal matches the authorization period.
        if end <= validity.until {
            return Err(TransitionError::OperationEnded(end));
        }
        let expected = end.min(max);
        if r.valid_until != expected {
            return Err(TransitionError::ValidUntil {
                expected,
                stated: r.valid_until,
            });
        }
    } else if r.valid_until > max {
        return Err(TransitionError::RenewalTooLong {
            max,
            stated: r.valid_until,
        });
    } else if r.valid_until <= validity.until {
        return Err(TransitionError::RenewalTooShort(validity.until));
    }
    let mut next = s.clone();
    next.validity = Some(Validity {
        from: validity.from,
        until: r.valid_until,
    });
    next.operation_ends = operation_ends;
    Ok(next)
}

fn cancel(
    s: &CertificateState,
    reason: &CancellationReason,
    today: Date,
    calendars: &Calendars,
) -> Result<CertificateState, TransitionError> {
    active(s)?;
    if *reason == CancellationReason::Lapsed {
        let validity = s
            .validity
            .ok_or(TransitionError::NotActive(s.status.name()))?;
        let (_, closes) = renewal_window(validity.until, calendars)?;
        if today <= closes {
            return Err(TransitionError::NotLapsed(closes));
        }
    }
    let mut next = s.clone();
    next.status = Status::Cancelled(reason.clone());
    next.notice = None;
    Ok(next)
}

#[cfg(test)]
mod tests;
