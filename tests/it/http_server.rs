//! A small HTTP/1.1 server for the http backend's tests: one thread per connection, a
//! handler per request, a log of what it saw and the most requests it served at once.
//! Faults (delays, cut-off bodies, any status) are part of the scripted [`Response`].

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }

    /// Form fields, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        String::from_utf8(self.body.clone())
            .expect("a form body is ASCII")
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (unescape(k), unescape(v)))
            .collect()
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// What the server answers, with optional faults.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send only this many body bytes (the Content-Length still says all), then close.
    pub cut: Option<usize>,
}

impl Response {
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: content_type
                .map(|ct| vec![("Content-Type".to_owned(), ct.to_owned())])
                .unwrap_or_default(),
            body: body.into(),
            delay: Duration::ZERO,
            cut: None,
        }
    }

    pub fn audio(content_type: &str, body: Vec<u8>) -> Self {
        Response::new(200, Some(content_type), body)
    }

    pub fn json(status: u16, json: serde_json::Value) -> Self {
        Response::new(status, Some("application/json"), json.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn cut_at(mut self, bytes: usize) -> Self {
        self.cut = Some(bytes);
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Response + Send + Sync;

pub struct Server {
    pub base: String,
    log: Arc<Mutex<Vec<Request>>>,
    peak: Arc<AtomicUsize>,
}

impl Server {
    /// Serves on 127.0.0.1 (a free port) until the test process ends. The handler gets each
    /// request and its number (0-based, in arrival order).
    pub fn start(handler: impl Fn(&Request, usize) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let peak = Arc::new(AtomicUsize::new(0));
        let current = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log2, peak2) = (log.clone(), peak.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, peak, current, handler) = (
                    log2.clone(),
                    peak2.clone(),
                    current.clone(),
                    handler.clone(),
                );
                std::thread::spawn(move || {
                    serve(stream, &log, &peak, &current, handler.as_ref());
                });
            }
        });
        Server { base, log, peak }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same time.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

fn serve(
    stream: TcpStream,
    log: &Mutex<Vec<Request>>,
    peak: &AtomicUsize,
    current: &AtomicUsize,
    handler: &Handler,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    // one request per connection: every answer says `Connection: close`
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let request = Request {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    };
    let now = current.fetch_add(1, Ordering::SeqCst) + 1;
    peak.fetch_max(now, Ordering::SeqCst);
    let n = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    let response = handler(&request, n);
    std::thread::sleep(response.delay);
    current.fetch_sub(1, Ordering::SeqCst);
    let mut out = stream;
    let mut head = format!("HTTP/1.1 {} X\r\n", response.status);
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    let sent = response.cut.unwrap_or(response.body.len());
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&response.body[..sent]);
    let _ = out.flush();
    let _ = out.shutdown(std::net::Shutdown::Both);
}
