//! A value that readers load cheaply and a writer replaces whole: the membership, the node's logs,
//! its witness key and served policy, which a reload swaps at once while tasks keep reading.

use std::sync::{Arc, RwLock};

/// A shared, replaceable `Arc<T>`: [`Swap::load`] gives the value in force, [`Swap::store`]
/// replaces it for every later load; a reader holding an older `Arc` keeps a consistent view.
#[derive(Debug)]
pub struct Swap<T>(Arc<RwLock<Arc<T>>>);

impl<T> Clone for Swap<T> {
    fn clone(&self) -> Self {
        Swap(self.0.clone())
    }
}

impl<T> Swap<T> {
    /// A cell holding `value`.
    pub fn new(value: T) -> Self {
        Swap(Arc::new(RwLock::new(Arc::new(value))))
    }

    /// The value in force.
    pub fn load(&self) -> Arc<T> {
        match self.0.read() {
            Ok(value) => value.clone(),
            // A writer never panics while holding the lock (it only assigns); take the value.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the value for every later [`Swap::load`].
    pub fn store(&self, value: Arc<T>) {
        match self.0.write() {
            Ok(mut slot) => *slot = value,
            Err(poisoned) => *poisoned.into_inner() = value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_keeps_its_view_and_later_loads_see_the_new_value() {
        let cell = Swap::new(1);
        let handle = cell.clone();
        let before = cell.load();
        handle.store(Arc::new(2));
        assert_eq!((*before, *cell.load()), (1, 2));
    }
}
