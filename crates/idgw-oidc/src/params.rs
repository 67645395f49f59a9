//! Request parameters from a form-urlencoded or JSON body, as one flat map.
//!
//! RFC 6749 section 3.1: "Request and response parameters MUST NOT be included more than once";
//! a repeated parameter is an `invalid_request`. Empty values count as absent (RFC 6749 3.1),
//! except where a caller asks for them explicitly.

use crate::error::OAuthError;
use std::collections::HashMap;

/// Largest accepted request body. Signed requests and hint tokens fit easily.
pub const MAX_BODY: usize = 64 * 1024;
/// Largest single parameter value.
pub const MAX_VALUE: usize = 16 * 1024;

/// The body's format; the 2017 MODRNA draft sends JSON, CIBA Core a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Form,
    Json,
}

/// A request to a parameter-taking endpoint, as the HTTP layer saw it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub authorization: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

#[derive(Debug, Clone, Default)]
pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    pub fn from_form(body: &[u8]) -> Result<Params, OAuthError> {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            insert(&mut map, k.into_owned(), v.into_owned())?;
        }
        Ok(Params { map })
    }

    pub fn from_json(body: &[u8]) -> Result<Params, OAuthError> {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| OAuthError::invalid_request("the request body is not valid JSON"))?;
        let serde_json::Value::Object(object) = value else {
            return Err(OAuthError::invalid_request(
                "the JSON request body must be an object",
            ));
        };
        let mut map = HashMap::new();
        for (k, v) in object {
            let v = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Null => continue,
                other @ serde_json::Value::Object(_) => other.to_string(),
                serde_json::Value::Array(_) => {
                    return Err(OAuthError::invalid_request(format!(
                        "parameter {k} must not be an array"
                    )))
                }
            };
            insert(&mut map, k, v)?;
        }
        Ok(Params { map })
    }

    /// Parses `body` by its `Content-Type`.
    pub fn from_body(
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(Params, BodyFormat), OAuthError> {
        if body.len() > MAX_BODY {
            return Err(OAuthError::invalid_request("the request body is too large"));
        }
        let essence = content_type
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Ok((Params::from_form(body)?, BodyFormat::Form)),
            "application/json" => Ok((Params::from_json(body)?, BodyFormat::Json)),
            _ => Err(OAuthError::invalid_request(
                "Content-Type must be application/x-www-form-urlencoded or application/json",
            )),
        }
    }

    /// The value of `name`, if present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` was sent at all, even empty.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The value of `name` as sent, even empty.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| {
            OAuthError::invalid_request(format!("missing required parameter {name}"))
        })
    }

    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.map.remove(name).filter(|v| !v.is_empty())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    pub fn insert(&mut self, name: &str, value: String) {
        self.map.insert(name.to_string(), value);
    }
}

fn insert(map: &mut HashMap<String, String>, k: String, v: String) -> Result<(), OAuthError> {
    if v.len() > MAX_VALUE {
        return Err(OAuthError::invalid_request(format!(
            "parameter {k} is too long"
        )));
    }
    if map.contains_key(&k) {
        return Err(OAuthError::invalid_request(format!(
            "parameter {k} is included more than once"
        )));
    }
    map.insert(k, v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_rejected() {
        let e = Params::from_form(b"scope=openid&scope=openid").unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::InvalidRequest);
        assert!(e.description.contains("more than once"));
    }

    #[test]
    fn json_numbers_become_strings() {
        let p = Params::from_json(br#"{"requested_expiry": 120, "scope": "openid", "x": null}"#)
            .unwrap();
        assert_eq!(p.get("requested_expiry"), Some("120"));
        assert!(!p.contains("x"));
    }

    #[test]
    fn empty_values_count_as_absent() {
        let p = Params::from_form(b"login_hint=&scope=openid").unwrap();
        assert_eq!(p.get("login_hint"), None);
        assert!(p.contains("login_hint"));
    }

    #[test]
    fn content_type_decides_the_format() {
        let (_, f) = Params::from_body(Some("application/json; charset=utf-8"), b"{}").unwrap();
        assert_eq!(f, BodyFormat::Json);
        assert!(Params::from_body(Some("text/plain"), b"").is_err());
    }
}
