//! Key bindings from the config's `[keys]` table: `action = "key"` adds a
//! key for an action of [`super::actions`], beside its default (so a
//! binding cannot lock anyone out of the defaults the help lists).

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The actions `[keys]` can bind, by name: every one in
/// [`BINDINGS`](super::actions::BINDINGS) but the screen numbers.
fn bindable() -> impl Iterator<Item = &'static super::actions::Binding> {
    super::actions::BINDINGS
        .iter()
        .filter(|b| b.action != super::actions::Action::Screen)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyMap {
    /// An added key, its modifiers, the action's first default key it
    /// stands for, and the key as the config wrote it (for the help).
    aliases: Vec<(KeyCode, KeyModifiers, KeyCode, String)>,
}

/// Why a `[keys]` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{0:?} is not a key: use one character, ctrl-x, enter, esc, tab, space, up, pagedown, f1…"
    )]
    NotAKey(String),
    #[error("keys.{action}: unknown action, expected one of {known}{hint}")]
    UnknownAction {
        action: String,
        known: String,
        hint: String,
    },
    #[error("keys.{action}: {error}")]
    Binding {
        action: String,
        error: Box<KeyError>,
    },
}

/// Parses `x`, `ctrl-x`, `enter`, `esc`, `tab`, `backtab`, `space`, `up`,
/// `down`, `left`, `right`, `pageup`, `pagedown`, `home`, `end`, `f1`…`f12`.
pub fn parse_key(spec: &str) -> Result<(KeyCode, KeyModifiers), KeyError> {
    let lower = spec.trim().to_ascii_lowercase();
    let (modifiers, name) = match lower
        .strip_prefix("ctrl-")
        .or_else(|| lower.strip_prefix("ctrl+"))
    {
        Some(rest) => (KeyModifiers::CONTROL, rest.to_string()),
        None => (KeyModifiers::NONE, lower.clone()),
    };
    let code = match name.as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" | "shift-tab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
            KeyCode::F(f[1..].parse().unwrap_or(1))
        }
        // One character, as written (so `G` stays upper case).
        _ => {
            let original = spec.trim();
            let raw = original
                .strip_prefix("ctrl-")
                .or_else(|| original.strip_prefix("ctrl+"))
                .unwrap_or(original);
            let mut chars = raw.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_control() => KeyCode::Char(c),
                _ => return Err(KeyError::NotAKey(spec.to_string())),
            }
        }
    };
    Ok((code, modifiers))
}

impl KeyMap {
    /// From the config's `[keys]` table; an unknown action or key is an
    /// error naming it.
    pub fn from_config(keys: &BTreeMap<String, String>) -> Result<KeyMap, KeyError> {
        let mut aliases = Vec::new();
        for (action, key) in keys {
            let Some(binding) = bindable().find(|b| b.name == action) else {
                let hint = bindable()
                    .map(|b| (strsim::jaro_winkler(action, b.name), b.name))
                    .filter(|(score, _)| *score >= 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map_or_else(String::new, |(_, name)| format!("; did you mean `{name}`?"));
                let known: Vec<&str> = bindable().map(|b| b.name).collect();
                return Err(KeyError::UnknownAction {
                    action: action.clone(),
                    known: known.join(", "),
                    hint,
                });
            };
            let (code, modifiers) = parse_key(key).map_err(|error| KeyError::Binding {
                action: action.clone(),
                error: Box::new(error),
            })?;
            aliases.push((code, modifiers, binding.keys[0], key.trim().to_string()));
        }
        Ok(KeyMap { aliases })
    }

    /// The key an incoming key stands for.
    pub fn translate(&self, key: KeyEvent) -> KeyEvent {
        for &(code, modifiers, canonical, _) in &self.aliases {
            if key.code == code && key.modifiers.contains(modifiers) {
                return KeyEvent::new(canonical, KeyModifiers::NONE);
            }
        }
        key
    }

    /// The keys the config added to the action whose first key is
    /// `canonical`, as written there (the help shows them).
    pub fn added_to(&self, canonical: KeyCode) -> Vec<&str> {
        self.aliases
            .iter()
            .filter(|a| a.2 == canonical)
            .map(|a| a.3.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_add_keys_and_bad_ones_are_named() {
        let map = KeyMap::from_config(&BTreeMap::from([
            ("quit".into(), "x".into()),
            ("open".into(), "space".into()),
        ]))
        .unwrap();
        let t = |c| map.translate(KeyEvent::new(c, KeyModifiers::NONE)).code;
        assert_eq!(t(KeyCode::Char('x')), KeyCode::Char('q'));
        assert_eq!(t(KeyCode::Char(' ')), KeyCode::Enter);
        assert_eq!(
            t(KeyCode::Char('q')),
            KeyCode::Char('q'),
            "the default stays"
        );
        let err = KeyMap::from_config(&BTreeMap::from([("qiut".into(), "x".into())]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("keys.qiut: unknown action") && err.ends_with("did you mean `quit`?"),
            "{err}"
        );
        let err = KeyMap::from_config(&BTreeMap::from([("quit".into(), "xyz".into())]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"xyz\" is not a key"), "{err}");
        assert_eq!(
            parse_key("ctrl-d").unwrap(),
            (KeyCode::Char('d'), KeyModifiers::CONTROL)
        );
        assert_eq!(parse_key("G").unwrap().0, KeyCode::Char('G'));
        assert_eq!(parse_key("f5").unwrap().0, KeyCode::F(5));
    }
}
