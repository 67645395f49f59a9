//! SOAP
pub(crate) mod dom;
