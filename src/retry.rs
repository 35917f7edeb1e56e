//! When to try a failed request again, as a pure function of the attempt and the error.

use std::time::Duration;

use crate::error::{Error, RetryClass};

/// A doubling wait with a cap: the first retry waits `initial`, each later one twice the one
/// before, never more than `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Backoff {
    /// Waits of `initial`, doubling up to `max`.
    pub const fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max }
    }

    /// The wait before the second attempt.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The longest wait.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The wait after `attempt` (1-based) failed, before jitter.
    fn after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// Exponential backoff with a cap and optional seeded jitter, with a backoff per
/// [`RetryClass`]: failures on the way wait 200 ms, 400 ms, ... up to 10 s; the Pyxis database
/// timeout, a sign of an overloaded database, waits 30 s, then 60 s.
///
/// Pure: it reads no clock and draws no randomness of its own, so the same policy, attempt,
/// error and salt always give the same answer.
///
/// ```
/// use std::time::Duration;
/// use pyxis_gql::{PyxisError, RetryDecision, RetryPolicy};
///
/// let policy = RetryPolicy::default();
/// let busy = pyxis_gql::Error::Http {
///     status: http::StatusCode::SERVICE_UNAVAILABLE,
///     body_excerpt: String::new(),
///     retry_after: None,
///     trace_id: None,
/// };
/// assert_eq!(policy.decide(1, &busy, 0), RetryDecision::RetryAfter(Duration::from_millis(200)));
/// assert_eq!(policy.decide(2, &busy, 0), RetryDecision::RetryAfter(Duration::from_millis(400)));
/// assert_eq!(policy.decide(3, &busy, 0), RetryDecision::GiveUp); // 3 attempts made
///
/// let database = pyxis_gql::Error::Pyxis(PyxisError::new(
///     Some(500),
///     "Pyxis API was unable to fetch data from MongoDB in time",
/// ));
/// assert_eq!(policy.decide(1, &database, 0), RetryDecision::RetryAfter(Duration::from_secs(30)));
/// assert_eq!(policy.decide(2, &database, 0), RetryDecision::RetryAfter(Duration::from_secs(60)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    transient: Backoff,
    database_timeout: Backoff,
    max_retry_after: Duration,
    jitter_seed: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            transient: Backoff::new(Duration::from_millis(200), Duration::from_secs(10)),
            database_timeout: Backoff::new(Duration::from_secs(30), Duration::from_secs(60)),
            max_retry_after: Duration::from_secs(60),
            jitter_seed: None,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum RetryDecision {
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
    /// Report the error.
    GiveUp,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self::default().max_attempts(1)
    }

    /// Total attempts, the first one included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the second attempt after a [`RetryClass::Transient`] failure; it doubles
    /// for each later one.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.transient.initial = backoff;
        self
    }

    /// The longest computed wait after a [`RetryClass::Transient`] failure.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.transient.max = backoff;
        self
    }

    /// The backoff after a [`RetryClass::DatabaseTimeout`] (30 s doubling to 60 s by default).
    pub fn database_timeout_backoff(mut self, backoff: Backoff) -> Self {
        self.database_timeout = backoff;
        self
    }

    /// The backoff this policy uses for `class`.
    pub fn backoff(&self, class: RetryClass) -> Backoff {
        match class {
            RetryClass::DatabaseTimeout => self.database_timeout,
            RetryClass::Transient => self.transient,
        }
    }

    /// The longest server-requested `Retry-After` honoured; a longer one gives up at once.
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Spreads waits over `[backoff / 2, backoff)` with a generator seeded by `seed` (mixed with
    /// the salt passed to [`decide`](Self::decide)), so concurrent callers do not retry in step.
    pub fn jitter(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// The number of attempts this policy allows.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Decides after `attempt` (1-based) failed with `error`. `salt` varies the jitter between
    /// requests (any number, e.g. a request counter); it is ignored without jitter.
    pub fn decide(&self, attempt: u32, error: &Error, salt: u64) -> RetryDecision {
        let Some(class) = error.retry_class() else {
            return RetryDecision::GiveUp;
        };
        if attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        if let Some(asked) = error.retry_after() {
            return if asked <= self.max_retry_after {
                RetryDecision::RetryAfter(asked)
            } else {
                RetryDecision::GiveUp
            };
        }
        let backoff = self.backoff(class).after(attempt);
        RetryDecision::RetryAfter(match self.jitter_seed {
            None => backoff,
            Some(seed) => {
                let unit = splitmix64(seed ^ salt.rotate_left(17) ^ u64::from(attempt)) >> 11;
                let fraction = unit as f64 / (1u64 << 53) as f64;
                backoff.mul_f64(0.5 + fraction / 2.0)
            }
        })
    }
}

/// A tiny well-mixed hash, enough to spread retry waits; not for anything secret.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PyxisError;

    fn http(status: u16, retry_after: Option<u64>) -> Error {
        Error::Http {
            status: http::StatusCode::from_u16(status).unwrap(),
            body_excerpt: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
            trace_id: None,
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = RetryPolicy::default()
            .max_attempts(10)
            .max_backoff(Duration::from_millis(1000));
        let waits: Vec<_> = (1..10)
            .map(|attempt| policy.decide(attempt, &http(502, None), 0))
            .collect();
        let ms = |m| RetryDecision::RetryAfter(Duration::from_millis(m));
        assert_eq!(
            waits,
            vec![
                ms(200),
                ms(400),
                ms(800),
                ms(1000),
                ms(1000),
                ms(1000),
                ms(1000),
                ms(1000),
                ms(1000)
            ]
        );
        assert_eq!(
            policy.decide(10, &http(502, None), 0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn non_transient_errors_are_never_retried() {
        let policy = RetryPolicy::default().max_attempts(5);
        for status in [400, 401, 403, 404, 422, 501] {
            assert_eq!(
                policy.decide(1, &http(status, None), 0),
                RetryDecision::GiveUp,
                "{status}"
            );
        }
        let not_found = Error::Pyxis(PyxisError {
            status: Some(404),
            detail: "Not found".into(),
            trace_id: None,
        });
        assert_eq!(policy.decide(1, &not_found, 0), RetryDecision::GiveUp);
    }

    #[test]
    fn mongodb_timeout_inside_a_200_is_retried() {
        let timeout = Error::Pyxis(PyxisError {
            status: Some(500),
            detail: "Unable to fetch data from MongoDB in time".into(),
            trace_id: None,
        });
        assert!(matches!(
            RetryPolicy::default().decide(1, &timeout, 0),
            RetryDecision::RetryAfter(_)
        ));
    }

    #[test]
    fn each_class_waits_its_own_backoff() {
        let policy = RetryPolicy::default().max_attempts(4);
        let waits = |error: &Error| -> Vec<RetryDecision> {
            (1..=4)
                .map(|attempt| policy.decide(attempt, error, 0))
                .collect()
        };
        let ms = |m| RetryDecision::RetryAfter(Duration::from_millis(m));
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                waits(&http(status, None)),
                [ms(200), ms(400), ms(800), RetryDecision::GiveUp],
                "{status}"
            );
        }
        let database = Error::Pyxis(PyxisError {
            status: Some(500),
            detail: "Pyxis API was unable to fetch data from MongoDB in time".into(),
            trace_id: None,
        });
        assert_eq!(
            waits(&database),
            [ms(30_000), ms(60_000), ms(60_000), RetryDecision::GiveUp]
        );
        let shorter = policy
            .clone()
            .database_timeout_backoff(Backoff::new(Duration::from_secs(5), Duration::from_secs(7)));
        assert_eq!(
            (1..=3)
                .map(|a| shorter.decide(a, &database, 0))
                .collect::<Vec<_>>(),
            [ms(5_000), ms(7_000), ms(7_000)]
        );
        assert_eq!(
            shorter.backoff(RetryClass::Transient),
            policy.backoff(RetryClass::Transient),
            "one class's backoff leaves the other's alone"
        );
    }

    #[test]
    fn retry_after_is_honoured_up_to_its_limit() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(
            policy.decide(1, &http(429, Some(3)), 0),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            policy.decide(1, &http(503, Some(30)), 0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn the_jitter_generator_is_splitmix64() {
        // The reference generator's first two outputs from state 0.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn jitter_is_seeded_bounded_and_varies_with_the_salt() {
        let policy = RetryPolicy::default().jitter(42);
        let wait = |salt| match policy.decide(2, &http(504, None), salt) {
            RetryDecision::RetryAfter(d) => d,
            RetryDecision::GiveUp => panic!("504 must be retried"),
        };
        let waits: Vec<_> = (0..50).map(wait).collect();
        assert_eq!(
            waits,
            (0..50).map(wait).collect::<Vec<_>>(),
            "same seed, same waits"
        );
        assert!(
            waits
                .iter()
                .all(|d| *d >= Duration::from_millis(200) && *d < Duration::from_millis(400))
        );
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 40, "salts spread the waits: {distinct:?}");
    }
}
