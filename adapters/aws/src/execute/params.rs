//! Reading a step's typed JSON parameters, with errors that name the step and the parameter.

use std::collections::BTreeMap;

use cloudops_ports::{PortError, PortResult};
use serde_json::Value;

pub(crate) struct Params<'a> {
    pub operation: &'a str,
    pub map: &'a BTreeMap<String, Value>,
}

impl Params<'_> {
    fn bad(&self, name: &str, want: &str) -> PortError {
        PortError::Invalid(format!("{} needs {name} as {want}: fix the playbook that made this step", self.operation))
    }

    pub fn opt_str(&self, name: &str) -> PortResult<Option<String>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(name, "a string")),
        }
    }

    pub fn str(&self, name: &str) -> PortResult<String> {
        self.opt_str(name)?.ok_or_else(|| self.bad(name, "a string"))
    }

    pub fn strings(&self, name: &str) -> PortResult<Vec<String>> {
        match self.map.get(name) {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| self.bad(name, "a list of strings")))
                .collect(),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            _ => Err(self.bad(name, "a non-empty list of strings")),
        }
    }

    pub fn opt_bool(&self, name: &str) -> PortResult<Option<bool>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.bad(name, "true or false")),
        }
    }

    pub fn opt_i32(&self, name: &str) -> PortResult<Option<i32>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                v.as_i64().and_then(|n| i32::try_from(n).ok()).map(Some).ok_or_else(|| self.bad(name, "an integer"))
            }
        }
    }

    pub fn object(&self, name: &str) -> PortResult<&serde_json::Map<String, Value>> {
        self.map.get(name).and_then(Value::as_object).ok_or_else(|| self.bad(name, "an object"))
    }

    /// A boolean inside an object parameter (`PublicAccessBlockConfiguration.BlockPublicAcls`).
    pub fn nested_bool(&self, name: &str, field: &str) -> PortResult<Option<bool>> {
        match self.object(name)?.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.bad(&format!("{name}.{field}"), "true or false")),
        }
    }

    pub fn nested_str(&self, name: &str, field: &str) -> PortResult<String> {
        self.object(name)?
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| self.bad(&format!("{name}.{field}"), "a string"))
    }
}
