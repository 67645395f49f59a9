//! Reading an Authorization Request of Mobile Connect DI (section 4): GET carries the query
//! string, POST a form body. Parameters sent more than once and a request serialized otherwise
//! are kept as problems for Table 7 ("Multiple parameter names", "GET request invalid
//! serialization", "POST request Invalid serialization") rather than refused here, so the
//! error can still go to a valid `redirect_uri`.

use crate::params::Params;

/// An Authorization Request as it reached the endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    pub get: bool,
    pub query: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// The parameters of a request, the names sent more than once, and a serialization problem.
pub struct Collected {
    pub params: Params,
    pub duplicates: Vec<String>,
    pub serialization: Option<&'static str>,
}

fn from_pairs(input: &[u8]) -> (Params, Vec<String>) {
    let mut params = Params::default();
    let mut duplicates = Vec::new();
    for (k, v) in url::form_urlencoded::parse(input) {
        if params.contains(&k) {
            duplicates.push(k.into_owned());
        } else {
            params.insert(&k, v.into_owned());
        }
    }
    (params, duplicates)
}

/// Section 4: GET carries the query string, POST a form body. A request serialized otherwise
/// is still read, so that its error can go to a valid `redirect_uri` (Table 7).
pub fn collect(raw: Raw<'_>) -> Collected {
    let query = raw.query.unwrap_or("").as_bytes();
    let form = raw
        .content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| {
            c.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let (source, serialization) = match (raw.get, form) {
        (true, _) if raw.body.is_empty() => (query, None),
        (true, _) => (query, Some("GET request invalid serialization")),
        (false, true) => (raw.body, None),
        (false, false) => (query, Some("POST request Invalid serialization")),
    };
    let (mut params, duplicates) = from_pairs(source);
    if serialization.is_some() && params.get("client_id").is_none() {
        // The parameters are where they should not be: read them there for the redirect_uri.
        params = Params::from_body(raw.content_type, raw.body)
            .map(|(p, _)| p)
            .unwrap_or_else(|_| from_pairs(raw.body).0);
    }
    Collected {
        params,
        duplicates,
        serialization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(get: bool, query: &'a str, ct: Option<&'a str>, body: &'a [u8]) -> Raw<'a> {
        Raw {
            get,
            query: Some(query),
            content_type: ct,
            body,
        }
    }

    #[test]
    fn duplicates_are_kept_apart_from_the_first_values() {
        let c = collect(raw(true, "a=1&b=2&a=3", None, b""));
        assert_eq!(c.params.get("a"), Some("1"));
        assert_eq!(c.duplicates, vec!["a".to_string()]);
        assert!(c.serialization.is_none());
    }

    #[test]
    fn misplaced_parameters_are_still_read_for_the_redirect() {
        let form = Some("application/x-www-form-urlencoded");
        let c = collect(raw(true, "", form, b"client_id=x&redirect_uri=y"));
        assert_eq!(c.params.get("client_id"), Some("x"));
        assert_eq!(c.serialization, Some("GET request invalid serialization"));
        let c = collect(raw(
            false,
            "",
            Some("application/json"),
            br#"{"client_id":"x"}"#,
        ));
        assert_eq!(c.params.get("client_id"), Some("x"));
        assert_eq!(c.serialization, Some("POST request Invalid serialization"));
        let c = collect(raw(false, "", form, b"client_id=x"));
        assert!(c.serialization.is_none());
    }
}
