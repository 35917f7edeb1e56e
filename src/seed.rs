//! Small serde seeds shared by the model's and the decoder's hand-written visitors.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// `null`, or whatever the inner seed reads.
pub(crate) struct NullOr<S>(pub(crate) S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for NullOr<S> {
    type Value = Option<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for NullOr<S> {
    type Value = Option<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

/// Finds a map key among some names without allocating: its position, or `None` for any other
/// key.
pub(crate) struct KeyOf<'a>(pub(crate) &'a [&'a str]);

impl<'de> DeserializeSeed<'de> for KeyOf<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeyOf<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| name.as_bytes() == key))
    }
}

/// The fields of a struct already read, to refuse a repeated one as the derived impls do.
#[derive(Default)]
pub(crate) struct Seen(u64);

impl Seen {
    /// Marks the field at `index` of `fields` as read; an error the second time.
    pub(crate) fn first<E: de::Error>(
        &mut self,
        index: usize,
        fields: &[&'static str],
    ) -> Result<(), E> {
        let bit = 1u64.checked_shl(index as u32).unwrap_or(0);
        if self.0 & bit != 0 {
            return Err(E::duplicate_field(
                fields.get(index).copied().unwrap_or("?"),
            ));
        }
        self.0 |= bit;
        Ok(())
    }
}
