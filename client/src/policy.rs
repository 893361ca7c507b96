//! The trust-policy text file (client/POLICY.md), in the spirit of c2sp.org/tlog-policy.
//!
//! ```text
//! log <vkey> [origin <origin>] [not-before <time>] [not-after <time>]
//! regions <origin> <gb2260>...
//! witness <name> <vkey> [node-of <origin> | consistency-only] [not-before <time>] [not-after <time>]
//! group <name> <k|any|all> <witness>...
//! quorum <n|none|name>
//! consistency-quorum <n|none|name>
//! max-age <n><s|m|h|d>
//! ```
//!
//! [`parse_policy`] is strict: every error names its line, and a quorum that some listed log could
//! never meet (its own node excluded) is refused. [`policy_text`] writes a policy back in this
//! format, so that `parse_policy(&policy_text(&p)) == Ok(p)` for every policy the parser accepts
//! (the node's `init` writes the file for its own key with it).

use std::collections::BTreeMap;

use ledger_format::bundle::{TrustPolicy, TrustedLog, TrustedWitness, WitnessRole};
use ledger_format::checkpoint::{KeyError, SignatureType, VerifierKey};

/// Why a policy file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A line is wrong; lines count from 1.
    #[error("line {line}: {reason}")]
    Line {
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        reason: LineError,
    },
    /// The file has no `log` line.
    #[error("no log line: the policy trusts no log")]
    NoLog,
    /// The file has no `quorum` line.
    #[error("no quorum line (write `quorum none` to require no witness)")]
    NoQuorum,
    /// The file has no `max-age` line.
    #[error("no max-age line (e.g. `max-age 24h`)")]
    NoMaxAge,
}

/// What is wrong with one line of a policy file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The first word is not a keyword of the format.
    #[error("unknown keyword {0:?}")]
    UnknownKeyword(String),
    /// The line has too few or too many words.
    #[error("`{keyword}` takes {expected}")]
    Arguments {
        /// The line's keyword.
        keyword: &'static str,
        /// The expected shape.
        expected: &'static str,
    },
    /// The key text does not parse.
    #[error("bad key: {0}")]
    Key(KeyError),
    /// A log key that is not a note key (Ed25519 `0x01` or the SM2 note type), or a witness key
    /// that is not a cosignature key (`cosignature/v1` or its SM2 twin).
    #[error("a {0} key must have type {1}")]
    KeyType(&'static str, &'static str),
    /// Two keys of one log are of different suites: a log keeps its suite for life.
    #[error("log {0} has keys of two suites (line {1} has the other): a log keeps its suite")]
    MixedSuites(String, usize),
    /// An option after a log key that the format does not know.
    #[error("unknown option {0:?} (expected origin, not-before or not-after)")]
    UnknownOption(String),
    /// An option given twice on one line.
    #[error("option {0} given twice")]
    RepeatedOption(&'static str),
    /// An origin that is not a valid log origin.
    #[error("invalid origin {0:?}")]
    Origin(String),
    /// A time that is neither RFC 3339 nor decimal Unix seconds.
    #[error("time {0:?} is neither RFC 3339 (e.g. 2027-01-01T00:00:00+08:00) nor Unix seconds")]
    Time(String),
    /// `not-before` is after `not-after`.
    #[error("not-before is after not-after: the key is never in force")]
    EmptyWindow,
    /// The same log key for the same origin appears twice.
    #[error("log key listed twice (first on line {0})")]
    DuplicateLogKey(usize),
    /// The same witness public key appears twice (under any names or roles).
    #[error("witness key listed twice (first on line {0})")]
    DuplicateWitnessKey(usize),
    /// An option after a witness key that the format does not know.
    #[error(
        "unknown witness option {0:?} (expected node-of <origin>, consistency-only, not-before or not-after)"
    )]
    UnknownWitnessOption(String),
    /// A `regions` or `node-of` origin with no `log` line above.
    #[error("no log line above has origin {0:?}")]
    UnknownLog(String),
    /// A region that is not a six-digit GB/T 2260 division code.
    #[error("{0:?} is not a GB/T 2260 division code (six digits, e.g. 530400)")]
    Region(String),
    /// A region listed twice on one line.
    #[error("region {0} listed twice")]
    DuplicateRegion(u32),
    /// A second `regions` line for one origin.
    #[error("second regions line for {origin} (first on line {first})")]
    RepeatedRegions {
        /// The log's origin.
        origin: String,
        /// Where the first one is.
        first: usize,
    },
    /// A witness or group name already defined.
    #[error("name {0:?} already defined")]
    DuplicateName(String),
    /// A witness or group name that is reserved or not a single word.
    #[error("invalid name {0:?}: names are words that are not numbers, none, any or all")]
    Name(String),
    /// A group or quorum refers to a name not defined on an earlier line.
    #[error("{0:?} is not a witness or group defined above")]
    UndefinedName(String),
    /// A group lists another group: a policy holds one threshold over witnesses.
    #[error("group member {0:?} is a group: nested groups are not supported")]
    NestedGroup(String),
    /// A group lists the same witness twice.
    #[error("group lists {0:?} twice")]
    DuplicateMember(String),
    /// A group with replicas and consistency-only witnesses: each quorum counts one kind.
    #[error("a group holds replicas or consistency-only witnesses, not both")]
    MixedGroup,
    /// A quorum names a witness or group of the other kind.
    #[error("{name:?} is not a {expected} witness or group")]
    WitnessKind {
        /// The name given.
        name: String,
        /// `replica` for `quorum`, `consistency-only` for `consistency-quorum`.
        expected: &'static str,
    },
    /// A group threshold that is not `any`, `all` or a number from 1 to the number of members.
    #[error("threshold {0:?} is not any, all or a number from 1 to the number of members")]
    Threshold(String),
    /// A numeric quorum larger than the number of replicas: no checkpoint could ever meet it.
    #[error("quorum {quorum} exceeds the {witnesses} replica witnesses listed")]
    QuorumTooLarge {
        /// The quorum asked for.
        quorum: usize,
        /// The replicas in the file.
        witnesses: usize,
    },
    /// A quorum that one log can never meet: too few replicas besides that log's own node.
    #[error(
        "quorum {quorum} can never be met for log {origin}: it has {replicas} replicas besides its own node"
    )]
    QuorumUnmeetable {
        /// The quorum asked for.
        quorum: usize,
        /// The log.
        origin: String,
        /// The distinct replica keys that count for it.
        replicas: usize,
    },
    /// A numeric consistency quorum larger than the number of consistency-only witnesses.
    #[error(
        "consistency quorum {quorum} exceeds the {witnesses} consistency-only witnesses listed"
    )]
    ConsistencyQuorumTooLarge {
        /// The quorum asked for.
        quorum: usize,
        /// The consistency-only witnesses in the file.
        witnesses: usize,
    },
    /// A second `quorum`, `consistency-quorum` or `max-age` line.
    #[error("second {keyword} line (first on line {first})")]
    Repeated {
        /// The keyword.
        keyword: &'static str,
        /// Where the first one is.
        first: usize,
    },
    /// A duration that is not a positive number followed by s, m, h or d.
    #[error("duration {0:?} is not a positive number followed by s, m, h or d")]
    Duration(String),
}

/// Parses a policy file's text into a [`TrustPolicy`].
///
/// # Errors
/// The first [`PolicyError`] in the file, with its line number.
pub fn parse_policy(text: &str) -> Result<TrustPolicy, PolicyError> {
    let mut parser = Parser::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let words: Vec<&str> = raw.split_whitespace().collect();
        let Some((&keyword, args)) = words.split_first() else {
            continue;
        };
        if keyword.starts_with('#') {
            continue;
        }
        parser
            .line(keyword, args, line)
            .map_err(|reason| PolicyError::Line { line, reason })?;
    }
    parser.finish()
}

/// A name defined by a `witness` or `group` line.
#[derive(Debug, Clone)]
enum Named {
    /// Index into the witness list.
    Witness(usize),
    /// Members (witness indexes) and threshold.
    Group(Vec<usize>, usize),
}

/// The two kinds of quorum, and what each counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `quorum`: replicas.
    Replica,
    /// `consistency-quorum`: consistency-only witnesses.
    Consistency,
}

impl Kind {
    fn of(witness: &TrustedWitness) -> Kind {
        match witness.role {
            WitnessRole::Replica { .. } => Kind::Replica,
            WitnessRole::ConsistencyOnly => Kind::Consistency,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Replica => "replica",
            Kind::Consistency => "consistency-only",
        }
    }
}

#[derive(Debug, Default)]
struct Parser {
    logs: Vec<(TrustedLog, usize)>,
    regions: BTreeMap<String, (Vec<u32>, usize)>,
    witnesses: Vec<(TrustedWitness, usize)>,
    names: BTreeMap<String, Named>,
    quorum: Option<(String, usize)>,
    consistency_quorum: Option<(String, usize)>,
    max_age: Option<(i64, usize)>,
}

impl Parser {
    fn line(&mut self, keyword: &str, args: &[&str], line: usize) -> Result<(), LineError> {
        match keyword {
            "log" => self.log(args, line),
            "regions" => self.regions(args, line),
            "witness" => self.witness(args, line),
            "group" => self.group(args),
            "quorum" => once(&mut self.quorum, "quorum", args, line),
            "consistency-quorum" => once(
                &mut self.consistency_quorum,
                "consistency-quorum",
                args,
                line,
            ),
            "max-age" => match (args, &self.max_age) {
                (_, Some((_, first))) => Err(repeated("max-age", *first)),
                ([value], None) => {
                    self.max_age = Some((parse_duration(value)?, line));
                    Ok(())
                }
                _ => Err(arguments("max-age", "one duration, e.g. 24h")),
            },
            other => Err(LineError::UnknownKeyword(other.to_owned())),
        }
    }

    fn log(&mut self, args: &[&str], line: usize) -> Result<(), LineError> {
        let Some((vkey, options)) = args.split_first() else {
            return Err(arguments(
                "log",
                "a key, then optional origin, not-before, not-after",
            ));
        };
        let key = parse_key(
            vkey,
            |kind| !kind.is_cosignature(),
            "log",
            "0x01 (Ed25519) or the SM2 note type",
        )?;
        let mut log = TrustedLog {
            origin: key.name().to_owned(),
            key,
            not_before: None,
            not_after: None,
        };
        parse_log_options(&mut log, options)?;
        if let Some((_, first)) = self
            .logs
            .iter()
            .find(|(l, _)| l.origin == log.origin && l.key == log.key)
        {
            return Err(LineError::DuplicateLogKey(*first));
        }
        if let Some((_, other)) = self.logs.iter().find(|(l, _)| {
            l.origin == log.origin && l.key.public_key().suite() != log.key.public_key().suite()
        }) {
            return Err(LineError::MixedSuites(log.origin.clone(), *other));
        }
        self.logs.push((log, line));
        Ok(())
    }

    fn check_log_above(&self, origin: &str) -> Result<(), LineError> {
        if self.logs.iter().any(|(l, _)| l.origin == origin) {
            Ok(())
        } else {
            Err(LineError::UnknownLog(origin.to_owned()))
        }
    }

    fn regions(&mut self, args: &[&str], line: usize) -> Result<(), LineError> {
        let Some((origin, codes)) = args.split_first().filter(|(_, codes)| !codes.is_empty())
        else {
            return Err(arguments(
                "regions",
                "an origin and at least one GB/T 2260 code",
            ));
        };
        self.check_log_above(origin)?;
        if let Some((_, first)) = self.regions.get(*origin) {
            return Err(LineError::RepeatedRegions {
                origin: (*origin).to_owned(),
                first: *first,
            });
        }
        let mut regions: Vec<u32> = Vec::new();
        for text in codes {
            let region = parse_region(text)?;
            if regions.contains(&region) {
                return Err(LineError::DuplicateRegion(region));
            }
            regions.push(region);
        }
        self.regions.insert((*origin).to_owned(), (regions, line));
        Ok(())
    }

    fn witness(&mut self, args: &[&str], line: usize) -> Result<(), LineError> {
        let [name, vkey, options @ ..] = args else {
            return Err(arguments("witness", WITNESS_SHAPE));
        };
        let key = parse_key(
            vkey,
            SignatureType::is_cosignature,
            "witness",
            "0x04 (cosignature/v1) or the SM2 cosignature type",
        )?;
        let mut witness = TrustedWitness::replica(key);
        self.parse_witness_options(&mut witness, options)?;
        self.check_new_name(name)?;
        if let Some((_, first)) = self
            .witnesses
            .iter()
            .find(|(w, _)| w.key.public_key() == witness.key.public_key())
        {
            return Err(LineError::DuplicateWitnessKey(*first));
        }
        self.names
            .insert((*name).to_owned(), Named::Witness(self.witnesses.len()));
        self.witnesses.push((witness, line));
        Ok(())
    }

    /// The options after a witness key: a role (`node-of <origin>` or `consistency-only`), then
    /// `not-before <time>` and `not-after <time>`, each at most once.
    fn parse_witness_options(
        &self,
        witness: &mut TrustedWitness,
        options: &[&str],
    ) -> Result<(), LineError> {
        let mut seen: Vec<&'static str> = Vec::new();
        let mut rest = options;
        while let Some((&option, tail)) = rest.split_first() {
            let name: &'static str = match option {
                "consistency-only" | "node-of" => "role",
                "not-before" => "not-before",
                "not-after" => "not-after",
                other => return Err(LineError::UnknownWitnessOption(other.to_owned())),
            };
            if seen.contains(&name) {
                return Err(match name {
                    "role" => arguments("witness", WITNESS_SHAPE),
                    _ => LineError::RepeatedOption(name),
                });
            }
            seen.push(name);
            if option == "consistency-only" {
                witness.role = WitnessRole::ConsistencyOnly;
                rest = tail;
                continue;
            }
            let Some((&value, tail)) = tail.split_first() else {
                return Err(arguments("witness", WITNESS_SHAPE));
            };
            match option {
                "node-of" => {
                    self.check_log_above(value)?;
                    witness.role = WitnessRole::Replica {
                        node_of: Some(value.to_owned()),
                    };
                }
                "not-before" => witness.not_before = Some(parse_time(value)?),
                _ => witness.not_after = Some(parse_time(value)?),
            }
            rest = tail;
        }
        if let (Some(from), Some(until)) = (witness.not_before, witness.not_after)
            && from > until
        {
            return Err(LineError::EmptyWindow);
        }
        Ok(())
    }

    fn group(&mut self, args: &[&str]) -> Result<(), LineError> {
        let [name, threshold, members @ ..] = args else {
            return Err(arguments(
                "group",
                "a name, a threshold and at least one member",
            ));
        };
        if members.is_empty() {
            return Err(arguments(
                "group",
                "a name, a threshold and at least one member",
            ));
        }
        self.check_new_name(name)?;
        let mut indexes: Vec<usize> = Vec::new();
        for member in members {
            match self.names.get(*member) {
                None => return Err(LineError::UndefinedName((*member).to_owned())),
                Some(Named::Group(..)) => return Err(LineError::NestedGroup((*member).to_owned())),
                Some(Named::Witness(i)) if indexes.contains(i) => {
                    return Err(LineError::DuplicateMember((*member).to_owned()));
                }
                Some(Named::Witness(i)) => indexes.push(*i),
            }
        }
        let kinds: Vec<Kind> = indexes
            .iter()
            .filter_map(|&i| self.witnesses.get(i).map(|(w, _)| Kind::of(w)))
            .collect();
        if kinds.windows(2).any(|pair| pair[0] != pair[1]) {
            return Err(LineError::MixedGroup);
        }
        let k = match *threshold {
            "any" => 1,
            "all" => indexes.len(),
            n => match n.parse::<usize>() {
                Ok(k) if is_decimal(n) && (1..=indexes.len()).contains(&k) => k,
                _ => return Err(LineError::Threshold(n.to_owned())),
            },
        };
        self.names
            .insert((*name).to_owned(), Named::Group(indexes, k));
        Ok(())
    }

    fn check_new_name(&self, name: &str) -> Result<(), LineError> {
        if !is_usable_name(name) {
            return Err(LineError::Name(name.to_owned()));
        }
        if self.names.contains_key(name) {
            return Err(LineError::DuplicateName(name.to_owned()));
        }
        Ok(())
    }

    /// The witnesses a quorum line selects and its threshold. Witnesses of the other kind are
    /// not selected here; of this kind, a name or group keeps only its members.
    fn resolve(
        &self,
        kind: Kind,
        quorum: Option<&(String, usize)>,
    ) -> Result<(Vec<usize>, usize), PolicyError> {
        let all: Vec<usize> = (0..self.witnesses.len())
            .filter(|&i| {
                self.witnesses
                    .get(i)
                    .is_some_and(|(w, _)| Kind::of(w) == kind)
            })
            .collect();
        let Some((text, line)) = quorum else {
            return Ok((all, 0));
        };
        let at_line = |reason| PolicyError::Line {
            line: *line,
            reason,
        };
        let wrong_kind = || {
            at_line(LineError::WitnessKind {
                name: text.clone(),
                expected: kind.name(),
            })
        };
        let is_kind = |i: &usize| all.contains(i);
        match text.as_str() {
            "none" => Ok((all, 0)),
            n if is_decimal(n) => match n.parse::<usize>() {
                Ok(q) if q <= all.len() => Ok((all, q)),
                _ => {
                    let quorum = n.parse().unwrap_or(usize::MAX);
                    let witnesses = all.len();
                    Err(at_line(match kind {
                        Kind::Replica => LineError::QuorumTooLarge { quorum, witnesses },
                        Kind::Consistency => {
                            LineError::ConsistencyQuorumTooLarge { quorum, witnesses }
                        }
                    }))
                }
            },
            name => match self.names.get(name) {
                Some(Named::Witness(i)) if is_kind(i) => Ok((vec![*i], 1)),
                Some(Named::Group(members, k)) if members.iter().all(is_kind) => {
                    Ok((members.clone(), *k))
                }
                Some(_) => Err(wrong_kind()),
                None => Err(at_line(LineError::UndefinedName(name.to_owned()))),
            },
        }
    }

    fn finish(self) -> Result<TrustPolicy, PolicyError> {
        if self.logs.is_empty() {
            return Err(PolicyError::NoLog);
        }
        let quorum_line = self.quorum.as_ref().ok_or(PolicyError::NoQuorum)?.1;
        let (max_age_seconds, _) = self.max_age.ok_or(PolicyError::NoMaxAge)?;
        let (replicas, quorum) = self.resolve(Kind::Replica, self.quorum.as_ref())?;
        let (consistency, consistency_quorum) =
            self.resolve(Kind::Consistency, self.consistency_quorum.as_ref())?;
        let mut selected: Vec<usize> = replicas.into_iter().chain(consistency).collect();
        selected.sort_unstable();
        let witnesses = selected
            .iter()
            .filter_map(|&i| self.witnesses.get(i).map(|(w, _)| w.clone()))
            .collect();
        let policy = TrustPolicy {
            logs: self.logs.into_iter().map(|(l, _)| l).collect(),
            regions: self
                .regions
                .into_iter()
                .map(|(origin, (regions, _))| (origin, regions))
                .collect(),
            witnesses,
            quorum,
            consistency_quorum,
            max_age_seconds,
            equivocated: Vec::new(),
        };
        check_every_log_can_meet_the_quorum(&policy, quorum_line)?;
        Ok(policy)
    }
}

/// Refuses a policy under which some log could never be verified: fewer distinct replicas than the
/// quorum once that log's own node is left out.
fn check_every_log_can_meet_the_quorum(
    policy: &TrustPolicy,
    quorum_line: usize,
) -> Result<(), PolicyError> {
    for log in &policy.logs {
        let replicas = policy.replicas_for(&log.origin).len();
        if replicas < policy.quorum {
            return Err(PolicyError::Line {
                line: quorum_line,
                reason: LineError::QuorumUnmeetable {
                    quorum: policy.quorum,
                    origin: log.origin.clone(),
                    replicas,
                },
            });
        }
    }
    Ok(())
}

/// A `quorum` or `consistency-quorum` line: one value, once.
fn once(
    slot: &mut Option<(String, usize)>,
    keyword: &'static str,
    args: &[&str],
    line: usize,
) -> Result<(), LineError> {
    match (args, &slot) {
        (_, Some((_, first))) => Err(repeated(keyword, *first)),
        ([value], None) => {
            *slot = Some(((*value).to_owned(), line));
            Ok(())
        }
        _ => Err(arguments(keyword, "one value: a number, none, or a name")),
    }
}

/// Whether `name` may name a witness or group: not a number, not `none`, `any` or `all`, not
/// starting with `#` (a comment).
fn is_usable_name(name: &str) -> bool {
    !(is_decimal(name) || ["none", "any", "all"].contains(&name) || name.starts_with('#'))
}

/// Six decimal digits forming a GB/T 2260 division code.
fn parse_region(text: &str) -> Result<u32, LineError> {
    let bad = || LineError::Region(text.to_owned());
    if text.len() != 6 || !is_decimal(text) {
        return Err(bad());
    }
    let region: u32 = text.parse().map_err(|_| bad())?;
    if !ledger_format::code::is_region_code(region) {
        return Err(bad());
    }
    Ok(region)
}

fn arguments(keyword: &'static str, expected: &'static str) -> LineError {
    LineError::Arguments { keyword, expected }
}

fn repeated(keyword: &'static str, first: usize) -> LineError {
    LineError::Repeated { keyword, first }
}

fn is_decimal(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn parse_key(
    text: &str,
    allowed: impl Fn(SignatureType) -> bool,
    role: &'static str,
    type_name: &'static str,
) -> Result<VerifierKey, LineError> {
    let key = VerifierKey::parse(text).map_err(LineError::Key)?;
    if !allowed(key.signature_type()) {
        return Err(LineError::KeyType(role, type_name));
    }
    Ok(key)
}

/// The `origin`, `not-before` and `not-after` options after a log key, each at most once.
fn parse_log_options(log: &mut TrustedLog, options: &[&str]) -> Result<(), LineError> {
    let mut seen: Vec<&str> = Vec::new();
    for pair in options.chunks(2) {
        let [option, value] = pair else {
            return Err(arguments("log", "a value after each option"));
        };
        let (name, slot): (&'static str, Option<&mut Option<i64>>) = match *option {
            "origin" => ("origin", None),
            "not-before" => ("not-before", Some(&mut log.not_before)),
            "not-after" => ("not-after", Some(&mut log.not_after)),
            other => return Err(LineError::UnknownOption(other.to_owned())),
        };
        if seen.contains(&name) {
            return Err(LineError::RepeatedOption(name));
        }
        seen.push(name);
        match slot {
            Some(slot) => *slot = Some(parse_time(value)?),
            None => {
                ledger_format::record::validate_origin(value)
                    .map_err(|_| LineError::Origin((*value).to_owned()))?;
                log.origin = (*value).to_owned();
            }
        }
    }
    if let (Some(from), Some(until)) = (log.not_before, log.not_after)
        && from > until
    {
        return Err(LineError::EmptyWindow);
    }
    Ok(())
}

/// Parses a time as policy files write it: RFC 3339 with whole seconds
/// (`2027-01-01T00:00:00+08:00`), or decimal Unix seconds. `None` when it is neither.
pub fn parse_instant(text: &str) -> Option<i64> {
    ledger_format::date::parse_instant(text)
}

/// RFC 3339 with whole seconds, or decimal Unix seconds (a sign allowed, for round trips).
fn parse_time(text: &str) -> Result<i64, LineError> {
    parse_instant(text).ok_or_else(|| LineError::Time(text.to_owned()))
}

/// The shape of a `witness` line, for errors.
const WITNESS_SHAPE: &str = "a name and a key, then node-of <origin> or consistency-only if any, \
     then not-before <time> and not-after <time> if any";

/// Seconds per unit of `max-age`, largest first (the writer picks the largest that divides).
const DURATION_UNITS: [(char, i64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

fn parse_duration(text: &str) -> Result<i64, LineError> {
    let bad = || LineError::Duration(text.to_owned());
    let unit = text.chars().last().ok_or_else(bad)?;
    let number = &text[..text.len() - unit.len_utf8()];
    let (_, seconds) = DURATION_UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .ok_or_else(bad)?;
    if !is_decimal(number) {
        return Err(bad());
    }
    let n: i64 = number.parse().map_err(|_| bad())?;
    match n.checked_mul(*seconds) {
        Some(total) if total > 0 => Ok(total),
        _ => Err(bad()),
    }
}

/// Writes `policy` in the policy-file format, with a header comment: the `log` lines, a `regions`
/// line per origin that has them, a `witness` line per witness (named after its key name, made
/// unique when needed, with `node-of` or `consistency-only`), the quorums as numbers, `max-age`.
pub fn policy_text(policy: &TrustPolicy) -> String {
    let mut out = String::from(
        "# ledger-client trust policy (format: client/POLICY.md).\n\
         # Check every key out of band before trusting this file.\n\n",
    );
    for log in &policy.logs {
        out.push_str(&format!("log {}", log.key));
        if log.origin != log.key.name() {
            out.push_str(&format!(" origin {}", log.origin));
        }
        if let Some(t) = log.not_before {
            out.push_str(&format!(" not-before {}", time_text(t)));
        }
        if let Some(t) = log.not_after {
            out.push_str(&format!(" not-after {}", time_text(t)));
        }
        out.push('\n');
    }
    for (origin, regions) in &policy.regions {
        out.push_str(&format!("regions {origin}"));
        for region in regions {
            out.push_str(&format!(" {region:06}"));
        }
        out.push('\n');
    }
    let mut used: Vec<String> = Vec::new();
    for (i, witness) in policy.witnesses.iter().enumerate() {
        let mut name = witness.key.name().to_owned();
        if !is_usable_name(&name) {
            name = format!("witness-{}", i + 1);
        }
        while used.contains(&name) {
            name.push('~');
        }
        out.push_str(&format!("witness {name} {}", witness.key));
        match &witness.role {
            WitnessRole::Replica { node_of: None } => {}
            WitnessRole::Replica {
                node_of: Some(origin),
            } => out.push_str(&format!(" node-of {origin}")),
            WitnessRole::ConsistencyOnly => out.push_str(" consistency-only"),
        }
        if let Some(t) = witness.not_before {
            out.push_str(&format!(" not-before {}", time_text(t)));
        }
        if let Some(t) = witness.not_after {
            out.push_str(&format!(" not-after {}", time_text(t)));
        }
        out.push('\n');
        used.push(name);
    }
    match policy.quorum {
        0 => out.push_str("quorum none\n"),
        n => out.push_str(&format!("quorum {n}\n")),
    }
    if policy.consistency_quorum > 0 {
        out.push_str(&format!(
            "consistency-quorum {}\n",
            policy.consistency_quorum
        ));
    }
    out.push_str(&format!(
        "max-age {}\n",
        duration_text(policy.max_age_seconds)
    ));
    out
}

/// RFC 3339 in China Standard Time when representable, else Unix seconds.
fn time_text(unix: i64) -> String {
    ledger_format::date::instant_text(unix)
}

fn duration_text(seconds: i64) -> String {
    DURATION_UNITS
        .iter()
        .find(|(_, per)| seconds % per == 0)
        .map_or_else(
            || format!("{seconds}s"),
            |(unit, per)| format!("{}{unit}", seconds / per),
        )
}

#[cfg(test)]
mod tests;
