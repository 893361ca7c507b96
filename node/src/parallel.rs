//! The one helper that spreads signature checks over the machine's cores: the sequencer checks
//! evidence signatures with it, and mirrors (and the benchmarks' catch-up) the signatures of the
//! records they copy ([`verify_records`]).

use ledger_format::replay::{ReplayError, VerifiedRecord};

/// Runs `check(index, item)` for every item and returns the results in order. Each item is a
/// batch of work (a chunk of [`VERIFY_CHUNK`] signatures): one stays on the calling thread, two or
/// more are spread over every core. Returns `None` when a worker thread panicked (its items were
/// not checked).
pub fn on_every_core<T, R, F>(items: &[T], check: F) -> Option<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T) -> R + Sync,
{
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if items.len() < 2 || threads < 2 {
        return Some(items.iter().enumerate().map(|(i, t)| check(i, t)).collect());
    }
    let chunk = items.len().div_ceil(threads);
    let check = &check;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, item)| check(n * chunk + i, item))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for worker in workers {
            out.extend(worker.join().ok()?);
        }
        Some(out)
    })
}

/// Records checked together in one batch verification ([`VerifiedRecord::check_all`]).
pub const VERIFY_CHUNK: usize = 256;

/// Decodes the consecutive records `records` (the first at position `start`) and verifies their
/// signatures in batches of [`VERIFY_CHUNK`] on every core; the first record that fails names the
/// error, as checking them in order would. What every mirror (and the benchmarks' catch-up) runs
/// before the replay's other checks.
///
/// # Errors
/// The [`ReplayError`] of the first bad record.
pub fn verify_records(start: u64, records: &[Vec<u8>]) -> Result<Vec<VerifiedRecord>, ReplayError> {
    let chunks: Vec<&[Vec<u8>]> = records.chunks(VERIFY_CHUNK).collect();
    let checked = on_every_core(&chunks, |n, chunk| {
        VerifiedRecord::check_all(chunk, start + (n * VERIFY_CHUNK) as u64)
    })
    // A worker that panicked checked nothing: the range is refused from its start.
    .unwrap_or_else(|| vec![Err(ReplayError::Signature(start))]);
    let mut verified = Vec::with_capacity(records.len());
    for chunk in checked {
        verified.extend(chunk?);
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_their_order_and_indexes() {
        for len in [0, 1, 2, 3, 1_001] {
            let items: Vec<u64> = (0..len as u64).collect();
            let out = on_every_core(&items, |i, item| (i as u64, item * 2)).unwrap();
            assert_eq!(out.len(), len);
            for (i, (index, doubled)) in out.into_iter().enumerate() {
                assert_eq!(index, i as u64);
                assert_eq!(doubled, 2 * i as u64);
            }
        }
    }
}
