//! Records: what a log holds, one per leaf (docs/format.md#records).
//!
//! A [`Record`] is a format version, a [`Header`] (log origin, index, previous record's hash, time,
//! author key), a [`Body`] (one of the kinds below) and the author's Ed25519 signature. Its canonical
//! bytes are the leaf input of the log's RFC 6962 tree, and the RFC 6962 leaf hash of those bytes is
//! the record's hash, which the next record names as its `prev_hash`.
//!
//! Two signing rules:
//! - **Evidence** records are signed by the evidence service that submitted the hash, over
//!   [`evidence_message`] (`origin`, `hash`), which it can sign before the agency sequences it, as a
//!   Sigsum leaf is signed. The header of an evidence record is authenticated by the agency's
//!   checkpoint signature over the Merkle root, which covers the whole record.
//! - **Every other record** is signed by the agency over [`Record::signed_message`]: the domain
//!   string, then the canonical bytes of version, header and body.

use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::code::{CertificateCode, CreditCode, ObjectKind};
use crate::date::Date;
use crate::encoding::{Canonical, DecodeError, to_bcs};
use crate::hash::{Hash, domain};
use crate::keys::{DecodeKeysAs, PublicKey, SignError, Signature, SignatureError, Signer};
use crate::suite::Suite;

/// The record format version of `ed25519-sha256` logs: version, header, body, signature.
pub const FORMAT_VERSION: u8 = 2;
/// The record format version of logs of any other suite: version, **suite**, header, body,
/// signature (docs/format.md#records). An `ed25519-sha256` record is always version 2, so that
/// every record has one encoding.
pub const FORMAT_VERSION_SUITED: u8 = 3;

/// The format version of the records of a log of `suite`.
pub fn format_version(suite: Suite) -> u8 {
    match suite {
        Suite::Ed25519Sha256 => FORMAT_VERSION,
        Suite::Sm2Sm3 => FORMAT_VERSION_SUITED,
    }
}
/// Largest encoded record accepted (64 KiB): far above any real record, small enough to bound work.
pub const MAX_RECORD_LEN: usize = 64 * 1024;
/// Longest log origin in bytes.
pub const MAX_ORIGIN_LEN: usize = 128;
/// Longest short text (names, titles) in bytes.
pub const MAX_NAME_LEN: usize = 512;
/// Longest long text (summaries, stated grounds) in bytes.
pub const MAX_TEXT_LEN: usize = 4096;
/// Most field commitments one registration carries.
pub const MAX_FIELDS: usize = 32;
/// Most joint applicants besides the registrant (R15).
pub const MAX_CO_APPLICANTS: usize = 16;

/// One entry of a log.
///
/// Its suite is its author key's ([`Record::suite`]): every key a record names, and the hash that
/// makes its leaf, are of that suite. In canonical form a version-3 record writes the suite's code
/// after the version, so that a decoder knows the length of the keys before it reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// [`FORMAT_VERSION`] for an `ed25519-sha256` record, [`FORMAT_VERSION_SUITED`] otherwise
    /// ([`format_version`]).
    pub version: u8,
    /// Where the record sits and who wrote it.
    pub header: Header,
    /// What the record says.
    pub body: Body,
    /// The author's signature (see the module documentation for what it covers).
    pub signature: Signature,
}

/// Where a record sits in its log and who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The log's origin line (as in its checkpoints), e.g. `ledger.yuxi.example/2026`.
    pub origin: String,
    /// Position in the log, from 0.
    pub index: u64,
    /// Hash of the record at `index - 1` ([`Record::hash`]); [`Hash::ZERO`] for index 0.
    pub prev_hash: Hash,
    /// When the agency sequenced the record, Unix seconds (UTC).
    pub time: i64,
    /// The signing key: the agency's log key, or the evidence service's key for evidence.
    pub author: PublicKey,
    /// The officer who acted for the agency: [`officer_commitment`] of the officer's identifier
    /// (A31, ZW27, ZQ25: every act names who did it). `None` for evidence, which no officer signs.
    pub officer: Option<Hash>,
}

/// The kinds of record. The variant index is the record's type tag on the wire: variants are only
/// ever appended, never reordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// Tag 0: a third-party evidence service anchors a SHA-256 hash (R6, R11).
    Evidence(Evidence),
    /// Tag 1: the agency registers an evidence service's key.
    SubmitterAdded(SubmitterAdded),
    /// Tag 2: the agency withdraws an evidence service's key.
    SubmitterRemoved(SubmitterRemoved),
    /// Tag 3: the agency hands its log to a new key (the record is signed by the old key).
    KeyRotation(KeyRotation),
    /// Tag 4: the agency's working-day calendar for one year.
    Calendar(WorkCalendar),
    /// Tag 5: a registration is published for public notice (R22).
    NoticePublished(Notice),
    /// Tag 6: a real-name objection is filed during the notice (R22).
    ObjectionFiled(ObjectionFiled),
    /// Tag 7: the agency decides an objection (R22).
    ObjectionResolved(ObjectionResolved),
    /// Tag 8: first registration approved; the certificate is issued (R22, R23).
    Issued(Issued),
    /// Tag 9: change registration approved (R19).
    Changed(Amended),
    /// Tag 10: correction registration approved (R20).
    Corrected(Amended),
    /// Tag 11: the certificate's validity is extended (R23).
    Renewed(Renewed),
    /// Tag 12: the certificate is cancelled, on application (R21) or for lapse (R23).
    Cancelled(Cancelled),
    /// Tag 13: the agency revokes the certificate (R27).
    Revoked(Revoked),
    /// Tag 14: the agency adopts a rule profile, in force from a date (docs/format.md#profiles).
    ProfileAdopted(crate::profile::ProfileAdopted),
    /// Tag 15: an application is received (R14–R16, R19–R21, R23): it starts the procedure.
    ApplicationReceived(ApplicationReceived),
    /// Tag 16: the application is accepted (R16 受理).
    ApplicationAccepted(ApplicationAct),
    /// Tag 17: the application is not accepted, or refused after review, with the ground (R16, R17).
    ApplicationRefused(ApplicationRefused),
    /// Tag 18: missing materials are requested, once (R16 一次性告知).
    MaterialsRequested(MaterialsRequested),
    /// Tag 19: the registrant supplies the missing materials (R16).
    MaterialsSupplied(MaterialsSupplied),
    /// Tag 20: the application is withdrawn (R18), or counts as withdrawn (R16).
    ApplicationWithdrawn(ApplicationWithdrawn),
    /// Tag 21: the review is complete: the registration may go to public notice (R16, R22).
    ReviewCompleted(ApplicationAct),
    /// Tag 22: an objection is forwarded to the registrant (R22).
    ObjectionForwarded(ObjectionAct),
    /// Tag 23: the registrant answers an objection (R22).
    ObjectionAnswered(ObjectionAnswered),
    /// Tag 24: a notice ends without approval: a refusal ground came to light (R17, R27), or a
    /// change or correction is rejected.
    NoticeTerminated(NoticeTerminated),
}

/// A hash anchored by an evidence service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// SHA-256 of the evidence (a data snapshot, a document); the ledger never sees the data.
    pub hash: Hash,
}

/// An evidence service allowed to submit to this log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitterAdded {
    /// The service's Ed25519 key.
    pub key: PublicKey,
    /// The service's name.
    pub name: String,
    /// The service's unified social credit code.
    pub credit_code: CreditCode,
}

/// An evidence service no longer allowed to submit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitterRemoved {
    /// The service's key.
    pub key: PublicKey,
}

/// The agency's new log key, effective from the next record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    /// The key that signs every later agency record and checkpoint.
    pub new_key: PublicKey,
}

/// The kind of registration a notice is for (R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationType {
    /// 首次登记, R18.
    First,
    /// 变更登记, R19.
    Change,
    /// 更正登记, R20.
    Correction,
}

/// How a registrant is identified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistrantId {
    /// Tag 0: an organisation, by its unified social credit code (public, R12 item 2).
    Organisation(CreditCode),
    /// Tag 1: an individual, by [`identity_commitment`] of the identity document: never in clear.
    Individual(Hash),
}

/// The part a registrant plays (R3, R5, A-measures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrantRole {
    /// Tag 0: holds or manages the public data directly (数据持有/管理单位, R3).
    DataHolder,
    /// Tag 1: the implementing agency of an authorized operation (实施机构).
    ImplementingAgency,
    /// Tag 2: the authorized operator (运营机构), registering what it operates or produces.
    Operator,
    /// Tag 3: a data merchant (数据商) registering products made from operated data.
    DataMerchant,
}

/// A registrant: who holds or operates the data (R12 item 2), or a joint applicant (R15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registrant {
    /// Registered name (public in the notice, R22).
    pub name: String,
    /// Credit code, or a commitment to an individual's identity.
    pub id: RegistrantId,
    /// The part it plays.
    pub role: RegistrantRole,
}

impl Registrant {
    /// The credit code, for an organisation.
    pub fn credit_code(&self) -> Option<&CreditCode> {
        match &self.id {
            RegistrantId::Organisation(code) => Some(code),
            RegistrantId::Individual(_) => None,
        }
    }
}

/// A registration field that is not public: carried only as a salted commitment (R12, R24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FieldId {
    /// R12 (1): the data's subject and purpose in detail.
    SubjectAndPurpose,
    /// R12 (3): industry (GB/T 4754-2017 codes).
    Industry,
    /// R12 (4): application scenarios.
    ApplicationScenarios,
    /// R12 (5): data source and proof of lawful acquisition.
    SourceAndLawfulness,
    /// R12 (6): structure type and scale (field names, formats, record counts).
    StructureAndScale,
    /// R12 (7): geographic coverage (GB/T 2260 division codes).
    GeographicCoverage,
    /// R12 (8): co-owners sharing rights and responsibilities.
    CoOwners,
    /// R12 (9): update frequency.
    UpdateFrequency,
    /// Evidence preserved by third-party services (R11): receipts of anchored hashes.
    EvidenceReceipts,
    /// The authorized-operation agreement (A17) for products and services.
    OperationAuthorization,
}

/// A salted commitment to one non-public field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCommitment {
    /// Which field.
    pub field: FieldId,
    /// [`field_commitment`] of the field's value and salt.
    pub commitment: Hash,
}

/// What a registration says: the public-notice fields in clear (R22), everything else committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    /// Data resource, or product or service.
    pub object_kind: ObjectKind,
    /// Who registers.
    pub registrant: Registrant,
    /// Joint applicants who share the rights and duties (R15), in the order the application
    /// names them; public like the registrant.
    pub co_applicants: Vec<Registrant>,
    /// Name of the data resource, product or service.
    pub data_name: String,
    /// Content summary shown in the notice.
    pub summary: String,
    /// End of the authorized operation period (A17), for a product or service (where a shorter
    /// period caps the validity, R23) or a data resource under authorized operation (R5).
    pub operation_ends: Option<Date>,
    /// Commitments to the non-public fields, strictly increasing by field.
    pub fields: Vec<FieldCommitment>,
}

/// A registration published for public notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The certificate code: reserved by a first registration, or the certificate being changed.
    pub code: CertificateCode,
    /// First registration, change or correction.
    pub registration_type: RegistrationType,
    /// The registration's content as it would be approved.
    pub content: Content,
    /// The last day of the notice: the 10th working day counted from the day of the notice (R22).
    pub ends_on: Date,
}

/// A real-name objection to a notice. The objector's identity is private: a salted commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionFiled {
    /// The certificate code under notice.
    pub code: CertificateCode,
    /// Commitment to the objector's identity and grounds.
    pub objector: Hash,
}

/// The agency's decision on one objection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionResolved {
    /// The certificate code under notice.
    pub code: CertificateCode,
    /// Index of the [`ObjectionFiled`] record decided.
    pub objection_index: u64,
    /// True when the objection is upheld: the registration ends (R22).
    pub upheld: bool,
}

/// First registration approved: the certificate exists from here on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    /// The code reserved by the notice.
    pub code: CertificateCode,
    /// First day of validity: the day of issue (CST date of the record's time).
    pub valid_from: Date,
    /// Last day of validity, inclusive (R23; see `lifecycle` for the rule).
    pub valid_until: Date,
}

/// A change or correction approved: the content of the ended notice replaces the certificate's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amended {
    /// The certificate.
    pub code: CertificateCode,
    /// Index of the notice record whose content is approved.
    pub notice_index: u64,
    /// The certificate's last day of validity after the amendment (a change of the operation period
    /// may shorten it; otherwise unchanged).
    pub valid_until: Date,
}

/// Validity extended (R23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewed {
    /// The certificate.
    pub code: CertificateCode,
    /// Index of the renewal's `ApplicationReceived` record, recorded inside the renewal window
    /// and accepted.
    pub application_index: u64,
    /// The new last day of validity: at most the profile's maximum after the old one.
    pub valid_until: Date,
    /// The authorized operation period's new end, for products and services, if it changed.
    pub operation_ends: Option<Date>,
}

/// Why a certificate is cancelled (R21, R23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancellationReason {
    /// R21 (1): the data is irrecoverable or lost.
    DataLost,
    /// R21 (2): the registrant gives up its rights, or their term ended.
    RightsEnded,
    /// R21 (3): the registrant is dissolved, deregistered, bankrupt or otherwise ceased to exist.
    RegistrantTerminated,
    /// R21 (4): another legal ground, stated.
    OtherLegalGround(String),
    /// R23: not renewed by its expiry; cancelled by the agency and announced.
    Lapsed,
}

/// A certificate cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancelled {
    /// The certificate.
    pub code: CertificateCode,
    /// Why.
    pub reason: CancellationReason,
    /// The accepted cancellation application (R21); `None` for a lapse, which the agency acts on
    /// by itself (R23).
    pub application_index: Option<u64>,
}

/// Why a certificate is revoked (R27).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RevocationReason {
    /// Facts concealed or false materials supplied.
    FalseMaterials,
    /// The certificate was tampered with or forged.
    TamperedOrForged,
    /// The certificate was used illegally.
    IllegalUse,
    /// Another legal ground, stated.
    OtherLegalGround(String),
}

/// A certificate revoked by the agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    /// The certificate.
    pub code: CertificateCode,
    /// Why.
    pub reason: RevocationReason,
}

/// What an application asks for (R14, R21, R23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationKind {
    /// Tag 0: first registration (R18); reserves the code.
    First,
    /// Tag 1: change registration (R19).
    Change,
    /// Tag 2: correction registration (R20).
    Correction,
    /// Tag 3: cancellation on application, with its ground (R21; never `Lapsed`).
    Cancellation(CancellationReason),
    /// Tag 4: renewal (R23), inside the window before expiry.
    Renewal,
}

impl ApplicationKind {
    /// A short stable name.
    pub fn name(&self) -> &'static str {
        match self {
            ApplicationKind::First => "first",
            ApplicationKind::Change => "change",
            ApplicationKind::Correction => "correction",
            ApplicationKind::Cancellation(_) => "cancellation",
            ApplicationKind::Renewal => "renewal",
        }
    }

    /// The registration type of the notice this application leads to, if it leads to one.
    pub fn notice_type(&self) -> Option<RegistrationType> {
        match self {
            ApplicationKind::First => Some(RegistrationType::First),
            ApplicationKind::Change => Some(RegistrationType::Change),
            ApplicationKind::Correction => Some(RegistrationType::Correction),
            ApplicationKind::Cancellation(_) | ApplicationKind::Renewal => None,
        }
    }
}

/// An application received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationReceived {
    /// The code: a new one for a first registration (its year is the year of receipt), else the
    /// certificate concerned.
    pub code: CertificateCode,
    /// What is applied for.
    pub kind: ApplicationKind,
    /// Commitment to the application materials (not public, R24).
    pub materials: Hash,
}

/// An act on the pending application (acceptance, end of review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationAct {
    /// The code.
    pub code: CertificateCode,
    /// Index of the pending application's `ApplicationReceived` record.
    pub application_index: u64,
}

/// Why an application or a notice is refused (R16, R17, R27).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefusalGround {
    /// Tag 0: R16: the materials are incomplete or not as required (不予受理).
    IncompleteMaterials,
    /// Tag 1: R13: the data or the rights do not meet the conditions for registration.
    ConditionsNotMet,
    /// Tag 2: R17 (1): national core data, state secrets, trade secrets or personal privacy.
    ProtectedData,
    /// Tag 3: R17 (2): content against public order and good morals.
    PublicOrder,
    /// Tag 4: R17 (3): unlawfully acquired, or the data source's authorisation is missing.
    UnlawfulSource,
    /// Tag 5: R17 (4): other interested parties disagree.
    InterestedPartiesDisagree,
    /// Tag 6: R17 (5): an unresolved dispute over the rights.
    OwnershipDispute,
    /// Tag 7: R27: facts concealed or false materials supplied.
    FalseMaterials,
    /// Tag 8: another legal ground, stated.
    OtherLegalGround(String),
}

/// An application not accepted, or refused after review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRefused {
    /// The code.
    pub code: CertificateCode,
    /// The pending application.
    pub application_index: u64,
    /// Why (given to the applicant with reasons, R16).
    pub ground: RefusalGround,
}

/// Missing materials requested (once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialsRequested {
    /// The code.
    pub code: CertificateCode,
    /// The pending application.
    pub application_index: u64,
    /// Commitment to the list of what is missing.
    pub request: Hash,
}

/// Missing materials supplied: the clock of the stage restarts (R16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialsSupplied {
    /// The code.
    pub code: CertificateCode,
    /// The pending application.
    pub application_index: u64,
    /// Commitment to the resubmitted materials.
    pub materials: Hash,
}

/// An application withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationWithdrawn {
    /// The code.
    pub code: CertificateCode,
    /// The pending application.
    pub application_index: u64,
    /// False: the applicant withdrew before the notice (R18). True: the missing materials were
    /// not supplied in time, so the application counts as withdrawn (R16).
    pub deemed: bool,
}

/// An act on one objection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionAct {
    /// The certificate code under notice.
    pub code: CertificateCode,
    /// Index of the [`ObjectionFiled`] record.
    pub objection_index: u64,
}

/// The registrant's answer to an objection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionAnswered {
    /// The certificate code under notice.
    pub code: CertificateCode,
    /// Index of the [`ObjectionFiled`] record.
    pub objection_index: u64,
    /// Commitment to the answer and its evidence.
    pub answer: Hash,
}

/// A notice ended without approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeTerminated {
    /// The code.
    pub code: CertificateCode,
    /// Index of the pending notice.
    pub notice_index: u64,
    /// Why.
    pub ground: RefusalGround,
}

impl Body {
    /// The certificate this record is about, if any.
    pub fn certificate_code(&self) -> Option<&CertificateCode> {
        match self {
            Body::NoticePublished(n) => Some(&n.code),
            Body::ObjectionFiled(o) => Some(&o.code),
            Body::ObjectionResolved(o) => Some(&o.code),
            Body::Issued(i) => Some(&i.code),
            Body::Changed(a) | Body::Corrected(a) => Some(&a.code),
            Body::Renewed(r) => Some(&r.code),
            Body::Cancelled(c) => Some(&c.code),
            Body::Revoked(r) => Some(&r.code),
            Body::ApplicationReceived(a) => Some(&a.code),
            Body::ApplicationAccepted(a) | Body::ReviewCompleted(a) => Some(&a.code),
            Body::ApplicationRefused(a) => Some(&a.code),
            Body::MaterialsRequested(m) => Some(&m.code),
            Body::MaterialsSupplied(m) => Some(&m.code),
            Body::ApplicationWithdrawn(w) => Some(&w.code),
            Body::ObjectionForwarded(o) => Some(&o.code),
            Body::ObjectionAnswered(o) => Some(&o.code),
            Body::NoticeTerminated(n) => Some(&n.code),
            Body::Evidence(_)
            | Body::SubmitterAdded(_)
            | Body::SubmitterRemoved(_)
            | Body::KeyRotation(_)
            | Body::Calendar(_)
            | Body::ProfileAdopted(_) => None,
        }
    }

    /// A short stable name of the kind, for logs, metrics and reports.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Body::Evidence(_) => "evidence",
            Body::SubmitterAdded(_) => "submitter-added",
            Body::SubmitterRemoved(_) => "submitter-removed",
            Body::KeyRotation(_) => "key-rotation",
            Body::Calendar(_) => "calendar",
            Body::NoticePublished(_) => "notice-published",
            Body::ObjectionFiled(_) => "objection-filed",
            Body::ObjectionResolved(_) => "objection-resolved",
            Body::Issued(_) => "issued",
            Body::Changed(_) => "changed",
            Body::Corrected(_) => "corrected",
            Body::Renewed(_) => "renewed",
            Body::Cancelled(_) => "cancelled",
            Body::Revoked(_) => "revoked",
            Body::ProfileAdopted(_) => "profile-adopted",
            Body::ApplicationReceived(_) => "application-received",
            Body::ApplicationAccepted(_) => "application-accepted",
            Body::ApplicationRefused(_) => "application-refused",
            Body::MaterialsRequested(_) => "materials-requested",
            Body::MaterialsSupplied(_) => "materials-supplied",
            Body::ApplicationWithdrawn(_) => "application-withdrawn",
            Body::ReviewCompleted(_) => "review-completed",
            Body::ObjectionForwarded(_) => "objection-forwarded",
            Body::ObjectionAnswered(_) => "objection-answered",
            Body::NoticeTerminated(_) => "notice-terminated",
        }
    }

    /// True for evidence, the one kind not signed by the agency.
    pub fn is_evidence(&self) -> bool {
        matches!(self, Body::Evidence(_))
    }
}

/// The message an evidence service signs for `hash` submitted to the log `origin`.
pub fn evidence_message(origin: &str, hash: &Hash) -> Vec<u8> {
    let mut message = domain::EVIDENCE.to_vec();
    // BCS of (String, Hash): ULEB128 length, the origin bytes, then 32 raw bytes.
    message.extend_from_slice(&to_bcs(&(origin, hash)));
    message
}

/// The salted commitment to one field value: H(domain || BCS(field, salt, value)), `H` the log
/// suite's hash.
pub fn field_commitment(suite: Suite, field: FieldId, salt: &[u8; 32], value: &str) -> Hash {
    suite.hash_parts(&[domain::FIELD_COMMITMENT, &to_bcs(&(field, salt, value))])
}

/// The commitment to an individual registrant's identity document:
/// H(IDENTITY || BCS(salt, document)), `document` being e.g. `resident-id:<number>`. The agency
/// keeps the salt with the registration materials; the registrant opens it to whom it chooses.
pub fn identity_commitment(suite: Suite, salt: &[u8; 32], document: &str) -> Hash {
    suite.hash_parts(&[domain::IDENTITY, &to_bcs(&(salt, document))])
}

/// The commitment to the officer who acted: H(OFFICER || BCS(origin, officer id, salt)).
/// The agency keeps each officer's salt in its officer registry and opens a commitment to an
/// auditor or a court; the public sees which records one officer made, not who it is.
pub fn officer_commitment(suite: Suite, origin: &str, officer: &str, salt: &[u8; 32]) -> Hash {
    suite.hash_parts(&[domain::OFFICER, &to_bcs(&(origin, officer, salt))])
}

/// The content commitment the status map carries: H(domain || canonical bytes of `content`).
pub fn content_commitment(suite: Suite, content: &Content) -> Hash {
    suite.hash_parts(&[domain::CONTENT_COMMITMENT, &to_bcs(content)])
}

impl Record {
    /// Builds and signs an agency record; its suite (and so its version) is the key's.
    ///
    /// # Errors
    /// [`SignError`] when the key's device fails to sign.
    pub fn sign_agency(header: Header, body: Body, key: &dyn Signer) -> Result<Record, SignError> {
        let mut record = Record {
            version: format_version(header.author.suite()),
            header,
            body,
            signature: Signature([0; 64]),
        };
        record.signature = key.sign(&record.signed_message())?;
        Ok(record)
    }

    /// Builds an evidence record from a submission the service already signed.
    pub fn evidence(header: Header, hash: Hash, signature: Signature) -> Record {
        Record {
            version: format_version(header.author.suite()),
            header,
            body: Body::Evidence(Evidence { hash }),
            signature,
        }
    }

    /// The record's suite: its author key's.
    pub fn suite(&self) -> Suite {
        self.header.author.suite()
    }

    /// The message the author signed: [`evidence_message`] for evidence; otherwise the record domain
    /// followed by the canonical bytes of everything but the signature: `(version, header, body)`,
    /// and for version 3 `(version, suite, header, body)`.
    pub fn signed_message(&self) -> Vec<u8> {
        match &self.body {
            Body::Evidence(e) => evidence_message(&self.header.origin, &e.hash),
            _ => {
                let mut message = domain::RECORD.to_vec();
                if self.version != FORMAT_VERSION_SUITED {
                    message.extend_from_slice(&to_bcs(&(self.version, &self.header, &self.body)));
                } else {
                    message.extend_from_slice(&to_bcs(&(
                        self.version,
                        self.suite(),
                        &self.header,
                        &self.body,
                    )));
                }
                message
            }
        }
    }

    /// Checks the author's signature.
    ///
    /// # Errors
    /// [`SignatureError`] when the author key is invalid or the signature does not verify.
    pub fn verify_signature(&self) -> Result<(), SignatureError> {
        self.header
            .author
            .verify(&self.signed_message(), &self.signature)
    }

    /// The record's hash: the RFC 6962 leaf hash of its canonical bytes, H(0x00 || bytes) with
    /// `H` its suite's hash.
    pub fn hash(&self) -> Hash {
        leaf_hash_of(self.suite(), &self.encode())
    }
}

/// The RFC 6962 leaf hash of already-encoded record bytes of a log of `suite` (equal to
/// `Record::hash`).
pub fn leaf_hash_of(suite: Suite, encoded: &[u8]) -> Hash {
    suite.hash_parts(&[&[0x00], encoded])
}

/// The fields of a record as JSON shows them (the same names as the struct's).
#[derive(Serialize, Deserialize)]
#[serde(rename = "Record")]
struct RecordFields {
    version: u8,
    header: Header,
    body: Body,
    signature: Signature,
}

impl Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        if s.is_human_readable() {
            return RecordFields {
                version: self.version,
                header: self.header.clone(),
                body: self.body.clone(),
                signature: self.signature,
            }
            .serialize(s);
        }
        let suited = self.version == FORMAT_VERSION_SUITED;
        let mut t = s.serialize_tuple(if suited { 5 } else { 4 })?;
        t.serialize_element(&self.version)?;
        if suited {
            t.serialize_element(&self.suite())?;
        }
        t.serialize_element(&self.header)?;
        t.serialize_element(&self.body)?;
        t.serialize_element(&self.signature)?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Record;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a record")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Record, A::Error> {
                use serde::de::Error;
                let missing = || A::Error::custom("truncated record");
                let version: u8 = seq.next_element()?.ok_or_else(missing)?;
                // Only version 3 writes a suite; every other version is read as version 2's
                // layout, and [`Record::validate`] refuses what is not exactly a version its suite
                // allows (`UnsupportedVersion`), including a version-3 record of `ed25519-sha256`.
                let suite = if version == FORMAT_VERSION_SUITED {
                    seq.next_element()?.ok_or_else(missing)?
                } else {
                    Suite::Ed25519Sha256
                };
                // The header's and body's keys are of the record's suite.
                let _scope = DecodeKeysAs::new(suite);
                let header: Header = seq.next_element()?.ok_or_else(missing)?;
                let body: Body = seq.next_element()?.ok_or_else(missing)?;
                let signature: Signature = seq.next_element()?.ok_or_else(missing)?;
                Ok(Record {
                    version,
                    header,
                    body,
                    signature,
                })
            }
        }
        if d.is_human_readable() {
            let fields = RecordFields::deserialize(d)?;
            return Ok(Record {
                version: fields.version,
                header: fields.header,
                body: fields.body,
                signature: fields.signature,
            });
        }
        // At most 5 elements: version, suite (version 3 only), header, body, signature.
        d.deserialize_tuple(5, Fields)
    }
}

impl Canonical for Record {
    const MAX_ENCODED_LEN: usize = MAX_RECORD_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        if self.version != format_version(self.suite()) {
            return Err(DecodeError::UnsupportedVersion(self.version));
        }
        validate_suite_keys(self)?;
        validate_origin(&self.header.origin)?;
        if self.header.index == 0 && self.header.prev_hash != Hash::ZERO {
            return Err(DecodeError::invalid(
                "prev_hash",
                "the first record names no predecessor",
            ));
        }
        if self.body.is_evidence() && self.header.officer.is_some() {
            return Err(DecodeError::invalid(
                "officer",
                "evidence is signed by its service, not by an officer",
            ));
        }
        validate_body(&self.body)
    }
}

/// Checks that every key the record names is of its suite (a record built in memory could mix
/// them; a decoded one cannot, since its keys were read as its suite's).
fn validate_suite_keys(record: &Record) -> Result<(), DecodeError> {
    let suite = record.suite();
    let named = match &record.body {
        Body::SubmitterAdded(added) => Some(&added.key),
        Body::SubmitterRemoved(removed) => Some(&removed.key),
        Body::KeyRotation(rotation) => Some(&rotation.new_key),
        _ => None,
    };
    if named.is_some_and(|key| key.suite() != suite) {
        return Err(DecodeError::invalid(
            "key",
            format!("a {suite} record names a key of another suite"),
        ));
    }
    Ok(())
}

/// Checks that `key` may be registered as a signer (an evidence service, or the agency's next
/// key): a canonically encoded point of prime order ([`PublicKey::check_registrable`]), since a
/// weak key admits signatures that verify for many messages.
///
/// # Errors
/// [`SignatureError::BadKey`] for an invalid key, [`SignatureError::WeakKey`] for a weak one.
pub fn validate_registrable_key(key: &PublicKey) -> Result<(), SignatureError> {
    key.check_registrable()
}

/// Checks a log origin: 1–128 bytes of printable ASCII without spaces or `+` (a C2SP origin line
/// and a valid note key name).
///
/// # Errors
/// [`DecodeError::Invalid`] naming what is wrong.
pub fn validate_origin(origin: &str) -> Result<(), DecodeError> {
    if origin.is_empty() || origin.len() > MAX_ORIGIN_LEN {
        return Err(DecodeError::invalid(
            "origin",
            format!("length {} not in 1..=128", origin.len()),
        ));
    }
    if !origin.bytes().all(|b| b.is_ascii_graphic() && b != b'+') {
        return Err(DecodeError::invalid(
            "origin",
            "only printable ASCII without spaces or '+'",
        ));
    }
    Ok(())
}

fn validate_text(what: &'static str, text: &str, max: usize) -> Result<(), DecodeError> {
    if text.trim().is_empty() {
        return Err(DecodeError::invalid(what, "empty"));
    }
    if text.len() > max {
        return Err(DecodeError::invalid(
            what,
            format!("{} bytes, at most {max}", text.len()),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DecodeError::invalid(what, "control characters"));
    }
    Ok(())
}

fn validate_content(content: &Content) -> Result<(), DecodeError> {
    validate_text("registrant.name", &content.registrant.name, MAX_NAME_LEN)?;
    if content.co_applicants.len() > MAX_CO_APPLICANTS {
        return Err(DecodeError::invalid("co_applicants", "too many"));
    }
    for co in &content.co_applicants {
        validate_text("co_applicants.name", &co.name, MAX_NAME_LEN)?;
        if co.id == content.registrant.id {
            return Err(DecodeError::invalid(
                "co_applicants",
                "the registrant is not its own joint applicant",
            ));
        }
    }
    let ids: std::collections::BTreeSet<_> = content
        .co_applicants
        .iter()
        .map(|c| to_bcs(&c.id))
        .collect();
    if ids.len() != content.co_applicants.len() {
        return Err(DecodeError::invalid("co_applicants", "named twice"));
    }
    validate_text("data_name", &content.data_name, MAX_NAME_LEN)?;
    validate_text("summary", &content.summary, MAX_TEXT_LEN)?;
    if content.fields.len() > MAX_FIELDS {
        return Err(DecodeError::invalid("fields", "too many"));
    }
    if !content.fields.windows(2).all(|w| w[0].field < w[1].field) {
        return Err(DecodeError::invalid(
            "fields",
            "not strictly increasing by field",
        ));
    }
    Ok(())
}

fn validate_body(body: &Body) -> Result<(), DecodeError> {
    match body {
        Body::SubmitterAdded(s) => validate_text("name", &s.name, MAX_NAME_LEN),
        Body::Calendar(c) => c.validate(),
        Body::NoticePublished(n) => {
            if n.code.kind() != n.content.object_kind {
                return Err(DecodeError::invalid(
                    "code",
                    "object kind differs from the content's",
                ));
            }
            validate_content(&n.content)
        }
        Body::Issued(i) if i.valid_until < i.valid_from => {
            Err(DecodeError::invalid("valid_until", "before valid_from"))
        }
        Body::Cancelled(Cancelled {
            reason: CancellationReason::Lapsed,
            application_index: Some(_),
            ..
        }) => Err(DecodeError::invalid(
            "application_index",
            "a lapse is not applied for",
        )),
        Body::Cancelled(Cancelled {
            reason: CancellationReason::OtherLegalGround(text),
            ..
        })
        | Body::Revoked(Revoked {
            reason: RevocationReason::OtherLegalGround(text),
            ..
        })
        | Body::ApplicationReceived(ApplicationReceived {
            kind: ApplicationKind::Cancellation(CancellationReason::OtherLegalGround(text)),
            ..
        })
        | Body::ApplicationRefused(ApplicationRefused {
            ground: RefusalGround::OtherLegalGround(text),
            ..
        })
        | Body::NoticeTerminated(NoticeTerminated {
            ground: RefusalGround::OtherLegalGround(text),
            ..
        }) => validate_text("reason", text, MAX_TEXT_LEN),
        Body::ApplicationReceived(ApplicationReceived {
            kind: ApplicationKind::Cancellation(CancellationReason::Lapsed),
            ..
        }) => Err(DecodeError::invalid(
            "kind",
            "nobody applies for a lapse: the agency records it (R23)",
        )),
        Body::ProfileAdopted(adopted) => adopted.profile.validate(),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
