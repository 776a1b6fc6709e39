//! A small per-thread memo of recent designs (filter sections, taper
//! windows, FFT plans and weights). A workflow applies one step with the
//! same parameters to every datum, so each worker thread designs once and
//! reuses the result for every trace of the same rate and length.

use crate::Result;
use std::cell::RefCell;
use std::rc::Rc;

/// Entries kept per memo; the oldest is dropped first.
const CAPACITY: usize = 8;

pub struct Memo<K, V> {
    entries: RefCell<Vec<(K, Rc<V>)>>,
}

impl<K: PartialEq, V> Memo<K, V> {
    pub const fn new() -> Self {
        Self {
            entries: RefCell::new(Vec::new()),
        }
    }

    /// The value for `key`, made by `make` (and kept) when absent.
    pub fn get_or_try(&self, key: K, make: impl FnOnce() -> Result<V>) -> Result<Rc<V>> {
        if let Some((_, v)) = self.entries.borrow().iter().find(|(k, _)| *k == key) {
            return Ok(Rc::clone(v));
        }
        let v = Rc::new(make()?);
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= CAPACITY {
            entries.remove(0);
        }
        entries.push((key, Rc::clone(&v)));
        Ok(v)
    }
}

impl<K: PartialEq, V> Default for Memo<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_once_per_key_and_forgets_the_oldest() {
        let memo = Memo::<usize, usize>::new();
        let mut made = 0;
        for k in [1, 2, 1, 2] {
            memo.get_or_try(k, || {
                made += 1;
                Ok(k * 10)
            })
            .unwrap();
        }
        assert_eq!(made, 2);
        for k in 3..3 + CAPACITY {
            memo.get_or_try(k, || Ok(k)).unwrap();
        }
        let mut again = false;
        memo.get_or_try(1, || {
            again = true;
            Ok(10)
        })
        .unwrap();
        assert!(again);
        assert!(memo
            .get_or_try(99, || crate::algorithms::invalid("no"))
            .is_err());
    }
}
