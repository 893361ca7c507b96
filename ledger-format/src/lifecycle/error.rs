//! The rule a refused record breaks.

use crate::calendar::CalendarError;
use crate::date::Date;
use crate::encoding::DecodeError;
use crate::profile::ProfileError;
use crate::record::RegistrationType;

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
    /// R18: the applicant withdraws before the notice is published; the notice consumed the
    /// application.
    #[error(
        "R18: an application is withdrawn only before its notice; notice {notice_index} is published"
    )]
    WithdrawalAfterNotice {
        /// Index of the published notice.
        notice_index: u64,
    },
    /// R23: one renewal application renews once.
    #[error("R23: a renewal needs its own accepted application; none is pending")]
    NoRenewalApplication,
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
    #[error(
        "R16: the materials are due by {due}; the application is not withdrawn before {due} has passed"
    )]
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
    #[error(
        "R22: the registrant may answer objection {index} until {due}; decide after its answer or after {due}"
    )]
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
