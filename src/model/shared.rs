//! The sharing cache of one decode: equal strings and equal RPMs read by one decode become one
//! shared value.
//!
//! A pure cache: a value decodes equal with it or without it, only its memory is shared. It
//! lives in a thread-local for the length of one [`Scope`] (a guard puts back whatever was there
//! before, even on a panic), so that the derived `Deserialize` impls of the model reach it
//! without a seed threaded through every type. Outside a scope, strings and RPMs decode the
//! plain way, each its own allocation. What a decode keeps or drops never travels here: that is
//! the [`RpmSelection`](super::RpmSelection) its seed carries.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

use super::rpm::{Rpm, RpmFields};
use super::text::Text;

thread_local! {
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

struct Context {
    interner: Interner,
    /// The RPMs read so far; see [`RpmList`].
    rpms: Table<Rpm>,
    /// The length of the last RPM list: the next one is usually as long.
    last_rpm_count: usize,
}

/// Shares values between everything decoded on this thread for as long as it lives.
pub(crate) struct Scope {
    previous: Option<Context>,
}

impl Scope {
    /// A cache sized for a body of `body_len` bytes (small bodies get none: too few values to
    /// pay for the tables).
    pub(crate) fn enter(body_len: usize) -> Self {
        let context = Context {
            interner: Interner::for_body(body_len),
            rpms: Table::for_body(body_len, RPMS_BYTES_PER_SLOT),
            last_rpm_count: 0,
        };
        let previous = CONTEXT
            .try_with(|cell| {
                cell.try_borrow_mut()
                    .ok()
                    .and_then(|mut slot| slot.replace(context))
            })
            .ok()
            .flatten();
        Self { previous }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CONTEXT.try_with(|cell| {
            if let Ok(mut slot) = cell.try_borrow_mut() {
                *slot = previous;
            }
        });
    }
}

/// Runs `f` on the current context, if a decode is under way on this thread.
fn with_context<R>(f: impl FnOnce(&mut Context) -> R) -> Option<R> {
    CONTEXT
        .try_with(|cell| cell.try_borrow_mut().ok()?.as_mut().map(f))
        .ok()
        .flatten()
}

/// The shared copy of `text` in the current scope (or a new `Text` outside one).
pub(super) fn intern(text: &str) -> Text {
    with_context(|context| context.interner.intern(text)).unwrap_or_else(|| Text::from(text))
}

// Here rather than beside `Text`, so that the type sits below the cache that stores it.
impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(intern(text))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// What one RPM list borrows from the current scope while it is read: the RPMs read so far,
/// taken once per list rather than once per RPM. Dropping it gives them back, also when the list
/// fails half-way.
pub(super) struct RpmList {
    shared: Option<Table<Rpm>>,
    /// Sized like the scope's last list, so that it rarely grows.
    rpms: Vec<Rpm>,
    /// Where a new RPM's strings are put together.
    scratch: String,
}

impl RpmList {
    /// Borrows from the current scope (outside one: no sharing).
    pub(super) fn begin() -> Self {
        with_context(|context| Self {
            shared: Some(std::mem::replace(&mut context.rpms, Table::for_body(0, 1))),
            rpms: Vec::with_capacity(context.last_rpm_count),
            scratch: String::new(),
        })
        .unwrap_or(Self {
            shared: None,
            rpms: Vec::new(),
            scratch: String::new(),
        })
    }

    /// The RPM with these fields, shared with its equals in the scope; `None` when its
    /// strings exceed what an [`Rpm`] holds.
    ///
    /// The lookup hashes the nvra and the lengths of the other fields (the nvra names an RPM
    /// all but uniquely; a name or source that differs is caught by the comparison, which
    /// reads every field).
    pub(super) fn share(&mut self, fields: RpmFields<'_>) -> Option<Rpm> {
        let Some(shared) = &mut self.shared else {
            return Rpm::from_fields(fields, &mut self.scratch);
        };
        let [name, nvra, srpm_name, srpm_nevra] =
            fields.map(|field| field.map_or(0, |field| field.len() as u64));
        let seed = SEED ^ name ^ srpm_name << 16 ^ srpm_nevra << 32 ^ nvra << 48;
        let hash = hash(seed, fields[1].unwrap_or_default().as_bytes());
        let same_fields = |rpm: &Rpm| {
            rpm.could_be(&fields)
                && rpm.fields().iter().zip(&fields).all(|pair| match pair {
                    (Some(a), Some(b)) => same(a.as_bytes(), b.as_bytes()),
                    _ => true,
                })
        };
        if let Some(rpm) = shared.find(hash, same_fields) {
            return Some(rpm.clone());
        }
        let rpm = Rpm::from_fields(fields, &mut self.scratch)?;
        shared.insert(hash, rpm.clone());
        Some(rpm)
    }

    #[inline]
    pub(super) fn push(&mut self, rpm: Rpm) {
        self.rpms.push(rpm);
    }

    /// The RPMs, in a list of exactly their number.
    pub(super) fn finish(mut self) -> Vec<Rpm> {
        let mut rpms = std::mem::take(&mut self.rpms);
        rpms.shrink_to_fit();
        let count = rpms.len();
        with_context(|context| context.last_rpm_count = count);
        rpms
    }
}

impl Drop for RpmList {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            with_context(|context| context.rpms = shared);
        }
    }
}

/// Keeps one shared copy of each string a decode reads.
pub(super) struct Interner {
    strings: Table<Text>,
}

impl Interner {
    /// Longer strings are rarely repeated: not worth hashing.
    pub(super) const MAX_LEN: usize = 256;

    fn for_body(body_len: usize) -> Self {
        Self {
            strings: Table::for_body(body_len, STRINGS_BYTES_PER_SLOT),
        }
    }

    pub(super) fn intern(&mut self, text: &str) -> Text {
        if text.len() > Self::MAX_LEN || self.strings.capacity == 0 {
            return Text::from(text);
        }
        let hash = hash(SEED, text.as_bytes());
        if let Some(shared) = self
            .strings
            .find(hash, |shared| same(shared.as_bytes(), text.as_bytes()))
        {
            return shared.clone();
        }
        let shared = Text::from(text);
        self.strings.insert(hash, shared.clone());
        shared
    }
}

/// One slot of the string table per this many body bytes. (RPMs, most of the strings of an
/// image page, are shared whole instead.)
const STRINGS_BYTES_PER_SLOT: usize = 256;
/// One slot of the RPM table per this many body bytes: an RPM takes about 140 bytes of JSON
/// and a page of images across architectures repeats about two thirds of them.
const RPMS_BYTES_PER_SLOT: usize = 256;
const SEED: u64 = 0x0123_4567_89AB_CDEF;

/// Keeps one shared copy of each value a decode reads.
///
/// A fixed-size open-addressing table, sized from the body and allocated on first use. A
/// value whose probe sequence finds neither its copy nor a free slot within `MAX_PROBES`
/// slots is simply not shared (it gets its own allocation, as without the table), so that no
/// input, however its values collide, costs more than a few comparisons per value. That
/// bound, not a secret hash key, is the defence against crafted collisions, so the hash is
/// fixed and a decode's allocations are the same on every run.
pub(super) struct Table<V> {
    pub(super) capacity: usize,
    /// 0 for a free slot, else one more than the value's index in `values`: a small array that
    /// stays in cache, with the values themselves in the order they were first met, which is
    /// about the order the next image meets them in again.
    pub(super) slots: Vec<u32>,
    pub(super) values: Vec<V>,
}

impl<V: Clone> Table<V> {
    /// Bodies smaller than this decode without tables: too few values to pay for them.
    pub(super) const MIN_BODY: usize = 8 * 1024;
    const MAX_SLOTS: usize = 1 << 16;
    const MAX_PROBES: usize = 8;

    fn for_body(body_len: usize, bytes_per_slot: usize) -> Self {
        let capacity = if body_len < Self::MIN_BODY {
            0
        } else {
            (body_len / bytes_per_slot)
                .next_power_of_two()
                .min(Self::MAX_SLOTS)
        };
        Self {
            capacity,
            slots: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The stored value under `hash` that `matches` accepts.
    fn find(&self, hash: u64, matches: impl Fn(&V) -> bool) -> Option<&V> {
        let mask = self.capacity.wrapping_sub(1);
        let mut index = hash as usize & mask;
        for _ in 0..Self::MAX_PROBES {
            let slot = *self.slots.get(index)?;
            let value = self.values.get((slot as usize).checked_sub(1)?)?;
            if matches(value) {
                return Some(value);
            }
            index = (index + 1) & mask;
        }
        None
    }

    /// Stores `value` under `hash` in the first free slot within reach, if there is one.
    fn insert(&mut self, hash: u64, value: V) {
        if self.capacity == 0 {
            return;
        }
        if self.slots.is_empty() {
            self.slots = vec![0; self.capacity];
        }
        let Ok(position) = u32::try_from(self.values.len() + 1) else {
            return;
        };
        let mask = self.capacity - 1;
        let mut index = hash as usize & mask;
        for _ in 0..Self::MAX_PROBES {
            let Some(slot) = self.slots.get_mut(index) else {
                return;
            };
            if *slot == 0 {
                *slot = position;
                self.values.push(value);
                return;
            }
            index = (index + 1) & mask;
        }
    }
}

/// `a == b`, with the common lengths compared in a few word loads rather than a call.
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    fn at(bytes: &[u8], start: usize) -> u64 {
        let mut word = [0; 8];
        if let Some(part) = bytes.get(start..start + 8) {
            word.copy_from_slice(part);
        }
        u64::from_le_bytes(word)
    }
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        8..=16 => at(a, 0) == at(b, 0) && at(a, len - 8) == at(b, len - 8),
        17..=32 => {
            at(a, 0) == at(b, 0)
                && at(a, 8) == at(b, 8)
                && at(a, len - 16) == at(b, len - 16)
                && at(a, len - 8) == at(b, len - 8)
        }
        _ => a == b,
    }
}

/// A fast hash of a short string: 16 bytes per folded 128-bit multiply.
pub(super) fn hash(seed: u64, bytes: &[u8]) -> u64 {
    const K1: u64 = 0x243F_6A88_85A3_08D3;
    const K2: u64 = 0x1319_8A2E_0370_7344;
    fn fold(a: u64, b: u64) -> u64 {
        let product = u128::from(a) * u128::from(b);
        product as u64 ^ (product >> 64) as u64
    }
    // Fixed-size loads only: a copy of a variable length would be a call per string.
    fn word(bytes: &[u8]) -> u64 {
        let mut word = [0; 8];
        if let Some(first) = bytes.get(..8) {
            word.copy_from_slice(first);
        }
        u64::from_le_bytes(word)
    }
    /// Every byte of fewer than 8, as overlapping halves or first, middle and last byte
    /// (the length is hashed separately).
    fn short(bytes: &[u8]) -> u64 {
        let len = bytes.len();
        if len >= 4 {
            let half = |at: usize| {
                let mut half = [0; 4];
                if let Some(part) = bytes.get(at..at + 4) {
                    half.copy_from_slice(part);
                }
                u64::from(u32::from_le_bytes(half))
            };
            return half(0) | half(len - 4) << 32;
        }
        match (bytes.first(), bytes.get(len / 2), bytes.last()) {
            (Some(&a), Some(&b), Some(&c)) => u64::from(a) | u64::from(b) << 8 | u64::from(c) << 16,
            _ => 0,
        }
    }
    let len = bytes.len();
    let acc = seed ^ (len as u64).wrapping_mul(K2);
    if len <= 16 {
        // The first and last 8 bytes (overlapping), or a short string whole.
        let (a, b) = if len >= 8 {
            (word(bytes), word(&bytes[len - 8..]))
        } else {
            (short(bytes), 0)
        };
        return fold(a ^ K1 ^ acc, b ^ K2);
    }
    let mut acc = acc;
    let mut rest = bytes;
    while rest.len() > 16 {
        acc = fold(word(rest) ^ K1 ^ acc, word(&rest[8..]) ^ K2);
        rest = &rest[16..];
    }
    fold(
        word(&bytes[len - 16..]) ^ K1 ^ acc,
        word(&bytes[len - 8..]) ^ K2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_rpms_are_never_confused() {
        // A tiny table: most RPMs find no slot within the probe limit and are simply not shared.
        let mut list = RpmList {
            shared: Some(Table {
                capacity: 4,
                slots: Vec::new(),
                values: Vec::new(),
            }),
            rpms: Vec::new(),
            scratch: String::new(),
        };
        let names: Vec<String> = (0..50).map(|i| format!("package-{i}")).collect();
        for round in 0..4 {
            for name in &names {
                // The same nvra for all: only the name tells them apart.
                let fields = [Some(name.as_str()), Some("x-1-1.noarch"), None, Some("")];
                let rpm = list.share(fields).unwrap();
                assert_eq!(rpm.fields(), fields, "round {round}");
                list.push(rpm);
            }
        }
        let rpms = list.finish();
        assert_eq!(rpms.len(), 200);
        // The four that found a slot are shared in every round, the rest never.
        let shared = (0..50).filter(|&i| rpms[i].ptr_eq(&rpms[150 + i])).count();
        assert_eq!(shared, 4);
    }

    #[test]
    fn colliding_strings_are_never_confused() {
        // A tiny table: most strings find no slot within the probe limit and are simply not shared.
        let mut interner = Interner {
            strings: Table {
                capacity: 4,
                slots: Vec::new(),
                values: Vec::new(),
            },
        };
        let words: Vec<String> = (0..200).map(|i| format!("word-{}", i % 50)).collect();
        for word in &words {
            assert_eq!(interner.intern(word), word.as_str());
        }
        let long = "x".repeat(Interner::MAX_LEN + 1);
        assert_eq!(interner.intern(&long), long.as_str());
        assert_eq!(interner.intern(""), "");
    }

    #[test]
    fn the_hash_reads_every_byte() {
        let seen: std::collections::HashSet<u64> =
            ["", "a", "b", "ab", "ba", "abcdefgh", "abcdefgi"]
                .into_iter()
                .chain([
                    "0123456789abcdefX",
                    "0123456789abcdefY",
                    "Y0123456789abcdef",
                ])
                .map(|text| hash(1, text.as_bytes()))
                .collect();
        assert_eq!(seen.len(), 10);
    }

    #[test]
    fn strings_compare_byte_for_byte_at_every_length() {
        let long = "abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz";
        for len in 0..long.len() {
            let a = &long.as_bytes()[..len];
            assert!(same(a, a), "{len}");
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert!(!same(a, &b), "{len} {at}");
            }
            assert!(!same(a, &long.as_bytes()[..len + 1]));
        }
    }
}
