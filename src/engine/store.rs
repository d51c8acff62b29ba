//! Where executions live: the active ones, and a bounded history of finished
//! ones kept for drill-down.
//!
//! Three limits keep memory bounded whatever arrives: a cap on active
//! executions (the oldest is evicted), a cap on finished ones (the oldest is
//! forgotten), and a byte budget for the logs and metric samples they retain
//! (the oldest finished executions lose theirs first).
//!
//! Each execution is held behind an `Arc`, written copy-on-write: a screen
//! that froze its view (`p`) shares the executions it shows with the store,
//! and the store copies one only when an event changes it during the pause
//! (a deep copy of every execution held took 50 ms and doubled memory).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use hashbrown::hash_map::EntryRef;

use super::execution::{Execution, LogLine, MAX_LOGS, MetricSample};
use crate::protocol::Millis;

/// hashbrown's map rather than the standard library's (the same table) for
/// `entry_ref`: the event's execution is found, or made, with one lookup by
/// the id's text, where the standard map's entry API needs an owned key.
type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::RandomState>;

/// Bookkeeping overhead counted per retained log line or metric sample.
const ENTRY_OVERHEAD: usize = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    pub max_active: usize,
    pub max_finished: usize,
    pub max_retained_bytes: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            max_active: 100_000,
            max_finished: 10_000,
            max_retained_bytes: 16 << 20,
        }
    }
}

#[derive(Debug, Clone)]
struct Slot {
    seq: u64,
    exec: Arc<Execution>,
}

#[derive(Debug, Clone, Default)]
pub struct StoreCounters {
    /// Active executions dropped because the active cap was reached.
    pub evicted_active: u64,
    /// Finished executions forgotten because the history was full.
    pub evicted_finished: u64,
    /// Active executions given up on after going silent.
    pub abandoned: u64,
    /// Log lines and metric samples dropped to stay within the byte budget.
    pub trimmed: u64,
}

#[derive(Debug, Clone)]
pub struct ExecutionStore {
    limits: StoreLimits,
    // Keys share the execution's own `correlation_id`.
    active: HashMap<Arc<str>, Slot>,
    active_order: BTreeMap<u64, Arc<str>>,
    finished: HashMap<Arc<str>, Slot>,
    finished_order: VecDeque<(u64, Arc<str>)>,
    next_seq: u64,
    retained_bytes: usize,
    /// Entries of `finished_order` before this index have been trimmed.
    trim_pos: usize,
    pub counters: StoreCounters,
}

impl ExecutionStore {
    pub fn new(limits: StoreLimits) -> Self {
        ExecutionStore {
            limits,
            active: HashMap::default(),
            active_order: BTreeMap::new(),
            finished: HashMap::default(),
            finished_order: VecDeque::new(),
            next_seq: 0,
            retained_bytes: 0,
            trim_pos: 0,
            counters: StoreCounters::default(),
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn active_len(&self) -> usize {
        self.active.len()
    }

    pub fn finished_len(&self) -> usize {
        self.finished.len()
    }

    /// The execution by correlation id: the active one if there is one, else
    /// the finished one.
    pub fn get(&self, id: &str) -> Option<&Execution> {
        self.active
            .get(id)
            .or_else(|| self.finished.get(id))
            .map(|s| &*s.exec)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Execution> {
        match self.active.get_mut(id) {
            Some(slot) => Some(Arc::make_mut(&mut slot.exec)),
            None => self
                .finished
                .get_mut(id)
                .map(|s| Arc::make_mut(&mut s.exec)),
        }
    }

    /// The execution by correlation id as [`ExecutionStore::get_mut`] finds
    /// it, or else a new active one first heard of at `ts`; and whether it
    /// is new. One lookup for the common case, an event of a known
    /// execution.
    pub fn get_or_insert(&mut self, id: &str, ts: Millis) -> (&mut Execution, bool) {
        if self.active.len() >= self.limits.max_active {
            // Inserting evicts first, which the entry below would not allow.
            if self.get(id).is_some() {
                return (self.get_mut(id).expect("just found"), false);
            }
            return (self.insert_active(Execution::new(id, ts)), true);
        }
        match self.active.entry_ref(id) {
            EntryRef::Occupied(slot) => (Arc::make_mut(&mut slot.into_mut().exec), false),
            EntryRef::Vacant(vacant) => {
                if let Some(slot) = self.finished.get_mut(id) {
                    return (Arc::make_mut(&mut slot.exec), false);
                }
                // `insert_active`'s bookkeeping, written out: calling it
                // needs all of `self`, and the entry holds `active`.
                self.next_seq += 1;
                let seq = self.next_seq;
                let exec = Execution::new(id, ts);
                let key = exec.correlation_id.clone();
                self.active_order.insert(seq, key.clone());
                self.retained_bytes += retained_size(&exec);
                let slot = vacant.insert_with_key(
                    key,
                    Slot {
                        seq,
                        exec: Arc::new(exec),
                    },
                );
                (Arc::make_mut(&mut slot.exec), true)
            }
        }
    }

    pub fn get_active_mut(&mut self, id: &str) -> Option<&mut Execution> {
        self.active.get_mut(id).map(|s| Arc::make_mut(&mut s.exec))
    }

    /// Notes the live source an execution's latest event came from.
    pub fn note_source(&mut self, id: &str, source: usize) {
        // Looked at first: writing would copy an execution a paused screen
        // shares.
        if self.get(id).is_some_and(|e| e.source != Some(source))
            && let Some(e) = self.get_mut(id)
        {
            e.source = Some(source);
        }
    }

    pub fn get_finished(&self, id: &str) -> Option<&Execution> {
        self.finished.get(id).map(|s| &*s.exec)
    }

    /// Active executions, oldest first.
    pub fn active(&self) -> impl Iterator<Item = &Execution> {
        self.active_shared().map(|e| &**e)
    }

    /// Finished executions, most recent first.
    pub fn finished(&self) -> impl Iterator<Item = &Execution> {
        self.finished_shared().map(|e| &**e)
    }

    /// Active executions, oldest first, to share (a frozen view).
    pub fn active_shared(&self) -> impl Iterator<Item = &Arc<Execution>> {
        self.active_order
            .values()
            .filter_map(|id| self.active.get(id))
            .map(|s| &s.exec)
    }

    /// Finished executions, most recent first, to share.
    pub fn finished_shared(&self) -> impl Iterator<Item = &Arc<Execution>> {
        self.finished_order
            .iter()
            .rev()
            .filter_map(|(seq, id)| self.finished.get(id).filter(|s| s.seq == *seq))
            .map(|s| &s.exec)
    }

    /// Adds a new active execution, evicting the oldest one past the cap.
    pub fn insert_active(&mut self, exec: Execution) -> &mut Execution {
        if self.active.len() >= self.limits.max_active
            && let Some((_, oldest)) = self.active_order.pop_first()
            && let Some(slot) = self.active.remove(&oldest)
        {
            self.release(&slot.exec);
            self.counters.evicted_active += 1;
        }
        let seq = self.seq();
        let id = exec.correlation_id.clone();
        self.active_order.insert(seq, id.clone());
        self.retained_bytes += retained_size(&exec);
        let slot = self
            .active
            .entry(id)
            .insert(Slot {
                seq,
                exec: Arc::new(exec),
            })
            .into_mut();
        Arc::make_mut(&mut slot.exec)
    }

    /// Moves an active execution to the finished history (after its status
    /// was set, or it was abandoned).
    pub fn retire(&mut self, id: &str) {
        if let Some(slot) = self.active.remove(id) {
            self.active_order.remove(&slot.seq);
            self.insert_shared(slot.exec);
        }
    }

    /// Adds an execution to the finished history, replacing an older run
    /// under the same correlation id.
    pub fn insert_finished(&mut self, exec: Execution) {
        self.insert_shared(Arc::new(exec));
    }

    fn insert_shared(&mut self, mut exec: Arc<Execution>) {
        Arc::make_mut(&mut exec).compact();
        let seq = self.seq();
        let id = exec.correlation_id.clone();
        if let Some(old) = self.finished.insert(id.clone(), Slot { seq, exec }) {
            self.release(&old.exec);
        }
        self.finished_order.push_back((seq, id));
        while self.finished.len() > self.limits.max_finished {
            self.pop_oldest_finished();
        }
        // Entries whose run was replaced leave stale ids in the order; keep
        // it from growing past twice the history.
        while self.finished_order.len() > 2 * self.limits.max_finished.max(1) {
            self.pop_oldest_finished();
        }
    }

    fn pop_oldest_finished(&mut self) {
        let Some((seq, id)) = self.finished_order.pop_front() else {
            return;
        };
        self.trim_pos = self.trim_pos.saturating_sub(1);
        if self.finished.get(&id).is_some_and(|s| s.seq == seq)
            && let Some(slot) = self.finished.remove(&id)
        {
            self.release(&slot.exec);
            self.counters.evicted_finished += 1;
        }
    }

    /// Moves every active execution silent since before `cutoff` to the
    /// finished history, marked abandoned.
    pub fn abandon_silent(&mut self, cutoff: Millis) {
        let silent: Vec<Arc<str>> = self
            .active
            .iter()
            .filter(|(_, s)| s.exec.last_event_at < cutoff)
            .map(|(id, _)| id.clone())
            .collect();
        for id in silent {
            if let Some(slot) = self.active.get_mut(&id) {
                Arc::make_mut(&mut slot.exec).abandoned = true;
            }
            self.retire(&id);
            self.counters.abandoned += 1;
        }
    }

    /// Keeps a log line with its execution, after handing the execution to
    /// `touch` (one lookup for both); says the execution's id if there is
    /// one.
    pub fn push_log(
        &mut self,
        id: &str,
        line: LogLine,
        touch: impl FnOnce(&mut Execution),
    ) -> Option<Arc<str>> {
        self.push_retained(id, line, log_size, |e| &mut e.logs, touch, Arc::clone)
    }

    /// Keeps a metric sample with its execution, after handing the
    /// execution to `touch`.
    pub fn push_metric(
        &mut self,
        id: &str,
        sample: MetricSample,
        touch: impl FnOnce(&mut Execution),
    ) {
        // The id is not wanted: cloning it only to drop it was two atomic
        // operations per sample.
        self.push_retained(id, sample, metric_size, |e| &mut e.metrics, touch, |_| ());
    }

    /// Appends to one of an execution's bounded rings (logs, metric
    /// samples), within the byte budget and the per-execution cap, and says
    /// what `id_of` makes of the execution's id if there is one.
    fn push_retained<T, R>(
        &mut self,
        id: &str,
        item: T,
        size_of: fn(&T) -> usize,
        ring: fn(&mut Execution) -> &mut VecDeque<T>,
        touch: impl FnOnce(&mut Execution),
        id_of: impl FnOnce(&Arc<str>) -> R,
    ) -> Option<R> {
        let size = size_of(&item);
        let fits = self.make_room(size);
        let Some(exec) = self.get_mut(id) else {
            self.counters.trimmed += u64::from(!fits);
            return None;
        };
        touch(exec);
        let shared_id = id_of(&exec.correlation_id);
        if !fits {
            self.counters.trimmed += 1;
            return Some(shared_id);
        }
        let ring = ring(exec);
        let freed = if ring.len() >= MAX_LOGS {
            ring.pop_front().map_or(0, |old| size_of(&old))
        } else {
            0
        };
        ring.push_back(item);
        exec.retained_bytes = exec.retained_bytes + size - freed;
        self.retained_bytes = self.retained_bytes + size - freed;
        Some(shared_id)
    }

    /// Frees retained bytes by trimming the oldest finished executions' logs
    /// until `size` more fit. False if even that is not enough.
    fn make_room(&mut self, size: usize) -> bool {
        while self.retained_bytes + size > self.limits.max_retained_bytes {
            let Some((seq, id)) = self.finished_order.get(self.trim_pos).cloned() else {
                return false;
            };
            self.trim_pos += 1;
            if let Some(slot) = self.finished.get_mut(&id).filter(|s| s.seq == seq) {
                let freed = retained_size(&slot.exec);
                self.counters.trimmed += (slot.exec.logs.len() + slot.exec.metrics.len()) as u64;
                let exec = Arc::make_mut(&mut slot.exec);
                exec.logs.clear();
                exec.metrics.clear();
                exec.retained_bytes = 0;
                self.retained_bytes -= freed;
            }
        }
        true
    }

    fn release(&mut self, exec: &Execution) {
        self.retained_bytes -= retained_size(exec);
    }

    /// Bytes of logs and metric samples currently retained.
    pub fn retained_bytes(&self) -> usize {
        self.retained_bytes
    }
}

fn log_size(line: &LogLine) -> usize {
    line.message.len() + ENTRY_OVERHEAD
}

fn metric_size(sample: &MetricSample) -> usize {
    sample.name.len() + ENTRY_OVERHEAD
}

fn retained_size(exec: &Execution) -> usize {
    debug_assert_eq!(
        exec.retained_bytes,
        exec.logs.iter().map(log_size).sum::<usize>()
            + exec.metrics.iter().map(metric_size).sum::<usize>(),
        "an execution's retained bytes kept as its logs and metrics change"
    );
    exec.retained_bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{LogLevel, Status};

    fn limits(max_active: usize, max_finished: usize, max_retained_bytes: usize) -> StoreLimits {
        StoreLimits {
            max_active,
            max_finished,
            max_retained_bytes,
        }
    }

    fn finish(store: &mut ExecutionStore, id: &str) {
        store
            .get_active_mut(id)
            .unwrap()
            .set_finish(1, Status::Ok, None, None);
        store.retire(id);
    }

    #[test]
    fn evicts_the_oldest_active_and_forgets_the_oldest_finished() {
        let mut s = ExecutionStore::new(limits(2, 2, 1 << 20));
        for id in ["a", "b", "c"] {
            s.insert_active(Execution::new(id, 0));
        }
        assert_eq!(
            s.active().map(|e| &*e.correlation_id).collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert_eq!(s.counters.evicted_active, 1);
        finish(&mut s, "b");
        finish(&mut s, "c");
        s.insert_active(Execution::new("d", 0));
        finish(&mut s, "d");
        assert_eq!(
            s.finished().map(|e| &*e.correlation_id).collect::<Vec<_>>(),
            ["d", "c"]
        );
        assert_eq!(s.counters.evicted_finished, 1);
        assert!(s.get("b").is_none());
    }

    #[test]
    fn a_rerun_replaces_the_finished_record_without_losing_the_order() {
        let mut s = ExecutionStore::new(limits(10, 2, 1 << 20));
        for id in ["a", "b", "a"] {
            s.insert_active(Execution::new(id, 0));
            finish(&mut s, id);
        }
        assert_eq!(s.finished_len(), 2);
        assert_eq!(
            s.finished().map(|e| &*e.correlation_id).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn get_or_insert_finds_the_active_then_the_finished_run_else_adds_one() {
        let mut s = ExecutionStore::new(limits(2, 10, 1 << 20));
        s.insert_active(Execution::new("done", 0));
        finish(&mut s, "done");
        s.insert_active(Execution::new("live", 1));
        let (e, new) = s.get_or_insert("live", 9);
        assert_eq!((e.last_event_at, new), (1, false));
        let (e, new) = s.get_or_insert("done", 9);
        assert!(!new && e.status.is_some());
        assert!(s.get_or_insert("fresh", 9).1);
        assert_eq!(s.get("fresh").unwrap().last_event_at, 9);
        // At the cap a new one evicts the oldest active, as inserting does.
        assert!(s.get_or_insert("another", 10).1);
        assert_eq!(s.active_len(), 2);
        assert!(s.get("live").is_none());
        assert_eq!(s.counters.evicted_active, 1);
        assert_eq!(
            s.active().map(|e| &*e.correlation_id).collect::<Vec<_>>(),
            ["fresh", "another"]
        );
    }

    #[test]
    fn silent_executions_are_abandoned() {
        let mut s = ExecutionStore::new(StoreLimits::default());
        s.insert_active(Execution::new("old", 0));
        s.insert_active(Execution::new("new", 5_000));
        s.abandon_silent(1_000);
        assert_eq!(s.active_len(), 1);
        assert!(s.get_finished("old").unwrap().abandoned);
        assert_eq!(s.counters.abandoned, 1);
    }

    #[test]
    fn retained_logs_stay_within_the_byte_budget() {
        let budget = 10 * (10 + ENTRY_OVERHEAD);
        let mut s = ExecutionStore::new(limits(10, 10, budget));
        let line = |i| LogLine {
            ts: i,
            level: LogLevel::Info,
            message: "0123456789".into(),
        };
        s.insert_active(Execution::new("done", 0));
        for i in 0..8 {
            s.push_log("done", line(i), |_| {});
        }
        finish(&mut s, "done");
        s.insert_active(Execution::new("live", 0));
        for i in 0..8 {
            s.push_log("live", line(i), |_| {});
        }
        assert!(s.retained_bytes() <= budget);
        assert!(
            s.get("done").unwrap().logs.is_empty(),
            "the finished one is trimmed first"
        );
        assert_eq!(s.get("live").unwrap().logs.len(), 8);
        // With nothing finished left to trim, new lines are dropped and counted.
        for i in 0..5 {
            s.push_log("live", line(i), |_| {});
        }
        assert!(s.retained_bytes() <= budget);
        assert!(s.counters.trimmed >= 8 + 3);
    }
}
