//! Reading an RPM list: the selection decides which RPMs are kept, the decode's sharing cache
//! (when there is one) which of them are one shared value.
//!
//! Apart from [`super::rpm`] so that the RPM type stays below the cache that stores RPMs.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use super::rpm::{RawRpm, Rpm, RpmSelection, too_long};
use super::shared::RpmList;

/// Reads an RPM list (`null` reads as empty), keeping the RPMs its selection keeps.
///
/// Inside a sharing [`Scope`](super::shared::Scope), each RPM is looked up among those already
/// read and shared when found.
#[derive(Clone, Copy)]
pub(super) struct RpmListSeed<'a>(pub(super) &'a RpmSelection);

impl<'de> DeserializeSeed<'de> for RpmListSeed<'_> {
    type Value = Vec<Rpm>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Rpm>, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for RpmListSeed<'_> {
    type Value = Vec<Rpm>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of RPMs or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<Rpm>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<Rpm>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Rpm>, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Rpm>, A::Error> {
        let mut list = RpmList::begin();
        while let Some(raw) = seq.next_element::<RawRpm<'de>>()? {
            let fields = raw.fields();
            if self.0.keeps(fields[0]) {
                let rpm = list.share(fields).ok_or_else(too_long)?;
                list.push(rpm);
            }
        }
        Ok(list.finish())
    }
}
