//! A TCP connection carrying SMPP PDUs: frames cut with
//! [`crate::pdu::frame_len`] (SMPP v3.4 section 3.2), written whole.
//! `read_frame` is cancel safe, so it can sit in a `tokio::select!`.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::pdu::{encode_with_status, frame_len, DecodeError, EncodeError, Pdu};
use crate::status::CommandStatus;

/// Why a connection can no longer be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The peer sent an unusable command_length: the stream cannot be resynchronised.
    #[error("framing: {0}")]
    Frame(DecodeError),
    #[error("encoding: {0}")]
    Encode(#[from] EncodeError),
    #[error("connection closed by peer")]
    Closed,
}

/// A byte stream an SMPP session runs over (TCP, or an in-memory pipe in tests).
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

/// One SMPP connection.
pub struct Connection {
    stream: Box<dyn Transport>,
    buf: Vec<u8>,
}

impl Connection {
    pub fn new(stream: impl Transport) -> Self {
        Self::from_boxed(Box::new(stream))
    }

    pub fn from_boxed(stream: Box<dyn Transport>) -> Self {
        Connection {
            stream,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Reads the next complete frame (header included).
    pub async fn read_frame(&mut self) -> Result<Vec<u8>, ConnError> {
        loop {
            if let Some(n) = frame_len(&self.buf).map_err(ConnError::Frame)? {
                if self.buf.len() >= n {
                    return Ok(self.buf.drain(..n).collect());
                }
            }
            let mut tmp = [0u8; 4096];
            let n = self.stream.read(&mut tmp).await?;
            if n == 0 {
                return Err(ConnError::Closed);
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }

    /// Writes raw frame bytes.
    pub async fn write_frame(&mut self, bytes: &[u8]) -> Result<(), ConnError> {
        self.stream.write_all(bytes).await?;
        Ok(())
    }

    /// Encodes and writes a PDU with `ESME_ROK`.
    pub async fn send(&mut self, pdu: &Pdu, seq: u32) -> Result<(), ConnError> {
        self.send_status(pdu, CommandStatus::EsmeROk, seq).await
    }

    /// Encodes and writes a PDU with a given command_status.
    pub async fn send_status(
        &mut self,
        pdu: &Pdu,
        status: CommandStatus,
        seq: u32,
    ) -> Result<(), ConnError> {
        let bytes = encode_with_status(pdu, status, seq)?;
        self.write_frame(&bytes).await
    }
}

/// Sequence numbers 1..=0x7FFFFFFF, wrapping (SMPP v3.4 section 3.2).
#[derive(Debug, Default)]
pub struct SequenceNumbers(u32);

impl SequenceNumbers {
    pub fn allocate(&mut self) -> u32 {
        self.0 = if self.0 >= 0x7FFF_FFFF { 1 } else { self.0 + 1 };
        self.0
    }
}
