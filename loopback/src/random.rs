//! Seeded random misbehaviour: faults drawn at a rate, and latency jitter,
//! for soak runs where scripting every fault by hand is not the point.

use std::time::Duration;

use crate::fault::Fault;

/// Faults injected at random into a share of the requests (see
/// [`LoopbackBuilder::random_faults`](crate::LoopbackBuilder::random_faults)).
///
/// Each request that no queued fault applies to gets, with probability
/// `rate`, one of the faults of the mix, each equally likely. The draws come
/// from a generator seeded with `seed`, so a run's sequence of draws is the
/// same every time; which request gets which draw still depends on the order
/// in which concurrent requests arrive.
///
/// ```
/// use pyxis_loopback::{Fault, LoopbackPyxis, RandomFaults};
///
/// let server = LoopbackPyxis::builder()
///     .random_faults(RandomFaults::transient(0.15, 7))
///     .start();
/// // Or only 503s, to a server already running:
/// server.set_random_faults(Some(
///     RandomFaults::transient(0.15, 7).faults([Fault::Status { code: 503, retry_after: None }]),
/// ));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RandomFaults {
    rate: f64,
    seed: u64,
    faults: Vec<Fault>,
}

impl RandomFaults {
    /// Faults a client should retry and survive, at `rate` (0.0 to 1.0;
    /// outside that range or NaN it is clamped, NaN to 0): an HTTP 503
    /// without `Retry-After`, the Pyxis MongoDB timeout inside a 200
    /// ([`Fault::MongoTimeout`]), a connection closed mid-body
    /// ([`Fault::TruncatedBody`]) and a connection closed without an answer
    /// ([`Fault::ConnectionReset`]).
    pub fn transient(rate: f64, seed: u64) -> Self {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        RandomFaults {
            rate,
            seed,
            faults: vec![
                Fault::Status {
                    code: 503,
                    retry_after: None,
                },
                Fault::MongoTimeout,
                Fault::TruncatedBody,
                Fault::ConnectionReset,
            ],
        }
    }

    /// Draws from `faults` instead of the transient mix; with none, no
    /// request is faulted.
    pub fn faults(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.faults = faults.into_iter().collect();
        self
    }

    /// The share of requests faulted, 0.0 to 1.0.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The seed of the generator.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The faults drawn from.
    pub fn mix(&self) -> &[Fault] {
        &self.faults
    }
}

/// The server's random state: the fault mix with its generator, and the
/// jitter with its own, so that turning one on does not shift the other's
/// sequence.
pub(crate) struct Chaos {
    faults: Option<(RandomFaults, fastrand::Rng)>,
    jitter: Duration,
    jitter_rng: fastrand::Rng,
}

/// The jitter generator's seed: fixed, as nothing asks to vary it.
const JITTER_SEED: u64 = 0x6a69_7474_6572;

impl Chaos {
    pub(crate) fn new(faults: Option<RandomFaults>, jitter: Duration) -> Self {
        let mut chaos = Chaos {
            faults: None,
            jitter,
            jitter_rng: fastrand::Rng::with_seed(JITTER_SEED),
        };
        chaos.set_faults(faults);
        chaos
    }

    pub(crate) fn set_faults(&mut self, faults: Option<RandomFaults>) {
        self.faults = faults.map(|f| {
            let rng = fastrand::Rng::with_seed(f.seed);
            (f, rng)
        });
    }

    pub(crate) fn set_jitter(&mut self, jitter: Duration) {
        self.jitter = jitter;
    }

    /// A fault for the next request, or `None` to answer it normally.
    pub(crate) fn draw_fault(&mut self) -> Option<Fault> {
        let (faults, rng) = self.faults.as_mut()?;
        if faults.faults.is_empty() || rng.f64() >= faults.rate {
            return None;
        }
        faults.faults.get(rng.usize(..faults.faults.len())).cloned()
    }

    /// An extra delay, uniform in `[0, jitter]`.
    pub(crate) fn draw_jitter(&mut self) -> Duration {
        if self.jitter.is_zero() {
            return Duration::ZERO;
        }
        let max = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.jitter_rng.u64(..=max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(chaos: &mut Chaos, n: usize) -> Vec<Option<Fault>> {
        (0..n).map(|_| chaos.draw_fault()).collect()
    }

    #[test]
    fn faults_come_at_about_the_rate_from_the_mix() {
        let mut chaos = Chaos::new(Some(RandomFaults::transient(0.15, 1)), Duration::ZERO);
        let drawn = draws(&mut chaos, 20_000);
        let faulted = drawn.iter().flatten().count();
        assert!((2_700..=3_300).contains(&faulted), "{faulted} of 20000");
        let mix = RandomFaults::transient(0.15, 1).faults;
        for fault in &mix {
            let count = drawn.iter().flatten().filter(|f| *f == fault).count();
            assert!(count > faulted / 6, "{fault:?}: {count} of {faulted}");
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_sequence() {
        let run = |seed| {
            draws(
                &mut Chaos::new(Some(RandomFaults::transient(0.3, seed)), Duration::ZERO),
                500,
            )
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    #[test]
    fn rates_are_clamped_and_an_empty_mix_never_faults() {
        assert_eq!(RandomFaults::transient(f64::NAN, 0).rate(), 0.0);
        assert_eq!(RandomFaults::transient(-1.0, 0).rate(), 0.0);
        assert_eq!(RandomFaults::transient(2.0, 0).rate(), 1.0);
        let mut always = Chaos::new(Some(RandomFaults::transient(1.0, 0)), Duration::ZERO);
        assert!(draws(&mut always, 100).iter().all(Option::is_some));
        let mut never = Chaos::new(Some(RandomFaults::transient(0.0, 0)), Duration::ZERO);
        assert!(draws(&mut never, 100).iter().all(Option::is_none));
        let mut empty = Chaos::new(
            Some(RandomFaults::transient(1.0, 0).faults([])),
            Duration::ZERO,
        );
        assert!(draws(&mut empty, 100).iter().all(Option::is_none));
        let mut off = Chaos::new(None, Duration::ZERO);
        assert!(draws(&mut off, 100).iter().all(Option::is_none));
    }

    #[test]
    fn jitter_stays_within_its_range_and_varies() {
        let max = Duration::from_millis(20);
        let mut chaos = Chaos::new(None, max);
        let delays: Vec<_> = (0..1_000).map(|_| chaos.draw_jitter()).collect();
        assert!(delays.iter().all(|d| *d <= max));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 900);
        chaos.set_jitter(Duration::ZERO);
        assert_eq!(chaos.draw_jitter(), Duration::ZERO);
    }
}
