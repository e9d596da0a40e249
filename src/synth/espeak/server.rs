//! The batch server: instead of starting `espeak-ng` for every batch (a process that loads
//! 30 shared libraries and a 1.6 MB dictionary before it says a word, 7 ms of CPU each
//! time), each worker thread keeps one server process that has loaded libespeak-ng and
//! chosen the voice once. For every batch the server forks: the copy starts from exactly
//! the state a fresh `espeak-ng` process reaches before it reads its text, speaks, sends
//! the audio and exits. So every batch sounds as it would from the program, byte for byte
//! (the library carries prosody from one text to the next; a fresh copy each time is
//! what keeps audio independent of what a worker spoke before, and cached audio valid).
//!
//! The server is the `narrate` binary itself, started with [`SERVE_ARG`]. It talks over
//! its stdin and stdout:
//! - it greets with `ready\n` and the line `espeak-ng --version` would print, so the
//!   client can check it speaks with the same engine as the program;
//! - a request is `ssml|text LEN\n` and LEN bytes of input (what `espeak-ng` would read
//!   from stdin);
//! - the forked copy answers with the audio as it comes, in pieces of up to 128 kB (`C`,
//!   the length in bytes as 4 bytes little-endian, 16-bit samples), then `E` and the
//!   sample rate (4 bytes; 0 when no audio came, and the program would write no WAV);
//! - the server adds `D` and one status byte, 0 when the copy exited normally. After any
//!   failure it exits, so a half-written answer is never followed by another.
//!
//! Streaming the pieces keeps the copy from growing a buffer the size of the batch, whose
//! fresh pages cost more to fault in than the process start saved.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

#[cfg(target_os = "linux")]
pub use super::serve::serve;

/// The first argument that makes `narrate` a batch server (hidden from its help).
pub const SERVE_ARG: &str = "--espeak-batch-server";

/// Why the server stopped (its own side; the binary prints it).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("usage: {SERVE_ARG} VOICE SPEED PITCH")]
    Usage,
    #[error("not a number: {0}")]
    NotANumber(String),
    #[cfg(target_os = "linux")]
    #[error(transparent)]
    Library(#[from] super::library::LibraryError),
    #[error("{0} threads after starting espeak-ng; cannot fork")]
    Threads(usize),
    #[error("bad request {0:?}")]
    BadRequest(String),
    #[error("a forked speaker failed (status {0})")]
    SpeakerFailed(i32),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("the espeak-ng batch server needs Linux (it forks)")]
    Unsupported,
}

/// Why a server could not be used (the client's side); the engine then starts the
/// program instead.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot start {}", program.display())]
    Start {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no pipes to the server")]
    NoPipes,
    #[error("the server did not start (no libespeak-ng?)")]
    NotReady,
    #[error("the library is {library:?}, the program {program:?}")]
    Version { library: String, program: String },
    #[error("the server's pipe failed")]
    Io(#[from] std::io::Error),
    #[error("the answer ended early")]
    Short,
    #[error("the forked speaker failed")]
    SpeakerFailed,
    #[error("the server's answer is garbled")]
    Garbled,
}

/// Off Linux there is no server: [`Espeak::with_server`](super::Espeak::with_server) does
/// not start one, and the binary says so if it is started as one.
#[cfg(not(target_os = "linux"))]
pub fn serve(_args: &[String]) -> Result<(), ServeError> {
    Err(ServeError::Unsupported)
}

/// What the server needs to set up the library: `VOICE SPEED PITCH`.
pub fn server_args(voice: &str, speed: u32, pitch: u32) -> [String; 3] {
    [voice.to_owned(), speed.to_string(), pitch.to_string()]
}

pub(super) fn parse_request(header: &str) -> Option<(bool, usize)> {
    let (kind, len) = header.trim_end().split_once(' ')?;
    let ssml = match kind {
        "ssml" => true,
        "text" => false,
        _ => return None,
    };
    Some((ssml, len.parse().ok()?))
}

/// The client's end: a server process this thread speaks through.
pub struct Server {
    /// The program and arguments it was started with.
    program: PathBuf,
    args: Vec<String>,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts `program SERVE_ARG args…` and reads its greeting; an error when it does not
    /// greet with `version` (the line the `espeak-ng` program prints).
    pub fn start(program: &Path, args: &[String], version: &str) -> Result<Server, ServerError> {
        let mut child = Command::new(program)
            .arg(SERVE_ARG)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| ServerError::Start {
                program: program.to_owned(),
                source,
            })?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .map(|out| BufReader::with_capacity(64 << 10, out));
        let (Some(stdin), Some(stdout)) = (stdin, stdout) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ServerError::NoPipes);
        };
        let mut server = Server {
            program: program.to_owned(),
            args: args.to_vec(),
            child,
            stdin,
            stdout,
        };
        let mut greeting = [String::new(), String::new()];
        for line in &mut greeting {
            server.stdout.read_line(line)?;
        }
        if greeting[0].trim_end() != "ready" {
            return Err(ServerError::NotReady);
        }
        if greeting[1].trim_end() != version {
            return Err(ServerError::Version {
                library: greeting[1].trim_end().to_owned(),
                program: version.to_owned(),
            });
        }
        Ok(server)
    }

    /// Whether this server was started for `program` and `args`.
    pub fn serves(&self, program: &Path, args: &[String]) -> bool {
        self.program == program && self.args == args
    }

    /// Speaks `input` (what `espeak-ng` would read on stdin) into `wav`. After an error
    /// the server is of no further use.
    pub fn speak(&mut self, input: &str, ssml: bool, wav: &mut Vec<u8>) -> Result<(), ServerError> {
        let stdin = &mut self.stdin;
        let kind = if ssml { "ssml" } else { "text" };
        // one write: the server wakes once
        let mut request = format!("{kind} {}\n", input.len());
        request.push_str(input);
        stdin.write_all(request.as_bytes())?;
        wav.clear();
        wav.extend_from_slice(&[0; 44]);
        let mut tag = [0u8; 1];
        let mut word = [0u8; 4];
        let rate = loop {
            self.stdout.read_exact(&mut tag)?;
            if tag[0] != b'C' && tag[0] != b'E' {
                break None;
            }
            self.stdout.read_exact(&mut word)?;
            let value = u32::from_le_bytes(word);
            if tag[0] == b'E' {
                self.stdout.read_exact(&mut tag)?;
                break Some(value);
            }
            let read = (&mut self.stdout).take(u64::from(value)).read_to_end(wav)?;
            if read != value as usize {
                return Err(ServerError::Short);
            }
        };
        let mut status = [0u8; 1];
        self.stdout.read_exact(&mut status)?;
        match (tag[0], status[0], rate) {
            (b'D', 0, Some(0)) => wav.clear(),
            (b'D', 0, Some(rate)) => {
                let header =
                    crate::audio::wav_header(crate::audio::WAV_PCM, 16, rate, wav.len() - 44);
                wav[..44].copy_from_slice(&header);
            }
            (b'D', _, _) => return Err(ServerError::SpeakerFailed),
            _ => return Err(ServerError::Garbled),
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // an idle server has nothing to lose, and one that failed may be stuck writing
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
