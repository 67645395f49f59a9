//! Reading SOAP envelopes (1.1, and 1.2 as Swisscom and other Kiuru-based
//! MSSPs answer) into the TS 102 204 model.
//!
//! Elements are matched by local name; TS 102 204 elements may be in the
//! `mss` namespace or in none (Kiuru writes `<MSS_StatusResp xmlns="">`).
//! Requests are decoded strictly, as the MSSP must (clause 9): an unknown
//! TS 102 204 (or unqualified) element is 101 WRONG_PARAM. Elements of other
//! namespaces (extensions such as `fi:UserLang`) are skipped. Responses are
//! decoded leniently (unknown elements skipped) so the AP side keeps working
//! against MSSPs that add their own elements.

use base64::Engine as _;

use super::dom::{self, Element};
use super::{is_wrapper, MSS_NS, SOAP11_NS, SOAP12_NS, XMLDSIG_NS};
use crate::model::*;
use crate::status::parse_subcode;
use crate::{DecodeError, FaultCode, MssFault, StatusCode};

fn is_mss(el: &Element) -> bool {
    el.ns.is_none() || el.in_ns(MSS_NS)
}

fn child<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    el.children.iter().find(|c| c.name == name && is_mss(c))
}

fn req_child<'a>(el: &'a Element, name: &str) -> Result<&'a Element, DecodeError> {
    child(el, name).ok_or_else(|| DecodeError::Missing(format!("{}/{}", el.name, name)))
}

/// Strict mode: every TS 102 204 or unqualified child must be in `allowed`.
fn only(el: &Element, allowed: &[&str], strict: bool) -> Result<(), DecodeError> {
    if !strict {
        return Ok(());
    }
    match el
        .children
        .iter()
        .find(|c| is_mss(c) && !allowed.contains(&c.name.as_str()))
    {
        Some(c) => Err(DecodeError::UnknownElement(format!(
            "{}/{}",
            el.name, c.name
        ))),
        None => Ok(()),
    }
}

fn req_attr(el: &Element, name: &str) -> Result<String, DecodeError> {
    match el.attr(name).map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_owned()),
        _ => Err(DecodeError::Missing(format!("{}/@{}", el.name, name))),
    }
}

fn opt_attr(el: &Element, name: &str) -> Option<String> {
    el.attr(name).map(|v| v.trim().to_owned())
}

fn req_text(el: &Element, name: &str) -> Result<String, DecodeError> {
    let c = req_child(el, name)?;
    match c.trimmed_text() {
        "" => Err(DecodeError::Missing(format!("{}/{}", el.name, name))),
        t => Ok(t.to_owned()),
    }
}

fn opt_text(el: &Element, name: &str) -> Option<String> {
    child(el, name)
        .map(|c| c.trimmed_text().to_owned())
        .filter(|t| !t.is_empty())
}

fn number<T: std::str::FromStr>(value: &str, field: &str) -> Result<T, DecodeError> {
    value
        .trim()
        .parse()
        .map_err(|_| DecodeError::invalid(field, "not a number in range"))
}

fn header(el: &Element, strict: bool) -> Result<MessageAbstract, DecodeError> {
    let major: u32 = number(&req_attr(el, "MajorVersion")?, "MajorVersion")?;
    if major != MAJOR_VERSION {
        return Err(DecodeError::UnsupportedVersion(major));
    }
    let minor = number(&req_attr(el, "MinorVersion")?, "MinorVersion")?;
    let ap = req_child(el, "AP_Info")?;
    only(ap, &[], strict)?;
    let ap_info = ApInfo {
        ap_id: req_attr(ap, "AP_ID")?,
        ap_trans_id: req_attr(ap, "AP_TransID")?,
        ap_pwd: ap
            .attr("AP_PWD")
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        instant: req_attr(ap, "Instant")?,
        ap_url: opt_attr(ap, "AP_URL"),
    };
    let mssp = req_child(el, "MSSP_Info")?;
    only(mssp, &["MSSP_ID"], strict)?;
    let id = req_child(mssp, "MSSP_ID")?;
    only(
        id,
        &["DNSName", "IPAddress", "URI", "IdentifierString"],
        strict,
    )?;
    let mssp_info = MsspInfo {
        mssp_id: MeshMember {
            dns_name: opt_text(id, "DNSName"),
            ip_address: opt_text(id, "IPAddress"),
            uri: opt_text(id, "URI"),
            identifier_string: opt_text(id, "IdentifierString"),
        },
        instant: opt_attr(mssp, "Instant"),
    };
    Ok(MessageAbstract {
        major_version: major,
        minor_version: minor,
        ap_info,
        mssp_info,
    })
}

fn mobile_user(el: &Element, strict: bool) -> Result<MobileUser, DecodeError> {
    let user = req_child(el, "MobileUser")?;
    let allowed = ["IdentityIssuer", "UserIdentifier", "HomeMSSP", "MSISDN"];
    only(user, &allowed, strict)?;
    Ok(MobileUser {
        msisdn: req_text(user, "MSISDN")?,
    })
}

fn data(el: &Element) -> Data {
    Data {
        mime_type: opt_attr(el, "MimeType"),
        encoding: opt_attr(el, "Encoding"),
        data: el.text.clone(),
    }
}

/// `mssURIType`: the `mssURI` child of `name`, if `name` is present.
fn uri_type(el: &Element, name: &str, strict: bool) -> Result<Option<String>, DecodeError> {
    match child(el, name) {
        None => Ok(None),
        Some(c) => {
            let allowed = [
                "mssURI",
                "DigestAlgAndValue",
                "CertIssuerDN",
                "HashOfUsersPublicKey",
                "HashOfCAPublicKey",
            ];
            only(c, &allowed, strict)?;
            req_text(c, "mssURI").map(Some)
        }
    }
}

fn signature(el: &Element, src: &[u8]) -> Result<Option<MssSignature>, DecodeError> {
    let Some(sig) = child(el, "MSS_Signature") else {
        return Ok(None);
    };
    if let Some(b64) = child(sig, "Base64Signature") {
        let compact: String = b64.text.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| DecodeError::invalid("Base64Signature", "not base64"))?;
        return Ok(Some(MssSignature::Base64(bytes)));
    }
    if let Some(ds) = sig
        .children
        .iter()
        .find(|c| c.name == "Signature" && c.in_ns(XMLDSIG_NS))
    {
        let raw = std::str::from_utf8(&src[ds.start..ds.end])
            .map_err(|_| DecodeError::Malformed("not UTF-8".into()))?;
        return Ok(Some(MssSignature::XmlDsig(raw.to_owned())));
    }
    Err(DecodeError::Missing("MSS_Signature/Base64Signature".into()))
}

fn status_of(s: &Element, strict: bool) -> Result<Status, DecodeError> {
    only(s, &["StatusCode", "StatusMessage", "StatusDetail"], strict)?;
    let code = req_child(s, "StatusCode")?;
    let value: u16 = number(&req_attr(code, "Value")?, "StatusCode/@Value")?;
    Ok(Status {
        code: StatusCode::from_code(value),
        message: opt_text(s, "StatusMessage"),
        detail: child(s, "StatusDetail")
            .map(Element::deep_text)
            .filter(|t| !t.is_empty()),
    })
}

fn status(el: &Element, strict: bool) -> Result<Status, DecodeError> {
    status_of(req_child(el, "Status")?, strict)
}

fn message(el: &Element, src: &[u8]) -> Result<MssMessage, DecodeError> {
    const BASE: [&str; 2] = ["AP_Info", "MSSP_Info"];
    Ok(match el.name.as_str() {
        "MSS_SignatureReq" => {
            let allowed = [
                "MobileUser",
                "DataToBeSigned",
                "DataToBeDisplayed",
                "SignatureProfile",
                "AdditionalServices",
                "MSS_Format",
                "KeyReference",
                "SignatureProfileComparison",
            ];
            only(el, &[&BASE[..], &allowed[..]].concat(), true)?;
            let mode = req_attr(el, "MessagingMode")?;
            let messaging_mode = MessagingMode::parse(&mode)
                .ok_or_else(|| DecodeError::invalid("MessagingMode", "unknown mode"))?;
            let mut additional_services = Vec::new();
            if let Some(list) = child(el, "AdditionalServices") {
                only(list, &["Service"], true)?;
                for service in list.children.iter().filter(|c| is_mss(c)) {
                    only(service, &["Description", "Entity"], true)?;
                    let description = uri_type(service, "Description", true)?
                        .ok_or_else(|| DecodeError::Missing("Service/Description".into()))?;
                    additional_services.push(AdditionalService { description });
                }
            }
            let dtbs = req_child(el, "DataToBeSigned")?;
            MssMessage::SignatureReq(MssSignatureReq {
                header: header(el, true)?,
                mobile_user: mobile_user(el, true)?,
                data_to_be_signed: data(dtbs),
                data_to_be_displayed: child(el, "DataToBeDisplayed").map(data),
                signature_profile: uri_type(el, "SignatureProfile", true)?,
                additional_services,
                mss_format: uri_type(el, "MSS_Format", true)?,
                validity_date: opt_attr(el, "ValidityDate"),
                time_out: opt_attr(el, "TimeOut")
                    .map(|t| number(&t, "TimeOut"))
                    .transpose()?,
                messaging_mode,
            })
        }
        "MSS_SignatureResp" => MssMessage::SignatureResp(MssSignatureResp {
            header: header(el, false)?,
            mobile_user: mobile_user(el, false)?,
            mss_signature: signature(el, src)?,
            signature_profile: uri_type(el, "SignatureProfile", false)?,
            status: status(el, false)?,
            mssp_trans_id: req_attr(el, "MSSP_TransID")?,
        }),
        "MSS_StatusReq" => {
            only(el, &BASE, true)?;
            MssMessage::StatusReq(MssStatusReq {
                header: header(el, true)?,
                mssp_trans_id: req_attr(el, "MSSP_TransID")?,
            })
        }
        "MSS_StatusResp" => MssMessage::StatusResp(MssStatusResp {
            header: header(el, false)?,
            mobile_user: mobile_user(el, false)?,
            mss_signature: signature(el, src)?,
            status: status(el, false)?,
        }),
        "MSS_ReceiptReq" => {
            only(
                el,
                &[
                    &BASE[..],
                    &["MobileUser", "Status", "Message", "SignedReceipt"][..],
                ]
                .concat(),
                true,
            )?;
            MssMessage::ReceiptReq(MssReceiptReq {
                header: header(el, true)?,
                mobile_user: mobile_user(el, true)?,
                status: child(el, "Status")
                    .map(|s| status_of(s, true))
                    .transpose()?,
                message: child(el, "Message").map(data),
                mssp_trans_id: req_attr(el, "MSSP_TransID")?,
            })
        }
        "MSS_ReceiptResp" => MssMessage::ReceiptResp(MssReceiptResp {
            header: header(el, false)?,
            status: status(el, false)?,
        }),
        other => return Err(DecodeError::UnknownElement(other.to_owned())),
    })
}

fn is_message(el: &Element) -> bool {
    is_mss(el)
        && matches!(
            el.name.as_str(),
            "MSS_SignatureReq"
                | "MSS_SignatureResp"
                | "MSS_StatusReq"
                | "MSS_StatusResp"
                | "MSS_ReceiptReq"
                | "MSS_ReceiptResp"
        )
}

/// Reads a SOAP 1.1 `Fault` (faultcode/faultstring/detail) or a SOAP 1.2
/// one (Code/Subcode/Reason/Detail). Never fails: a fault is reported with
/// whatever it carries, INTERNAL_ERROR when no status can be found.
fn fault(el: &Element) -> MssFault {
    let text = |name: &str| {
        el.find(name)
            .map(|e| e.deep_text())
            .filter(|t| !t.is_empty())
    };
    let (code_text, subcode, reason, detail_el) =
        match el.children.iter().find(|c| c.name == "Code") {
            Some(code) => (
                code.children
                    .iter()
                    .find(|c| c.name == "Value")
                    .map(|v| v.deep_text()),
                code.find("Subcode")
                    .and_then(|s| s.find("Value"))
                    .map(|v| v.deep_text()),
                text("Reason"),
                el.children.iter().find(|c| c.name == "Detail"),
            ),
            None => (
                text("faultcode"),
                None,
                text("faultstring"),
                el.children.iter().find(|c| c.name == "detail"),
            ),
        };
    let from_detail = detail_el
        .and_then(|d| d.find("StatusCode"))
        .and_then(|c| c.attr("Value"))
        .and_then(|v| v.trim().parse::<u16>().ok())
        .map(StatusCode::from_code);
    let from_code = code_text.as_deref().and_then(|c| {
        let tail = c.rsplit('.').next().unwrap_or(c);
        tail.contains('_').then(|| parse_subcode(tail)).flatten()
    });
    let status = subcode
        .as_deref()
        .and_then(parse_subcode)
        .or(from_detail)
        .or(from_code)
        .or_else(|| {
            reason
                .as_deref()
                .and_then(|r| StatusCode::from_name(r.trim()))
        })
        .unwrap_or(StatusCode::InternalError);
    let detail = detail_el.and_then(|d| {
        d.find("StatusDetail")
            .map(Element::deep_text)
            .or_else(|| (d.find("StatusCode").is_none()).then(|| d.deep_text()))
            .filter(|t| !t.is_empty())
    });
    MssFault {
        code: code_text
            .as_deref()
            .and_then(FaultCode::parse)
            .unwrap_or_else(|| status.fault_code()),
        status,
        reason: reason.unwrap_or_else(|| status.name().unwrap_or("INTERNAL_ERROR").to_owned()),
        detail,
    }
}

/// Decodes a SOAP 1.1 or 1.2 envelope holding a TS 102 204 message (with or
/// without its operation wrapper) or a fault.
pub fn decode(input: &[u8]) -> Result<Envelope, DecodeError> {
    let root = dom::parse(input)?;
    if root.name != "Envelope" || !(root.in_ns(SOAP11_NS) || root.in_ns(SOAP12_NS)) {
        return Err(DecodeError::UnknownElement(format!(
            "{} (expected a SOAP Envelope)",
            root.name
        )));
    }
    let body = root
        .children
        .iter()
        .find(|c| c.name == "Body" && c.ns == root.ns)
        .ok_or_else(|| DecodeError::Missing("Envelope/Body".into()))?;
    let first = body
        .children
        .first()
        .ok_or_else(|| DecodeError::Missing("Body content".into()))?;
    if first.name == "Fault" && first.ns == root.ns {
        return Ok(Envelope::Fault(fault(first)));
    }
    let el = if is_message(first) {
        first
    } else if is_wrapper(&first.name) {
        first
            .children
            .iter()
            .find(|c| is_message(c))
            .ok_or_else(|| DecodeError::Missing(format!("{}/MSS message", first.name)))?
    } else {
        return Err(DecodeError::UnknownElement(format!("Body/{}", first.name)));
    };
    message(el, input).map(Envelope::Message)
}
