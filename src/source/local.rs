//! This host's load, sampled with sysinfo: what the resource rules and the
//! System panel read.

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

pub use crate::host::{LocalLoad, SystemView};

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
            host_name: System::host_name().ok(),
            self_cpu_percent: self_cpu,
            self_rss_mb: self_rss,
        }
    }
}
