//! Filling in request templates: `{text}`-style placeholders and `${env:NAME}` secrets.
//!
//! A template is scanned once. Placeholders are replaced by values escaped for where they
//! land (XML text, a URL, nothing for a JSON value that serde_json encodes later); the
//! inserted values are never scanned again, so text that happens to contain `${env:HOME}`
//! stays text. Values read from the environment are [`Secret`]s and are collected, so that
//! errors can blank them out of anything a server echoes back.

use std::collections::BTreeMap;
use std::fmt;

use super::HttpError;
use super::settings::SettingError;

/// A value read from the environment. Prints as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The value itself, for the request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How inserted values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Escape {
    /// Inserted as is (headers, and JSON values, which serde_json escapes).
    None,
    /// XML text and attribute values (`&`, `<`, `>`, `"`, `'`).
    Xml,
    /// The inside of a JSON string literal.
    Json,
    /// A URL component (percent-encoded).
    Url,
}

/// A placeholder's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => f.write_str(s),
            Value::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The values placeholders are filled with for one request.
pub type Context = BTreeMap<String, Value>;

/// Placeholders every voice can use; `[vars]` adds more.
pub const PLACEHOLDERS: &[&str] = &[
    "text",
    "voice",
    "model",
    "speed",
    "language",
    "lang",
    "sample_rate",
    "request_id",
];

/// A filled-in template and the secrets that went into it.
#[derive(Debug, Default)]
pub struct Filled {
    pub text: String,
    pub secrets: Vec<Secret>,
}

enum Piece<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
    Env {
        name: &'a str,
        default: Option<&'a str>,
    },
}

/// Splits a template into pieces; `{{` and `}}` are literal braces.
fn pieces(template: &str) -> Result<Vec<Piece<'_>>, SettingError> {
    let mut out = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let next = rest.find(['{', '}', '$']).unwrap_or(rest.len());
        if next > 0 {
            out.push(Piece::Literal(&rest[..next]));
            rest = &rest[next..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("${env:") {
            let end = after
                .find('}')
                .ok_or_else(|| SettingError::new(format!("unclosed `${{env:` in `{template}`")))?;
            let spec = &after[..end];
            let (name, default) = match spec.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (spec, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(SettingError::new(format!(
                    "bad environment variable name `{name}` in `{template}`"
                )));
            }
            out.push(Piece::Env { name, default });
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("{{") {
            out.push(Piece::Literal("{"));
            rest = after;
        } else if let Some(after) = rest.strip_prefix("}}") {
            out.push(Piece::Literal("}"));
            rest = after;
        } else if let Some(after) = rest.strip_prefix('{') {
            let end = after.find('}').ok_or_else(|| {
                SettingError::new(format!(
                    "unclosed `{{` in `{template}` (write `{{{{` for a brace)"
                ))
            })?;
            out.push(Piece::Placeholder(&after[..end]));
            rest = &after[end + 1..];
        } else {
            // a lone `}` or a `$` that starts no `${env:`
            let len = rest.chars().next().map_or(1, char::len_utf8);
            out.push(Piece::Literal(&rest[..len]));
            rest = &rest[len..];
        }
    }
    Ok(out)
}

/// Checks a template when the voice is loaded: syntax, and that every placeholder is known.
pub fn check(template: &str, vars: &BTreeMap<String, String>) -> Result<(), SettingError> {
    for piece in pieces(template)? {
        if let Piece::Placeholder(name) = piece
            && !PLACEHOLDERS.contains(&name)
            && !vars.contains_key(name)
        {
            return Err(SettingError::new(format!(
                "unknown placeholder `{{{name}}}` in `{template}`; known: {}{}",
                PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if vars.is_empty() {
                    ", or one defined under [vars]"
                } else {
                    ""
                }
            )));
        }
    }
    Ok(())
}

/// Whether the template is exactly one placeholder, e.g. `"{speed}"`.
pub fn sole_placeholder(template: &str) -> Option<&str> {
    match pieces(template).ok()?.as_slice() {
        [Piece::Placeholder(name)] => Some(name),
        _ => None,
    }
}

/// Fills in a template. Environment values are read now, at request time.
pub fn fill(template: &str, context: &Context, escape: Escape) -> Result<Filled, HttpError> {
    let mut filled = Filled::default();
    let pieces = pieces(template)?;
    for piece in pieces {
        match piece {
            Piece::Literal(s) => filled.text.push_str(s),
            Piece::Placeholder(name) => {
                let value = context.get(name).ok_or_else(|| {
                    SettingError::new(format!("unknown placeholder `{{{name}}}`"))
                })?;
                push_escaped(&mut filled.text, &value.to_string(), escape);
            }
            Piece::Env { name, default } => {
                let value = match (std::env::var(name), default) {
                    (Ok(v), _) if !v.is_empty() => v,
                    (_, Some(d)) => d.to_owned(),
                    _ => {
                        return Err(HttpError::MissingEnv {
                            name: name.to_owned(),
                        });
                    }
                };
                push_escaped(&mut filled.text, &value, escape);
                if !value.is_empty() && Some(value.as_str()) != default {
                    filled.secrets.push(Secret::new(value));
                }
            }
        }
    }
    Ok(filled)
}

fn push_escaped(out: &mut String, value: &str, escape: Escape) {
    match escape {
        Escape::None => out.push_str(value),
        Escape::Xml => {
            for c in value.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&apos;"),
                    // characters XML 1.0 forbids
                    c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
                    c => out.push(c),
                }
            }
        }
        Escape::Json => {
            let quoted = serde_json::to_string(value).expect("a string always serializes");
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
        Escape::Url => out.push_str(&percent_encode(value, false)),
    }
}

/// Percent-encodes everything but unreserved characters; `form` uses `+` for spaces
/// (application/x-www-form-urlencoded).
pub fn percent_encode(value: &str, form: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Encodes form fields as `application/x-www-form-urlencoded`.
pub fn form_body(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k, true), percent_encode(v, true)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Query parameters whose values are credentials.
const SECRET_QUERY_KEYS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "api-key",
    "access_token",
    "token",
    "tok",
    "secret",
    "password",
    "sig",
    "signature",
    "auth",
    "subscription-key",
];

/// A URL (template) fit for messages: user info and credential query values become `***`.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = match authority.rsplit_once('@') {
                Some((_, host)) => format!("***@{host}"),
                None => authority.to_owned(),
            };
            format!("{scheme}://{host}{path}")
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v))
                    if SECRET_QUERY_KEYS.contains(&k.to_ascii_lowercase().as_str())
                        || v.contains("${env:") =>
                {
                    format!("{k}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// Blanks every secret out of `text` (a server may echo a key back).
pub fn scrub(text: &str, secrets: &[Secret]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if secret.expose().len() >= 4 {
            out = out.replace(secret.expose(), "***");
        }
    }
    out
}

/// A fresh id for `{request_id}`, shaped like a UUID v4.
pub fn request_id() -> String {
    let a = fastrand::u64(..);
    let b = fastrand::u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(text: &str) -> Context {
        let mut c = Context::new();
        c.insert("text".into(), Value::Text(text.into()));
        c.insert("speed".into(), Value::Number(1.25));
        c
    }

    #[test]
    fn text_is_escaped_for_xml_and_json() {
        let c = context("a<b & \"c\"");
        let xml = fill("<speak>{text}</speak>", &c, Escape::Xml).unwrap();
        assert_eq!(xml.text, "<speak>a&lt;b &amp; &quot;c&quot;</speak>");
        let json = fill("{{\"t\":\"{text}\"}}", &context("x\"\n\\"), Escape::Json).unwrap();
        assert_eq!(json.text, r#"{"t":"x\"\n\\"}"#);
        serde_json::from_str::<serde_json::Value>(&json.text).unwrap();
    }

    #[test]
    fn env_syntax_in_the_text_is_not_expanded() {
        let filled = fill("{text}", &context("${env:HOME}"), Escape::None).unwrap();
        assert_eq!(filled.text, "${env:HOME}");
        assert!(filled.secrets.is_empty());
    }

    #[test]
    fn env_values_are_read_and_remembered_as_secrets() {
        // PATH is set in every test environment
        let path = std::env::var("PATH").unwrap();
        let filled = fill("Bearer ${env:PATH}", &context(""), Escape::None).unwrap();
        assert_eq!(filled.text, format!("Bearer {path}"));
        assert_eq!(filled.secrets, vec![Secret::new(path)]);
        assert_eq!(format!("{:?}", filled.secrets[0]), "***");
        let err = fill(
            "${env:NARRATE_SURELY_UNSET_VAR}",
            &context(""),
            Escape::None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("NARRATE_SURELY_UNSET_VAR"), "{err}");
        let d = fill(
            "${env:NARRATE_SURELY_UNSET_VAR:-none}",
            &context(""),
            Escape::None,
        );
        assert_eq!(d.unwrap().text, "none");
    }

    #[test]
    fn unknown_placeholders_are_refused_when_checked() {
        let vars = BTreeMap::new();
        assert!(check("{text} {speed}", &vars).is_ok());
        let err = check("{txet}", &vars).unwrap_err().to_string();
        assert!(err.contains("txet") && err.contains("{text}"), "{err}");
        assert!(check("{{literal}}", &vars).is_ok());
        assert!(check("{text", &vars).is_err());
    }

    #[test]
    fn numbers_print_without_needless_decimals() {
        assert_eq!(
            fill("{speed}", &context(""), Escape::None).unwrap().text,
            "1.25"
        );
        let mut c = context("");
        c.insert("speed".into(), Value::Number(5.0));
        assert_eq!(fill("{speed}", &c, Escape::None).unwrap().text, "5");
    }

    #[test]
    fn credentials_in_urls_are_hidden() {
        assert_eq!(
            redact_url("https://u:p@example.com/v1/x?key=AIza123&alt=json"),
            "https://***@example.com/v1/x?key=***&alt=json"
        );
        assert_eq!(
            redact_url("http://h/tts?appid=${env:APPID}"),
            "http://h/tts?appid=***"
        );
    }

    #[test]
    fn form_encoding_escapes_reserved_characters() {
        let body = form_body(&[("tex".into(), "你好 a&b=c".into())]);
        assert_eq!(body, "tex=%E4%BD%A0%E5%A5%BD+a%26b%3Dc");
    }

    #[test]
    fn request_ids_differ() {
        assert_ne!(request_id(), request_id());
        assert_eq!(request_id().len(), 36);
    }
}
