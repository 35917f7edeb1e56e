//! JSON text straight to Python objects, as `json.loads` builds them, without an intermediate
//! tree: dicts, lists, str, int, float, bool and None. Each distinct key is made once per
//! conversion and shared by every dict that has it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The keys made so far in one conversion.
pub(crate) type Keys<'py> = RefCell<HashMap<Box<str>, Bound<'py, PyString>>>;

/// Parses `json` into Python objects.
pub(crate) fn parse<'py>(
    py: Python<'py>,
    json: &[u8],
    keys: &Keys<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let value = PySeed { py, keys }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|e| {
            crate::error::response(format!("cannot turn the answer into Python objects: {e}"))
        })?;
    Ok(value)
}

#[derive(Clone, Copy)]
struct PySeed<'a, 'py> {
    py: Python<'py>,
    keys: &'a Keys<'py>,
}

fn python<E: de::Error>(error: PyErr) -> E {
    E::custom(error)
}

impl<'de, 'py> DeserializeSeed<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
        let Ok(flag) = flag.into_pyobject(self.py);
        Ok(flag.to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, int: i64) -> Result<Self::Value, E> {
        let Ok(int) = int.into_pyobject(self.py);
        Ok(int.into_any())
    }

    fn visit_u64<E: de::Error>(self, int: u64) -> Result<Self::Value, E> {
        let Ok(int) = int.into_pyobject(self.py);
        Ok(int.into_any())
    }

    fn visit_f64<E: de::Error>(self, float: f64) -> Result<Self::Value, E> {
        let Ok(float) = float.into_pyobject(self.py);
        Ok(float.into_any())
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, text).into_any())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        while let Some(item) = seq.next_element_seed(self)? {
            list.append(item).map_err(python)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(key) = map.next_key_seed(KeySeed(self))? {
            let value = map.next_value_seed(self)?;
            dict.set_item(key, value).map_err(python)?;
        }
        Ok(dict.into_any())
    }
}

/// A key, made once per conversion.
struct KeySeed<'a, 'py>(PySeed<'a, 'py>);

impl<'de, 'py> DeserializeSeed<'de> for KeySeed<'_, 'py> {
    type Value = Bound<'py, PyString>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for KeySeed<'_, 'py> {
    type Value = Bound<'py, PyString>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        let seed = self.0;
        if let Some(shared) = seed.keys.borrow().get(key) {
            return Ok(shared.clone());
        }
        let made = PyString::new(seed.py, key);
        seed.keys.borrow_mut().insert(key.into(), made.clone());
        Ok(made)
    }
}
