//! ISO 8601 timestamps: formatting for generated data, parsing so that
//! filters compare instants rather than spellings (`Z` vs `+00:00`).

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS+00:00`.
pub(crate) fn format_utc(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let secs = epoch_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses `YYYY-MM-DD[THH:MM[:SS[.fraction]]][Z|±HH:MM]` into nanoseconds
/// since the Unix epoch. Anything else is not a timestamp and yields `None`.
pub(crate) fn parse_instant(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut rest = &b[10..];
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0i128);
    if let Some((&sep, tail)) = rest.split_first()
        && (sep == b'T' || sep == b't' || sep == b' ')
    {
        if tail.len() < 5 || tail[2] != b':' {
            return None;
        }
        hour = digits(&tail[0..2])?;
        minute = digits(&tail[3..5])?;
        rest = &tail[5..];
        if rest.first() == Some(&b':') {
            second = digits(rest.get(1..3)?)?;
            rest = &rest[3..];
            if rest.first() == Some(&b'.') {
                let frac_len = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if frac_len == 0 {
                    return None;
                }
                let frac = &rest[1..1 + frac_len];
                let mut scaled: i128 = 0;
                for i in 0..9 {
                    scaled = scaled * 10 + frac.get(i).map_or(0, |c| i128::from(c - b'0'));
                }
                nanos = scaled;
                rest = &rest[1 + frac_len..];
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
    }
    let offset_seconds: i64 = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let magnitude = digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + nanos)
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, c| acc * 10 + i64::from(c - b'0')))
}

// Proleptic Gregorian calendar conversions (the well-known era-based
// algorithm), so no date library is needed for a fake server.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

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
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(format_utc(1_709_294_400), "2024-03-01T12:00:00+00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00+00:00");
    }

    #[test]
    fn parses_what_it_formats() {
        for t in [0, 1_709_294_400, 951_782_400, 1_234_567_890] {
            assert_eq!(
                parse_instant(&format_utc(t)),
                Some(i128::from(t) * 1_000_000_000)
            );
        }
    }

    #[test]
    fn offsets_and_spellings_agree() {
        let a = parse_instant("2024-03-01T12:00:00Z");
        assert_eq!(a, parse_instant("2024-03-01T12:00:00+00:00"));
        assert_eq!(a, parse_instant("2024-03-01T13:00:00+01:00"));
        assert_eq!(a, parse_instant("2024-03-01T12:00:00.000000Z"));
        assert_eq!(
            parse_instant("2024-03-01T12:00:00.5Z")
                .zip(a)
                .map(|(x, y)| x - y),
            Some(500_000_000)
        );
        assert_eq!(
            parse_instant("2024-03-01"),
            parse_instant("2024-03-01T00:00:00Z")
        );
    }

    #[test]
    fn rejects_non_timestamps() {
        for s in [
            "",
            "2024",
            "rhel8/app-17",
            "2024-13-01",
            "2024-03-01T25:00",
            "2024-03-01Txx",
        ] {
            assert_eq!(parse_instant(s), None, "{s}");
        }
    }
}
