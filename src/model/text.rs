//! Shared immutable strings.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A string from a Pyxis answer: immutable, `Send + Sync`, cheap to clone (a reference count),
/// the size of a `&str`.
///
/// Within one decode, equal strings share one copy, as equal RPMs do: a page of 50 images with
/// 300 RPMs each decodes with a twelfth of the allocations, and 40 % of the bytes, that one
/// `String` per field takes (see `benches/`).
///
/// It derefs to `str`, so `text.len()`, `text.starts_with("x")`, `&*text` and, on the model's
/// `Option<Text>` fields, `field.as_deref() == Some("x")` all work as with a `String`; it
/// compares equal to `str` and `String`, and turns into a `String` with `String::from(text)`.
///
/// ```
/// use pyxis_gql::model::Text;
///
/// let name = Text::from("openssl-libs");
/// assert_eq!(name, "openssl-libs");
/// assert!(name.starts_with("openssl"));
/// assert_eq!(Some(name.clone()).as_deref(), Some("openssl-libs"));
/// assert_eq!(String::from(name), "openssl-libs");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self(Arc::from(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(Arc::from(text))
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(text: Cow<'_, str>) -> Self {
        match text {
            Cow::Borrowed(text) => Self::from(text),
            Cow::Owned(text) => Self::from(text),
        }
    }
}

impl From<Arc<str>> for Text {
    fn from(text: Arc<str>) -> Self {
        Self(text)
    }
}

impl From<Text> for Arc<str> {
    fn from(text: Text) -> Self {
        text.0
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        String::from(&*text.0)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_and_converts_like_a_string() {
        let text = Text::from("bash");
        let owned = String::from("bash");
        assert!(text == *"bash" && text == "bash" && text == owned);
        assert!(*"bash" == text && "bash" == text && owned == text);
        let other = String::from("sh");
        assert!(text != *"sh" && text != "sh" && text != other);
        assert!(*"sh" != text && "sh" != text && other != text);
        assert_eq!(AsRef::<str>::as_ref(&text), "bash");
        assert_eq!(Borrow::<str>::borrow(&text), "bash");
        assert_eq!(Text::from(Cow::Borrowed("a")), "a");
        assert_eq!(Text::from(Cow::<str>::Owned("b".into())), "b");
        assert_eq!(Text::from(String::from("c")), "c");
        assert_eq!(String::from(Text::from("d")), "d");
        assert_eq!(&*Arc::<str>::from(Text::from(Arc::<str>::from("e"))), "e");
        assert_eq!(format!("{text} {text:?}"), "bash \"bash\"");
        assert_eq!(serde_json::to_string(&text).unwrap(), "\"bash\"");
    }
}
