//! The lifecycle rules of a certificate, as pure transitions (docs/format.md#lifecycle).
//!
//! [`transition`] takes the certificate's current state (or `None` for an unused code), one record
//! about it, the agency's working-day calendars and its rule profiles, and returns the next state
//! or the rule that forbids the record. It is total and pure: the node's sequencer, `audit` and
//! every mirror run the same function, so they agree on every state. Article numbers refer to
//! DOMAIN.md; every number comes from the [`RuleProfile`] in force on the record's date.
//!
//! Deadlines are of two kinds. Those the registrant must meet (missing materials, the answer to an
//! objection, the renewal window) are hard: a late act is refused. Those the agency must meet
//! (acceptance, review, forwarding an objection, completing a cancellation) bind the agency, and
//! refusing its late act would leave the registrant stuck: the act is accepted and recorded as
//! late ([`LateAct`]), with the article it breaks.

use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, Calendars};
use crate::code::{CertificateCode, ObjectKind};
use crate::date::Date;
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;
use crate::profile::{ProfileError, Profiles, RuleProfile};
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
    /// A new code carries the year its first application was received.
    #[error("code year {code_year} differs from the year of the application, {year}")]
    CodeYear {
        /// Year in the code.
        code_year: u16,
        /// Year of receipt.
        year: u16,
    },
    /// No rule profile applies on the record's day.
    #[error("profile: {0}")]
    Profile(ProfileError),
    /// R22: the notice lasts the profile's working days, counted by its convention.
    #[error("R22: notice must end on {expected} ({days} working days, {count}), not {stated}")]
    NoticeEnd {
        /// The computed last day.
        expected: Date,
        /// The stated one.
        stated: Date,
        /// The profile's length.
        days: u16,
        /// The profile's counting convention.
        count: &'static str,
    },
    /// The calendar needed to count working days is missing.
    #[error("calendar: {0}")]
    Calendar(#[from] CalendarError),
    /// Only one notice may be pending for a code.
    #[error("a {0:?} notice is already pending")]
    NoticePending(RegistrationType),
    /// Only one application may be pending for a code.
    #[error("a {0} application (record {1}) is already pending")]
    ApplicationPending(&'static str, u64),
    /// The record needs a pending application (of this kind, at this stage).
    #[error("{0}")]
    NoApplication(String),
    /// The record names another application than the pending one.
    #[error("the pending application is record {pending}, not {stated}")]
    ApplicationIndex {
        /// Index of the pending application.
        pending: u64,
        /// Index stated in the record.
        stated: u64,
    },
    /// R16: missing materials are requested once.
    #[error("R16: missing materials were already requested once for this application")]
    MaterialsRequestedTwice,
    /// R16: the registrant supplies missing materials within the profile's working days.
    #[error("R16: missing materials were due by {due}; the application counts as withdrawn")]
    MaterialsLate {
        /// The last day.
        due: Date,
    },
    /// R16: an application counts as withdrawn only once the materials are overdue.
    #[error("R16: the materials are due by {due}; the application is not withdrawn before {due} has passed")]
    NotYetWithdrawn {
        /// The last day.
        due: Date,
    },
    /// The decision needs a pending notice of its type.
    #[error("no pending {0:?} notice")]
    NoPendingNotice(RegistrationType),
    /// A decision must name the pending notice.
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
    /// R22: an objection is forwarded once, and answered once after it was forwarded.
    #[error("R22: objection {index} {reason}")]
    ObjectionStep {
        /// The objection.
        index: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// R22: the registrant answers within the profile's working days of the forwarding.
    #[error("R22: the answer to objection {index} was due by {due}")]
    AnswerLate {
        /// The objection.
        index: u64,
        /// The last day.
        due: Date,
    },
    /// R22: the agency decides after the registrant answered, or after its time to answer passed.
    #[error("R22: the registrant may answer objection {index} until {due}; decide after its answer or after {due}")]
    AnswerPending {
        /// The objection.
        index: u64,
        /// The registrant's last day.
        due: Date,
    },
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
    /// R23: validity is the profile's years, or the shorter operation period, or as the
    /// amendment allows.
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
    /// A17: an authorized operation period is at most the profile's years.
    #[error("A17: the operation period may run until {max} at most, not {stated}")]
    OperationTooLong {
        /// The latest allowed end.
        max: Date,
        /// The stated end.
        stated: Date,
    },
    /// The certificate is past its last valid day.
    #[error("the certificate expired on {0}")]
    Expired(Date),
    /// R23: renewal is applied for within the window before expiry.
    #[error("R23: renewal must be applied for between {opens} and {closes}, not on {applied_on}")]
    RenewalWindow {
        /// First day of the window.
        opens: Date,
        /// Last day (Civil Code Art. 203 moves it past a holiday).
        closes: Date,
        /// The day the application was recorded.
        applied_on: Date,
    },
    /// R23: one renewal adds at most the profile's years.
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
    /// R23: the agency cancels a certificate for lapse only after the renewal deadline passed.
    #[error("R23: not lapsed before the renewal deadline {0} has passed")]
    NotLapsed(Date),
    /// R23: a renewal applied for in time is decided before the certificate lapses.
    #[error("R23: the renewal application (record {0}) must be decided first")]
    RenewalPending(u64),
    /// The record needs an issued certificate.
    #[error("the registration is {0}, not active")]
    NotActive(&'static str),
    /// Cancellation, revocation, refusal, withdrawal and an upheld objection are final.
    #[error("the registration is {0}, which is final")]
    Final(&'static str),
    /// A date computation left the supported range, or the record's time is out of range.
    #[error("date out of range: {0}")]
    Date(String),
}

impl From<ProfileError> for TransitionError {
    /// A missing calendar is [`TransitionError::Calendar`] whichever computation needed it (the
    /// profile's deadlines count working days too).
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::Calendar(e) => TransitionError::Calendar(e),
            other => TransitionError::Profile(other),
        }
    }
}

impl From<DecodeError> for TransitionError {
    fn from(e: DecodeError) -> Self {
        TransitionError::Date(e.to_string())
    }
}

/// What the rules need besides the state and the record: the calendars and the profile in force
/// on the record's date.
struct Rules<'a> {
    calendars: &'a Calendars,
    profile: &'a RuleProfile,
    today: Date,
    index: u64,
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

/// Applies one record about a certificate to its state: [`transition_outcome`] without the
/// lateness report.
///
/// # Errors
/// As [`transition_outcome`].
pub fn transition(
    state: Option<&CertificateState>,
    record: &Record,
    calendars: &Calendars,
    profiles: &Profiles,
) -> Result<CertificateState, TransitionError> {
    transition_outcome(state, record, calendars, profiles).map(|o| o.state)
}

/// Applies one record about a certificate to its state.
///
/// `state` is the code's current state, `None` when the code is unused. The record's header gives
/// its index and time (its CST date is the day the agency acted); the profile in force on that
/// day sets every number.
///
/// # Errors
/// The [`TransitionError`] naming the rule that forbids the record; on error nothing changes.
pub fn transition_outcome(
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
    };
    let mut late = None;
    let mut next = match (&record.body, state) {
        (Body::ApplicationReceived(a), s) => receive(s, a, &rules)?,
        (Body::NoticePublished(n), Some(s)) => publish(s, n, &rules)?,
        (_, None) => return Err(TransitionError::UnknownCertificate(code.to_string())),
        (Body::ApplicationAccepted(a), Some(s)) => accept(s, a.application_index, &rules, &mut late)?,
        (Body::ApplicationRefused(r), Some(s)) => {
            refuse(s, r.application_index, &r.ground, &rules, &mut late)?
        }
        (Body::MaterialsRequested(m), Some(s)) => {
            request_materials(s, m.application_index, &rules, &mut late)?
        }
        (Body::MaterialsSupplied(m), Some(s)) => supply_materials(s, m.application_index, &rules)?,
        (Body::ApplicationWithdrawn(w), Some(s)) => withdraw(s, w.application_index, w.deemed, today)?,
        (Body::ReviewCompleted(a), Some(s)) => complete_review(s, a.application_index, today, &mut late)?,
        (Body::ObjectionFiled(_), Some(s)) => file_objection(s, &rules)?,
        (Body::ObjectionForwarded(o), Some(s)) => {
            forward_objection(s, o.objection_index, &rules, &mut late)?
        }
        (Body::ObjectionAnswered(o), Some(s)) => answer_objection(s, o.objection_index, today)?,
        (Body::ObjectionResolved(r), Some(s)) => resolve_objection(s, r, today)?,
        (Body::NoticeTerminated(t), Some(s)) => terminate_notice(s, t.notice_index, &t.ground)?,
        (Body::Issued(i), Some(s)) => issue(s, i, &rules)?,
        (Body::Changed(a), Some(s)) => amend(s, a, RegistrationType::Change, today)?,
        (Body::Corrected(a), Some(s)) => amend(s, a, RegistrationType::Correction, today)?,
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

fn receive(
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
                    let (opens, closes) =
                        rules.profile.renewal_window(validity.until, rules.calendars)?;
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
fn application(s: &CertificateState, index: u64) -> Result<&PendingApplication, TransitionError> {
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

fn wrong_stage(p: &PendingApplication, wanted: &str) -> TransitionError {
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

fn with_stage(s: &CertificateState, stage: Stage) -> CertificateState {
    let mut next = s.clone();
    if let Some(p) = next.application.as_mut() {
        p.stage = stage;
    }
    next
}

/// The working days of the stage after acceptance: the review (R16), or the completion of a
/// cancellation (R21).
fn after_acceptance(kind: &ApplicationKind, profile: &RuleProfile) -> (u16, Deadline) {
    match kind {
        ApplicationKind::Cancellation(_) => {
            (profile.cancellation_working_days, Deadline::Cancellation)
        }
        _ => (profile.review_working_days, Deadline::Review),
    }
}

fn accept(
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

fn refuse(
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

fn request_materials(
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

fn supply_materials(
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

fn withdraw(
    s: &CertificateState,
    index: u64,
    deemed: bool,
    today: Date,
) -> Result<CertificateState, TransitionError> {
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

fn complete_review(
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
fn reviewed_application(
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
            next.content = content_commitment(&n.content);
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

fn file_objection(s: &CertificateState, rules: &Rules<'_>) -> Result<CertificateState, TransitionError> {
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
fn with_objection(
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

fn forward_objection(
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

fn answer_objection(
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

fn resolve_objection(
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

fn terminate_notice(
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

#[cfg(test)]
mod tests;
