//! The working-day calendar (docs/format.md#calendar).
//!
//! Deadlines of the registration procedure count working days (R14–R22): weekends are off,
//! statutory holidays are off, and some weekend days are made working days (调休). The State
//! Council publishes each year's arrangement, and the agency records it in its log as a
//! [`WorkCalendar`]; the ledger takes it as data and never guesses: asking about a year that has no
//! calendar is an error ([`CalendarError::MissingYear`]).
//!
//! Counting follows the Civil Code (民法典 Art. 201): the starting day is not counted, so "within
//! 10 working days of acceptance on day D" ends on `add_working_days(D, 10)`. Art. 203 moves the
//! last day of a deadline that falls on a holiday to the next working day:
//! [`Calendars::next_working_day_on_or_after`].
//!
//! ```
//! use ledger_format::calendar::{Calendars, WorkCalendar};
//! use ledger_format::date::Date;
//!
//! let d = |s: &str| s.parse::<Date>().unwrap();
//! // Part of 2026: National Day holiday 1–7 October, Saturday 10 October a make-up workday.
//! let holidays = (1..=7).map(|day| Date::new(2026, 10, day).unwrap()).collect();
//! let year = WorkCalendar::new(2026, holidays, vec![d("2026-10-10")]).unwrap();
//! let calendars = Calendars::new(vec![year]).unwrap();
//! assert_eq!(calendars.add_working_days(d("2026-09-30"), 3).unwrap(), d("2026-10-10"));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::date::{Date, MAX_YEAR, MIN_YEAR};
use crate::encoding::{Canonical, DecodeError};

/// Most dates a [`WorkCalendar`] can hold: the lists are disjoint sets of days of one year.
const MAX_DAYS_PER_YEAR: usize = 366;

/// Why a working-day question could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The answer needs the calendar of a year that has none.
    #[error("no working-day calendar for {0}")]
    MissingYear(u16),
    /// Two calendars were given for the same year.
    #[error("two calendars for {0}")]
    DuplicateYear(u16),
    /// A calendar breaks a rule of [`WorkCalendar::validate`](Canonical::validate).
    #[error(transparent)]
    Invalid(#[from] DecodeError),
    /// The count runs past the last supported date (9999-12-31).
    #[error("date out of range")]
    OutOfRange,
}

/// One year's working-day arrangement, as the State Council's notice publishes it.
///
/// Canonical bytes (BCS): `year` (u16 little-endian), `holidays` (ULEB128 count, then 4 bytes per
/// [`Date`]), `makeup_workdays` (the same). Rules ([`Canonical::validate`]): every date lies in
/// `year`; each list is strictly increasing; no date is in both lists; every make-up workday is
/// a Saturday or a Sunday. Holidays may fall on any day: the notice lists whole holiday blocks,
/// weekends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCalendar {
    /// The calendar year.
    pub year: u16,
    /// Days off besides ordinary weekends (放假), in increasing order.
    pub holidays: Vec<Date>,
    /// Saturdays and Sundays that are working days (调休上班), in increasing order.
    pub makeup_workdays: Vec<Date>,
}

impl WorkCalendar {
    /// A validated calendar.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] naming the first rule broken (see [`WorkCalendar`]).
    pub fn new(
        year: u16,
        holidays: Vec<Date>,
        makeup_workdays: Vec<Date>,
    ) -> Result<Self, DecodeError> {
        let calendar = WorkCalendar {
            year,
            holidays,
            makeup_workdays,
        };
        calendar.validate()?;
        Ok(calendar)
    }

    /// Whether `date` is a working day. Dates of other years are answered by weekday alone;
    /// [`Calendars`] never asks about them.
    pub fn is_working_day(&self, date: Date) -> bool {
        if self.holidays.binary_search(&date).is_ok() {
            return false;
        }
        self.makeup_workdays.binary_search(&date).is_ok() || !date.weekday().is_weekend()
    }

    /// Checks that `dates` lie in the calendar's year and strictly increase.
    fn check_list(&self, dates: &[Date], what: &str) -> Result<(), DecodeError> {
        let mut previous: Option<Date> = None;
        for &date in dates {
            if date.year() != self.year {
                return Err(invalid(format!("{what} {date} is not in {}", self.year)));
            }
            if previous.is_some_and(|p| p >= date) {
                return Err(invalid(format!(
                    "{what}s not strictly increasing at {date}"
                )));
            }
            previous = Some(date);
        }
        Ok(())
    }
}

/// Shorthand for a calendar rule broken.
fn invalid(reason: String) -> DecodeError {
    DecodeError::invalid("work calendar", reason)
}

impl Canonical for WorkCalendar {
    /// Year, then two lists of at most 366 dates (count 366 takes 2 bytes of ULEB128).
    const MAX_ENCODED_LEN: usize = 2 + 2 * (2 + MAX_DAYS_PER_YEAR * 4);

    fn validate(&self) -> Result<(), DecodeError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&self.year) {
            return Err(invalid(format!(
                "year {} outside {MIN_YEAR}..={MAX_YEAR}",
                self.year
            )));
        }
        self.check_list(&self.holidays, "holiday")?;
        self.check_list(&self.makeup_workdays, "make-up workday")?;
        for &date in &self.makeup_workdays {
            if !date.weekday().is_weekend() {
                return Err(invalid(format!(
                    "make-up workday {date} is a {:?}",
                    date.weekday()
                )));
            }
            if self.holidays.binary_search(&date).is_ok() {
                return Err(invalid(format!(
                    "{date} is both a holiday and a make-up workday"
                )));
            }
        }
        Ok(())
    }
}

/// The calendars of several years, by year: what working-day arithmetic reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendars {
    by_year: BTreeMap<u16, WorkCalendar>,
}

impl Calendars {
    /// A set of validated calendars, at most one per year.
    ///
    /// # Errors
    /// [`CalendarError::Invalid`] for a calendar that breaks a rule, [`CalendarError::DuplicateYear`]
    /// when two calendars share a year.
    pub fn new(calendars: Vec<WorkCalendar>) -> Result<Self, CalendarError> {
        let mut set = Calendars::default();
        for calendar in calendars {
            let year = calendar.year;
            if set.insert(calendar)?.is_some() {
                return Err(CalendarError::DuplicateYear(year));
            }
        }
        Ok(set)
    }

    /// Adds a validated calendar, replacing and returning the year's previous one (a notice can be
    /// amended, as the 2020 Spring Festival holiday was).
    ///
    /// # Errors
    /// [`CalendarError::Invalid`] when the calendar breaks a rule; the set is then unchanged.
    pub fn insert(
        &mut self,
        calendar: WorkCalendar,
    ) -> Result<Option<WorkCalendar>, CalendarError> {
        calendar.validate()?;
        Ok(self.by_year.insert(calendar.year, calendar))
    }

    /// The calendar of `year`, if there is one.
    pub fn get(&self, year: u16) -> Option<&WorkCalendar> {
        self.by_year.get(&year)
    }

    /// The years that have a calendar, in increasing order.
    pub fn years(&self) -> impl Iterator<Item = u16> + '_ {
        self.by_year.keys().copied()
    }

    /// Whether `date` is a working day.
    ///
    /// # Errors
    /// [`CalendarError::MissingYear`] when the date's year has no calendar.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        self.get(date.year())
            .map(|calendar| calendar.is_working_day(date))
            .ok_or(CalendarError::MissingYear(date.year()))
    }

    /// The `n`-th working day after `start`; `start` itself is not counted (Civil Code Art. 201),
    /// so the result of `n >= 1` is always a working day, and `n = 0` gives `start`.
    ///
    /// # Errors
    /// [`CalendarError::MissingYear`] when a day to examine (any day after `start` up to the
    /// result) has no calendar; [`CalendarError::OutOfRange`] past 9999-12-31.
    pub fn add_working_days(&self, start: Date, n: u32) -> Result<Date, CalendarError> {
        let mut date = start;
        let mut counted = 0;
        while counted < n {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                counted += 1;
            }
        }
        Ok(date)
    }

    /// The number of working days `d` with `a < d <= b`: zero when `b <= a`. It is the inverse of
    /// [`Calendars::add_working_days`]: `working_days_between(a, add_working_days(a, n)) == n`.
    ///
    /// # Errors
    /// [`CalendarError::MissingYear`] when a day after `a` up to `b` has no calendar.
    pub fn working_days_between(&self, a: Date, b: Date) -> Result<u32, CalendarError> {
        let mut count = 0;
        let mut date = a;
        while date < b {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// `date` if it is a working day, otherwise the first working day after it: where the last day
    /// of a deadline is a holiday, the deadline ends on this day (Civil Code Art. 203).
    ///
    /// # Errors
    /// [`CalendarError::MissingYear`] when a day to examine has no calendar;
    /// [`CalendarError::OutOfRange`] past 9999-12-31.
    pub fn next_working_day_on_or_after(&self, date: Date) -> Result<Date, CalendarError> {
        let mut date = date;
        while !self.is_working_day(date)? {
            date = next_day(date)?;
        }
        Ok(date)
    }
}

/// The next day, or [`CalendarError::OutOfRange`] after the last supported date.
fn next_day(date: Date) -> Result<Date, CalendarError> {
    date.next_day().map_err(|_| CalendarError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    /// The days from `first` to `last`, both included.
    fn span(first: &str, last: &str) -> Vec<Date> {
        let (mut day, last) = (d(first), d(last));
        let mut days = vec![day];
        while day < last {
            day = day.next_day().unwrap();
            days.push(day);
        }
        days
    }

    /// 2026, from 国务院办公厅关于2026年部分节假日安排的通知 of 2025-11-04: the shared fixture.
    fn calendar_2026() -> WorkCalendar {
        crate::testing::calendar_2026()
    }

    /// 2025, from 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12;
    /// reprinted at https://m.gmw.cn/2024-11/12/content_1303894933.htm).
    fn calendar_2025() -> WorkCalendar {
        let blocks = [
            ("2025-01-01", "2025-01-01"), // 元旦
            ("2025-01-28", "2025-02-04"), // 春节
            ("2025-04-04", "2025-04-06"), // 清明节
            ("2025-05-01", "2025-05-05"), // 劳动节
            ("2025-05-31", "2025-06-02"), // 端午节
            ("2025-10-01", "2025-10-08"), // 国庆节、中秋节
        ];
        let holidays = blocks.iter().flat_map(|(a, b)| span(a, b)).collect();
        let makeup = [
            "2025-01-26",
            "2025-02-08",
            "2025-04-27",
            "2025-09-28",
            "2025-10-11",
        ];
        WorkCalendar::new(2025, holidays, makeup.iter().map(|s| d(s)).collect()).unwrap()
    }

    fn both_years() -> Calendars {
        Calendars::new(vec![calendar_2025(), calendar_2026()]).unwrap()
    }

    fn rejection(calendar: &WorkCalendar) -> String {
        match calendar.validate() {
            Err(DecodeError::Invalid {
                what: "work calendar",
                reason,
            }) => reason,
            other => panic!("expected a calendar rule broken, got {other:?}"),
        }
    }

    #[test]
    fn national_calendars_count_248_working_days() {
        // Counted independently (Python datetime over the same notices): 365 days, 104 weekend
        // days, 13 statutory holiday days net of make-up days, in both years.
        let calendars = both_years();
        for year in [2025, 2026] {
            let first = Date::new(year, 1, 1).unwrap().add_days(-1).unwrap();
            let last = Date::new(year, 12, 31).unwrap();
            // The day before 1 January needs no calendar: counting starts after it.
            assert_eq!(
                calendars.working_days_between(first, last),
                Ok(248),
                "{year}"
            );
        }
        let c = calendars;
        assert_eq!(c.is_working_day(d("2026-01-02")), Ok(false)); // Friday in the 元旦 block
        assert_eq!(c.is_working_day(d("2026-01-04")), Ok(true)); // make-up Sunday
        assert_eq!(c.is_working_day(d("2026-01-10")), Ok(false)); // ordinary Saturday
        assert_eq!(c.is_working_day(d("2026-01-05")), Ok(true)); // ordinary Monday
    }

    #[test]
    fn ten_working_day_notice_spans_national_day() {
        let c = both_years();
        // Published Monday 28 September: 29, 30 Sep; 1–7 Oct off; 8, 9, 10 (make-up Saturday),
        // 12, 13, 14, 15, 16 Oct.
        assert_eq!(c.add_working_days(d("2026-09-28"), 10), Ok(d("2026-10-16")));
        assert_eq!(
            c.working_days_between(d("2026-09-28"), d("2026-10-16")),
            Ok(10)
        );
        assert_eq!(c.add_working_days(d("2026-09-30"), 10), Ok(d("2026-10-20")));
        // A year earlier, from Friday 26 September 2025: make-up Sunday 28 Sep, 29, 30 Sep;
        // 1–8 Oct off; 9, 10, make-up Saturday 11, 13, 14, 15, 16 Oct.
        assert_eq!(c.add_working_days(d("2025-09-26"), 10), Ok(d("2025-10-16")));
    }

    #[test]
    fn makeup_weekend_days_are_counted() {
        let c = both_years();
        assert_eq!(c.add_working_days(d("2026-10-09"), 1), Ok(d("2026-10-10"))); // Saturday
        assert_eq!(c.add_working_days(d("2026-02-13"), 1), Ok(d("2026-02-14"))); // Saturday
        assert_eq!(c.add_working_days(d("2026-09-18"), 1), Ok(d("2026-09-20"))); // Sunday
        assert_eq!(c.add_working_days(d("2026-10-10"), 1), Ok(d("2026-10-12")));
    }

    #[test]
    fn year_boundary_needs_both_calendars() {
        let c = both_years();
        // 30, 31 Dec 2025; 1–3 Jan 2026 off; Sunday 4 Jan (make-up), 5, 6 Jan.
        assert_eq!(c.add_working_days(d("2025-12-29"), 5), Ok(d("2026-01-06")));
        assert_eq!(
            c.working_days_between(d("2025-12-29"), d("2026-01-06")),
            Ok(5)
        );
        let only_2025 = Calendars::new(vec![calendar_2025()]).unwrap();
        assert_eq!(
            only_2025.add_working_days(d("2025-12-29"), 2),
            Ok(d("2025-12-31"))
        );
        assert_eq!(
            only_2025.add_working_days(d("2025-12-29"), 3),
            Err(CalendarError::MissingYear(2026))
        );
    }

    #[test]
    fn missing_year_is_an_error() {
        let c = both_years();
        assert_eq!(
            c.is_working_day(d("2027-01-04")),
            Err(CalendarError::MissingYear(2027))
        );
        assert_eq!(
            c.is_working_day(d("2024-12-31")),
            Err(CalendarError::MissingYear(2024))
        );
        assert_eq!(
            c.next_working_day_on_or_after(d("2026-12-31")),
            Ok(d("2026-12-31"))
        );
        assert_eq!(
            c.next_working_day_on_or_after(d("2027-01-01")),
            Err(CalendarError::MissingYear(2027))
        );
        assert_eq!(
            c.working_days_between(d("2026-12-30"), d("2027-01-02")),
            Err(CalendarError::MissingYear(2027))
        );
        assert_eq!(
            CalendarError::MissingYear(2027).to_string(),
            "no working-day calendar for 2027"
        );
        // Nothing after the start is examined for n = 0, or after b in a count.
        assert_eq!(c.add_working_days(d("2030-01-01"), 0), Ok(d("2030-01-01")));
        assert_eq!(
            c.working_days_between(d("2030-01-02"), d("2030-01-01")),
            Ok(0)
        );
    }

    #[test]
    fn deadline_on_a_holiday_moves_to_the_next_working_day() {
        let c = both_years();
        assert_eq!(
            c.next_working_day_on_or_after(d("2026-10-03")),
            Ok(d("2026-10-08"))
        );
        assert_eq!(
            c.next_working_day_on_or_after(d("2026-02-15")),
            Ok(d("2026-02-24"))
        );
        assert_eq!(
            c.next_working_day_on_or_after(d("2026-10-10")),
            Ok(d("2026-10-10"))
        );
        assert_eq!(
            c.next_working_day_on_or_after(d("2026-10-08")),
            Ok(d("2026-10-08"))
        );
        assert_eq!(
            c.next_working_day_on_or_after(d("2025-12-27")),
            Ok(d("2025-12-29"))
        );
    }

    #[test]
    fn validation_rejections() {
        let base = || WorkCalendar {
            year: 2026,
            holidays: vec![d("2026-10-01"), d("2026-10-02")],
            makeup_workdays: vec![d("2026-09-20"), d("2026-10-10")],
        };
        assert_eq!(base().validate(), Ok(()));
        type BreakRule = fn(&mut WorkCalendar);
        let cases: [(BreakRule, &str); 8] = [
            (|c| c.year = 1969, "year 1969 outside 1970..=9999"),
            (
                |c| c.holidays.insert(0, "2025-12-31".parse().unwrap()),
                "holiday 2025-12-31 is not in 2026",
            ),
            (
                |c| c.holidays.reverse(),
                "holidays not strictly increasing at 2026-10-01",
            ),
            (
                |c| c.holidays.push("2026-10-02".parse().unwrap()),
                "holidays not strictly increasing at 2026-10-02",
            ),
            (
                |c| c.makeup_workdays.push("2027-01-02".parse().unwrap()),
                "make-up workday 2027-01-02 is not in 2026",
            ),
            (
                |c| c.makeup_workdays.reverse(),
                "make-up workdays not strictly increasing at 2026-09-20",
            ),
            (
                |c| c.makeup_workdays.push("2026-10-16".parse().unwrap()),
                "make-up workday 2026-10-16 is a Friday",
            ),
            (
                |c| c.holidays.push("2026-10-10".parse().unwrap()),
                "2026-10-10 is both a holiday and a make-up workday",
            ),
        ];
        for (break_rule, reason) in cases {
            let mut calendar = base();
            break_rule(&mut calendar);
            assert_eq!(rejection(&calendar), reason);
            // The same error from the constructor, from decoding, and from a set of calendars.
            let expected = DecodeError::invalid("work calendar", reason);
            let c = calendar.clone();
            assert_eq!(
                WorkCalendar::new(c.year, c.holidays, c.makeup_workdays),
                Err(expected.clone())
            );
            assert_eq!(
                WorkCalendar::decode_exact(&calendar.encode()),
                Err(expected.clone())
            );
            assert_eq!(
                Calendars::new(vec![calendar]),
                Err(CalendarError::Invalid(expected))
            );
        }
        // A holiday may fall on a weekend; an empty calendar is valid.
        assert!(WorkCalendar::new(2026, vec![d("2026-10-03")], vec![]).is_ok());
        assert!(WorkCalendar::new(2026, vec![], vec![]).is_ok());
    }

    #[test]
    fn one_calendar_per_year() {
        assert_eq!(
            Calendars::new(vec![calendar_2026(), calendar_2025(), calendar_2026()]),
            Err(CalendarError::DuplicateYear(2026))
        );
        let mut c = both_years();
        assert_eq!(c.years().collect::<Vec<_>>(), [2025, 2026]);
        let amended = WorkCalendar::new(2026, vec![], vec![]).unwrap();
        assert_eq!(c.insert(amended.clone()), Ok(Some(calendar_2026())));
        assert_eq!(c.get(2026), Some(&amended));
    }

    #[test]
    fn bcs_layout_byte_by_byte() {
        let calendar =
            WorkCalendar::new(2026, vec![d("2026-10-01")], vec![d("2026-10-10")]).unwrap();
        let bytes = calendar.encode();
        assert_eq!(
            bytes,
            [
                0xEA, 0x07, // year 2026, u16 little-endian
                0x01, 0xEA, 0x07, 0x0A, 0x01, // one holiday: 2026-10-01
                0x01, 0xEA, 0x07, 0x0A, 0x0A, // one make-up workday: 2026-10-10
            ]
        );
        assert_eq!(WorkCalendar::decode_exact(&bytes), Ok(calendar.clone()));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(WorkCalendar::decode_exact(&trailing).is_err());
        let json = serde_json::to_string(&calendar).unwrap();
        assert_eq!(
            json,
            r#"{"year":2026,"holidays":["2026-10-01"],"makeup_workdays":["2026-10-10"]}"#
        );
        assert_eq!(
            serde_json::from_str::<WorkCalendar>(&json).unwrap(),
            calendar
        );

        let national = calendar_2026();
        assert_eq!(national.encode().len(), 2 + 1 + 33 * 4 + 1 + 6 * 4);
        assert_eq!(WorkCalendar::decode_exact(&national.encode()), Ok(national));
        // The largest valid calendar fits the limit: a leap year of holidays.
        let all = WorkCalendar::new(2028, span("2028-01-01", "2028-12-31"), vec![]).unwrap();
        assert!(all.encode().len() <= WorkCalendar::MAX_ENCODED_LEN);
        assert_eq!(WorkCalendar::decode_exact(&all.encode()), Ok(all));
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn counting_inverts_adding(offset in 0i64..270, n in 0u32..60) {
                let c = both_years();
                let start = d("2026-01-01").add_days(offset).unwrap();
                let end = c.add_working_days(start, n).unwrap();
                prop_assert_eq!(c.working_days_between(start, end), Ok(n));
                if n > 0 {
                    prop_assert_eq!(c.is_working_day(end), Ok(true));
                    prop_assert_eq!(c.next_working_day_on_or_after(end), Ok(end));
                }
                let next = c.next_working_day_on_or_after(start).unwrap();
                prop_assert!(next >= start);
                prop_assert_eq!(c.working_days_between(start, next).unwrap(), u32::from(next != start));
            }
        }
    }
}
