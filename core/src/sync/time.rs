//! Time as an input: a [`Timestamp`] is whole seconds since the Unix epoch, as
//! Kubernetes writes `metav1.Time` (RFC 3339, second precision). The core never reads
//! a clock; every decision that depends on time takes `now` from the caller.

use core::fmt;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Seconds since the Unix epoch.
    pub const fn seconds(self) -> i64 {
        self.0
    }

    /// This time plus `seconds` (saturating: time never wraps).
    pub const fn plus(self, seconds: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(seconds))
    }

    /// Seconds from `earlier` to `self` (saturating).
    pub const fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Parses an RFC 3339 time as Kubernetes writes it: `2024-03-01T11:00:00Z`, with an
    /// optional fraction (dropped) and a `Z` or `±hh:mm` offset. `None` when it does
    /// not parse.
    ///
    /// ```
    /// use dsr_core::Timestamp;
    /// assert_eq!(Timestamp::parse_rfc3339("1970-01-01T00:01:00Z"), Some(Timestamp(60)));
    /// assert_eq!(Timestamp::parse_rfc3339("2024-03-01T12:00:00+01:00"),
    ///            Timestamp::parse_rfc3339("2024-03-01T11:00:00Z"));
    /// ```
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        #[cfg(not(feature = "compact"))]
        return parse(s.as_bytes(), date_time_fast);
        #[cfg(feature = "compact")]
        return parse(s.as_bytes(), date_time_small);
    }
}

/// [`Timestamp::parse_rfc3339`] of `b`, its date and time (the first 19 bytes:
/// year, month, day, hour, minute, second) read by `date_time`.
fn parse(b: &[u8], date_time: fn(&[u8]) -> Option<[i64; 6]>) -> Option<Timestamp> {
    let [year, month, day, hour, minute, second] = date_time(b)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), zone @ ..] if zone.len() == 5 => {
            let oh = digits(zone, 0, 2)?;
            let om = digits(zone, 3, 2)?;
            if zone.get(2) != Some(&b':') || oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(Timestamp(
        days * 86_400 + hour * 3600 + minute * 60 + second - offset,
    ))
}

/// The date and time of an RFC 3339 time, each field read and checked in turn.
#[cfg(any(not(feature = "compact"), test))]
fn date_time_fast(b: &[u8]) -> Option<[i64; 6]> {
    let fields = [
        digits(b, 0, 4)?,
        digits(b, 5, 2)?,
        digits(b, 8, 2)?,
        digits(b, 11, 2)?,
        digits(b, 14, 2)?,
        digits(b, 17, 2)?,
    ];
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return None;
    }
    matches!(b.get(10), Some(b'T' | b't' | b' ')).then_some(fields)
}

/// The date and time of an RFC 3339 time in the firmware build (`compact`,
/// where code size decides): the layout read by one loop over a pattern rather
/// than a call and a check per field.
#[cfg(any(feature = "compact", test))]
fn date_time_small(b: &[u8]) -> Option<[i64; 6]> {
    let mut f = [0i64; 6];
    numbers(b, b"dddd-dd-ddTdd:dd:dd", &mut f)?;
    Some(f)
}

/// Reads the start of `b` as `pattern` lays it out: each run of `d` is a number
/// of that many ASCII digits (into `out`, in order), `T` is `T`, `t` or a space
/// between two numbers, any other byte is itself. `None` when `b` does not fit.
#[cfg(any(feature = "compact", test))]
fn numbers(b: &[u8], pattern: &[u8], out: &mut [i64]) -> Option<()> {
    let mut k = 0;
    for (&p, &c) in pattern.iter().zip(b.get(..pattern.len())?) {
        if p == b'd' {
            let n = out.get_mut(k)?;
            *n = *n * 10 + i64::from(c.checked_sub(b'0').filter(|d| *d <= 9)?);
            continue;
        }
        let fits = match p {
            b'T' => matches!(c, b'T' | b't' | b' '),
            _ => c == p,
        };
        if !fits {
            return None;
        }
        k += 1;
    }
    Some(())
}

impl fmt::Display for Timestamp {
    /// Writes RFC 3339 in UTC, as Kubernetes does: `2024-03-01T11:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            y,
            m,
            d,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let field = b.get(at..at + n)?;
    field.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_kubernetes_writes() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2024-03-01T11:00:00Z", Some(1_709_290_800)),
            ("2024-02-29T10:06:40Z", Some(1_709_201_200)),
            ("2024-03-01T11:00:00.123456Z", Some(1_709_290_800)),
            ("2024-03-01T12:30:00+01:30", Some(1_709_290_800)),
            ("2024-03-01T09:00:00-02:00", Some(1_709_290_800)),
            ("1969-12-31T23:59:59Z", Some(-1)),
            ("2023-02-29T00:00:00Z", None),
            ("2024-13-01T00:00:00Z", None),
            ("2024-03-01 11:00:00", None),
            ("2024-03-01T11:00:00", None),
            ("2024-03-01T11:00:00.Z", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(Timestamp::parse_rfc3339(s), want.map(Timestamp), "{s}");
        }
    }

    fn parse_small(b: &[u8]) -> Option<Timestamp> {
        parse(b, date_time_small)
    }

    fn parse_fast(b: &[u8]) -> Option<Timestamp> {
        parse(b, date_time_fast)
    }

    #[test]
    fn the_firmware_parser_agrees_with_the_hosted_one() {
        // Every time Kubernetes writes, and each of them with one byte changed
        // or cut short: the two readings of RFC 3339's date and time (`compact`
        // builds use `date_time_small`) say the same.
        let bases = [
            "2024-03-01T11:00:00Z",
            "2024-02-29T23:59:60.123456Z",
            "1999-12-31t00:00:00z",
            "2023-02-28 10:06:40+05:30",
            "0000-01-01T00:00:00-23:59",
            "9999-12-31T23:59:59.9+00:00",
        ];
        let bytes = b"0159-:Tt Zz+.a\x00\xff";
        let mut checked = 0;
        for base in bases {
            let base = base.as_bytes();
            for cut in 0..=base.len() {
                assert_eq!(parse_small(&base[..cut]), parse_fast(&base[..cut]));
            }
            for i in 0..base.len() {
                for &c in bytes {
                    let mut buf = [0u8; 32];
                    let b = &mut buf[..base.len()];
                    b.copy_from_slice(base);
                    b[i] = c;
                    assert_eq!(parse_small(b), parse_fast(b), "{b:?}");
                    checked += usize::from(parse_fast(b).is_some());
                }
            }
        }
        // The changes are not all refused: both read many the same way.
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn display_round_trips() {
        extern crate std;
        use std::string::ToString;
        for s in [
            "2024-03-01T11:00:00Z",
            "1969-12-31T23:59:59Z",
            "2000-02-29T00:00:00Z",
        ] {
            let t = Timestamp::parse_rfc3339(s).unwrap();
            assert_eq!(t.to_string(), s);
        }
    }
}
