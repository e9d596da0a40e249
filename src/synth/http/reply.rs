//! Replies: find the audio (the body, or base64 at a JSON path), check it, decode it.
//!
//! Nothing in a reply is trusted: the bytes' magic decides the container, not the
//! Content-Type; JSON where audio was expected is an error carrying the server's message;
//! a WAV whose data chunk claims a real size larger than what arrived was cut off.

use std::io::Cursor;

use base64::Engine as _;
use serde::Deserialize;

use crate::audio::{Audio, SampleRate};

/// Where the audio is in a successful reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioAt {
    /// The whole body.
    Body,
    /// Base64 text at this JSON path (`data`, `result.audio`, `items.0.audio`).
    Base64(String),
}

/// The container the audio comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// By the bytes' magic; headerless bytes count as PCM.
    Auto,
    Wav,
    /// Raw signed 16-bit little-endian mono at the voice's `sample-rate`.
    Pcm,
    Mp3,
}

/// A JSON value that must be present for a 200 reply to count as success.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuccessCheck {
    pub path: String,
    pub equals: toml::Value,
}

/// How to read replies for one voice.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplySpec {
    pub audio: AudioAt,
    pub success: Option<SuccessCheck>,
    pub format: Format,
    /// For PCM, which has no header.
    pub sample_rate: SampleRate,
}

/// Why a reply is unusable. `retry` says whether another try may help.
#[derive(Debug)]
pub struct BadReply {
    pub message: String,
    pub retry: bool,
}

fn fatal(message: impl Into<String>) -> BadReply {
    BadReply {
        message: message.into(),
        retry: false,
    }
}

/// What the bytes are, going by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Wav,
    Mp3,
    Json,
    Markup,
    Other(&'static str),
    Unknown,
}

fn sniff(bytes: &[u8]) -> Sniffed {
    let trimmed = bytes.trim_ascii_start();
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        Sniffed::Wav
    } else if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xff && bytes[1] & 0xe0 == 0xe0)
    {
        Sniffed::Mp3
    } else if bytes.starts_with(b"OggS") {
        Sniffed::Other("Ogg")
    } else if bytes.starts_with(b"fLaC") {
        Sniffed::Other("FLAC")
    } else if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        Sniffed::Json
    } else if trimmed.starts_with(b"<") {
        Sniffed::Markup
    } else {
        Sniffed::Unknown
    }
}

/// Reads the audio out of a 2xx reply.
pub fn audio(spec: &ReplySpec, content_type: Option<&str>, body: &[u8]) -> Result<Audio, BadReply> {
    let declared = content_type.unwrap_or("").to_ascii_lowercase();
    let bytes = match &spec.audio {
        AudioAt::Body => {
            if matches!(sniff(body), Sniffed::Json)
                || (declared.contains("json")
                    && !matches!(sniff(body), Sniffed::Wav | Sniffed::Mp3))
            {
                return Err(fatal(format!(
                    "answered with JSON instead of audio: {}",
                    server_message(body)
                )));
            }
            body.to_vec()
        }
        AudioAt::Base64(path) => {
            let json: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
                if body.is_empty() {
                    BadReply {
                        message: "answered with an empty body".into(),
                        retry: true,
                    }
                } else {
                    fatal(format!(
                        "answered with something that is not JSON: {}",
                        server_message(body)
                    ))
                }
            })?;
            if let Some(check) = &spec.success {
                let found = lookup(&json, &check.path);
                if !found.is_some_and(|v| same(v, &check.equals)) {
                    return Err(fatal(format!(
                        "reported failure ({} = {}, expected {}): {}",
                        check.path,
                        found.map_or("nothing".into(), |v| v.to_string()),
                        check.equals,
                        server_message(body)
                    )));
                }
            }
            let text = lookup(&json, path)
                .and_then(|v| v.as_str())
                .ok_or_else(|| {
                    fatal(format!(
                        "reply has no base64 audio at `{path}`: {}",
                        server_message(body)
                    ))
                })?;
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| fatal(format!("`{path}` is not valid base64 ({e})")))?
        }
    };
    decode(spec, &declared, &bytes)
}

/// Decodes audio bytes as the voice's format says, checked against their magic.
fn decode(spec: &ReplySpec, declared: &str, bytes: &[u8]) -> Result<Audio, BadReply> {
    if bytes.is_empty() {
        return Err(BadReply {
            message: "answered with no audio (empty body)".into(),
            retry: true,
        });
    }
    let sniffed = sniff(bytes);
    let format = match (spec.format, sniffed) {
        (_, Sniffed::Wav) => Format::Wav,
        (Format::Mp3, _) | (Format::Auto, Sniffed::Mp3) => Format::Mp3,
        (_, Sniffed::Json | Sniffed::Markup) => {
            return Err(fatal(format!(
                "answered with text instead of audio (Content-Type `{declared}`): {}",
                server_message(bytes)
            )));
        }
        (_, Sniffed::Other(kind)) => {
            return Err(fatal(format!(
                "answered with {kind} audio, which narrate does not decode; ask for wav, pcm or mp3"
            )));
        }
        (Format::Wav, _) => {
            return Err(fatal(format!(
                "answered with bytes that are not WAV (Content-Type `{declared}`, {} bytes starting {:02x?})",
                bytes.len(),
                &bytes[..bytes.len().min(8)]
            )));
        }
        (Format::Pcm | Format::Auto, _) => Format::Pcm,
    };
    if format != spec.format && spec.format != Format::Auto {
        log::debug!(
            "reply is {format:?} though the voice says {:?}",
            spec.format
        );
    }
    match format {
        Format::Wav => decode_wav(bytes),
        Format::Mp3 => decode_mp3(bytes),
        _ => Ok(decode_pcm(bytes, spec.sample_rate)),
    }
}

/// Sizes streaming encoders write when they do not know the length yet.
fn is_unknown_size(size: u32) -> bool {
    size == 0 || size >= 0x7000_0000
}

/// A WAV whose data chunk claims a real size larger than what arrived was cut off in
/// transit; sizes meaning "unknown" are repaired by [`Audio::from_wav`].
fn decode_wav(bytes: &[u8]) -> Result<Audio, BadReply> {
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().expect("4 bytes"));
        if &bytes[pos..pos + 4] == b"data" {
            let present = bytes.len() - pos - 8;
            if !is_unknown_size(size) && size as usize > present {
                return Err(BadReply {
                    message: format!(
                        "reply was cut off: the WAV header announces {size} bytes of audio, {present} arrived"
                    ),
                    retry: true,
                });
            }
            break;
        }
        pos = pos + 8 + size as usize + (size as usize & 1);
    }
    Audio::from_wav(bytes)
        .map_err(|e| fatal(format!("answered with a WAV narrate cannot read: {e}")))
}

fn decode_pcm(bytes: &[u8], rate: SampleRate) -> Audio {
    let samples = bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    Audio { samples, rate }
}

fn decode_mp3(bytes: &[u8]) -> Result<Audio, BadReply> {
    use symphonia::core::codecs::audio::AudioDecoderOptions;
    use symphonia::core::errors::Error;
    use symphonia::core::formats::probe::Hint;
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;

    let bad = |e: Error| fatal(format!("answered with MP3 narrate cannot decode: {e}"));
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            source,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(bad)?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| fatal("answered with MP3 that has no audio track"))?;
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| fatal("answered with MP3 without codec parameters"))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(bad)?;
    let mut samples = Vec::new();
    let mut rate = None;
    let mut interleaved: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // a cut-off last frame ends the stream
            Err(Error::IoError(_)) => break,
            Err(e) => return Err(bad(e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                let channels = buf.spec().channels().count().max(1);
                rate = rate.or(SampleRate::new(buf.spec().rate()));
                buf.copy_to_vec_interleaved(&mut interleaved);
                samples.extend(
                    interleaved
                        .chunks_exact(channels)
                        .map(|f| f.iter().sum::<f32>() / channels as f32),
                );
            }
            Err(Error::DecodeError(_)) => continue,
            Err(e) => return Err(bad(e)),
        }
    }
    let rate = rate.ok_or_else(|| fatal("answered with MP3 that holds no audio frames"))?;
    Ok(Audio { samples, rate })
}

/// Follows a dotted path (`error.message`, `items.0.audio`) into JSON.
fn lookup<'a>(json: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(json, |v, key| match v {
            serde_json::Value::Array(items) => items.get(key.parse::<usize>().ok()?),
            _ => v.get(key),
        })
}

fn same(json: &serde_json::Value, expected: &toml::Value) -> bool {
    match (json, expected) {
        (serde_json::Value::Number(n), toml::Value::Integer(i)) => n.as_f64() == Some(*i as f64),
        (serde_json::Value::Number(n), toml::Value::Float(f)) => n.as_f64() == Some(*f),
        (serde_json::Value::String(s), toml::Value::String(e)) => s == e,
        (serde_json::Value::Bool(b), toml::Value::Boolean(e)) => b == e,
        _ => false,
    }
}

/// The server's own words from an error body: the message fields of common APIs when the
/// body is JSON, else the start of the text.
pub fn server_message(body: &[u8]) -> String {
    const MAX: usize = 300;
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let text = |path: &str| {
            lookup(&json, path).and_then(|v| match v {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => Some(v.to_string()),
                _ => None,
            })
        };
        let message = [
            "error.message",
            "message",
            "msg",
            "err_msg",
            "error_msg",
            "detail",
            "error_description",
            "error",
        ]
        .iter()
        .find_map(|p| text(p));
        let code = [
            "error.code",
            "code",
            "err_no",
            "error_code",
            "status",
            "error.status",
        ]
        .iter()
        .find_map(|p| text(p));
        match (message, code) {
            (Some(m), Some(c)) if !m.contains(&c) => return clip(&format!("{m} (code {c})"), MAX),
            (Some(m), _) => return clip(&m, MAX),
            _ => return clip(&json.to_string(), MAX),
        }
    }
    if body.is_empty() {
        return "(empty body)".into();
    }
    let text = String::from_utf8_lossy(body);
    if text
        .chars()
        .take(64)
        .filter(|c| c.is_control() && !c.is_whitespace())
        .count()
        > 4
    {
        return format!("({} bytes of binary data)", body.len());
    }
    clip(text.trim(), MAX)
}

fn clip(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut out: String = one_line.chars().take(max).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(audio: AudioAt, format: Format) -> ReplySpec {
        ReplySpec {
            audio,
            success: None,
            format,
            sample_rate: SampleRate::new(24000).unwrap(),
        }
    }

    fn wav(rate: u32, n: usize) -> Vec<u8> {
        Audio {
            samples: vec![0.5; n],
            rate: SampleRate::new(rate).unwrap(),
        }
        .to_wav()
        .unwrap()
    }

    #[test]
    fn wav_is_recognized_whatever_the_content_type() {
        let a = audio(
            &spec(AudioAt::Body, Format::Pcm),
            Some("text/plain"),
            &wav(16000, 100),
        )
        .unwrap();
        assert_eq!((a.rate.hz(), a.samples.len()), (16000, 100));
    }

    #[test]
    fn headerless_bytes_are_pcm_at_the_voice_rate() {
        let a = audio(
            &spec(AudioAt::Body, Format::Auto),
            None,
            &[0, 0x40, 0, 0xc0],
        )
        .unwrap();
        assert_eq!(a.rate.hz(), 24000);
        assert_eq!(a.samples, vec![0.5, -0.5]);
    }

    #[test]
    fn json_where_audio_was_expected_is_the_servers_error() {
        let body = br#"{"err_no":502,"err_msg":"token invalid","sn":"x"}"#;
        let err = audio(
            &spec(AudioAt::Body, Format::Wav),
            Some("application/json"),
            body,
        )
        .unwrap_err();
        assert!(!err.retry);
        assert!(
            err.message.contains("token invalid") && err.message.contains("502"),
            "{}",
            err.message
        );
    }

    #[test]
    fn base64_audio_is_found_at_its_path_after_the_success_check() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(wav(24000, 50));
        let mut s = spec(AudioAt::Base64("data".into()), Format::Wav);
        s.success = Some(SuccessCheck {
            path: "code".into(),
            equals: toml::Value::Integer(3000),
        });
        let ok = format!(r#"{{"code":3000,"message":"Success","data":"{b64}"}}"#);
        assert_eq!(audio(&s, None, ok.as_bytes()).unwrap().samples.len(), 50);
        let failed = br#"{"code":3001,"message":"invalid voice_type"}"#;
        let err = audio(&s, None, failed).unwrap_err();
        assert!(
            err.message.contains("invalid voice_type"),
            "{}",
            err.message
        );
    }

    #[test]
    fn cut_off_wav_is_retried_but_streaming_sizes_are_repaired() {
        let mut bytes = wav(24000, 1000);
        bytes.truncate(1000);
        assert!(decode_wav(&bytes).unwrap_err().retry);
        for unknown in [0u32, 0xffff_ffff, 0x7fff_ffff] {
            let mut bytes = wav(24000, 1000);
            bytes[4..8].copy_from_slice(&unknown.to_le_bytes());
            bytes[40..44].copy_from_slice(&unknown.to_le_bytes());
            assert_eq!(
                decode_wav(&bytes).unwrap().samples.len(),
                1000,
                "{unknown:#x}"
            );
        }
    }

    #[test]
    fn messages_come_from_common_error_shapes() {
        assert_eq!(
            server_message(br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#),
            "You exceeded your current quota (code insufficient_quota)"
        );
        assert_eq!(
            server_message(b"Service Unavailable\n"),
            "Service Unavailable"
        );
        assert_eq!(server_message(br#"{"detail":"Not Found"}"#), "Not Found");
    }
}
