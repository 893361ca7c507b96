//! The trust-policy file a node writes for verifiers of its own log, in the text format that
//! `ledger-client` reads (client/POLICY.md).

use ledger_format::checkpoint::VerifierKey;

/// The policy that trusts this node's log key alone: no witnesses yet (a node started without
/// peers), checkpoints at most a day old. Banks extend it with the witnesses of the network.
pub fn own_policy_text(origin: &str, key: &VerifierKey) -> String {
    format!(
        "# Trust policy for the log {origin}, written by `ledger-node init`.\n\
         # Check the key ID below with the agency out of band (phone, paper) before trusting it.\n\
         # Format: client/POLICY.md. Add the network's witnesses and raise the quorum when the\n\
         # node joins a network.\n\
         log {key}\n\
         quorum 0\n\
         max-age 24h\n"
    )
}

/// The policy of the whole network: every member's log key, every member's witness key, the
/// network's quorum, checkpoints at most a day old. A log's own node is among its witnesses in
/// the list, but never cosigns its own log, so the quorum is met by the other agencies.
pub fn network_policy_text(membership: &crate::replication::Membership) -> String {
    let mut text = String::from(
        "# Trust policy for the registration network, served by `ledger-node`.\n\
         # Check every key ID with its agency out of band before trusting it.\n\
         # Format: client/POLICY.md.\n",
    );
    for member in &membership.members {
        text.push_str(&format!("log {}\n", member.log_key));
    }
    for (i, member) in membership.members.iter().enumerate() {
        text.push_str(&format!("witness w{i} {}\n", member.witness_key));
    }
    text.push_str(&format!("quorum {}\nmax-age 24h\n", membership.quorum));
    text
}
