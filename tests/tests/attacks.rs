//! Adversarial end-to-end tests (issue 10): three agencies' nodes on 127.0.0.1 and an attacker
//! holding what a thief would hold (an agency's key file, a node's witness key, a rogue store, a
//! skewed clock). Each test asserts that the attack fails **and** that it is visible where it
//! should be: the HTTP answer, `/v1/equivocations`, `/v1/logs`, `/metrics`, the node's log, the
//! bank's verdict.
//!
//! The forgeries are checked before they are used (the stolen key's signature verifies, the
//! consistency proof verifies, the rebuilt tree and map have the node's roots), so a failing test
//! means a node or the verifier accepted the attack, not that the forgery was broken. The checks
//! that do not stop a test are collected in [`Findings`], so one run lists every facet of an
//! attack that got through.
//!
//! Names this suite assumes, for the features to match (or for this file to follow them):
//! - a witness that refuses a checkpoint counts it in `ledger_witness_refused_total{reason=…}`
//!   (attacks 1, 2; any counter named with `witness` or `add_checkpoint` and `refused` or
//!   `rejected` will do); `ledger_equivocations{origin=…}` is 1 for a log proven to equivocate;
//! - `add-checkpoint` answers anything but 200 to what it must not cosign; a 503 carries
//!   `Retry-After`; a log proven to equivocate gets a body that says "equivocat…";
//! - the membership gives each `[[agency]]` its GB/T 2260 divisions as `regions = [530400]`;
//! - A's API refuses a code of another agency's region with 409 or 422, naming the region
//!   ("640500") or saying "region"; replicas count the refused range in a counter whose name has
//!   `refused` or `rejected` and whose labels name the log (`ledger_mirror_rejected_ranges` does),
//!   and log a line naming the log and "region" (or the region's code);
//! - records dated ahead of a witness's clock: a counter as above, labels naming the log or
//!   saying "ahead", "future" or "clock", and a log line naming the log with one of those words;
//! - `/v1/policy` says whose node each witness is: the `witness` line of A's witness key names
//!   A's origin as a word of its own (besides the key), e.g. `witness w0 <vkey> own <origin>`;
//! - `ledger-client verify --json` refuses a witnessed time in the future of `--at` as
//!   `untrusted` (or `tampered`) with a reason containing "future".

mod common;

use common::forge;
use common::{
    Agency, DAY, Findings, Network, Reply, client_verify, network_policy, network_policy_text, now,
    poll, service, wait_for, wait_mirrored,
};
use ledger_format::Canonical;
use ledger_format::bundle::{Bundle, Verdict, VerdictKind, verify_bundle};
use ledger_format::calendar::WorkCalendar;
use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::date::Date;
use ledger_format::merkle::verify_consistency;
use ledger_format::record::{ApplicationKind, Body, Issued, Notice, Record, RegistrationType};
use ledger_format::testing;
use serde_json::{Value, json};

/// GB/T 2260 regions of the agencies (membership `regions`): Yuxi, Zhongwei, Zhaoqing, Kunming.
const A_REGION: u32 = 530_400;
const B_REGION: u32 = 640_500;
const C_REGION: u32 = 441_200;
const R_REGION: u32 = 530_100;
const REGIONS: [(&str, u32); 4] = [
    ("a", A_REGION),
    ("b", B_REGION),
    ("c", C_REGION),
    ("r", R_REGION),
];

/// The name this suite proposes for the counter of checkpoints a witness refused to cosign, by
/// reason (`ledger_witness_refused_total{reason=...}`); nothing counts them today. Any counter
/// whose name has `witness` or `add_checkpoint`, and `refused` or `rejected`, is taken for it.
const WITNESS_REFUSED: &str = "ledger_witness_refused_total";

/// Certificate code number `serial` of 2026 for a data resource registered in `region`.
fn code_of(region: u32, serial: u64) -> CertificateCode {
    CertificateCode::new(region, 2026, ObjectKind::DataResource, serial).unwrap()
}

/// Creates the agencies `names` with their regions and starts them all with the real clock.
fn start(names: &[&str]) -> Network {
    let mut net = Network::create_regional(names, &REGIONS);
    net.start_all();
    net
}

/// A, B and C running; A's log holds its calendars, profile and evidence service (4 records),
/// then the application, acceptance, review and notice of `code_of(A_REGION, 1)` (8 records in
/// all), mirrored by B and C. Returns the network and A's origin.
fn network_with_a_notice() -> (Network, String) {
    let net = start(&["a", "b", "c"]);
    let a_origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    net.node("a").publish_first_notice(&code_of(A_REGION, 1));
    for name in ["b", "c"] {
        wait_mirrored(net.node(name), &a_origin, 8);
    }
    (net, a_origin)
}

/// The bundle of A's certificate in notice as C serves it once it carries B's and C's
/// cosignatures and meets the network policy's quorum: the control of the verifier attacks.
fn bundle_cosigned_by_b_and_c(net: &Network, a_origin: &str) -> Bundle {
    let c = net.node("c");
    let policy = network_policy(c);
    let mut real = None;
    wait_for("a bundle of A's certificate cosigned by B and C", || {
        let bundle = bundle_of(c, a_origin, &code_of(A_REGION, 1));
        let trusted = verify_bundle(&bundle, &policy, now()).as_of.is_some();
        real = Some(bundle);
        trusted
    });
    real.unwrap()
}

fn calendar(year: u16) -> Value {
    json!({"Calendar": {"year": year, "holidays": [], "makeup_workdays": []}})
}

/// The bundle of `code` in the log `origin` as `node` serves it.
fn bundle_of(node: &Agency, origin: &str, code: &CertificateCode) -> Bundle {
    Bundle::decode_exact(&node.get_bytes(&format!("/v1/certificates/{code}/bundle?log={origin}")))
        .unwrap()
}

/// The latest checkpoint of `node`'s own log.
fn latest_checkpoint(node: &Agency) -> SignedCheckpoint {
    SignedCheckpoint::parse(&node.get_text("/v1/checkpoint")).unwrap()
}

/// Waits until `node` signed a checkpoint of its own log at `size`.
fn wait_checkpointed(node: &Agency, size: u64) {
    let origin = node.origin.clone();
    wait_for(&format!("{} to checkpoint {size}", node.name), || {
        node.log(&origin)["checkpoint_size"].as_u64() == Some(size)
    });
}

/// Sum of the witness-refusal counters on `node` (see [`WITNESS_REFUSED`]).
fn witness_refusals(node: &Agency) -> f64 {
    node.metric_samples("")
        .iter()
        .filter(|(sample, _)| {
            let name = sample.split('{').next().unwrap_or_default();
            (name.contains("witness") || name.contains("add_checkpoint"))
                && (name.contains("refused") || name.contains("rejected"))
        })
        .map(|(_, v)| v)
        .sum()
}

/// A sample of a counter of refusals (`refused` / `rejected` in its name) above zero whose labels
/// name `origin` or one of `words`: the node counted something it refused about that log.
fn counted_refusal(node: &Agency, origin: &str, words: &[&str]) -> bool {
    ["refused", "rejected"]
        .iter()
        .flat_map(|part| node.metric_samples(part))
        .any(|(sample, value)| {
            value > 0.0 && (sample.contains(origin) || words.iter().any(|w| sample.contains(w)))
        })
}

/// The node's log has a line naming `origin` and one of `words`.
fn logged(node: &Agency, origin: &str, words: &[&str]) -> bool {
    node.node_log().lines().any(|line| {
        let line = line.to_lowercase();
        line.contains(origin) && words.iter().any(|w| line.contains(w))
    })
}

/// A witness's answer to a checkpoint it must not cosign: anything but 200, and a 503 says when
/// to retry (c2sp.org/tlog-witness).
fn check_not_cosigned(findings: &mut Findings, witness: &str, what: &str, reply: &Reply) {
    findings.check(
        reply.status != 200,
        format!(
            "{witness} cosigned {what}: {} {}",
            reply.status,
            reply.body.trim()
        ),
    );
    if reply.status == 503 {
        findings.check(
            reply.retry_after.is_some(),
            format!("{witness} answered 503 to {what} without Retry-After"),
        );
    }
}

/// The control of the witness attacks: B and C cosign, through `add-checkpoint`, A's real
/// checkpoint `honest` that they mirrored and replayed. A refusal later is about the forgery.
fn cosigns_what_it_replayed(net: &Network, honest: &SignedCheckpoint) {
    for name in ["b", "c"] {
        let reply = forge::submit_checkpoint(net.node(name), net.node("a"), honest);
        assert_eq!(
            reply.status, 200,
            "{name} does not cosign A's checkpoint it replayed: {reply:?}"
        );
    }
}

/// The verifier keys whose lines a bundle of `log`'s checkpoints may carry: the log key and every
/// member's witness key.
fn bundle_keys(net: &Network, log: &str) -> Vec<VerifierKey> {
    let mut keys = vec![net.node(log).log_verifier_key()];
    for agency in &net.agencies {
        keys.push(agency.witness_key().verifier_key().clone());
    }
    keys
}

fn is_valid(verdict: &Verdict) -> bool {
    matches!(verdict.kind, VerdictKind::Valid { .. })
}

/// Attack 1: a stolen agency key signs a real extension of the agency's tree by one invented
/// leaf (an `Issued` record the notice does not allow yet) with a status map that says "active",
/// and asks the witnesses to cosign it. A witness vouches for a status-map root only after
/// replaying the records: it must not cosign (503 with Retry-After while it cannot fetch the
/// range, or a 4xx), must count the refusal, and no bundle of the code may verify as valid.
#[test]
fn a_stolen_key_cannot_get_a_forged_status_map_cosigned() {
    let mut findings = Findings::new("forged map root");
    let (net, a_origin) = network_with_a_notice();
    let code = code_of(A_REGION, 1);
    let n = 8;

    // What the thief has: A's key file and A's public log.
    let a = net.node("a");
    let key = a.log_key();
    let honest = latest_checkpoint(a);
    assert_eq!(honest.checkpoint().size, n);
    cosigns_what_it_replayed(&net, &honest);
    let records = forge::fetch_records(a, &a_origin, n);
    let real_state = bundle_of(a, &a_origin, &code)
        .state
        .expect("the notice's state");
    assert_eq!(forge::tree_of(&records).root(), honest.checkpoint().root);
    assert_eq!(
        forge::map_of(std::slice::from_ref(&real_state)).root(),
        honest.checkpoint().map_root,
        "the attacker rebuilds A's status map exactly"
    );

    // The invented leaf and the map that goes with it.
    let today = Date::from_unix_cst(now()).unwrap();
    let last = Record::decode_exact(records.last().unwrap()).unwrap();
    let leaf = forge::next_record(
        &key,
        &last,
        now(),
        Body::Issued(Issued {
            code: code.clone(),
            valid_from: today,
            valid_until: today.period_end_years(3).unwrap(),
        }),
    );
    let forged_state = forge::issued(&real_state, today, n);
    let forged_map = forge::map_of(std::slice::from_ref(&forged_state));
    let (tree, proof) = forge::extend(&records, &[leaf.encode()]);
    let forged = forge::sign_checkpoint(&a_origin, &key, &tree, forged_map.root(), now());
    forged
        .verify_log_signature(&a.log_verifier_key())
        .expect("the stolen key signs as A");
    verify_consistency(
        ledger_format::suite::Suite::Ed25519Sha256,
        n,
        n + 1,
        &proof.path,
        &honest.checkpoint().root,
        &forged.checkpoint().root,
    )
    .expect("the forged tree extends A's real tree");
    let body = forge::add_checkpoint_body(n, &proof.path, &forged);

    let mut cosignatures = Vec::new();
    for name in ["b", "c"] {
        let witness = net.node(name);
        let before = witness_refusals(witness);
        let reply = witness.post_text("/add-checkpoint", &body);
        check_not_cosigned(
            &mut findings,
            name,
            "a checkpoint whose status-map root it never recomputed",
            &reply,
        );
        if reply.status == 200 {
            cosignatures.push(reply.body.trim().to_owned());
        }
        findings.check(
            poll(5, || witness_refusals(witness) > before),
            format!("{name}: the refusal is not counted in {WITNESS_REFUSED}"),
        );
        let log = witness.log(&a_origin);
        findings.check(
            log["size"] == n && log["checkpoint_size"] == n,
            format!("{name}'s mirror of A moved: {log}"),
        );
    }

    // The thief's best bundle: the forged state under every cosignature the witnesses gave.
    let mut cosigned = forged.clone();
    for line in &cosignatures {
        cosigned.add_signature_line(line).unwrap();
    }
    let keys = bundle_keys(&net, "a");
    let forged_bundle = forge::bundle(&forged_state, &forged_map, &cosigned, &keys);
    let policy = network_policy(net.node("c"));
    let verdict = verify_bundle(&forged_bundle, &policy, now());
    findings.check(
        !is_valid(&verdict),
        format!("the forged bundle verifies with the network policy: {verdict:?}"),
    );
    for name in ["a", "b", "c"] {
        let served = bundle_of(net.node(name), &a_origin, &code);
        let verdict = verify_bundle(&served, &policy, now());
        findings.check(
            !is_valid(&verdict),
            format!("{name} serves a valid bundle of a code in notice: {verdict:?}"),
        );
    }
    findings.finish();
}

/// Attack 2: a stolen key signs a fork three records ahead of the real log and shows it only to
/// the witnesses. They refuse to cosign what they cannot replay; when the real log passes that
/// size they hold two signed checkpoints of one size, prove the equivocation, gossip it, stop
/// cosigning the log, and a bank given the proof distrusts it.
#[test]
fn a_fork_shown_only_to_witnesses_is_refused_then_caught() {
    let mut findings = Findings::new("fork ahead of the log");
    let net = start(&["a", "b", "c"]);
    let a_origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    let n = 4;
    for name in ["b", "c"] {
        wait_mirrored(net.node(name), &a_origin, n);
        assert_eq!(net.node(name).metric("ledger_equivocations"), 0.0);
    }

    let a = net.node("a");
    let key = a.log_key();
    let honest = latest_checkpoint(a);
    assert_eq!(honest.checkpoint().size, n);
    cosigns_what_it_replayed(&net, &honest);
    let records = forge::fetch_records(a, &a_origin, n);
    assert_eq!(forge::tree_of(&records).root(), honest.checkpoint().root);
    let mut last = Record::decode_exact(records.last().unwrap()).unwrap();
    let mut invented = Vec::new();
    for year in 2036..2039 {
        let body = Body::Calendar(WorkCalendar::new(year, vec![], vec![]).unwrap());
        last = forge::next_record(&key, &last, now(), body);
        invented.push(last.encode());
    }
    let (tree, proof) = forge::extend(&records, &invented);
    let fork = forge::sign_checkpoint(&a_origin, &key, &tree, honest.checkpoint().map_root, now());
    fork.verify_log_signature(&a.log_verifier_key())
        .expect("the stolen key signs as A");
    let body = forge::add_checkpoint_body(n, &proof.path, &fork);
    for name in ["b", "c"] {
        let witness = net.node(name);
        let before = witness_refusals(witness);
        let reply = witness.post_text("/add-checkpoint", &body);
        check_not_cosigned(
            &mut findings,
            name,
            "a fork ahead of the log it mirrors",
            &reply,
        );
        findings.check(
            poll(5, || witness_refusals(witness) > before),
            format!("{name}: the refusal is not counted in {WITNESS_REFUSED}"),
        );
    }

    // The real log passes the fork's size, with a signed checkpoint at every size.
    let a = net.node("a");
    for (i, year) in (2028..=2032).enumerate() {
        a.append(calendar(year));
        wait_checkpointed(a, n + 1 + i as u64);
    }
    let fork_size = n + 3;
    for name in ["b", "c"] {
        let node = net.node(name);
        wait_for(&format!("{name} to prove that A equivocated"), || {
            node.log(&a_origin)["equivocated"] == true
        });
        let proofs = node.get_json("/v1/equivocations");
        let listed = proofs.as_array().is_some_and(|all| {
            all.iter()
                .any(|p| p["origin"] == a_origin.as_str() && p["size"] == fork_size)
        });
        assert!(listed, "{name}: {proofs}");
        assert_eq!(node.metric("ledger_equivocations"), 1.0);
        findings.check(
            logged(node, &a_origin, &["equivocated"]),
            format!("{name}'s log does not report A's equivocation"),
        );
    }
    // From then on, neither witness cosigns A's real checkpoints.
    let latest = latest_checkpoint(net.node("a"));
    for name in ["b", "c"] {
        let reply = forge::submit_checkpoint(net.node(name), net.node("a"), &latest);
        findings.check(
            reply.status != 200 && reply.body.contains("equivocat"),
            format!(
                "{name} answers {} to A's next checkpoint: {}",
                reply.status,
                reply.body.trim()
            ),
        );
    }

    // A bank given the gossiped proof distrusts A.
    let c = net.node("c");
    let proof = c.get_json("/v1/equivocations")[0]["hex"]
        .as_str()
        .unwrap()
        .to_owned();
    let files = tempfile::tempdir().unwrap();
    let (bundle, policy, equivocation) = (
        files.path().join("a.bundle"),
        files.path().join("policy.txt"),
        files.path().join("a.equivocation"),
    );
    let code = code_of(A_REGION, 1);
    std::fs::write(
        &bundle,
        c.get_bytes(&format!("/v1/certificates/{code}/bundle?log={a_origin}")),
    )
    .unwrap();
    std::fs::write(&policy, network_policy_text(c)).unwrap();
    std::fs::write(&equivocation, proof).unwrap();
    let report = client_verify(
        &bundle,
        &policy,
        &code.to_string(),
        &["--equivocation", equivocation.to_str().unwrap()],
    );
    assert_eq!(report["verdict"], "untrusted", "{report}");
    assert!(
        report["reason"]
            .as_str()
            .is_some_and(|r| r.contains("equivocated")),
        "{report}"
    );
    findings.finish();
}

/// Attack 3: the log's own node adds its witness line to its own checkpoint. The network policy
/// counts, per log, only the other agencies' nodes, so that line never helps a quorum; and the
/// policy served at `/v1/policy` says whose node each witness is.
#[test]
fn the_logs_own_witness_does_not_count_towards_its_quorum() {
    let mut findings = Findings::new("own witness line");
    let (net, a_origin) = network_with_a_notice();
    let keys = bundle_keys(&net, "a");
    let [a_w, b_w, c_w] = ["a", "b", "c"].map(|n| net.node(n).witness_key());
    let c = net.node("c");
    let policy = network_policy(c);
    let real = bundle_cosigned_by_b_and_c(&net, &a_origin);

    // A's own line alone, then A's own line beside B's: never a quorum of two.
    let own_only = forge::recosign(&real, &keys, &[], &[&a_w], now());
    let own_and_b = forge::recosign(&real, &keys, &[b_w.verifier_key()], &[&a_w], now());
    for (what, bundle, lines) in [
        ("A's own cosignature alone", &own_only, 2),
        ("A's own cosignature and B's", &own_and_b, 3),
    ] {
        let signed = bundle.checkpoint.to_signed(&keys).unwrap();
        assert_eq!(signed.note().signatures().len(), lines, "{what}");
        let witnesses = [a_w.verifier_key().clone(), b_w.verifier_key().clone()];
        let check = signed.verify_cosignatures(&witnesses);
        assert!(
            check.invalid.is_empty() && check.valid.len() == lines - 1,
            "{what}: {check:?}"
        );
        let verdict = verify_bundle(bundle, &policy, now());
        findings.check(
            matches!(verdict.kind, VerdictKind::Untrusted(_)),
            format!("a bundle with {what} passes the quorum of 2: {verdict:?}"),
        );
    }
    let with_c = forge::recosign(
        &real,
        &keys,
        &[b_w.verifier_key(), c_w.verifier_key()],
        &[],
        0,
    );
    assert!(verify_bundle(&with_c, &policy, now()).as_of.is_some());

    // The served policy names A's node as A's own witness.
    let text = network_policy_text(c);
    let a_witness = a_w.verifier_key().to_string();
    let line = text.lines().find(|l| l.contains(&a_witness));
    findings.check(
        line.is_some_and(|l| {
            l.replace(&a_witness, "")
                .split_whitespace()
                .any(|word| word == a_origin)
        }),
        format!("/v1/policy does not say that {a_witness} is A's own node ({a_origin}): {line:?}"),
    );
    findings.finish();
}

/// Attack 4: a code whose region belongs to another agency. A's API refuses the application (the
/// first record of a registration); a rogue member's log carrying such a code is refused by the
/// replicas on replay; and a bundle of such a code, even under a quorum of cosignatures, does not
/// verify as valid.
#[test]
fn a_code_of_another_agencys_region_is_refused_everywhere() {
    let mut findings = Findings::new("foreign region");
    let mut net = Network::create_regional(&["a", "b", "c", "r"], &REGIONS);

    // R, a member, writes the procedure and the notice of a code of B's region into its own log
    // before it starts: correctly chained, signed and mapped, so only the region rule can refuse
    // it.
    let foreign = code_of(B_REGION, 2);
    let r = net.node("r");
    let yesterday = Date::from_unix_cst(now() - DAY).unwrap().to_string();
    let mut rogue = testing::Ledger::empty(&r.origin, r.log_key());
    for year in [2026, 2027] {
        let body = Body::Calendar(WorkCalendar::new(year, vec![], vec![]).unwrap());
        rogue.apply(&yesterday, body).unwrap();
    }
    rogue
        .apply(&yesterday, testing::profile_adopted(&yesterday))
        .unwrap();
    rogue
        .apply_for(&yesterday, &foreign, ApplicationKind::First)
        .unwrap();
    let ends_on = testing::profile()
        .notice_end(testing::parse_date(&yesterday), rogue.replay().calendars())
        .unwrap();
    let rogue_notice = Body::NoticePublished(Notice {
        code: foreign.clone(),
        registration_type: RegistrationType::First,
        content: testing::content(foreign.kind(), None),
        ends_on,
    });
    rogue.apply(&yesterday, rogue_notice).unwrap();
    let states: Vec<_> = rogue.states.values().cloned().collect();
    assert_eq!(forge::map_of(&states).root(), rogue.map.root());
    forge::write_log(r, &rogue.log.records, &states);
    let r_origin = r.origin.clone();
    net.start_all();

    // A's API: its own region is accepted (the control), B's is refused at the application,
    // the first record of a registration, naming the region.
    let a = net.node("a");
    let a_origin = a.origin.clone();
    a.set_up(&service());
    a.publish_first_notice(&code_of(A_REGION, 3));
    wait_checkpointed(a, 8);
    let refused = |a: &Agency| {
        a.metric_samples("records_refused")
            .iter()
            .filter(|(sample, _)| sample.contains("application-received"))
            .map(|(_, v)| v)
            .sum::<f64>()
    };
    let before = refused(a);
    let application = testing::application(&code_of(B_REGION, 3), ApplicationKind::First);
    let reply = a.try_append(&serde_json::to_value(application).unwrap());
    findings.check(
        matches!(reply.status, 409 | 422)
            && (reply.body.contains(&B_REGION.to_string()) || reply.body.contains("region")),
        format!(
            "A's API answers {} to an application for a code of B's region: {}",
            reply.status,
            reply.body.trim()
        ),
    );
    findings.check(
        refused(a) > before,
        "A's ledger_records_refused_total{kind=\"application-received\"} did not count the refusal",
    );

    // The replicas: A's log arrives (the control); R's is refused on replay, counted and logged.
    for name in ["b", "c"] {
        let node = net.node(name);
        wait_for(&format!("{name} to mirror A's first 8 records"), || {
            node.log(&a_origin)["checkpoint_size"]
                .as_u64()
                .is_some_and(|s| s >= 8)
        });
        let decided = poll(60, || {
            node.size_of(&r_origin) > 0 || counted_refusal(node, &r_origin, &["region"])
        });
        findings.check(
            decided,
            format!("{name} neither mirrored nor refused R's log in 60 s"),
        );
        findings.check(
            node.size_of(&r_origin) == 0,
            format!(
                "{name} mirrored R's code of B's region: {}",
                node.log(&r_origin)
            ),
        );
        findings.check(
            counted_refusal(node, &r_origin, &["region"]),
            format!("{name} counts no refusal of R's log"),
        );
        findings.check(
            logged(node, &r_origin, &["region", &B_REGION.to_string()]),
            format!("{name}'s log does not say R's record names another agency's region"),
        );
    }

    // The verifier: A's key and B's and C's witness keys vouch for an active certificate. A code
    // of A's region verifies (the control); one of B's region must not.
    let policy = network_policy(net.node("b"));
    let a_key = net.node("a").log_key();
    let witnesses = [net.node("b").witness_key(), net.node("c").witness_key()];
    let from = Date::from_unix_cst(now() - 7 * DAY).unwrap();
    let verdict_for = |code: &CertificateCode| {
        let state = forge::active_state(code, from);
        let bundle = forge::bundle_from_scratch(&a_origin, &a_key, &state, &witnesses, now());
        verify_bundle(&bundle, &policy, now())
    };
    let own = verdict_for(&code_of(A_REGION, 9));
    assert!(is_valid(&own), "the control bundle: {own:?}");
    let verdict = verdict_for(&code_of(B_REGION, 9));
    findings.check(
        !is_valid(&verdict),
        format!("A's bundle of a code of B's region verifies: {verdict:?}"),
    );
    findings.finish();
}

/// Attack 5: A's clock runs a day ahead. B and C bound time: they refuse A's records and
/// checkpoints dated ahead of their own clocks (no mirror progress past them, no cosignature),
/// and count and log the refusal, while everything else replicates.
#[test]
fn records_dated_ahead_of_the_witnesses_clocks_are_refused() {
    let mut findings = Findings::new("dated ahead");
    let mut net = start(&["a", "b", "c"]);
    let a_origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    let n = 4;
    for name in ["b", "c"] {
        wait_mirrored(net.node(name), &a_origin, n);
    }

    // A restarts a day ahead and writes two records dated tomorrow.
    let a = net.agency("a");
    a.kill();
    a.start(1);
    a.append(calendar(2028));
    a.append(calendar(2029));
    wait_checkpointed(a, n + 2);
    let ahead = latest_checkpoint(a);
    assert!(ahead.checkpoint().timestamp > now() + DAY / 2, "{ahead:?}");

    let words = ["ahead", "future", "clock"];
    for name in ["b", "c"] {
        let node = net.node(name);
        let decided = poll(60, || {
            node.size_of(&a_origin) > n || counted_refusal(node, &a_origin, &words)
        });
        findings.check(
            decided,
            format!("{name} neither mirrored nor refused A's records in 60 s"),
        );
        findings.check(
            counted_refusal(node, &a_origin, &words),
            format!("{name} counts no refusal of A's records dated ahead"),
        );
        findings.check(
            logged(node, &a_origin, &words),
            format!("{name}'s log does not report A's records dated ahead"),
        );
        let reply = forge::submit_checkpoint(node, net.node("a"), &ahead);
        check_not_cosigned(&mut findings, name, "A's checkpoint dated tomorrow", &reply);
    }

    // The control: B's new record reaches C and A, so replication runs; A's stay out.
    let b_origin = net.node("b").origin.clone();
    net.node("b").append(calendar(2026));
    wait_mirrored(net.node("c"), &b_origin, 1);
    wait_mirrored(net.node("a"), &b_origin, 1);
    for name in ["b", "c"] {
        let log = net.node(name).log(&a_origin);
        findings.check(
            log["size"] == n && log["checkpoint_size"] == n,
            format!("{name} mirrored A's records dated tomorrow: {log}"),
        );
    }
    let own = net.node("a").log(&a_origin);
    findings.check(
        own["cosignatures"] == 0,
        format!("A's checkpoint dated tomorrow was cosigned: {own}"),
    );
    findings.finish();
}

/// Attack 6: a bundle whose witnessed time lies ahead of the verification time (`ledger-client
/// verify --at`): a verifier whose date is behind, or witnesses' cosignatures dated a year ahead.
/// The verdict is a refusal, never a status, and the JSON report says why.
#[test]
fn a_witnessed_time_in_the_future_is_refused_by_the_verifier() {
    let mut findings = Findings::new("future as-of");
    let (net, a_origin) = network_with_a_notice();
    let keys = bundle_keys(&net, "a");
    let [b_w, c_w] = ["b", "c"].map(|n| net.node(n).witness_key());
    let c = net.node("c");
    let real = bundle_cosigned_by_b_and_c(&net, &a_origin);
    let far = forge::recosign(&real, &keys, &[], &[&b_w, &c_w], now() + 365 * DAY);

    // A week of max-age, so that verifying at noon tomorrow is never stale.
    let text = network_policy_text(c);
    let served = format!("max-age {}\n", ledger_node::policy::NETWORK_MAX_AGE);
    assert!(text.contains(&served), "{text}");
    let text = text.replace(&served, "max-age 7d\n");
    let files = tempfile::tempdir().unwrap();
    let policy = files.path().join("policy.txt");
    std::fs::write(&policy, text).unwrap();
    let (real_file, far_file) = (
        files.path().join("real.bundle"),
        files.path().join("far.bundle"),
    );
    std::fs::write(&real_file, real.encode()).unwrap();
    std::fs::write(&far_file, far.encode()).unwrap();
    let day = |offset: i64| {
        Date::from_unix_cst(now() + offset * DAY)
            .unwrap()
            .to_string()
    };

    let code = code_of(A_REGION, 1).to_string();
    let control = client_verify(&real_file, &policy, &code, &["--at", &day(1)]);
    assert_eq!(control["verdict"], "in-notice", "the control: {control}");
    for (what, file, at) in [
        (
            "verified 20 days before it was witnessed",
            &real_file,
            day(-20),
        ),
        ("cosigned a year ahead", &far_file, day(1)),
    ] {
        let report = client_verify(file, &policy, &code, &["--at", &at]);
        let refused = matches!(report["verdict"].as_str(), Some("untrusted" | "tampered"));
        let says_why = report["reason"]
            .as_str()
            .is_some_and(|r| r.to_lowercase().contains("future"));
        findings.check(
            refused && says_why,
            format!("a bundle {what} is not refused as from the future: {report}"),
        );
    }
    findings.finish();
}
