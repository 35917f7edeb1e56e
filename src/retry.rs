//! When to try a failed request again, as a pure function of the attempt and the error.

use std::time::Duration;

use crate::error::Error;

/// Exponential backoff with a cap and optional seeded jitter.
///
/// Pure: it reads no clock and draws no randomness of its own, so the same policy, attempt,
/// error and salt always give the same answer.
///
/// ```
/// use std::time::Duration;
/// use pyxis_gql::{RetryDecision, RetryPolicy};
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
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    jitter_seed: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
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

    /// The wait before the second attempt; it doubles for each later one.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest computed wait.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
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
        if attempt >= self.max_attempts || !error.is_transient() {
            return RetryDecision::GiveUp;
        }
        if let Some(asked) = error.retry_after() {
            return if asked <= self.max_retry_after {
                RetryDecision::RetryAfter(asked)
            } else {
                RetryDecision::GiveUp
            };
        }
        let doublings = attempt.saturating_sub(1).min(31);
        let backoff = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
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
        assert_eq!(policy.decide(1, &http(400, None), 0), RetryDecision::GiveUp);
        assert_eq!(policy.decide(1, &http(500, None), 0), RetryDecision::GiveUp);
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
