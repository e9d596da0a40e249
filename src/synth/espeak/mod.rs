//! The espeak-ng backend: `espeak-ng --stdout` speaks the text given on stdin, WAV on
//! stdout; one process per utterance, or per batch of utterances (voice setting `batch`).
//!
//! A batch goes in as SSML, one utterance a line, each followed by a 1-second break. The
//! breaks come out as the only runs of exact digital silence that long, and the audio is cut
//! there. When the cut is not certain (a line that says nothing, a pause as long as a
//! break), the batch is spoken again one process per utterance, so a batch never puts the
//! wrong audio under an utterance.
//!
//! When the program is `espeak-ng` itself and the caller names a batch server (the
//! `narrate` binary does: [`server`]), each worker thread speaks through a server that
//! forks a ready copy of libespeak-ng per batch instead of starting the program: the same
//! audio, byte for byte, without a process start each time.

#[cfg(target_os = "linux")]
mod library;
#[cfg(target_os = "linux")]
mod serve;
pub mod server;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::mandarin::{self, latin};
use super::{SynthError, Synthesizer};
use crate::audio::Audio;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
/// `[backend = "espeak"]` settings in a voice file.
pub struct Settings {
    /// Program to run.
    #[serde(default = "Settings::default_program")]
    pub program: String,
    /// espeak-ng voice name; by default derived from the language (zh → cmn).
    pub voice: Option<String>,
    /// Words per minute at `--rate 1.0`.
    #[serde(default = "Settings::default_speed")]
    pub speed: u32,
    /// 0..=99.
    #[serde(default = "Settings::default_pitch")]
    pub pitch: u32,
    /// Utterances spoken by one `espeak-ng` process (1: a process for each); starting the
    /// process costs about as much as speaking a short sentence.
    #[serde(default = "Settings::default_batch")]
    pub batch: usize,
}

impl Settings {
    /// The program when a voice names none: `espeak-ng`, found on PATH.
    pub const DEFAULT_PROGRAM: &'static str = "espeak-ng";

    fn default_program() -> String {
        Self::DEFAULT_PROGRAM.into()
    }
    fn default_speed() -> u32 {
        175
    }
    fn default_pitch() -> u32 {
        50
    }
    fn default_batch() -> usize {
        1
    }
}

/// Why espeak-ng could not speak an utterance.
#[derive(Debug, thiserror::Error)]
pub enum EspeakError {
    #[error(
        "`{program}` could not start; install it (`apt-get install espeak-ng`) or choose another voice (`narrate voices`)"
    )]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{program}` failed while running")]
    Io {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{program}` exited with {status}:\n{stderr}")]
    Exited {
        program: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("`{program}` returned audio narrate cannot read")]
    BadAudio {
        program: String,
        #[source]
        source: crate::audio::AudioError,
    },
}

/// espeak-ng accepts words per minute in this range.
const SPEED_RANGE: (f32, f32) = (80.0, 450.0);

#[derive(Debug, Clone)]
pub struct Espeak {
    id: String,
    program: String,
    voice: String,
    speed: u32,
    pitch: u32,
    batch: usize,
    version: std::sync::OnceLock<String>,
    /// The voice's file under espeak-ng's data folder (`sit/cmn` for `cmn`), asked once.
    voice_file: std::sync::OnceLock<String>,
    /// The program that serves batches ([`server`]), when there is one.
    server: Option<PathBuf>,
    /// Set when a server could not start: the program is started from then on.
    server_refused: Arc<AtomicBool>,
    /// A Mandarin voice: Latin letters and words go to espeak-ng as the characters
    /// Mandarin speakers say for them (CEO → 西伊欧), where `cmn` would switch to English.
    mandarin: bool,
}

impl Espeak {
    /// `rate` scales the voice's words-per-minute (clamped to what espeak-ng accepts).
    pub fn new(settings: &Settings, language: &str, rate: f32) -> Self {
        let voice = settings
            .voice
            .clone()
            .unwrap_or_else(|| default_voice(language));
        let speed = (settings.speed as f32 * rate).clamp(SPEED_RANGE.0, SPEED_RANGE.1) as u32;
        Espeak {
            id: format!("espeak-ng/{voice}"),
            program: settings.program.clone(),
            voice,
            speed,
            pitch: settings.pitch.min(99),
            batch: settings.batch.max(1),
            version: std::sync::OnceLock::new(),
            voice_file: std::sync::OnceLock::new(),
            server: None,
            server_refused: Arc::new(AtomicBool::new(false)),
            mandarin: mandarin::is_mandarin(language),
        }
    }

    /// `text` as espeak-ng gets it: one line, and for a Mandarin voice Latin letters as
    /// characters ([`latin::as_hanzi`]).
    fn line(&self, text: &str) -> String {
        let line = one_line(text);
        if self.mandarin {
            latin::as_hanzi(&line).into_owned()
        } else {
            line
        }
    }

    /// Speaks through batch servers started as `program` (the `narrate` binary) when the
    /// engine is the `espeak-ng` program; any other program (a wrapper, another build) is
    /// always started as itself. The server forks, so only on Linux; elsewhere the program
    /// is started for each batch.
    pub fn with_server(mut self, program: PathBuf) -> Self {
        if cfg!(target_os = "linux") && self.program == Settings::DEFAULT_PROGRAM {
            self.server = Some(program);
        }
        self
    }

    /// Speaks `input` (what the program would read on stdin) into `wav` through this
    /// thread's batch server, started on first use; false when there is no server or it
    /// failed, and the caller starts the program instead (which also reports errors).
    fn served(&self, input: &str, ssml: bool, wav: &mut Vec<u8>) -> bool {
        let Some(program) = &self.server else {
            return false;
        };
        if self.server_refused.load(Ordering::Relaxed) {
            return false;
        }
        let args = server::server_args(self.voice_argument(), self.speed, self.pitch);
        SERVER.with_borrow_mut(|kept| {
            let server = match kept {
                Some(server) if server.serves(program, &args) => server,
                _ => {
                    *kept = None;
                    match server::Server::start(program, &args, self.version()) {
                        Ok(server) => kept.insert(server),
                        Err(why) => {
                            log::debug!("espeak-ng batch server not used: {why}");
                            self.server_refused.store(true, Ordering::Relaxed);
                            return false;
                        }
                    }
                }
            };
            match server.speak(input, ssml, wav) {
                Ok(()) => true,
                Err(why) => {
                    log::debug!("espeak-ng batch server: {why}; starting espeak-ng instead");
                    *kept = None;
                    false
                }
            }
        })
    }

    /// What to pass to `-v`: the voice's file when `espeak-ng --voices=NAME` names one,
    /// otherwise the name. By name, espeak-ng reads every voice file at each start to find
    /// the match (425 files opened for `cmn`); by file it opens 66, which halves the start
    /// of every process (11 → 5 ms of CPU here). The audio is the same.
    fn voice_argument(&self) -> &str {
        self.voice_file.get_or_init(|| {
            Command::new(&self.program)
                .arg(format!("--voices={}", self.voice))
                .stdin(Stdio::null())
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| voice_file(&String::from_utf8_lossy(&o.stdout), &self.voice))
                .unwrap_or_else(|| self.voice.clone())
        })
    }

    /// What `espeak-ng --version` says (first line), asked once; "unknown" when it fails.
    fn version(&self) -> &str {
        self.version.get_or_init(|| {
            Command::new(&self.program)
                .arg("--version")
                .stdin(Stdio::null())
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .next()
                        .map(|l| l.trim().to_owned())
                })
                .unwrap_or_else(|| "unknown".into())
        })
    }

    /// The command line, without the text (which goes to stdin).
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(["-b", "1", "--stdout", "-v", self.voice_argument()])
            .arg("-s")
            .arg(self.speed.to_string())
            .arg("-p")
            .arg(self.pitch.to_string());
        cmd
    }
}

/// The file of voice `name` in a `espeak-ng --voices=…` listing (columns: Pty, Language,
/// Age/Gender, VoiceName, File, Other Languages): the row whose language is `name`.
fn voice_file(listing: &str, name: &str) -> Option<String> {
    listing.lines().skip(1).find_map(|row| {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let (language, file) = (columns.get(1)?, columns.get(4)?);
        (language.eq_ignore_ascii_case(name) && !file.starts_with('!') && !file.contains(".."))
            .then(|| file.to_string())
    })
}

/// espeak-ng's voice for a BCP 47 tag: zh-* → cmn, otherwise the tag in lower case.
fn default_voice(language: &str) -> String {
    let lower = language.to_ascii_lowercase();
    if lower.starts_with("zh") || lower.starts_with("cmn") {
        "cmn".into()
    } else {
        lower
    }
}

/// The break after each utterance of a batch; it scales with the speaking speed, as every
/// espeak-ng pause does, so it stays several times longer than any pause inside a sentence.
const BATCH_BREAK: &str = r#"<break time="1s"/>"#;
/// The buffer `espeak-ng` reads each stdin line into with `fgets`.
const LINE_BUFFER: usize = 1000;
/// Longest line espeak-ng reads in one piece (into [`LINE_BUFFER`] bytes), with some to
/// spare.
const MAX_LINE_BYTES: usize = LINE_BUFFER - 10;
/// Silence kept on each side of an utterance cut out of a batch (more than the pipeline's
/// trim margin, so the result trims the same as a lone utterance).
const CUT_MARGIN: std::time::Duration = std::time::Duration::from_millis(100);

impl Espeak {
    /// Speaks `texts` in one process and cuts the audio at the breaks; `None` when that did
    /// not work out for sure (the caller speaks them one by one, which also reports errors).
    fn speak_batch(&self, texts: &[&str]) -> Option<Vec<Audio>> {
        let mut input = String::new();
        for text in texts {
            let line = escape_xml(&self.line(text));
            if line.len() + BATCH_BREAK.len() + 1 > MAX_LINE_BYTES {
                return None;
            }
            input.push_str(&line);
            input.push_str(BATCH_BREAK);
            input.push('\n');
        }
        // the batch's WAV goes into a buffer each worker thread keeps: a batch is a few MB,
        // and a fresh one per batch costs more in page faults than it takes to cut
        BATCH_OUTPUT.with_borrow_mut(|stdout| {
            let spoken = self.served(&input, true, stdout) || {
                let mut cmd = self.command();
                cmd.arg("-m");
                run_batch(cmd, &input, stdout).is_ok_and(|status| status.success())
            };
            let pieces = spoken.then(|| cut_batch(stdout, texts.len())).flatten();
            // a batch far larger than usual does not stay allocated, whether it was cut or not
            if stdout.capacity() > MAX_KEPT_OUTPUT {
                *stdout = Vec::new();
            }
            pieces
        })
    }
}

/// A batch's 16-bit WAV cut at its breaks into `n` utterances, only the pieces converted.
fn cut_batch(wav: &[u8], n: usize) -> Option<Vec<Audio>> {
    let (rate, samples) = crate::audio::plain_pcm16(wav)?;
    let margin = rate.frames(CUT_MARGIN);
    let pieces = split_at_breaks(samples, n, margin)?
        .into_iter()
        .map(|range| Audio {
            samples: samples[range]
                .iter()
                .map(|&s| crate::audio::pcm16_to_f32(s))
                .collect(),
            rate,
        })
        .collect();
    Some(pieces)
}

thread_local! {
    static BATCH_OUTPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// This thread's batch server, when the engine has one.
    static SERVER: std::cell::RefCell<Option<server::Server>> = const { std::cell::RefCell::new(None) };
    /// An unnamed temp file (gone when the thread ends, however the process ends) that
    /// this thread's batches write their WAV to.
    static BATCH_FILE: std::cell::RefCell<Option<std::fs::File>> = const { std::cell::RefCell::new(None) };
}

/// Largest batch output buffer a thread keeps between batches (about a minute of audio).
const MAX_KEPT_OUTPUT: usize = 4 << 20;

/// Runs `cmd` on `input` (a batch: a few kB, less than a pipe holds, so writing it all
/// before waiting cannot block) and reads its stdout into `stdout`; stderr is dropped,
/// as a failed batch is spoken again one utterance at a time, which reports errors.
///
/// The engine's stdout is a temp file, not a pipe: it writes its WAV a few kB at a time,
/// and a reader waiting on a pipe is woken for every write (about 500 times a batch, a
/// tenth of the CPU narrate itself spent). The file is rewritten from its start each
/// time and never truncated, so its pages stay in memory; the engine's writes move the
/// offset the two processes share, which then says how much it wrote.
fn run_batch(
    mut cmd: Command,
    input: &str,
    stdout: &mut Vec<u8>,
) -> std::io::Result<std::process::ExitStatus> {
    use std::io::{Read, Seek, SeekFrom};
    if input.len() > PIPE_SAFE_INPUT {
        let output = run(cmd, input)?;
        *stdout = output.stdout;
        return Ok(output.status);
    }
    BATCH_FILE.with_borrow_mut(|kept| {
        let file = match kept {
            Some(file) => file,
            None => kept.insert(tempfile::tempfile()?),
        };
        file.seek(SeekFrom::Start(0))?;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(file.try_clone()?)
            .stderr(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            match stdin.write_all(input.as_bytes()) {
                // the engine quit before reading: its exit status says so
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other?,
            }
        }
        let status = child.wait()?;
        let written = file.stream_position()?;
        file.seek(SeekFrom::Start(0))?;
        stdout.clear();
        stdout.reserve_exact(usize::try_from(written).unwrap_or(0));
        file.take(written).read_to_end(stdout)?;
        Ok(status)
    })
}

/// Input small enough to sit in a pipe (Linux holds 64 kB) while the engine starts.
const PIPE_SAFE_INPUT: usize = 16 << 10;

/// The text as one line: newlines would be read as separate clauses (and, in a batch, as
/// separate utterances).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Starts `cmd`, writes `input` to its stdin and collects what it says.
fn run(mut cmd: Command, input: &str) -> std::io::Result<std::process::Output> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdin = child.stdin.take();
    let input = input.as_bytes().to_vec();
    // write from another thread: a long batch fills the stdout pipe before stdin is read
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            match stdin.write_all(&input) {
                // the engine quit before reading: its exit status and stderr say why
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        } else {
            Ok(())
        }
    });
    let output = child.wait_with_output()?;
    writer
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("stdin writer panicked")))?;
    Ok(output)
}

/// Where to cut batch audio into `n` utterances: at the `n` longest runs of exact zeros,
/// the last of which must reach the end, keeping up to `margin` samples of each break on
/// either side. `None` unless those runs are clearly the breaks: each at least twice as
/// long as any other run, and each piece has sound.
fn split_at_breaks<S: Copy + PartialEq + Default>(
    samples: &[S],
    n: usize,
    margin: usize,
) -> Option<Vec<std::ops::Range<usize>>> {
    let zero = S::default();
    let mut runs: Vec<(usize, usize)> = Vec::new(); // (start, end)
    let mut i = 0;
    while i < samples.len() {
        if samples[i] == zero {
            let start = i;
            while i < samples.len() && samples[i] == zero {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    if runs.len() < n {
        return None;
    }
    runs.sort_by_key(|&(start, end)| std::cmp::Reverse((end - start, start)));
    let shortest_break = runs[n - 1].1 - runs[n - 1].0;
    let longest_other = runs.get(n).map_or(0, |&(start, end)| end - start);
    if shortest_break < 2 * longest_other || shortest_break == 0 {
        return None;
    }
    let mut breaks = runs[..n].to_vec();
    breaks.sort_unstable();
    if breaks[n - 1].1 != samples.len() {
        return None;
    }
    let mut pieces = Vec::with_capacity(n);
    let mut previous = (0, 0); // the break before this utterance
    for &(start, end) in &breaks {
        if start == previous.1 {
            return None; // nothing between two breaks
        }
        // some of the silence on each side, all of it from within the breaks
        let lead = previous.1.saturating_sub(margin).max(previous.0);
        let tail = (start + margin).min(end);
        pieces.push(lead..tail);
        previous = (start, end);
    }
    Some(pieces)
}

impl Synthesizer for Espeak {
    fn id(&self) -> &str {
        &self.id
    }

    fn deterministic(&self) -> bool {
        true
    }

    fn fingerprint(&self) -> String {
        format!(
            "espeak|{}|{}|voice={}|speed={}|pitch={}{}",
            self.program,
            self.version(),
            self.voice,
            self.speed,
            self.pitch,
            if self.mandarin { "|latin=hanzi" } else { "" }
        )
    }

    fn batch_size(&self) -> usize {
        self.batch
    }

    fn synthesize_batch(&self, texts: &[&str]) -> Vec<Result<Audio, SynthError>> {
        if texts.len() > 1
            && let Some(pieces) = self.speak_batch(texts)
        {
            return pieces.into_iter().map(Ok).collect();
        }
        if texts.len() > 1 {
            log::debug!(
                "espeak-ng: a batch of {} utterances could not be cut at its breaks; speaking them one by one",
                texts.len()
            );
        }
        texts.iter().map(|text| self.synthesize(text)).collect()
    }

    fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
        let speak = || -> Result<Audio, EspeakError> {
            if self.server.is_some() {
                let mut wav = Vec::new();
                if self.served(&self.line(text), false, &mut wav)
                    && let Ok(audio) = Audio::from_wav(&wav)
                {
                    return Ok(audio);
                }
            }
            let program = || self.program.clone();
            let mut child = self
                .command()
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|source| EspeakError::Spawn {
                    program: program(),
                    source,
                })?;
            // The text goes to stdin so that a leading '-' is never taken for an option.
            // Newlines would be read as separate clauses; one utterance is one line.
            let line = self.line(text);
            if let Some(mut stdin) = child.stdin.take() {
                match stdin.write_all(line.as_bytes()) {
                    // the engine quit before reading: its exit status and stderr say why
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                    Err(source) => {
                        return Err(EspeakError::Io {
                            program: program(),
                            source,
                        });
                    }
                    Ok(()) => {}
                }
            }
            let output = child.wait_with_output().map_err(|source| EspeakError::Io {
                program: program(),
                source,
            })?;
            if !output.status.success() {
                return Err(EspeakError::Exited {
                    program: program(),
                    status: output.status,
                    stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                });
            }
            Audio::from_wav(&output.stdout).map_err(|source| EspeakError::BadAudio {
                program: program(),
                source,
            })
        };
        Ok(speak()?)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_voice_name_is_found_in_the_listing_by_its_language_column() {
        // espeak-ng 1.51's `--voices=cmn` and `--voices=en-US`
        let cmn = "Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)
 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin  (zh-cmn 5)(zh 5)
";
        assert_eq!(voice_file(cmn, "cmn").as_deref(), Some("sit/cmn"));
        assert_eq!(
            voice_file(cmn, "cmn-Latn-pinyin").as_deref(),
            Some("sit/cmn-Latn-pinyin")
        );
        let en =
            "Pty Language       Age/Gender VoiceName          File                 Other Languages
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  variant         --/M      Storm              !v/Storm             (en-us 5)
";
        assert_eq!(voice_file(en, "en-US").as_deref(), Some("gmw/en-US"));
        // no row for the name (or only a variant): the name itself is used
        assert_eq!(voice_file(en, "variant"), None);
        assert_eq!(
            voice_file(
                "Pty Language Age/Gender VoiceName File Other Languages\n",
                "xx"
            ),
            None
        );
    }

    #[test]
    fn the_voice_file_speaks_as_the_name_does() {
        let espeak = Espeak::new(&settings("espeak-ng"), "zh-CN", 1.0);
        assert_eq!(espeak.voice_argument(), "sit/cmn");
        let by_name = |voice: &str| {
            let mut cmd = Command::new("espeak-ng");
            cmd.args(["--stdout", "-v", voice, "今天天气很好，二零二零年六月。"]);
            cmd.output().unwrap().stdout
        };
        assert_eq!(by_name("cmn"), by_name(espeak.voice_argument()));
    }

    use super::*;

    fn settings(program: &str) -> Settings {
        Settings {
            program: program.into(),
            voice: None,
            speed: 175,
            pitch: 50,
            batch: 1,
        }
    }

    /// The built-in voices' engine: batches of 8.
    fn batched(program: &str) -> Espeak {
        Espeak::new(
            &Settings {
                batch: 8,
                ..settings(program)
            },
            "zh-CN",
            1.0,
        )
    }

    #[test]
    fn fingerprint_changes_with_settings_and_names_the_engine_version() {
        let slow = Espeak::new(&settings("espeak-ng"), "zh-CN", 1.0).fingerprint();
        let fast = Espeak::new(&settings("espeak-ng"), "zh-CN", 1.5).fingerprint();
        assert_ne!(slow, fast);
        assert!(
            slow.contains("eSpeak NG") || slow.contains("espeak"),
            "{slow}"
        );
        assert!(!slow.contains("unknown"), "{slow}");
    }

    #[test]
    fn chinese_languages_use_the_cmn_voice() {
        assert_eq!(default_voice("zh-CN"), "cmn");
        assert_eq!(default_voice("en-US"), "en-us");
    }

    #[test]
    fn rate_scales_speed_within_espeak_limits() {
        assert_eq!(Espeak::new(&settings("espeak-ng"), "zh-CN", 2.0).speed, 350);
        assert_eq!(
            Espeak::new(&settings("espeak-ng"), "zh-CN", 10.0).speed,
            450
        );
        assert_eq!(Espeak::new(&settings("espeak-ng"), "zh-CN", 0.1).speed, 80);
    }

    #[test]
    fn missing_program_says_how_to_install_it() {
        let engine = Espeak::new(&settings("/nonexistent/espeak-ng"), "zh-CN", 1.0);
        let err = engine.synthesize("你好").unwrap_err().to_string();
        assert!(err.contains("apt-get install espeak-ng"), "{err}");
    }

    #[test]
    fn failing_engine_reports_its_exit_status() {
        // `false` ignores its arguments and exits 1: the error must say so
        let engine = Espeak::new(&settings("false"), "zh-CN", 1.0);
        let err = engine.synthesize("你好").unwrap_err();
        assert!(
            matches!(err, SynthError::Espeak(EspeakError::Exited { .. })),
            "{err}"
        );
    }

    #[test]
    fn espeak_speaks_mandarin_into_real_audio() {
        let engine = Espeak::new(&settings("espeak-ng"), "zh-CN", 1.0);
        let audio = engine.synthesize("长三角一体化发展。").unwrap();
        assert_eq!(audio.rate.hz(), 22050);
        let secs = audio.duration().as_secs_f64();
        assert!((0.5..5.0).contains(&secs), "{secs} s");
        let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "peak {peak}");
    }

    #[test]
    fn a_mandarin_voice_says_latin_letters_by_their_mandarin_names() {
        let engine = Espeak::new(&settings("espeak-ng"), "zh-CN", 1.0);
        let letters = engine.synthesize("苹果公司CEO库克").unwrap();
        let written = engine.synthesize("苹果公司西伊欧库克").unwrap();
        assert_eq!(letters, written);
        // an English voice keeps reading English
        let english = Espeak::new(&settings("espeak-ng"), "en-US", 1.0);
        assert_ne!(
            english.synthesize("CEO").unwrap(),
            english.synthesize("西伊欧").unwrap()
        );
    }

    #[test]
    fn batch_is_cut_into_its_utterances_the_same_way_every_time() {
        let engine = batched("espeak-ng");
        let texts = [
            "长三角一体化发展。",
            "他说：“你好，世界！”",
            "第二章 序",
            "A&B<C>",
        ];
        let batch: Vec<Audio> = engine
            .synthesize_batch(&texts)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(batch.len(), texts.len());
        for (text, audio) in texts.iter().zip(&batch) {
            let alone = engine.synthesize(text).unwrap();
            // the same speech: lengths agree to within the silence kept at the edges
            let (a, b) = (
                audio.duration().as_secs_f64(),
                alone.duration().as_secs_f64(),
            );
            assert!(
                (a - b).abs() < 0.5,
                "{text}: {a:.2} s in a batch, {b:.2} s alone"
            );
        }
        assert_eq!(
            engine
                .synthesize_batch(&texts)
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .unwrap(),
            batch
        );
    }

    #[test]
    fn a_shorter_batch_after_a_longer_one_reads_only_its_own_output() {
        // the thread's output file is rewritten in place, never truncated: what a longer
        // batch left behind must not end up in the next one
        let engine = batched("espeak-ng");
        let long = [
            "长三角一体化发展是国家战略。",
            "他说：“你好，世界！”",
            "第二章 序",
        ];
        let short = ["好的。", "走吧。"];
        let fresh = std::thread::scope(|s| s.spawn(|| engine.synthesize_batch(&short)).join())
            .unwrap()
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let after_long = std::thread::scope(|s| {
            s.spawn(|| {
                assert!(engine.synthesize_batch(&long).iter().all(Result::is_ok));
                engine.synthesize_batch(&short)
            })
            .join()
        })
        .unwrap()
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
        assert_eq!(after_long, fresh);
        assert_eq!(after_long.len(), 2);
    }

    /// Sound and silence of the given lengths; cut with a margin of 100 samples.
    fn clip(parts: &[(usize, bool)]) -> Vec<f32> {
        parts
            .iter()
            .flat_map(|&(n, sound)| std::iter::repeat_n(if sound { 0.5 } else { 0.0 }, n))
            .collect()
    }

    #[test]
    fn batch_audio_is_cut_at_the_long_silences() {
        let audio = clip(&[
            (10, false),
            (50, true),
            (5, false),
            (50, true),
            (400, false),
            (70, true),
            (400, false),
        ]);
        let pieces = split_at_breaks(&audio, 2, 100).unwrap();
        // 100 samples of the break stay on each side
        assert_eq!(pieces[0], 0..10 + 50 + 5 + 50 + 100);
        assert_eq!(pieces[1].len(), 100 + 70 + 100);
    }

    #[test]
    fn unclear_breaks_are_not_cut() {
        // an utterance that said nothing: one break too few
        let merged = clip(&[(50, true), (800, false), (50, true), (400, false)]);
        assert!(split_at_breaks(&merged, 3, 100).is_none());
        // a pause inside an utterance nearly as long as a break
        let close = clip(&[
            (50, true),
            (300, false),
            (50, true),
            (400, false),
            (50, true),
            (400, false),
        ]);
        assert!(split_at_breaks(&close, 2, 100).is_none());
        // the last break must end the audio
        let tail = clip(&[
            (50, true),
            (400, false),
            (50, true),
            (400, false),
            (5, true),
        ]);
        assert!(split_at_breaks(&tail, 2, 100).is_none());
    }

    #[test]
    fn text_starting_with_a_dash_is_spoken_not_parsed_as_an_option() {
        let engine = Espeak::new(&settings("espeak-ng"), "zh-CN", 1.0);
        let audio = engine.synthesize("-x 测试").unwrap();
        assert!(audio.duration().as_secs_f64() > 0.2);
    }
}
