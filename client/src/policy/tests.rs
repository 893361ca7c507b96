use super::*;
use ledger_format::SigningKey;
use ledger_format::testing::{self, Ledger};

fn log_key(name: &str, seed: u8) -> VerifierKey {
    VerifierKey::log(name, SigningKey::from_seed(&[seed; 32]).public_key()).unwrap()
}

fn witness_key(name: &str, seed: u8) -> VerifierKey {
    VerifierKey::witness(name, SigningKey::from_seed(&[seed; 32]).public_key()).unwrap()
}

/// A file with two keys for one log (a rotation), a second log, three witnesses and a group.
fn sample() -> String {
    format!(
        "# comment\n\
         \n\
         log {} not-after 2027-01-01T00:00:00+08:00\n\
         log {} not-before 1798732801\n   \
         log {} origin ledger.kunming.example/2026\n\
         witness w1 {}\n\
         witness w2 {}\n\
         witness w3 {}\n\
         group two-of-three 2 w1 w2 w3\n\
         quorum two-of-three\n\
         max-age 36h\n",
        log_key("ledger.yuxi.example/2026", 1),
        log_key("ledger.yuxi.example/2026", 3),
        log_key("kunming-log-key", 4),
        witness_key("witness-a.example", 0x11),
        witness_key("witness-b.example", 0x12),
        witness_key("witness-c.example", 0x13),
    )
}

#[test]
fn parses_the_sample() {
    let policy = parse_policy(&sample()).unwrap();
    assert_eq!(policy.logs.len(), 3);
    assert_eq!(policy.logs[0].origin, "ledger.yuxi.example/2026");
    // 2027-01-01T00:00:00+08:00 = 2026-12-31T16:00:00Z.
    assert_eq!(policy.logs[0].not_after, Some(1_798_732_800));
    assert_eq!(policy.logs[0].not_before, None);
    assert_eq!(policy.logs[1].not_before, Some(1_798_732_801));
    assert_eq!(policy.logs[2].origin, "ledger.kunming.example/2026");
    assert_eq!(policy.logs[2].key.name(), "kunming-log-key");
    assert_eq!(policy.witnesses.len(), 3);
    assert_eq!(policy.quorum, 2);
    assert_eq!(policy.max_age_seconds, 36 * 3600);
}

#[test]
fn round_trips() {
    let policy = parse_policy(&sample()).unwrap();
    let text = policy_text(&policy);
    assert_eq!(parse_policy(&text), Ok(policy.clone()));
    assert!(
        text.contains("not-after 2027-01-01T00:00:00+08:00"),
        "{text}"
    );
    assert!(
        text.contains("origin ledger.kunming.example/2026"),
        "{text}"
    );
    assert!(text.contains("quorum 2\nmax-age 36h\n"), "{text}");
    // The fixture ledger's policy, as the node's `init` would write it.
    let fixture = Ledger::default().policy(3, 3);
    assert_eq!(parse_policy(&policy_text(&fixture)), Ok(fixture));
    let none = Ledger::default().policy(0, 0);
    assert!(policy_text(&none).contains("quorum none\nmax-age 1d\n"));
    assert_eq!(parse_policy(&policy_text(&none)), Ok(none));
}

#[test]
fn writer_makes_witness_names_unique_and_keeps_odd_times() {
    let mut policy = Ledger::default().policy(0, 0);
    policy.witnesses = vec![
        TrustedWitness::replica(witness_key("same", 0x11)),
        TrustedWitness::replica(witness_key("same", 0x12)),
        TrustedWitness::replica(witness_key("42", 0x13)),
    ];
    // Two keys named alike are one witness's keys (a rotation): they count once.
    assert_eq!(policy.replicas_for(&policy.logs[0].origin).len(), 2);
    policy.quorum = 2;
    policy.max_age_seconds = 90;
    policy.logs[0].not_before = Some(-5);
    policy.logs[0].not_after = Some(400_000_000_000);
    let text = policy_text(&policy);
    assert!(text.contains("witness same~ "), "{text}");
    assert!(text.contains("witness witness-3 "), "{text}");
    assert!(text.contains("max-age 90s"), "{text}");
    assert_eq!(parse_policy(&text), Ok(policy));
}

#[test]
fn quorum_forms() {
    let base = format!(
        "log {}\nwitness a {}\nwitness b {}\nmax-age 1d\n",
        log_key("l", 1),
        witness_key("wa", 0x11),
        witness_key("wb", 0x12)
    );
    let quorum = |q: &str| parse_policy(&format!("{base}{q}\n"));
    let p = quorum("quorum none").unwrap();
    assert_eq!((p.quorum, p.witnesses.len()), (0, 2));
    let p = quorum("quorum 2").unwrap();
    assert_eq!((p.quorum, p.witnesses.len()), (2, 2));
    // A single witness: only it is trusted, and it must cosign.
    let p = quorum("quorum b").unwrap();
    assert_eq!((p.quorum, p.witnesses[0].key.name()), (1, "wb"));
    let p = quorum("group g any a b\nquorum g").unwrap();
    assert_eq!((p.quorum, p.witnesses.len()), (1, 2));
    let p = quorum("group g all a b\nquorum g").unwrap();
    assert_eq!((p.quorum, p.witnesses.len()), (2, 2));
    let p = quorum("group g 1 b\nquorum g").unwrap();
    assert_eq!((p.quorum, p.witnesses[0].key.name()), (1, "wb"));
}

fn line_error(text: &str) -> (usize, LineError) {
    match parse_policy(text) {
        Err(PolicyError::Line { line, reason }) => (line, reason),
        other => panic!("expected a line error, got {other:?} for\n{text}"),
    }
}

#[test]
fn every_line_error_names_its_line() {
    let log = log_key("l", 1);
    let w = witness_key("w", 0x11);
    let tail = "quorum none\nmax-age 1d\n";
    let cases: Vec<(String, usize, LineError)> = vec![
        (
            format!("# c\nlogs {log}\n{tail}"),
            2,
            LineError::UnknownKeyword("logs".into()),
        ),
        (
            format!("log\n{tail}"),
            1,
            arguments("log", "a key, then optional origin, not-before, not-after"),
        ),
        (
            format!("log {log} not-before\n{tail}"),
            1,
            arguments("log", "a value after each option"),
        ),
        (
            format!("log l+00000000+AAAA\n{tail}"),
            1,
            LineError::Key(KeyError::UnsupportedType(0)),
        ),
        (
            format!("log {w}\n{tail}"),
            1,
            LineError::KeyType("log", "0x01 (Ed25519) or the SM2 note type"),
        ),
        (
            format!("log {log}\nwitness a {log}\n{tail}"),
            2,
            LineError::KeyType(
                "witness",
                "0x04 (cosignature/v1) or the SM2 cosignature type",
            ),
        ),
        (
            format!("log {log} url https://x\n{tail}"),
            1,
            LineError::UnknownOption("url".into()),
        ),
        (
            format!("log {log} not-after 1 not-after 2\n{tail}"),
            1,
            LineError::RepeatedOption("not-after"),
        ),
        (
            format!("log {log} origin a+b\n{tail}"),
            1,
            LineError::Origin("a+b".into()),
        ),
        (
            format!("log {log} not-before yesterday\n{tail}"),
            1,
            LineError::Time("yesterday".into()),
        ),
        (
            format!("log {log} not-before 2027-01-01T00:00:00.5Z\n{tail}"),
            1,
            LineError::Time("2027-01-01T00:00:00.5Z".into()),
        ),
        (
            format!("log {log} not-before 10 not-after 9\n{tail}"),
            1,
            LineError::EmptyWindow,
        ),
        (
            format!("log {log}\n\nlog {log}\n{tail}"),
            3,
            LineError::DuplicateLogKey(1),
        ),
        (
            format!("log {log}\nwitness a {w}\nwitness b {w}\n{tail}"),
            3,
            LineError::DuplicateWitnessKey(2),
        ),
        (
            format!(
                "log {log}\nwitness a {w}\nwitness a {}\n{tail}",
                witness_key("x", 0x12)
            ),
            3,
            LineError::DuplicateName("a".into()),
        ),
        (
            format!("log {log}\nwitness 7 {w}\n{tail}"),
            2,
            LineError::Name("7".into()),
        ),
        (
            format!("log {log}\nwitness none {w}\n{tail}"),
            2,
            LineError::Name("none".into()),
        ),
        (
            format!("log {log}\nwitness a\n{tail}"),
            2,
            arguments("witness", WITNESS_SHAPE),
        ),
        (
            format!("log {log}\ngroup g 1 b\n{tail}"),
            2,
            LineError::UndefinedName("b".into()),
        ),
        (
            format!("log {log}\nwitness a {w}\ngroup g 1 a\ngroup h 1 g\n{tail}"),
            4,
            LineError::NestedGroup("g".into()),
        ),
        (
            format!("log {log}\nwitness a {w}\ngroup g 1 a a\n{tail}"),
            3,
            LineError::DuplicateMember("a".into()),
        ),
        (
            format!("log {log}\nwitness a {w}\ngroup g 2 a\n{tail}"),
            3,
            LineError::Threshold("2".into()),
        ),
        (
            format!("log {log}\nwitness a {w}\ngroup g 0 a\n{tail}"),
            3,
            LineError::Threshold("0".into()),
        ),
        (
            format!("log {log}\nwitness a {w}\ngroup g +1 a\n{tail}"),
            3,
            LineError::Threshold("+1".into()),
        ),
        (
            format!("log {log}\nwitness a {w}\ngroup g 1\n{tail}"),
            3,
            arguments("group", "a name, a threshold and at least one member"),
        ),
        (
            format!("log {log}\nquorum 1\nmax-age 1d\n"),
            2,
            LineError::QuorumTooLarge {
                quorum: 1,
                witnesses: 0,
            },
        ),
        (
            format!(
                "log {log}\nwitness a {w}\nwitness b {}\n{tail}",
                witness_key("another-name", 0x11)
            ),
            3,
            LineError::DuplicateWitnessKey(2),
        ),
        (
            format!("log {log}\nwitness a {w} node-of\n{tail}"),
            2,
            arguments("witness", WITNESS_SHAPE),
        ),
        (
            format!("log {log}\nwitness a {w} consistency-only node-of l\n{tail}"),
            2,
            arguments("witness", WITNESS_SHAPE),
        ),
        (
            format!("log {log}\nwitness a {w} replica\n{tail}"),
            2,
            LineError::UnknownWitnessOption("replica".into()),
        ),
        (
            format!("log {log}\nwitness a {w} node-of m\n{tail}"),
            2,
            LineError::UnknownLog("m".into()),
        ),
        (
            // The log must be listed above the witness that is its node.
            format!("witness a {w} node-of l\nlog {log}\n{tail}"),
            1,
            LineError::UnknownLog("l".into()),
        ),
        (
            format!("log {log}\nregions m 530400\n{tail}"),
            2,
            LineError::UnknownLog("m".into()),
        ),
        (
            format!("log {log}\nregions l\n{tail}"),
            2,
            arguments("regions", "an origin and at least one GB/T 2260 code"),
        ),
        (
            format!("log {log}\nregions l 53040\n{tail}"),
            2,
            LineError::Region("53040".into()),
        ),
        (
            format!("log {log}\nregions l 530001\n{tail}"),
            2,
            LineError::Region("530001".into()),
        ),
        (
            format!("log {log}\nregions l 990000\n{tail}"),
            2,
            LineError::Region("990000".into()),
        ),
        (
            format!("log {log}\nregions l +53040\n{tail}"),
            2,
            LineError::Region("+53040".into()),
        ),
        (
            format!("log {log}\nregions l 530400 530100 530400\n{tail}"),
            2,
            LineError::DuplicateRegion(530_400),
        ),
        (
            format!("log {log}\nregions l 530400\n\nregions l 530100\n{tail}"),
            4,
            LineError::RepeatedRegions {
                origin: "l".into(),
                first: 2,
            },
        ),
        (
            format!(
                "log {log}\nwitness a {w}\nwitness c {} consistency-only\ngroup g 1 a c\n{tail}",
                witness_key("c", 0x12)
            ),
            4,
            LineError::MixedGroup,
        ),
        (
            format!("log {log}\nwitness c {w} consistency-only\nquorum c\nmax-age 1d\n"),
            3,
            LineError::WitnessKind {
                name: "c".into(),
                expected: "replica",
            },
        ),
        (
            format!("log {log}\nwitness a {w}\nquorum none\nconsistency-quorum a\nmax-age 1d\n"),
            4,
            LineError::WitnessKind {
                name: "a".into(),
                expected: "consistency-only",
            },
        ),
        (
            format!("log {log}\nwitness c {w} consistency-only\nquorum 1\nmax-age 1d\n"),
            3,
            LineError::QuorumTooLarge {
                quorum: 1,
                witnesses: 0,
            },
        ),
        (
            format!("log {log}\nwitness a {w}\nquorum 1\nconsistency-quorum 1\nmax-age 1d\n"),
            4,
            LineError::ConsistencyQuorumTooLarge {
                quorum: 1,
                witnesses: 0,
            },
        ),
        (
            format!(
                "log {log}\nquorum none\nconsistency-quorum none\nconsistency-quorum 0\nmax-age 1d\n"
            ),
            4,
            LineError::Repeated {
                keyword: "consistency-quorum",
                first: 3,
            },
        ),
        (
            format!("log {log}\nquorum nobody\nmax-age 1d\n"),
            2,
            LineError::UndefinedName("nobody".into()),
        ),
        (
            format!("log {log}\nquorum none\nquorum none\nmax-age 1d\n"),
            3,
            LineError::Repeated {
                keyword: "quorum",
                first: 2,
            },
        ),
        (
            format!("log {log}\nquorum\nmax-age 1d\n"),
            2,
            arguments("quorum", "one value: a number, none, or a name"),
        ),
        (
            format!("log {log}\nquorum none\nmax-age 1d\nmax-age 2d\n"),
            4,
            LineError::Repeated {
                keyword: "max-age",
                first: 3,
            },
        ),
        (
            format!("log {log}\nquorum none\nmax-age 24\n"),
            3,
            LineError::Duration("24".into()),
        ),
        (
            format!("log {log}\nquorum none\nmax-age 0h\n"),
            3,
            LineError::Duration("0h".into()),
        ),
        (
            format!("log {log}\nquorum none\nmax-age 1w\n"),
            3,
            LineError::Duration("1w".into()),
        ),
        (
            format!("log {log}\nquorum none\nmax-age 99999999999999999d\n"),
            3,
            LineError::Duration("99999999999999999d".into()),
        ),
    ];
    for (text, line, reason) in cases {
        assert_eq!(line_error(&text), (line, reason.clone()), "{text}");
        let message = parse_policy(&text).unwrap_err().to_string();
        assert!(message.starts_with(&format!("line {line}: ")), "{message}");
    }
}

#[test]
fn file_level_errors() {
    let log = log_key("l", 1);
    assert_eq!(parse_policy("# empty\n"), Err(PolicyError::NoLog));
    assert_eq!(
        parse_policy(&format!("log {log}\nmax-age 1d\n")),
        Err(PolicyError::NoQuorum)
    );
    assert_eq!(
        parse_policy(&format!("log {log}\nquorum none\n")),
        Err(PolicyError::NoMaxAge)
    );
}

#[test]
fn accepts_the_fixture_ledgers_policy_for_verification() {
    // The parsed text trusts exactly what the fixture's own policy trusts.
    let ledger = Ledger::default();
    let policy = ledger.policy(3, 2);
    let parsed = parse_policy(&policy_text(&policy)).unwrap();
    assert_eq!(parsed.logs[0].origin, testing::ORIGIN);
    assert_eq!(parsed, policy);
}

#[test]
fn the_example_file_parses() {
    let text = include_str!("../../examples/policy.txt");
    let policy = parse_policy(text).unwrap();
    assert!(policy.quorum >= 1);
    assert_eq!(parse_policy(&policy_text(&policy)), Ok(policy));
}

/// Two agencies, each with a log (Yuxi's under two keys), its regions and its node; a third-party
/// consistency witness.
fn network() -> String {
    format!(
        "log {}\n\
         log {} origin ledger.kunming.example/2026\n\
         regions ledger.yuxi.example/2026 530400\n\
         regions ledger.kunming.example/2026 530100 532300\n\
         witness yuxi-node {} node-of ledger.yuxi.example/2026\n\
         witness kunming-node {} node-of ledger.kunming.example/2026\n\
         witness third-party {} consistency-only\n\
         quorum 1\n\
         consistency-quorum 1\n\
         max-age 1d\n",
        log_key("ledger.yuxi.example/2026", 1),
        log_key("kunming-log-key", 4),
        witness_key("yuxi-node.example", 0x11),
        witness_key("kunming-node.example", 0x12),
        witness_key("litewitness.example", 0x13),
    )
}

#[test]
fn parses_roles_regions_and_both_quorums() {
    let policy = parse_policy(&network()).unwrap();
    assert_eq!(
        policy.regions_of("ledger.kunming.example/2026"),
        Some(&[530_100, 532_300][..])
    );
    assert_eq!(
        policy.witnesses[0].role,
        WitnessRole::Replica {
            node_of: Some("ledger.yuxi.example/2026".into())
        }
    );
    assert_eq!(policy.witnesses[2].role, WitnessRole::ConsistencyOnly);
    assert_eq!((policy.quorum, policy.consistency_quorum), (1, 1));
    // Each log's quorum is met by the other agency's node alone.
    let kunming_node = SigningKey::from_seed(&[0x12; 32]).public_key();
    assert_eq!(
        policy.replicas_for("ledger.yuxi.example/2026"),
        vec![kunming_node]
    );
    let text = policy_text(&policy);
    assert!(
        text.contains("regions ledger.kunming.example/2026 530100 532300\n"),
        "{text}"
    );
    assert!(
        text.contains(" node-of ledger.yuxi.example/2026\n"),
        "{text}"
    );
    assert!(text.contains(" consistency-only\n"), "{text}");
    assert!(text.contains("quorum 1\nconsistency-quorum 1\n"), "{text}");
    assert_eq!(parse_policy(&text), Ok(policy));
}

#[test]
fn a_quorum_some_log_can_never_meet_is_refused_naming_the_log() {
    // Two agencies, two replicas, quorum 2: each log has only the other agency's node.
    let text = network().replace("\nquorum 1\n", "\nquorum 2\n");
    assert_eq!(
        line_error(&text),
        (
            8,
            LineError::QuorumUnmeetable {
                quorum: 2,
                origin: "ledger.yuxi.example/2026".into(),
                replicas: 1,
            }
        )
    );
    let message = parse_policy(&text).unwrap_err().to_string();
    assert!(
        message.contains("can never be met for log ledger.yuxi.example/2026"),
        "{message}"
    );
    // A quorum naming a log's own node can never be met for that log.
    let text = network().replace("\nquorum 1\n", "\nquorum kunming-node\n");
    assert!(matches!(
        line_error(&text),
        (8, LineError::QuorumUnmeetable { origin, .. }) if origin == "ledger.kunming.example/2026"
    ));
    // A group that leaves each log one other node: met with a threshold of one.
    let text = network().replace(
        "\nquorum 1\n",
        "\ngroup nodes 1 yuxi-node kunming-node\nquorum nodes\n",
    );
    assert_eq!(parse_policy(&text).unwrap().quorum, 1);
}

proptest::proptest! {
    /// Any policy over up to three logs and four witnesses with any roles and quorums: the parser
    /// reads back what the writer wrote, or refuses exactly when some log cannot meet the quorum.
    #[test]
    fn written_policies_read_back_or_are_refused_as_unmeetable(
        regions in proptest::collection::vec(proptest::option::of(0usize..4), 3),
        roles in proptest::collection::vec(0u8..5, 0..5),
        names in proptest::collection::vec(0u8..3, 5),
        windows in proptest::collection::vec(
            (proptest::option::of(-10_000i64..5_000_000_000), proptest::option::of(-10_000i64..5_000_000_000)),
            5,
        ),
        quorum in 0usize..5,
        consistency_quorum in 0usize..3,
    ) {
        let origins = ["ledger.a.example/1", "ledger.b.example/1", "ledger.c.example/1"];
        let codes = [530_000, 530_400, 110_101, 650_100];
        let mut policy = Ledger::default().policy(0, 0);
        policy.logs = origins
            .iter()
            .enumerate()
            .map(|(i, origin)| TrustedLog {
                origin: (*origin).into(),
                key: log_key(origin, 1 + i as u8),
                not_before: None,
                not_after: None,
            })
            .collect();
        policy.regions = origins
            .iter()
            .zip(&regions)
            .filter_map(|(origin, r)| r.map(|r| ((*origin).to_owned(), vec![codes[r]])))
            .collect();
        policy.witnesses = roles
            .iter()
            .enumerate()
            .map(|(i, role)| {
                // Names repeat: one witness's successive keys share a name.
                let key = witness_key(&format!("w{}", names[i]), 0x20 + i as u8);
                let witness = match role {
                    0..=2 => TrustedWitness::node_of(key, origins[usize::from(*role)]),
                    3 => TrustedWitness::replica(key),
                    _ => TrustedWitness::consistency_only(key),
                };
                let (a, b) = windows[i];
                let (not_before, not_after) = match (a, b) {
                    (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                    other => other,
                };
                witness.with_window(not_before, not_after)
            })
            .collect();
        let replicas = policy.witnesses.iter().filter(|w| w.role != WitnessRole::ConsistencyOnly).count();
        let consistency = roles.len() - replicas;
        policy.quorum = quorum.min(replicas);
        policy.consistency_quorum = consistency_quorum.min(consistency);
        let meetable = origins
            .iter()
            .all(|o| policy.replicas_for(o).len() >= policy.quorum);
        match parse_policy(&policy_text(&policy)) {
            Ok(parsed) => {
                proptest::prop_assert!(meetable);
                proptest::prop_assert_eq!(parsed, policy);
            }
            Err(e) => {
                proptest::prop_assert!(!meetable, "{e}");
                let unmeetable = matches!(
                    e,
                    PolicyError::Line { reason: LineError::QuorumUnmeetable { .. }, .. }
                );
                proptest::prop_assert!(unmeetable, "{e}");
            }
        }
    }
}

#[test]
fn witness_keys_carry_validity_windows() {
    let log = log_key("ledger.yuxi.example/2026", 1);
    let old = witness_key("kunming-witness", 0x11);
    let new = witness_key("kunming-witness", 0x12);
    let text = format!(
        "log {log}\n\
         witness kunming-old {old} node-of ledger.yuxi.example/2026 not-after 2027-03-01T00:00:00+08:00\n\
         witness kunming {new} not-before 1803830401 node-of ledger.yuxi.example/2026\n\
         witness other {} not-after 1803830400 not-before 0\n\
         quorum 1\n\
         max-age 1d\n",
        witness_key("other", 0x13)
    );
    let policy = parse_policy(&text).unwrap();
    assert_eq!(policy.witnesses[0].not_before, None);
    assert_eq!(policy.witnesses[0].not_after, Some(1_803_830_400));
    assert_eq!(policy.witnesses[1].not_before, Some(1_803_830_401));
    assert_eq!(policy.witnesses[1].not_after, None);
    assert_eq!(
        policy.witnesses[1].role,
        WitnessRole::Replica {
            node_of: Some("ledger.yuxi.example/2026".into())
        }
    );
    assert_eq!(
        (
            policy.witnesses[2].not_before,
            policy.witnesses[2].not_after
        ),
        (Some(0), Some(1_803_830_400))
    );
    assert_eq!(parse_policy(&policy_text(&policy)), Ok(policy));
    let tail = "quorum none\nmax-age 1d\n";
    for (options, reason) in [
        (
            "not-after 5 not-after 6",
            LineError::RepeatedOption("not-after"),
        ),
        ("not-before 6 not-after 5", LineError::EmptyWindow),
        ("not-after yesterday", LineError::Time("yesterday".into())),
        ("not-after", arguments("witness", WITNESS_SHAPE)),
        (
            "consistency-only not-after 5 node-of x",
            arguments("witness", WITNESS_SHAPE),
        ),
        (
            "compromised 5",
            LineError::UnknownWitnessOption("compromised".into()),
        ),
    ] {
        let text = format!("log {log}\nwitness a {old} {options}\n{tail}");
        assert_eq!(
            parse_policy(&text),
            Err(PolicyError::Line { line: 2, reason }),
            "{options}"
        );
    }
}
