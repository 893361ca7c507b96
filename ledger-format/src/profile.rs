//! Rule profiles: the numbers of a registration measure, as data (docs/format.md#profiles).
//!
//! Every deadline and period of the registration procedure (notice length and how it is counted,
//! acceptance, review, missing materials, objections, cancellation, validity, renewal, operation
//! periods) comes from the [`RuleProfile`] the agency adopted, by a signed `ProfileAdopted` record,
//! in force from a date. Replay applies the profile in force on each record's date, so an old
//! record re-audits under the rules of its day after the measure changes. Measures differ by
//! place (Yuxi sets its numbers; Zhaoqing, Zhongwei and Kunming defer to national rules) and by
//! date (measures start, expire, are amended): [`builtin`] ships the named profiles of the
//! measures the network knows, and the network's membership says which ones each agency may adopt.
//!
//! A deadline is fixed when its clock starts, under the profile in force that day, and kept in the
//! certificate's state: a profile adopted later changes the deadlines of procedures that start
//! later, never of those already running.

use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, Calendars};
use crate::date::Date;
use crate::encoding::{Canonical, DecodeError, to_bcs};
use crate::hash::{Hash, domain, sha256_parts};

/// Longest profile name in bytes.
pub const MAX_PROFILE_NAME_LEN: usize = 64;
/// Longest citation of the measure a profile implements, in bytes.
pub const MAX_MEASURE_LEN: usize = 512;
/// Largest count of working days or calendar days any profile parameter may set (two years of
/// working days): bounds the work of one deadline computation.
pub const MAX_DAYS: u16 = 500;
/// Largest number of years any profile parameter may set.
pub const MAX_YEARS: u16 = 30;

/// How a period of working days "counted from the day of X" is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DayCount {
    /// Tag 0: the day of X is day 1 when it is a working day (a literal reading of R22's
    /// "自公示之日起计算"); a period of n days published on working day D ends on the (n−1)-th working
    /// day after D.
    IncludingStartDay,
    /// Tag 1: the day of X is not counted, the period starts the next day (Civil Code Art. 201,
    /// "开始的当日不计入，自下一日开始计算"); n days from D end on the n-th working day after D.
    FromNextDay,
}

impl DayCount {
    /// A short stable name, for errors and documents.
    pub fn name(self) -> &'static str {
        match self {
            DayCount::IncludingStartDay => "including-start-day",
            DayCount::FromNextDay => "from-next-day",
        }
    }
}

/// The numbers of one registration measure. Working days follow the agency's calendar records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleProfile {
    /// Stable name, e.g. `yuxi-2025`: lower-case ASCII letters, digits and `-`.
    pub name: String,
    /// The measure it implements (title and document number), for people.
    pub measure: String,
    /// The first day the measure applies.
    pub measure_from: Date,
    /// The last day the measure applies, for measures with a term (Zhaoqing: 3 years); lifecycle
    /// records dated after it are refused until the agency adopts its successor.
    pub measure_until: Option<Date>,
    /// R22: working days a public notice lasts.
    pub notice_working_days: u16,
    /// R22: how the notice's days are counted from the day of publication.
    pub notice_count: DayCount,
    /// R16: working days from receipt (or resubmission) to the acceptance decision.
    pub acceptance_working_days: u16,
    /// R16: working days from acceptance (or resubmission) to the end of the review.
    pub review_working_days: u16,
    /// R16: working days the registrant has to supply missing materials (requested once).
    pub supplement_working_days: u16,
    /// R22: working days from the filing of an objection to its forwarding to the registrant.
    pub objection_forward_working_days: u16,
    /// R22: working days from the forwarding to the registrant's answer.
    pub objection_answer_working_days: u16,
    /// R21: working days from the acceptance of a cancellation to its completion.
    pub cancellation_working_days: u16,
    /// R23: years of validity from the day of issue (Civil Code period rule).
    pub validity_years: u16,
    /// R23: calendar days before expiry in which a renewal may be applied for.
    pub renewal_window_days: u16,
    /// R23: the most years one renewal adds to the old expiry.
    pub renewal_max_years: u16,
    /// A17: the longest authorized operation period, in years from the day it is registered.
    pub operation_max_years: u16,
}

/// Why a profile is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// No profile is in force on the date.
    #[error("no rule profile is in force on {0}: the agency must adopt one first")]
    NoneInForce(Date),
    /// The measure of the profile in force has expired.
    #[error("the measure of profile {name} applied until {until}; adopt its successor")]
    MeasureExpired {
        /// The profile.
        name: String,
        /// Its measure's last day.
        until: Date,
    },
    /// The date is before the measure applies.
    #[error("the measure of profile {name} applies from {from}")]
    MeasureNotYet {
        /// The profile.
        name: String,
        /// Its measure's first day.
        from: Date,
    },
    /// The profile is not one the network lets this log adopt.
    #[error("profile {0} is not one this log may adopt")]
    NotAllowed(String),
    /// A profile carries a built-in name with other numbers.
    #[error("profile {0} differs from the built-in profile of that name")]
    BuiltinMismatch(String),
    /// An adoption takes effect before the record's own day, or before an earlier adoption.
    #[error("a profile adopted on {today} takes effect on {from}, not before {earliest}")]
    Retroactive {
        /// The record's day.
        today: Date,
        /// The stated first day.
        from: Date,
        /// The earliest allowed.
        earliest: Date,
    },
    /// A working-day count needs a missing calendar.
    #[error("calendar: {0}")]
    Calendar(#[from] CalendarError),
    /// A date computation left the supported range.
    #[error("date out of range")]
    OutOfRange,
    /// The log holds [`MAX_ADOPTIONS`] adoptions already.
    #[error("the log adopted {MAX_ADOPTIONS} profiles already")]
    TooManyAdoptions,
}

impl From<DecodeError> for ProfileError {
    fn from(_: DecodeError) -> Self {
        ProfileError::OutOfRange
    }
}

impl RuleProfile {
    /// The profile's digest: SHA-256(`PROFILE` domain ‖ canonical bytes). A membership file names
    /// a profile that is not built in as `name@<digest hex>`.
    pub fn digest(&self) -> Hash {
        sha256_parts(&[domain::PROFILE, &to_bcs(self)])
    }

    /// The last day of a notice published on `starts_on` (R22), counted by `notice_count`.
    ///
    /// # Errors
    /// [`ProfileError::Calendar`] when a needed year has no calendar.
    pub fn notice_end(&self, starts_on: Date, calendars: &Calendars) -> Result<Date, ProfileError> {
        let n = u32::from(self.notice_working_days);
        let from = match self.notice_count {
            // The publication day counts as day 1 when it is a working day: count n from the day
            // before it.
            DayCount::IncludingStartDay => starts_on.add_days(-1)?,
            DayCount::FromNextDay => starts_on,
        };
        Ok(calendars.add_working_days(from, n)?)
    }

    /// The last day of a period of `working_days` working days that starts on `on` (Civil Code
    /// Art. 201: `on` itself is not counted). Every procedural deadline except the notice's.
    ///
    /// # Errors
    /// [`ProfileError::Calendar`] when a needed year has no calendar.
    pub fn deadline(
        &self,
        on: Date,
        working_days: u16,
        calendars: &Calendars,
    ) -> Result<Date, ProfileError> {
        Ok(calendars.add_working_days(on, u32::from(working_days))?)
    }

    /// The last day of validity of a certificate issued on `from`: `validity_years` by the Civil
    /// Code's period rule, or the end of a shorter operation period of a product (R23).
    ///
    /// # Errors
    /// [`ProfileError::OutOfRange`] past year 9999.
    pub fn valid_until(
        &self,
        from: Date,
        operation_ends: Option<Date>,
    ) -> Result<Date, ProfileError> {
        let full = from.period_end_years(self.validity_years)?;
        Ok(operation_ends.map_or(full, |end| end.min(full)))
    }

    /// The window in which a renewal may be applied for: from `renewal_window_days` before
    /// `valid_until` to `valid_until`, the last day moved to the next working day if it is not one
    /// (Civil Code Art. 203).
    ///
    /// # Errors
    /// [`ProfileError::Calendar`] when the year of expiry has no calendar.
    pub fn renewal_window(
        &self,
        valid_until: Date,
        calendars: &Calendars,
    ) -> Result<(Date, Date), ProfileError> {
        let opens = valid_until.add_days(-i64::from(self.renewal_window_days))?;
        let closes = calendars.next_working_day_on_or_after(valid_until)?;
        Ok((opens, closes))
    }

    /// Checks that the measure applies on `today`.
    ///
    /// # Errors
    /// [`ProfileError::MeasureNotYet`] or [`ProfileError::MeasureExpired`].
    pub fn check_applies(&self, today: Date) -> Result<(), ProfileError> {
        if today < self.measure_from {
            return Err(ProfileError::MeasureNotYet {
                name: self.name.clone(),
                from: self.measure_from,
            });
        }
        if let Some(until) = self.measure_until
            && today > until
        {
            return Err(ProfileError::MeasureExpired {
                name: self.name.clone(),
                until,
            });
        }
        Ok(())
    }
}

impl Canonical for RuleProfile {
    const MAX_ENCODED_LEN: usize = 2 * 1024;

    fn validate(&self) -> Result<(), DecodeError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= MAX_PROFILE_NAME_LEN
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(DecodeError::invalid(
                "profile.name",
                "1–64 bytes of a–z, 0–9 and '-'",
            ));
        }
        if self.measure.trim().is_empty()
            || self.measure.len() > MAX_MEASURE_LEN
            || self.measure.chars().any(char::is_control)
        {
            return Err(DecodeError::invalid(
                "profile.measure",
                "1–512 bytes of text without control characters",
            ));
        }
        if let Some(until) = self.measure_until
            && until < self.measure_from
        {
            return Err(DecodeError::invalid(
                "profile.measure_until",
                "before measure_from",
            ));
        }
        let days = [
            ("notice_working_days", self.notice_working_days),
            ("acceptance_working_days", self.acceptance_working_days),
            ("review_working_days", self.review_working_days),
            ("supplement_working_days", self.supplement_working_days),
            (
                "objection_forward_working_days",
                self.objection_forward_working_days,
            ),
            (
                "objection_answer_working_days",
                self.objection_answer_working_days,
            ),
            ("cancellation_working_days", self.cancellation_working_days),
            ("renewal_window_days", self.renewal_window_days),
        ];
        for (what, value) in days {
            if value == 0 || value > MAX_DAYS {
                return Err(DecodeError::invalid(
                    what,
                    format!("{value} not in 1..={MAX_DAYS}"),
                ));
            }
        }
        let years = [
            ("validity_years", self.validity_years),
            ("renewal_max_years", self.renewal_max_years),
            ("operation_max_years", self.operation_max_years),
        ];
        for (what, value) in years {
            if value == 0 || value > MAX_YEARS {
                return Err(DecodeError::invalid(
                    what,
                    format!("{value} not in 1..={MAX_YEARS}"),
                ));
            }
        }
        Ok(())
    }
}

/// A profile adopted by a log, in force from `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileAdopted {
    /// The first day the profile governs the log's records.
    pub from: Date,
    /// The profile.
    pub profile: RuleProfile,
}

impl Canonical for ProfileAdopted {
    const MAX_ENCODED_LEN: usize = 4 + RuleProfile::MAX_ENCODED_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        self.profile.validate()
    }
}

/// The profiles a log adopted, in log order: what the replay consults for each record's date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    adopted: Vec<ProfileAdopted>,
}

/// Most adoptions a log may hold (a profile changes when a measure is amended: a few a decade).
pub const MAX_ADOPTIONS: usize = 256;

impl Profiles {
    /// Profiles from adoptions already replayed (in log order).
    pub fn new(adopted: Vec<ProfileAdopted>) -> Self {
        Profiles { adopted }
    }

    /// Every adoption, in log order.
    pub fn adopted(&self) -> &[ProfileAdopted] {
        &self.adopted
    }

    /// The profile in force on `date`: the adoption with the latest `from` not after `date` (the
    /// later one in log order when two share a `from`).
    ///
    /// # Errors
    /// [`ProfileError::NoneInForce`] when no adoption is in force on `date`.
    pub fn in_force(&self, date: Date) -> Result<&RuleProfile, ProfileError> {
        // `max_by_key` returns the last of equal maxima: in log order, the later adoption.
        self.adopted
            .iter()
            .filter(|a| a.from <= date)
            .max_by_key(|a| a.from)
            .map(|a| &a.profile)
            .ok_or(ProfileError::NoneInForce(date))
    }

    /// Checks an adoption recorded on `today` and adds it. It may not reach back: `from` is not
    /// before `today` (a record already written was judged by the profile then in force), nor
    /// before the `from` of an earlier adoption.
    ///
    /// # Errors
    /// [`ProfileError::Retroactive`], [`ProfileError::MeasureNotYet`] or
    /// [`ProfileError::TooManyAdoptions`].
    pub fn adopt(&mut self, adoption: ProfileAdopted, today: Date) -> Result<(), ProfileError> {
        let earliest = self
            .adopted
            .iter()
            .map(|a| a.from)
            .max()
            .map_or(today, |latest| latest.max(today));
        if adoption.from < earliest {
            return Err(ProfileError::Retroactive {
                today,
                from: adoption.from,
                earliest,
            });
        }
        // In force before its measure applies, the profile would refuse every record in between.
        if adoption.from < adoption.profile.measure_from {
            return Err(ProfileError::MeasureNotYet {
                name: adoption.profile.name.clone(),
                from: adoption.profile.measure_from,
            });
        }
        if self.adopted.len() >= MAX_ADOPTIONS {
            return Err(ProfileError::TooManyAdoptions);
        }
        self.adopted.push(adoption);
        Ok(())
    }
}

/// Which profiles a log may adopt: the membership file's `profiles` for the member. An entry is
/// a built-in name ([`builtin`]) or `name@<digest hex>` for a profile of the agency's own
/// ([`RuleProfile::digest`]). An empty list allows any built-in profile of a measure (not a draft).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilePolicy {
    entries: Vec<String>,
}

impl ProfilePolicy {
    /// A policy from membership entries.
    pub fn new(entries: Vec<String>) -> Self {
        ProfilePolicy { entries }
    }

    /// The entries.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Checks that `profile` may be adopted: a built-in name must carry exactly the built-in
    /// numbers, and the name (or `name@digest` for a profile that is not built in) must be listed
    /// (any built-in profile when the list is empty).
    ///
    /// # Errors
    /// [`ProfileError::BuiltinMismatch`] or [`ProfileError::NotAllowed`].
    pub fn check(&self, profile: &RuleProfile) -> Result<(), ProfileError> {
        let builtin = builtin(&profile.name);
        if let Some(b) = &builtin
            && b != profile
        {
            return Err(ProfileError::BuiltinMismatch(profile.name.clone()));
        }
        let pinned = format!("{}@{}", profile.name, profile.digest().to_hex());
        let allowed = if self.entries.is_empty() {
            // Drafts are not measures in force: a network accepts one only by naming it.
            builtin.is_some() && !is_draft(&profile.name)
        } else {
            self.entries
                .iter()
                .any(|e| (builtin.is_some() && *e == profile.name) || *e == pinned)
        };
        if allowed {
            Ok(())
        } else {
            Err(ProfileError::NotAllowed(profile.name.clone()))
        }
    }
}

/// True for a built-in profile of a draft measure (`…-draft`), which an empty membership list does
/// not allow.
pub fn is_draft(name: &str) -> bool {
    name.ends_with("-draft")
}

/// The names of the built-in profiles.
pub const BUILTIN: [&str; 6] = [
    "yuxi-2025",
    "national-2025",
    "yunnan-2024",
    "zhaoqing-2025",
    "zhongwei-draft",
    "kunming-draft",
];

#[allow(clippy::expect_used, reason = "constant dates")]
fn date(text: &str) -> Date {
    text.parse().expect("constant date")
}

/// The Yuxi measure's numbers (玉溪市公共数据资源登记管理办法（试行）, 玉发改〔2025〕2号, R16–R23,
/// and A17 of the authorized-operation measure issued with it).
fn yuxi_numbers(
    name: &str,
    measure: &str,
    from: Date,
    until: Option<Date>,
    count: DayCount,
) -> RuleProfile {
    RuleProfile {
        name: name.into(),
        measure: measure.into(),
        measure_from: from,
        measure_until: until,
        notice_working_days: 10,
        notice_count: count,
        acceptance_working_days: 3,
        review_working_days: 20,
        supplement_working_days: 10,
        objection_forward_working_days: 3,
        objection_answer_working_days: 10,
        cancellation_working_days: 10,
        validity_years: 3,
        renewal_window_days: 60,
        renewal_max_years: 3,
        operation_max_years: 5,
    }
}

/// A built-in profile by name (docs/format.md#profiles says where each number comes from).
///
/// - `yuxi-2025`: Yuxi's measure in full, from 2025-10-19 (trial), the notice counted with its
///   publication day as day 1 (R22 "自公示之日起计算" read literally).
/// - `national-2025`: the default where a city sets no number: the same numbers, the notice
///   counted from the next day (Civil Code Art. 201), no term.
/// - `yunnan-2024`, `zhaoqing-2025`, `zhongwei-draft`, `kunming-draft`: those measures set no
///   registration numbers and defer to national rules, so they carry the national default's
///   numbers with their own dates: Yunnan from 2024-03-01; Zhaoqing from 2025-05-01 for three
///   years (to 2028-04-30); the two drafts from 2025-01-01 (not yet in force as measures; a
///   network that accepts a draft says so in its membership file).
pub fn builtin(name: &str) -> Option<RuleProfile> {
    let national = |name: &str, measure: &str, from: &str, until: Option<&str>| {
        yuxi_numbers(
            name,
            measure,
            date(from),
            until.map(date),
            DayCount::FromNextDay,
        )
    };
    Some(match name {
        "yuxi-2025" => yuxi_numbers(
            name,
            "玉溪市公共数据资源登记管理办法（试行）玉发改〔2025〕2号",
            date("2025-10-19"),
            None,
            DayCount::IncludingStartDay,
        ),
        "national-2025" => national(
            name,
            "公共数据资源登记管理暂行办法 发改数据规〔2025〕26号 (numbers as Yuxi's; Civil Code Art. 201 counting)",
            "2025-01-08",
            None,
        ),
        "yunnan-2024" => national(name, "云南省公共数据管理办法（试行）", "2024-03-01", None),
        "zhaoqing-2025" => national(
            name,
            "肇庆市公共数据资源授权运营管理办法（试行）第三十三条",
            "2025-05-01",
            Some("2028-04-30"),
        ),
        "zhongwei-draft" => national(
            name,
            "中卫市公共数据资源授权运营管理办法（试行）（征求意见稿）",
            "2025-01-01",
            None,
        ),
        "kunming-draft" => national(
            name,
            "昆明市公共数据管理办法（征求意见稿）",
            "2025-01-01",
            None,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
