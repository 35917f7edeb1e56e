//! Pieces for the model's hand-written `Deserialize` impls: the ones whose decoding takes an
//! argument (an [`RpmSelection`](super::RpmSelection)) and so cannot be derived.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::rpm::RpmSelection;
use crate::seed::{KeyOf, Seen};

/// `null` or a missing value read as the type's default, for ragged Pyxis data.
pub(super) struct NullAsDefault<T>(pub(super) T);

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for NullAsDefault<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(
            Option::<T>::deserialize(deserializer)?.unwrap_or_default(),
        ))
    }
}

/// A struct of the model whose decoding depends on which RPMs are kept: the image and the
/// objects between it and its RPM list.
pub(super) trait Seeded: Default {
    /// What the struct is, for error messages.
    const EXPECTING: &'static str;
    /// Its field names as Pyxis spells them (at most 64).
    const FIELDS: &'static [&'static str];

    /// Reads the value of the field `name` (one of [`FIELDS`](Self::FIELDS)) from `map`.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        name: &'static str,
        map: &mut A,
        rpms: &RpmSelection,
    ) -> Result<(), A::Error>;
}

/// Reads a [`Seeded`] struct: each field it knows once, unknown fields skipped.
pub(super) struct SeededStruct<'a, T> {
    rpms: &'a RpmSelection,
    output: PhantomData<fn() -> T>,
}

impl<'a, T> SeededStruct<'a, T> {
    pub(super) fn new(rpms: &'a RpmSelection) -> Self {
        Self {
            rpms,
            output: PhantomData,
        }
    }
}

impl<'de, T: Seeded> DeserializeSeed<'de> for SeededStruct<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Seeded> Visitor<'de> for SeededStruct<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        let mut seen = Seen::default();
        while let Some(field) = map.next_key_seed(KeyOf(T::FIELDS))? {
            match field.and_then(|index| Some((index, *T::FIELDS.get(index)?))) {
                Some((index, name)) => {
                    seen.first(index, T::FIELDS)?;
                    value.read_field(name, &mut map, self.rpms)?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(value)
    }
}
