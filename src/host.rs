//! This host's load, as data: what [`crate::source::local`] samples, the
//! resource rules judge and the System panel shows. Plain values at the
//! bottom, so the monitor and the screens share them without depending on
//! the sampler.

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
    /// This host's name, to say which machine the panel shows.
    pub host_name: Option<String>,
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
