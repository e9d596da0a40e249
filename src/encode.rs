//! Encode: finished chapter WAVs → MP3 per chapter or one M4B audiobook, with ffmpeg.
//!
//! ffmpeg runs as a program, like espeak-ng; the WAV path never needs it. Files are
//! written under a temporary name and renamed when ffmpeg succeeds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::env::EnvVars;
use crate::output::Manifest;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error(
        "`{program}` is not installed; {what} needs ffmpeg: install it (`apt install ffmpeg`) or leave out --format to write WAV only"
    )]
    Missing { program: String, what: String },
    #[error("`{program}` could not start")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{program}` failed making {}:\n{stderr}", path.display())]
    Failed {
        program: String,
        path: PathBuf,
        stderr: String,
    },
    #[error("cannot write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The ffmpeg program: `$NARRATE_FFMPEG`, else `ffmpeg` on the PATH.
pub fn program() -> String {
    std::env::var(EnvVars::NARRATE_FFMPEG).unwrap_or_else(|_| "ffmpeg".into())
}

/// Checks that ffmpeg runs, before hours of synthesis depend on it. `what` names the
/// option that needs it, for the message.
pub fn check(what: &str) -> Result<(), EncodeError> {
    let program = program();
    match Command::new(&program).arg("-version").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(_) => Err(EncodeError::Missing {
            program,
            what: what.into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(EncodeError::Missing {
            program,
            what: what.into(),
        }),
        Err(source) => Err(EncodeError::Spawn { program, source }),
    }
}

/// Runs ffmpeg in `dir` with `args` (the last being the temp output), then renames the
/// temp file to `destination`.
fn ffmpeg(dir: &Path, args: &[String], temp: &Path, destination: &Path) -> Result<(), EncodeError> {
    let program = program();
    let out = Command::new(&program)
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => EncodeError::Missing {
                program: program.clone(),
                what: "encoding".into(),
            },
            _ => EncodeError::Spawn {
                program: program.clone(),
                source,
            },
        })?;
    if !out.status.success() {
        let _ = std::fs::remove_file(dir.join(temp));
        return Err(EncodeError::Failed {
            program,
            path: dir.join(destination),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    std::fs::rename(dir.join(temp), dir.join(destination)).map_err(|source| EncodeError::Io {
        path: dir.join(destination),
        source,
    })
}

/// The book's title and author as the manifest has them, or what is known instead.
fn title(manifest: &Manifest) -> String {
    manifest.title.clone().unwrap_or_else(|| {
        Path::new(&manifest.source)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "audiobook".into())
    })
}

/// Writes `NN-<title>.mp3` beside each chapter WAV (VBR around 130 kb/s for speech, with
/// title, album, artist and track tags). Returns the file names, in chapter order.
pub fn mp3(manifest: &Manifest, dir: &Path) -> Result<Vec<String>, EncodeError> {
    let album = title(manifest);
    let count = manifest.chapters.len();
    let mut files = Vec::new();
    for chapter in &manifest.chapters {
        let name = Path::new(&chapter.file).with_extension("mp3");
        let temp = PathBuf::from(format!(".{}.tmp", name.display()));
        let mut args: Vec<String> = vec!["-i".into(), chapter.file.clone()];
        for (key, value) in [
            ("title", Some(chapter.title.clone())),
            ("album", Some(album.clone())),
            ("artist", manifest.author.clone()),
            ("track", Some(format!("{}/{count}", chapter.index))),
        ] {
            if let Some(value) = value {
                args.extend(["-metadata".into(), format!("{key}={value}")]);
            }
        }
        args.extend(
            ["-codec:a", "libmp3lame", "-q:a", "4", "-f", "mp3"]
                .map(String::from)
                .into_iter()
                .chain([temp.display().to_string()]),
        );
        ffmpeg(dir, &args, &temp, &name)?;
        files.push(name.display().to_string());
    }
    Ok(files)
}

/// Writes one M4B (AAC in MP4, 64 kb/s) of every chapter in order, with a chapter marker
/// and title for each and the book's title and author. Returns its file name.
pub fn m4b(manifest: &Manifest, dir: &Path) -> Result<String, EncodeError> {
    let book = title(manifest);
    let name = crate::output::chapter_file_name(0, &book, "m4b");
    let name = name.strip_prefix("00-").unwrap_or(&name).to_owned();
    let io = |path: PathBuf| move |source| EncodeError::Io { path, source };

    let list_path = dir.join(".m4b-chapters.txt");
    let mut list = String::new();
    for chapter in &manifest.chapters {
        list.push_str(&format!("file '{}'\n", chapter.file.replace('\'', r"'\''")));
    }
    std::fs::write(&list_path, list).map_err(io(list_path.clone()))?;

    let meta_path = dir.join(".m4b-metadata.txt");
    let mut meta = String::from(";FFMETADATA1\n");
    meta.push_str(&format!(
        "title={}\nalbum={}\n",
        escape(&book),
        escape(&book)
    ));
    if let Some(author) = &manifest.author {
        meta.push_str(&format!(
            "artist={}\nalbum_artist={}\n",
            escape(author),
            escape(author)
        ));
    }
    meta.push_str("genre=Audiobook\n");
    let mut start_frames = 0usize;
    let rate = f64::from(manifest.sample_rate.max(1));
    let ms = |frames: usize| (frames as f64 * 1000.0 / rate).round() as u64;
    for chapter in &manifest.chapters {
        let end_frames = start_frames + chapter.frames;
        meta.push_str(&format!(
            "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART={}\nEND={}\ntitle={}\n",
            ms(start_frames),
            ms(end_frames),
            escape(&chapter.title)
        ));
        start_frames = end_frames;
    }
    std::fs::write(&meta_path, meta).map_err(io(meta_path.clone()))?;

    let temp = PathBuf::from(format!(".{name}.tmp"));
    let args: Vec<String> = [
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        ".m4b-chapters.txt",
        "-i",
        ".m4b-metadata.txt",
        "-map",
        "0:a",
        "-map_metadata",
        "1",
        "-map_chapters",
        "1",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-f",
        "ipod",
    ]
    .map(String::from)
    .into_iter()
    .chain([temp.display().to_string()])
    .collect();
    let result = ffmpeg(dir, &args, &temp, Path::new(&name));
    let _ = std::fs::remove_file(&list_path);
    let _ = std::fs::remove_file(&meta_path);
    result.map(|()| name)
}

/// Escapes a value for ffmpeg's metadata file format.
fn escape(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        if matches!(c, '=' | ';' | '#' | '\\' | '\n') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_values_escape_what_ffmpeg_reads_as_syntax() {
        assert_eq!(escape("a=b;c#d\\e"), "a\\=b\\;c\\#d\\\\e");
    }
}
