//! The trust-policy file a node writes for verifiers of its own log, in the text format that
//! `ledger-client` reads (client/POLICY.md).

use ledger_format::checkpoint::VerifierKey;
use ledger_format::replay::KeyEpoch;

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

/// The `max-age` the served network policy gives banks (docs/operations.md#freshness): twelve
/// re-cosign intervals of the default five minutes, so a short outage does not make verdicts
/// `STALE`, while a revocation cannot stay hidden behind an old bundle for longer than an hour.
pub const NETWORK_MAX_AGE: &str = "1h";

/// The policy of the whole network: every member's log keys (from the records the node holds of
/// the log when it holds them: each key with its validity window across rotations; the
/// membership's `not-after` narrows the window of a key declared compromised) and regions, every
/// witness key of every member, current and past, with its window, marked as the node of its own
/// log (so that it never counts for that log), the network's quorum, and [`NETWORK_MAX_AGE`].
/// Removed agencies stay listed, their keys' windows ending at the removal: what they issued and
/// witnessed before stays verifiable.
pub fn network_policy_text(
    membership: &crate::replication::Membership,
    logs: Option<&crate::logs::Logs>,
) -> String {
    let mut text = String::from(
        "# Trust policy for the registration network, served by `ledger-node`.\n\
         # Check every key ID with its agency out of band before trusting it.\n\
         # Format: client/POLICY.md. Each node is the node-of its own agency's log: it never\n\
         # counts towards that log's quorum, only towards the others'.\n",
    );
    let everyone: Vec<&crate::replication::Member> = membership
        .members
        .iter()
        .chain(&membership.removed)
        .collect();
    for member in &everyone {
        text.push_str(&member_log_lines(member, logs));
    }
    for member in &everyone {
        text.push_str(&regions_line(&member.origin, &member.regions));
    }
    let mut names: Vec<String> = Vec::new();
    for (i, member) in everyone.iter().enumerate() {
        for key in &member.witness_keys {
            let name = witness_name(&member.name, i, &names);
            text.push_str(&format!(
                "witness {name} {} node-of {}{}\n",
                key.key,
                member.origin,
                window_text(key.not_before, member.witness_key_until(key))
            ));
            names.push(name);
        }
    }
    match membership.quorum {
        0 => text.push_str("quorum none\n"),
        n => text.push_str(&format!("quorum {n}\n")),
    }
    text.push_str(&format!("max-age {NETWORK_MAX_AGE}\n"));
    text
}

/// The `log` lines of a member: one per key of the log's history as the node holds it (read from
/// the log's store), each with its window, or the membership's key alone when the node holds none
/// of the log.
fn member_log_lines(
    member: &crate::replication::Member,
    logs: Option<&crate::logs::Logs>,
) -> String {
    let history = logs
        .and_then(|logs| logs.all().find(|l| l.origin == member.origin))
        .and_then(|log| log.key_history().ok())
        .unwrap_or_default();
    log_lines(member, &history)
}

/// The `log` lines of `member` whose log has the key history `history`: each key with the window
/// the rotations give it, narrowed by the membership (a key declared compromised ends at its
/// `not-after`; every key of a removed agency ends at the removal).
fn log_lines(member: &crate::replication::Member, history: &[KeyEpoch]) -> String {
    let narrowed = |key: &ledger_format::keys::PublicKey, end: Option<i64>| {
        let declared = (key == member.log_key.public_key())
            .then_some(member.log_key_not_after)
            .flatten();
        [end, declared, member.removed].into_iter().flatten().min()
    };
    let windows = ledger_format::replay::key_windows(history);
    if windows.is_empty() {
        let line = log_line(&member.origin, &member.log_key);
        let end = narrowed(member.log_key.public_key(), None);
        return format!("{}{}\n", line.trim_end(), window_text(None, end));
    }
    let mut text = String::new();
    for window in windows {
        let Some(key) = crate::logs::verifier_key(&member.origin, window.key) else {
            continue;
        };
        let end = narrowed(&window.key, window.not_after);
        if let (Some(begin), Some(end)) = (window.not_before, end)
            && end < begin
        {
            // Rotated to after the agency's removal: never in force for a verifier.
            continue;
        }
        let line = log_line(&member.origin, &key);
        text.push_str(&format!(
            "{}{}\n",
            line.trim_end(),
            window_text(window.not_before, end)
        ));
    }
    text
}

/// ` not-before <t>` and ` not-after <t>` for the bounded ends of a window.
fn window_text(not_before: Option<i64>, not_after: Option<i64>) -> String {
    let mut text = String::new();
    if let Some(t) = not_before {
        text.push_str(&format!(" not-before {}", instant(t)));
    }
    if let Some(t) = not_after {
        text.push_str(&format!(" not-after {}", instant(t)));
    }
    text
}

fn instant(unix_seconds: i64) -> String {
    ledger_format::date::instant_text(unix_seconds)
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
    use crate::replication::membership::test_entry;
    use crate::replication::{MemberEntry, Membership};
    use ledger_format::testing;

    fn member(n: u8, name: &str, region: u32) -> String {
        let origin = format!("ledger.a{n}.example/1");
        MemberEntry {
            name: name.into(),
            addresses: Vec::new(),
            ..test_entry(n, &origin, testing::witness_key(n).public_key(), region)
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
        let policy = network_policy_text(&membership, None);
        let witness = |n: u8| {
            VerifierKey::witness(
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
            "quorum 2\nmax-age 1h\n".to_owned(),
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
    fn the_network_policy_lists_every_key_with_its_window() {
        use crate::replication::membership::{Instant, WitnessKeyEntry};
        let text = member(1, "yuxi", testing::REGION) + &member(2, "kunming", 530_100);
        let mut membership = Membership::parse(&text).unwrap();
        let mut yuxi = membership.members[0].to_entry();
        let old = yuxi.witness_key.take().unwrap();
        let new = VerifierKey::witness(
            "ledger.a1.example/1/witness",
            testing::witness_key(40).public_key(),
        )
        .unwrap();
        yuxi.witness_keys = vec![
            WitnessKeyEntry {
                key: old.clone(),
                not_before: None,
                not_after: Some(Instant::Unix(1_803_830_400)),
            },
            WitnessKeyEntry {
                key: new.to_string(),
                not_before: Some(Instant::Unix(1_803_830_401)),
                not_after: None,
            },
        ];
        yuxi.log_key_not_after = Some(Instant::Text("2027-06-01T00:00:00+08:00".into()));
        membership = Membership::parse(
            &(yuxi.to_toml() + "\n" + &membership.members[1].to_entry().to_toml()),
        )
        .unwrap();
        let policy = network_policy_text(&membership, None);
        for line in [
            format!(
                "log {} not-after 2027-06-01T00:00:00+08:00\n",
                membership.members[0].log_key
            ),
            format!(
                "witness yuxi {old} node-of ledger.a1.example/1 not-after 2027-03-01T00:00:00+08:00\n"
            ),
            format!(
                "witness yuxi~ {new} node-of ledger.a1.example/1 not-before 2027-03-01T00:00:01+08:00\n"
            ),
        ] {
            assert!(policy.contains(&line), "missing {line:?} in\n{policy}");
        }
    }

    #[test]
    fn the_own_policy_lists_regions_when_known() {
        let key = VerifierKey::log(testing::ORIGIN, testing::agency_key().public_key()).unwrap();
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

    #[test]
    fn each_log_key_is_listed_with_its_window() {
        let text = format!(
            "quorum = 1\n\n{}\n{}",
            member(1, "yuxi", 530400),
            member(2, "km", 530100)
        );
        let membership = Membership::parse(&text).unwrap();
        let mut yuxi = membership.members[0].clone();
        let genesis = *yuxi.log_key.public_key();
        let rotated = ledger_format::keys::SigningKey::from_seed(&[5; 32]).public_key();
        let history = [
            crate::store::genesis_epoch(genesis),
            KeyEpoch {
                key: rotated,
                from_size: 10,
                since: Some(1_800_000_000),
            },
        ];
        let origin = yuxi.origin.clone();
        let vkey = |key| crate::logs::verifier_key(&origin, key).unwrap();
        let at = |t| ledger_format::date::instant_text(t);
        assert_eq!(
            log_lines(&yuxi, &history),
            format!(
                "log {} not-after {}\nlog {} not-before {}\n",
                vkey(genesis),
                at(1_800_000_000),
                vkey(rotated),
                at(1_800_000_000)
            )
        );
        // The genesis key declared compromised before its rotation ends there; the new key is
        // untouched.
        yuxi.log_key_not_after = Some(1_700_000_000);
        assert_eq!(
            log_lines(&yuxi, &history),
            format!(
                "log {} not-after {}\nlog {} not-before {}\n",
                vkey(genesis),
                at(1_700_000_000),
                vkey(rotated),
                at(1_800_000_000)
            )
        );
        // A removed agency: every key ends at the removal; a key it rotated to after the removal
        // is never in force.
        yuxi.removed = Some(1_850_000_000);
        assert!(log_lines(&yuxi, &history).ends_with(&format!(
            "log {} not-before {} not-after {}\n",
            vkey(rotated),
            at(1_800_000_000),
            at(1_850_000_000)
        )));
        yuxi.removed = Some(1_750_000_000);
        assert_eq!(
            log_lines(&yuxi, &history),
            format!("log {} not-after {}\n", vkey(genesis), at(1_700_000_000))
        );
        yuxi.removed = None;
        // A log the node holds nothing of: the membership's key alone.
        assert_eq!(
            log_lines(&yuxi, &[]),
            format!("log {} not-after {}\n", vkey(genesis), at(1_700_000_000))
        );
    }
}
