//! The terminal UI: `runtop demo`, `watch` and `replay`.
//!
//! - [`model`]: what the screens show (engine, alerts, sources, host load,
//!   analyses); fed by a [`feed`], ticked by the loop.
//! - [`actions`]: every key, in the one table the keys, the footer and the
//!   help read.
//! - [`app`]: the UI's own state and what each key does; [`lists`]: what
//!   each screen lists and where its selection rests (by identity).
//! - [`panels`]: drawing, one module per panel; reads, never writes.
//! - [`run`]: the loop, generic over the ratatui backend; [`pacing`] says
//!   when it draws.
//! - [`terminal`]: the real terminal, taken over and handed back.

pub mod actions;
pub mod app;
pub mod feed;
pub mod keys;
pub mod lists;
pub mod model;
pub mod pacing;
pub mod panels;
pub mod run;
pub mod scene;
pub mod terminal;
pub mod view;

use crate::config::{ColorMode, Config};

/// Colour unless NO_COLOR is set (or the config says otherwise), in the
/// config's `[theme]` colours; a colour it cannot read is named.
pub fn theme(config: &Config) -> Result<panels::Theme, crate::config::ConfigError> {
    let color = match config.ui.color {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let t = &config.theme;
    let read =
        |key: &str, name: &str| -> Result<ratatui::style::Color, crate::config::ConfigError> {
            if name.eq_ignore_ascii_case("default") {
                return Ok(ratatui::style::Color::Reset);
            }
            name.parse().map_err(|_| crate::config::ConfigError::Value {
            origin: format!("theme.{key}"),
            message: format!(
                "{name:?} is not a colour (a name such as red or lightblue, #rrggbb, or default)"
            ),
        })
        };
    let palette = panels::Palette {
        ok: read("ok", &t.ok)?,
        warning: read("warning", &t.warning)?,
        critical: read("critical", &t.critical)?,
        dim: read("dim", &t.dim)?,
        title: read("title", &t.title)?,
        border: read("border", &t.border)?,
    };
    Ok(panels::Theme { color, palette })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_colours_come_from_the_config_and_a_bad_one_is_named() {
        let mut config = Config::default();
        config.ui.color = ColorMode::Always;
        config.theme.critical = "#ff8800".into();
        let t = theme(&config).unwrap();
        assert_eq!(
            t.palette.critical,
            ratatui::style::Color::Rgb(0xff, 0x88, 0x00)
        );
        assert_eq!(t.palette.border, ratatui::style::Color::Reset);
        config.theme.dim = "greyish".into();
        let err = theme(&config).unwrap_err().to_string();
        assert!(
            err.starts_with("theme.dim: \"greyish\" is not a colour"),
            "{err}"
        );
    }
}
