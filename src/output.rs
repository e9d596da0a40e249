//! Output: file names made from titles, `manifest.json`, and atomic writes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::segment::UtteranceId;
use crate::text::Warning;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Wav {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
    #[error("output folder {} is a file; choose another folder with -o", path.display())]
    NotADirectory { path: PathBuf },
    #[error(transparent)]
    Loudness(#[from] crate::loudness::LoudnessError),
}

/// Everything a player or a later run needs to know about one narrated input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The input file as given on the command line.
    pub source: String,
    pub title: Option<String>,
    pub author: Option<String>,
    /// Voice name and the engine behind it.
    pub voice: String,
    pub backend: String,
    pub sample_rate: u32,
    pub chapters: Vec<ChapterRecord>,
    pub warnings: Vec<Warning>,
    /// The command that made the book, so that `narrate check --redo` can make chapters
    /// again the same way; absent in books made by the library without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunRecord>,
}

/// A command line that narrated a book: its arguments (never secrets: those come from
/// the environment) and the folder it ran in, which relative paths in them start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub args: Vec<String>,
    pub dir: String,
}

/// One chapter file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChapterRecord {
    /// 1-based, as in the file name.
    pub index: usize,
    pub title: String,
    /// How deep its heading sits in the document ([`crate::Section::level`]): 1 for a
    /// chapter, 2 for a section in it; 0 for text under no heading. A player may nest by it.
    #[serde(default)]
    pub level: u8,
    /// File name, relative to the manifest's folder.
    pub file: String,
    /// Length in frames and in seconds (frames / sample rate).
    pub frames: usize,
    pub duration: f64,
    /// Hash of everything that went into the file (engine, settings, text); a rerun whose
    /// key matches keeps the file instead of writing it again.
    pub key: String,
    /// Measured level of the file as written (integrated LUFS, true peak dBTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loudness: Option<crate::loudness::Loudness>,
    pub utterances: Vec<UtteranceRecord>,
}

/// Where one utterance is heard, in seconds from the start of its chapter file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtteranceRecord {
    /// Chapter (0-based here, 1-based as written: "chapter.index") and position in it.
    #[serde(serialize_with = "as_text", deserialize_with = "from_text")]
    pub id: UtteranceId,
    /// 1-based line of the input it comes from.
    pub line: usize,
    /// The text as written in the input.
    pub written: std::sync::Arc<str>,
    /// The text as sent to the engine (after normalization).
    pub text: std::sync::Arc<str>,
    pub start: f64,
    pub end: f64,
    /// The voice that says it, when the book has more than one (a dialogue voice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
}

/// An utterance id as the manifest writes it: "chapter.index", both 1-based.
fn as_text<S: serde::Serializer>(id: &UtteranceId, out: S) -> Result<S::Ok, S::Error> {
    out.collect_str(id)
}

fn from_text<'de, D: serde::Deserializer<'de>>(input: D) -> Result<UtteranceId, D::Error> {
    let text = std::borrow::Cow::<str>::deserialize(input)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// The file name of chapter `index` (1-based) titled `title`: chapters are WAV files.
pub fn chapter_audio_file(index: usize, title: &str) -> String {
    chapter_file_name(index, title, "wav")
}

/// Names over this many characters are cut (the index prefix is extra).
const MAX_NAME_CHARS: usize = 60;

/// A chapter file name such as `01-牢记殷殷嘱托.wav`: safe on Linux, macOS and Windows
/// (no separators, reserved characters, control characters, leading dots or reserved device
/// names), bounded in length, and still readable in Chinese.
pub fn chapter_file_name(index: usize, title: &str, extension: &str) -> String {
    let mut name = String::new();
    let mut last_dash = false;
    for c in title.chars() {
        let bad = c.is_control()
            || c.is_whitespace()
            || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|');
        if bad {
            if !last_dash && !name.is_empty() {
                name.push('-');
                last_dash = true;
            }
        } else {
            name.push(c);
            last_dash = false;
        }
        if name.chars().count() >= MAX_NAME_CHARS {
            break;
        }
    }
    let name = name.trim_matches(|c| c == '-' || c == '.');
    let reserved = {
        let upper = name.to_ascii_uppercase();
        let stem = upper.split('.').next().unwrap_or_default();
        matches!(stem, "CON" | "PRN" | "AUX" | "NUL")
            || ((stem.starts_with("COM") || stem.starts_with("LPT"))
                && stem.len() == 4
                && stem.as_bytes()[3].is_ascii_digit())
    };
    let name = if name.is_empty() || reserved {
        "chapter".to_owned()
    } else {
        name.to_owned()
    };
    format!("{index:02}-{name}.{extension}")
}

/// Creates `dir` (and its parents) unless it exists; a file in its place is an error.
pub fn prepare_dir(dir: &Path) -> Result<(), OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError::NotADirectory {
            path: dir.to_owned(),
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Io {
        path: dir.to_owned(),
        source,
    })
}

/// Writes `bytes` to `path` through a temp file in the same folder and a rename, so a
/// reader sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_with(path, |out| out.write_all(bytes))
}

/// Like [`write_atomic`], with the bytes written by `fill` (buffered), so that a large
/// file need not first be built in memory.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let io = |source| OutputError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    // a temp file is private (0600); what players and servers read is not
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o644);
        temp.as_file().set_permissions(mode).map_err(io)?;
    }
    let mut out = std::io::BufWriter::new(temp.as_file_mut());
    fill(&mut out).map_err(io)?;
    std::io::Write::flush(&mut out).map_err(io)?;
    drop(out);
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Makes `path` anew through the side file `side`: `write` writes `side` (reading `path`
/// if it likes), which then replaces `path`. On any failure `side` is removed and `path`
/// is left as it was.
pub fn replace_through<T>(
    path: &Path,
    side: &Path,
    write: impl FnOnce(&Path) -> Result<T, OutputError>,
) -> Result<T, OutputError> {
    crate::files::replace_through(path, side, write, |source| OutputError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Whether the chapter file at `path` is whole: a WAV of `frames` frames at `rate`, as its
/// manifest record says (a killed run can leave a file cut short or of another rate).
pub fn chapter_file_is_whole(path: &Path, frames: usize, rate: crate::audio::SampleRate) -> bool {
    hound::WavReader::open(path)
        .is_ok_and(|r| r.duration() as usize == frames && r.spec().sample_rate == rate.hz())
}

/// Reads a manifest written earlier; `None` when there is none or it does not parse (an
/// older or damaged manifest is simply not reused).
pub fn read_manifest(path: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Removes temp files (`.NAME.tmp` and tempfile's `.tmpXXXX`) that a killed run left in
/// `dir`. Only hidden files with those shapes are touched.
pub fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && (name.ends_with(".tmp") || name.starts_with(".tmp")) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes the manifest as pretty JSON, atomically and streamed (a book's manifest holds
/// every utterance and runs to megabytes).
pub fn write_manifest(path: &Path, manifest: &Manifest) -> Result<(), OutputError> {
    write_manifest_with(path, manifest, &|_| Ok(None))
}

/// Writes `manifest` as [`write_manifest`] does, with the utterances of its chapter `i`
/// taken from `utterances(i)` where that gives some. A run lists each chapter's
/// utterances this way, one chapter at a time, instead of holding the records of the
/// whole book in memory while it writes. An error from `utterances` leaves `path` as it was.
pub fn write_manifest_with(
    path: &Path,
    manifest: &Manifest,
    utterances: &Fill,
) -> Result<(), OutputError> {
    let filled = Filled {
        manifest,
        utterances,
    };
    write_atomic_with(path, |out| {
        serde_json::to_writer_pretty(out, &filled).map_err(std::io::Error::from)
    })
}

/// A manifest whose chapters' utterances come from a function; serializes exactly as
/// [`Manifest`] does.
struct Filled<'a> {
    manifest: &'a Manifest,
    utterances: &'a Fill<'a>,
}

/// Gives the utterances of a manifest's chapter `i`, or `None` to write the chapter's own.
pub type Fill<'a> = dyn Fn(usize) -> std::io::Result<Option<Vec<UtteranceRecord>>> + 'a;

impl Serialize for Filled<'_> {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // every field, in order: a field added to Manifest does not compile here until
        // it is written here too
        let Manifest {
            source,
            title,
            author,
            voice,
            backend,
            sample_rate,
            chapters: _,
            warnings,
            run,
        } = self.manifest;
        let mut fields = out.serialize_struct("Manifest", 9)?;
        fields.serialize_field("source", source)?;
        fields.serialize_field("title", title)?;
        fields.serialize_field("author", author)?;
        fields.serialize_field("voice", voice)?;
        fields.serialize_field("backend", backend)?;
        fields.serialize_field("sample_rate", sample_rate)?;
        fields.serialize_field("chapters", &FilledChapters(self))?;
        fields.serialize_field("warnings", warnings)?;
        if let Some(run) = run {
            fields.serialize_field("run", run)?;
        } else {
            fields.skip_field("run")?;
        }
        fields.end()
    }
}

struct FilledChapters<'a>(&'a Filled<'a>);

impl Serialize for FilledChapters<'_> {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let chapters = &self.0.manifest.chapters;
        let mut seq = out.serialize_seq(Some(chapters.len()))?;
        for (i, chapter) in chapters.iter().enumerate() {
            let filled = (self.0.utterances)(i).map_err(serde::ser::Error::custom)?;
            match filled {
                Some(utterances) => seq.serialize_element(&ChapterRecord {
                    utterances,
                    ..chapter.clone()
                })?,
                None => seq.serialize_element(chapter)?,
            }
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_title_stays_readable() {
        assert_eq!(
            chapter_file_name(1, "牢记殷殷嘱托", "wav"),
            "01-牢记殷殷嘱托.wav"
        );
    }

    #[test]
    fn separators_and_reserved_characters_are_replaced() {
        assert_eq!(
            chapter_file_name(2, "a/b\\c: d?*\"<>|", "wav"),
            "02-a-b-c-d.wav"
        );
        assert_eq!(
            chapter_file_name(3, "../../etc/passwd", "wav"),
            "03-etc-passwd.wav"
        );
        assert!(!chapter_file_name(3, "..", "wav").contains(".."));
    }

    #[test]
    fn windows_device_names_and_empty_titles_get_a_plain_name() {
        assert_eq!(chapter_file_name(4, "CON", "wav"), "04-chapter.wav");
        assert_eq!(chapter_file_name(4, "com1", "wav"), "04-chapter.wav");
        assert_eq!(chapter_file_name(5, "   ", "wav"), "05-chapter.wav");
        assert_eq!(chapter_file_name(6, "Console", "wav"), "06-Console.wav");
    }

    #[test]
    fn long_titles_are_cut() {
        let title = "长".repeat(500);
        let name = chapter_file_name(7, &title, "wav");
        assert!(name.chars().count() <= MAX_NAME_CHARS + 8, "{name}");
    }

    #[test]
    fn output_path_that_is_a_file_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("book");
        std::fs::write(&file, "x").unwrap();
        let err = prepare_dir(&file).unwrap_err().to_string();
        assert!(err.contains("book") && err.contains("is a file"), "{err}");
    }

    #[test]
    fn atomic_write_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        write_atomic(&path, b"old old old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A manifest of two chapters, the second with its utterances.
    fn two_chapters() -> Manifest {
        let record = |index: usize, written: &str, start: f64| UtteranceRecord {
            id: UtteranceId::new(1, index),
            line: 7 + index,
            written: written.into(),
            text: written.replace("2", "二").into(),
            start,
            end: start + 1.0,
            voice: None,
        };
        let chapter = |index: usize, utterances: Vec<UtteranceRecord>| ChapterRecord {
            index,
            title: format!("第{index}章"),
            level: 1,
            file: format!("0{index}-第{index}章.wav"),
            frames: 36000,
            duration: 1.5,
            key: "k".into(),
            loudness: None,
            utterances,
        };
        Manifest {
            source: "book.txt".into(),
            title: Some("书".into()),
            author: None,
            voice: "zh-CN".into(),
            backend: "espeak-ng/cmn".into(),
            sample_rate: 24000,
            chapters: vec![
                chapter(1, Vec::new()),
                chapter(2, vec![record(0, "第二章", 0.03), record(2, "2只", 1.5)]),
            ],
            warnings: Vec::new(),
            run: Some(RunRecord {
                args: vec!["--voice".into(), "zh-CN".into(), "book.txt".into()],
                dir: "/home/reader".into(),
            }),
        }
    }

    #[test]
    fn utterance_ids_are_written_one_based_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        let manifest = two_chapters();
        write_manifest(&path, &manifest).unwrap();
        let json = std::fs::read_to_string(&path).unwrap();
        assert!(json.contains(r#""id": "2.3""#), "{json}");
        assert_eq!(read_manifest(&path), Some(manifest));
        // a manifest with an id that is not one is not reused
        std::fs::write(&path, json.replace(r#""id": "2.3""#, r#""id": "2.0""#)).unwrap();
        assert_eq!(read_manifest(&path), None);
    }

    #[test]
    fn utterances_filled_in_while_writing_give_the_same_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let filled = dir.path().join("filled.json");
        let manifest = two_chapters();
        // what serde's derive writes for the whole manifest
        let whole = serde_json::to_string_pretty(&manifest).unwrap();
        let mut without = manifest.clone();
        let records = std::mem::take(&mut without.chapters[1].utterances);
        let fill = |i: usize| Ok((i == 1).then(|| records.clone()));
        write_manifest_with(&filled, &without, &fill).unwrap();
        assert_eq!(std::fs::read_to_string(&filled).unwrap(), whole);
        // and what it does not fill is written as it is: write_manifest
        write_manifest(&filled, &manifest).unwrap();
        assert_eq!(std::fs::read_to_string(&filled).unwrap(), whole);
    }
}
