//! The C2SP tlog-tiles read API (c2sp.org/tlog-tiles; docs/format.md#tlog-tiles): the signed
//! checkpoint, the hash tiles and the entry bundles of every log the node holds, as static,
//! cacheable resources beside the JSON API.
//!
//! The node's own log is served at the root prefix (`/checkpoint`, `/tile/…`), every log it holds
//! (its own included) under `/logs/<origin>/` (the origin as it is, slashes included). Tiles are
//! read from the store's tree through [`TreeReader`]: tile level `L` holds the tree's level `8L`,
//! which the store keeps (docs/format.md#store-tree), so no tile is computed from a second tree.
//! Resources exist up to the size of the latest checkpoint the node holds for the log: a full tile
//! never changes once served and is cached for a year; the checkpoint and partial tiles change
//! as the log grows and are cached for a few seconds.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use ledger_format::merkle::{HashReader, NodeId};

use super::extract::ApiPath;
use super::{ApiError, ApiState};
use crate::export;
use crate::store::{Store, TreeReader};

/// Hashes in a full tile, and entries in a full entry bundle.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels one tile level spans: tile level `L` holds the tree's level `8L`.
const TILE_HEIGHT: u8 = 8;
/// Longest entry an entry bundle can carry: its length prefix is a big-endian `u16` (the node
/// appends no longer record).
pub const MAX_ENTRY_LEN: usize = crate::sequencer::MAX_APPENDED_RECORD_LEN;
/// `Cache-Control` of full tiles and full entry bundles: they never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the checkpoint and of partial tiles: the checkpoint changes as the log
/// grows, and a partial tile gives way to a wider one.
pub const SHORT_LIVED: &str = "public, max-age=5";

/// What a tile path names: hashes of the tree or entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// `tile/<L>/…`: hashes of the tree's level `8L`.
    Hashes {
        /// The tile level `L`.
        level: u8,
    },
    /// `tile/entries/…`: the log's entries (record bytes).
    Entries,
}

/// A tile or entry bundle: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// Hashes or entries.
    pub kind: TileKind,
    /// `N`: the tile's index within its level.
    pub index: u64,
    /// `W` of a partial tile (1 to 255); `None` for a full one (256 wide).
    pub partial: Option<u8>,
}

/// Why a tile path is malformed (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad tile path: {0}")]
pub struct TilePathError(String);

fn bad(reason: impl Into<String>) -> TilePathError {
    TilePathError(reason.into())
}

/// The path elements of a tile index: zero-padded groups of 3 digits, all but the last prefixed
/// by `x` (1234067 → `x001/x234/067`).
pub fn encode_index(index: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// Parses [`encode_index`]'s form, which is the only one accepted (no leading `x000` group).
///
/// # Errors
/// [`TilePathError`] naming what is wrong.
pub fn parse_index(elements: &[&str]) -> Result<u64, TilePathError> {
    let Some((last, leading)) = elements.split_last() else {
        return Err(bad("no tile index"));
    };
    let mut index = 0u64;
    for (n, element) in leading.iter().enumerate() {
        let digits = element
            .strip_prefix('x')
            .ok_or_else(|| bad(format!("index element {element:?} lacks its leading x")))?;
        let group = group(digits)?;
        if n == 0 && group == 0 {
            return Err(bad("index has a leading x000 element"));
        }
        index = push_group(index, group)?;
    }
    push_group(index, group(last)?)
}

fn group(digits: &str) -> Result<u64, TilePathError> {
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("index element {digits:?} is not 3 digits")));
    }
    digits
        .parse()
        .map_err(|_| bad(format!("index element {digits:?} is not 3 digits")))
}

fn push_group(index: u64, group: u64) -> Result<u64, TilePathError> {
    index
        .checked_mul(1000)
        .and_then(|i| i.checked_add(group))
        .ok_or_else(|| bad("index above 2^64 - 1"))
}

/// A decimal number with no sign and no leading zero, at most `max`.
fn small_number(what: &str, text: &str, max: u8) -> Result<u8, TilePathError> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    text.parse::<u8>()
        .ok()
        .filter(|n| canonical && *n <= max)
        .ok_or_else(|| {
            bad(format!(
                "{what} {text:?} is not a decimal number from 0 to {max}"
            ))
        })
}

impl Tile {
    /// Parses the path below `tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
    ///
    /// # Errors
    /// [`TilePathError`] for anything but the spec's form: `L` from 0 to 63, the index in
    /// [`encode_index`]'s form, `W` from 1 to 255, no leading zeros.
    pub fn parse(path: &str) -> Result<Tile, TilePathError> {
        let elements: Vec<&str> = path.split('/').collect();
        let Some((first, rest)) = elements.split_first() else {
            return Err(bad("empty"));
        };
        let kind = match *first {
            "entries" => TileKind::Entries,
            level => TileKind::Hashes {
                level: small_number("level", level, 63)?,
            },
        };
        let (index, partial) = match rest {
            [leading @ .., last, width] if last.ends_with(".p") => {
                let width = small_number("width", width, 255)?;
                if width == 0 {
                    return Err(bad("width 0: empty tiles are not served"));
                }
                let mut index = leading.to_vec();
                index.push(last.strip_suffix(".p").unwrap_or(last));
                (index, Some(width))
            }
            index => (index.to_vec(), None),
        };
        Ok(Tile {
            kind,
            index: parse_index(&index)?,
            partial,
        })
    }

    /// The path below `tile/`, as [`Tile::parse`] reads it.
    pub fn path(&self) -> String {
        let kind = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_owned(),
        };
        let partial = self.partial.map(|w| format!(".p/{w}")).unwrap_or_default();
        format!("{kind}/{}{partial}", encode_index(self.index))
    }

    /// Hashes or entries in it: `W`, or 256 for a full tile.
    pub fn width(&self) -> u64 {
        self.partial.map_or(TILE_WIDTH, u64::from)
    }

    /// The tree level its hashes are at (0 for entries); `None` past the tree's 63 levels.
    pub fn tree_level(&self) -> Option<u8> {
        match self.kind {
            TileKind::Entries => Some(0),
            TileKind::Hashes { level } => level.checked_mul(TILE_HEIGHT).filter(|l| *l < 64),
        }
    }

    /// The tree nodes (or entries) it holds, `[start, end)` at its tree level; `None` when they
    /// are not all complete in a tree of `size` leaves.
    pub fn span_in(&self, size: u64) -> Option<(u64, u64)> {
        let level = self.tree_level()?;
        let complete = size >> level;
        let start = self.index.checked_mul(TILE_WIDTH)?;
        let end = start.checked_add(self.width())?;
        (end <= complete).then_some((start, end))
    }
}

/// A resource below a log's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// `checkpoint`.
    Checkpoint,
    /// `tile/…`.
    Tile(Tile),
}

/// A resource's bytes and how long it may be cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The body.
    pub body: Vec<u8>,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Cache-Control`.
    pub cache_control: &'static str,
}

impl IntoResponse for Served {
    fn into_response(self) -> Response {
        (
            [
                (CONTENT_TYPE, self.content_type),
                (CACHE_CONTROL, self.cache_control),
            ],
            self.body,
        )
            .into_response()
    }
}

/// Reads `resource` of the log in `store`.
///
/// # Errors
/// [`ApiError::NotFound`] before the first checkpoint and for a tile the latest checkpoint does
/// not cover (beyond the tree, or a full tile whose tree is still partial there);
/// [`ApiError::Internal`] when the store fails or lacks a node or record it should hold, or a
/// record is longer than an entry bundle can carry ([`MAX_ENTRY_LEN`]).
pub fn serve(store: &dyn Store, resource: Resource) -> Result<Served, ApiError> {
    let latest = store
        .latest_checkpoint()?
        .ok_or_else(|| ApiError::NotFound("no checkpoint has been signed yet".into()))?;
    let tile = match resource {
        Resource::Checkpoint => {
            return Ok(Served {
                body: export::served_note(store, &latest)?.into_bytes(),
                content_type: "text/plain; charset=utf-8",
                cache_control: SHORT_LIVED,
            });
        }
        Resource::Tile(tile) => tile,
    };
    let (Some(level), Some((start, end))) = (tile.tree_level(), tile.span_in(latest.size)) else {
        return Err(ApiError::NotFound(format!(
            "tile/{} is not in the tree of the latest checkpoint ({} entries)",
            tile.path(),
            latest.size
        )));
    };
    let body = match tile.kind {
        TileKind::Hashes { .. } => hash_tile(store, level, start, end)?,
        TileKind::Entries => entry_bundle(store, start, end)?,
    };
    Ok(Served {
        body,
        content_type: "application/octet-stream",
        cache_control: if tile.partial.is_some() {
            SHORT_LIVED
        } else {
            IMMUTABLE
        },
    })
}

/// The hashes of nodes `[start, end)` of tree level `level`, concatenated.
fn hash_tile(store: &dyn Store, level: u8, start: u64, end: u64) -> Result<Vec<u8>, ApiError> {
    let ids: Vec<NodeId> = (start..end).map(|index| NodeId { level, index }).collect();
    let hashes = TreeReader(store)
        .read_hashes(&ids)
        .map_err(|e| ApiError::Internal(format!("tree: {e}")))?;
    Ok(hashes.iter().flat_map(|hash| hash.0).collect())
}

/// Records `[start, end)`, each as a big-endian `u16` length and its canonical bytes (whose RFC
/// 6962 leaf hash is the tree's leaf).
fn entry_bundle(store: &dyn Store, start: u64, end: u64) -> Result<Vec<u8>, ApiError> {
    let records = store.records(start, end)?;
    if records.len() as u64 != end - start {
        return Err(ApiError::Internal(format!(
            "store: {} of records {start}..{end} read",
            records.len()
        )));
    }
    let mut body = Vec::with_capacity(records.iter().map(|r| r.len() + 2).sum());
    for (index, record) in (start..).zip(&records) {
        let len = u16::try_from(record.len()).map_err(|_| {
            ApiError::Internal(format!(
                "record {index} is {} bytes, longer than an entry bundle carries ({MAX_ENTRY_LEN})",
                record.len()
            ))
        })?;
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(record);
    }
    Ok(body)
}

/// Splits the path below `/logs/`: `<origin>/checkpoint` or `<origin>/tile/…` (the origin may
/// hold slashes; the resource is what follows its last `/tile/`).
///
/// # Errors
/// [`ApiError::NotFound`] for any other path; [`ApiError::BadRequest`] for a malformed tile path.
pub fn split_log_path(path: &str) -> Result<(&str, Resource), ApiError> {
    let (origin, resource) = if let Some(origin) = path.strip_suffix("/checkpoint") {
        (origin, Resource::Checkpoint)
    } else if let Some((origin, tile)) = path.rsplit_once("/tile/") {
        (origin, Resource::Tile(parse_tile(tile)?))
    } else {
        return Err(ApiError::NotFound(
            "no such resource: a log's prefix serves checkpoint and tile/…".into(),
        ));
    };
    if origin.is_empty() {
        return Err(ApiError::NotFound("no log origin in the path".into()));
    }
    Ok((origin, resource))
}

fn parse_tile(path: &str) -> Result<Tile, ApiError> {
    Tile::parse(path).map_err(|e| ApiError::bad_request("path", e.to_string()))
}

async fn serve_log(
    state: &ApiState,
    origin: Option<String>,
    resource: Resource,
) -> Result<Served, ApiError> {
    state
        .read_log(origin.as_deref(), move |store, _| serve(store, resource))
        .await?
}

/// `GET /checkpoint`: the node's own log's latest signed note, with the cosignatures it holds.
///
/// # Errors
/// 404 before the first checkpoint.
pub async fn checkpoint(State(state): State<ApiState>) -> Result<Served, ApiError> {
    serve_log(&state, None, Resource::Checkpoint).await
}

/// `GET /tile/{path}`: a hash tile or entry bundle of the node's own log.
///
/// # Errors
/// 400 for a malformed path, 404 for a tile the latest checkpoint does not cover.
pub async fn tile(
    State(state): State<ApiState>,
    ApiPath(path): ApiPath<String>,
) -> Result<Served, ApiError> {
    let tile = parse_tile(&path)?;
    serve_log(&state, None, Resource::Tile(tile)).await
}

/// `GET /logs/{origin}/checkpoint` and `GET /logs/{origin}/tile/{path}`: the same resources of
/// any log the node holds.
///
/// # Errors
/// 404 for a log the node does not hold and as [`tile`].
pub async fn log_resource(
    State(state): State<ApiState>,
    ApiPath(path): ApiPath<String>,
) -> Result<Served, ApiError> {
    let (origin, resource) = split_log_path(&path)?;
    serve_log(&state, Some(origin.to_owned()), resource).await
}

#[cfg(test)]
#[path = "tiles_tests.rs"]
mod tests;
