//! Brew build NVRs (`name-version-release`) and rpm's version ordering.
//!
//! [`rpmvercmp`] is a port of rpm's own `rpmvercmp()`, so builds sort here the way rpm and
//! the build system sort them, rather than by string or by a semver-like rule.

use std::cmp::Ordering::{self, Equal, Greater, Less};

/// Compares two version (or release) strings the way rpm's `rpmvercmp()` does.
///
/// Both strings are split into runs of ASCII digits and runs of ASCII letters; everything else
/// except `~` and `^` only separates runs, so `2.0` and `2_0` are equal. Runs are compared in
/// order:
///
/// - numeric runs compare as numbers of any size (`1.10` is newer than `1.9`, `010` equals `10`);
/// - letter runs compare byte by byte (`10b2` is newer than `10a1`);
/// - a numeric run is newer than a letter run (`1` is newer than `a`);
/// - `~` sorts before everything, even the end of the string (`1.0~rc1` is older than `1.0`);
/// - `^` sorts after the end of the string but before any other run (`1.0^git1` is newer than
///   `1.0` and older than `1.0.1`);
/// - otherwise the string with runs left over is newer.
///
/// Quirks are kept as rpm has them: non-ASCII characters are separators, so `1.α` equals `1.β`,
/// and a string ends at its first NUL, as a C string would.
///
/// ```
/// use std::cmp::Ordering::{self, Equal, Greater, Less};
/// use pyxis_gql::nvr::rpmvercmp;
///
/// assert_eq!(rpmvercmp("1.10", "1.9"), Ordering::Greater);
/// assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Ordering::Less);
/// assert_eq!(rpmvercmp("1.0^git1", "1.0"), Ordering::Greater);
/// assert_eq!(rpmvercmp("1.01", "1.1"), Ordering::Equal);
/// ```
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (mut one, mut two) = (until_nul(a.as_bytes()), until_nul(b.as_bytes()));
    if one == two {
        return Equal;
    }
    while !one.is_empty() || !two.is_empty() {
        one = skip_separators(one);
        two = skip_separators(two);
        match (one.first(), two.first()) {
            (Some(b'~'), Some(b'~')) | (Some(b'^'), Some(b'^')) => {
                one = &one[1..];
                two = &two[1..];
                continue;
            }
            (Some(b'~'), _) => return Less,
            (_, Some(b'~')) => return Greater,
            (None, Some(b'^')) | (Some(b'^'), Some(_)) => return Less,
            (Some(b'^'), None) | (Some(_), Some(b'^')) => return Greater,
            (Some(_), Some(_)) => {}
            _ => break,
        }
        // The run's kind comes from `one` alone: if `two` has no run of that kind there, the two
        // runs are of different kinds, and rpm ranks digits above letters.
        let numeric = one[0].is_ascii_digit();
        let run: fn(&u8) -> bool = if numeric {
            u8::is_ascii_digit
        } else {
            u8::is_ascii_alphabetic
        };
        let (run1, rest1) = split_run(one, run);
        let (run2, rest2) = split_run(two, run);
        if run2.is_empty() {
            return if numeric { Greater } else { Less };
        }
        let order = if numeric {
            // By length, then by digits: no parsing, so numbers of any size compare.
            let (n1, n2) = (strip_zeros(run1), strip_zeros(run2));
            n1.len().cmp(&n2.len()).then_with(|| n1.cmp(n2))
        } else {
            run1.cmp(run2)
        };
        if order != Equal {
            return order;
        }
        (one, two) = (rest1, rest2);
    }
    // Equal runs but different separators make equal versions; otherwise leftovers win.
    (!one.is_empty()).cmp(&!two.is_empty())
}

fn until_nul(s: &[u8]) -> &[u8] {
    s.iter().position(|&c| c == 0).map_or(s, |end| &s[..end])
}

fn skip_separators(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|&c| c.is_ascii_alphanumeric() || c == b'~' || c == b'^')
        .unwrap_or(s.len());
    &s[start..]
}

fn split_run(s: &[u8], run: fn(&u8) -> bool) -> (&[u8], &[u8]) {
    s.split_at(s.iter().position(|c| !run(c)).unwrap_or(s.len()))
}

fn strip_zeros(s: &[u8]) -> &[u8] {
    &s[s.iter().position(|&c| c != b'0').unwrap_or(s.len())..]
}

/// A Brew build NVR, `name-version-release`, borrowed from the string it was parsed from.
///
/// A Brew NVR has no epoch. There is deliberately no `Ord`: ordering only means something between
/// builds of one package, see [`Nvr::cmp_version_release`].
///
/// ```
/// use pyxis_gql::nvr::Nvr;
///
/// let nvr = Nvr::parse("my-app-container-9.4-1194").unwrap();
/// assert_eq!(nvr.name(), "my-app-container");
/// assert_eq!(nvr.version(), "9.4");
/// assert_eq!(nvr.release(), "1194");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nvr<'a> {
    name: &'a str,
    version: &'a str,
    release: &'a str,
}

impl<'a> Nvr<'a> {
    /// Splits `s` at its last two hyphens, so the name may itself contain hyphens.
    ///
    /// Returns `None` when `s` has fewer than two hyphens or any of the three parts is empty.
    pub fn parse(s: &'a str) -> Option<Nvr<'a>> {
        let mut parts = s.rsplitn(3, '-');
        let release = parts.next().filter(|p| !p.is_empty())?;
        let version = parts.next().filter(|p| !p.is_empty())?;
        let name = parts.next().filter(|p| !p.is_empty())?;
        Some(Nvr {
            name,
            version,
            release,
        })
    }

    /// The package name, everything before the version.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The version, between the last two hyphens.
    pub fn version(&self) -> &'a str {
        self.version
    }

    /// The release, after the last hyphen.
    pub fn release(&self) -> &'a str {
        self.release
    }

    /// Orders two builds by version, then by release, each with [`rpmvercmp`].
    ///
    /// Names are not compared: the caller should only compare builds of one package name.
    ///
    /// ```
    /// use std::cmp::Ordering::{self, Equal, Greater, Less};
    /// use pyxis_gql::nvr::Nvr;
    ///
    /// let older = Nvr::parse("foo-1.2-9").unwrap();
    /// let newer = Nvr::parse("foo-1.2-10").unwrap();
    /// assert_eq!(newer.cmp_version_release(&older), Ordering::Greater);
    /// ```
    pub fn cmp_version_release(&self, other: &Nvr<'_>) -> Ordering {
        rpmvercmp(self.version, other.version).then_with(|| rpmvercmp(self.release, other.release))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every check in rpm's tests/rpmvercmp.at, less those that only swap the arguments of an earlier
    // one (the antisymmetry check covers them), then its commented-out "oddities", which are what
    // the algorithm really does.
    const RPM: &[(&str, &str, Ordering)] = &[
        ("1.0", "1.0", Equal),
        ("1.0", "2.0", Less),
        ("2.0.1", "2.0.1", Equal),
        ("2.0", "2.0.1", Less),
        ("2.0.1a", "2.0.1a", Equal),
        ("2.0.1a", "2.0.1", Greater),
        ("5.5p1", "5.5p1", Equal),
        ("5.5p1", "5.5p2", Less),
        ("5.5p10", "5.5p10", Equal),
        ("5.5p1", "5.5p10", Less),
        ("10xyz", "10.1xyz", Less),
        ("xyz10", "xyz10", Equal),
        ("xyz10", "xyz10.1", Less),
        ("xyz.4", "xyz.4", Equal),
        ("xyz.4", "8", Less),
        ("xyz.4", "2", Less),
        ("5.5p2", "5.6p1", Less),
        ("5.6p1", "6.5p1", Less),
        ("6.0.rc1", "6.0", Greater),
        ("10b2", "10a1", Greater),
        ("10a2", "10b2", Less),
        ("1.0aa", "1.0aa", Equal),
        ("1.0a", "1.0aa", Less),
        ("10.0001", "10.0001", Equal),
        ("10.0001", "10.1", Equal),
        ("10.0001", "10.0039", Less),
        ("4.999.9", "5.0", Less),
        ("20101121", "20101121", Equal),
        ("20101121", "20101122", Less),
        ("2_0", "2_0", Equal),
        ("2.0", "2_0", Equal),
        ("a", "a", Equal),
        ("a+", "a+", Equal),
        ("a+", "a_", Equal),
        ("+a", "+a", Equal),
        ("+a", "_a", Equal),
        ("+_", "+_", Equal),
        ("_+", "+_", Equal),
        ("_+", "_+", Equal),
        ("+", "_", Equal),
        ("1.0~rc1", "1.0~rc1", Equal),
        ("1.0~rc1", "1.0", Less),
        ("1.0~rc1", "1.0~rc2", Less),
        ("1.0~rc1~git123", "1.0~rc1~git123", Equal),
        ("1.0~rc1~git123", "1.0~rc1", Less),
        ("1.0^", "1.0^", Equal),
        ("1.0^", "1.0", Greater),
        ("1.0^git1", "1.0^git1", Equal),
        ("1.0^git1", "1.0", Greater),
        ("1.0^git1", "1.0^git2", Less),
        ("1.0^git1", "1.01", Less),
        ("1.0^20160101", "1.0^20160101", Equal),
        ("1.0^20160101", "1.0.1", Less),
        ("1.0^20160101^git1", "1.0^20160101^git1", Equal),
        ("1.0^20160102", "1.0^20160101^git1", Greater),
        ("1.0~rc1^git1", "1.0~rc1^git1", Equal),
        ("1.0~rc1^git1", "1.0~rc1", Greater),
        ("1.0^git1~pre", "1.0^git1~pre", Equal),
        ("1.0^git1", "1.0^git1~pre", Greater),
        ("1b.fc17", "1.fc17", Less),
        ("1g.fc17", "1.fc17", Greater),
        ("1.1.α", "1.1.β", Equal),
        ("1.1.αα", "1.1.ββ", Equal),
    ];

    const ALSO: &[(&str, &str, Ordering)] = &[
        ("1.10", "1.9", Greater),
        ("10", "9", Greater),
        ("1.0~rc1", "1.0", Less),
        ("1.0^", "1.0", Greater),
        ("a", "1", Less),
        ("010", "10", Equal),
        ("1.01", "1.1", Equal),
        ("1~", "1", Less),
        ("1^~", "1", Greater),
        ("1^", "1a", Less),
        ("18446744073709551616", "18446744073709551615", Greater),
        ("1\0junk", "1", Equal),
    ];

    #[test]
    fn rpm_table_and_antisymmetry() {
        assert!(RPM.len() >= 60);
        for &(a, b, expected) in RPM.iter().chain(ALSO) {
            assert_eq!(rpmvercmp(a, b), expected, "rpmvercmp({a:?}, {b:?})");
            assert_eq!(rpmvercmp(b, a), expected.reverse(), "swapped {a:?}, {b:?}");
        }
    }

    #[test]
    fn odd_strings_never_panic_and_are_reflexive() {
        let odd = [
            "", "~", "^", "~^~^", "...", "-_+", "α", "1.α", "０１", "\0", "~1", "^1", "1..~",
            "007", "000", "a1b2c3", "🦀",
        ];
        for x in odd {
            assert_eq!(rpmvercmp(x, x), Equal, "{x:?}");
            for y in odd {
                assert_eq!(rpmvercmp(x, y), rpmvercmp(y, x).reverse(), "{x:?} vs {y:?}");
            }
        }
    }

    #[test]
    fn parse_splits_at_the_last_two_hyphens() {
        let nvr = Nvr::parse("my-pkg-1.2.3-4.rc1").unwrap();
        assert_eq!(
            (nvr.name(), nvr.version(), nvr.release()),
            ("my-pkg", "1.2.3", "4.rc1")
        );
        let nvr = Nvr::parse("a-1-2").unwrap();
        assert_eq!((nvr.name(), nvr.version(), nvr.release()), ("a", "1", "2"));
        for bad in [
            "", "foo", "foo-1", "-1-2", "foo--2", "foo-1-", "--", "foo-1.0-",
        ] {
            assert_eq!(Nvr::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cmp_version_release_orders_version_then_release() {
        let nvr = |s| Nvr::parse(s).unwrap();
        let cmp = |a, b| nvr(a).cmp_version_release(&nvr(b));
        assert_eq!(cmp("foo-1.0-10", "foo-1.0-9"), Greater);
        assert_eq!(cmp("foo-1.10-1", "foo-1.9-99"), Greater);
        assert_eq!(cmp("foo-1.0~rc1-5", "foo-1.0-1"), Less);
        assert_eq!(cmp("foo-1.0-01", "foo-1.0-1"), Equal);
        assert_eq!(cmp("foo-1-1", "bar-1-1"), Equal);
    }
}
