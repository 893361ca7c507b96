//! The fence that keeps a node from signing over what its network already holds of its own log
//! (docs/operations.md#rollback-protection): a rolled-back store, or a second process signing
//! with the same key, would otherwise sign a size that peers hold with another root, and every
//! witness would distrust the log for good.

use std::sync::atomic::{AtomicU64, Ordering};

/// The largest size of this node's own log that a peer holds, signed by the log and cosigned by
/// another member. Only rises. While the node's tree is smaller, its sequencer appends and signs
/// nothing (the store must first be restored from the network).
#[derive(Debug, Default)]
pub struct Fence {
    size: AtomicU64,
}

impl Fence {
    /// Raises the fence to `size` (a lower size changes nothing). Returns true when it rose.
    pub fn raise(&self, size: u64) -> bool {
        self.size.fetch_max(size, Ordering::SeqCst) < size
    }

    /// The size the network holds.
    pub fn size(&self) -> u64 {
        self.size.load(Ordering::SeqCst)
    }

    /// Why a tree of `held` records may not grow or be signed, if the fence is above it.
    pub fn check(&self, held: u64) -> Result<(), String> {
        let fence = self.size();
        if fence > held {
            return Err(format!(
                "the network holds this log up to size {fence}, beyond the {held} records of \
                 this node's store: the store was rolled back or another process signs with this \
                 log's key; restart the node to restore the log from the network"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rises_only() {
        let fence = Fence::default();
        assert!(fence.check(0).is_ok());
        assert!(fence.raise(10));
        assert!(!fence.raise(5));
        assert!(!fence.raise(10));
        assert_eq!(fence.size(), 10);
        assert!(fence.check(10).is_ok());
        let refused = fence.check(9).unwrap_err();
        assert!(refused.contains("up to size 10"), "{refused}");
    }
}
