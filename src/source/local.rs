//! This host's load, sampled with sysinfo: what the resource rules and the
//! System panel read.

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use crate::alerts::LocalLoad;

pub struct LocalSampler {
    system: System,
}

impl LocalSampler {
    /// `None` where sysinfo cannot read this platform's load.
    pub fn new() -> Option<Self> {
        let refresh = RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing().with_usage())
            .with_memory(MemoryRefreshKind::nothing().with_ram());
        System::new_with_specifics(refresh)
            .ok()
            .map(|system| LocalSampler { system })
    }

    /// Refreshes and returns the load. CPU usage is measured between two
    /// calls, so the first reading after start is 0 until the next one.
    pub fn sample(&mut self) -> LocalLoad {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        let total = self.system.total_memory().max(1) as f64;
        LocalLoad {
            cpu_percent: f64::from(self.system.global_cpu_usage()),
            memory_percent: self.system.used_memory() as f64 / total * 100.0,
        }
    }
}
