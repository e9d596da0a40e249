//! Book: a finished run's manifest → the files beside its chapters that players and servers
//! use: `playlist.m3u8`, a CUE sheet, and MP3 or M4B through [`encode`]. (The run writes
//! each chapter's subtitles as it finishes the chapter: [`crate::subtitles`].)

use std::path::Path;

use crate::encode::{self, EncodeError};
use crate::output::{self, Manifest};
use crate::subtitles::one_line;

/// The container chapters are delivered in. WAV files are always written (the manifest
/// points at them); the others are made from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Container {
    #[default]
    Wav,
    /// One MP3 per chapter.
    Mp3,
    /// One M4B audiobook with chapter markers.
    M4b,
}

impl Container {
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "wav" => Some(Container::Wav),
            "mp3" => Some(Container::Mp3),
            "m4b" => Some(Container::M4b),
            _ => None,
        }
    }

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Mp3 => "mp3",
            Container::M4b => "m4b",
        }
    }

    /// Whether making it needs ffmpeg.
    pub fn needs_ffmpeg(self) -> bool {
        self != Container::Wav
    }
}

/// What to write beside the chapters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookOptions {
    pub container: Container,
}

#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// Files written, relative to the book's folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookFiles {
    pub playlist: String,
    pub cue_sheet: String,
    pub encoded: Vec<String>,
}

/// Encodes, then writes the playlist and the CUE sheet (of the encoded chapters when there
/// are MP3s, else of the WAVs).
pub fn write(
    manifest: &Manifest,
    dir: &Path,
    options: &BookOptions,
) -> Result<BookFiles, BookError> {
    let mut files = BookFiles::default();
    let chapter_files: Vec<String> = match options.container {
        Container::Wav => manifest.chapters.iter().map(|c| c.file.clone()).collect(),
        Container::Mp3 => {
            files.encoded = encode::mp3(manifest, dir)?;
            files.encoded.clone()
        }
        Container::M4b => {
            files.encoded = vec![encode::m4b(manifest, dir)?];
            manifest.chapters.iter().map(|c| c.file.clone()).collect()
        }
    };
    files.playlist = "playlist.m3u8".into();
    output::write_atomic(
        &dir.join(&files.playlist),
        playlist(manifest, &chapter_files).as_bytes(),
    )?;
    files.cue_sheet = "chapters.cue".into();
    output::write_atomic(
        &dir.join(&files.cue_sheet),
        cue_sheet(manifest, &chapter_files).as_bytes(),
    )?;
    Ok(files)
}

/// An extended M3U playlist (UTF-8) of `files`, one per chapter, with titles and whole
/// seconds.
pub fn playlist(manifest: &Manifest, files: &[String]) -> String {
    let mut out = String::from("#EXTM3U\n");
    if let Some(title) = &manifest.title {
        out.push_str(&format!("#PLAYLIST:{}\n", one_line(title)));
    }
    for (chapter, file) in manifest.chapters.iter().zip(files) {
        let artist = manifest
            .author
            .as_deref()
            .map(|a| format!("{} - ", one_line(a)))
            .unwrap_or_default();
        out.push_str(&format!(
            "#EXTINF:{},{artist}{}\n{file}\n",
            chapter.duration.round() as u64,
            one_line(&chapter.title)
        ));
    }
    out
}

/// A CUE sheet with one FILE and TRACK per chapter (titles, performer).
pub fn cue_sheet(manifest: &Manifest, files: &[String]) -> String {
    let quoted = |s: &str| format!("\"{}\"", one_line(s).replace('"', "'"));
    let mut out = String::new();
    if let Some(author) = &manifest.author {
        out.push_str(&format!("PERFORMER {}\n", quoted(author)));
    }
    if let Some(title) = &manifest.title {
        out.push_str(&format!("TITLE {}\n", quoted(title)));
    }
    for (chapter, file) in manifest.chapters.iter().zip(files) {
        let kind = if file.ends_with(".mp3") {
            "MP3"
        } else {
            "WAVE"
        };
        out.push_str(&format!("FILE {} {kind}\n", quoted(file)));
        out.push_str(&format!("  TRACK {:02} AUDIO\n", chapter.index));
        out.push_str(&format!("    TITLE {}\n", quoted(&chapter.title)));
        if let Some(author) = &manifest.author {
            out.push_str(&format!("    PERFORMER {}\n", quoted(author)));
        }
        out.push_str("    INDEX 01 00:00:00\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::ChapterRecord;

    fn manifest() -> Manifest {
        let chapter = |index: usize, title: &str, seconds: f64| ChapterRecord {
            index,
            title: title.into(),
            level: 1,
            file: output::chapter_file_name(index, title, "wav"),
            frames: (seconds * 24000.0) as usize,
            duration: seconds,
            key: String::new(),
            loudness: None,
            utterances: Vec::new(),
        };
        Manifest {
            source: "book.md".into(),
            title: Some("小书".into()),
            author: Some("某 \"人\"".into()),
            voice: "zh-CN".into(),
            backend: "espeak-ng/cmn".into(),
            sample_rate: 24000,
            chapters: vec![chapter(1, "第一章 出发", 61.4), chapter(2, "第二章", 30.0)],
            warnings: Vec::new(),
            run: None,
        }
    }

    #[test]
    fn playlist_lists_chapters_with_titles_and_seconds() {
        let m = manifest();
        let files: Vec<String> = m.chapters.iter().map(|c| c.file.clone()).collect();
        assert_eq!(
            playlist(&m, &files),
            "#EXTM3U\n#PLAYLIST:小书\n#EXTINF:61,某 \"人\" - 第一章 出发\n01-第一章-出发.wav\n\
             #EXTINF:30,某 \"人\" - 第二章\n02-第二章.wav\n"
        );
    }

    #[test]
    fn cue_sheet_has_a_track_per_chapter_and_no_stray_quotes() {
        let m = manifest();
        let files = vec!["01-第一章-出发.mp3".to_owned(), "02-第二章.mp3".to_owned()];
        let cue = cue_sheet(&m, &files);
        assert!(
            cue.starts_with("PERFORMER \"某 '人'\"\nTITLE \"小书\"\n"),
            "{cue}"
        );
        assert!(
            cue.contains("FILE \"02-第二章.mp3\" MP3\n  TRACK 02 AUDIO\n    TITLE \"第二章\"\n")
        );
        assert_eq!(cue.matches("INDEX 01 00:00:00").count(), 2);
    }
}
