//! The JSON binding of TS 102 204 used by Kiuru-based MSSPs (Methics) and
//! Swisscom Mobile ID's REST interface: the XML structure of clause 6/7 with
//! attributes and elements both as members, `{"MSS_SignatureReq": {...}}`.
//!
//! Spelling follows Swisscom's public Mobile ID reference guide and its Java
//! client's JSON samples: numbers travel as strings (`"MajorVersion": "1"`,
//! `"TimeOut": "80"`, `"StatusCode": {"Value": "500"}`); `MSSP_ID` is
//! `{"URI": ...}`; `SignatureProfile` and `MSS_Format` are plain URI strings
//! (not `mssURIType` objects); `AdditionalServices` is
//! `[{"Description": uri}]`; `MSS_Signature` is `{"Base64Signature": ...}`
//! (`{"XmlSignature": "<ds:Signature>..."}` is idgw's own addition for
//! XML-DSig). Faults are `{"Fault": {"Code": {"Value": "soapenv:Sender",
//! "SubCode": {"Value": "mss:_101"}}, "Reason": ..., "Detail": ...}}` as
//! Kiuru writes them; Swisscom's form (`"Value": "Sender"` with a `ValueNs`,
//! SubCode `"_101"`) and `"MessagingMode": "asynch"` are read too.
//!
//! As in the SOAP codec, requests are strict (an unknown member is 101
//! WRONG_PARAM, a missing one 102 MISSING_PARAM) and responses lenient.

mod decode;
mod encode;

pub use decode::decode;
pub use encode::{encode, encode_fault};

/// Largest JSON document accepted.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

type Obj = serde_json::Map<String, serde_json::Value>;

#[cfg(test)]
mod tests;
