//! RPMs and RPM lists, which are most of the bytes of an image page.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::de::{self, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One installed RPM (`RpmsItems`): its name, nvra, source RPM name and source nevra, each
/// of which Pyxis may leave out.
///
/// An immutable shared value: its four strings live in one allocation and a clone is a
/// reference count. Images on the same base ship the same few hundred packages, so within one
/// decode equal RPMs are one value (a page of 50 images holds about 4,800 distinct RPMs among
/// 15,500), which costs one reference count per RPM instead of one per string.
///
/// ```
/// let rpm: pyxis_gql::model::Rpm = serde_json::from_str(
///     r#"{"name": "bash", "nvra": "bash-5.1.8-9.el9.x86_64", "srpm_name": "bash"}"#,
/// ).unwrap();
/// assert_eq!(rpm.name(), Some("bash"));
/// assert_eq!(rpm.nvra(), Some("bash-5.1.8-9.el9.x86_64"));
/// assert_eq!(rpm.srpm_nevra(), None);
/// ```
#[derive(Clone)]
pub struct Rpm {
    /// The present fields, one after the other.
    text: Arc<str>,
    /// Where each field ends in `text` (each starts where the one before ends), with
    /// [`ABSENT`] set for a field Pyxis left out.
    ends: [u32; 4],
}

const ABSENT: u32 = 1 << 31;

/// An RPM's fields in order: name, nvra, srpm_name, srpm_nevra.
pub(crate) type RpmFields<'a> = [Option<&'a str>; 4];

const FIELDS: [&str; 4] = ["name", "nvra", "srpm_name", "srpm_nevra"];

impl Rpm {
    /// The package name, e.g. `openssl-libs`.
    pub fn name(&self) -> Option<&str> {
        self.field(0)
    }

    /// Name-version-release.arch, e.g. `openssl-libs-3.0.7-27.el9.x86_64`.
    pub fn nvra(&self) -> Option<&str> {
        self.field(1)
    }

    /// The source RPM's name, e.g. `openssl`.
    pub fn srpm_name(&self) -> Option<&str> {
        self.field(2)
    }

    /// The source RPM's name-epoch:version-release, e.g. `openssl-1:3.0.7-27.el9.src`.
    pub fn srpm_nevra(&self) -> Option<&str> {
        self.field(3)
    }

    /// Whether `self` and `other` are the same shared value (not just equal).
    pub fn ptr_eq(&self, other: &Rpm) -> bool {
        Arc::ptr_eq(&self.text, &other.text)
    }

    pub(crate) fn fields(&self) -> RpmFields<'_> {
        [0, 1, 2, 3].map(|index| self.field(index))
    }

    /// An RPM of these fields, put together in `text` (a buffer to reuse, so that the RPM is
    /// a single allocation); `None` when together they exceed 2 GiB.
    pub(crate) fn from_fields(fields: RpmFields<'_>, text: &mut String) -> Option<Self> {
        text.clear();
        let mut ends = [0; 4];
        for (end, field) in ends.iter_mut().zip(fields) {
            text.push_str(field.unwrap_or_default());
            *end = u32::try_from(text.len()).ok().filter(|&end| end < ABSENT)?;
            if field.is_none() {
                *end |= ABSENT;
            }
        }
        Some(Self {
            text: Arc::from(text.as_str()),
            ends,
        })
    }

    fn field(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        if end & ABSENT != 0 {
            return None;
        }
        let start = match index {
            0 => 0,
            _ => self.ends.get(index - 1)? & !ABSENT,
        };
        self.text.get(start as usize..end as usize)
    }

    /// Whether the fields could be `fields`, judged from their lengths alone.
    pub(crate) fn could_be(&self, fields: &RpmFields<'_>) -> bool {
        let mut start = 0;
        self.ends.iter().zip(fields).all(|(&end, field)| {
            let len = (end & !ABSENT).wrapping_sub(start);
            start = end & !ABSENT;
            match field {
                Some(field) => end & ABSENT == 0 && len as usize == field.len(),
                None => end & ABSENT != 0,
            }
        })
    }
}

impl Default for Rpm {
    /// An RPM with no fields.
    fn default() -> Self {
        Self {
            text: Arc::from(""),
            ends: [ABSENT; 4],
        }
    }
}

impl PartialEq for Rpm {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other) || self.fields() == other.fields()
    }
}

impl Eq for Rpm {}

impl Hash for Rpm {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.fields().hash(state);
    }
}

impl fmt::Debug for Rpm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Rpm");
        for (name, value) in FIELDS.iter().zip(self.fields()) {
            debug.field(name, &value);
        }
        debug.finish()
    }
}

impl Serialize for Rpm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut rpm = serializer.serialize_struct("Rpm", FIELDS.len())?;
        for (name, value) in FIELDS.iter().zip(self.fields()) {
            rpm.serialize_field(name, &value)?;
        }
        rpm.end()
    }
}

impl<'de> Deserialize<'de> for Rpm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawRpm::deserialize(deserializer)?.to_rpm()
    }
}

/// Which RPMs of each image's manifest a decode keeps: all of them, or only those with one of
/// some names.
///
/// It travels with the decode as a value (see [`ImageSeed`](super::ImageSeed)), so that a
/// [`ContainerImage`](super::ContainerImage) decodes the same way wherever it is decoded unless
/// the caller says otherwise. The unwanted RPMs are skipped while the list is read, their strings
/// never copied.
///
/// ```
/// use pyxis_gql::model::RpmSelection;
/// let openssl = RpmSelection::named(["openssl", "openssl-libs"]);
/// assert!(openssl.keeps(Some("openssl")) && !openssl.keeps(Some("bash")) && !openssl.keeps(None));
/// assert!(RpmSelection::All.keeps(None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RpmSelection {
    /// Every RPM.
    #[default]
    All,
    /// Only RPMs with one of these names (sorted, without repeats).
    Named(Vec<String>),
}

impl RpmSelection {
    /// Only the RPMs called one of `names`; an RPM without a name is never one of them.
    pub fn named<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut names: Vec<String> = names.into_iter().map(Into::into).collect();
        names.sort_unstable();
        names.dedup();
        Self::Named(names)
    }

    /// Whether an RPM called `name` is kept.
    pub fn keeps(&self, name: Option<&str>) -> bool {
        match self {
            Self::All => true,
            // A binary search: the list is short and sorted.
            Self::Named(names) => name.is_some_and(|name| {
                names
                    .binary_search_by(|probe| probe.as_str().cmp(name))
                    .is_ok()
            }),
        }
    }
}

pub(super) fn too_long<E: de::Error>() -> E {
    E::custom("an RPM's strings exceed 2 GiB")
}

/// An RPM read without copying its strings.
#[derive(Deserialize)]
pub(super) struct RawRpm<'a> {
    #[serde(default, borrow)]
    name: RawStr<'a>,
    #[serde(default, borrow)]
    nvra: RawStr<'a>,
    #[serde(default, borrow)]
    srpm_name: RawStr<'a>,
    #[serde(default, borrow)]
    srpm_nevra: RawStr<'a>,
}

impl RawRpm<'_> {
    pub(super) fn fields(&self) -> RpmFields<'_> {
        [&self.name, &self.nvra, &self.srpm_name, &self.srpm_nevra].map(|field| field.0.as_deref())
    }

    fn to_rpm<E: de::Error>(&self) -> Result<Rpm, E> {
        Rpm::from_fields(self.fields(), &mut String::new()).ok_or_else(too_long)
    }
}

/// A string or `null`, borrowed from the body, or copied when it had escapes. (Serde's own
/// `Option<Cow<str>>` always copies, and reads `null` and the string in two steps.)
#[derive(Default)]
struct RawStr<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for RawStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawVisitor;

        impl<'de> Visitor<'de> for RawVisitor {
            type Value = RawStr<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or null")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawStr(None))
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawStr(None))
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(RawStr(Some(Cow::Borrowed(text))))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(RawStr(Some(Cow::Owned(text.to_owned()))))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(RawStr(Some(Cow::Owned(text))))
            }

            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
                match std::str::from_utf8(bytes) {
                    Ok(text) => self.visit_str(text),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(bytes), &self)),
                }
            }
        }

        // One look at the next byte decides between `null` and a string.
        deserializer.deserialize_any(RawVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_whatever_is_missing() {
        let values = [None, Some(""), Some("bash"), Some("é\"x")];
        for name in values {
            for nvra in values {
                for srpm_nevra in values {
                    let fields = [name, nvra, Some("s"), srpm_nevra];
                    let rpm = Rpm::from_fields(fields, &mut String::new()).unwrap();
                    assert_eq!(rpm.fields(), fields);
                    assert_eq!(
                        (rpm.name(), rpm.nvra(), rpm.srpm_name(), rpm.srpm_nevra()),
                        (name, nvra, Some("s"), srpm_nevra)
                    );
                    let json = serde_json::to_value(&rpm).unwrap();
                    assert_eq!(json["name"], serde_json::json!(name));
                    assert_eq!(serde_json::from_value::<Rpm>(json).unwrap(), rpm);
                }
            }
        }
    }

    #[test]
    fn equality_is_by_value_and_debug_shows_the_fields() {
        let rpm = |fields| Rpm::from_fields(fields, &mut String::new()).unwrap();
        let a = rpm([Some("bash"), None, None, None]);
        let b = rpm([Some("bash"), None, None, None]);
        let moved = rpm([None, Some("bash"), None, None]);
        assert!(a == b && !a.ptr_eq(&b) && a.ptr_eq(&a.clone()));
        assert_ne!(a, moved);
        assert_ne!(a, Rpm::default());
        assert_eq!(Rpm::default().fields(), [None; 4]);
        assert!(a.could_be(&[Some("sash"), None, None, None]));
        assert!(!a.could_be(&[Some("bash"), Some(""), None, None]));
        assert!(!a.could_be(&[Some("bas"), None, None, None]));
        assert_eq!(
            format!("{a:?}"),
            r#"Rpm { name: Some("bash"), nvra: None, srpm_name: None, srpm_nevra: None }"#
        );
        let set: std::collections::HashSet<Rpm> = [a, b, moved].into();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn selections_match_names_exactly() {
        let named = RpmSelection::named(["b", "a", "b"]);
        assert_eq!(named, RpmSelection::Named(vec!["a".into(), "b".into()]));
        assert!(named.keeps(Some("a")) && named.keeps(Some("b")));
        assert!(!named.keeps(Some("c")) && !named.keeps(Some("")) && !named.keeps(None));
        assert!(RpmSelection::All.keeps(None) && RpmSelection::All.keeps(Some("c")));
        assert!(!RpmSelection::named(Vec::<String>::new()).keeps(Some("a")));
    }
}
