//! Sharing the names events repeat (projects, nodes, workflows, stages,
//! task ids, metric names): each execution's copy is one shared string, so
//! a million events allocate a few hundred names rather than a string per
//! field, and freeing a finished execution frees little.
//!
//! Bounded like every table fed from the wire: past [`MAX_NAMES`] distinct
//! names, a new one is still returned, just not remembered, so a runner that
//! invents a name per event costs what it did before and no more.

use std::sync::Arc;

use foldhash::HashSet;

/// Most distinct names remembered.
pub const MAX_NAMES: usize = 4_096;

#[derive(Debug, Clone, Default)]
pub struct Interner {
    names: HashSet<Arc<str>>,
}

impl Interner {
    /// `name` as a shared string: the remembered one if there is one.
    pub fn share(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.names.get(name) {
            return Arc::clone(known);
        }
        let name: Arc<str> = Arc::from(name);
        if self.names.len() < MAX_NAMES {
            self.names.insert(Arc::clone(&name));
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_share_one_string_and_the_table_is_bounded() {
        let mut names = Interner::default();
        let a = names.share("prep");
        assert!(Arc::ptr_eq(&a, &names.share("prep")));
        for i in 0..MAX_NAMES * 2 {
            names.share(&format!("stage-{i}"));
        }
        assert_eq!(names.names.len(), MAX_NAMES);
        let late = names.share("never-seen");
        assert_eq!(&*late, "never-seen");
        assert!(!Arc::ptr_eq(&late, &names.share("never-seen")));
    }
}
