//! How an execution's tasks run: started when their dependencies are done,
//! finished or failed after a drawn duration, retried, and the execution
//! finished with its last task.

use std::borrow::Cow;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::model::{self, Duration};
use super::{Action, Simulator};
use crate::protocol::{
    Body, ErrorInfo, LogLevel, Millis, Resources, StageFinish, StageStart, Status,
};

impl Simulator {
    pub(super) fn start_ready(&mut self, exec: usize) {
        let ready: Vec<usize> = {
            let e = &self.execs[exec];
            let done = |id: &str| e.tasks.iter().any(|t| t.id == id && t.done);
            (0..e.tasks.len())
                .filter(|&i| !e.tasks[i].started && e.tasks[i].deps.iter().all(|d| done(d)))
                .collect()
        };
        for task in ready {
            self.execs[exec].tasks[task].started = true;
            let delay = self.rng.random_range(20..120);
            self.schedule(
                self.now + delay,
                Action::StartTask {
                    exec,
                    task,
                    attempt: 1,
                },
            );
        }
    }

    pub(super) fn start_task(&mut self, exec: usize, task: usize, attempt: u32) {
        if self.execs[exec].finished {
            return; // a retry of a branch whose sibling failed the execution
        }
        let e = &self.execs[exec];
        let t = &e.tasks[task];
        let (cid, stage, id, deps, variant) = (e.cid.clone(), t.stage, t.id, t.deps, e.variant);
        let queue_ms = if task == 0 && attempt == 1 {
            (self.now - e.submitted_at) as f64
        } else {
            self.rng.random_range(5.0..60.0_f64).round()
        };
        self.execs[exec].tasks[task].started_at = self.now;
        self.execs[exec].tasks[task].running = Some(attempt);
        let start = StageStart {
            stage: Cow::Borrowed(stage),
            depends_on: deps.iter().map(|d| Cow::Borrowed(*d)).collect(),
            attempt,
            queue_ms: Some(queue_ms),
        };
        let task_id = (id != stage).then_some(id);
        self.emit(Some(&cid), Some(exec), Body::StageStarted(start), task_id);
        if attempt == 1 && stage == "prep" {
            let message = Cow::Owned(format!(
                "preparing workspace for {}",
                self.model.projects[self.execs[exec].project]
            ));
            self.emit(
                Some(&cid),
                Some(exec),
                Body::Log {
                    level: LogLevel::Info,
                    message,
                },
                None,
            );
        }
        let mut model = self.stage_model(stage, variant).duration;
        // Exact for every task the scenario leaves alone (× 1.0).
        model.median_ms *= self.scenario.task_factor(id);
        let duration = self.draw(model);
        self.schedule(
            self.now + duration as Millis,
            Action::FinishTask {
                exec,
                task,
                attempt,
            },
        );
    }

    pub(super) fn finish_task(&mut self, exec: usize, task: usize, attempt: u32) {
        if self.execs[exec].finished {
            return; // a sibling task already failed the execution
        }
        let (cid, stage, id, variant, started_at) = {
            let e = &self.execs[exec];
            let t = &e.tasks[task];
            (e.cid.clone(), t.stage, t.id, e.variant, t.started_at)
        };
        self.execs[exec].tasks[task].running = None;
        let model = self.stage_model(stage, variant);
        let failure_rate = if attempt > 1 {
            self.model.retry_failure_rate
        } else {
            model.failure_rate
        };
        let failed = self.rng.random_bool(failure_rate);
        let status = if !failed {
            Status::Ok
        } else if stage == "verify" && self.rng.random_bool(0.3) {
            Status::Timeout
        } else {
            Status::Failed
        };
        let error = failed.then(|| {
            let (kind, code, message) = model::error_for(stage, self.rng.random_range(0..6));
            ErrorInfo {
                kind: Some(Cow::Borrowed(kind)),
                code: Some(Cow::Borrowed(code)),
                message: Some(Cow::Owned(message)),
            }
        });
        let jitter = |rng: &mut ChaCha8Rng, base: f64| {
            (base * rng.random_range(0.7..1.3_f64) * 10.0).round() / 10.0
        };
        let resources = Resources {
            cpu_percent: Some(jitter(&mut self.rng, model.cpu_percent).min(100.0)),
            memory_mb: Some(jitter(&mut self.rng, model.memory_mb)),
        };
        let finish = StageFinish {
            stage: Cow::Borrowed(stage),
            status,
            duration_ms: Some((self.now - started_at) as f64),
            attempt,
            queue_ms: None,
            error: error.map(Box::new),
            resources: Some(resources),
        };
        let task_id = (id != stage).then_some(id);
        self.emit(Some(&cid), Some(exec), Body::StageFinished(finish), task_id);
        if failed && attempt < self.model.max_attempts {
            let message = Cow::Owned(format!(
                "{id} attempt {attempt} {}; retrying",
                status.as_str()
            ));
            self.emit(
                Some(&cid),
                Some(exec),
                Body::Log {
                    level: LogLevel::Warn,
                    message,
                },
                None,
            );
            let backoff = self.rng.random_range(500..3_000);
            self.schedule(
                self.now + backoff,
                Action::StartTask {
                    exec,
                    task,
                    attempt: attempt + 1,
                },
            );
        } else if failed {
            let message = Cow::Owned(format!("{id} failed after {attempt} attempts"));
            self.emit(
                Some(&cid),
                Some(exec),
                Body::Log {
                    level: LogLevel::Error,
                    message,
                },
                None,
            );
            self.cancel_running(exec);
            self.finish_execution(exec, status);
        } else {
            self.execs[exec].tasks[task].done = true;
            if self.execs[exec].tasks.iter().all(|t| t.done) {
                self.finish_execution(exec, Status::Ok);
            } else {
                self.start_ready(exec);
            }
        }
    }

    /// Fails fast: the attempts still running in a failed execution are
    /// cancelled where they stand (their dependents never start).
    fn cancel_running(&mut self, exec: usize) {
        let cid = self.execs[exec].cid.clone();
        for task in 0..self.execs[exec].tasks.len() {
            let t = &mut self.execs[exec].tasks[task];
            let Some(attempt) = t.running.take() else {
                continue;
            };
            let (stage, id, started_at) = (t.stage, t.id, t.started_at);
            let finish = StageFinish {
                stage: Cow::Borrowed(stage),
                status: Status::Cancelled,
                duration_ms: Some((self.now - started_at) as f64),
                attempt,
                queue_ms: None,
                error: None,
                resources: None,
            };
            let task_id = (id != stage).then_some(id);
            self.emit(Some(&cid), Some(exec), Body::StageFinished(finish), task_id);
        }
    }

    fn finish_execution(&mut self, exec: usize, status: Status) {
        let overhead = self.draw(Duration {
            median_ms: 60.0,
            sigma: 0.5,
        });
        let boot = self.draw(Duration {
            median_ms: 1_800.0,
            sigma: 0.3,
        });
        let agent_init = self.draw(Duration {
            median_ms: 350.0,
            sigma: 0.4,
        });
        let (cid, started_at, submitted_at, project, needed_help) = {
            let e = &mut self.execs[exec];
            e.finished = true;
            (
                e.cid.clone(),
                e.started_at,
                e.submitted_at,
                e.project,
                e.needed_help,
            )
        };
        let metrics = [
            ("coordination_overhead_ms", overhead, "ms"),
            ("queue_latency_ms", (started_at - submitted_at) as f64, "ms"),
            ("container_boot_ms", boot, "ms"),
            ("agent_init_ms", agent_init, "ms"),
        ];
        for (name, value, unit) in metrics {
            let body = Body::Metric {
                name: Cow::Borrowed(name),
                value,
                unit: Some(Cow::Borrowed(unit)),
            };
            self.emit(Some(&cid), Some(exec), body, None);
        }
        let autonomous = status == Status::Ok && !needed_help;
        let body = Body::ExecutionFinished {
            status,
            duration_ms: Some((self.now - started_at) as f64),
            autonomous: Some(autonomous),
        };
        self.emit(Some(&cid), Some(exec), body, None);
        self.running -= 1;
        self.running_per_project[project] -= 1;
        self.admit();
        // Free what finished executions no longer need; ids stay stable.
        self.execs[exec].tasks = Vec::new();
    }
}
