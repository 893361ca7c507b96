use ledger_format::Canonical;
use ledger_format::checkpoint::{Checkpoint, SignedCheckpoint};
use ledger_format::hash::Hash;
use ledger_format::merkle::{self, Frontier};
use ledger_format::testing::{LogBuilder, ORIGIN, agency_key, submitter_key};
use sha2::{Digest, Sha256};

use super::*;
use crate::store::{LogIdentity, MemoryStore, StoredCheckpoint, Tip, WriteBatch};

fn empty_store() -> MemoryStore {
    MemoryStore::new(LogIdentity {
        origin: ORIGIN.into(),
        genesis_key: agency_key().public_key(),
    })
}

/// A store whose tree holds `leaves` (and `records`, when given), with a signed checkpoint at
/// their size; returns the store and the checkpoint's root.
fn store_with(leaves: &[Hash], records: Vec<Vec<u8>>) -> (MemoryStore, Hash) {
    let store = empty_store();
    let mut frontier = Frontier::new(ledger_format::suite::Suite::Ed25519Sha256);
    let mut batch = WriteBatch::default();
    for leaf in leaves {
        batch.tree_nodes.extend(frontier.append(*leaf).unwrap());
    }
    batch.records = (0..).zip(records).collect();
    let size = frontier.size();
    batch.tip = Some(Tip {
        size,
        last_hash: leaves.last().copied().unwrap_or(Hash::ZERO),
        last_time: 0,
    });
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: frontier.root(),
        map_root: Hash::ZERO,
        timestamp: 1,
    };
    let note = SignedCheckpoint::sign(checkpoint, ORIGIN, &agency_key())
        .unwrap()
        .to_note_text();
    batch.checkpoint = Some(StoredCheckpoint { size, note });
    store.write(batch).unwrap();
    (store, frontier.root())
}

/// A tree of `size` synthetic leaves (no records).
fn synthetic(size: u64) -> (MemoryStore, Hash) {
    let leaves: Vec<Hash> = (0..size)
        .map(|n| merkle::leaf_hash(ledger_format::suite::Suite::Ed25519Sha256, &n.to_be_bytes()))
        .collect();
    store_with(&leaves, Vec::new())
}

/// A log of `size` signed evidence records.
fn real_log(size: u64) -> (MemoryStore, Hash) {
    let mut log = LogBuilder::new(ORIGIN, agency_key());
    for n in 0..size {
        log.evidence(1_800_000_000, Hash([n as u8; 32]), &submitter_key());
    }
    let leaves: Vec<Hash> = log.records.iter().map(|r| r.hash()).collect();
    let records = log.records.iter().map(|r| r.encode()).collect();
    store_with(&leaves, records)
}

/// What the node answers for `path` below the log's prefix `/logs/<origin>/`.
fn get(store: &MemoryStore, path: &str) -> Result<Served, ApiError> {
    let full = format!("{ORIGIN}/{path}");
    let (origin, resource) = split_log_path(&full)?;
    assert_eq!(origin, ORIGIN);
    serve(store, resource)
}

fn status(store: &MemoryStore, path: &str) -> u16 {
    match get(store, path) {
        Ok(_) => 200,
        Err(e) => e.status().as_u16(),
    }
}

#[test]
fn index_encoding_follows_the_spec() {
    assert_eq!(encode_index(1_234_067), "x001/x234/067");
    assert_eq!(encode_index(0), "000");
    assert_eq!(encode_index(5), "005");
    assert_eq!(encode_index(1000), "x001/000");
    assert_eq!(encode_index(u64::MAX), "x018/x446/x744/x073/x709/x551/615");
    for n in [0, 1, 999, 1000, 1_234_067, 255_999, u64::MAX] {
        let text = encode_index(n);
        let elements: Vec<&str> = text.split('/').collect();
        assert_eq!(parse_index(&elements), Ok(n), "{text}");
    }
}

#[test]
fn tile_paths_parse_only_in_the_spec_form() {
    let tile = |kind, index, partial| Tile {
        kind,
        index,
        partial,
    };
    let hashes = |level| TileKind::Hashes { level };
    for (path, expected) in [
        ("0/x001/x234/067", tile(hashes(0), 1_234_067, None)),
        ("0/x001/x234/067.p/8", tile(hashes(0), 1_234_067, Some(8))),
        ("63/000", tile(hashes(63), 0, None)),
        ("entries/000.p/255", tile(TileKind::Entries, 0, Some(255))),
        ("entries/x001/002", tile(TileKind::Entries, 1002, None)),
    ] {
        assert_eq!(Tile::parse(path), Ok(expected), "{path}");
        assert_eq!(expected.path(), path);
    }
    for bad in [
        "",
        "0",
        "0/",
        "0/abc",
        "0/1",
        "0/0000",
        "0/x001",
        "0/001/002",
        "0/x000/001",
        "0/x1/001",
        "00/000",
        "01/000",
        "+1/000",
        "64/000",
        "256/000",
        "level/000",
        "0/000.p/0",
        "0/000.p/256",
        "0/000.p/05",
        "0/000.p/",
        "0/000.p",
        "0/000.q/5",
        "0/000.p/5/6",
        "entries",
        "entries/",
        "entries/-01",
        "0/x018/x446/x744/x073/x709/x551/616",
        "0/x999/x999/x999/x999/x999/x999/x999/999",
    ] {
        assert!(Tile::parse(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn tiles_of_the_spec_examples() {
    let hashes = |level, index, partial| Tile {
        kind: TileKind::Hashes { level },
        index,
        partial,
    };
    // 70,000: 273 full level-0 tiles, a partial one of 112, one full level-1 tile, a partial one
    // of 17, a partial level-2 tile of 1.
    let size = 70_000;
    assert!(hashes(0, 272, None).span_in(size).is_some());
    assert!(hashes(0, 273, None).span_in(size).is_none());
    assert!(hashes(0, 273, Some(112)).span_in(size).is_some());
    assert!(hashes(0, 273, Some(113)).span_in(size).is_none());
    assert!(hashes(1, 0, None).span_in(size).is_some());
    assert!(hashes(1, 1, None).span_in(size).is_none());
    assert!(hashes(1, 1, Some(17)).span_in(size).is_some());
    assert!(hashes(1, 1, Some(18)).span_in(size).is_none());
    assert!(hashes(2, 0, Some(1)).span_in(size).is_some());
    assert!(hashes(2, 0, Some(2)).span_in(size).is_none());
    // 256: a full level-0 tile and a partial level-1 tile of 1.
    assert!(hashes(0, 0, None).span_in(256).is_some());
    assert!(hashes(1, 0, Some(1)).span_in(256).is_some());
    assert!(hashes(1, 0, Some(2)).span_in(256).is_none());
    // Past the tree's levels and indexes: nothing, no overflow.
    assert!(hashes(8, 0, Some(1)).span_in(u64::MAX).is_none());
    assert!(hashes(63, u64::MAX, None).span_in(u64::MAX).is_none());
    assert!(hashes(0, u64::MAX, Some(1)).span_in(u64::MAX).is_none());
    assert!(hashes(7, 0, Some(255)).span_in(u64::MAX).is_some());
}

// ---- A third-party reader, written from c2sp.org/tlog-tiles and RFC 6962 alone (sha2 only). ----

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// MTH of consecutive subtree hashes (2^k of them).
fn subtree_root(hashes: &[[u8; 32]]) -> [u8; 32] {
    match hashes {
        [one] => *one,
        _ => {
            let (left, right) = hashes.split_at(hashes.len() / 2);
            sha256(&[&[1], &subtree_root(left), &subtree_root(right)])
        }
    }
}

/// `tile/<L>/<N>[.p/<W>]` for the tile of level `level`, index `n` in a tree of `size`.
fn spec_path(kind: &str, level: u32, n: u64, size: u64) -> (String, usize) {
    let hashes_at_level = size >> (8 * level);
    let width = if (n + 1) * 256 <= hashes_at_level {
        256
    } else {
        hashes_at_level % 256
    };
    let digits = n.to_string();
    let padded = format!("{}{digits}", "0".repeat((3 - digits.len() % 3) % 3));
    let groups: Vec<&str> = padded
        .as_bytes()
        .chunks(3)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let (last, leading) = groups.split_last().unwrap();
    let mut path = format!("tile/{kind}/");
    for group in leading {
        path.push_str(&format!("x{group}/"));
    }
    path.push_str(last);
    if width < 256 {
        path.push_str(&format!(".p/{width}"));
    }
    (path, width as usize)
}

/// The root of the tree of `size` leaves from its tiles: each complete subtree of the size's
/// decomposition is hashed from the tile holding the level just at or below its height.
fn root_from_tiles(store: &MemoryStore, size: u64) -> [u8; 32] {
    let mut parts = Vec::new();
    let mut start = 0u64;
    for height in (0..64u32).rev() {
        if size >> height & 1 == 0 {
            continue;
        }
        let (level, rest) = (height / 8, height % 8);
        let first = start >> (8 * level);
        let (path, width) = spec_path(&level.to_string(), level, first / 256, size);
        let tile = get(store, &path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}"))
            .body;
        assert_eq!(tile.len(), width * 32, "{path}");
        let hashes: Vec<[u8; 32]> = tile.chunks(32).map(|c| c.try_into().unwrap()).collect();
        let offset = (first % 256) as usize;
        parts.push(subtree_root(&hashes[offset..offset + (1 << rest)]));
        start += 1 << height;
    }
    let mut parts = parts.into_iter().rev();
    let Some(last) = parts.next() else {
        return sha256(&[]);
    };
    parts.fold(last, |right, left| sha256(&[&[1], &left, &right]))
}

/// The root hash line of the served checkpoint.
fn checkpoint_root(store: &MemoryStore) -> [u8; 32] {
    use base64::Engine;
    let note = String::from_utf8(get(store, "checkpoint").unwrap().body).unwrap();
    let line = note.lines().nth(2).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(line)
        .unwrap()
        .try_into()
        .unwrap()
}

#[test]
fn the_root_rebuilt_from_tiles_is_the_checkpoints() {
    for size in [1, 2, 255, 256, 257, 511, 65_536, 70_000] {
        let (store, root) = synthetic(size);
        let served = checkpoint_root(&store);
        assert_eq!(served, root.0, "size {size}");
        assert_eq!(root_from_tiles(&store, size), served, "size {size}");
    }
}

#[test]
fn entry_bundles_hash_to_the_leaves() {
    let size = 600;
    let (store, root) = real_log(size);
    let mut leaves = Vec::new();
    for n in 0..=size / 256 {
        let (path, width) = spec_path("entries", 0, n, size);
        let bundle = get(&store, &path).unwrap();
        assert_eq!(bundle.content_type, "application/octet-stream");
        let mut rest = bundle.body.as_slice();
        let mut hashes = Vec::new();
        while let [a, b, tail @ ..] = rest {
            let len = usize::from(u16::from_be_bytes([*a, *b]));
            let (entry, tail) = tail.split_at(len);
            hashes.push(sha256(&[&[0], entry]));
            rest = tail;
        }
        assert!(rest.is_empty());
        assert_eq!(hashes.len(), width, "{path}");
        let (tile, _) = spec_path("0", 0, n, size);
        let level0 = get(&store, &tile).unwrap().body;
        assert_eq!(level0, hashes.concat(), "{path} against {tile}");
        leaves.extend(hashes);
    }
    assert_eq!(leaves.len() as u64, size);
    // The leaves from the bundles alone give the checkpoint's root (RFC 6962 MTH).
    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let split = leaves.len().next_power_of_two() / 2;
        let (left, right) = leaves.split_at(split);
        sha256(&[&[1], &mth(left), &mth(right)])
    }
    assert_eq!(mth(&leaves), root.0);
    assert_eq!(checkpoint_root(&store), root.0);
}

#[test]
fn caching_follows_fullness() {
    let (store, _) = real_log(300);
    let full = get(&store, "tile/0/000").unwrap();
    assert_eq!((full.cache_control, full.body.len()), (IMMUTABLE, 8192));
    let partial = get(&store, "tile/0/001.p/44").unwrap();
    assert_eq!(
        (partial.cache_control, partial.body.len()),
        (SHORT_LIVED, 44 * 32)
    );
    // A partial tile is a prefix of the full one.
    let prefix = get(&store, "tile/0/000.p/10").unwrap();
    assert_eq!(prefix.body, full.body[..320]);
    assert_eq!(
        get(&store, "tile/entries/000").unwrap().cache_control,
        IMMUTABLE
    );
    let checkpoint = get(&store, "checkpoint").unwrap();
    assert_eq!(
        (checkpoint.cache_control, checkpoint.content_type),
        (SHORT_LIVED, "text/plain; charset=utf-8")
    );
}

#[test]
fn bad_paths_are_refused_never_a_panic() {
    let (store, _) = real_log(300);
    for (path, expected) in [
        ("tile/0/000", 200),
        ("tile/1/000.p/1", 200),
        ("tile/entries/001.p/44", 200),
        // Malformed: 400.
        ("tile/0/abc", 400),
        ("tile/0/1", 400),
        ("tile/0/x001", 400),
        ("tile/00/000", 400),
        ("tile/64/000", 400),
        ("tile/0/000.p/0", 400),
        ("tile/0/000.p/256", 400),
        ("tile/0/x999/x999/x999/x999/x999/x999/x999/999", 400),
        ("tile/entries/abc.p/1", 400),
        // Beyond the tree of the checkpoint: 404.
        ("tile/0/001", 404),
        ("tile/0/001.p/45", 404),
        ("tile/0/002.p/1", 404),
        ("tile/entries/001", 404),
        ("tile/entries/001.p/45", 404),
        ("tile/1/000", 404),
        ("tile/1/000.p/2", 404),
        ("tile/2/000.p/1", 404),
        ("tile/8/000.p/1", 404),
        ("tile/63/x018/x446/x744/x073/x709/x551/615", 404),
        ("tile/0/x018/x446/x744/x073/x709/x551/615.p/255", 404),
        ("tiles/0/000", 404),
        ("checkpoints", 404),
    ] {
        assert_eq!(status(&store, path), expected, "{path}");
    }
    assert!(split_log_path("checkpoint").is_err());
    assert!(split_log_path("/checkpoint").is_err());
    assert!(split_log_path("/tile/0/000").is_err());
    // An origin holding `/tile/` still splits at the last one.
    assert_eq!(
        split_log_path("a.example/tile/x/tile/0/000").unwrap(),
        (
            "a.example/tile/x",
            Resource::Tile(Tile {
                kind: TileKind::Hashes { level: 0 },
                index: 0,
                partial: None,
            })
        )
    );
    // Before the first checkpoint, nothing is served.
    let empty = empty_store();
    for path in ["checkpoint", "tile/0/000.p/1", "tile/entries/000.p/1"] {
        assert_eq!(
            serve(&empty, split_log_path(&format!("o/{path}")).unwrap().1)
                .unwrap_err()
                .status()
                .as_u16(),
            404
        );
    }
}
