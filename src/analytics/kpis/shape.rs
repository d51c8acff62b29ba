//! What one finished execution says about efficiency: how its tasks
//! overlapped (parallelism used, busy work, wall time), how long it took to
//! start, how long ready tasks waited on their dependencies, and its
//! coordination overhead. Read once per execution by the KPIs.

use crate::engine::{Execution, RunnerTime, Task};
use crate::protocol::{Millis, Status};

/// The metric a runner reports its container boot time in.
pub const CONTAINER_BOOT: &str = "container_boot_ms";
/// The metric a runner reports coordination overhead in.
pub const COORDINATION: &str = "coordination_overhead_ms";

/// One execution's figures; `None` where its events do not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// Most attempts running at once.
    pub parallelism: usize,
    /// Sum of its attempts' durations.
    pub work_ms: f64,
    /// First attempt's start to last attempt's finish.
    pub wall_ms: f64,
    /// Its tasks, and those with more than one attempt, and of those the
    /// ones whose last attempt ended ok.
    pub tasks: usize,
    pub retried: usize,
    pub recovered: usize,
    /// The first task's wait for a slot (`queue_ms` of its first attempt),
    /// and the container boot, when reported.
    pub queue_ms: Option<f64>,
    pub boot_ms: Option<f64>,
    /// Per task that said its `queue_ms`: that wait, plus the container
    /// boot for the first task.
    pub startups: Vec<f64>,
    /// Per task with `depends_on`: from the last dependency's ok finish to
    /// its first attempt's start.
    pub dependency_waits: Vec<f64>,
    /// Sum of its `coordination_overhead_ms` samples and its duration.
    pub coordination_ms: Option<f64>,
    pub duration_ms: Option<f64>,
}

/// An attempt's interval: its start (or its finish less its duration).
pub(crate) fn interval(
    started: Option<Millis>,
    finished: Option<Millis>,
    duration: f64,
) -> Option<(f64, f64)> {
    let finished = finished? as f64;
    let started = started.map_or(finished - duration, |s| s as f64);
    (finished >= started).then_some((started, finished))
}

/// Most intervals open at once (a finish at the same instant as a start
/// frees its slot first).
fn most_at_once(intervals: &[(f64, f64)]) -> usize {
    let mut edges: Vec<(f64, i32)> = intervals
        .iter()
        .flat_map(|&(s, f)| [(s, 1), (f, -1)])
        .collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut open, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        open += step;
        most = most.max(open);
    }
    most as usize
}

fn ok_finish(task: &Task) -> Option<Millis> {
    task.attempts
        .iter()
        .filter(|a| a.status == Some(Status::Ok))
        .filter_map(|a| a.finished_at)
        .max()
}

impl Shape {
    pub fn of(e: &Execution) -> Shape {
        let mut s = Shape::default();
        let mut intervals = Vec::new();
        for task in &e.tasks {
            let mut finished = task
                .attempts
                .iter()
                .filter(|a| a.status.is_some())
                .peekable();
            if finished.peek().is_none() {
                continue;
            }
            s.tasks += 1;
            if task.attempts.len() > 1 {
                s.retried += 1;
                s.recovered +=
                    usize::from(task.attempts.last().and_then(|a| a.status) == Some(Status::Ok));
            }
            for a in finished {
                let d = RunnerTime::of_attempt(a.duration_ms.unwrap_or(0.0));
                s.work_ms += d;
                intervals.extend(interval(a.started_at, a.finished_at, d));
            }
        }
        s.parallelism = most_at_once(&intervals);
        if let (Some(first), Some(last)) = (
            intervals.iter().map(|i| i.0).min_by(f64::total_cmp),
            intervals.iter().map(|i| i.1).max_by(f64::total_cmp),
        ) {
            s.wall_ms = last - first;
        }
        s.startup(e);
        s.dependency_waits(e);
        let (overhead, samples) = e
            .metrics
            .iter()
            .filter(|m| &*m.name == COORDINATION && m.value.is_finite() && m.value >= 0.0)
            .fold((0.0, 0), |(sum, n), m| (sum + m.value, n + 1));
        s.coordination_ms = (samples > 0).then_some(overhead);
        s.duration_ms = e
            .duration_ms
            .filter(|d| d.is_finite() && *d >= 0.0)
            .or_else(|| Some((e.finished_at? - e.started_at?) as f64))
            .filter(|d| *d > 0.0);
        s
    }

    /// Busy work over the wall time at the parallelism used; `None` for
    /// an execution with no measurable wall time.
    pub fn efficiency(&self) -> Option<f64> {
        (self.wall_ms > 0.0 && self.parallelism > 0)
            .then(|| (self.work_ms / (self.wall_ms * self.parallelism as f64)).min(1.0))
    }

    fn startup(&mut self, e: &Execution) {
        // The execution's first task: the earliest of those depending on
        // nothing. Its wait is the execution's wait for a slot, and the
        // container boots for it.
        let first = e
            .tasks
            .iter()
            .filter(|t| t.depends_on.is_empty())
            .filter_map(|t| Some((t, t.attempts.first()?)))
            .min_by_key(|(_, a)| a.started_at.or(a.finished_at))
            .map(|(t, _)| &*t.task_id);
        let boot = e
            .metrics
            .iter()
            .find(|m| &*m.name == CONTAINER_BOOT && m.value.is_finite() && m.value >= 0.0)
            .map(|m| m.value);
        self.boot_ms = boot;
        for task in &e.tasks {
            let Some(queue) = task
                .attempts
                .first()
                .and_then(|a| a.queue_ms)
                .filter(|q| q.is_finite() && *q >= 0.0)
            else {
                continue;
            };
            if Some(&*task.task_id) == first {
                self.queue_ms = Some(queue);
                self.startups.push(queue + boot.unwrap_or(0.0));
            } else {
                self.startups.push(queue);
            }
        }
    }

    fn dependency_waits(&mut self, e: &Execution) {
        for task in e.tasks.iter().filter(|t| !t.depends_on.is_empty()) {
            let Some(started) = task.attempts.first().and_then(|a| a.started_at) else {
                continue;
            };
            let ready = task.depends_on.iter().try_fold(Millis::MIN, |ready, dep| {
                let dep = e.tasks.iter().find(|t| t.task_id == *dep)?;
                Some(ready.max(ok_finish(dep)?))
            });
            if let Some(ready) = ready {
                self.dependency_waits.push((started - ready).max(0) as f64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_attempts_count_once_and_touching_ones_do_not_overlap() {
        assert_eq!(most_at_once(&[]), 0);
        assert_eq!(most_at_once(&[(0.0, 10.0), (10.0, 20.0)]), 1);
        assert_eq!(most_at_once(&[(0.0, 10.0), (5.0, 20.0), (6.0, 7.0)]), 3);
        assert_eq!(most_at_once(&[(0.0, 10.0), (5.0, 20.0), (11.0, 12.0)]), 2);
    }

    #[test]
    fn an_interval_without_a_start_is_its_finish_less_its_duration() {
        assert_eq!(interval(None, Some(100), 40.0), Some((60.0, 100.0)));
        assert_eq!(interval(Some(10), Some(100), 40.0), Some((10.0, 100.0)));
        assert_eq!(interval(Some(10), None, 40.0), None);
        assert_eq!(interval(Some(200), Some(100), 40.0), None);
    }
}
