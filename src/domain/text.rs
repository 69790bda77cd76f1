//! The one rule for every piece of text the service accepts, whatever the route or format.
//!
//! Why: PostgreSQL cannot store U+0000 at all (SQLite can, so the backends would differ), other
//! control characters garble mails, logs and terminals, and the bidirectional overrides let a
//! text display differently from what it says ("Trojan Source"). Line breaks and tabs are text.

/// Whether `c` may appear in text input: everything but the C0 and C1 control characters
/// (tab, line feed and carriage return excepted: browsers send line breaks as CR LF) and the
/// bidirectional embedding, override and isolate characters U+202A–U+202E and U+2066–U+2069.
pub fn is_allowed_char(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => false,
        c => !c.is_control(),
    }
}

/// Describes the first character of `text` that the rule refuses, if any, in English
/// ("U+0000 (a control character) at position 4"), for an error message naming the field.
pub fn refused_char(text: &str) -> Option<String> {
    let (position, c) = text
        .chars()
        .enumerate()
        .find(|(_, c)| !is_allowed_char(*c))?;
    let what = if c.is_control() {
        "a control character"
    } else {
        "a bidirectional formatting character"
    };
    Some(format!(
        "U+{:04X} ({what}) at position {} is not allowed; control characters other than tab and line breaks, and bidirectional overrides, are refused",
        c as u32,
        position + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_line_breaks_tabs_and_any_script_is_allowed() {
        for text in [
            "Laterne flackert",
            "Zeile 1\r\nZeile 2\n\tEingerückt",
            "Straße, Müritz, Łódź, Αθήνα, مرحبا, 🚧",
            "right-to-left marks are ordinary: \u{200F}\u{200E}",
            "",
        ] {
            assert_eq!(refused_char(text), None, "{text:?}");
        }
    }

    #[test]
    fn control_and_bidi_override_characters_are_refused() {
        for (text, code) in [
            ("a\0b", "U+0000"),
            ("\u{1b}[31mrot", "U+001B"),
            ("bell\u{7}", "U+0007"),
            ("back\u{8}space", "U+0008"),
            ("del\u{7f}", "U+007F"),
            ("c1\u{85}", "U+0085"),
            ("c1\u{9f}", "U+009F"),
            ("evil\u{202E}txt.exe", "U+202E"),
            ("\u{202A}", "U+202A"),
            ("iso\u{2066}late", "U+2066"),
            ("\u{2069}", "U+2069"),
        ] {
            let reason = refused_char(text).unwrap_or_default();
            assert!(reason.starts_with(code), "{text:?}: {reason}");
        }
        assert!(
            refused_char("ab\0")
                .unwrap_or_default()
                .contains("position 3")
        );
    }
}
