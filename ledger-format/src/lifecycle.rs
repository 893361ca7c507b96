//! The lifecycle rules of a certificate, as pure transitions (docs/format.md#lifecycle).
//!
//! [`transition`] takes the certificate's current state (or `None` for an unused code), one record
//! about it, the agency's working-day calendars and its rule profiles, and returns the next state
//! (and whether the agency acted late) or the rule that forbids the record. It is total and
//! pure: the node's sequencer, `audit` and every mirror run the same function, so they agree on
//! every state. Article numbers refer to DOMAIN.md; every number comes from the [`RuleProfile`]
//! in force on the record's date.
//!
//! Deadlines are of two kinds. Those the registrant must meet (missing materials, the answer to an
//! objection, the renewal window) are hard: a late act is refused. Those the agency must meet
//! (acceptance, review, forwarding an objection, completing a cancellation) bind the agency, and
//! refusing its late act would leave the registrant stuck: the act is accepted and recorded as
//! late ([`LateAct`]), with the article it breaks.

use serde::{Deserialize, Serialize};

use crate::calendar::Calendars;
use crate::code::{CertificateCode, ObjectKind};
use crate::date::Date;
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;
use crate::profile::{Profiles, RuleProfile};
use crate::record::{
    Amended, ApplicationKind, CancellationReason, Cancelled, Content, Issued, Notice,
    ObjectionResolved, Record, RefusalGround, Registrant, RegistrationType, Renewed,
    RevocationReason, content_commitment,
};

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
    /// Tag 5: a first registration is applied for and not yet in notice (R14–R16).
    Applied,
    /// Tag 6: the first registration was not accepted, refused, or its notice terminated (R16,
    /// R17). Final.
    Refused(RefusalGround),
    /// Tag 7: the first registration was withdrawn, or counts as withdrawn (R16, R18). Final.
    Withdrawn,
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
            Status::Applied => "applied",
            Status::Refused(_) => "refused",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// True once nothing can change the registration any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Terminated
                | Status::Cancelled(_)
                | Status::Revoked(_)
                | Status::Refused(_)
                | Status::Withdrawn
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
    /// Objections filed and not yet decided, by increasing index. Non-empty means suspended.
    pub open_objections: Vec<OpenObjection>,
}

/// An objection filed during a notice and not yet decided (R22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenObjection {
    /// Index of the `ObjectionFiled` record.
    pub index: u64,
    /// Last day to forward it to the registrant.
    pub forward_by: Date,
    /// When it was forwarded, and the registrant's last day to answer.
    pub forwarded: Option<Forwarded>,
    /// True once the registrant answered.
    pub answered: bool,
}

/// An objection forwarded to the registrant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarded {
    /// The day it was forwarded.
    pub on: Date,
    /// The registrant's last day to answer.
    pub answer_by: Date,
}

/// An application in progress (R14–R16, R19–R21, R23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingApplication {
    /// Index of the `ApplicationReceived` record.
    pub index: u64,
    /// What is applied for.
    pub kind: ApplicationKind,
    /// The day it was received.
    pub received_on: Date,
    /// Where it stands.
    pub stage: Stage,
    /// True once missing materials were requested: R16 allows one request.
    pub materials_requested: bool,
}

/// Where an application stands, with the deadline of the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Tag 0: received (or resubmitted); the acceptance decision is due by `due` (R16).
    Received {
        /// Last day of the acceptance decision.
        due: Date,
    },
    /// Tag 1: missing materials requested; the registrant supplies them by `due` (R16).
    AwaitingMaterials {
        /// The registrant's last day.
        due: Date,
        /// The day of acceptance when the request came during the review.
        accepted_on: Option<Date>,
    },
    /// Tag 2: accepted; the review (R16), or the cancellation (R21), is due by `due`.
    Accepted {
        /// The day of acceptance.
        on: Date,
        /// Last day of the review or the cancellation.
        due: Date,
    },
    /// Tag 3: reviewed; the registration may go to public notice.
    Reviewed {
        /// The day the review ended.
        on: Date,
    },
}

/// A deadline the agency must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Deadline {
    /// Tag 0: the acceptance decision (R16).
    Acceptance,
    /// Tag 1: the end of the review (R16).
    Review,
    /// Tag 2: forwarding an objection to the registrant (R22).
    ObjectionForward,
    /// Tag 3: completing a cancellation (R21).
    Cancellation,
}

impl Deadline {
    /// The article that sets it.
    pub fn article(self) -> &'static str {
        match self {
            Deadline::Acceptance | Deadline::Review => "R16",
            Deadline::ObjectionForward => "R22",
            Deadline::Cancellation => "R21",
        }
    }

    /// A short stable name.
    pub fn name(self) -> &'static str {
        match self {
            Deadline::Acceptance => "acceptance",
            Deadline::Review => "review",
            Deadline::ObjectionForward => "objection-forward",
            Deadline::Cancellation => "cancellation",
        }
    }
}

/// An act of the agency after its deadline: accepted, and recorded as late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateAct {
    /// Which deadline.
    pub deadline: Deadline,
    /// Its last day.
    pub due: Date,
    /// The day of the act.
    pub on: Date,
}

/// The current state of one certificate code: the value of the status map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateState {
    /// The code (一证一码).
    pub code: CertificateCode,
    /// Where the registration stands.
    pub status: Status,
    /// The registrant (public from the notice on, R22; `None` before the first notice).
    pub registrant: Option<Registrant>,
    /// The data's name (public from the notice on, R22; `None` before the first notice).
    pub data_name: Option<String>,
    /// [`content_commitment`] of the approved content (of the proposed content while in notice;
    /// zero before the first notice).
    pub content: Hash,
    /// End of the authorized operation period, where there is one (A17).
    pub operation_ends: Option<Date>,
    /// Validity, once issued.
    pub validity: Option<Validity>,
    /// 1 at issue, plus one for every approved change or correction; 0 before issue.
    pub version: u32,
    /// Index of the latest record about this code.
    pub latest_index: u64,
    /// A notice not yet decided (first registration, change or correction).
    pub notice: Option<PendingNotice>,
    /// An application not yet decided (at most one per code).
    pub application: Option<PendingApplication>,
    /// How many acts of the agency on this code came after their deadline.
    pub late_acts: u32,
}

impl CertificateState {
    /// True while an objection is open: the registration is suspended (R22).
    pub fn is_suspended(&self) -> bool {
        self.notice
            .as_ref()
            .is_some_and(|n| !n.open_objections.is_empty())
    }

    /// The status-map value hash of this state ([`crate::map::map_value_hash`] of its bytes).
    pub fn map_value_hash(&self, suite: crate::suite::Suite) -> Hash {
        crate::map::map_value_hash(suite, &self.encode())
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
            && !n
                .open_objections
                .windows(2)
                .all(|w| w[0].index < w[1].index)
        {
            return Err(DecodeError::invalid(
                "open_objections",
                "not strictly increasing",
            ));
        }
        Ok(())
    }
}

mod error;
pub use error::TransitionError;

/// What the rules need besides the state and the record: the calendars and the profile in force
/// on the record's date.
struct Rules<'a> {
    calendars: &'a Calendars,
    profile: &'a RuleProfile,
    today: Date,
    index: u64,
    /// The log's suite: its hash makes the content commitment.
    suite: crate::suite::Suite,
}

impl Rules<'_> {
    fn deadline(&self, working_days: u16) -> Result<Date, TransitionError> {
        Ok(self
            .profile
            .deadline(self.today, working_days, self.calendars)?)
    }
}

/// The outcome of one record: the next state, and whether the agency acted late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The certificate's next state.
    pub state: CertificateState,
    /// Set when the record is an act of the agency after its deadline.
    pub late: Option<LateAct>,
}

/// Applies one record about a certificate to its state.
///
/// `state` is the code's current state, `None` when the code is unused. The record's header gives
/// its index and time (its CST date is the day the agency acted); the profile in force on that
/// day sets every number.
///
/// # Errors
/// The [`TransitionError`] naming the rule that forbids the record; on error nothing changes.
pub fn transition(
    state: Option<&CertificateState>,
    record: &Record,
    calendars: &Calendars,
    profiles: &Profiles,
) -> Result<Outcome, TransitionError> {
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
    let profile = profiles.in_force(today)?;
    profile.check_applies(today)?;
    let rules = Rules {
        calendars,
        profile,
        today,
        index,
        suite: record.suite(),
    };
    let mut late = None;
    let mut next = match (&record.body, state) {
        (Body::ApplicationReceived(a), s) => receive(s, a, &rules)?,
        (Body::NoticePublished(n), Some(s)) => publish(s, n, &rules)?,
        (_, None) => return Err(TransitionError::UnknownCertificate(code.to_string())),
        (Body::ApplicationAccepted(a), Some(s)) => {
            accept(s, a.application_index, &rules, &mut late)?
        }
        (Body::ApplicationRefused(r), Some(s)) => {
            refuse(s, r.application_index, &r.ground, &rules, &mut late)?
        }
        (Body::MaterialsRequested(m), Some(s)) => {
            request_materials(s, m.application_index, &rules, &mut late)?
        }
        (Body::MaterialsSupplied(m), Some(s)) => supply_materials(s, m.application_index, &rules)?,
        (Body::ApplicationWithdrawn(w), Some(s)) => {
            withdraw(s, w.application_index, w.deemed, today)?
        }
        (Body::ReviewCompleted(a), Some(s)) => {
            complete_review(s, a.application_index, today, &mut late)?
        }
        (Body::ObjectionFiled(_), Some(s)) => file_objection(s, &rules)?,
        (Body::ObjectionForwarded(o), Some(s)) => {
            forward_objection(s, o.objection_index, &rules, &mut late)?
        }
        (Body::ObjectionAnswered(o), Some(s)) => answer_objection(s, o.objection_index, today)?,
        (Body::ObjectionResolved(r), Some(s)) => resolve_objection(s, r, today)?,
        (Body::NoticeTerminated(t), Some(s)) => terminate_notice(s, t.notice_index, &t.ground)?,
        (Body::Issued(i), Some(s)) => issue(s, i, &rules)?,
        (Body::Changed(a), Some(s)) => amend(s, a, RegistrationType::Change, &rules)?,
        (Body::Corrected(a), Some(s)) => amend(s, a, RegistrationType::Correction, &rules)?,
        (Body::Renewed(r), Some(s)) => renew(s, r, &rules, &mut late)?,
        (Body::Cancelled(c), Some(s)) => cancel(s, c, &rules, &mut late)?,
        (Body::Revoked(r), Some(s)) => {
            let mut next = active(s)?.clone();
            next.status = Status::Revoked(r.reason.clone());
            next.notice = None;
            next.application = None;
            next
        }
        (other, Some(_)) => return Err(TransitionError::NotACertificateRecord(other.kind_name())),
    };
    next.latest_index = index;
    if late.is_some() {
        next.late_acts = next.late_acts.saturating_add(1);
    }
    Ok(Outcome { state: next, late })
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

/// Notes an act of the agency on `today` against its deadline `due`.
fn note_late(late: &mut Option<LateAct>, deadline: Deadline, due: Date, today: Date) {
    if today > due {
        *late = Some(LateAct {
            deadline,
            due,
            on: today,
        });
    }
}

fn checked_notice(n: &Notice, rules: &Rules<'_>) -> Result<PendingNotice, TransitionError> {
    let today = rules.today;
    let profile = rules.profile;
    let expected = profile.notice_end(today, rules.calendars)?;
    if n.ends_on != expected {
        return Err(TransitionError::NoticeEnd {
            expected,
            stated: n.ends_on,
            days: profile.notice_working_days,
            count: profile.notice_count.name(),
        });
    }
    if let Some(end) = n.content.operation_ends {
        if end < today {
            return Err(TransitionError::OperationEnded(end));
        }
        let max = today.period_end_years(profile.operation_max_years)?;
        if end > max {
            return Err(TransitionError::OperationTooLong { max, stated: end });
        }
    }
    Ok(PendingNotice {
        notice_index: rules.index,
        registration_type: n.registration_type,
        starts_on: today,
        ends_on: n.ends_on,
        content: n.content.clone(),
        open_objections: Vec::new(),
    })
}

fn publish(
    s: &CertificateState,
    n: &Notice,
    rules: &Rules<'_>,
) -> Result<CertificateState, TransitionError> {
    let mut next = s.clone();
    match (n.registration_type, &s.status) {
        (RegistrationType::First, Status::Applied) => {
            reviewed_application(s, RegistrationType::First)?;
            next.status = Status::InNotice;
            next.registrant = Some(n.content.registrant.clone());
            next.data_name = Some(n.content.data_name.clone());
            next.content = content_commitment(rules.suite, &n.content);
            next.operation_ends = n.content.operation_ends;
        }
        (RegistrationType::First, _) => return Err(TransitionError::CodeInUse(n.code.to_string())),
        (kind, _) => {
            active(s)?;
            if let Some(p) = &s.notice {
                return Err(TransitionError::NoticePending(p.registration_type));
            }
            not_expired(s, rules.today)?;
            reviewed_application(s, kind)?;
        }
    }
    next.application = None;
    next.notice = Some(checked_notice(n, rules)?);
    Ok(next)
}

fn pending(s: &CertificateState) -> Result<&PendingNotice, TransitionError> {
    s.notice
        .as_ref()
        .ok_or(TransitionError::NoPendingNotice(RegistrationType::First))
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

/// The operation period that caps a certificate's validity: a product's (R23).
fn validity_cap(kind: ObjectKind, operation_ends: Option<Date>) -> Option<Date> {
    match kind {
        ObjectKind::ProductOrService => operation_ends,
        ObjectKind::DataResource => None,
    }
}

fn issue(
    s: &CertificateState,
    i: &Issued,
    rules: &Rules<'_>,
) -> Result<CertificateState, TransitionError> {
    let today = rules.today;
    match s.status {
        Status::InNotice => {}
        Status::Applied => return Err(TransitionError::NoPendingNotice(RegistrationType::First)),
        _ => return Err(TransitionError::CodeInUse(s.code.to_string())),
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
    let expected = rules.profile.valid_until(
        today,
        validity_cap(s.object_kind(), p.content.operation_ends),
    )?;
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
    rules: &Rules<'_>,
) -> Result<CertificateState, TransitionError> {
    let today = rules.today;
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
    let expected = validity_cap(s.object_kind(), p.content.operation_ends)
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
    next.registrant = Some(p.content.registrant.clone());
    next.data_name = Some(p.content.data_name.clone());
    next.content = content_commitment(rules.suite, &p.content);
    next.operation_ends = p.content.operation_ends;
    next.validity = Some(Validity {
        from: validity.from,
        until: expected,
    });
    next.version = s.version.saturating_add(1);
    next.notice = None;
    Ok(next)
}

/// The accepted application of `kind` named by `index`, with the due day of its decision.
fn accepted_application<'s>(
    s: &'s CertificateState,
    index: u64,
    kind: &ApplicationKind,
) -> Result<(&'s PendingApplication, Date), TransitionError> {
    let p = application(s, index)?;
    if &p.kind != kind {
        return Err(TransitionError::NoApplication(format!(
            "the pending application (record {}) is for {:?}, not {:?}",
            p.index, p.kind, kind
        )));
    }
    match p.stage {
        Stage::Accepted { due, .. } => Ok((p, due)),
        _ => Err(wrong_stage(p, "accepted")),
    }
}

fn renew(
    s: &CertificateState,
    r: &Renewed,
    rules: &Rules<'_>,
    late: &mut Option<LateAct>,
) -> Result<CertificateState, TransitionError> {
    active(s)?;
    let validity = s
        .validity
        .ok_or(TransitionError::NotActive(s.status.name()))?;
    // The application was recorded inside the window (checked when it was received) and
    // accepted; the decision comes while the certificate is not cancelled (`active`).
    if s.application.is_none() {
        return Err(TransitionError::NoRenewalApplication);
    }
    let (_, due) = accepted_application(s, r.application_index, &ApplicationKind::Renewal)?;
    note_late(late, Deadline::Review, due, rules.today);
    let max = validity
        .until
        .period_end_years(rules.profile.renewal_max_years)?;
    let operation_ends = r.operation_ends.or(s.operation_ends);
    if let Some(end) = r.operation_ends {
        if end < rules.today {
            return Err(TransitionError::OperationEnded(end));
        }
        let cap = rules
            .today
            .period_end_years(rules.profile.operation_max_years)?;
        if end > cap {
            return Err(TransitionError::OperationTooLong {
                max: cap,
                stated: end,
            });
        }
    }
    match validity_cap(s.object_kind(), operation_ends) {
        Some(end) => {
            // A17/R23: the renewal of a product matches the authorization period.
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
        }
        None if r.valid_until > max => {
            return Err(TransitionError::RenewalTooLong {
                max,
                stated: r.valid_until,
            });
        }
        None if r.valid_until <= validity.until => {
            return Err(TransitionError::RenewalTooShort(validity.until));
        }
        None => {}
    }
    let mut next = s.clone();
    next.validity = Some(Validity {
        from: validity.from,
        until: r.valid_until,
    });
    next.operation_ends = operation_ends;
    next.application = None;
    Ok(next)
}

/// Checks that the agency may cancel `s` for lapse on `today` (R23): it is active, the renewal
/// deadline (its last valid day, moved past a holiday) has passed, and no renewal applied for in
/// time awaits a decision. The node's lapse task asks this before it appends the cancellation,
/// and the engine applies it to the record.
///
/// # Errors
/// [`TransitionError::NotActive`], [`TransitionError::NotLapsed`],
/// [`TransitionError::RenewalPending`], or a missing calendar or profile.
pub fn lapse_check(
    s: &CertificateState,
    calendars: &Calendars,
    profiles: &Profiles,
    today: Date,
) -> Result<(), TransitionError> {
    let profile = profiles.in_force(today)?;
    profile.check_applies(today)?;
    lapsed(s, profile, calendars, today)
}

fn lapsed(
    s: &CertificateState,
    profile: &RuleProfile,
    calendars: &Calendars,
    today: Date,
) -> Result<(), TransitionError> {
    active(s)?;
    let validity = s
        .validity
        .ok_or(TransitionError::NotActive(s.status.name()))?;
    let (_, closes) = profile.renewal_window(validity.until, calendars)?;
    if today <= closes {
        return Err(TransitionError::NotLapsed(closes));
    }
    if let Some(p) = &s.application
        && p.kind == ApplicationKind::Renewal
    {
        return Err(TransitionError::RenewalPending(p.index));
    }
    Ok(())
}

fn cancel(
    s: &CertificateState,
    c: &Cancelled,
    rules: &Rules<'_>,
    late: &mut Option<LateAct>,
) -> Result<CertificateState, TransitionError> {
    active(s)?;
    match (&c.reason, c.application_index) {
        (CancellationReason::Lapsed, _) => lapsed(s, rules.profile, rules.calendars, rules.today)?,
        (reason, Some(index)) => {
            let kind = ApplicationKind::Cancellation(reason.clone());
            let (_, due) = accepted_application(s, index, &kind)?;
            note_late(late, Deadline::Cancellation, due, rules.today);
        }
        (_, None) => {
            return Err(TransitionError::NoApplication(
                "R21: a cancellation other than for lapse needs an accepted application".into(),
            ));
        }
    }
    let mut next = s.clone();
    next.status = Status::Cancelled(c.reason.clone());
    next.notice = None;
    next.application = None;
    Ok(next)
}

mod objections;
mod procedure;

use objections::{
    answer_objection, file_objection, forward_objection, resolve_objection, terminate_notice,
};
use procedure::{
    accept, application, complete_review, receive, refuse, request_materials, reviewed_application,
    supply_materials, withdraw, wrong_stage,
};

#[cfg(test)]
mod tests;
