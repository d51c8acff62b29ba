//! This host's load, sampled with sysinfo: what the resource rules and the
//! System panel read.

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

/// This host's load, as the resource rules read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalLoad {
    pub cpu_percent: f64,
    pub memory_percent: f64,
}

/// This host, as the System panel shows it: sampled once a second.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemView {
    pub cpu_percent: f64,
    pub per_core: Vec<f64>,
    pub memory_used_mb: f64,
    pub memory_total_mb: f64,
    pub load_average: Option<(f64, f64, f64)>,
    /// runtop's own CPU (percent of one core) and resident memory.
    pub self_cpu_percent: f64,
    pub self_rss_mb: f64,
}

impl SystemView {
    /// What the resource rules read of it.
    pub fn load(&self) -> LocalLoad {
        LocalLoad {
            cpu_percent: self.cpu_percent,
            memory_percent: self.memory_percent(),
        }
    }

    pub fn memory_percent(&self) -> f64 {
        if self.memory_total_mb > 0.0 {
            self.memory_used_mb / self.memory_total_mb * 100.0
        } else {
            0.0
        }
    }
}

/// This host, sampled (once a second): the one sampler behind the System
/// panel and the resource rules alike.
pub struct SystemSampler {
    system: System,
    pid: Option<sysinfo::Pid>,
}

impl SystemSampler {
    /// `None` where sysinfo cannot read this platform's load.
    pub fn new() -> Option<Self> {
        let refresh = RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing().with_usage())
            .with_memory(MemoryRefreshKind::nothing().with_ram());
        let system = System::new_with_specifics(refresh).ok()?;
        Some(SystemSampler {
            system,
            pid: sysinfo::get_current_pid().ok(),
        })
    }

    /// Refreshes and returns the view. CPU usage is measured between two
    /// calls, so the first reading after start is 0 until the next one.
    pub fn sample(&mut self) -> SystemView {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        let (mut self_cpu, mut self_rss) = (0.0, 0.0);
        if let Some(pid) = self.pid {
            self.system.refresh_processes_specifics(
                sysinfo::ProcessesToUpdate::Some(&[pid]),
                true,
                sysinfo::ProcessRefreshKind::nothing()
                    .with_cpu()
                    .with_memory(),
            );
            if let Some(p) = self.system.process(pid) {
                self_cpu = f64::from(p.cpu_usage());
                self_rss = p.memory() as f64 / 1_048_576.0;
            }
        }
        SystemView {
            cpu_percent: f64::from(self.system.global_cpu_usage()),
            per_core: self
                .system
                .cpus()
                .iter()
                .map(|c| f64::from(c.usage()))
                .collect(),
            memory_used_mb: self.system.used_memory() as f64 / 1_048_576.0,
            memory_total_mb: self.system.total_memory() as f64 / 1_048_576.0,
            load_average: System::load_average()
                .ok()
                .map(|l| (l.one, l.five, l.fifteen)),
            self_cpu_percent: self_cpu,
            self_rss_mb: self_rss,
        }
    }
}
