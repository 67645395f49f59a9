//! The operator's pages of Mobile Connect DI: the phone-number page, the "check your phone"
//! page and our own error page (Table 7 "Bad Request 400"). Rendered on the server, small,
//! no external assets; every echoed value is HTML-escaped. The wait page works without
//! JavaScript (it refreshes itself); with it, a few lines poll a small JSON status and move
//! on as soon as the phone answered. Language: `ui_locales`, then `Accept-Language` (Table 2).

pub mod catalog;

use crate::error::OAuthError;
use crate::params::Params;
use catalog::Catalog;
use std::fmt::{self, Display, Write};

/// The languages of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    /// Discovery `ui_locales_supported`.
    pub const SUPPORTED: &'static [&'static str] = &["en", "de"];

    fn of(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// The first supported of `ui_locales` (in order, Table 2), else of `Accept-Language` (by
    /// q-value, RFC 9110 12.5.4), else English.
    pub fn choose(ui_locales: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = ui_locales.and_then(|l| l.split(' ').find_map(Lang::of)) {
            return lang;
        }
        let mut ranked: Vec<(u16, &str)> = accept_language
            .unwrap_or("")
            .split(',')
            .map(|item| {
                let mut parts = item.split(';');
                let tag = parts.next().unwrap_or("");
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                ((q.clamp(0.0, 1.0) * 1000.0) as u16, tag)
            })
            .filter(|(q, _)| *q > 0)
            .collect();
        ranked.sort_by_key(|(q, _)| std::cmp::Reverse(*q));
        ranked
            .into_iter()
            .find_map(|(_, tag)| Lang::of(tag))
            .unwrap_or(Lang::En)
    }

    pub fn catalog(self) -> &'static Catalog {
        match self {
            Lang::En => &catalog::EN,
            Lang::De => &catalog::DE,
        }
    }
}

/// Text made safe for HTML element content and quoted attribute values.
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// A catalog string with `{name}` filled by an escaped value.
fn fill(template: &str, name: &str, value: &str) -> String {
    let escaped = Esc(template).to_string();
    escaped.replace(&format!("{{{name}}}"), &Esc(value).to_string())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f4;color:#111}\
main{max-width:28rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh;box-sizing:border-box}\
h1{font-size:1.3rem}label{display:block;font-weight:bold;margin-top:1rem}\
input{font-size:1.2rem;width:100%;box-sizing:border-box;padding:.5rem;margin:.3rem 0}\
button{font-size:1.1rem;padding:.6rem 1.2rem;margin-top:.8rem}\
.help{color:#444;font-size:.9rem}.error{color:#a00;font-weight:bold}\
.binding{font-size:1.6rem;font-weight:bold;letter-spacing:.1rem;background:#eef;padding:.6rem;text-align:center}\
:focus{outline:3px solid #06c;outline-offset:2px}";

fn layout(c: &Catalog, title: &str, head_extra: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title>{head_extra}<style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>",
        lang = c.lang,
        title = Esc(title),
    )
}

/// The phone-number page: a form that sends the request back with the number typed.
pub fn phone(c: &Catalog, client_name: &str, params: &Params, invalid: bool) -> String {
    let mut body = format!(
        "<h1>{}</h1><p>{}</p><form method=\"post\" action=\"/authorize/msisdn\">",
        Esc(c.title_phone),
        fill(c.intro, "client", client_name)
    );
    let mut names: Vec<&str> = params.names().filter(|n| *n != "msisdn").collect();
    names.sort_unstable();
    for name in names {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            Esc(name),
            Esc(params.raw(name).unwrap_or_default())
        );
    }
    let described = if invalid {
        "msisdn-error msisdn-help"
    } else {
        "msisdn-help"
    };
    let _ = write!(
        body,
        "<label for=\"msisdn\">{label}</label>\
         <p class=\"help\" id=\"msisdn-help\">{help}</p>{error}\
         <input id=\"msisdn\" name=\"msisdn\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" \
         required maxlength=\"20\" autofocus aria-describedby=\"{described}\"{aria_invalid}>\
         <button type=\"submit\">{submit}</button></form>",
        label = Esc(c.phone_label),
        help = Esc(c.phone_help),
        error = if invalid {
            format!(
                "<p class=\"error\" id=\"msisdn-error\" role=\"alert\">{}</p>",
                Esc(c.phone_invalid)
            )
        } else {
            String::new()
        },
        aria_invalid = if invalid {
            " aria-invalid=\"true\""
        } else {
            ""
        },
        submit = Esc(c.submit),
    );
    layout(c, c.title_phone, "", &body)
}

/// What the wait page shows.
#[derive(Debug)]
pub struct Waiting<'a> {
    pub auth_req_id: &'a str,
    pub msisdn: &'a str,
    pub binding_message: Option<&'a str>,
    pub pin_required: bool,
}

const WAIT_SCRIPT: &str = "(function(){var m=document.getElementById('wait');\
var s=document.getElementById('status');var n=0;\
function poll(){if(++n>900)return;fetch(m.dataset.status,{cache:'no-store',credentials:'same-origin'})\
.then(function(r){return r.json();}).then(function(j){if(j.state==='pending'){setTimeout(poll,1000);}\
else{s.textContent=m.dataset.done;location.replace(m.dataset.next);}})\
.catch(function(){setTimeout(poll,2000);});}setTimeout(poll,1000);})();";

/// The "check your phone" page.
pub fn wait(c: &Catalog, w: &Waiting<'_>) -> String {
    let digits: String = {
        let tail = w.msisdn.len().saturating_sub(4);
        w.msisdn[tail..].to_string()
    };
    let id = Esc(w.auth_req_id);
    let mut body = format!(
        "<div id=\"wait\" data-status=\"/authorize/status?id={id}\" \
         data-next=\"/authorize/wait?id={id}\" data-done=\"{done}\">\
         <h1>{title}</h1><p>{sent}</p><p>{action}</p>",
        done = Esc(c.done),
        title = Esc(c.title_wait),
        sent = fill(c.wait_sent, "digits", &digits),
        action = Esc(if w.pin_required {
            c.wait_pin
        } else {
            c.wait_confirm
        }),
    );
    if let Some(b) = w.binding_message.filter(|b| !b.is_empty()) {
        let _ = write!(
            body,
            "<p>{}</p><p class=\"binding\">{}</p>",
            Esc(c.binding),
            Esc(b)
        );
    }
    let _ = write!(
        body,
        "<p id=\"status\" role=\"status\" aria-live=\"polite\">{}</p>\
         <noscript><p>{}</p></noscript></div><script>{WAIT_SCRIPT}</script>",
        Esc(c.waiting),
        Esc(c.no_script)
    );
    let refresh = "<noscript><meta http-equiv=\"refresh\" content=\"3\"></noscript>";
    layout(c, c.title_wait, refresh, &body)
}

/// Our own error page (Table 7 "Bad Request 400"): the error, and no way onward.
pub fn error(c: &Catalog, e: &OAuthError) -> String {
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p><p>{label}: <code>{code}</code> &mdash; {description}</p>",
        title = Esc(c.title_error),
        intro = Esc(c.error_intro),
        label = Esc(c.error_code),
        code = Esc(e.code.as_str()),
        description = Esc(&e.description),
    );
    layout(c, c.title_error, "", &body)
}

/// A wait page nobody may follow any more (ended, or another browser's).
pub fn gone(c: &Catalog) -> String {
    let body = format!("<h1>{}</h1><p>{}</p>", Esc(c.title_error), Esc(c.gone));
    layout(c, c.title_error, "", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_ui_locales_then_accept_language() {
        assert_eq!(Lang::choose(Some("fr-CA de en"), None), Lang::De);
        assert_eq!(Lang::choose(Some("fr"), Some("de-DE,en;q=0.5")), Lang::De);
        assert_eq!(
            Lang::choose(None, Some("fr;q=0.9, en;q=0.4, de;q=0.8")),
            Lang::De
        );
        assert_eq!(Lang::choose(None, Some("de;q=0")), Lang::En);
        assert_eq!(Lang::choose(None, None), Lang::En);
    }

    #[test]
    fn everything_echoed_is_escaped() {
        let mut p = Params::default();
        p.insert("state", "\"><script>x</script>".into());
        let html = phone(&catalog::EN, "<b>Bank</b>", &p, true);
        assert!(!html.contains("<script>x"));
        assert!(html.contains("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
        assert!(html.contains("&lt;b&gt;Bank&lt;/b&gt; asks you"));
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains("<html lang=\"en\">"));
        let w = Waiting {
            auth_req_id: "id\"1",
            msisdn: "447700900001",
            binding_message: Some("<i>A1</i>"),
            pin_required: true,
        };
        let html = wait(&catalog::DE, &w);
        assert!(html.contains("&lt;i&gt;A1&lt;/i&gt;"));
        assert!(html.contains("id=id&quot;1"));
        assert!(html.contains("Endung 0001"));
        assert!(html.contains("<html lang=\"de\">"));
        let e = OAuthError::invalid_request("redirect_uri <is> invalid");
        let html = error(&catalog::EN, &e);
        assert!(html.contains("<code>invalid_request</code>"));
        assert!(html.contains("redirect_uri &lt;is&gt; invalid"));
        assert!(!html.contains("<is>"));
    }
}
