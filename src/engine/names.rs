//! A table of per-name state (per stage, per metric, per node) with a cap on
//! how many distinct names it will hold, so a runner that invents a new stage
//! name per event cannot grow runtop's memory without bound.

use foldhash::HashMap;

#[derive(Debug, Clone)]
pub struct NameTable<T> {
    index: HashMap<Box<str>, usize>,
    entries: Vec<(Box<str>, T)>,
    cap: usize,
    /// Lookups refused because the table was full.
    overflow: u64,
}

impl<T> NameTable<T> {
    pub fn new(cap: usize) -> Self {
        NameTable {
            index: HashMap::default(),
            entries: Vec::new(),
            cap,
            overflow: 0,
        }
    }

    /// The entry for `name`, created with `make` if there is room.
    pub fn entry(&mut self, name: &str, make: impl FnOnce() -> T) -> Option<&mut T> {
        if let Some(&i) = self.index.get(name) {
            return Some(&mut self.entries[i].1);
        }
        if self.entries.len() >= self.cap {
            self.overflow += 1;
            return None;
        }
        self.index.insert(name.into(), self.entries.len());
        self.entries.push((name.into(), make()));
        self.entries.last_mut().map(|(_, v)| v)
    }

    pub fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).map(|&i| &self.entries[i].1)
    }

    /// Entries in the order their names were first seen.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn overflow(&self) -> u64 {
        self.overflow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_new_names_past_the_cap_and_counts_them() {
        let mut t = NameTable::new(2);
        *t.entry("a", || 0).unwrap() += 1;
        *t.entry("b", || 0).unwrap() += 1;
        assert!(t.entry("c", || 0).is_none());
        *t.entry("a", || 0).unwrap() += 1;
        assert_eq!(t.get("a"), Some(&2));
        assert_eq!(t.iter().count(), 2);
        assert_eq!(t.overflow(), 1);
        assert_eq!(t.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
    }
}
