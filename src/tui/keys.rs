//! Key bindings from the config's `[keys]` table: `action = "key"` adds a
//! key for an action, beside its default (so a binding cannot lock anyone
//! out of the defaults the help lists).

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Every action and its default key.
pub const ACTIONS: [(&str, KeyCode); 19] = [
    ("quit", KeyCode::Char('q')),
    ("help", KeyCode::Char('?')),
    ("search", KeyCode::Char('/')),
    ("down", KeyCode::Char('j')),
    ("up", KeyCode::Char('k')),
    ("page_down", KeyCode::PageDown),
    ("page_up", KeyCode::PageUp),
    ("top", KeyCode::Char('g')),
    ("bottom", KeyCode::Char('G')),
    ("open", KeyCode::Enter),
    ("back", KeyCode::Esc),
    ("next_screen", KeyCode::Tab),
    ("previous_screen", KeyCode::BackTab),
    ("window", KeyCode::Char('w')),
    ("filter", KeyCode::Char('f')),
    ("sort", KeyCode::Char('s')),
    ("pause", KeyCode::Char('p')),
    ("acknowledge", KeyCode::Char('a')),
    ("copy", KeyCode::Char('y')),
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyMap {
    aliases: Vec<(KeyCode, KeyModifiers, KeyCode)>,
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
            let Some((_, canonical)) = ACTIONS.iter().find(|(name, _)| name == action) else {
                let hint = ACTIONS
                    .iter()
                    .map(|(name, _)| (strsim::jaro_winkler(action, name), *name))
                    .filter(|(score, _)| *score >= 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map_or_else(String::new, |(_, name)| format!("; did you mean `{name}`?"));
                let known: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
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
            aliases.push((code, modifiers, *canonical));
        }
        Ok(KeyMap { aliases })
    }

    /// The key an incoming key stands for.
    pub fn translate(&self, key: KeyEvent) -> KeyEvent {
        for &(code, modifiers, canonical) in &self.aliases {
            if key.code == code && key.modifiers.contains(modifiers) {
                return KeyEvent::new(canonical, KeyModifiers::NONE);
            }
        }
        key
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
