//! JSON values to Python objects, the way `json.loads` builds them: dicts, lists, str, int,
//! float, bool and None, with each distinct key made once per conversion and shared.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::Value;

/// Converts `value`; keys are made once per call and shared by every dict that has them.
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Converter {
        py,
        keys: HashMap::new(),
    }
    .convert(value)
}

struct Converter<'py, 'v> {
    py: Python<'py>,
    keys: HashMap<&'v str, Bound<'py, PyString>>,
}

impl<'py, 'v> Converter<'py, 'v> {
    fn convert(&mut self, value: &'v Value) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match value {
            Value::Null => py.None().into_bound(py),
            Value::Bool(flag) => flag.into_pyobject(py)?.to_owned().into_any(),
            Value::Number(number) => {
                if let Some(int) = number.as_i64() {
                    int.into_pyobject(py)?.into_any()
                } else if let Some(int) = number.as_u64() {
                    int.into_pyobject(py)?.into_any()
                } else {
                    number
                        .as_f64()
                        .unwrap_or(f64::NAN)
                        .into_pyobject(py)?
                        .into_any()
                }
            }
            Value::String(text) => PyString::new(py, text).into_any(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.convert(item)?)?;
                }
                list.into_any()
            }
            Value::Object(object) => {
                let dict = PyDict::new(py);
                for (key, item) in object {
                    let key = match self.keys.get(key.as_str()) {
                        Some(shared) => shared.clone(),
                        None => {
                            let made = PyString::new(py, key);
                            self.keys.insert(key, made.clone());
                            made
                        }
                    };
                    dict.set_item(key, self.convert(item)?)?;
                }
                dict.into_any()
            }
        })
    }
}
