//! Deterministic fixtures for tests, benchmarks and examples: fixed keys, sample content, and a
//! builder that appends correctly chained and signed records. Enabled by the `testing` feature
//! (and in this crate's own tests); never used by production code.
//!
//! The keys are derived from fixed seeds and are public knowledge: never use them for a real log.

use crate::code::{CertificateCode, CreditCode, ObjectKind};
use crate::date::Date;
use crate::hash::{Hash, sha256};
use crate::keys::{SecretKey, Signer, SigningKey};
use crate::record::{
    ApplicationAct, ApplicationKind, ApplicationReceived, Body, Content, FieldCommitment, FieldId,
    Header, Record, Registrant, RegistrantId, RegistrantRole, evidence_message, field_commitment,
};
use crate::suite::Suite;

/// The origin of the fixture log.
pub const ORIGIN: &str = "ledger.yuxi.example/2026";
/// The GB/T 2260 code of the fixture agency's region (Yuxi, Yunnan).
pub const REGION: u32 = 530_400;
/// A valid unified social credit code (DOMAIN.md's worked example).
pub const CREDIT_CODE: &str = "91350100M000100Y43";

/// The fixture agency's log key (seed 0x01...).
pub fn agency_key() -> SigningKey {
    SigningKey::from_seed(&[1; 32])
}

/// The fixture evidence service's key (seed 0x02...).
pub fn submitter_key() -> SigningKey {
    SigningKey::from_seed(&[2; 32])
}

/// The fixture agency's log key of `suite`: [`agency_key`], or the SM2 key whose secret is
/// `0x01…01` (32 bytes).
pub fn agency_key_of(suite: Suite) -> SecretKey {
    fixture_key(suite, 1)
}

/// The fixture evidence service's key of `suite`: [`submitter_key`] or its SM2 twin.
pub fn submitter_key_of(suite: Suite) -> SecretKey {
    fixture_key(suite, 2)
}

/// The `n`th fixture witness key of `suite`: [`witness_key`] or its SM2 twin.
pub fn witness_key_of(suite: Suite, n: u8) -> SecretKey {
    fixture_key(suite, 0x10_u8.wrapping_add(n))
}

#[allow(clippy::expect_used, reason = "fixed secrets in range")]
fn fixture_key(suite: Suite, byte: u8) -> SecretKey {
    SecretKey::from_secret_bytes(suite, &[byte; 32]).expect("fixture secret in range")
}

/// The `n`th fixture witness key (seeds 0x10 + n).
pub fn witness_key(n: u8) -> SigningKey {
    SigningKey::from_seed(&[0x10_u8.wrapping_add(n); 32])
}

/// Unix time of `hour`:00 China Standard Time on `date`.
pub fn at(date: &str, hour: i64) -> i64 {
    parse_date(date).start_unix_cst() + hour * 3600
}

/// Parses a `YYYY-MM-DD` fixture date.
///
/// # Panics
/// On a malformed date: fixtures are written by hand.
pub fn parse_date(date: &str) -> Date {
    #[allow(clippy::expect_used, reason = "fixture input is written by hand")]
    date.parse().expect("fixture date")
}

/// Certificate code number `serial` of `year` for a data resource of the fixture agency.
///
/// # Panics
/// When `serial` or `year` is out of range.
pub fn code(year: u16, serial: u64) -> CertificateCode {
    #[allow(clippy::expect_used, reason = "fixture input is written by hand")]
    CertificateCode::new(REGION, year, ObjectKind::DataResource, serial).expect("fixture code")
}

/// The fixture registrant.
///
/// # Panics
/// Never: the credit code is valid.
pub fn registrant() -> Registrant {
    #[allow(clippy::expect_used, reason = "constant valid input")]
    Registrant {
        name: "玉溪市数据资源有限公司".into(),
        id: RegistrantId::Organisation(CreditCode::parse(CREDIT_CODE).expect("valid credit code")),
        role: RegistrantRole::DataHolder,
    }
}

/// The profile the fixtures run under: Yuxi's measure (`yuxi-2025`).
///
/// # Panics
/// Never: the profile is built in.
pub fn profile() -> crate::profile::RuleProfile {
    #[allow(clippy::expect_used, reason = "built-in profile")]
    crate::profile::builtin("yuxi-2025").expect("built-in profile")
}

/// A profile of an agency's own, with other numbers than every built-in one in every parameter,
/// its notice counted from the next day: the second profile of the tests that check each rule
/// under two profiles.
pub fn custom_profile() -> crate::profile::RuleProfile {
    crate::profile::RuleProfile {
        name: "testing-custom".into(),
        measure: "a measure for tests".into(),
        measure_from: parse_date("2025-01-01"),
        measure_until: None,
        notice_working_days: 15,
        notice_count: crate::profile::DayCount::FromNextDay,
        acceptance_working_days: 5,
        review_working_days: 15,
        supplement_working_days: 5,
        objection_forward_working_days: 2,
        objection_answer_working_days: 7,
        cancellation_working_days: 5,
        validity_years: 5,
        renewal_window_days: 90,
        renewal_max_years: 2,
        operation_max_years: 3,
    }
}

/// The 2026 working-day calendar of 国务院办公厅关于2026年部分节假日安排的通知 of 2025-11-04
/// (Xinhua; reprinted at <https://politics.gmw.cn/2025-11/04/content_38391083.htm>): every holiday
/// block (whole blocks, weekends included) and every make-up working day.
///
/// # Panics
/// Never: the calendar is valid.
#[allow(clippy::expect_used, reason = "constant valid input")]
pub fn calendar_2026() -> crate::calendar::WorkCalendar {
    let blocks = [
        ("2026-01-01", "2026-01-03"), // 元旦
        ("2026-02-15", "2026-02-23"), // 春节
        ("2026-04-04", "2026-04-06"), // 清明节
        ("2026-05-01", "2026-05-05"), // 劳动节
        ("2026-06-19", "2026-06-21"), // 端午节
        ("2026-09-25", "2026-09-27"), // 中秋节
        ("2026-10-01", "2026-10-07"), // 国庆节
    ];
    let mut holidays = Vec::new();
    for (first, last) in blocks {
        let mut day = parse_date(first);
        while day <= parse_date(last) {
            holidays.push(day);
            day = day.next_day().expect("in range");
        }
    }
    let makeup = [
        "2026-01-04", // Sunday
        "2026-02-14", // Saturday
        "2026-02-28", // Saturday
        "2026-05-09", // Saturday
        "2026-09-20", // Sunday
        "2026-10-10", // Saturday
    ];
    crate::calendar::WorkCalendar::new(
        2026,
        holidays,
        makeup.iter().map(|s| parse_date(s)).collect(),
    )
    .expect("valid calendar")
}

/// The adoption of [`profile`] in force from `from` (`YYYY-MM-DD`): a record dated on or before
/// `from` may carry it.
pub fn profile_adopted(from: &str) -> Body {
    Body::ProfileAdopted(crate::profile::ProfileAdopted {
        from: parse_date(from),
        profile: profile(),
    })
}

/// The records that take an application for `code` from receipt to the end of its review on one
/// day, after the `ApplicationReceived` record at `application_index`: acceptance, then (for a
/// registration that goes to notice) the end of the review.
pub fn decided_application(
    code: &CertificateCode,
    kind: &ApplicationKind,
    application_index: u64,
) -> Vec<Body> {
    let act = ApplicationAct {
        code: code.clone(),
        application_index,
    };
    let mut bodies = vec![Body::ApplicationAccepted(act.clone())];
    if kind.notice_type().is_some() {
        bodies.push(Body::ReviewCompleted(act));
    }
    bodies
}

/// The `ApplicationReceived` record of an application of `kind` for `code`.
pub fn application(code: &CertificateCode, kind: ApplicationKind) -> Body {
    Body::ApplicationReceived(ApplicationReceived {
        code: code.clone(),
        kind,
        materials: sha256(format!("materials of {code}").as_bytes()),
    })
}

/// The salt the fixture uses for `field` (a real agency draws 32 random bytes per field).
pub fn salt(field: FieldId) -> [u8; 32] {
    sha256(format!("fixture salt {field:?}").as_bytes()).0
}

/// Sample content of a registration of `kind`, with two committed fields.
pub fn content(kind: ObjectKind, operation_ends: Option<Date>) -> Content {
    let fields = [
        (FieldId::Industry, "I6450 互联网数据服务"),
        (FieldId::GeographicCoverage, "530400"),
    ];
    Content {
        object_kind: kind,
        registrant: registrant(),
        co_applicants: Vec::new(),
        data_name: "玉溪市公共交通客流数据".into(),
        summary: "2020年以来全市公交线路的客流统计，按线路和小时汇总。".into(),
        operation_ends,
        fields: fields
            .iter()
            .map(|(field, value)| FieldCommitment {
                field: *field,
                // The fixture's commitments are SHA-256 ones whatever the log's suite: the
                // ledger carries them as opaque hashes.
                commitment: field_commitment(Suite::Ed25519Sha256, *field, &salt(*field), value),
            })
            .collect(),
    }
}

/// Appends correctly chained records to an in-memory log, signing agency records with
/// [`agency_key`] and evidence with [`submitter_key`].
#[derive(Debug, Clone)]
pub struct LogBuilder {
    /// The log's origin.
    pub origin: String,
    /// Every record so far.
    pub records: Vec<Record>,
    agency: SecretKey,
}

impl Default for LogBuilder {
    fn default() -> Self {
        LogBuilder::new(ORIGIN, agency_key())
    }
}

impl LogBuilder {
    /// An empty log named `origin` written by `agency`.
    pub fn new(origin: &str, agency: impl Into<SecretKey>) -> Self {
        LogBuilder {
            origin: origin.into(),
            records: Vec::new(),
            agency: agency.into(),
        }
    }

    /// The header of the next record, authored by `author`, at `time`.
    pub fn next_header(&self, time: i64, author: crate::keys::PublicKey) -> Header {
        Header {
            origin: self.origin.clone(),
            index: self.records.len() as u64,
            prev_hash: self.records.last().map_or(Hash::ZERO, Record::hash),
            time,
            author,
            officer: None,
        }
    }

    /// Appends an agency record and returns it.
    ///
    /// # Panics
    /// Never: in-memory keys always sign.
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn agency(&mut self, time: i64, body: Body) -> Record {
        let header = self.next_header(time, self.agency.public_key());
        let record = Record::sign_agency(header, body, &self.agency).expect("in-memory key signs");
        self.records.push(record.clone());
        record
    }

    /// Appends an evidence record for `hash`, signed by `service`, and returns it.
    ///
    /// # Panics
    /// Never: in-memory keys always sign.
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn evidence(&mut self, time: i64, hash: Hash, service: &dyn Signer) -> Record {
        let header = self.next_header(time, service.public_key());
        let signature = service
            .sign(&evidence_message(&self.origin, &hash))
            .expect("in-memory key signs");
        let record = Record::evidence(header, hash, signature);
        self.records.push(record.clone());
        record
    }

    /// Replaces the agency key for later records (after a key-rotation record).
    pub fn rotate_to(&mut self, key: impl Into<SecretKey>) {
        self.agency = key.into();
    }
}

/// Calendars for `years` with ordinary weekends only (no holidays, no make-up days): enough for
/// tests that are not about holidays.
///
/// # Panics
/// Never: empty calendars are valid.
pub fn plain_calendars(years: std::ops::RangeInclusive<u16>) -> crate::calendar::Calendars {
    #[allow(clippy::expect_used, reason = "empty calendars are valid")]
    crate::calendar::Calendars::new(
        years
            .map(|year| crate::calendar::WorkCalendar::new(year, vec![], vec![]).expect("valid"))
            .collect(),
    )
    .expect("one calendar per year")
}

/// A whole log in memory: records, their RFC 6962 tree, the status map and the certificate states,
/// kept by the ledger's one replay engine ([`crate::replay::LogReplay`]) exactly as the node keeps
/// them, for building real checkpoints, proofs and bundles in tests.
#[derive(Debug)]
pub struct Ledger {
    /// The records, chained and signed.
    pub log: LogBuilder,
    /// The tree over the records.
    pub tree: crate::merkle::MemoryTree,
    /// The status map's nodes.
    pub map: crate::map::MemoryMapStore,
    /// The current state of every code.
    pub states: std::collections::BTreeMap<CertificateCode, crate::lifecycle::CertificateState>,
    replay: crate::replay::LogReplay,
    agency: SecretKey,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::new(ORIGIN, agency_key())
    }
}

impl Ledger {
    /// The ledger's suite: its agency key's.
    pub fn suite(&self) -> Suite {
        self.agency.suite()
    }

    /// A ledger whose state starts as if calendars with plain weekends from 2026 to 2040 had been
    /// published and the fixture evidence service registered before its first record: records
    /// start at index 0 with the certificates themselves. Its records replay from that same
    /// starting state, not from an empty log ([`Ledger::empty`] makes one that does).
    pub fn new(origin: &str, agency: impl Into<SecretKey>) -> Self {
        let agency: SecretKey = agency.into();
        let mut submitters = std::collections::BTreeMap::new();
        submitters.insert(
            submitter_key_of(agency.suite()).public_key(),
            crate::replay::Submitter {
                name: "fixture evidence service".into(),
                credit_code: CREDIT_CODE.into(),
                added_at: 0,
            },
        );
        let replay = crate::replay::LogReplay::resume(
            origin,
            crate::replay::ReplayResume {
                frontier: crate::merkle::Frontier::new(agency.suite()),
                last_hash: Hash::ZERO,
                last_time: 0,
                agency_key: agency.public_key(),
                key_history: Vec::new(),
                calendars: plain_calendars(2026..=2040),
                profiles: crate::profile::Profiles::new(vec![crate::profile::ProfileAdopted {
                    from: parse_date("2025-10-19"),
                    profile: profile(),
                }]),
                submitters,
            },
        );
        Ledger::with_replay(origin, agency, replay)
    }

    /// A ledger that starts empty, as a real log does: calendars and evidence services exist only
    /// once records publish them.
    pub fn empty(origin: &str, agency: impl Into<SecretKey>) -> Self {
        let agency: SecretKey = agency.into();
        let replay = crate::replay::LogReplay::new(origin, agency.public_key());
        Ledger::with_replay(origin, agency, replay)
    }

    fn with_replay(origin: &str, agency: SecretKey, replay: crate::replay::LogReplay) -> Self {
        let suite = agency.suite();
        Ledger {
            log: LogBuilder::new(origin, agency.clone()),
            tree: crate::merkle::MemoryTree::new(suite),
            map: crate::map::MemoryMapStore::new(suite),
            states: Default::default(),
            replay,
            agency,
        }
    }

    /// The replay engine's state after the records so far.
    pub fn replay(&self) -> &crate::replay::LogReplay {
        &self.replay
    }

    /// Appends an agency record at 10:00 CST on `date` (or at the previous record's time, if that
    /// is later) if the rules allow it; returns its index.
    ///
    /// # Errors
    /// The lifecycle rule that forbids the record; nothing is appended then.
    ///
    /// # Panics
    /// When the engine refuses the record for another reason (a registry or format rule), which a
    /// fixture written by hand never causes.
    #[allow(clippy::expect_used, clippy::panic, reason = "fixture")]
    pub fn apply(
        &mut self,
        date: &str,
        body: Body,
    ) -> Result<u64, crate::lifecycle::TransitionError> {
        // 10:00 CST, or later the same day when an earlier record of the day is later: record
        // times never go back.
        let time = at(date, 10).max(self.replay.last_time());
        let record = self.log.agency(time, body);
        match self.push(&record) {
            Ok(()) => Ok(record.header.index),
            Err(crate::replay::ReplayError::Rule { error, .. }) => {
                self.log.records.pop();
                Err(error)
            }
            Err(other) => panic!("fixture record refused: {other}"),
        }
    }

    /// Takes an application of `kind` for `code` through receipt, acceptance and (for a
    /// registration that goes to notice) review, all on `date`; returns the application's index.
    ///
    /// # Errors
    /// The lifecycle rule that forbids one of the records.
    pub fn apply_for(
        &mut self,
        date: &str,
        code: &CertificateCode,
        kind: ApplicationKind,
    ) -> Result<u64, crate::lifecycle::TransitionError> {
        let index = self.apply(date, application(code, kind.clone()))?;
        for body in decided_application(code, &kind, index) {
            self.apply(date, body)?;
        }
        Ok(index)
    }

    /// Rotates the agency key at 10:00 CST on `date`: a `KeyRotation` record signed by the key in
    /// force names `new_key`, which signs every later record and checkpoint. Returns its index.
    ///
    /// # Panics
    /// When the engine refuses the rotation (a weak or former key).
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn rotate(&mut self, date: &str, new_key: impl Into<SecretKey>) -> u64 {
        let new_key: SecretKey = new_key.into();
        let body = Body::KeyRotation(crate::record::KeyRotation {
            new_key: new_key.public_key(),
        });
        let index = self.apply(date, body).expect("fixture rotation refused");
        self.log.rotate_to(new_key.clone());
        self.agency = new_key;
        index
    }

    /// Appends an evidence record for `hash` by the fixture service at `time`.
    ///
    /// # Panics
    /// When the fixture service is not registered (a ledger made with [`Ledger::empty`] must
    /// register it with a `SubmitterAdded` record first).
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn evidence(&mut self, time: i64, hash: Hash) -> Record {
        self.evidence_by(time, hash, &submitter_key_of(self.suite()))
    }

    /// Appends an evidence record for `hash` by `service` at `time`.
    ///
    /// # Panics
    /// When `service` is not registered.
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn evidence_by(&mut self, time: i64, hash: Hash, service: &dyn Signer) -> Record {
        let record = self.log.evidence(time, hash, service);
        self.push(&record).expect("fixture evidence refused");
        record
    }

    /// Runs `record` through the engine and, when it passes, adds it to the tree and the map.
    #[allow(clippy::expect_used, reason = "fixture")]
    fn push(&mut self, record: &Record) -> Result<(), crate::replay::ReplayError> {
        use crate::encoding::Canonical;
        let bytes = record.encode();
        let replayed = self
            .replay
            .apply_verified(crate::replay::VerifiedRecord::trusted(
                record.clone(),
                &bytes,
            ))?;
        self.tree.push(&bytes).expect("tree append");
        if let Some(state) = replayed.state {
            let update = crate::map::update_states(&self.map, self.map.root(), [&state])
                .expect("map update");
            self.map.apply_update(&update);
            self.states.insert(state.code.clone(), state);
        }
        Ok(())
    }

    /// The checkpoint of the current tree and map, signed by the agency at `timestamp` and cosigned
    /// at `timestamp + 1` by fixture witnesses `0..witnesses`.
    ///
    /// # Panics
    /// Never for fixture input.
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn checkpoint(&self, timestamp: i64, witnesses: u8) -> crate::checkpoint::SignedCheckpoint {
        let checkpoint = crate::checkpoint::Checkpoint {
            origin: self.log.origin.clone(),
            size: self.tree.size(),
            root: self.tree.root(),
            map_root: self.map.root(),
            timestamp,
        };
        let mut signed =
            crate::checkpoint::SignedCheckpoint::sign(checkpoint, &self.log.origin, &self.agency)
                .expect("sign checkpoint");
        for n in 0..witnesses {
            let cosigned_at = u64::try_from(timestamp + 1).expect("positive time");
            signed
                .add_cosignature(
                    &witness_name(n),
                    &witness_key_of(self.suite(), n),
                    cosigned_at,
                )
                .expect("cosign");
        }
        signed
    }

    /// The policy that trusts this ledger's agency key for codes of [`REGION`], and fixture
    /// witnesses `0..witnesses` as replicas (none of them the log's own node), with `quorum` and a
    /// maximum checkpoint age of one day.
    ///
    /// # Panics
    /// Never for fixture input.
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn policy(&self, witnesses: u8, quorum: usize) -> crate::bundle::TrustPolicy {
        use crate::checkpoint::VerifierKey;
        crate::bundle::TrustPolicy {
            logs: vec![crate::bundle::TrustedLog {
                origin: self.log.origin.clone(),
                key: VerifierKey::new(
                    &self.log.origin,
                    crate::checkpoint::SignatureType::log(self.suite()),
                    self.agency.public_key(),
                )
                .expect("key"),
                not_before: None,
                not_after: None,
            }],
            regions: [(self.log.origin.clone(), vec![REGION])].into(),
            witnesses: (0..witnesses)
                .map(|n| {
                    crate::bundle::TrustedWitness::replica(witness_verifier_key_of(self.suite(), n))
                })
                .collect(),
            quorum,
            consistency_quorum: 0,
            max_age_seconds: 86_400,
            equivocated: Vec::new(),
        }
    }

    /// The bundle for `code` against `signed` (which must be this ledger's latest checkpoint), with
    /// the certificate's records and their inclusion proofs when `with_records`.
    ///
    /// # Panics
    /// Never for fixture input.
    #[allow(clippy::expect_used, reason = "fixture")]
    pub fn bundle(
        &self,
        code: &CertificateCode,
        signed: &crate::checkpoint::SignedCheckpoint,
        policy: &crate::bundle::TrustPolicy,
        with_records: bool,
    ) -> crate::bundle::Bundle {
        let key = crate::map::map_key(self.suite(), code.as_str().as_bytes());
        let map_proof = crate::map::prove(&self.map, self.map.root(), key).expect("map proof");
        let keys: Vec<_> = policy
            .logs
            .iter()
            .map(|l| l.key.clone())
            .chain(policy.witness_keys())
            .collect();
        let checkpoint =
            crate::checkpoint::CompactCheckpoint::from_signed(signed, &keys).expect("compact");
        let size = signed.checkpoint().size;
        let records = if with_records {
            self.log
                .records
                .iter()
                .filter(|r| r.body.certificate_code() == Some(code))
                .map(|r| crate::bundle::ProvenRecord {
                    record: r.clone(),
                    proof: crate::merkle::inclusion_proof(r.header.index, size, &self.tree)
                        .expect("proof"),
                })
                .collect()
        } else {
            Vec::new()
        };
        crate::bundle::Bundle {
            version: crate::bundle::BUNDLE_VERSION,
            code: code.clone(),
            state: self.states.get(code).cloned(),
            map_proof,
            checkpoint,
            records,
        }
    }
}

/// Six certificates of 2026 in every state a bundle can show, with evidence between them:
/// 1 issued on 2026-12-07, valid until 2029-12-07; 2 in notice (until 2026-12-04); 3 suspended by
/// an open objection; 4 cancelled on application (2027-01-04); 5 revoked (2027-01-04); 6
/// terminated by an upheld objection. Every first registration went through the procedure on
/// 2026-11-23 (application, acceptance, review, then the notice).
///
/// # Panics
/// Never: the fixture follows the rules.
#[allow(clippy::expect_used, reason = "fixture")]
pub fn six_certificates() -> Ledger {
    six_certificates_of(Suite::Ed25519Sha256)
}

/// [`six_certificates`] in a log of `suite` (agency and evidence service keys of that suite).
///
/// # Panics
/// Never: the fixture follows the rules.
#[allow(clippy::expect_used, reason = "fixture")]
pub fn six_certificates_of(suite: Suite) -> Ledger {
    use crate::record::*;
    let mut l = Ledger::new(ORIGIN, agency_key_of(suite));
    let c = |n| code(2026, n);
    for n in 1..=6 {
        l.apply_for("2026-11-23", &c(n), ApplicationKind::First)
            .expect("application");
        let notice = Body::NoticePublished(Notice {
            code: c(n),
            registration_type: RegistrationType::First,
            content: content(ObjectKind::DataResource, None),
            ends_on: parse_date("2026-12-04"),
        });
        l.apply("2026-11-23", notice).expect("notice");
        l.evidence(at("2026-11-23", 11), sha256(&[n as u8]));
    }
    let objection = |n| {
        Body::ObjectionFiled(ObjectionFiled {
            code: c(n),
            objector: sha256(b"o"),
        })
    };
    let upheld = l.apply("2026-11-30", objection(6)).expect("objection");
    l.apply("2026-12-01", objection(3)).expect("objection");
    let act = ObjectionAct {
        code: c(6),
        objection_index: upheld,
    };
    l.apply("2026-12-01", Body::ObjectionForwarded(act))
        .expect("forwarded");
    let answer = Body::ObjectionAnswered(ObjectionAnswered {
        code: c(6),
        objection_index: upheld,
        answer: sha256(b"answer"),
    });
    l.apply("2026-12-02", answer).expect("answered");
    let resolved = Body::ObjectionResolved(ObjectionResolved {
        code: c(6),
        objection_index: upheld,
        upheld: true,
    });
    l.apply("2026-12-07", resolved).expect("resolved");
    for n in [1, 4, 5] {
        let issued = Body::Issued(Issued {
            code: c(n),
            valid_from: parse_date("2026-12-07"),
            valid_until: parse_date("2029-12-07"),
        });
        l.apply("2026-12-07", issued).expect("issued");
    }
    let reason = CancellationReason::DataLost;
    let application = l
        .apply_for(
            "2027-01-04",
            &c(4),
            ApplicationKind::Cancellation(reason.clone()),
        )
        .expect("cancellation application");
    let cancelled = Body::Cancelled(Cancelled {
        code: c(4),
        reason,
        application_index: Some(application),
    });
    l.apply("2027-01-04", cancelled).expect("cancelled");
    let revoked = Body::Revoked(Revoked {
        code: c(5),
        reason: RevocationReason::TamperedOrForged,
    });
    l.apply("2027-01-04", revoked).expect("revoked");
    l
}

/// A log whose agency key rotates to `new_key`: a calendar, the fixture evidence service and one
/// evidence record (indexes 0–2), the rotation at index 3, two more evidence records; with
/// checkpoints (no cosignatures) at sizes 3 (old key), 4 and 6 (new key).
///
/// # Panics
/// Never for fixture input.
#[allow(clippy::expect_used, reason = "fixture")]
pub fn rotated_log(new_key: SigningKey) -> (Ledger, Vec<crate::checkpoint::SignedCheckpoint>) {
    let mut l = Ledger::empty(ORIGIN, agency_key());
    let calendar = crate::calendar::WorkCalendar::new(2026, vec![], vec![]).expect("calendar");
    l.apply("2026-11-20", Body::Calendar(calendar))
        .expect("calendar");
    l.apply(
        "2026-11-20",
        Body::SubmitterAdded(crate::record::SubmitterAdded {
            key: submitter_key().public_key(),
            name: "存证".into(),
            credit_code: CreditCode::parse(CREDIT_CODE).expect("credit code"),
        }),
    )
    .expect("submitter");
    l.evidence(at("2026-11-20", 11), sha256(b"0"));
    let mut checkpoints = vec![l.checkpoint(at("2026-11-20", 12), 0)];
    l.rotate("2026-11-21", new_key);
    checkpoints.push(l.checkpoint(at("2026-11-21", 12), 0));
    l.evidence(at("2026-11-22", 11), sha256(b"1"));
    l.evidence(at("2026-11-22", 11), sha256(b"2"));
    checkpoints.push(l.checkpoint(at("2026-11-22", 12), 0));
    (l, checkpoints)
}

/// The name of fixture witness `n`.
pub fn witness_name(n: u8) -> String {
    format!("witness-{n}.example")
}

/// The verifier key of the `n`th fixture witness key of `suite` ([`witness_key_of`]).
///
/// # Panics
/// Never: fixture names are valid.
#[allow(clippy::expect_used, reason = "fixture")]
pub fn witness_verifier_key_of(suite: Suite, n: u8) -> crate::checkpoint::VerifierKey {
    crate::checkpoint::VerifierKey::new(
        &witness_name(n),
        crate::checkpoint::SignatureType::cosignature(suite),
        witness_key_of(suite, n).public_key(),
    )
    .expect("fixture witness key")
}

/// The `cosignature/v1` verifier key of fixture witness `n`, named [`witness_name`].
///
/// # Panics
/// Never: fixture names are valid key names.
pub fn witness_verifier_key(n: u8) -> crate::checkpoint::VerifierKey {
    witness_verifier_key_of(Suite::Ed25519Sha256, n)
}

/// One record of every kind, chained in one fixture log (the bodies need not pass the lifecycle
/// rules): the source of the golden vectors in `tests/vectors/records-v2.json`.
///
/// # Panics
/// Never for fixture input.
#[allow(clippy::expect_used, reason = "fixture")]
pub fn one_record_of_each_kind() -> Vec<Record> {
    one_record_of_each_kind_of(Suite::Ed25519Sha256)
}

/// [`one_record_of_each_kind`] in a log of `suite` (agency and service keys of that suite, whose
/// secrets are `0x01…` and `0x02…`): the source of `tests/vectors/records-v3-sm2-sm3.json`.
///
/// # Panics
/// Never for fixture input.
#[allow(clippy::expect_used, reason = "fixture")]
pub fn one_record_of_each_kind_of(suite: Suite) -> Vec<Record> {
    use crate::record::*;
    let code = code(2026, 1);
    let d = parse_date;
    let bodies = vec![
        Body::SubmitterAdded(SubmitterAdded {
            key: submitter_key_of(suite).public_key(),
            name: "云南数据存证服务有限公司".into(),
            credit_code: CreditCode::parse("91440300708461136T").expect("valid"),
        }),
        Body::Calendar(
            crate::calendar::WorkCalendar::new(2027, vec![d("2027-01-01")], vec![d("2027-02-20")])
                .expect("valid calendar"),
        ),
        Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::First,
            content: content(ObjectKind::DataResource, None),
            ends_on: d("2026-12-04"),
        }),
        Body::ObjectionFiled(ObjectionFiled {
            code: code.clone(),
            objector: sha256(b"objector"),
        }),
        Body::ObjectionResolved(ObjectionResolved {
            code: code.clone(),
            objection_index: 3,
            upheld: false,
        }),
        Body::Issued(Issued {
            code: code.clone(),
            valid_from: d("2026-12-07"),
            valid_until: d("2029-12-07"),
        }),
        Body::Changed(Amended {
            code: code.clone(),
            notice_index: 2,
            valid_until: d("2029-12-07"),
        }),
        Body::Corrected(Amended {
            code: code.clone(),
            notice_index: 2,
            valid_until: d("2029-12-07"),
        }),
        Body::Renewed(Renewed {
            code: code.clone(),
            application_index: 14,
            valid_until: d("2032-12-07"),
            operation_ends: None,
        }),
        Body::Cancelled(Cancelled {
            code: code.clone(),
            reason: CancellationReason::OtherLegalGround("法院判决".into()),
            application_index: Some(15),
        }),
        Body::Revoked(Revoked {
            code: code.clone(),
            reason: RevocationReason::FalseMaterials,
        }),
        Body::SubmitterRemoved(SubmitterRemoved {
            key: submitter_key_of(suite).public_key(),
        }),
        Body::KeyRotation(KeyRotation {
            new_key: fixture_key(suite, 3).public_key(),
        }),
        profile_adopted("2026-11-23"),
        application(
            &code,
            ApplicationKind::Cancellation(CancellationReason::DataLost),
        ),
        Body::ApplicationAccepted(ApplicationAct {
            code: code.clone(),
            application_index: 15,
        }),
        Body::ApplicationRefused(ApplicationRefused {
            code: code.clone(),
            application_index: 15,
            ground: RefusalGround::OwnershipDispute,
        }),
        Body::MaterialsRequested(MaterialsRequested {
            code: code.clone(),
            application_index: 15,
            request: sha256(b"missing: proof of lawful acquisition"),
        }),
        Body::MaterialsSupplied(MaterialsSupplied {
            code: code.clone(),
            application_index: 15,
            materials: sha256(b"resubmitted materials"),
        }),
        Body::ApplicationWithdrawn(ApplicationWithdrawn {
            code: code.clone(),
            application_index: 15,
            deemed: true,
        }),
        Body::ReviewCompleted(ApplicationAct {
            code: code.clone(),
            application_index: 15,
        }),
        Body::ObjectionForwarded(ObjectionAct {
            code: code.clone(),
            objection_index: 4,
        }),
        Body::ObjectionAnswered(ObjectionAnswered {
            code: code.clone(),
            objection_index: 4,
            answer: sha256(b"answer"),
        }),
        Body::NoticeTerminated(NoticeTerminated {
            code: code.clone(),
            notice_index: 3,
            ground: RefusalGround::OtherLegalGround("申请人隐瞒有关情况".into()),
        }),
    ];
    let mut log = LogBuilder::new(ORIGIN, agency_key_of(suite));
    let base = at("2026-11-23", 9);
    let mut records =
        vec![log.evidence(base, sha256(b"evidence snapshot"), &submitter_key_of(suite))];
    for (i, body) in bodies.into_iter().enumerate() {
        let mut record = log.agency(base + 60 * (i as i64 + 1), body);
        // Every agency act names an officer; the first records show both forms.
        if i % 2 == 1 {
            log.records.pop();
            let mut header = record.header.clone();
            header.officer = Some(crate::record::officer_commitment(
                suite,
                &log.origin,
                "registrar-01",
                &[7; 32],
            ));
            record =
                Record::sign_agency(header, record.body, &agency_key_of(suite)).expect("signs");
            log.records.push(record.clone());
        }
        records.push(record);
    }
    records
}
