//! A simulated workflow runner: a deterministic, seeded stream of
//! protocol-v1 events from a model of a real runner.
//!
//! It is a discrete-event simulation. Projects submit executions at random;
//! the runner starts them within its concurrency limits (so queue waits are
//! real), runs each through prep → implement → verify (or a small task graph
//! with `depends_on`), draws stage durations from log-normal distributions,
//! fails and retries attempts, and reports metrics, logs and node load along
//! the way. Time is simulated: the events carry their own timestamps, and
//! the same seed always yields the same stream.

mod model;
mod scenario;
pub mod serve;
mod tasks;

pub use model::{Duration, RunnerModel, StageModel};
pub use scenario::{
    BURST_MS, GRAPH_IMPLEMENT_FAILURE_RATE, GRAPH_RETRY_FAILURE_RATE, GRAPH_SLOW_TASK,
    INCIDENT_BURST, INCIDENT_SLOWDOWN, LOAD_PERIOD_MS, Scenario, TROUBLE_STARTS_MS,
};

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, LogNormal};

use crate::protocol::{Body, Event, EventId, Millis};

/// The shape of the gamma distribution between a project's submissions:
/// their spread is half their mean.
const ARRIVAL_SHAPE: f64 = 4.0;

/// 2026-11-22T10:00:00Z, where simulated time starts by default.
pub const DEFAULT_START: Millis = 1_795_341_600_000;

type Ev = Event<'static>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Submit {
        project: usize,
    },
    StartTask {
        exec: usize,
        task: usize,
        attempt: u32,
    },
    FinishTask {
        exec: usize,
        task: usize,
        attempt: u32,
    },
    Sample {
        node: usize,
    },
}

#[derive(Debug)]
struct Task {
    id: &'static str,
    stage: &'static str,
    deps: &'static [&'static str],
    started: bool,
    done: bool,
    started_at: Millis,
    /// The attempt running now, if one is: what a failing sibling cancels.
    running: Option<u32>,
}

#[derive(Debug)]
struct Exec {
    cid: String,
    project: usize,
    node: usize,
    variant: usize,
    tasks: Vec<Task>,
    started_at: Millis,
    submitted_at: Millis,
    finished: bool,
    needed_help: bool,
}

/// The simulator: iterate it for events in time order.
pub struct Simulator {
    model: RunnerModel,
    scenario: Scenario,
    start: Millis,
    /// Submissions left before the runner stops taking new work.
    submissions_left: Option<u64>,
    rng: ChaCha8Rng,
    now: Millis,
    seq: u64,
    agenda: BinaryHeap<Reverse<(Millis, u64, Action)>>,
    execs: Vec<Exec>,
    /// Executions submitted but waiting for a slot, oldest first.
    waiting: VecDeque<(usize, Millis)>,
    running: usize,
    running_per_project: Vec<usize>,
    out: VecDeque<Ev>,
    next_event_id: u64,
}

const LINEAR: [(&str, &str, &[&str]); 3] = [
    ("prep", "prep", &[]),
    ("implement", "implement", &["prep"]),
    ("verify", "verify", &["implement"]),
];
/// Two branches, each implemented and verified on its own.
const GRAPH: [(&str, &str, &[&str]); 5] = [
    ("prep", "prep", &[]),
    ("implement-api", "implement", &["prep"]),
    ("implement-ui", "implement", &["prep"]),
    ("verify-api", "verify", &["implement-api"]),
    ("verify-ui", "verify", &["implement-ui"]),
];

impl Simulator {
    /// A runner behaving as `scenario` says, from simulated time `start`.
    pub fn scenario(scenario: Scenario, seed: u64, start: Millis) -> Self {
        Self::with_model(scenario, scenario.model(), seed, start)
    }

    /// `scenario`'s behaviour over time, on a runner described by `model`.
    pub fn with_model(scenario: Scenario, model: RunnerModel, seed: u64, start: Millis) -> Self {
        let mut sim = Self::new(model, seed, start);
        sim.scenario = scenario;
        sim
    }

    /// Stops taking new executions after `n`: the stream ends once they finish.
    pub fn limit_executions(mut self, n: u64) -> Self {
        self.submissions_left = Some(n);
        self
    }

    pub fn new(model: RunnerModel, seed: u64, start: Millis) -> Self {
        let mut sim = Simulator {
            scenario: Scenario::Steady,
            start,
            submissions_left: None,
            running_per_project: vec![0; model.projects.len()],
            rng: ChaCha8Rng::seed_from_u64(seed),
            now: start,
            seq: 0,
            agenda: BinaryHeap::new(),
            execs: Vec::new(),
            waiting: VecDeque::new(),
            running: 0,
            out: VecDeque::new(),
            next_event_id: 0,
            model,
        };
        for project in 0..sim.model.projects.len() {
            let first = sim.interarrival() / 4;
            sim.schedule(start + first, Action::Submit { project });
        }
        for node in 0..sim.model.nodes.len() {
            let offset = node as Millis * 1_000;
            sim.schedule(start + offset, Action::Sample { node });
        }
        sim
    }

    fn schedule(&mut self, at: Millis, action: Action) {
        self.seq += 1;
        self.agenda.push(Reverse((at, self.seq, action)));
    }

    /// Time to a project's next submission: gamma-distributed with shape
    /// [`ARRIVAL_SHAPE`], steadier than a Poisson stream (a team's pushes
    /// and schedules are not memoryless), so that a healthy runner rarely
    /// makes a project wait for its previous execution.
    fn interarrival(&mut self) -> Millis {
        // A busier moment submits sooner (the load at the submission, a
        // fair approximation while a gap is short against the load's
        // period).
        let load = self.scenario.load_at(self.now - self.start).max(0.05);
        let mean = self.model.mean_interarrival_ms / load;
        let gamma = Gamma::new(ARRIVAL_SHAPE, mean / ARRIVAL_SHAPE).expect("positive mean");
        gamma.sample(&mut self.rng) as Millis
    }

    fn draw(&mut self, d: Duration) -> f64 {
        let ln = LogNormal::new(d.median_ms.ln(), d.sigma).expect("finite parameters");
        (ln.sample(&mut self.rng) * 10.0).round() / 10.0
    }

    fn emit(
        &mut self,
        cid: Option<&str>,
        exec: Option<usize>,
        body: Body<'static>,
        task_id: Option<&'static str>,
    ) {
        self.next_event_id += 1;
        let (project, node) = match exec.map(|i| &self.execs[i]) {
            Some(e) => (
                Some(Cow::Borrowed(self.model.projects[e.project])),
                Some(Cow::Borrowed(self.model.nodes[e.node])),
            ),
            None => (None, None),
        };
        self.out.push_back(Event {
            ts: self.now,
            correlation_id: cid.map(|c| Cow::Owned(c.to_owned())),
            project_id: project,
            execution_id: None,
            task_id: task_id.map(Cow::Borrowed),
            node,
            event_id: Some(EventId::new(Cow::Owned(format!(
                "ev-{:08}",
                self.next_event_id
            )))),
            body,
        });
    }

    fn step(&mut self) -> bool {
        let Some(Reverse((at, _, action))) = self.agenda.pop() else {
            return false;
        };
        self.now = at;
        match action {
            Action::Submit { project } => self.submit(project),
            Action::StartTask {
                exec,
                task,
                attempt,
            } => self.start_task(exec, task, attempt),
            Action::FinishTask {
                exec,
                task,
                attempt,
            } => self.finish_task(exec, task, attempt),
            Action::Sample { node } => self.sample(node),
        }
        true
    }

    fn submit(&mut self, project: usize) {
        match self.submissions_left.as_mut() {
            Some(0) => return,
            Some(n) => *n -= 1,
            None => {}
        }
        let next = self.now + self.interarrival().max(1_000);
        self.schedule(next, Action::Submit { project });
        let graph = self.rng.random_bool(self.model.graph_share);
        let shape: &[(&'static str, &'static str, &'static [&'static str])] =
            if graph { &GRAPH } else { &LINEAR };
        let exec = Exec {
            cid: format!("exec_{:06}", self.execs.len() + 1),
            project,
            node: self.rng.random_range(0..self.model.nodes.len()),
            variant: usize::from(self.rng.random_bool(0.5)),
            tasks: shape
                .iter()
                .map(|&(id, stage, deps)| Task {
                    id,
                    stage,
                    deps,
                    started: false,
                    done: false,
                    started_at: 0,
                    running: None,
                })
                .collect(),
            started_at: 0,
            submitted_at: self.now,
            finished: false,
            needed_help: !self.rng.random_bool(self.model.autonomy),
        };
        self.execs.push(exec);
        self.waiting.push_back((self.execs.len() - 1, self.now));
        self.admit();
    }

    /// Starts waiting executions while the runner's limits allow, oldest first.
    fn admit(&mut self) {
        let mut i = 0;
        while i < self.waiting.len() && self.running < self.model.max_concurrent {
            let (exec, _) = self.waiting[i];
            let project = self.execs[exec].project;
            if self.running_per_project[project] >= self.model.max_per_project {
                i += 1;
                continue;
            }
            self.waiting.remove(i);
            self.running += 1;
            self.running_per_project[project] += 1;
            self.start_execution(exec);
        }
    }

    fn start_execution(&mut self, exec: usize) {
        let e = &mut self.execs[exec];
        e.started_at = self.now;
        let cid = e.cid.clone();
        let variant = if e.variant == 0 { "A" } else { "B" };
        let workflow = if e.tasks.len() == LINEAR.len() {
            "standard"
        } else {
            "fan-out"
        };
        self.emit(
            Some(&cid),
            Some(exec),
            Body::ExecutionStarted {
                workflow: Some(Cow::Borrowed(workflow)),
                variant: Some(Cow::Borrowed(variant)),
            },
            None,
        );
        self.start_ready(exec);
    }

    fn stage_model(&self, stage: &str, variant: usize) -> StageModel {
        self.scenario.stage_at(
            self.model.stage(stage, variant),
            stage,
            self.now - self.start,
        )
    }

    /// Whether the runner has stopped: its execution limit reached and every
    /// execution finished.
    pub fn is_done(&self) -> bool {
        self.submissions_left == Some(0) && self.running == 0 && self.waiting.is_empty()
    }

    fn sample(&mut self, node: usize) {
        if self.is_done() {
            return;
        }
        let busy = self
            .execs
            .iter()
            .rev()
            .take(64)
            .filter(|e| e.node == node && !e.finished && e.started_at > 0)
            .count();
        let cpu =
            (self.model.node_base_cpu + 15.0 * busy as f64 + self.rng.random_range(-5.0..5.0_f64))
                .clamp(1.0, 100.0);
        let memory_mb = 1_500.0 + 900.0 * busy as f64 + self.rng.random_range(0.0..200.0_f64);
        let body = Body::ResourceSample {
            cpu_percent: (cpu * 10.0).round() / 10.0,
            memory_mb: memory_mb.round(),
            memory_percent: Some((memory_mb / 16_384.0 * 1000.0).round() / 10.0),
        };
        self.next_event_id += 1;
        self.out.push_back(Event {
            ts: self.now,
            correlation_id: None,
            project_id: None,
            execution_id: None,
            task_id: None,
            node: Some(Cow::Borrowed(self.model.nodes[node])),
            event_id: Some(EventId::new(Cow::Owned(format!(
                "ev-{:08}",
                self.next_event_id
            )))),
            body,
        });
        self.schedule(
            self.now + self.model.sample_every_ms,
            Action::Sample { node },
        );
    }
}

impl Iterator for Simulator {
    type Item = Ev;

    fn next(&mut self) -> Option<Ev> {
        while self.out.is_empty() {
            if !self.step() {
                return None;
            }
        }
        self.out.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::to_json_line;

    #[test]
    fn same_seed_same_stream_and_time_never_goes_back() {
        let a: Vec<String> = Simulator::new(RunnerModel::steady(), 7, DEFAULT_START)
            .take(2_000)
            .map(|e| to_json_line(&e))
            .collect();
        let b: Vec<String> = Simulator::new(RunnerModel::steady(), 7, DEFAULT_START)
            .take(2_000)
            .map(|e| to_json_line(&e))
            .collect();
        assert_eq!(a, b);
        let c: Vec<String> = Simulator::new(RunnerModel::steady(), 8, DEFAULT_START)
            .take(2_000)
            .map(|e| to_json_line(&e))
            .collect();
        assert_ne!(a, c);
        let ts: Vec<Millis> = Simulator::new(RunnerModel::steady(), 7, DEFAULT_START)
            .take(2_000)
            .map(|e| e.ts)
            .collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn respects_the_runners_concurrency_limits() {
        let mut sim = Simulator::new(RunnerModel::steady(), 1, DEFAULT_START);
        for _ in 0..20_000 {
            if sim.next().is_none() {
                break;
            }
            assert!(sim.running <= 5);
            assert!(sim.running_per_project.iter().all(|&n| n <= 1));
        }
    }

    #[test]
    fn a_set_concurrency_keeps_that_many_executions_running() {
        let model = Scenario::Flood.model().with_concurrency(50);
        let mut sim = Simulator::with_model(Scenario::Flood, model, 3, DEFAULT_START);
        let (mut most, mut sum, mut n) = (0, 0, 0);
        for i in 0..60_000 {
            sim.next().expect("an endless stream");
            most = most.max(sim.running);
            if i >= 10_000 {
                sum += sim.running;
                n += 1;
            }
        }
        assert_eq!(most, 50);
        assert!(sum / n >= 45, "on average {} running", sum / n);
    }

    #[test]
    fn long_runs_of_several_seeds_complete() {
        for seed in 0..8 {
            let n = Simulator::new(RunnerModel::steady(), seed, DEFAULT_START)
                .take(30_000)
                .count();
            assert_eq!(n, 30_000);
        }
    }
}
