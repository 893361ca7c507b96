//! Membership changes on a running network, as real processes on 127.0.0.1: an agency added by
//! reloading the membership file (`ledger-node reload` and SIGHUP, no restart), an invalid file
//! refused with the old membership left in force, and an agency removed while its mirrored log
//! stays readable and verifiable up to the removal.

mod common;

use common::{Agency, Network, member_entry, network_policy, service, wait_for, wait_mirrored};
use ledger_format::checkpoint::SignedCheckpoint;
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
    wait_mirrored(net.node("b"), &a_origin, 23);
    wait_mirrored(net.node("a"), &b_origin, 1);
    let two_agency_policy = network_policy(net.node("a"));

    // C joins: the file lists it, C starts, A reloads by the CLI and B by SIGHUP.
    write_membership(&net, 1, &["a", "b", "c"]);
    net.agency("c").start(0);
    let (ok, out) = net.node("a").reload_cli();
    assert!(ok && out.contains(&c_origin), "reload on A: {out}");
    net.node("b").hangup();
    wait_for("B to reload on SIGHUP", || {
        reloads(net.node("b"), "applied") == 1.0
    });
    assert_eq!(net.node("a").metric("ledger_membership_members"), 3.0);
    calendar(net.node("c"), 2026);
    for name in ["a", "b"] {
        wait_mirrored(net.node(name), &c_origin, 1);
    }
    wait_mirrored(net.node("c"), &a_origin, 23);
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

    // B leaves: A (SIGHUP) and C (CLI) reload. B's log stays readable on A up to the removal.
    write_membership(&net, 1, &["a", "c"]);
    net.node("a").hangup();
    wait_for("A to reload on SIGHUP", || {
        reloads(net.node("a"), "applied") == 2.0
    });
    let (ok, out) = net.node("c").reload_cli();
    assert!(ok && out.contains(&b_origin), "reload on C: {out}");
    let a = net.node("a");
    let policy = network_policy(a);
    assert_eq!(policy.logs.len(), 2);
    assert_eq!(policy.witnesses.len(), 2);
    assert_eq!(a.size_of(&b_origin), 1, "B's mirrored log is still listed");
    let record = a.get_json(&format!("/v1/records/0?log={b_origin}"));
    assert_eq!(record["index"], 0);
    let note = a.get_text(&format!("/v1/checkpoint?log={b_origin}"));
    let signed = SignedCheckpoint::parse(&note).unwrap();
    let b_key = two_agency_policy
        .logs
        .iter()
        .find(|l| l.origin == b_origin)
        .unwrap();
    signed.verify_log_signature(&b_key.key).unwrap();
    let check = signed.verify_cosignatures(&two_agency_policy.witness_keys());
    assert!(
        check.invalid.is_empty() && !check.valid.is_empty(),
        "{note}"
    );

    // B, still configured with A, keeps dialling: A refuses it, and follows B's log no further.
    let refused_before = a.metric("ledger_p2p_refused_connections_total");
    calendar(net.node("b"), 2027);
    wait_for("A to refuse B's connections", || {
        net.node("a").metric("ledger_p2p_refused_connections_total") > refused_before
    });
    assert_eq!(net.node("a").size_of(&b_origin), 1);
}
