//! Building the effective configuration from its layers, remembering where
//! each value came from (for `runtop config show`).
//!
//! Layers, each overriding the one before: the defaults; the built-in
//! profile (`--profile dev|prod`); the config file (the platform's, or
//! `--config FILE`); the file's own `[profiles.NAME]` section; `RUNTOP_*`
//! environment variables; `--set key=value` flags. Each layer is a flat map
//! of dotted keys (`alerts.error_rate.threshold`), so layering is a merge and
//! provenance is a map from key to layer.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::schema::Config;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    Profile(String),
    File(PathBuf),
    FileProfile(PathBuf, String),
    Env(String),
    Flag,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::Profile(p) => write!(f, "profile {p}"),
            Origin::File(path) => write!(f, "file {}", path.display()),
            Origin::FileProfile(path, p) => write!(f, "file {} [profiles.{p}]", path.display()),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::Flag => f.write_str("flag --set"),
        }
    }
}

/// What to load: from the command line and the environment.
#[derive(Debug, Clone, Default)]
pub struct LoadRequest {
    /// `--config FILE`: used instead of the platform's file, and must exist.
    pub config_path: Option<PathBuf>,
    /// `--profile NAME`, else `RUNTOP_PROFILE`.
    pub profile: Option<String>,
    /// `--set key=value`, in order.
    pub sets: Vec<String>,
    /// The environment's `RUNTOP_*` variables.
    pub env: Vec<(String, String)>,
}

impl LoadRequest {
    /// The process's own environment.
    pub fn with_process_env(mut self) -> Self {
        self.env = std::env::vars()
            .filter(|(k, _)| k.starts_with("RUNTOP_"))
            .collect();
        self
    }
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub origins: BTreeMap<String, Origin>,
    /// The file read, if any.
    pub path: Option<PathBuf>,
    pub profile: Option<String>,
}

/// An invalid configuration, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A file that is not TOML, or not a config: where, and what.
    #[error("{}, line {line}, column {column}: {message}", path.display())]
    File {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unknown profile `{name}`, expected one of {known}{hint}")]
    Profile {
        name: String,
        known: String,
        hint: String,
    },
    #[error("--set {0:?}: expected key=value, e.g. --set alerts.error_rate.threshold=0.1")]
    SetShape(String),
    /// A value from the environment or a flag that the config cannot hold.
    #[error("{origin}: {message}")]
    Value { origin: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

pub const BUILTIN_PROFILES: [&str; 3] = ["default", "dev", "prod"];

fn builtin_profile(name: &str) -> Option<Vec<(&'static str, toml::Value)>> {
    use toml::Value::{Float, Integer, String as S};
    Some(match name {
        "default" => vec![],
        // More permissive: the protocol's CRITICAL band, few samples suffice.
        "dev" => vec![
            ("alerts.coordination.critical", Float(300.0)),
            ("baseline.min_samples", Integer(20)),
        ],
        // Stricter: earlier coordination alerts, more samples, any violation fails CI.
        "prod" => vec![
            ("alerts.coordination.warning", Float(100.0)),
            ("alerts.coordination.critical", Float(150.0)),
            ("alerts.coordination.clear", Float(90.0)),
            ("baseline.min_samples", Integer(200)),
            ("ci.fail_on", S("warning".into())),
        ],
        _ => return None,
    })
}

type Flat = BTreeMap<String, toml::Value>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Flat) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) if !inner.is_empty() => flatten(&path, inner, out),
            other => {
                out.insert(path, other.clone());
            }
        }
    }
}

fn unflatten(flat: &Flat) -> toml::Table {
    let mut root = toml::Table::new();
    for (path, value) in flat {
        let mut table = &mut root;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                table.insert(part.to_string(), value.clone());
            } else {
                let entry = table
                    .entry(part.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if !entry.is_table() {
                    *entry = toml::Value::Table(toml::Table::new());
                }
                table = entry.as_table_mut().expect("just made a table");
            }
        }
    }
    root
}

fn defaults() -> Flat {
    let table = toml::Table::try_from(Config::default()).expect("the defaults serialize");
    let mut flat = Flat::new();
    flatten("", &table, &mut flat);
    flat
}

/// Parses an environment or flag value as TOML (`0.1`, `true`, `"x"`,
/// `["a"]`), or else takes it as a string.
fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

fn typed(flat: &Flat) -> Result<Config, String> {
    Config::deserialize(toml::Value::Table(unflatten(flat))).map_err(|e| with_hint(e.message()))
}

/// Adds "did you mean" to serde's "unknown field `x`, expected one of …".
fn with_hint(message: &str) -> String {
    let message = message.trim().to_string();
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message;
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message;
    };
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (strsim::jaro_winkler(unknown, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, candidate)) => format!("{message}; did you mean `{candidate}`?"),
        None => message,
    }
}

/// Line and column (1-based) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn read_file(path: &Path, required: bool) -> Result<Option<(String, toml::Table)>, ConfigError> {
    let text = match crate::files::read_capped_string(path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                error,
            });
        }
    };
    let located = |e: toml::de::Error| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(&text, s.start));
        ConfigError::File {
            path: path.to_path_buf(),
            line,
            column: col,
            message: with_hint(e.message()),
        }
    };
    // Typed first: wrong types and unknown keys, with their position.
    toml::from_str::<Config>(&text).map_err(located)?;
    let table = toml::from_str::<toml::Table>(&text).map_err(located)?;
    Ok(Some((text, table)))
}

/// Loads the effective configuration for `request`.
pub fn load(request: &LoadRequest, default_path: Option<&Path>) -> Result<Loaded, ConfigError> {
    let path = request.config_path.as_deref().or(default_path);
    let file = match path {
        Some(p) => read_file(p, request.config_path.is_some())?,
        None => None,
    };
    let file_path = file.as_ref().and(path).map(Path::to_path_buf);
    let env_profile = request
        .env
        .iter()
        .find(|(k, _)| k == "RUNTOP_PROFILE")
        .map(|(_, v)| v.clone());
    let profile = request.profile.clone().or(env_profile);

    let mut flat = defaults();
    let mut origins: BTreeMap<String, Origin> =
        flat.keys().map(|k| (k.clone(), Origin::Default)).collect();
    let mut apply = |layer: Flat, origin: Origin, flat: &mut Flat| {
        for (key, value) in layer {
            origins.insert(key.clone(), origin.clone());
            flat.insert(key, value);
        }
    };

    let mut file_profile = None;
    if let Some(name) = &profile {
        let in_file = file
            .as_ref()
            .and_then(|(_, t)| t.get("profiles"))
            .and_then(|p| p.get(name))
            .and_then(|p| p.as_table());
        file_profile = in_file.cloned();
        match builtin_profile(name) {
            Some(preset) => {
                let layer = preset
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                apply(layer, Origin::Profile(name.clone()), &mut flat);
            }
            None if in_file.is_some() => {}
            None => {
                let mut known: Vec<String> =
                    BUILTIN_PROFILES.iter().map(|s| s.to_string()).collect();
                if let Some(t) = file
                    .as_ref()
                    .and_then(|(_, t)| t.get("profiles"))
                    .and_then(|p| p.as_table())
                {
                    known.extend(t.keys().cloned());
                }
                let hint = known
                    .iter()
                    .map(|k| (strsim::jaro_winkler(name, k), k))
                    .filter(|(s, _)| *s >= 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map_or_else(String::new, |(_, k)| format!("; did you mean `{k}`?"));
                return Err(ConfigError::Profile {
                    name: name.to_string(),
                    known: known.join(", "),
                    hint,
                });
            }
        }
    }
    if let (Some((_, table)), Some(p)) = (&file, &file_path) {
        let mut table = table.clone();
        table.remove("profiles");
        let mut layer = Flat::new();
        flatten("", &table, &mut layer);
        // A section with every line commented out (as `config init` writes
        // them) sets nothing.
        layer.retain(|_, v| v.as_table().is_none_or(|t| !t.is_empty()));
        apply(layer, Origin::File(p.clone()), &mut flat);
        if let (Some(section), Some(name)) = (file_profile, &profile) {
            let mut layer = Flat::new();
            flatten("", &section, &mut layer);
            apply(
                layer,
                Origin::FileProfile(p.clone(), name.clone()),
                &mut flat,
            );
        }
    }
    // Each env variable and flag is checked on its own, so an error names it.
    let mut overrides: Vec<(String, toml::Value, Origin, String)> = Vec::new();
    for (var, value) in &request.env {
        let Some(rest) = var.strip_prefix("RUNTOP_") else {
            continue;
        };
        // Only SECTION__KEY variables are config; others (RUNTOP_PROFILE, a
        // token a header reads) are not.
        if !rest.contains("__") {
            continue;
        }
        let key = rest.to_ascii_lowercase().replace("__", ".");
        overrides.push((
            key,
            parse_value(value),
            Origin::Env(var.clone()),
            var.clone(),
        ));
    }
    for set in &request.sets {
        let Some((key, value)) = set.split_once('=') else {
            return Err(ConfigError::SetShape(set.clone()));
        };
        overrides.push((
            key.trim().to_string(),
            parse_value(value.trim()),
            Origin::Flag,
            format!("--set {}", key.trim()),
        ));
    }
    for (key, value, origin, label) in overrides {
        let mut trial = flat.clone();
        trial.insert(key.clone(), value.clone());
        typed(&trial).map_err(|message| ConfigError::Value {
            origin: label,
            message,
        })?;
        apply(Flat::from([(key, value)]), origin, &mut flat);
    }
    let config = typed(&flat).map_err(ConfigError::Invalid)?;
    Ok(Loaded {
        config,
        origins: origins_of(&flat, origins),
        path: file_path,
        profile,
    })
}

/// Keeps only the origins of keys that ended up in the config.
fn origins_of(flat: &Flat, origins: BTreeMap<String, Origin>) -> BTreeMap<String, Origin> {
    origins
        .into_iter()
        .filter(|(k, _)| flat.contains_key(k))
        .collect()
}

/// `runtop config show`: every effective value with where it came from.
pub fn show(loaded: &Loaded) -> String {
    let table = toml::Table::try_from(&loaded.config).expect("configs serialize");
    let mut flat = Flat::new();
    flatten("", &table, &mut flat);
    let mut out = String::new();
    if let Some(p) = &loaded.path {
        out.push_str(&format!("# file: {}\n", p.display()));
    }
    if let Some(p) = &loaded.profile {
        out.push_str(&format!("# profile: {p}\n"));
    }
    let width = flat
        .iter()
        .map(|(k, v)| k.len() + v.to_string().len())
        .max()
        .unwrap_or(0)
        + 3;
    for (key, value) in &flat {
        let origin = loaded.origins.get(key).cloned().unwrap_or(Origin::Default);
        let line = format!("{key} = {value}");
        out.push_str(&format!("{line:<width$}# {origin}\n"));
    }
    out
}
