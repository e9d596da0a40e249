//! The binary's [`Progress`]: indicatif bars on a terminal, one line per chapter otherwise,
//! nothing with `--quiet`.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use narrate::output::ChapterRecord;
use narrate::progress::Progress;
use narrate::text::Warning;

pub enum Reporter {
    Bars(Bars),
    Lines,
    Quiet,
}

pub struct Bars {
    multi: MultiProgress,
    overall: Mutex<Option<ProgressBar>>,
    chapter: Mutex<Option<ProgressBar>>,
}

impl Reporter {
    /// Bars when stderr is a terminal, lines otherwise, nothing when quiet.
    pub fn new(quiet: bool) -> Self {
        if quiet {
            Reporter::Quiet
        } else if std::io::stderr().is_terminal() {
            Reporter::Bars(Bars {
                multi: MultiProgress::new(),
                overall: Mutex::new(None),
                chapter: Mutex::new(None),
            })
        } else {
            Reporter::Lines
        }
    }

    /// Prints a line without breaking the bars.
    pub fn line(&self, text: &str) {
        match self {
            Reporter::Bars(bars) => {
                let _ = bars.multi.println(text);
            }
            Reporter::Lines => eprintln!("{text}"),
            Reporter::Quiet => {}
        }
    }

    pub fn finish(&self) {
        if let Reporter::Bars(bars) = self {
            for slot in [&bars.chapter, &bars.overall] {
                if let Some(bar) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    bar.finish_and_clear();
                }
            }
        }
    }
}

impl Progress for Reporter {
    fn document_started(&self, source: &Path, chapters: usize, utterances: usize) {
        match self {
            Reporter::Bars(bars) => {
                let bar = bars.multi.add(ProgressBar::new(utterances as u64));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix} [{bar:30}] {pos}/{len} utterances, {elapsed} elapsed, ETA {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_prefix(source.display().to_string());
                if let Some(old) = bars
                    .overall
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .replace(bar)
                {
                    old.finish_and_clear();
                }
            }
            Reporter::Lines => eprintln!(
                "narrate: {}: {chapters} chapters, {utterances} utterances",
                source.display()
            ),
            Reporter::Quiet => {}
        }
    }

    fn chapter_started(&self, index: usize, title: &str, utterances: usize) {
        if let Reporter::Bars(bars) = self {
            let bar = bars.multi.add(ProgressBar::new(utterances as u64));
            bar.set_style(
                ProgressStyle::with_template("  {msg} [{bar:30}] {pos}/{len}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(format!("{index:02} {title}"));
            if let Some(old) = bars
                .chapter
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .replace(bar)
            {
                old.finish_and_clear();
            }
        }
    }

    fn utterance_done(&self) {
        if let Reporter::Bars(bars) = self {
            for slot in [&bars.overall, &bars.chapter] {
                if let Some(bar) = slot.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                    bar.inc(1);
                }
            }
        }
    }

    fn chapter_written(&self, chapter: &ChapterRecord) {
        self.line(&format!(
            "narrate: wrote {} ({:.1} s, {} utterances)",
            chapter.file,
            chapter.duration,
            chapter.utterances.len()
        ));
    }

    fn chapter_kept(&self, chapter: &ChapterRecord) {
        self.line(&format!(
            "narrate: kept {} (already written from the same text and settings)",
            chapter.file
        ));
    }

    fn warning(&self, source: &Path, warning: &Warning) {
        self.line(&format!(
            "narrate: warning: {}: {}: {}",
            source.display(),
            warning.location(),
            warning.message
        ));
    }
}
