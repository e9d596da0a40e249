//! The `backend = "http"` part of a voice file: a preset's settings with the voice's own
//! on top, checked once when the voice is loaded.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::reply::{AudioAt, Format, ReplySpec, SuccessCheck};
use super::request::{self, Escape};
use super::retry::Policy;
use super::split::{Limit, TextEncoding};
use crate::audio::SampleRate;

/// A service whose wire format narrate knows; its settings live in `presets/NAME.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    Openai,
    Azure,
    Google,
    GptSovits,
    Cosyvoice,
    Volcengine,
    Baidu,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Openai => "openai",
            Preset::Azure => "azure",
            Preset::Google => "google",
            Preset::GptSovits => "gpt-sovits",
            Preset::Cosyvoice => "cosyvoice",
            Preset::Volcengine => "volcengine",
            Preset::Baidu => "baidu",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Preset::Openai => include_str!("presets/openai.toml"),
            Preset::Azure => include_str!("presets/azure.toml"),
            Preset::Google => include_str!("presets/google.toml"),
            Preset::GptSovits => include_str!("presets/gpt-sovits.toml"),
            Preset::Cosyvoice => include_str!("presets/cosyvoice.toml"),
            Preset::Volcengine => include_str!("presets/volcengine.toml"),
            Preset::Baidu => include_str!("presets/baidu.toml"),
        }
    }
}

/// How the request body is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyKind {
    /// The `[json]` table, each string a template, sent as JSON.
    Json,
    /// The `[form]` table, sent as `application/x-www-form-urlencoded`.
    Form,
    /// `template`, a text template (SSML), escaped per `escape`.
    Raw,
    /// No body (for GET with the text in the URL).
    None,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Urls {
    One(String),
    Many(Vec<String>),
}

/// The keys a voice file (or a preset) may set; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpFile {
    preset: Option<Preset>,
    url: Option<Urls>,
    method: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    body: Option<BodyKind>,
    json: Option<toml::Table>,
    form: Option<BTreeMap<String, String>>,
    template: Option<String>,
    content_type: Option<String>,
    escape: Option<Escape>,
    voice: Option<String>,
    model: Option<String>,
    speed: Option<f64>,
    speed_scale: Option<f64>,
    speed_range: Option<[f64; 2]>,
    speed_step: Option<f64>,
    sample_rate: Option<u32>,
    vars: Option<BTreeMap<String, String>>,
    audio: Option<String>,
    success: Option<SuccessCheck>,
    format: Option<Format>,
    max_chars: Option<usize>,
    max_bytes: Option<usize>,
    encoding: Option<TextEncoding>,
    /// Seconds for one request, reply included.
    timeout: Option<f64>,
    connect_timeout: Option<f64>,
    concurrency: Option<usize>,
    /// Tries after the first.
    retries: Option<u32>,
    backoff_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
    /// Seconds; a longer `Retry-After` is cut to this.
    max_retry_after: Option<f64>,
    max_reply_mb: Option<f64>,
}

fn merge_maps<V>(
    base: Option<BTreeMap<String, V>>,
    over: Option<BTreeMap<String, V>>,
) -> Option<BTreeMap<String, V>> {
    match (base, over) {
        (Some(mut b), Some(o)) => {
            b.extend(o);
            Some(b)
        }
        (b, o) => o.or(b),
    }
}

/// Tables merge key by key, recursively; anything else is replaced.
fn merge_tables(mut base: toml::Table, over: toml::Table) -> toml::Table {
    for (k, v) in over {
        let merged = match (base.remove(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => {
                toml::Value::Table(merge_tables(b, o))
            }
            (_, v) => v,
        };
        base.insert(k, merged);
    }
    base
}

impl HttpFile {
    /// `self` on top of `base`.
    fn over(self, base: HttpFile) -> HttpFile {
        HttpFile {
            preset: self.preset.or(base.preset),
            url: self.url.or(base.url),
            method: self.method.or(base.method),
            headers: merge_maps(base.headers, self.headers),
            body: self.body.or(base.body),
            json: match (base.json, self.json) {
                (Some(b), Some(o)) => Some(merge_tables(b, o)),
                (b, o) => o.or(b),
            },
            form: merge_maps(base.form, self.form),
            template: self.template.or(base.template),
            content_type: self.content_type.or(base.content_type),
            escape: self.escape.or(base.escape),
            voice: self.voice.or(base.voice),
            model: self.model.or(base.model),
            speed: self.speed.or(base.speed),
            speed_scale: self.speed_scale.or(base.speed_scale),
            speed_range: self.speed_range.or(base.speed_range),
            speed_step: self.speed_step.or(base.speed_step),
            sample_rate: self.sample_rate.or(base.sample_rate),
            vars: merge_maps(base.vars, self.vars),
            audio: self.audio.or(base.audio),
            success: self.success.or(base.success),
            format: self.format.or(base.format),
            // a voice that sets one kind of limit replaces the preset's other kind
            max_chars: if self.max_bytes.is_some() {
                self.max_chars
            } else {
                self.max_chars.or(base.max_chars)
            },
            max_bytes: if self.max_chars.is_some() {
                self.max_bytes
            } else {
                self.max_bytes.or(base.max_bytes)
            },
            encoding: self.encoding.or(base.encoding),
            timeout: self.timeout.or(base.timeout),
            connect_timeout: self.connect_timeout.or(base.connect_timeout),
            concurrency: self.concurrency.or(base.concurrency),
            retries: self.retries.or(base.retries),
            backoff_ms: self.backoff_ms.or(base.backoff_ms),
            max_backoff_ms: self.max_backoff_ms.or(base.max_backoff_ms),
            max_retry_after: self.max_retry_after.or(base.max_retry_after),
            max_reply_mb: self.max_reply_mb.or(base.max_reply_mb),
        }
    }
}

/// The request body, its strings still templates.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
    Raw { template: String, escape: Escape },
    None,
}

/// How `{speed}` is made from the voice's speed and `--rate`: scaled, clamped, rounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedMap {
    pub scale: f64,
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl SpeedMap {
    pub fn apply(&self, speed: f64) -> f64 {
        let v = (speed * self.scale).clamp(self.min, self.max);
        let v = (v / self.step).round() * self.step;
        // drop the float noise rounding leaves (1.1000000000000001)
        (v * 1e6).round() / 1e6
    }
}

/// A checked http voice: everything needed to make requests and read replies.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "HttpFile")]
pub struct HttpSettings {
    pub preset: Option<Preset>,
    /// URL templates; several spread the load.
    pub urls: Vec<String>,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub content_type: Option<String>,
    pub voice: String,
    pub model: String,
    pub speed: f64,
    pub speed_map: SpeedMap,
    pub vars: BTreeMap<String, String>,
    pub reply: ReplySpec,
    pub limit: Option<Limit>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Requests in flight at once, over all URLs together.
    pub concurrency: usize,
    pub retry: Policy,
    pub max_reply_bytes: usize,
}

/// HTTP settings in a voice file that cannot work; the sentence names the key and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SettingError(String);

impl SettingError {
    pub(super) fn new(sentence: impl Into<String>) -> Self {
        SettingError(sentence.into())
    }
}

impl From<&str> for SettingError {
    fn from(sentence: &str) -> Self {
        SettingError::new(sentence)
    }
}

fn secs(value: f64, key: &str) -> Result<Duration, SettingError> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| SettingError::new(format!("`{key}` must be a number of seconds >= 0")))
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        }
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(items) => items.into_iter().map(toml_to_json).collect(),
        toml::Value::Table(t) => {
            serde_json::Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn json_strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

impl TryFrom<HttpFile> for HttpSettings {
    type Error = SettingError;

    fn try_from(file: HttpFile) -> Result<Self, SettingError> {
        let file = match file.preset {
            Some(preset) => {
                let base: HttpFile = toml::from_str(preset.file()).unwrap_or_else(|e| {
                    panic!("built-in preset {} is invalid: {e}", preset.name())
                });
                file.over(base)
            }
            None => file,
        };
        let preset = file.preset;
        let needs = |key: &str| match preset {
            Some(p) => SettingError::new(format!(
                "`{key}` is needed (the {} preset has none)",
                p.name()
            )),
            None => SettingError::new(format!(
                "`{key}` is needed (or pick a `preset`: openai, azure, google, gpt-sovits, cosyvoice, volcengine, baidu)"
            )),
        };
        let urls = match file.url {
            Some(Urls::One(u)) => vec![u],
            Some(Urls::Many(u)) => u,
            None => Vec::new(),
        };
        if urls.is_empty() {
            return Err(needs("url"));
        }
        for url in &urls {
            if !(url.starts_with("http://")
                || url.starts_with("https://")
                || url.starts_with("${env:"))
            {
                return Err(SettingError::new(format!(
                    "`url` must start with http:// or https://, not `{}`",
                    request::redact_url(url)
                )));
            }
        }
        let method = file
            .method
            .unwrap_or_else(|| "POST".into())
            .to_ascii_uppercase();
        if reqwest::Method::from_bytes(method.as_bytes()).is_err() {
            return Err(SettingError::new(format!(
                "`method` `{method}` is not an HTTP method"
            )));
        }
        let vars = file.vars.unwrap_or_default();
        let body = match file.body.unwrap_or(BodyKind::Json) {
            BodyKind::Json => Body::Json(toml_to_json(toml::Value::Table(
                file.json.ok_or_else(|| needs("[json]"))?,
            ))),
            BodyKind::Form => Body::Form(
                file.form
                    .ok_or_else(|| needs("[form]"))?
                    .into_iter()
                    .collect(),
            ),
            BodyKind::Raw => Body::Raw {
                template: file.template.ok_or_else(|| needs("template"))?,
                escape: file.escape.unwrap_or(Escape::Xml),
            },
            BodyKind::None => Body::None,
        };
        let headers: Vec<(String, String)> = file.headers.unwrap_or_default().into_iter().collect();
        let mut templates: Vec<&str> = urls.iter().map(String::as_str).collect();
        templates.extend(headers.iter().map(|(_, v)| v.as_str()));
        match &body {
            Body::Json(v) => json_strings(v, &mut templates),
            Body::Form(fields) => templates.extend(fields.iter().map(|(_, v)| v.as_str())),
            Body::Raw { template, .. } => templates.push(template),
            Body::None => {}
        }
        for t in templates {
            request::check(t, &vars)?;
        }
        let limit = match (file.max_chars, file.max_bytes) {
            (Some(_), Some(_)) => return Err("set `max-chars` or `max-bytes`, not both".into()),
            (Some(n), None) => Some(Limit::Chars(n)),
            (None, Some(n)) => Some(Limit::Bytes(n, file.encoding.unwrap_or(TextEncoding::Utf8))),
            (None, None) => None,
        };
        if limit.is_some_and(|l| matches!(l, Limit::Chars(0) | Limit::Bytes(0, _))) {
            return Err("`max-chars`/`max-bytes` must be at least 1".into());
        }
        let sample_rate = SampleRate::new(file.sample_rate.unwrap_or(24000))
            .ok_or("`sample-rate` must not be 0")?;
        let speed = file.speed.unwrap_or(1.0);
        let [min, max] = file.speed_range.unwrap_or([0.0, f64::MAX]);
        let speed_map = SpeedMap {
            scale: file.speed_scale.unwrap_or(1.0),
            min,
            max,
            step: file.speed_step.unwrap_or(0.01),
        };
        if !(speed > 0.0 && speed_map.scale > 0.0 && speed_map.step > 0.0 && min <= max) {
            return Err("`speed`, `speed-scale` and `speed-step` must be > 0 and `speed-range` = [min, max]".into());
        }
        let concurrency = file.concurrency.unwrap_or(4);
        if concurrency == 0 {
            return Err("`concurrency` must be at least 1".into());
        }
        let default = Policy::default();
        let retry = Policy {
            attempts: file
                .retries
                .map_or(default.attempts, |r| r.saturating_add(1)),
            backoff: file
                .backoff_ms
                .map_or(default.backoff, Duration::from_millis),
            max_backoff: file
                .max_backoff_ms
                .map_or(default.max_backoff, Duration::from_millis),
            max_retry_after: match file.max_retry_after {
                Some(s) => secs(s, "max-retry-after")?,
                None => default.max_retry_after,
            },
        };
        let max_reply_mb = file.max_reply_mb.unwrap_or(64.0);
        if max_reply_mb.is_nan() || max_reply_mb <= 0.0 {
            return Err("`max-reply-mb` must be > 0".into());
        }
        Ok(HttpSettings {
            preset,
            urls,
            method,
            headers,
            body,
            content_type: file.content_type,
            voice: file.voice.unwrap_or_default(),
            model: file.model.unwrap_or_default(),
            speed,
            speed_map,
            vars,
            reply: ReplySpec {
                audio: match file.audio.as_deref() {
                    None | Some("body") => AudioAt::Body,
                    Some(path) => AudioAt::Base64(path.to_owned()),
                },
                success: file.success,
                format: file.format.unwrap_or(Format::Auto),
                sample_rate,
            },
            limit,
            timeout: secs(file.timeout.unwrap_or(60.0), "timeout")?,
            connect_timeout: secs(file.connect_timeout.unwrap_or(10.0), "connect-timeout")?,
            concurrency,
            retry,
            max_reply_bytes: (max_reply_mb * 1024.0 * 1024.0) as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<HttpSettings, String> {
        let file: HttpFile = toml::from_str(text).map_err(|e| e.to_string())?;
        HttpSettings::try_from(file).map_err(|e| e.to_string())
    }

    #[test]
    fn every_preset_is_valid() {
        for preset in [
            Preset::Openai,
            Preset::Azure,
            Preset::Google,
            Preset::GptSovits,
            Preset::Cosyvoice,
            Preset::Volcengine,
            Preset::Baidu,
        ] {
            parse(&format!("preset = \"{}\"", preset.name()))
                .unwrap_or_else(|e| panic!("{}: {e}", preset.name()));
        }
    }

    #[test]
    fn voice_settings_override_the_preset() {
        let s = parse(
            "preset = \"openai\"\nurl = \"http://127.0.0.1:8880/v1/audio/speech\"\nvoice = \"zf_xiaobei\"\n[json]\nresponse_format = \"pcm\"\n",
        )
        .unwrap();
        assert_eq!(s.urls, vec!["http://127.0.0.1:8880/v1/audio/speech"]);
        assert_eq!(s.voice, "zf_xiaobei");
        let Body::Json(json) = &s.body else { panic!() };
        assert_eq!(json["response_format"], "pcm");
        assert_eq!(json["input"], "{text}");
        assert_eq!(s.limit, Some(Limit::Chars(4096)));
    }

    #[test]
    fn mistakes_are_named() {
        let err = parse("preset = \"openai\"\n[json]\ninput = \"{txt}\"\n").unwrap_err();
        assert!(err.contains("{txt}"), "{err}");
        let err = parse("body = \"json\"\n[json]\na = 1\n").unwrap_err();
        assert!(err.contains("url"), "{err}");
        let err = parse("preset = \"openai\"\nurl = \"ftp://x\"\n").unwrap_err();
        assert!(err.contains("http://"), "{err}");
    }

    #[test]
    fn baidu_speed_is_an_integer_from_0_to_15() {
        let s = parse("preset = \"baidu\"").unwrap();
        assert_eq!(s.speed_map.apply(1.0), 5.0);
        assert_eq!(s.speed_map.apply(1.3), 7.0);
        assert_eq!(s.speed_map.apply(9.0), 15.0);
        assert_eq!(s.limit, Some(Limit::Bytes(1024, TextEncoding::Gbk)));
    }
}
