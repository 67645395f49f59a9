//! Secret settings: types that never print their value, and the `_file` form of every secret
//! setting (STYLE.md 8): `token_file = "/run/secrets/admin"` in `[admin]`, or
//! `IDGW_ADMIN__TOKEN_FILE=/run/secrets/admin`, reads the token from that file (container
//! secrets), less its trailing line break. Giving a setting both ways is an error.

use anyhow::{bail, Context};
use figment::value::{Dict, Value};
use serde::{Deserialize, Serialize};

/// A secret value: deserializes from a string, prints as `<redacted>`.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A database URL, which may carry a password: prints with the password masked.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                write!(f, "{url}")
            }
            Ok(_) => f.write_str(&self.0),
            Err(_) => f.write_str("<redacted>"),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Every secret setting, as its key path (`*`: each element of an array of tables). Each also
/// accepts `<key>_file`.
pub const SECRET_SETTINGS: &[&[&str]] = &[
    &["admin", "token"],
    &["storage", "url"],
    &["mssp", "ap_pwd"],
    &["ota", "password"],
    &["smsc_sim", "accounts", "*", "password"],
    &["clients", "*", "client_secret"],
    &["subscribers", "*", "pin"],
    &["subscribers", "*", "user_code"],
    &["subscribers", "*", "ota_keys", "kic"],
    &["subscribers", "*", "ota_keys", "kid"],
];

/// Replaces each `<key>_file` of [`SECRET_SETTINGS`] in `root` by `<key>` with the file's
/// contents. Returns whether any was found.
pub fn read_secret_files(root: &mut Dict) -> anyhow::Result<bool> {
    let mut found = false;
    for path in SECRET_SETTINGS {
        found |= resolve(root, path, String::new())?;
    }
    Ok(found)
}

fn resolve(dict: &mut Dict, path: &[&str], at: String) -> anyhow::Result<bool> {
    let (head, rest) = path.split_first().expect("paths are not empty");
    let name = if at.is_empty() {
        head.to_string()
    } else {
        format!("{at}.{head}")
    };
    if rest.is_empty() {
        return read_one(dict, head, &name);
    }
    let mut found = false;
    match dict.get_mut(*head) {
        Some(Value::Dict(_, inner)) => found |= resolve(inner, rest, name)?,
        Some(Value::Array(_, items)) if rest[0] == "*" => {
            for (i, item) in items.iter_mut().enumerate() {
                if let Value::Dict(_, inner) = item {
                    found |= resolve(inner, &rest[1..], format!("{name}[{i}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(found)
}

fn read_one(dict: &mut Dict, key: &str, name: &str) -> anyhow::Result<bool> {
    let file_key = format!("{key}_file");
    let Some(file) = dict.remove(&file_key) else {
        return Ok(false);
    };
    if dict
        .get(key)
        .is_some_and(|v| !matches!(v, Value::Empty(..)))
    {
        bail!("{name} and {name}_file are both set; give one");
    }
    let Some(path) = file.as_str() else {
        bail!("{name}_file must be a file path");
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {name}_file {path}"))?;
    let value = text.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        bail!("{name}_file {path} is empty");
    }
    dict.insert(key.to_string(), Value::from(value.to_string()));
    Ok(true)
}
