//! Civil dates and Unix timestamps.
//!
//! Licences are issued and expire on calendar days in China Standard Time
//! (UTC+08:00, no daylight saving), so this module converts between a
//! proleptic-Gregorian [`Date`] and a [`UnixTime`] at that fixed offset.
//! Years are limited to `0001..=9999` so every date has a four-digit
//! `YYYY-MM-DD` form.

use core::fmt;
use core::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

impl fmt::Display for UnixTime {
    /// RFC 3339 in UTC, e.g. `2026-11-22T05:38:48Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339_utc())
    }
}

#[cfg(test)]
mod tests;

const MIN_YEAR: i32 = 1;
const MAX_YEAR: i32 = 9999;
const SECS_PER_DAY: i64 = 86_400;
/// China Standard Time is a fixed UTC+08:00 with no daylight saving.
const CHINA_OFFSET_SECS: i64 = 8 * 3600;
/// Days from 1970-01-01 to 0001-01-01.
const MIN_DAYS: i64 = days_from_civil(MIN_YEAR as i64, 1, 1);
/// Days from 1970-01-01 to 9999-12-31.
const MAX_DAYS: i64 = days_from_civil(MAX_YEAR as i64, 12, 31);
/// Keeps error values small even when an attacker submits huge inputs.
const MAX_STORED_INPUT: usize = 64;

/// Errors from constructing or parsing dates and timestamps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// The month or day does not exist in the proleptic Gregorian calendar.
    #[error("invalid calendar date {year:04}-{month:02}-{day:02}")]
    InvalidDate {
        /// Year as given.
        year: i32,
        /// Month as given.
        month: u8,
        /// Day of month as given.
        day: u8,
    },
    /// The time of day is out of range (leap seconds are not accepted).
    #[error("invalid time of day {hour:02}:{minute:02}:{second:02}")]
    InvalidTime {
        /// Hour as given.
        hour: u8,
        /// Minute as given.
        minute: u8,
        /// Second as given.
        second: u8,
    },
    /// The UTC offset is out of range.
    #[error("invalid UTC offset {hours:02}:{minutes:02}")]
    InvalidOffset {
        /// Offset hours as given.
        hours: u8,
        /// Offset minutes as given.
        minutes: u8,
    },
    /// The text does not have the required shape.
    #[error("malformed date or timestamp {input:?}")]
    Syntax {
        /// The offending input, truncated to 64 characters.
        input: String,
    },
    /// The value lies outside 0001-01-01 ..= 9999-12-31.
    #[error("date outside the supported range 0001-01-01 to 9999-12-31")]
    OutOfRange,
}

impl DateError {
    fn syntax(input: &str) -> Self {
        DateError::Syntax {
            input: input.chars().take(MAX_STORED_INPUT).collect(),
        }
    }
}

/// A calendar date in the proleptic Gregorian calendar, years `1..=9999`.
///
/// Ordering is chronological.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Date {
    // Field order matters: the derived `Ord` must be chronological.
    year: i32,
    month: u8,
    day: u8,
}

fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Howard Hinnant's `days_from_civil`; valid for any `y` far from `i64`
/// limits, which callers guarantee.
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // The algorithm counts years from March so the leap day is last.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`; callers keep `z` within about
/// ±10^15 so the intermediate products cannot overflow.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digit(b: u8) -> Option<u8> {
    b.is_ascii_digit().then(|| b - b'0')
}

fn num2(a: u8, b: u8) -> Option<u8> {
    Some(digit(a)? * 10 + digit(b)?)
}

fn num4(a: u8, b: u8, c: u8, d: u8) -> Option<i32> {
    Some(i32::from(num2(a, b)?) * 100 + i32::from(num2(c, d)?))
}

impl Date {
    /// Builds a date, checking that it exists in the calendar.
    ///
    /// # Errors
    /// [`DateError::OutOfRange`] if `year` is outside `1..=9999`;
    /// [`DateError::InvalidDate`] if the month or day does not exist.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, DateError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DateError::OutOfRange);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::InvalidDate { year, month, day });
        }
        Ok(Date { year, month, day })
    }

    /// The year, `1..=9999`.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, `1..=12`.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, `1..=31`.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (which is day 0); negative before it.
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        )
    }

    /// The inverse of [`Date::days_since_epoch`].
    ///
    /// # Errors
    /// [`DateError::OutOfRange`] if the day falls outside 0001-01-01 ..= 9999-12-31.
    pub fn from_days_since_epoch(days: i64) -> Result<Date, DateError> {
        if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
            return Err(DateError::OutOfRange);
        }
        let (y, m, d) = civil_from_days(days);
        let year = i32::try_from(y).map_err(|_| DateError::OutOfRange)?;
        let month = u8::try_from(m).map_err(|_| DateError::OutOfRange)?;
        let day = u8::try_from(d).map_err(|_| DateError::OutOfRange)?;
        Date::new(year, month, day)
    }

    /// The following day.
    ///
    /// # Errors
    /// [`DateError::OutOfRange`] after 9999-12-31.
    pub fn succ(self) -> Result<Date, DateError> {
        Date::from_days_since_epoch(self.days_since_epoch() + 1)
    }

    /// Parses exactly eight ASCII digits `YYYYMMDD`, as embedded in
    /// resident identity numbers.
    ///
    /// # Errors
    /// [`DateError::Syntax`] for anything but eight digits, otherwise the
    /// errors of [`Date::new`].
    pub fn parse_yyyymmdd(s: &str) -> Result<Date, DateError> {
        let [y0, y1, y2, y3, m0, m1, d0, d1] = *s.as_bytes() else {
            return Err(DateError::syntax(s));
        };
        match (num4(y0, y1, y2, y3), num2(m0, m1), num2(d0, d1)) {
            (Some(y), Some(m), Some(d)) => Date::new(y, m, d),
            _ => Err(DateError::syntax(s)),
        }
    }

    /// 00:00:00 China Standard Time (UTC+08:00) at the start of this date.
    pub fn start_in_china(self) -> UnixTime {
        UnixTime(self.days_since_epoch() * SECS_PER_DAY - CHINA_OFFSET_SECS)
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Parses exactly `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Date, DateError> {
        let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s.as_bytes() else {
            return Err(DateError::syntax(s));
        };
        match (num4(y0, y1, y2, y3), num2(m0, m1), num2(d0, d1)) {
            (Some(y), Some(m), Some(d)) => Date::new(y, m, d),
            _ => Err(DateError::syntax(s)),
        }
    }
}

impl fmt::Display for Date {
    /// Writes `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

struct DateVisitor;

impl Visitor<'_> for DateVisitor {
    type Value = Date;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date string YYYY-MM-DD")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
        v.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        deserializer.deserialize_str(DateVisitor)
    }
}

/// Seconds since 1970-01-01T00:00:00Z, ignoring leap seconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct UnixTime(i64);

impl UnixTime {
    /// Wraps a count of seconds since the Unix epoch.
    pub const fn from_secs(secs: i64) -> UnixTime {
        UnixTime(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn secs(self) -> i64 {
        self.0
    }

    /// The calendar date in China Standard Time (UTC+08:00) at this instant.
    ///
    /// # Errors
    /// [`DateError::OutOfRange`] if that date is outside 0001-01-01 ..= 9999-12-31.
    pub fn date_in_china(self) -> Result<Date, DateError> {
        let local = self
            .0
            .checked_add(CHINA_OFFSET_SECS)
            .ok_or(DateError::OutOfRange)?;
        Date::from_days_since_epoch(local.div_euclid(SECS_PER_DAY))
    }

    /// Whether this instant is exactly 00:00:00 China Standard Time.
    pub fn is_china_midnight(self) -> bool {
        // Compared without adding the offset so `i64::MAX` cannot overflow.
        self.0.rem_euclid(SECS_PER_DAY) == SECS_PER_DAY - CHINA_OFFSET_SECS
    }

    /// Parses an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS`, an optional
    /// fraction (truncated), then `Z` or `±HH:MM`. `t` and `z` may be lower
    /// case. Leap seconds (`:60`) are rejected because Unix time cannot
    /// represent them.
    ///
    /// # Errors
    /// [`DateError::Syntax`] for malformed text, [`DateError::InvalidDate`],
    /// [`DateError::InvalidTime`], [`DateError::InvalidOffset`] or
    /// [`DateError::OutOfRange`] for out-of-range fields.
    pub fn parse_rfc3339(s: &str) -> Result<UnixTime, DateError> {
        let syntax = || DateError::syntax(s);
        let (head, rest) = s.as_bytes().split_at_checked(19).ok_or_else(syntax)?;
        let [
            y0,
            y1,
            y2,
            y3,
            b'-',
            mo0,
            mo1,
            b'-',
            d0,
            d1,
            b'T' | b't',
            h0,
            h1,
            b':',
            mi0,
            mi1,
            b':',
            s0,
            s1,
        ] = *head
        else {
            return Err(syntax());
        };
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            num4(y0, y1, y2, y3),
            num2(mo0, mo1),
            num2(d0, d1),
            num2(h0, h1),
            num2(mi0, mi1),
            num2(s0, s1),
        ) else {
            return Err(syntax());
        };

        let rest = match rest.split_first() {
            Some((b'.', frac)) => {
                let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
                if n == 0 {
                    return Err(syntax());
                }
                frac.get(n..).ok_or_else(syntax)?
            }
            _ => rest,
        };
        let offset_secs = match *rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), oh0, oh1, b':', om0, om1] => {
                let (Some(hours), Some(minutes)) = (num2(oh0, oh1), num2(om0, om1)) else {
                    return Err(syntax());
                };
                if hours > 23 || minutes > 59 {
                    return Err(DateError::InvalidOffset { hours, minutes });
                }
                let magnitude = i64::from(hours) * 3600 + i64::from(minutes) * 60;
                if sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return Err(syntax()),
        };

        let date = Date::new(year, month, day)?;
        if hour > 23 || minute > 59 || second > 59 {
            return Err(DateError::InvalidTime {
                hour,
                minute,
                second,
            });
        }
        let local = date.days_since_epoch() * SECS_PER_DAY
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Ok(UnixTime(local - offset_secs))
    }

    /// Formats as RFC 3339 in UTC with whole seconds, e.g.
    /// `2026-11-22T05:38:48Z`.
    ///
    /// Instants whose UTC year falls outside `0001..=9999` cannot be
    /// written in RFC 3339; for those the year is written in ISO 8601
    /// expanded form with an explicit sign (e.g. `+10000-01-01T00:00:00Z`),
    /// which [`UnixTime::parse_rfc3339`] rejects.
    pub fn to_rfc3339_utc(self) -> String {
        let days = self.0.div_euclid(SECS_PER_DAY);
        let tod = self.0.rem_euclid(SECS_PER_DAY);
        let (hour, minute, second) = (tod / 3600, tod % 3600 / 60, tod % 60);
        // |days| <= i64::MAX / 86400 keeps civil_from_days within its bounds.
        let (y, m, d) = civil_from_days(days);
        if (i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&y) {
            format!("{y:04}-{m:02}-{d:02}T{hour:02}:{minute:02}:{second:02}Z")
        } else {
            format!("{y:+05}-{m:02}-{d:02}T{hour:02}:{minute:02}:{second:02}Z")
        }
    }
}
