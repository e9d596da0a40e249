//! Command-line flags as typed by the user, and their resolution into a [`Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use narrate::book::Container;
use narrate::ingest::notes::NotePlacement;
use narrate::subtitles::SubtitleFormat;

/// Turn articles and books (first of all Mandarin Chinese) into audiobooks.
///
/// `narrate --voice zh-CN input.txt` writes output/input/01-<title>.wav, 02-…, and
/// manifest.json: one WAV per section of the document.
#[derive(Debug, Parser)]
#[command(name = "narrate", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the structure and the utterances of inputs; synthesizes nothing.
    Plan {
        /// Input documents (text, Markdown, HTML, EPUB, PDF, DOCX) or folders of them.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Voice whose segmentation limits and normalization apply.
        #[arg(long, default_value = narrate::voice::DEFAULT_VOICE)]
        voice: String,
        /// Pronunciation lexicon (TSV or TOML) over the voice's.
        #[arg(long, value_name = "FILE")]
        lexicon: Option<PathBuf>,
        /// Voice for quoted speech: quotes become utterances of their own.
        #[arg(long, value_name = "VOICE")]
        dialogue_voice: Option<String>,
        /// Do not rewrite numbers and symbols into words.
        #[arg(long)]
        no_normalize: bool,
        /// Footnotes and endnotes (EPUB, web pages, Word): skip, or read them at the end of
        /// the chapter that refers to them (chapter-end).
        #[arg(long, default_value = "skip", value_parser = parse_notes)]
        notes: NotePlacement,
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the voices narrate can find, with backend and language.
    Voices,
    /// Look after the utterance cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
        /// Cache folder [default: ~/.cache/narrate/utterances].
        #[arg(long, env = "NARRATE_CACHE_DIR", global = true)]
        cache: Option<PathBuf>,
    },
    /// Hear a narrated book back with a speech recognizer and report the utterances whose
    /// audio does not say their text (dropped, repeated, garbled, cut short). Writes
    /// check.json beside the manifest; exits 1 when any utterance is over --max-error.
    Check {
        /// A folder narrate wrote for one input (it holds manifest.json), e.g. output/article.
        book: PathBuf,
        /// Flag utterances whose syllable error rate is above this (0 to 1).
        #[arg(long, default_value_t = narrate::check::DEFAULT_MAX_ERROR, value_parser = parse_max_error)]
        max_error: f64,
        /// Recognizers run at once [default: number of cores].
        #[arg(short, long)]
        jobs: Option<usize>,
        /// Ask the voice again for each flagged utterance (not from the cache), make its
        /// chapter again (loudness, subtitles, M4B) with the command that made the book, and
        /// check again; for voices that say a text the same way every time, says that a redo
        /// cannot help.
        #[arg(long)]
        redo: bool,
        /// Redo rounds at most.
        #[arg(long, default_value_t = 2, requires = "redo")]
        rounds: usize,
        /// Print nothing but the verdict and errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print text in its spoken form (numbers, dates, units as words), one output line per
    /// input line. Reads standard input when no file is given.
    Normalize {
        /// Text files.
        inputs: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum CacheAction {
    /// How many utterances are cached, and their size.
    Stats,
    /// Remove every cached utterance.
    Clear,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Input documents (text, Markdown, HTML, EPUB, PDF, DOCX) or folders of them.
    pub inputs: Vec<PathBuf>,
    /// Voice name (see `narrate voices`) or path to a voice file.
    #[arg(long, default_value = narrate::voice::DEFAULT_VOICE)]
    pub voice: String,
    /// Pronunciation lexicon over the voice's: WORD<TAB>pinyin with tone numbers (长三角
    /// chang2 san1 jiao3) or replacement text, one a line; or TOML (see README).
    #[arg(long, value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Voice (name or file) for quoted speech (“…”, 「…」) [default: the voice file's
    /// `[roles] dialogue`, else none: the voice says everything].
    #[arg(long, value_name = "VOICE")]
    pub dialogue_voice: Option<String>,
    /// Output folder; each input gets a folder of its own inside it.
    #[arg(short, long, default_value = "output")]
    pub output: PathBuf,
    /// Utterances synthesized in parallel [default: number of cores].
    #[arg(short, long)]
    pub jobs: Option<usize>,
    /// Speaking speed: 1.0 is the voice's pace, 1.5 half again as fast.
    #[arg(long, default_value_t = 1.0, value_parser = parse_rate)]
    pub rate: f32,
    /// Output sample rate in Hz.
    #[arg(long, default_value_t = 24000, value_parser = parse_sample_rate)]
    pub sample_rate: u32,
    /// Bits per sample of the chapter WAVs.
    #[arg(long, default_value_t = 16, value_parser = parse_bits)]
    pub bits: u16,
    /// Integrated loudness of each chapter, LUFS (EBU R128).
    #[arg(long, default_value_t = -18.0, value_name = "LUFS", allow_negative_numbers = true, value_parser = parse_loudness)]
    pub loudness: f64,
    /// True-peak ceiling of each chapter, dBTP.
    #[arg(long, default_value_t = -1.5, value_name = "DBTP", allow_negative_numbers = true, value_parser = parse_true_peak)]
    pub true_peak: f64,
    /// Keep the level the engine gave instead of normalizing loudness.
    #[arg(long, conflicts_with = "loudness")]
    pub no_loudness: bool,
    /// Subtitles to write beside each chapter: any of srt, vtt, lrc (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = parse_subtitle)]
    pub subtitles: Vec<SubtitleFormat>,
    /// wav: one WAV per chapter; mp3: also an MP3 per chapter; m4b: also one M4B
    /// audiobook with chapter markers (mp3 and m4b need ffmpeg).
    #[arg(long, default_value = "wav", value_parser = parse_container)]
    pub format: Container,
    /// Book title for tags, playlists and the M4B [default: the document's title].
    #[arg(long)]
    pub title: Option<String>,
    /// Author for tags, playlists and the M4B [default: the document's byline].
    #[arg(long)]
    pub author: Option<String>,
    /// Do not rewrite numbers and symbols into words.
    #[arg(long)]
    pub no_normalize: bool,
    /// Footnotes and endnotes (EPUB, web pages, Word): skip, or read them at the end of
    /// the chapter that refers to them (chapter-end).
    #[arg(long, default_value = "skip", value_parser = parse_notes)]
    pub notes: NotePlacement,
    /// Refuse inputs larger than this many MiB.
    #[arg(long, default_value_t = narrate::ingest::DEFAULT_MAX_INPUT_BYTES >> 20)]
    pub max_input_mb: u64,
    /// Utterance cache folder [default: ~/.cache/narrate/utterances].
    #[arg(long, env = "NARRATE_CACHE_DIR")]
    pub cache: Option<PathBuf>,
    /// Synthesize everything again, neither reading nor writing the cache (wins over
    /// --cache and NARRATE_CACHE_DIR).
    #[arg(long)]
    pub no_cache: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Say more (-v: each warning and step; -vv: each utterance).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Output rates players and the resampler tests cover.
const SAMPLE_RATES: [u32; 5] = [16000, 22050, 24000, 44100, 48000];

fn parse_sample_rate(s: &str) -> Result<u32, String> {
    let list = || {
        SAMPLE_RATES
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match s.parse::<u32>() {
        Ok(hz) if SAMPLE_RATES.contains(&hz) => Ok(hz),
        _ => Err(format!("`{s}` is not supported; use one of {}", list())),
    }
}

fn parse_bits(s: &str) -> Result<u16, String> {
    match s {
        "16" => Ok(16),
        "24" => Ok(24),
        _ => Err(format!("`{s}` is not supported; use 16 or 24")),
    }
}

fn parse_loudness(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(lufs) if (-40.0..=-5.0).contains(&lufs) => Ok(lufs),
        _ => Err(format!(
            "`{s}` is not a loudness from -40 to -5 LUFS (e.g. -18)"
        )),
    }
}

fn parse_true_peak(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(db) if (-12.0..=0.0).contains(&db) => Ok(db),
        _ => Err(format!(
            "`{s}` is not a ceiling from -12 to 0 dBTP (e.g. -1.5)"
        )),
    }
}

fn parse_subtitle(s: &str) -> Result<SubtitleFormat, String> {
    SubtitleFormat::parse(s)
        .ok_or_else(|| format!("`{s}` is not a subtitle format; use srt, vtt or lrc"))
}

fn parse_notes(s: &str) -> Result<NotePlacement, String> {
    match s {
        "skip" => Ok(NotePlacement::Skip),
        "chapter-end" => Ok(NotePlacement::ChapterEnd),
        _ => Err(format!(
            "`{s}` is not a note placement; use skip or chapter-end"
        )),
    }
}

fn parse_container(s: &str) -> Result<Container, String> {
    Container::parse(s).ok_or_else(|| format!("`{s}` is not a format; use wav, mp3 or m4b"))
}

fn parse_max_error(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "`{s}` is not an error rate from 0 to 1 (e.g. 0.35)"
        )),
    }
}

fn parse_rate(s: &str) -> Result<f32, String> {
    let rate: f32 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number (e.g. 1.2)"))?;
    if (0.25..=4.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is out of range: use 0.25 to 4.0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_run_takes_inputs_and_flags() {
        let cli = Cli::try_parse_from([
            "narrate", "--voice", "zh-CN", "a.txt", "b.txt", "-o", "book",
        ])
        .unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.run.inputs.len(), 2);
        assert_eq!(cli.run.output, PathBuf::from("book"));
        assert_eq!(cli.run.sample_rate, 24000);
    }

    #[test]
    fn plan_is_a_subcommand() {
        let cli = Cli::try_parse_from(["narrate", "plan", "a.txt"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Plan { .. })));
    }

    #[test]
    fn rate_outside_range_is_refused() {
        assert!(Cli::try_parse_from(["narrate", "--rate", "9", "a.txt"]).is_err());
        assert!(Cli::try_parse_from(["narrate", "--rate", "fast", "a.txt"]).is_err());
    }

    #[test]
    fn audio_flags_parse_and_have_audiobook_defaults() {
        let cli = Cli::try_parse_from(["narrate", "a.txt"]).unwrap();
        assert_eq!(
            (cli.run.bits, cli.run.loudness, cli.run.true_peak),
            (16, -18.0, -1.5)
        );
        assert_eq!(cli.run.format, Container::Wav);
        let cli = Cli::try_parse_from([
            "narrate",
            "--bits",
            "24",
            "--loudness",
            "-20",
            "--subtitles",
            "srt,lrc",
            "--format",
            "m4b",
            "a.txt",
        ])
        .unwrap();
        assert_eq!((cli.run.bits, cli.run.loudness), (24, -20.0));
        assert_eq!(
            cli.run.subtitles,
            [SubtitleFormat::Srt, SubtitleFormat::Lrc]
        );
        assert!(Cli::try_parse_from(["narrate", "--bits", "8", "a.txt"]).is_err());
        assert!(Cli::try_parse_from(["narrate", "--subtitles", "ass", "a.txt"]).is_err());
        assert!(Cli::try_parse_from(["narrate", "--loudness", "3", "a.txt"]).is_err());
    }

    #[test]
    fn odd_sample_rate_is_refused() {
        assert!(Cli::try_parse_from(["narrate", "--sample-rate", "12345", "a.txt"]).is_err());
    }
}
