//! The fleet daemon (`runtop serve`): the monitor headless and long-lived,
//! its figures for Prometheus (`/metrics`), its report as JSON, and its
//! alerts for Alertmanager.

pub mod exposition;
pub mod http;
pub mod rules;
