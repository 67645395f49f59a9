//! The handset web page (DESIGN.md section 7): every simulated phone with
//! its SIM Toolkit prompt (ETSI TS 102 223 DISPLAY TEXT / GET INPUT) and a
//! PIN pad. Rendered on the server, every value HTML-escaped, no external
//! assets. Plain forms answer prompts without JavaScript; a few lines of
//! inline JavaScript poll `/api/handsets` every second and swap in the
//! server-rendered sections of the phones that changed.

use std::fmt::Write;

use crate::handset::SimView;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1rem;background:#f4f4f4}\
main{display:flex;flex-wrap:wrap;gap:1rem}\
.phone{background:#222;color:#eee;border-radius:1.5rem;padding:1rem;width:16rem}\
.phone h2{font-size:1.1rem;margin:.2rem 0}\
.sim{font-size:.8rem;color:#ccc}\
.screen{background:#cfe3c8;color:#111;border-radius:.4rem;padding:.6rem;min-height:6rem}\
.pad{display:grid;grid-template-columns:repeat(3,1fr);gap:.3rem;margin:.4rem 0}\
button{font-size:1rem;padding:.4rem;min-height:2.2rem}\
input{font-size:1rem;width:8rem}\
.actions{display:flex;gap:.4rem;margin-top:.4rem}\
.notice{background:#fff3c4;padding:.5rem;border-radius:.3rem}";

const SCRIPT: &str = r#"(function(){
var seen={};
function key(p){return JSON.stringify(p);}
async function poll(){
  try{
    var r=await fetch('/api/handsets',{cache:'no-store'});
    var phones=await r.json();
    var changed=phones.filter(function(p){var k=key(p);var c=seen[p.msisdn]!==k;seen[p.msisdn]=k;return c;});
    if(changed.length===0||!poll.started){poll.started=true;return;}
    var html=await (await fetch('/phones',{cache:'no-store'})).text();
    var doc=new DOMParser().parseFromString('<main>'+html+'</main>','text/html');
    changed.forEach(function(p){
      var fresh=doc.getElementById('phone-'+p.msisdn);
      var old=document.getElementById('phone-'+p.msisdn);
      if(fresh&&old){old.replaceWith(fresh);}else if(fresh){document.getElementById('phones').appendChild(fresh);}
    });
  }catch(e){}
}
document.addEventListener('click',function(ev){
  var b=ev.target.closest('button[data-digit]');
  if(!b)return;
  var input=document.getElementById(b.getAttribute('data-for'));
  if(b.getAttribute('data-digit')==='del'){input.value=input.value.slice(0,-1);}
  else{input.value+=b.getAttribute('data-digit');}
  input.focus();
});
poll();setInterval(poll,1000);
})();"#;

/// The whole page; `notice` is a short message about the last answer.
pub fn page(phones: &[SimView], notice: Option<&str>) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    out.push_str("<title>idgw handset simulator</title><style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body><h1>idgw handset simulator</h1>");
    if let Some(n) = notice {
        let _ = write!(out, "<p class=\"notice\" role=\"status\">{}</p>", escape(n));
    }
    out.push_str("<main id=\"phones\" aria-live=\"polite\">");
    out.push_str(&phones_fragment(phones));
    out.push_str("</main><script>");
    out.push_str(SCRIPT);
    out.push_str("</script></body></html>");
    out
}

/// The phone sections alone (what the script swaps in).
pub fn phones_fragment(phones: &[SimView]) -> String {
    let mut out = String::new();
    if phones.is_empty() {
        out.push_str("<p>No simulated subscriber is provisioned.</p>");
    }
    for p in phones {
        phone(&mut out, p);
    }
    out
}

fn phone(out: &mut String, p: &SimView) {
    let m = escape(&p.msisdn);
    let _ = write!(
        out,
        "<section class=\"phone\" id=\"phone-{m}\" aria-labelledby=\"title-{m}\">\
         <h2 id=\"title-{m}\">+{m}</h2>\
         <p class=\"sim\">ICCID {iccid}<br>user: {handset}<br>PIN tries left: {tries}{blocked}</p>\
         <div class=\"screen\">",
        iccid = escape(&p.iccid),
        handset = escape(p.handset),
        tries = p.pin_tries_left,
        blocked = if p.blocked {
            " &mdash; <strong>PIN blocked</strong>"
        } else {
            ""
        },
    );
    if p.prompts.is_empty() {
        out.push_str("<p>No SIM Toolkit prompt.</p>");
    }
    for prompt in &p.prompts {
        let id = escape(&prompt.id);
        let field = format!("pin-{m}-{id}");
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/handsets/{m}/prompts/{id}\">\
             <p id=\"text-{field}\">{text}</p>",
            text = escape(&prompt.text),
        );
        if prompt.pin_required {
            let _ = write!(
                out,
                "<label for=\"{field}\">PIN</label> \
                 <input id=\"{field}\" name=\"pin\" type=\"password\" inputmode=\"numeric\" \
                 autocomplete=\"off\" maxlength=\"8\" pattern=\"[0-9]*\" \
                 aria-describedby=\"text-{field}\">\
                 <div class=\"pad\" role=\"group\" aria-label=\"PIN pad\">"
            );
            for d in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0"] {
                let label = if d == "del" { "Delete last digit" } else { d };
                let shown = if d == "del" { "&larr;" } else { d };
                let _ = write!(
                    out,
                    "<button type=\"button\" data-digit=\"{d}\" data-for=\"{field}\" \
                     aria-label=\"{label}\">{shown}</button>"
                );
            }
            out.push_str("</div>");
        }
        out.push_str(
            "<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"ok\">OK</button>\
             <button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></div></form>",
        );
    }
    out.push_str("</div></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handset::PromptView;

    #[test]
    fn everything_is_escaped() {
        let view = SimView {
            msisdn: "447700900001".into(),
            iccid: "8999".into(),
            handset: "manual",
            pin_tries_left: 3,
            blocked: false,
            counters: Default::default(),
            mo_counters: Default::default(),
            prompts: vec![PromptView {
                id: "abc".into(),
                text: "<script>alert('x')</script> & \"q\"".into(),
                pin_required: true,
                received_at: 0,
            }],
        };
        let html = page(&[view], Some("<b>"));
        assert!(!html.contains("<script>alert"));
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        );
        assert!(html.contains("&lt;b&gt;"));
        assert!(html.contains("<label for=\"pin-447700900001-abc\">PIN</label>"));
    }
}
