//! Calendar dates in China Standard Time, and the Civil Code's rules for periods
//! (docs/format.md#dates).
//!
//! Certificates state their validity as explicit inclusive dates, so a verifier never re-derives
//! them; this module is what the agency's node uses to derive them once, and what the lifecycle rules
//! use to check them. Arithmetic is delegated to the `time` crate (proleptic Gregorian calendar).

use std::fmt;
use std::str::FromStr;

use crate::encoding::DecodeError;

/// Offset of China Standard Time from UTC, in seconds (UTC+8, no daylight saving).
pub const CST_OFFSET_SECONDS: i64 = 8 * 3600;
/// Seconds in a civil day.
const SECONDS_PER_DAY: i64 = 86_400;
/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
/// Earliest year a ledger date may have: the Unix epoch (records carry Unix times).
pub const MIN_YEAR: u16 = 1970;
/// Latest year a ledger date may have (four-digit years in every text form).
pub const MAX_YEAR: u16 = 9999;

/// A calendar date (proleptic Gregorian) between [`MIN_YEAR`] and [`MAX_YEAR`].
///
/// Canonical bytes: year (u16, BCS little-endian), month (u8, 1–12), day (u8, 1–31), always a real
/// date. JSON and text: `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs, reason = "the names say it")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    /// Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(self, Weekday::Saturday | Weekday::Sunday)
    }
}

impl Date {
    /// The date `year-month-day`.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] when the date does not exist or the year is out of range.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DecodeError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DecodeError::invalid(
                "date",
                format!("year {year} outside {MIN_YEAR}..={MAX_YEAR}"),
            ));
        }
        let month_t = time::Month::try_from(month)
            .map_err(|_| DecodeError::invalid("date", format!("month {month}")))?;
        time::Date::from_calendar_date(i32::from(year), month_t, day).map_err(|_| {
            DecodeError::invalid(
                "date",
                format!("{year:04}-{month:02}-{day:02} does not exist"),
            )
        })?;
        Ok(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u8 {
        self.day
    }

    fn to_time(self) -> time::Date {
        // Every Date is validated on construction, so the conversion cannot fail; fall back to the
        // minimum date rather than panic if that invariant were ever broken.
        time::Month::try_from(self.month)
            .ok()
            .and_then(|m| time::Date::from_calendar_date(i32::from(self.year), m, self.day).ok())
            .unwrap_or(time::Date::MIN)
    }

    fn from_time(d: time::Date) -> Result<Self, DecodeError> {
        let year = u16::try_from(d.year())
            .map_err(|_| DecodeError::invalid("date", format!("year {} out of range", d.year())))?;
        Date::new(year, u8::from(d.month()), d.day())
    }

    /// Days since 1970-01-01 (negative never occurs: dates start in 1970).
    pub fn days_since_epoch(self) -> i64 {
        i64::from(self.to_time().to_julian_day()) - UNIX_EPOCH_JULIAN_DAY
    }

    /// The date `days` days after 1970-01-01.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] when the result is outside the supported years.
    pub fn from_days_since_epoch(days: i64) -> Result<Self, DecodeError> {
        let julian = days
            .checked_add(UNIX_EPOCH_JULIAN_DAY)
            .and_then(|j| i32::try_from(j).ok())
            .ok_or_else(|| DecodeError::invalid("date", format!("day {days} out of range")))?;
        let d = time::Date::from_julian_day(julian)
            .map_err(|_| DecodeError::invalid("date", format!("day {days} out of range")))?;
        Date::from_time(d)
    }

    /// The calendar date in China Standard Time (UTC+8) at Unix time `unix_seconds`.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] when the time falls outside the supported years.
    pub fn from_unix_cst(unix_seconds: i64) -> Result<Self, DecodeError> {
        let local = unix_seconds
            .checked_add(CST_OFFSET_SECONDS)
            .ok_or_else(|| DecodeError::invalid("time", "out of range"))?;
        Date::from_days_since_epoch(local.div_euclid(SECONDS_PER_DAY))
    }

    /// Unix time of 00:00:00 China Standard Time on this date.
    pub fn start_unix_cst(self) -> i64 {
        self.days_since_epoch() * SECONDS_PER_DAY - CST_OFFSET_SECONDS
    }

    /// The date `days` days later (earlier when negative).
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] when the result is outside the supported years.
    pub fn add_days(self, days: i64) -> Result<Self, DecodeError> {
        let target = self
            .days_since_epoch()
            .checked_add(days)
            .ok_or_else(|| DecodeError::invalid("date", "out of range"))?;
        Date::from_days_since_epoch(target)
    }

    /// The next calendar day.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] after 9999-12-31.
    pub fn next_day(self) -> Result<Self, DecodeError> {
        self.add_days(1)
    }

    /// Number of days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// The day of the week.
    pub fn weekday(self) -> Weekday {
        match self.to_time().weekday() {
            time::Weekday::Monday => Weekday::Monday,
            time::Weekday::Tuesday => Weekday::Tuesday,
            time::Weekday::Wednesday => Weekday::Wednesday,
            time::Weekday::Thursday => Weekday::Thursday,
            time::Weekday::Friday => Weekday::Friday,
            time::Weekday::Saturday => Weekday::Saturday,
            time::Weekday::Sunday => Weekday::Sunday,
        }
    }

    /// The last day of a period of `years` years that starts on `self`, by the Civil Code
    /// (民法典 Art. 201–202): the starting day is not counted, and the period ends on the
    /// corresponding day of the final year, or on the last day of that month when the final year
    /// has no corresponding day (29 February). So 2026-11-23 + 3 years ends on 2029-11-23, and
    /// 2028-02-29 + 3 years on 2031-02-28.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] when the result is past [`MAX_YEAR`].
    pub fn period_end_years(self, years: u16) -> Result<Self, DecodeError> {
        let year = self
            .year
            .checked_add(years)
            .filter(|y| *y <= MAX_YEAR)
            .ok_or_else(|| DecodeError::invalid("date", "period ends after year 9999"))?;
        let last_of_month = last_day_of_month(year, self.month)?;
        Date::new(year, self.month, self.day.min(last_of_month))
    }
}

/// The number of days in `month` of `year`.
fn last_day_of_month(year: u16, month: u8) -> Result<u8, DecodeError> {
    let m = time::Month::try_from(month)
        .map_err(|_| DecodeError::invalid("date", format!("month {month}")))?;
    Ok(time::util::days_in_month(m, i32::from(year)))
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl FromStr for Date {
    type Err = DecodeError;

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, zero-padded).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DecodeError::invalid("date", format!("{s:?} is not YYYY-MM-DD"));
        let b = s.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(bad());
        }
        let year = s[0..4].parse().map_err(|_| bad())?;
        let month = s[5..7].parse().map_err(|_| bad())?;
        let day = s[8..10].parse().map_err(|_| bad())?;
        Date::new(year, month, day)
    }
}

/// The BCS shape of a date: `(u16, u8, u8)`.
type RawDate = (u16, u8, u8);

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            let raw: RawDate = (self.year, self.month, self.day);
            raw.serialize(s)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            text.parse().map_err(D::Error::custom)
        } else {
            let (year, month, day) = RawDate::deserialize(d)?;
            Date::new(year, month, day).map_err(D::Error::custom)
        }
    }
}

/// Whether `time` lies in the inclusive window `[not_before, not_after]` (an open end is
/// unbounded): the one rule for every key window, log or witness, in policies and memberships.
pub fn in_window(not_before: Option<i64>, not_after: Option<i64>, time: i64) -> bool {
    not_before.is_none_or(|t| time >= t) && not_after.is_none_or(|t| time <= t)
}

/// Parses an instant as policy and membership files write it: RFC 3339 with whole seconds
/// (`2027-01-01T00:00:00+08:00`), or decimal Unix seconds (a leading `-` allowed). `None` when it
/// is neither (docs/format.md#trust-policy).
pub fn parse_instant(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let format = time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(text, &format).ok()?;
    (t.nanosecond() == 0).then(|| t.unix_timestamp())
}

/// Writes an instant for [`parse_instant`]: RFC 3339 in China Standard Time when the year has
/// four digits, else Unix seconds.
pub fn instant_text(unix_seconds: i64) -> String {
    let format = time::format_description::well_known::Rfc3339;
    time::UtcOffset::from_hms(8, 0, 0)
        .ok()
        .and_then(|cst| {
            time::OffsetDateTime::from_unix_timestamp(unix_seconds)
                .ok()
                .map(|t| t.to_offset(cst))
        })
        .filter(|t| (0..=9999).contains(&t.year()))
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix_seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn civil_code_three_years() {
        assert_eq!(
            d("2026-11-23").period_end_years(3).unwrap(),
            d("2029-11-23")
        );
        // Leap day: no 29 February in 2031, so the last day of February.
        assert_eq!(
            d("2028-02-29").period_end_years(3).unwrap(),
            d("2031-02-28")
        );
        // Leap day to a leap year keeps the day.
        assert_eq!(
            d("2028-02-29").period_end_years(4).unwrap(),
            d("2032-02-29")
        );
        // Year end.
        assert_eq!(
            d("2026-12-31").period_end_years(3).unwrap(),
            d("2029-12-31")
        );
        assert_eq!(
            d("2027-01-01").period_end_years(3).unwrap(),
            d("2030-01-01")
        );
        assert!(d("9998-01-01").period_end_years(3).is_err());
    }

    #[test]
    fn cst_day_boundary() {
        // 2026-11-22T15:59:59Z is 23:59:59 CST on the 22nd; one second later is the 23rd.
        let midnight = d("2026-11-23").start_unix_cst();
        assert_eq!(midnight, 1_795_363_200);
        assert_eq!(Date::from_unix_cst(midnight - 1).unwrap(), d("2026-11-22"));
        assert_eq!(Date::from_unix_cst(midnight).unwrap(), d("2026-11-23"));
        assert!(Date::from_unix_cst(i64::MAX).is_err());
        assert!(Date::from_unix_cst(i64::MIN).is_err());
        assert!(Date::from_unix_cst(-CST_OFFSET_SECONDS - 1).is_err());
    }

    #[test]
    fn arithmetic_and_weekday() {
        assert_eq!(d("2026-11-23").weekday(), Weekday::Monday);
        assert_eq!(d("2028-02-28").add_days(1).unwrap(), d("2028-02-29"));
        assert_eq!(d("2026-12-31").next_day().unwrap(), d("2027-01-01"));
        assert_eq!(d("2026-11-23").days_until(d("2029-11-23")), 1096);
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
    }

    #[test]
    fn parse_is_strict() {
        for bad in [
            "2026-2-01",
            "2026-02-30",
            "2026/02/01",
            "+026-02-01",
            "1969-12-31",
            "2026-02-01 ",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bcs_is_four_bytes_and_validated() {
        let bytes = bcs::to_bytes(&d("2026-11-23")).unwrap();
        assert_eq!(bytes, [0xea, 0x07, 11, 23]);
        assert_eq!(bcs::from_bytes::<Date>(&bytes).unwrap(), d("2026-11-23"));
        assert!(bcs::from_bytes::<Date>(&[0xea, 0x07, 2, 30]).is_err());
        assert_eq!(
            serde_json::to_string(&d("2026-11-23")).unwrap(),
            "\"2026-11-23\""
        );
    }

    #[test]
    fn instants_read_back() {
        assert_eq!(parse_instant("1798732800"), Some(1_798_732_800));
        assert_eq!(parse_instant("-5"), Some(-5));
        assert_eq!(
            parse_instant("2027-01-01T00:00:00+08:00"),
            Some(1_798_732_800)
        );
        assert_eq!(instant_text(1_798_732_800), "2027-01-01T00:00:00+08:00");
        for bad in ["", "-", "+5", "2027-01-01", "2027-01-01T00:00:00.5Z", "1e3"] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
        for t in [i64::MIN, -1, 0, 1_798_732_800, 400_000_000_000, i64::MAX] {
            assert_eq!(parse_instant(&instant_text(t)), Some(t), "{t}");
        }
    }
}
