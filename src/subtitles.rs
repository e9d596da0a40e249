//! Subtitles: a chapter's utterance cues (as the manifest lists them) → SRT, WebVTT or LRC
//! files beside its audio, written as soon as the chapter is.
//!
//! Every cue shows the text as written in the input, not its spoken form, at the times the
//! manifest gives (milliseconds for SRT and WebVTT, centiseconds for LRC).

use std::collections::BTreeSet;
use std::path::Path;

use crate::output::{self, ChapterRecord};

/// A subtitle format, named by its file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubtitleFormat {
    Srt,
    Vtt,
    Lrc,
}

impl SubtitleFormat {
    pub const ALL: [SubtitleFormat; 3] = [
        SubtitleFormat::Srt,
        SubtitleFormat::Vtt,
        SubtitleFormat::Lrc,
    ];

    pub fn extension(self) -> &'static str {
        match self {
            SubtitleFormat::Srt => "srt",
            SubtitleFormat::Vtt => "vtt",
            SubtitleFormat::Lrc => "lrc",
        }
    }

    /// `srt`, `vtt` (or `webvtt`), `lrc`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "srt" => Some(SubtitleFormat::Srt),
            "vtt" | "webvtt" => Some(SubtitleFormat::Vtt),
            "lrc" => Some(SubtitleFormat::Lrc),
            _ => None,
        }
    }
}

/// What a subtitle file says about its book, for the LRC header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookInfo {
    pub title: Option<String>,
    pub author: Option<String>,
}

/// The subtitle file of `chapter` in `format`.
pub fn render(chapter: &ChapterRecord, format: SubtitleFormat, book: &BookInfo) -> String {
    match format {
        SubtitleFormat::Srt => srt(chapter),
        SubtitleFormat::Vtt => vtt(chapter),
        SubtitleFormat::Lrc => lrc(chapter, book),
    }
}

/// Writes the subtitle files of `chapter` (which must list its utterances) beside its audio
/// file in `dir`, one per format; returns their names.
pub fn write(
    dir: &Path,
    chapter: &ChapterRecord,
    formats: &BTreeSet<SubtitleFormat>,
    book: &BookInfo,
) -> Result<Vec<String>, output::OutputError> {
    let mut names = Vec::with_capacity(formats.len());
    for &format in formats {
        let name = Path::new(&chapter.file)
            .with_extension(format.extension())
            .display()
            .to_string();
        output::write_atomic(&dir.join(&name), render(chapter, format, book).as_bytes())?;
        names.push(name);
    }
    Ok(names)
}

/// Cues with something to show: (start ms, end ms, text on one line).
fn cues(chapter: &ChapterRecord) -> impl Iterator<Item = (u64, u64, String)> + '_ {
    chapter.utterances.iter().filter_map(|u| {
        let text = u.written.split_whitespace().collect::<Vec<_>>().join(" ");
        let (start, end) = (millis(u.start), millis(u.end));
        (!text.is_empty() && end > start).then_some((start, end, text))
    })
}

fn millis(seconds: f64) -> u64 {
    (seconds.max(0.0) * 1000.0).round() as u64
}

/// `HH:MM:SS` then `sep` and milliseconds.
fn clock(ms: u64, sep: char) -> String {
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

fn srt(chapter: &ChapterRecord) -> String {
    let mut out = String::new();
    for (n, (start, end, text)) in cues(chapter).enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {}\n{text}\n\n",
            n + 1,
            clock(start, ','),
            clock(end, ',')
        ));
    }
    out
}

fn vtt(chapter: &ChapterRecord) -> String {
    let mut out = format!("WEBVTT - {}\n\n", one_line(&chapter.title));
    for (start, end, text) in cues(chapter) {
        // "-->" inside a cue's text would end it early
        let text = text.replace("-->", "->");
        out.push_str(&format!(
            "{} --> {}\n{text}\n\n",
            clock(start, '.'),
            clock(end, '.')
        ));
    }
    out
}

/// `[mm:ss.xx]` with minutes past 99 kept whole, as players read them.
fn lrc_time(ms: u64) -> String {
    let cs = (ms + 5) / 10;
    format!("[{:02}:{:02}.{:02}]", cs / 6000, cs / 100 % 60, cs % 100)
}

fn lrc(chapter: &ChapterRecord, book: &BookInfo) -> String {
    let mut out = format!("[ti:{}]\n", one_line(&chapter.title));
    if let Some(author) = &book.author {
        out.push_str(&format!("[ar:{}]\n", one_line(author)));
    }
    if let Some(title) = &book.title {
        out.push_str(&format!("[al:{}]\n", one_line(title)));
    }
    let length = millis(chapter.duration) / 1000;
    out.push_str(&format!("[length:{:02}:{:02}]\n", length / 60, length % 60));
    let cues: Vec<_> = cues(chapter).collect();
    for (i, (start, end, text)) in cues.iter().enumerate() {
        out.push_str(&format!("{}{text}\n", lrc_time(*start)));
        // LRC has no end times: an empty line clears the text through a long pause
        let next = cues.get(i + 1).map(|c| c.0);
        if next.is_none_or(|next| next > end + 1000) {
            out.push_str(&format!("{}\n", lrc_time(*end)));
        }
    }
    out
}

/// `text` on one line: runs of whitespace, line breaks included, become one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::UtteranceRecord;

    fn chapter() -> ChapterRecord {
        let utterance = |written: &str, start: f64, end: f64| UtteranceRecord {
            id: "1.1".parse().unwrap(),
            line: 1,
            written: written.into(),
            text: "二零二零年".into(),
            start,
            end,
            voice: None,
        };
        ChapterRecord {
            index: 1,
            title: "第一章 出发".into(),
            level: 1,
            file: "01-第一章-出发.wav".into(),
            frames: 24000 * 3700,
            duration: 3700.0,
            key: String::new(),
            loudness: None,
            utterances: vec![
                utterance("2020年，我们出发。", 0.03, 1.2345),
                utterance("第二句 --> 到了", 1.6, 2.5),
                utterance("第三句", 3661.001, 3662.999),
            ],
        }
    }

    #[test]
    fn srt_numbers_cues_and_shows_the_written_text() {
        let srt = render(&chapter(), SubtitleFormat::Srt, &BookInfo::default());
        assert!(srt.starts_with("1\n00:00:00,030 --> 00:00:01,235\n2020年，我们出发。\n\n2\n"));
        assert!(srt.contains("3\n01:01:01,001 --> 01:01:02,999\n第三句\n"));
        assert!(!srt.contains("二零二零年"));
    }

    #[test]
    fn vtt_has_its_header_and_no_arrow_inside_text() {
        let vtt = render(&chapter(), SubtitleFormat::Vtt, &BookInfo::default());
        assert!(vtt.starts_with("WEBVTT - 第一章 出发\n\n00:00:00.030 --> 00:00:01.235\n"));
        assert!(vtt.contains("第二句 -> 到了"));
    }

    #[test]
    fn lrc_uses_centiseconds_and_whole_minutes() {
        let book = BookInfo {
            title: Some("小书".into()),
            author: Some("某人".into()),
        };
        let lrc = render(&chapter(), SubtitleFormat::Lrc, &book);
        assert!(lrc.contains("[ar:某人]\n[al:小书]\n[length:61:40]\n"));
        assert!(lrc.contains("[00:00.03]2020年，我们出发。\n[00:01.60]第二句"));
        assert!(lrc.contains("[61:01.00]第三句\n[61:03.00]\n"));
    }

    #[test]
    fn formats_parse_from_their_names() {
        assert_eq!(SubtitleFormat::parse("VTT"), Some(SubtitleFormat::Vtt));
        assert_eq!(SubtitleFormat::parse("ass"), None);
    }
}
