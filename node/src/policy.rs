//! The trust-policy file a node writes for verifiers of its own log, in the text format that
//! `ledger-client` reads (client/POLICY.md).

use ledger_format::checkpoint::VerifierKey;

/// The policy that trusts this node's log key alone, for codes of `regions` when given: no
/// witnesses yet (a node started without peers), checkpoints at most a day old. Banks extend it
/// with the witnesses of the network.
pub fn own_policy_text(origin: &str, key: &VerifierKey, regions: Option<&[u32]>) -> String {
    let mut text = format!(
        "# Trust policy for the log {origin}, written by `ledger-node init`.\n\
         # Check the key ID below with the agency out of band (phone, paper) before trusting it.\n\
         # Format: client/POLICY.md. Add the network's witnesses and raise the quorum when the\n\
         # node joins a network.\n\
         {}",
        log_line(origin, key)
    );
    if let Some(regions) = regions.filter(|r| !r.is_empty()) {
        text.push_str(&regions_line(origin, regions));
    }
    text.push_str("quorum 0\nmax-age 24h\n");
    text
}

/// The policy of the whole network: every member's log key and regions, every member's witness
/// key marked as the node of its own log (so that it never counts for that log), the network's
/// quorum, checkpoints at most a day old.
pub fn network_policy_text(membership: &crate::replication::Membership) -> String {
    let mut text = String::from(
        "# Trust policy for the registration network, served by `ledger-node`.\n\
         # Check every key ID with its agency out of band before trusting it.\n\
         # Format: client/POLICY.md. Each node is the node-of its own agency's log: it never\n\
         # counts towards that log's quorum, only towards the others'.\n",
    );
    for member in &membership.members {
        text.push_str(&log_line(&member.origin, &member.log_key));
    }
    for member in &membership.members {
        text.push_str(&regions_line(&member.origin, &member.regions));
    }
    let mut names: Vec<String> = Vec::new();
    for (i, member) in membership.members.iter().enumerate() {
        let name = witness_name(&member.name, i, &names);
        text.push_str(&format!(
            "witness {name} {} node-of {}\n",
            member.witness_key, member.origin
        ));
        names.push(name);
    }
    match membership.quorum {
        0 => text.push_str("quorum none\n"),
        n => text.push_str(&format!("quorum {n}\n")),
    }
    text.push_str("max-age 24h\n");
    text
}

fn log_line(origin: &str, key: &VerifierKey) -> String {
    if key.name() == origin {
        format!("log {key}\n")
    } else {
        format!("log {key} origin {origin}\n")
    }
}

fn regions_line(origin: &str, regions: &[u32]) -> String {
    let codes: Vec<String> = regions.iter().map(|r| format!("{r:06}")).collect();
    format!("regions {origin} {}\n", codes.join(" "))
}

/// The member's name when it is a usable policy name (one word, not a number, `none`, `any`,
/// `all`, not a comment), else `w<i>`; made unique with `~`.
fn witness_name(name: &str, i: usize, taken: &[String]) -> String {
    let usable = !name.is_empty()
        && !name.chars().any(char::is_whitespace)
        && !name.bytes().all(|b| b.is_ascii_digit())
        && !["none", "any", "all"].contains(&name)
        && !name.starts_with('#');
    let mut name = if usable {
        name.to_owned()
    } else {
        format!("w{i}")
    };
    while taken.contains(&name) {
        name.push('~');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::{MemberEntry, Membership};
    use ledger_format::testing;

    fn member(n: u8, name: &str, region: u32) -> String {
        let origin = format!("ledger.a{n}.example/1");
        MemberEntry {
            name: name.into(),
            origin: origin.clone(),
            regions: vec![region],
            log_key: VerifierKey::ed25519(&origin, testing::witness_key(n).public_key())
                .unwrap()
                .to_string(),
            witness_key: VerifierKey::cosignature_v1(
                &format!("{origin}/witness"),
                testing::witness_key(n + 10).public_key(),
            )
            .unwrap()
            .to_string(),
            peer_id: libp2p::identity::Keypair::ed25519_from_bytes([n; 32])
                .unwrap()
                .public()
                .to_peer_id()
                .to_string(),
            addresses: vec![],
        }
        .to_toml()
            + "\n"
    }

    #[test]
    fn the_network_policy_marks_each_node_as_its_own_logs() {
        let text = member(1, "yuxi", testing::REGION)
            + &member(2, "all", 530_100)
            + &member(3, "w1", 530_300);
        let membership = Membership::parse(&text).unwrap();
        let policy = network_policy_text(&membership);
        let witness = |n: u8| {
            VerifierKey::cosignature_v1(
                &format!("ledger.a{n}.example/1/witness"),
                testing::witness_key(n + 10).public_key(),
            )
            .unwrap()
        };
        for line in [
            "regions ledger.a1.example/1 530400\n".to_owned(),
            "regions ledger.a3.example/1 530300\n".to_owned(),
            format!("witness yuxi {} node-of ledger.a1.example/1\n", witness(1)),
            // "all" is reserved; its fallback w1 is taken by the third member's name later.
            format!("witness w1 {} node-of ledger.a2.example/1\n", witness(2)),
            format!("witness w1~ {} node-of ledger.a3.example/1\n", witness(3)),
            "quorum 2\nmax-age 24h\n".to_owned(),
        ] {
            assert!(policy.contains(&line), "missing {line:?} in\n{policy}");
        }
        // The log lines come before every line that names their origins.
        let first_log = policy.find("\nlog ").unwrap();
        let last_log = policy.rfind("\nlog ").unwrap();
        assert!(first_log < policy.find("\nregions ").unwrap());
        assert!(last_log < policy.find("\nregions ").unwrap());
    }

    #[test]
    fn the_own_policy_lists_regions_when_known() {
        let key =
            VerifierKey::ed25519(testing::ORIGIN, testing::agency_key().public_key()).unwrap();
        let with = own_policy_text(testing::ORIGIN, &key, Some(&[testing::REGION, 530_100]));
        assert!(
            with.contains(&format!(
                "log {key}\nregions {} 530400 530100\nquorum 0\n",
                testing::ORIGIN
            )),
            "{with}"
        );
        let without = own_policy_text(testing::ORIGIN, &key, None);
        assert!(!without.contains("regions"), "{without}");
        assert!(
            without.contains(&format!("log {key}\nquorum 0\n")),
            "{without}"
        );
    }
}
