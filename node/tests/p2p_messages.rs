//! Property tests of the p2p messages (docs/format.md#replication): every request, response and
//! gossip message round-trips through its canonical encoding and through the request-response
//! codec's framing, and a frame cut short or carrying an extra byte is refused.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::AsyncRead;
use futures::executor::block_on;
use futures::io::Cursor;
use ledger_format::{Canonical, DecodeError, Hash};
use ledger_node::replication::protocol::{
    Codec, Gossip, MAX_GOSSIP_BYTES, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, Request, Response,
    SYNC_PROTOCOL,
};
use libp2p::request_response::Codec as _;
use proptest::prelude::*;

fn hash() -> impl Strategy<Value = Hash> {
    any::<[u8; 32]>().prop_map(Hash)
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        Just(Request::Checkpoints),
        (".{0,80}", any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
            |(origin, start, end, proof_to)| Request::Range {
                origin,
                start,
                end,
                proof_to,
            }
        ),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    prop_oneof![
        prop::collection::vec(".{0,200}", 0..6).prop_map(Response::Checkpoints),
        (
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..10),
            prop::collection::vec(hash(), 0..70),
        )
            .prop_map(|(records, proof)| Response::Range { records, proof }),
        ".{0,100}".prop_map(Response::Refused),
    ]
}

fn gossip() -> impl Strategy<Value = Gossip> {
    prop_oneof![
        ".{0,300}".prop_map(Gossip::Checkpoint),
        prop::collection::vec(any::<u8>(), 0..600).prop_map(Gossip::Equivocation),
    ]
}

fn write_request(request: Request) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    block_on(Codec.write_request(&SYNC_PROTOCOL, &mut Cursor::new(&mut out), request))?;
    Ok(out)
}

fn write_response(response: Response) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    block_on(Codec.write_response(&SYNC_PROTOCOL, &mut Cursor::new(&mut out), response))?;
    Ok(out)
}

fn read_request(bytes: &[u8]) -> std::io::Result<Request> {
    block_on(Codec.read_request(&SYNC_PROTOCOL, &mut Cursor::new(bytes)))
}

fn read_response(bytes: &[u8]) -> std::io::Result<Response> {
    block_on(Codec.read_response(&SYNC_PROTOCOL, &mut Cursor::new(bytes)))
}

/// The frame with its length prefix rewritten to cover `len` bytes of `body`.
fn reframe(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

proptest! {
    #[test]
    fn requests_round_trip(request in request()) {
        let bytes = request.encode();
        prop_assert_eq!(Request::decode_exact(&bytes), Ok(request.clone()));
        let framed = write_request(request.clone()).unwrap();
        prop_assert_eq!(&framed, &reframe(&bytes));
        prop_assert_eq!(read_request(&framed).unwrap(), request);
        // Cut short anywhere, or one byte more inside the frame: refused.
        for cut in 0..framed.len() {
            prop_assert!(read_request(&framed[..cut]).is_err());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert!(read_request(&reframe(&longer)).is_err());
    }

    #[test]
    fn responses_round_trip(response in response()) {
        let bytes = response.encode();
        prop_assert_eq!(Response::decode_exact(&bytes), Ok(response.clone()));
        let framed = write_response(response.clone()).unwrap();
        prop_assert_eq!(&framed, &reframe(&bytes));
        prop_assert_eq!(read_response(&framed).unwrap(), response);
        for cut in [0, 3, 4, framed.len() / 2, framed.len() - 1] {
            prop_assert!(read_response(&framed[..cut]).is_err());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert!(read_response(&reframe(&longer)).is_err());
    }

    #[test]
    fn gossip_round_trips(gossip in gossip()) {
        let bytes = gossip.encode();
        prop_assert_eq!(Gossip::decode_exact(&bytes), Ok(gossip));
        prop_assert!(Gossip::decode_exact(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert!(Gossip::decode_exact(&longer).is_err());
    }

    /// Whatever bytes arrive, reading never panics, and what decodes re-encodes to those bytes.
    #[test]
    fn arbitrary_bytes_decode_canonically(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(request) = Request::decode_exact(&bytes) {
            prop_assert_eq!(request.encode(), bytes.clone());
        }
        if let Ok(response) = Response::decode_exact(&bytes) {
            prop_assert_eq!(response.encode(), bytes.clone());
        }
        if let Ok(gossip) = Gossip::decode_exact(&bytes) {
            prop_assert_eq!(gossip.encode(), bytes.clone());
        }
        let _ = (read_request(&bytes), read_response(&bytes));
    }
}

#[test]
fn messages_over_their_limit_are_neither_written_nor_read() {
    let request = Request::Range {
        origin: "o".repeat(MAX_REQUEST_BYTES),
        start: 0,
        end: 1,
        proof_to: 1,
    };
    let err = write_request(request.clone()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let framed = reframe(&request.encode());
    assert_eq!(
        read_request(&framed).unwrap_err().kind(),
        std::io::ErrorKind::InvalidData
    );

    let record = vec![0u8; 1024 * 1024];
    let response = Response::Range {
        records: vec![record; MAX_RESPONSE_BYTES / (1024 * 1024)],
        proof: vec![],
    };
    let err = write_response(response.clone()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        read_response(&reframe(&response.encode()))
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::InvalidData
    );

    let gossip = Gossip::Checkpoint("x".repeat(MAX_GOSSIP_BYTES));
    let bytes = gossip.encode();
    assert_eq!(
        Gossip::decode_exact(&bytes),
        Err(DecodeError::TooLarge {
            len: bytes.len(),
            max: MAX_GOSSIP_BYTES
        })
    );
}

#[test]
fn a_length_prefix_of_4_gib_is_refused_after_reading_only_the_prefix() {
    for max in [
        0xFFFF_FFFFu32,
        u32::try_from(MAX_RESPONSE_BYTES).unwrap() + 1,
    ] {
        let mut stream = max.to_be_bytes().to_vec();
        stream.extend_from_slice(&[0; 16]);
        let mut cursor = Cursor::new(&stream[..]);
        let read = block_on(Codec.read_response(&SYNC_PROTOCOL, &mut cursor));
        assert_eq!(read.unwrap_err().kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(cursor.position(), 4, "read past the length");
    }
}

/// A stream that records the largest buffer a reader offers it.
struct Recording<'a> {
    data: &'a [u8],
    largest_buffer: usize,
}

impl AsyncRead for Recording<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        self.largest_buffer = self.largest_buffer.max(buf.len());
        let n = buf.len().min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(n))
    }
}

#[test]
fn a_length_prefix_is_not_trusted_to_size_the_buffer() {
    // A prefix claiming the largest response, then 100 bytes: the read fails at the end of the
    // stream, having never offered a buffer near 16 MiB.
    let limit = u32::try_from(MAX_RESPONSE_BYTES).unwrap();
    let stream = [&limit.to_be_bytes()[..], &[1; 100]].concat();
    let mut io = Recording {
        data: &stream,
        largest_buffer: 0,
    };
    let read = block_on(Codec.read_response(&SYNC_PROTOCOL, &mut io));
    assert_eq!(read.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
    assert!(io.largest_buffer < 4096, "{} bytes", io.largest_buffer);

    // A large response that does arrive is read whole.
    let response = Response::Range {
        records: vec![vec![7; 1 << 20]; 6],
        proof: vec![Hash([9; 32]); 40],
    };
    let framed = write_response(response.clone()).unwrap();
    let mut io = Recording {
        data: &framed,
        largest_buffer: 0,
    };
    let read = block_on(Codec.read_response(&SYNC_PROTOCOL, &mut io));
    assert_eq!(read.unwrap(), response);
}
