//! Membership changes on a running network, as real processes on 127.0.0.1: an agency added by
//! reloading the membership file (`ledger-node reload` and SIGHUP, no restart), an invalid file
//! refused with the old membership left in force, an agency removed while its mirrored log
//! stays readable and verifiable up to the removal, and a witness key rotated on a running network
//! (the old key, stolen, no longer counts after its window).

mod common;

use std::process::Command;

use common::{
    Agency, Network, member_entry, network_policy, node_binary, now, service, wait_for,
    wait_mirrored,
};
use ledger_format::bundle::{TrustPolicy, VerdictKind, verify_checkpoint};
use ledger_format::checkpoint::{CompactCheckpoint, SignedCheckpoint, VerifierKey};
use serde_json::json;

/// Writes the shared membership file listing `names` with `quorum`.
fn write_membership(net: &Network, quorum: usize, names: &[&str]) {
    let mut text = format!("quorum = {quorum}\n");
    for name in names {
        text.push('\n');
        text.push_str(&member_entry(&net.node(name).dir, name));
    }
    std::fs::write(net.dir.path().join("network.toml"), text).unwrap();
}

/// `ledger_membership_reloads_total` of `node` for `result` (`applied` or `refused`).
fn reloads(node: &Agency, result: &str) -> f64 {
    node.metric(&format!(
        "ledger_membership_reloads_total{{result=\"{result}\"}}"
    ))
}

fn calendar(node: &Agency, year: u16) {
    node.append(json!({"Calendar": {"year": year, "holidays": [], "makeup_workdays": []}}));
}

#[test]
fn agencies_join_and_leave_a_running_network_by_reload() {
    let mut net = Network::create(&["a", "b", "c"], Some(&["a", "b"]));
    net.agency("a").start(0);
    net.agency("b").start(0);
    let [a_origin, b_origin, c_origin] = ["a", "b", "c"].map(|n| net.node(n).origin.clone());
    net.node("a").set_up(&service());
    net.node("a").submit_evidence(&service(), 0, 20);
    calendar(net.node("b"), 2026);
    wait_mirrored(net.node("b"), &a_origin, 24);
    wait_mirrored(net.node("a"), &b_origin, 1);
    let two_agency_policy = network_policy(net.node("a"));

    // C joins: the file lists it, A reloads by the CLI and B by SIGHUP, then C starts (and finds
    // peers that accept it).
    write_membership(&net, 1, &["a", "b", "c"]);
    let (ok, out) = net.node("a").reload_cli();
    assert!(ok && out.contains(&c_origin), "reload on A: {out}");
    net.node("b").hangup();
    wait_for("B to reload on SIGHUP", || {
        reloads(net.node("b"), "applied") == 1.0
    });
    net.agency("c").start(0);
    assert_eq!(net.node("a").metric("ledger_membership_members"), 3.0);
    calendar(net.node("c"), 2026);
    for name in ["a", "b"] {
        wait_mirrored(net.node(name), &c_origin, 1);
    }
    wait_mirrored(net.node("c"), &a_origin, 24);
    wait_mirrored(net.node("c"), &b_origin, 1);
    let policy = network_policy(net.node("a"));
    assert!(policy.logs.iter().any(|l| l.origin == c_origin));
    assert_eq!(policy.witnesses.len(), 3);

    // An invalid file changes nothing: refused with the reason, logged, counted; no token, no call.
    let a = net.node("a");
    let valid = std::fs::read_to_string(net.dir.path().join("network.toml")).unwrap();
    std::fs::write(
        net.dir.path().join("network.toml"),
        valid.replace("quorum = 1", "quorum = 5"),
    )
    .unwrap();
    let refused = a.post_with_token("/v1/admin/reload", Some(&a.token()));
    assert_eq!(refused.status, 422, "{refused:?}");
    assert!(
        refused.body.contains("quorum 5 can never be met"),
        "{refused:?}"
    );
    assert_eq!(a.post_with_token("/v1/admin/reload", None).status, 401);
    assert_eq!(
        a.post_with_token("/v1/admin/reload", Some("not-the-token-at-all"))
            .status,
        401
    );
    assert_eq!(reloads(a, "refused"), 1.0);
    assert!(a.node_log().contains("membership reload refused"));
    assert_eq!(network_policy(a), policy, "the old policy is still served");
    calendar(net.node("c"), 2027);
    wait_mirrored(net.node("a"), &c_origin, 2);

    // B leaves: its entry is marked removed, A (SIGHUP) and C (CLI) reload. B's log stays
    // readable on A, and verifiable with the policy A now serves, up to the removal.
    let removal = now();
    write_membership(&net, 1, &["a", "c"]);
    let removed_entry = format!(
        "\n{}removed = {removal}\n",
        member_entry(&net.node("b").dir, "b")
    );
    let path = net.dir.path().join("network.toml");
    let text = std::fs::read_to_string(&path).unwrap() + &removed_entry;
    std::fs::write(&path, text).unwrap();
    net.node("a").hangup();
    wait_for("A to reload on SIGHUP", || {
        reloads(net.node("a"), "applied") == 2.0
    });
    let (ok, out) = net.node("c").reload_cli();
    assert!(ok && out.contains(&b_origin), "reload on C: {out}");
    let a = net.node("a");
    assert_eq!(a.metric("ledger_membership_members"), 2.0);
    let policy = network_policy(a);
    let b_log = policy.logs.iter().find(|l| l.origin == b_origin).unwrap();
    assert_eq!(b_log.not_after, Some(removal));
    assert!(
        policy
            .witnesses
            .iter()
            .filter(|w| w.key.name() == net.node("b").witness_key().verifier_key().name())
            .all(|w| w.not_after == Some(removal))
    );
    assert_eq!(a.size_of(&b_origin), 1, "B's mirrored log is still listed");
    let record = a.get_json(&format!("/v1/records/0?log={b_origin}"));
    assert_eq!(record["index"], 0);
    let note = a.get_text(&format!("/v1/checkpoint?log={b_origin}"));
    let signed = SignedCheckpoint::parse(&note).unwrap();
    let compact = CompactCheckpoint::from_signed(&signed, &keys_of(&policy)).unwrap();
    let trusted = verify_checkpoint(&compact, &policy, now()).unwrap();
    assert!(trusted.as_of <= removal);
    let b_key = two_agency_policy
        .logs
        .iter()
        .find(|l| l.origin == b_origin)
        .unwrap();
    signed.verify_log_signature(&b_key.key).unwrap();

    // B, still configured with A, keeps dialling: A refuses it, and follows B's log no further.
    let refused_before = a.metric("ledger_p2p_refused_connections_total");
    calendar(net.node("b"), 2027);
    wait_for("A to refuse B's connections", || {
        net.node("a").metric("ledger_p2p_refused_connections_total") > refused_before
    });
    assert_eq!(net.node("a").size_of(&b_origin), 1);

    // Across a restart, A still serves B's log as it was at the removal.
    net.agency("a").kill();
    net.agency("a").start(0);
    let a = net.node("a");
    assert_eq!(a.size_of(&b_origin), 1);
    assert_eq!(a.get_text(&format!("/v1/checkpoint?log={b_origin}")), note);
}

/// Every key of `policy`, log keys first: what a compact checkpoint is rebuilt with.
fn keys_of(policy: &TrustPolicy) -> Vec<VerifierKey> {
    policy
        .logs
        .iter()
        .map(|l| l.key.clone())
        .chain(policy.witness_keys())
        .collect()
}

#[test]
fn a_witness_key_rotates_on_a_running_network() {
    let mut net = Network::create(&["a", "b"], None);
    net.agency("a").start(0);
    net.agency("b").start(0);
    let a_origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    wait_mirrored(net.node("b"), &a_origin, 4);
    let stolen = net.node("b").witness_key();

    // B rotates its witness key, taking over a few seconds from now; the entry goes to both nodes.
    let at = now() + 6;
    let out = Command::new(node_binary())
        .arg("--data-dir")
        .arg(&net.node("b").dir)
        .args(["rotate-key", "--witness", "--at", &at.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entry = String::from_utf8(out.stdout).unwrap();
    let membership = format!(
        "quorum = 1\n\n{}\n{entry}",
        member_entry(&net.node("a").dir, "a")
    );
    std::fs::write(net.dir.path().join("network.toml"), membership).unwrap();
    for name in ["a", "b"] {
        let (ok, out) = net.node(name).reload_cli();
        assert!(ok, "reload on {name}: {out}");
    }
    let policy = network_policy(net.node("a"));
    let b_keys: Vec<_> = policy
        .witnesses
        .iter()
        .filter(|w| w.key.name() == stolen.verifier_key().name())
        .collect();
    assert_eq!(b_keys.len(), 2, "both of B's witness keys are served");
    assert_eq!(b_keys[0].key, *stolen.verifier_key());
    assert_eq!(b_keys[0].not_after, Some(at - 1));
    assert_eq!(b_keys[1].not_before, Some(at));
    let new_key = b_keys[1].key.clone();

    // After the switch, B cosigns A's new checkpoints with the new key, and they verify.
    wait_for("the rotation time", || now() > at);
    net.node("a").submit_evidence(&service(), 0, 5);
    wait_mirrored(net.node("b"), &a_origin, 9);
    let a = net.node("a");
    let mut signed = None;
    wait_for("A to hold B's cosignature by the new key", || {
        let note = a.get_text("/v1/checkpoint");
        let parsed = SignedCheckpoint::parse(&note).unwrap();
        let done = parsed.checkpoint().size == 9
            && !parsed
                .verify_cosignatures(std::slice::from_ref(&new_key))
                .valid
                .is_empty();
        signed = Some(parsed);
        done
    });
    let signed = signed.unwrap();
    let compact = CompactCheckpoint::from_signed(&signed, &keys_of(&policy)).unwrap();
    let trusted = verify_checkpoint(&compact, &policy, now()).unwrap();
    assert!(trusted.cosigners.iter().all(|c| c.timestamp >= at));

    // The old key, stolen, cosigns the same checkpoint now: it does not count, and says why.
    let log_only = CompactCheckpoint::from_signed(&signed, &keys_of(&policy)[..2]).unwrap();
    let mut forged = log_only.to_signed(&keys_of(&policy)[..2]).unwrap();
    forged
        .add_cosignature(
            stolen.verifier_key().name(),
            stolen.signer(),
            u64::try_from(now()).unwrap(),
        )
        .unwrap();
    let compact = CompactCheckpoint::from_signed(&forged, &keys_of(&policy)).unwrap();
    match verify_checkpoint(&compact, &policy, now()) {
        Err(VerdictKind::Untrusted(reason)) => assert!(
            reason.contains("outside its window")
                && reason.contains(&format!("not-after {}", at - 1)),
            "{reason}"
        ),
        other => panic!("a stolen old key counted: {other:?}"),
    }

    // Reloaded after the switch, B moves the new key over its key file.
    let (ok, out) = net.node("b").reload_cli();
    assert!(ok && out.contains(&new_key.to_string()), "{out}");
    assert!(!net.node("b").dir.join("witness.key.next").exists());
    assert_eq!(net.node("b").witness_key().verifier_key(), &new_key);
}
