//! Agencies' nodes as real processes on 127.0.0.1, replicating and witnessing each other's logs
//! over libp2p: mirroring and cosigning, surviving the loss of a log's writer, a fresh node's
//! catch-up, forged records and unlisted peers refused, a rogue agency's equivocation caught, and
//! an evidence receipt that stays provable as the log grows.

mod common;

use common::{
    Agency, DAY, Network, network_policy, now, service, wait_for, wait_long, wait_mirrored,
    witnessed_receipt,
};
use ledger_format::Canonical;
use ledger_format::bundle::{Bundle, VerdictKind, verify_bundle};
use ledger_format::checkpoint::SignedCheckpoint;
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::date::Date;
use ledger_format::equivocation::Equivocation;
use ledger_format::hash::Hash;
use ledger_format::keys::SecretKey;
use ledger_format::receipt::{ReceiptError, verify_receipt, verify_receipt_extended};
use ledger_format::record::{Body, Issued};
use serde_json::json;

fn code() -> CertificateCode {
    CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 1).unwrap()
}

#[test]
fn agencies_mirror_cosign_and_outlive_the_writer() {
    let mut net = Network::create(&["a", "b", "c"], None);
    for name in ["a", "b", "c"] {
        net.agency(name).start(0);
    }
    let a_origin = net.agency("a").origin.clone();
    {
        let a = net.agency("a");
        a.set_up(&service());
        a.submit_evidence(&service(), 0, 200);
        a.publish_first_notice(&code());
    }
    // Set-up (calendars, profile, evidence service), the evidence, then the first registration:
    // application, acceptance, review and notice.
    let size = 4 + 200 + 4;
    for name in ["b", "c"] {
        wait_mirrored(net.agency(name), &a_origin, size);
    }

    // The writer's machine is lost: B and C still serve its log, its proofs and its bundles.
    net.agency("a").kill();
    let c = net.agency("c");
    let note = c.get_text(&format!("/v1/checkpoint?log={a_origin}"));
    assert!(note.starts_with(&format!("{a_origin}\n{size}\n")), "{note}");
    let record = c.get_json(&format!("/v1/records/5?log={a_origin}"));
    assert_eq!(record["index"], 5);
    let proof = c.get_json(&format!(
        "/v1/proofs/inclusion?index=5&size={size}&log={a_origin}"
    ));
    assert_eq!(proof["tree_size"], size);
    let bundle =
        Bundle::decode_exact(&c.get_bytes(&format!("/v1/certificates/{}/bundle", code()))).unwrap();
    assert_eq!(bundle.checkpoint.origin, a_origin);

    // Meanwhile B's and C's logs grow; A comes back (two weeks later by its clock: the notice is
    // over) and catches up on what it missed.
    let b_origin = net.agency("b").origin.clone();
    let c_origin = net.agency("c").origin.clone();
    for name in ["b", "c"] {
        let node = net.agency(name);
        node.append(json!({"Calendar": {"year": 2026, "holidays": [], "makeup_workdays": []}}));
    }
    wait_mirrored(net.agency("b"), &c_origin, 1);
    // Two weeks pass for the whole network (replicas refuse records dated ahead of their own
    // clocks, so every node's clock moves, not A's alone).
    for name in ["b", "c"] {
        net.agency(name).kill();
        net.agency(name).start(14);
    }
    net.agency("a").start(14);
    wait_mirrored(net.agency("a"), &b_origin, 1);
    wait_mirrored(net.agency("a"), &c_origin, 1);

    // A issues the certificate; C's bundle carries cosignatures of B and C and verifies as valid
    // with the network's policy (quorum 2), as of A's shifted date.
    net.agency("a").issue(&code());
    wait_mirrored(net.agency("c"), &a_origin, size + 1);
    let c = net.agency("c");
    let policy = network_policy(c);
    assert_eq!(policy.quorum, 2);
    // The served policy binds A's log to A's region, and A's own node does not count for it.
    assert_eq!(policy.regions_of(&a_origin), Some(&[530_400][..]));
    assert_eq!(policy.witnesses.len(), 3);
    assert_eq!(policy.replicas_for(&a_origin).len(), 2);
    let at = now() + 14 * DAY;
    let mut verdict = None;
    wait_for("a bundle from C with a quorum of cosignatures", || {
        let bytes = c.get_bytes(&format!("/v1/certificates/{}/bundle?records=true", code()));
        let bundle = Bundle::decode_exact(&bytes).unwrap();
        let v = verify_bundle(&bundle, &policy, at);
        let done = matches!(v.kind, VerdictKind::Valid { .. });
        verdict = Some((v, bundle));
        done
    });
    let (verdict, bundle) = verdict.unwrap();
    assert!(
        matches!(verdict.kind, VerdictKind::Valid { .. }),
        "{verdict:?}"
    );
    let names: Vec<&str> = bundle
        .checkpoint
        .to_signed(
            &policy
                .witness_keys()
                .into_iter()
                .chain(policy.logs.iter().map(|l| l.key.clone()))
                .collect::<Vec<_>>(),
        )
        .map(|s| {
            s.note()
                .signatures()
                .iter()
                .map(|l| l.name().to_owned())
                .collect::<Vec<_>>()
        })
        .unwrap()
        .iter()
        .map(|n| {
            if n.starts_with("ledger.b.") {
                "b"
            } else if n.starts_with("ledger.c.") {
                "c"
            } else {
                "a"
            }
        })
        .collect();
    assert!(names.contains(&"b") && names.contains(&"c"), "{names:?}");
}

#[test]
fn a_fresh_node_catches_up_100k_records_and_resumes_after_a_crash() {
    const RECORDS: u64 = 100_000;
    let mut net = Network::create(&["a", "d"], None);
    net.agency("a").start(0);
    let a_origin = net.agency("a").origin.clone();
    {
        let a = net.agency("a");
        a.set_up(&service());
        a.submit_evidence(&service(), 0, RECORDS);
    }
    let size = RECORDS + 4;
    wait_for("A's checkpoint", || {
        net.agency("a").log(&a_origin)["checkpoint_size"].as_u64() == Some(size)
    });
    // D starts, is killed in the middle of its catch-up, and resumes where it was.
    net.agency("d").start(0);
    wait_long("D to start catching up", 120, || {
        net.agency("d").size_of(&a_origin) > 0
    });
    let partial = net.agency("d").size_of(&a_origin);
    net.agency("d").kill();
    net.agency("d").start(0);
    assert!(net.agency("d").size_of(&a_origin) >= partial);
    let started = std::time::Instant::now();
    wait_long("D to catch up 100,000 records", 300, || {
        let log = net.agency("d").log(&a_origin);
        log["size"].as_u64() == Some(size) && log["checkpoint_size"].as_u64() == Some(size)
    });
    eprintln!(
        "D caught up {} records after its restart in {:.1} s",
        size - partial,
        started.elapsed().as_secs_f64()
    );
    // D verified and stored everything: its copy serves the same checkpoint root.
    let root = |node: &Agency| {
        let note = node.get_text(&format!("/v1/checkpoint?log={a_origin}"));
        note.lines().nth(2).unwrap().to_owned()
    };
    assert_eq!(root(net.agency("d")), root(net.agency("a")));
    assert_eq!(net.agency("d").metric("ledger_mirror_rejected_ranges"), 0.0);
}

/// Writes records into a node's store before it starts, as a rogue agency would, and signs a
/// checkpoint over them with the agency's own key.
fn forge_log(
    agency: &Agency,
    forge: impl FnOnce(&SecretKey, &str) -> Vec<ledger_format::record::Record>,
) {
    let records = forge(&agency.log_key(), &agency.origin);
    common::forge::write_log(agency, &records, &[]);
}

fn calendar_record(
    key: &SecretKey,
    origin: &str,
    index: u64,
    prev: Hash,
) -> ledger_format::record::Record {
    let header = ledger_format::record::Header {
        origin: origin.to_owned(),
        index,
        prev_hash: prev,
        time: now(),
        author: key.public_key(),
        officer: None,
    };
    let calendar =
        ledger_format::calendar::WorkCalendar::new(2026 + index as u16, vec![], vec![]).unwrap();
    ledger_format::record::Record::sign_agency(header, Body::Calendar(calendar), key).unwrap()
}

#[test]
fn forged_records_and_unlisted_peers_are_refused() {
    // Three listed agencies whose logs hold one forged record each, a witness B, and U, a node
    // B's membership does not list.
    let mut net = Network::create(
        &["sig", "chain", "rule", "b", "u"],
        Some(&["sig", "chain", "rule", "b"]),
    );
    forge_log(net.agency("sig"), |key, origin| {
        let first = calendar_record(key, origin, 0, Hash::ZERO);
        let mut second = calendar_record(key, origin, 1, first.hash());
        second.signature.0[0] ^= 1;
        vec![first, second]
    });
    forge_log(net.agency("chain"), |key, origin| {
        let first = calendar_record(key, origin, 0, Hash::ZERO);
        vec![first, calendar_record(key, origin, 1, Hash([9; 32]))]
    });
    forge_log(net.agency("rule"), |key, origin| {
        let first = calendar_record(key, origin, 0, Hash::ZERO);
        let header = ledger_format::record::Header {
            origin: origin.to_owned(),
            index: 1,
            prev_hash: first.hash(),
            time: now(),
            author: key.public_key(),
            officer: None,
        };
        // Issued with no notice: R22 forbids it.
        let today = Date::from_unix_cst(now()).unwrap();
        let issued = Body::Issued(Issued {
            code: code(),
            valid_from: today,
            valid_until: today.period_end_years(3).unwrap(),
        });
        vec![
            first,
            ledger_format::record::Record::sign_agency(header, issued, key).unwrap(),
        ]
    });
    // U lists itself and B, so it dials B; B does not list U.
    let u_dir = net.agency("u").dir.clone();
    let u_membership = format!(
        "quorum = 1\n\n{}\n{}",
        common::member_entry(&u_dir, "u"),
        common::member_entry(&net.agency("b").dir, "b")
    );
    std::fs::write(u_dir.join("u-network.toml"), u_membership).unwrap();
    let config = std::fs::read_to_string(u_dir.join("config.toml")).unwrap();
    let config = config
        .lines()
        .map(|l| {
            if l.starts_with("membership") {
                "membership = \"u-network.toml\"".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(u_dir.join("config.toml"), config + "\n").unwrap();

    for name in ["sig", "chain", "rule", "b", "u"] {
        net.agency(name).start(0);
    }
    net.agency("b")
        .append(json!({"Calendar": {"year": 2026, "holidays": [], "makeup_workdays": []}}));
    let origins: Vec<String> = ["sig", "chain", "rule"]
        .iter()
        .map(|n| net.agency(n).origin.clone())
        .collect();
    let b = net.agency("b");
    wait_for("B to refuse the three forged logs", || {
        b.metric("ledger_mirror_rejected_ranges") >= 3.0
            && b.metric("ledger_p2p_refused_connections") >= 1.0
    });
    for origin in &origins {
        let log = b.log(origin);
        assert_eq!(log["size"], 0, "{origin}: {log}");
        assert_eq!(log["checkpoint_size"], serde_json::Value::Null, "{origin}");
    }
    let b_origin = b.origin.clone();
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(
        net.agency("u").size_of(&b_origin),
        0,
        "an unlisted node got B's log"
    );
}

#[test]
fn an_equivocating_agency_is_caught_and_no_longer_cosigned() {
    let mut net = Network::create(&["a", "b", "c"], None);
    for name in ["a", "b", "c"] {
        net.agency(name).start(0);
    }
    let a_origin = net.agency("a").origin.clone();
    net.agency("a").set_up(&service());
    for name in ["b", "c"] {
        wait_mirrored(net.agency(name), &a_origin, 4);
    }
    // A's key signs a second checkpoint of size 4 with another root (the test plays the rogue
    // agency) and shows it to B through the witness endpoint.
    let a = net.agency("a");
    let honest = SignedCheckpoint::parse(&a.get_text("/v1/checkpoint")).unwrap();
    let mut other = honest.checkpoint().clone();
    other.root = Hash([0xAB; 32]);
    let forged = SignedCheckpoint::sign(other, &a_origin, &a.log_key()).unwrap();
    let body = format!("old 4\n\n{}", forged.to_note_text());
    let answer = ureq::post(&net.agency("b").url("/add-checkpoint"))
        .config()
        .http_status_as_error(false)
        .build()
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(answer.status(), 409);

    // B keeps the proof and gossips it: C has it within seconds; both stop cosigning A.
    for name in ["b", "c"] {
        let node = net.agency(name);
        wait_for(&format!("{name} to hold the equivocation proof"), || {
            node.log(&a_origin)["equivocated"] == true
        });
        assert_eq!(node.metric("ledger_equivocations"), 1.0);
    }
    let proofs = net.agency("c").get_json("/v1/equivocations");
    let hex = proofs[0]["hex"].as_str().unwrap();
    let proof = Equivocation::decode_exact(&hex::decode(hex).unwrap()).unwrap();

    let a = net.agency("a");
    a.submit_evidence(&service(), 0, 5);
    wait_for("A's next checkpoint", || {
        a.log(&a_origin)["checkpoint_size"] == 9
    });
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(
        a.log(&a_origin)["cosignatures"],
        0,
        "a witness cosigned after the equivocation"
    );
    assert_eq!(net.agency("b").log(&a_origin)["size"], 4);

    // A bank that is given the proof distrusts everything A signs.
    let c = net.agency("c");
    let mut policy = network_policy(c);
    policy.accept_equivocation(&proof).unwrap();
    let bundle = Bundle::decode_exact(&c.get_bytes(&format!(
        "/v1/certificates/{}/bundle?log={a_origin}",
        code()
    )))
    .unwrap();
    let verdict = verify_bundle(&bundle, &policy, now());
    assert!(
        matches!(&verdict.kind, VerdictKind::Untrusted(reason) if reason.contains("equivocated")),
        "{verdict:?}"
    );
}

#[test]
fn a_witnessed_receipt_stays_provable_as_the_log_grows() {
    let mut net = Network::create(&["a", "b", "c"], None);
    for name in ["a", "b", "c"] {
        net.agency(name).start(0);
    }
    let a = net.agency("a");
    a.set_up(&service());
    a.submit_evidence(&service(), 0, 1);
    let hash = ledger_format::sha256(&0u64.to_be_bytes());
    let policy = network_policy(a);
    assert_eq!(policy.quorum, 2);
    let receipt = witnessed_receipt(a, &service().public_key(), &hash, &policy, now());
    let old_size = receipt.proof.tree_size;
    // A year later it still proves the hash, as of the time the replicas witnessed it.
    let year_later = now() + 365 * DAY;
    let info = verify_receipt(&hash, &receipt, &policy, year_later).unwrap();
    assert!(info.as_of <= now());

    // The log grows; the replicas witness its newer checkpoint, which the receipt extends to.
    a.submit_evidence(&service(), 1, 5);
    let size = old_size + 5;
    let mut extended = None;
    wait_for("A's newer checkpoint with a quorum of cosignatures", || {
        let note = a.get_bytes("/v1/checkpoint");
        if !note.starts_with(format!("{}\n{size}\n", a.origin).as_bytes()) {
            return false;
        }
        let proof = a.get_bytes(&format!("/v1/proofs/consistency?from={old_size}&to={size}"));
        let newer = ledger_client::receipt::read_newer_checkpoint(&note, &proof).unwrap();
        let outcome = verify_receipt_extended(&hash, &receipt, &newer, &policy, year_later);
        let done = outcome.is_ok();
        extended = Some((outcome, newer));
        done
    });
    let (outcome, newer) = extended.unwrap();
    let consistent = outcome.unwrap().consistent_with.unwrap();
    assert_eq!(consistent.size, size);
    assert!(consistent.as_of >= info.as_of);
    // The same checkpoint with its cosignatures stripped is refused: the quorum is unmet.
    let own = newer
        .checkpoint
        .note_signed_by(
            &policy
                .logs
                .iter()
                .find(|l| l.origin == a.origin)
                .unwrap()
                .key,
        )
        .unwrap();
    let stripped = ledger_client::receipt::NewerCheckpoint {
        checkpoint: SignedCheckpoint::parse(&own).unwrap(),
        consistency: newer.consistency.clone(),
    };
    assert!(matches!(
        verify_receipt_extended(&hash, &receipt, &stripped, &policy, year_later),
        Err(ReceiptError::Untrusted(reason)) if reason.starts_with("newer checkpoint: 0 of the 2")
    ));
}
