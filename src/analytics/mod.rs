//! Analyses that turn a monitor into a triage tool, computed from what the
//! engine holds (its finished-execution history and its distributions):
//! A/B comparison of configurations, failure patterns, bottlenecks and the
//! recommendations that follow from them. Pure functions, time passed in.

pub mod baseline;
pub mod bottlenecks;
pub mod compare;
pub mod failures;
pub mod recommend;
pub mod stats;
