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
