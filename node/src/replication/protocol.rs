//! The wire protocols between nodes (docs/format.md#replication): gossip messages, and a
//! request-response protocol serving checkpoints and ranges of records with consistency proofs.
//! Messages are BCS ([`Canonical`]), framed by a 4-byte big-endian length, and refused above
//! their size limit before they are read.
//!
//! `fuzz/` compiles this file on its own (`#[path]` in `fuzz/src/lib.rs`, so that fuzzing links no
//! RocksDB): outside `tests`, use only crates `fuzz/Cargo.toml` also lists, never `crate::` or
//! `super::` paths.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ledger_format::Canonical;
use ledger_format::hash::Hash;
use libp2p::StreamProtocol;
use serde::{Deserialize, Serialize};

/// The request-response protocol: version 1.
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/registration-ledger/sync/1");
/// The gossipsub topic: version 1.
pub const GOSSIP_TOPIC: &str = "/registration-ledger/gossip/1";
/// Most records in one range response: ~300 KB of evidence records, well under the size limit
/// even for large certificate records, and a few milliseconds of work per request.
pub const MAX_RANGE_RECORDS: u64 = 2_000;
/// Largest request: a few fields.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024;
/// Largest response: a full range of the largest records (64 KiB each would not fit; ranges of
/// large records are cut short by the server to stay under this).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Largest gossip message: a checkpoint note with cosignatures, or an equivocation proof.
pub const MAX_GOSSIP_BYTES: usize = 64 * 1024;
/// Most checkpoints in one [`Response::Checkpoints`]: one per log of the network.
pub const MAX_LOGS: usize = 4_096;

/// What a node asks another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Tag 0: the latest checkpoint (with cosignatures) of every log the peer holds.
    Checkpoints,
    /// Tag 1: records `start..end` of log `origin`, and the consistency proof from the tree of
    /// `end` records to the tree of `proof_to` records (empty when `end == proof_to`). The server
    /// may return fewer records (never zero when it holds `start`), with the proof from its end.
    Range {
        /// The log.
        origin: String,
        /// First record.
        start: u64,
        /// One past the last record wanted.
        end: u64,
        /// The size of the checkpoint the records lead to.
        proof_to: u64,
    },
}

/// What a node answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Tag 0: checkpoint note texts, one per log.
    Checkpoints(Vec<String>),
    /// Tag 1: canonical record bytes from `start`, and the consistency proof.
    Range {
        /// The records.
        records: Vec<Vec<u8>>,
        /// The proof from the tree ending with them to the tree of `proof_to` records.
        proof: Vec<Hash>,
    },
    /// Tag 2: the request cannot be served (unknown log, range not held, bad request).
    Refused(String),
}

/// What nodes gossip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gossip {
    /// Tag 0: a checkpoint note: a log's new checkpoint, or a witness's cosignature of one.
    Checkpoint(String),
    /// Tag 1: a proof that a log equivocated (docs/format.md#equivocation).
    Equivocation(Vec<u8>),
}

impl Canonical for Request {
    const MAX_ENCODED_LEN: usize = MAX_REQUEST_BYTES;
}

impl Canonical for Response {
    const MAX_ENCODED_LEN: usize = MAX_RESPONSE_BYTES;
}

impl Canonical for Gossip {
    const MAX_ENCODED_LEN: usize = MAX_GOSSIP_BYTES;
}

/// The request-response codec: length-prefixed canonical BCS.
#[derive(Debug, Clone, Copy, Default)]
pub struct Codec;

async fn read_message<T, M>(io: &mut T) -> std::io::Result<M>
where
    T: AsyncRead + Unpin + Send,
    M: Canonical,
{
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > M::MAX_ENCODED_LEN {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("message of {len} bytes exceeds {}", M::MAX_ENCODED_LEN),
        ));
    }
    // Grow the buffer with what arrives instead of allocating what the prefix claims: a peer that
    // sends a prefix of 16 MiB and stops costs about what it sent, not 16 MiB.
    let mut bytes = Vec::new();
    (&mut *io).take(len as u64).read_to_end(&mut bytes).await?;
    if bytes.len() < len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    M::decode_exact(&bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

async fn write_message<T, M>(io: &mut T, message: &M) -> std::io::Result<()>
where
    T: AsyncWrite + Unpin + Send,
    M: Canonical,
{
    let bytes = message.encode();
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|len| *len as usize <= M::MAX_ENCODED_LEN)
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "message too large")
        })?;
    io.write_all(&len.to_be_bytes()).await?;
    io.write_all(&bytes).await?;
    io.close().await
}

impl libp2p::request_response::Codec for Codec {
    type Protocol = StreamProtocol;
    type Request = Request;
    type Response = Response;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> std::io::Result<Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_message(io).await
    }

    async fn read_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_message(io).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Request,
    ) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_message(io, &request).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Response,
    ) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_message(io, &response).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_round_trip_through_the_codec() {
        let request = Request::Range {
            origin: "ledger.a.example/1".into(),
            start: 5,
            end: 10,
            proof_to: 12,
        };
        let mut buffer = Vec::new();
        write_message(&mut futures::io::Cursor::new(&mut buffer), &request)
            .await
            .unwrap();
        let read: Request = read_message(&mut futures::io::Cursor::new(&buffer))
            .await
            .unwrap();
        assert_eq!(read, request);
    }

    #[tokio::test]
    async fn oversized_or_trailing_input_is_refused() {
        let mut huge = (MAX_REQUEST_BYTES as u32 + 1).to_be_bytes().to_vec();
        huge.extend(vec![0u8; 16]);
        let read: std::io::Result<Request> =
            read_message(&mut futures::io::Cursor::new(&huge)).await;
        assert_eq!(read.unwrap_err().kind(), std::io::ErrorKind::InvalidData);
        let mut bytes = Request::Checkpoints.encode();
        bytes.push(0);
        let mut framed = (bytes.len() as u32).to_be_bytes().to_vec();
        framed.extend(bytes);
        let read: std::io::Result<Request> =
            read_message(&mut futures::io::Cursor::new(&framed)).await;
        assert!(read.is_err());
    }
}
