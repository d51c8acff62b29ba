//! The simulated runner's parameters: what its fleet looks like and how long
//! its stages take, per variant.

/// Log-normal duration: `median` in ms and the spread `sigma` of its log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    pub median_ms: f64,
    pub sigma: f64,
}

/// How one stage behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageModel {
    pub duration: Duration,
    /// Chance that one attempt fails.
    pub failure_rate: f64,
    /// Typical CPU % while it runs.
    pub cpu_percent: f64,
    pub memory_mb: f64,
}

/// Everything the simulator needs to know about the runner it imitates.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerModel {
    pub projects: Vec<&'static str>,
    pub nodes: Vec<&'static str>,
    /// Executions at once across the runner.
    pub max_concurrent: usize,
    /// Executions at once per project.
    pub max_per_project: usize,
    /// Mean time between two submissions of one project.
    pub mean_interarrival_ms: f64,
    /// Stages of variant A and of variant B.
    pub prep: [StageModel; 2],
    pub implement: [StageModel; 2],
    pub verify: [StageModel; 2],
    /// Attempts per task before the execution fails.
    pub max_attempts: u32,
    /// Chance that a retry fails too: errors tend to be sticky.
    pub retry_failure_rate: f64,
    /// Share of executions that run the task-graph workflow.
    pub graph_share: f64,
    /// Interval between two `resource_sample`s of a node.
    pub sample_every_ms: i64,
    /// Share of successful executions that needed no human.
    pub autonomy: f64,
    /// A node's CPU % with nothing running.
    pub node_base_cpu: f64,
}

const fn stage(
    median_ms: f64,
    sigma: f64,
    failure_rate: f64,
    cpu_percent: f64,
    memory_mb: f64,
) -> StageModel {
    StageModel {
        duration: Duration { median_ms, sigma },
        failure_rate,
        cpu_percent,
        memory_mb,
    }
}

impl RunnerModel {
    /// A healthy runner by the protocol's own targets: every stage's p95
    /// well under 75 % of its target (prep 2 s, implement 30 s, verify 60 s:
    /// about 55 %), attempts failing about 1 % to 2 % of the time (well
    /// under the 5 % error-rate threshold, retries included), variants
    /// alike. Silence is the right answer for it.
    pub fn steady() -> Self {
        RunnerModel {
            projects: vec![
                "web-shop",
                "billing",
                "search",
                "mobile-app",
                "data-pipeline",
                "auth",
                "docs",
                "infra",
            ],
            nodes: vec!["runner-1", "runner-2", "runner-3"],
            max_concurrent: 5,
            max_per_project: 1,
            mean_interarrival_ms: 90_000.0,
            prep: [stage(700.0, 0.30, 0.005, 35.0, 220.0); 2],
            // Variant B runs a newer agent: a touch slower, less consistent.
            implement: [
                stage(9_000.0, 0.33, 0.015, 78.0, 1_400.0),
                stage(9_400.0, 0.36, 0.015, 80.0, 1_500.0),
            ],
            verify: [stage(20_000.0, 0.33, 0.01, 62.0, 900.0); 2],
            max_attempts: 2,
            retry_failure_rate: 0.3,
            graph_share: 0.25,
            sample_every_ms: 10_000,
            autonomy: 0.9,
            node_base_cpu: 12.0,
        }
    }

    /// Runs `n` executions at once and submits enough work to keep them
    /// busy: for load tests that need many active executions.
    pub fn with_concurrency(mut self, n: usize) -> Self {
        let n = n.max(1);
        self.max_concurrent = n;
        self.max_per_project = n.div_ceil(self.projects.len().max(1));
        // An execution takes about the sum of its stages' medians (more with
        // retries and the long tail); offer half as much work again as the
        // slots hold, so that they stay full.
        let busy_ms: f64 = [&self.prep, &self.implement, &self.verify]
            .iter()
            .map(|s| s[0].duration.median_ms)
            .sum();
        self.mean_interarrival_ms = busy_ms * self.projects.len() as f64 / (1.5 * n as f64);
        self
    }

    pub fn stage(&self, name: &str, variant: usize) -> StageModel {
        match name {
            "prep" => self.prep[variant],
            "verify" => self.verify[variant],
            _ => self.implement[variant],
        }
    }
}

/// Typed errors a failing stage reports, per stage.
pub fn error_for(stage: &str, pick: usize) -> (&'static str, &'static str, String) {
    const BUILD: [(&str, &str, &str); 3] = [
        (
            "BuildError",
            "E42",
            "cargo build failed: 3 errors in src/lib.rs",
        ),
        (
            "DependencyError",
            "E17",
            "failed to fetch crate serde v1.0.219",
        ),
        (
            "AgentError",
            "A03",
            "agent exited with status 137 after 812 s",
        ),
    ];
    const TEST: [(&str, &str, &str); 2] = [
        (
            "TestFailure",
            "T01",
            "12 tests failed in tests/integration.rs",
        ),
        ("Timeout", "T99", "verify exceeded 900 s on node runner-2"),
    ];
    const PREP: [(&str, &str, &str); 1] = [(
        "CheckoutError",
        "G128",
        "git fetch failed: connection reset",
    )];
    let table: &[(&str, &str, &str)] = match stage {
        "prep" => &PREP,
        "verify" => &TEST,
        _ => &BUILD,
    };
    let (kind, code, message) = table[pick % table.len()];
    (kind, code, message.to_string())
}
