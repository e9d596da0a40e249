//! The espeak-ng backend: one `espeak-ng --stdout` process per utterance, WAV on stdout.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{SynthError, Synthesizer};
use crate::audio::Audio;
use crate::voice::EspeakSettings;

/// espeak-ng accepts words per minute in this range.
const SPEED_RANGE: (f32, f32) = (80.0, 450.0);

#[derive(Debug, Clone)]
pub struct Espeak {
    id: String,
    program: String,
    voice: String,
    speed: u32,
    pitch: u32,
    version: std::sync::OnceLock<String>,
}

impl Espeak {
    /// `rate` scales the voice's words-per-minute (clamped to what espeak-ng accepts).
    pub fn new(settings: &EspeakSettings, language: &str, rate: f32) -> Self {
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
            version: std::sync::OnceLock::new(),
        }
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
        cmd.args(["-b", "1", "--stdout", "-v", &self.voice])
            .arg("-s")
            .arg(self.speed.to_string())
            .arg("-p")
            .arg(self.pitch.to_string());
        cmd
    }
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

impl Synthesizer for Espeak {
    fn id(&self) -> &str {
        &self.id
    }

    fn fingerprint(&self) -> String {
        format!(
            "espeak|{}|{}|voice={}|speed={}|pitch={}",
            self.program,
            self.version(),
            self.voice,
            self.speed,
            self.pitch
        )
    }

    fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
        let program = || self.program.clone();
        let mut child = self
            .command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SynthError::Spawn {
                program: program(),
                source,
            })?;
        // The text goes to stdin so that a leading '-' is never taken for an option.
        // Newlines would be read as separate clauses; one utterance is one line.
        let line: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if let Some(mut stdin) = child.stdin.take() {
            match stdin.write_all(line.as_bytes()) {
                // the engine quit before reading: its exit status and stderr say why
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(source) => {
                    return Err(SynthError::Io {
                        program: program(),
                        source,
                    });
                }
                Ok(()) => {}
            }
        }
        let output = child.wait_with_output().map_err(|source| SynthError::Io {
            program: program(),
            source,
        })?;
        if !output.status.success() {
            return Err(SynthError::Exited {
                program: program(),
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Audio::from_wav(&output.stdout).map_err(|source| SynthError::BadAudio {
            program: program(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(program: &str) -> EspeakSettings {
        EspeakSettings {
            program: program.into(),
            voice: None,
            speed: 175,
            pitch: 50,
        }
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
        assert!(matches!(err, SynthError::Exited { .. }), "{err}");
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
    fn text_starting_with_a_dash_is_spoken_not_parsed_as_an_option() {
        let engine = Espeak::new(&settings("espeak-ng"), "zh-CN", 1.0);
        let audio = engine.synthesize("-x 测试").unwrap();
        assert!(audio.duration().as_secs_f64() > 0.2);
    }
}
