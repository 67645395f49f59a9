//! Primitive SMPP v3.4 data types (section 3.1): big-endian integers,
//! C-Octet Strings (NUL terminated, maximum size includes the NUL) and
//! Octet Strings. Bounds-checked reading; nothing here panics on bad input.

use super::{DecodeError, EncodeError};

/// A cursor over a PDU body.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn octets(
        &mut self,
        n: usize,
        field: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated { field });
        }
        let r = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(r)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.octets(1, field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        let b = self.octets(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A C-Octet String of at most `max` octets including the NUL (section 3.1).
    pub(crate) fn cstr(&mut self, field: &'static str, max: usize) -> Result<String, DecodeError> {
        let avail = &self.buf[self.pos..];
        match avail.iter().take(max).position(|&b| b == 0) {
            Some(nul) => {
                let s = std::str::from_utf8(&avail[..nul])
                    .map_err(|_| DecodeError::InvalidText { field })?
                    .to_owned();
                self.pos += nul + 1;
                Ok(s)
            }
            None if avail.len() >= max => Err(DecodeError::CStringTooLong { field, max }),
            None => Err(DecodeError::CStringMissingNul { field }),
        }
    }
}

/// Appends a C-Octet String, checking its maximum size (NUL included).
pub(crate) fn put_cstr(
    out: &mut Vec<u8>,
    field: &'static str,
    s: &str,
    max: usize,
) -> Result<(), EncodeError> {
    if s.len() + 1 > max {
        return Err(EncodeError::FieldTooLong { field, max });
    }
    if s.as_bytes().contains(&0) {
        return Err(EncodeError::EmbeddedNul { field });
    }
    out.extend_from_slice(s.as_bytes());
    out.push(0);
    Ok(())
}

/// Parses a C-Octet String that fills a whole TLV value.
pub(crate) fn cstr_value(value: &[u8], max: usize) -> Option<String> {
    let (last, body) = value.split_last()?;
    if *last != 0 || value.len() > max || body.contains(&0) {
        return None;
    }
    std::str::from_utf8(body).ok().map(str::to_owned)
}
