//! What the commands print for people: colours and progress bars, only where someone watches.
//!
//! Lines go through `anstream`, which drops the colour codes when standard output is not a
//! terminal (a pipe, a CI log, a file) or `NO_COLOR` is set, so the text a script or a test reads
//! is the same plain text with or without a terminal. Progress bars draw on standard error and
//! only when it is a terminal; the lines printed while a bar shows go above it.

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Green: created, done.
pub const ADDED: Style = AnsiColor::Green.on_default();
/// Yellow: updated, drifted.
pub const CHANGED: Style = AnsiColor::Yellow.on_default();
/// Red: deleted, failed.
pub const REMOVED: Style = AnsiColor::Red.on_default();
/// Magenta: replaced (deleted and created again).
pub const REPLACED: Style = AnsiColor::Magenta.on_default();
/// Dim: unchanged, skipped.
pub const QUIET: Style = Style::new().dimmed();
/// Bold: headings and totals.
pub const STRONG: Style = Style::new().bold();

/// `text` in `style` (the codes are dropped on the way out where colours are off).
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// Prints a line to standard output, in colour only on a terminal.
pub fn line(text: &str) {
    anstream::println!("{text}");
}

/// A bar of `done of total` steps on the terminal, while lines of what ended print above it.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar for `total` steps; none when standard error is not a terminal or `show` is false
    /// (JSON output).
    pub fn new(total: u64, show: bool) -> Self {
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} steps  {elapsed} {msg}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    /// Prints `text` above the bar.
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| line(text)),
            None => line(text),
        }
    }

    /// Moves the bar to `done` steps, saying what runs now.
    pub fn set(&self, done: u64, running: &str) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            bar.set_message(running.to_owned());
        }
    }

    /// Takes the bar off the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
