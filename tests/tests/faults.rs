//! Faults on a three-node network of real processes (docs/operations.md): a node cut off under
//! load and healed, and the writer killed while a fresh node catches up. Each test states what it
//! checked: nothing acknowledged is lost, every node ends with the same log, and no node reports a
//! false equivocation.

mod common;

use common::{Agency, Network, assert_no_equivocation, service, wait_long, wait_mirrored};

fn root(node: &Agency, origin: &str) -> String {
    let note = node.get_text(&format!("/v1/checkpoint?log={origin}"));
    note.lines().nth(2).unwrap_or_default().to_owned()
}

#[test]
fn a_node_cut_off_under_load_catches_up_without_a_false_equivocation() {
    let mut net = Network::create(&["a", "b", "c"], None);
    for name in ["a", "b", "c"] {
        net.agency(name).start(0);
    }
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    wait_mirrored(net.node("c"), &origin, 4);

    // C is cut off (SIGSTOP: its connections stay open, nothing answers) while A takes 20,000
    // acknowledged hashes; B keeps mirroring.
    net.node("c").signal("STOP");
    for batch in 0..20u64 {
        net.node("a")
            .submit_evidence(&service(), batch * 1_000, 1_000);
    }
    let size = 4 + 20_000;
    wait_mirrored(net.node("b"), &origin, size);
    net.node("c").signal("CONT");

    // Healed: C catches up on everything A acknowledged, to the same root, and nobody saw a
    // conflict.
    wait_long("C to catch up after the partition", 120, || {
        net.node("c").log(&origin)["checkpoint_size"].as_u64() == Some(size)
    });
    assert_eq!(net.node("c").size_of(&origin), size);
    assert_eq!(root(net.node("c"), &origin), root(net.node("a"), &origin));
    assert_eq!(net.node("c").metric("ledger_mirror_rejected_ranges"), 0.0);
    assert_no_equivocation(&net, &["a", "b", "c"]);
}

#[test]
fn the_writer_killed_during_a_fresh_nodes_catch_up() {
    const RECORDS: u64 = 60_000;
    let mut net = Network::create(&["a", "b", "c"], None);
    net.agency("a").start(0);
    net.agency("b").start(0);
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    net.node("a").submit_evidence(&service(), 0, RECORDS);
    let size = RECORDS + 4;
    wait_long("B to mirror A", 120, || {
        net.node("b").log(&origin)["checkpoint_size"].as_u64() == Some(size)
    });

    // C starts fresh; A is killed -9 while C is catching up: C finishes from B.
    net.agency("c").start(0);
    wait_long("C to start catching up", 60, || {
        net.node("c").size_of(&origin) > 0
    });
    net.agency("a").kill();
    let partial = net.node("c").size_of(&origin);
    assert!(
        partial < size,
        "A was killed before C finished ({partial} of {size})"
    );
    wait_long("C to finish from B", 180, || {
        net.node("c").log(&origin)["checkpoint_size"].as_u64() == Some(size)
    });
    assert_eq!(root(net.node("c"), &origin), root(net.node("b"), &origin));

    // A comes back with its store intact and continues; everyone follows.
    net.agency("a").start(0);
    assert_eq!(
        net.node("a").size_of(&origin),
        size,
        "nothing acknowledged was lost"
    );
    net.node("a").submit_evidence(&service(), RECORDS, 10);
    for name in ["b", "c"] {
        wait_mirrored(net.node(name), &origin, size + 10);
    }
    assert_no_equivocation(&net, &["a", "b", "c"]);
}
