//! The http backend: any TTS service behind HTTP, described by a voice file (usually a
//! [`Preset`] plus a URL).
//!
//! One utterance → pieces that fit the service's limit ([`split`]) → one request each
//! (templates filled by [`request`], retried per [`retry`]) → audio read and checked by
//! [`reply`] → joined. Requests in flight are capped by the voice's `concurrency`, across
//! all its URLs, each request going to the least busy URL.

pub mod reply;
pub mod request;
pub mod retry;
pub mod settings;
pub mod split;

use std::io::Read;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};

use self::reply::BadReply;
use self::request::{Context, Escape, Secret, Value};
use self::settings::Body;
pub use self::settings::{HttpSettings, Preset, SettingError};
use super::{SynthError, Synthesizer};
use crate::audio::Audio;
use crate::resample::RateConverter;

/// Less audio than this per spoken character means the reply is not the whole utterance.
const MIN_SECONDS_PER_CHAR: f64 = 0.02;
/// Utterances shorter than this (in characters) are not checked for length.
const MIN_CHECKED_CHARS: usize = 8;
/// The most of an error body that is read.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// Why a request to a TTS server failed. Never holds a secret: URLs are shown as written
/// in the voice file (with credential query values blanked), and the server's words are
/// scrubbed of every value read from the environment.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{endpoint} answered {status}: {message}")]
    Status {
        endpoint: String,
        status: reqwest::StatusCode,
        message: String,
    },
    #[error("{endpoint}: {what}")]
    Transport {
        endpoint: String,
        what: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{endpoint} {message}")]
    Reply { endpoint: String, message: String },
    #[error("{endpoint} answered {} bytes, more than the cap of {cap} (`max-reply-mb`)", cap + 1)]
    TooLarge { endpoint: String, cap: usize },
    #[error("gave up after {attempts} attempts")]
    GaveUp {
        attempts: u32,
        #[source]
        last: Box<HttpError>,
    },
    #[error("environment variable `{name}` is not set; the voice needs it (export {name}=…)")]
    MissingEnv { name: String },
    #[error("voice settings")]
    Config(#[from] SettingError),
    #[error("the service's pieces come at different sample rates")]
    Resample(#[source] crate::resample::ResampleError),
    #[error("cannot set up the HTTP client")]
    Client(#[source] std::sync::Arc<reqwest::Error>),
}

/// Whether and when a failed attempt may be tried again.
enum Next {
    Stop,
    Retry(Option<Duration>),
}

struct Failure {
    error: HttpError,
    next: Next,
}

impl Failure {
    fn stop(error: HttpError) -> Self {
        Failure {
            error,
            next: Next::Stop,
        }
    }

    fn retry(error: HttpError, after: Option<Duration>) -> Self {
        Failure {
            error,
            next: Next::Retry(after),
        }
    }
}

impl From<HttpError> for Failure {
    fn from(error: HttpError) -> Self {
        Failure::stop(error)
    }
}

/// A counting semaphore: `acquire` waits for a free slot.
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

struct Permit<'a>(&'a Slots);

impl Slots {
    fn new(n: usize) -> Self {
        Slots {
            free: Mutex::new(n),
            freed: Condvar::new(),
        }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

/// Requests in flight per URL; a new request goes to the least busy one.
struct Balancer {
    load: Mutex<(Vec<usize>, usize)>,
}

impl Balancer {
    fn new(n: usize) -> Self {
        Balancer {
            load: Mutex::new((vec![0; n], 0)),
        }
    }

    /// Picks a URL (ties go round-robin) and counts the request until `done`.
    fn pick(&self) -> usize {
        let mut guard = self.load.lock().unwrap_or_else(|e| e.into_inner());
        let (loads, turn) = &mut *guard;
        let n = loads.len();
        let start = *turn % n;
        let best = (0..n)
            .map(|k| (start + k) % n)
            .min_by_key(|&i| loads[i])
            .expect("at least one URL");
        loads[best] += 1;
        *turn = turn.wrapping_add(1);
        best
    }

    fn done(&self, i: usize) {
        self.load.lock().unwrap_or_else(|e| e.into_inner()).0[i] -= 1;
    }
}

/// A TTS service over HTTP.
pub struct Http {
    id: String,
    settings: HttpSettings,
    language: String,
    /// `{speed}`: the voice's speed times `--rate`, mapped for the service.
    speed: f64,
    client: OnceLock<Result<Client, std::sync::Arc<reqwest::Error>>>,
    slots: Slots,
    balancer: Balancer,
}

impl Http {
    pub fn new(settings: &HttpSettings, language: &str, rate: f32) -> Self {
        let preset = settings.preset.map_or("custom", Preset::name);
        let id = if settings.model.is_empty() {
            format!("http/{preset}/{}", settings.voice)
        } else {
            format!("http/{preset}/{}/{}", settings.model, settings.voice)
        };
        Http {
            id,
            language: language.to_owned(),
            speed: settings.speed_map.apply(settings.speed * f64::from(rate)),
            client: OnceLock::new(),
            slots: Slots::new(settings.concurrency),
            balancer: Balancer::new(settings.urls.len()),
            settings: settings.clone(),
        }
    }

    fn client(&self) -> Result<&Client, HttpError> {
        self.client
            .get_or_init(|| {
                // rustls with ring; an error means another part of the process chose first
                let _ = rustls::crypto::ring::default_provider().install_default();
                Client::builder()
                    .timeout(self.settings.timeout)
                    .connect_timeout(self.settings.connect_timeout)
                    .user_agent(concat!("narrate/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(std::sync::Arc::new)
            })
            .as_ref()
            .map_err(|e| HttpError::Client(std::sync::Arc::clone(e)))
    }

    fn context(&self, text: &str) -> Context {
        let lang = self
            .language
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut c: Context = self
            .settings
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), Value::Text(v.clone())))
            .collect();
        let s = &self.settings;
        for (k, v) in [
            ("text", Value::Text(text.to_owned())),
            ("voice", Value::Text(s.voice.clone())),
            ("model", Value::Text(s.model.clone())),
            ("speed", Value::Number(self.speed)),
            ("language", Value::Text(self.language.clone())),
            ("lang", Value::Text(lang)),
            (
                "sample_rate",
                Value::Number(f64::from(s.reply.sample_rate.hz())),
            ),
            ("request_id", Value::Text(request::request_id())),
        ] {
            c.insert(k.to_owned(), v);
        }
        c
    }

    /// Speaks one piece that fits the limit, trying again as the policy allows.
    fn speak(&self, text: &str) -> Result<Audio, HttpError> {
        let policy = self.settings.retry;
        let attempts = policy.attempts.max(1);
        let mut attempt = 1;
        loop {
            let result = {
                let _permit = self.slots.acquire();
                let url = self.balancer.pick();
                let result = self.attempt(url, text);
                self.balancer.done(url);
                result
            };
            let failure = match result {
                Ok(audio) => return Ok(audio),
                Err(failure) => failure,
            };
            match failure.next {
                Next::Stop => return Err(failure.error),
                Next::Retry(_) if attempt >= attempts => {
                    return Err(if attempts == 1 {
                        failure.error
                    } else {
                        HttpError::GaveUp {
                            attempts,
                            last: Box::new(failure.error),
                        }
                    });
                }
                Next::Retry(hint) => {
                    let wait = policy.delay(attempt, hint);
                    log::debug!(
                        "attempt {attempt} of {attempts} failed ({}); next in {:.2} s",
                        failure.error,
                        wait.as_secs_f64()
                    );
                    std::thread::sleep(wait);
                    attempt += 1;
                }
            }
        }
    }

    /// One request and its reply.
    fn attempt(&self, url_index: usize, text: &str) -> Result<Audio, Failure> {
        let s = &self.settings;
        let template = &s.urls[url_index];
        let endpoint = request::redact_url(template);
        let context = self.context(text);
        let mut secrets: Vec<Secret> = Vec::new();
        let url = request::fill(template, &context, Escape::Url)?;
        secrets.extend(url.secrets);
        let client = self.client()?;
        let method = reqwest::Method::from_bytes(s.method.as_bytes()).map_err(|_| {
            HttpError::from(SettingError::new(format!("bad method `{}`", s.method)))
        })?;
        let mut builder = client.request(method, &url.text);
        let mut has_content_type = false;
        for (name, value) in &s.headers {
            let filled = request::fill(value, &context, Escape::None)?;
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                HttpError::from(SettingError::new(format!("bad header name `{name}`")))
            })?;
            let mut value = HeaderValue::from_str(&filled.text).map_err(|_| {
                HttpError::from(SettingError::new(format!(
                    "header `{name}` has characters HTTP does not allow"
                )))
            })?;
            value.set_sensitive(!filled.secrets.is_empty());
            secrets.extend(filled.secrets);
            has_content_type |= name == CONTENT_TYPE;
            builder = builder.header(name, value);
        }
        let (body, content_type) = match &s.body {
            Body::Json(template) => {
                let value = fill_json(template, &context, &mut secrets)?;
                let bytes = serde_json::to_vec(&value).expect("JSON values always serialize");
                (Some(bytes), "application/json")
            }
            Body::Form(fields) => {
                let mut filled = Vec::with_capacity(fields.len());
                for (k, v) in fields {
                    let f = request::fill(v, &context, Escape::None)?;
                    secrets.extend(f.secrets);
                    filled.push((k.clone(), f.text));
                }
                (
                    Some(request::form_body(&filled).into_bytes()),
                    "application/x-www-form-urlencoded",
                )
            }
            Body::Raw { template, escape } => {
                let f = request::fill(template, &context, *escape)?;
                secrets.extend(f.secrets);
                (Some(f.text.into_bytes()), "text/plain; charset=utf-8")
            }
            Body::None => (None, ""),
        };
        if let Some(body) = body {
            if !has_content_type {
                builder = builder.header(
                    CONTENT_TYPE,
                    s.content_type.as_deref().unwrap_or(content_type),
                );
            }
            builder = builder.body(body);
        }

        let transport = |what: &str, e: reqwest::Error| HttpError::Transport {
            endpoint: endpoint.clone(),
            what: what.to_owned(),
            source: e.without_url(),
        };
        let response = match builder.send() {
            Ok(r) => r,
            Err(e) if e.is_builder() => {
                return Err(Failure::stop(transport("the request cannot be made", e)));
            }
            Err(e) => {
                let what = if e.is_timeout() {
                    format!("no reply within {} s (`timeout`)", s.timeout.as_secs_f64())
                } else if e.is_connect() {
                    "cannot connect".to_owned()
                } else {
                    "the request failed".to_owned()
                };
                return Err(Failure::retry(transport(&what, e), None));
            }
        };
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let wait = retry::server_wait(
            header("retry-after-ms").as_deref(),
            header("retry-after").as_deref(),
        );
        let cap = if status.is_success() {
            s.max_reply_bytes as u64
        } else {
            MAX_ERROR_BODY
        };
        let mut body = Vec::new();
        let read = response.take(cap + 1).read_to_end(&mut body);
        if !status.is_success() {
            let message = request::scrub(&reply::server_message(&body), &secrets);
            let quota = status.as_u16() == 429
                && String::from_utf8_lossy(&body).contains("insufficient_quota");
            let error = HttpError::Status {
                endpoint,
                status,
                message,
            };
            return Err(if retry::is_retryable_status(status.as_u16()) && !quota {
                Failure::retry(error, wait)
            } else {
                Failure::stop(error)
            });
        }
        if let Err(e) = read {
            let what = if e.kind() == std::io::ErrorKind::TimedOut
                || e.to_string().contains("timed out")
            {
                format!(
                    "the reply did not finish within {} s (`timeout`)",
                    s.timeout.as_secs_f64()
                )
            } else {
                format!("the reply was cut off after {} bytes ({e})", body.len())
            };
            return Err(Failure::retry(
                HttpError::Reply {
                    endpoint,
                    message: request::scrub(&what, &secrets),
                },
                None,
            ));
        }
        if body.len() as u64 > cap {
            return Err(Failure::stop(HttpError::TooLarge {
                endpoint,
                cap: s.max_reply_bytes,
            }));
        }
        let audio = reply::audio(&s.reply, content_type.as_deref(), &body).map_err(
            |BadReply { message, retry }| {
                let error = HttpError::Reply {
                    endpoint: endpoint.clone(),
                    message: request::scrub(&message, &secrets),
                };
                if retry {
                    Failure::retry(error, None)
                } else {
                    Failure::stop(error)
                }
            },
        )?;
        let chars = text.chars().filter(|c| c.is_alphanumeric()).count();
        let seconds = audio.duration().as_secs_f64();
        if audio.samples.is_empty()
            || (chars >= MIN_CHECKED_CHARS && seconds < chars as f64 * MIN_SECONDS_PER_CHAR)
        {
            return Err(Failure::retry(
                HttpError::Reply {
                    endpoint,
                    message: format!(
                        "answered with {seconds:.3} s of audio for {chars} characters; too short to be the whole text"
                    ),
                },
                None,
            ));
        }
        Ok(audio)
    }
}

/// Fills every string of a JSON template. A string that is only `{speed}` or
/// `{sample_rate}` becomes a JSON number.
fn fill_json(
    template: &serde_json::Value,
    context: &Context,
    secrets: &mut Vec<Secret>,
) -> Result<serde_json::Value, HttpError> {
    Ok(match template {
        serde_json::Value::String(s) => {
            if let Some(Value::Number(n)) =
                request::sole_placeholder(s).and_then(|p| context.get(p))
                && let Some(n) = serde_json::Number::from_f64(*n)
            {
                if n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15)
                {
                    serde_json::Value::from(n.as_f64().expect("checked") as i64)
                } else {
                    serde_json::Value::Number(n)
                }
            } else {
                let filled = request::fill(s, context, Escape::None)?;
                secrets.extend(filled.secrets);
                serde_json::Value::String(filled.text)
            }
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|v| fill_json(v, context, secrets))
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), fill_json(v, context, secrets)?)))
                .collect::<Result<_, HttpError>>()?,
        ),
        other => other.clone(),
    })
}

impl Synthesizer for Http {
    fn id(&self) -> &str {
        &self.id
    }

    fn concurrency(&self) -> Option<usize> {
        Some(self.settings.concurrency)
    }

    /// What shapes the audio: where it comes from and what is asked for. Headers are left
    /// out (they carry keys); so are timeouts, retries and concurrency.
    fn fingerprint(&self) -> String {
        let s = &self.settings;
        format!(
            "http|{:?}|{:?}|{}|{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}",
            s.preset,
            s.urls,
            s.method,
            s.body,
            self.language,
            s.voice,
            s.model,
            self.speed,
            s.vars,
            s.reply,
            s.limit
        )
    }

    fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
        let pieces = match self.settings.limit {
            Some(limit) => split::split(text, limit),
            None => vec![text.trim()],
        };
        let mut joined: Option<Audio> = None;
        let mut converter: Option<RateConverter> = None;
        for piece in pieces {
            if !piece.chars().any(char::is_alphanumeric) {
                continue;
            }
            let mut audio = self.speak(piece)?;
            match &mut joined {
                None => joined = Some(audio),
                Some(all) => {
                    if audio.rate != all.rate {
                        if converter.is_none() {
                            converter = Some(
                                RateConverter::new(audio.rate, all.rate)
                                    .map_err(HttpError::Resample)?,
                            );
                        }
                        audio = converter
                            .as_mut()
                            .expect("set just above")
                            .convert(audio)
                            .map_err(HttpError::Resample)?;
                    }
                    all.samples.extend(audio.samples);
                }
            }
        }
        Ok(joined.unwrap_or_else(|| Audio {
            samples: Vec::new(),
            rate: self.settings.reply.sample_rate,
        }))
    }
}
