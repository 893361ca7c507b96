//! One check per fuzz target of the node's decoders: the p2p request-response codec, gossip
//! messages and the membership file. Shared by the targets in `fuzz/fuzz_targets/` and by the
//! corpus replay test `node/tests/fuzz_corpus.rs` (which includes this file with `#[path]`).
//!
//! The decoders are the node's own files, `node/src/replication/protocol.rs` and
//! `membership.rs`: the fuzz crate compiles them as its modules `crate::protocol` and
//! `crate::membership` (with `#[path]`, so the fuzzer links neither RocksDB nor the node), and the
//! replay test names `ledger_node::replication::{protocol, membership}` the same way.
//!
//! This file may use only `std`, `futures`, `libp2p`, `ledger_format`, those two modules and
//! `crate::corpus` (`src/corpus.rs`).

use std::fmt::Debug;
use std::io::ErrorKind;

use futures::executor::block_on;
use futures::io::Cursor;
use ledger_format::Canonical;
use ledger_format::checkpoint::SignedCheckpoint;
use ledger_format::equivocation::Equivocation;
use libp2p::request_response::Codec as _;

use crate::corpus::Check;
use crate::membership::Membership;
use crate::protocol::{
    Codec, Gossip, MAX_GOSSIP_BYTES, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, Request, Response,
    SYNC_PROTOCOL,
};

/// Every target: its name (the directory under `fuzz/corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("p2p_request", p2p_request),
    ("p2p_response", p2p_response),
    ("p2p_gossip", p2p_gossip),
    ("membership", membership),
];

/// Bytes of the big-endian length that frames every request and response.
const PREFIX_LEN: usize = 4;

/// `Codec::read_request` on a stream holding `data` (a 4-byte big-endian length, the BCS bytes,
/// and whatever follows), then `Codec::write_request` of what it read.
pub fn p2p_request(data: &[u8]) -> bool {
    framed::<Request>(
        data,
        MAX_REQUEST_BYTES,
        |io| block_on(Codec.read_request(&SYNC_PROTOCOL, io)),
        |io, request| block_on(Codec.write_request(&SYNC_PROTOCOL, io, request)),
    )
}

/// `Codec::read_response` on a stream holding `data`, then `Codec::write_response`.
pub fn p2p_response(data: &[u8]) -> bool {
    framed::<Response>(
        data,
        MAX_RESPONSE_BYTES,
        |io| block_on(Codec.read_response(&SYNC_PROTOCOL, io)),
        |io, response| block_on(Codec.write_response(&SYNC_PROTOCOL, io, response)),
    )
}

type Reader<'a> = Cursor<&'a [u8]>;
type Writer<'a> = Cursor<&'a mut Vec<u8>>;

/// The framing contract of the codec, for message type `M` of size limit `max`:
/// - a length above `max` is refused (`InvalidData`) having read only the 4 length bytes, so
///   before the body is allocated or read;
/// - a stream that ends early is refused (`UnexpectedEof`);
/// - otherwise the reader consumes exactly the frame and agrees with `M::decode_exact` on its
///   body, and what it accepts is written back as exactly the same frame.
fn framed<M: Canonical + PartialEq + Debug>(
    data: &[u8],
    max: usize,
    read: impl FnOnce(&mut Reader<'_>) -> std::io::Result<M>,
    write: impl FnOnce(&mut Writer<'_>, M) -> std::io::Result<()>,
) -> bool {
    let mut reader = Cursor::new(data);
    let result = read(&mut reader);
    let consumed = reader.position();
    let Some(prefix) = data.first_chunk::<PREFIX_LEN>() else {
        assert_eq!(kind(&result), Some(ErrorKind::UnexpectedEof));
        return false;
    };
    let len = u32::from_be_bytes(*prefix) as usize;
    if len > max {
        assert_eq!(kind(&result), Some(ErrorKind::InvalidData));
        assert_eq!(consumed, PREFIX_LEN as u64, "read past an oversized length");
        return false;
    }
    let Some(body) = data.get(PREFIX_LEN..PREFIX_LEN + len) else {
        assert_eq!(kind(&result), Some(ErrorKind::UnexpectedEof));
        return false;
    };
    let decoded = M::decode_exact(body);
    let message = match (result, decoded) {
        (Ok(message), Ok(decoded)) => {
            assert_eq!(message, decoded);
            message
        }
        (Err(e), Err(_)) => {
            assert_eq!(e.kind(), ErrorKind::InvalidData);
            return false;
        }
        (result, decoded) => panic!("codec {result:?} but decode_exact {decoded:?}"),
    };
    assert_eq!(consumed, (PREFIX_LEN + len) as u64, "read past the frame");
    let mut written = Vec::new();
    write(&mut Cursor::new(&mut written), message).expect("a message read is written");
    assert_eq!(
        written,
        data[..PREFIX_LEN + len],
        "framing does not round-trip"
    );
    true
}

fn kind<M>(result: &std::io::Result<M>) -> Option<ErrorKind> {
    result.as_ref().err().map(std::io::Error::kind)
}

/// `Gossip::decode_exact` (gossipsub delivers whole messages, no length prefix), then what the
/// node does with each kind: parse the checkpoint note, decode the equivocation proof.
pub fn p2p_gossip(data: &[u8]) -> bool {
    let Ok(gossip) = Gossip::decode_exact(data) else {
        return false;
    };
    assert_eq!(gossip.encode(), data);
    assert!(data.len() <= MAX_GOSSIP_BYTES);
    match &gossip {
        Gossip::Checkpoint(note) => {
            let _ = SignedCheckpoint::parse(note);
        }
        Gossip::Equivocation(bytes) => {
            if let Ok(proof) = Equivocation::decode_exact(bytes) {
                assert_eq!(&proof.encode(), bytes);
            }
        }
    }
    true
}

/// `Membership::parse`; a membership that parses is written back entry by entry with
/// `Member::to_entry` and `MemberEntry::to_toml` and parses again to the same membership.
pub fn membership(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(membership) = Membership::parse(text) else {
        return false;
    };
    let written = membership_text(&membership);
    let again = Membership::parse(&written);
    assert_eq!(again.as_ref(), Ok(&membership), "{written}");
    for member in &membership.members {
        assert_eq!(membership.by_origin(&member.origin), Some(member));
        assert_eq!(membership.by_peer(&member.peer_id), Some(member));
    }
    true
}

/// A membership file for `membership`: its quorum, then one `[[agency]]` table per member, the
/// removed ones last.
pub fn membership_text(membership: &Membership) -> String {
    let mut out = format!("quorum = {}\n", membership.quorum);
    for member in membership.members.iter().chain(&membership.removed) {
        let entry = member.to_entry();
        out.push('\n');
        out.push_str(&entry.to_toml());
    }
    out
}
