//! Membership changes without a restart (docs/operations.md#adding-or-removing-an-agency): on
//! SIGHUP or `POST /v1/admin/reload`, the node reads its membership file again, checks all of it,
//! and only then puts it in force at once ([`crate::replication::Shared::apply_view`]): the logs of
//! new members are opened and followed, removed members' peers are refused while their logs stay
//! readable, the witness keys and the served policy follow the file. An invalid file changes
//! nothing; the reason is returned, logged and counted (`ledger_membership_reloads`).

use std::sync::{Arc, Mutex};

use ledger_format::checkpoint::VerifierKey;
use libp2p::PeerId;
use serde::Serialize;

use crate::clock::Clock;
use crate::config::Config;
use crate::logs::{LogEntry, Logs};
use crate::metrics::Metrics;
use crate::replication::{Membership, Shared, View};
use crate::witness_key;

/// Why a reload changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The node runs alone: its configuration names no membership file.
    #[error("the node runs alone: its configuration names no membership file")]
    Alone,
    /// The new file is invalid or does not fit this node; the old membership stays in force.
    #[error("membership not reloaded: {0}")]
    Invalid(String),
    /// A new member's mirror could not be opened; the old membership stays in force.
    #[error("membership not reloaded: {0}")]
    Store(String),
}

/// What a reload put in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reloaded {
    /// Every member's name, in file order.
    pub members: Vec<String>,
    /// Origins of the logs now followed that were not before.
    pub added: Vec<String>,
    /// Origins of the logs no longer followed (still served, up to the removal).
    pub removed: Vec<String>,
    /// The witness key this node cosigns with now.
    pub witness_key: String,
}

/// Reloads the membership of a running node. Cheap to share; reloads run one at a time.
#[derive(Debug, Clone)]
pub struct Reloader {
    config: Arc<Config>,
    own_key: VerifierKey,
    peer: PeerId,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    shared: Arc<Shared>,
    one_at_a_time: Arc<Mutex<()>>,
}

/// What [`Reloader::new`] needs: the running node's parts.
#[derive(Debug)]
pub struct ReloaderParts {
    /// The node's configuration (paths of the membership, keys and mirrors).
    pub config: Config,
    /// The node's own log key.
    pub own_key: VerifierKey,
    /// The node's libp2p peer id.
    pub peer: PeerId,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The replication in force.
    pub shared: Arc<Shared>,
}

impl Reloader {
    /// A reloader of the running node described by `parts`.
    pub fn new(parts: ReloaderParts) -> Self {
        let ReloaderParts {
            config,
            own_key,
            peer,
            clock,
            metrics,
            shared,
        } = parts;
        Reloader {
            config: Arc::new(config),
            own_key,
            peer,
            clock,
            metrics,
            shared,
            one_at_a_time: Arc::new(Mutex::new(())),
        }
    }

    /// Reads the membership file again and puts it in force, or changes nothing. Blocking (it
    /// reads files and opens stores): call it from a blocking task.
    ///
    /// # Errors
    /// [`ReloadError`] with the reason; the membership in force is unchanged.
    pub fn reload(&self) -> Result<Reloaded, ReloadError> {
        let _one = self
            .one_at_a_time
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = self.try_reload();
        match &result {
            Ok(done) => {
                self.metrics.membership_reload("applied");
                tracing::info!(members = ?done.members, added = ?done.added, removed = ?done.removed, witness_key = %done.witness_key, "membership reloaded");
            }
            Err(e) => {
                self.metrics.membership_reload("refused");
                tracing::warn!(error = %e, "membership reload refused; the old membership stays in force");
            }
        }
        result
    }

    fn try_reload(&self) -> Result<Reloaded, ReloadError> {
        let config = &self.config;
        let membership = crate::load_membership(config)
            .map_err(|e| ReloadError::Invalid(e.to_string()))?
            .ok_or(ReloadError::Alone)?;
        let old = self.shared.view();
        let me = crate::check_own_entry(config, &membership, &self.own_key, self.peer)
            .map_err(|e| ReloadError::Invalid(e.to_string()))?;
        check_kept_members(&old.membership, &membership)?;
        let held = witness_key::held(config, me, self.clock.now()).map_err(ReloadError::Invalid)?;
        let logs = self.logs_for(&old.logs, &membership)?;
        if held.promote {
            witness_key::promote(config).map_err(|e| ReloadError::Store(e.to_string()))?;
        }
        let reloaded = Reloaded {
            members: membership.members.iter().map(|m| m.name.clone()).collect(),
            added: origins_not_in(&logs.mirrors, &old.logs.mirrors),
            removed: origins_not_in(&old.logs.mirrors, &logs.mirrors),
            witness_key: held.signers.at(self.clock.now()).verifier_key().to_string(),
        };
        self.shared.apply_view(View {
            membership,
            logs: Arc::new(logs),
            witness: held.signers,
        });
        Ok(reloaded)
    }

    /// The logs for `membership`: the own log and kept mirrors as they are (with the new witness
    /// keys), new members' mirrors opened, removed members' mirrors retired (those marked
    /// `removed` and those whose entry is gone alike).
    fn logs_for(&self, old: &Logs, membership: &Membership) -> Result<Logs, ReloadError> {
        let witnesses = membership.witness_keys();
        let with_keys = |log: &LogEntry| LogEntry {
            keys: log.keys.iter().take(1).chain(&witnesses).cloned().collect(),
            ..log.clone()
        };
        let mut mirrors = Vec::new();
        for member in membership
            .members
            .iter()
            .filter(|m| m.origin != self.config.origin)
        {
            let kept = old
                .mirrors
                .iter()
                .chain(&old.retired)
                .find(|l| l.origin == member.origin);
            mirrors.push(match kept {
                Some(log) => LogEntry {
                    board: crate::member_board(member),
                    ..with_keys(log)
                },
                None => crate::open_mirror(&self.config, member, &witnesses, &self.clock)
                    .map_err(|e| ReloadError::Store(e.to_string()))?,
            });
        }
        let held = |origin: &str| {
            old.mirrors
                .iter()
                .chain(&old.retired)
                .find(|l| l.origin == origin)
        };
        let mut retired = Vec::new();
        for member in &membership.removed {
            match held(&member.origin) {
                Some(log) => retired.push(with_keys(log)),
                None if crate::has_mirror(&self.config, &member.origin) => retired.push(
                    crate::open_mirror(&self.config, member, &witnesses, &self.clock)
                        .map_err(|e| ReloadError::Store(e.to_string()))?,
                ),
                None => {}
            }
        }
        let listed = |origin: &str| {
            membership.by_origin(origin).is_some()
                || membership.removed.iter().any(|m| m.origin == origin)
        };
        retired.extend(
            old.mirrors
                .iter()
                .chain(&old.retired)
                .filter(|l| !listed(&l.origin))
                .map(with_keys),
        );
        Ok(Logs {
            own: with_keys(&old.own),
            mirrors,
            retired,
        })
    }
}

/// Refuses changes a reload cannot make to a member that stays: its log key (the genesis key of
/// its mirror) and its regions (the rules its mirror replays with). Restart the node for those.
fn check_kept_members(old: &Membership, new: &Membership) -> Result<(), ReloadError> {
    for member in &new.members {
        let Some(before) = old.by_origin(&member.origin) else {
            continue;
        };
        if before.log_key != member.log_key
            || before.regions != member.regions
            || before.profiles != member.profiles
        {
            return Err(ReloadError::Invalid(format!(
                "agency {:?}: its log key, regions or profiles changed; a reload cannot change \
                 them for a log already mirrored (restart the node)",
                member.name
            )));
        }
    }
    Ok(())
}

fn origins_not_in(these: &[LogEntry], those: &[LogEntry]) -> Vec<String> {
    these
        .iter()
        .filter(|l| !those.iter().any(|o| o.origin == l.origin))
        .map(|l| l.origin.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::MemberEntry;
    use crate::replication::membership::test_entry;
    use ledger_format::testing;

    fn entry(n: u8, region: u32) -> MemberEntry {
        let origin = format!("ledger.a{n}.example/1");
        MemberEntry {
            addresses: Vec::new(),
            ..test_entry(n, &origin, testing::witness_key(n).public_key(), region)
        }
    }

    fn membership(entries: &[MemberEntry]) -> Membership {
        let text: String = entries.iter().map(|e| e.to_toml() + "\n").collect();
        Membership::parse(&text).unwrap()
    }

    #[test]
    fn a_kept_member_may_not_change_its_log_key_or_regions() {
        let old = membership(&[entry(1, 530_400), entry(2, 530_100)]);
        // Adding, removing, and bounding a key are reloads.
        let added = membership(&[entry(1, 530_400), entry(2, 530_100), entry(3, 530_300)]);
        assert_eq!(check_kept_members(&old, &added), Ok(()));
        assert_eq!(
            check_kept_members(&old, &membership(&[entry(1, 530_400)])),
            Ok(())
        );
        let mut bounded = entry(2, 530_100);
        bounded.log_key_not_after = Some(crate::replication::membership::Instant::Unix(5));
        let bounded = membership(&[entry(1, 530_400), bounded]);
        assert_eq!(check_kept_members(&old, &bounded), Ok(()));
        // A new log key or new regions for a log already mirrored are not.
        let mut moved = entry(2, 530_100);
        moved.regions = vec![530_300];
        let err = check_kept_members(&old, &membership(&[entry(1, 530_400), moved]));
        assert!(
            matches!(&err, Err(ReloadError::Invalid(m)) if m.contains("\"a2\"")),
            "{err:?}"
        );
        let mut rekeyed = entry(2, 530_100);
        rekeyed.log_key =
            VerifierKey::log("ledger.a2.example/1", testing::witness_key(99).public_key())
                .unwrap()
                .to_string();
        let err = check_kept_members(&old, &membership(&[entry(1, 530_400), rekeyed]));
        assert!(matches!(err, Err(ReloadError::Invalid(_))), "{err:?}");
    }
}
