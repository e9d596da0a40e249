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

use std::io::{BufRead, BufReader, IoSlice, Read, Write};
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use super::library::Library;

/// The first argument that makes `narrate` a batch server (hidden from its help).
pub const SERVE_ARG: &str = "--espeak-batch-server";

/// What the server needs to set up the library: `VOICE SPEED PITCH`.
pub fn server_args(voice: &str, speed: u32, pitch: u32) -> [String; 3] {
    [voice.to_owned(), speed.to_string(), pitch.to_string()]
}

/// Runs the server in this process until its stdin ends. `args` are those after
/// [`SERVE_ARG`]. The process must have no other threads: it forks.
pub fn serve(args: &[String]) -> Result<(), String> {
    let [voice, speed, pitch] = args else {
        return Err(format!("{SERVE_ARG} VOICE SPEED PITCH"));
    };
    let number = |s: &str| s.parse::<u32>().map_err(|_| format!("not a number: {s}"));
    let library = Library::open()?;
    library.start(voice, number(speed)?, number(pitch)?)?;
    // libespeak-ng starts one thread for its asynchronous mode, which the synchronous mode
    // never wakes: it waits on a condition variable, holding no lock, so the forked copy
    // (which has only this thread) finds every lock free. Anything more is refused.
    let threads = std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count());
    if threads > 2 {
        return Err(format!(
            "{threads} threads after starting espeak-ng; cannot fork"
        ));
    }
    // SAFETY: fd 1 is this process's stdout, open for its whole life; ManuallyDrop keeps
    // it from being closed here.
    let mut out = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    // a batch's WAV (a few MB) then goes to the client in a few wake-ups, not hundreds
    // SAFETY: fcntl on an open descriptor; failure only leaves the pipe smaller.
    unsafe {
        libc::fcntl(1, libc::F_SETPIPE_SZ, 1 << 20);
    }
    writeln!(out, "ready\n{}", library.version_line()).map_err(|e| e.to_string())?;
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut header = String::new();
    let mut text = Vec::new();
    loop {
        header.clear();
        if input.read_line(&mut header).map_err(|e| e.to_string())? == 0 {
            return Ok(());
        }
        let (ssml, len) =
            parse_request(&header).ok_or_else(|| format!("bad request {header:?}"))?;
        text.resize(len, 0);
        input.read_exact(&mut text).map_err(|e| e.to_string())?;
        // SAFETY: this process has one thread (checked above), so the copy may do anything.
        match unsafe { libc::fork() } {
            -1 => return Err(std::io::Error::last_os_error().to_string()),
            0 => {
                let rate = library.speak(&text, ssml, send_piece).unwrap_or(0);
                let mut end = [b'E', 0, 0, 0, 0];
                end[1..].copy_from_slice(&rate.to_le_bytes());
                let ok = !SEND_FAILED.load(Ordering::Relaxed) && out.write_all(&end).is_ok();
                // SAFETY: _exit ends the copy without running the parent's exit handlers.
                unsafe { libc::_exit(if ok { 0 } else { 1 }) }
            }
            child => {
                let mut status = 0;
                // SAFETY: waits for the copy just forked
                let waited = unsafe { libc::waitpid(child, &mut status, 0) };
                let ok =
                    waited == child && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
                out.write_all(&[b'D', u8::from(!ok)])
                    .map_err(|e| e.to_string())?;
                if !ok {
                    return Err(format!("a forked speaker failed (status {status})"));
                }
            }
        }
    }
}

/// Set in the forked copy when a piece could not be sent.
static SEND_FAILED: AtomicBool = AtomicBool::new(false);

/// The forked copy's [`AudioSink`](super::library::AudioSink): sends one piece (`C`, length, samples) on stdout.
fn send_piece(_rate: u32, samples: &[i16]) {
    let bytes: Vec<u8>;
    let data: &[u8] = if cfg!(target_endian = "little") {
        // SAFETY: i16 has no padding; on a little-endian machine its bytes are the WAV's.
        unsafe { std::slice::from_raw_parts(samples.as_ptr().cast(), samples.len() * 2) }
    } else {
        bytes = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        &bytes
    };
    let mut head = [b'C', 0, 0, 0, 0];
    head[1..].copy_from_slice(&(data.len() as u32).to_le_bytes());
    // SAFETY: fd 1 stays open; ManuallyDrop keeps it from being closed here.
    let mut out = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    let mut parts = [IoSlice::new(&head), IoSlice::new(data)];
    let mut parts = &mut parts[..];
    while !parts.is_empty() {
        match out.write_vectored(parts) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Ok(0) | Err(_) => {
                SEND_FAILED.store(true, Ordering::Relaxed);
                return;
            }
            Ok(n) => IoSlice::advance_slices(&mut parts, n),
        }
    }
}

fn parse_request(header: &str) -> Option<(bool, usize)> {
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
    pub fn start(program: &Path, args: &[String], version: &str) -> Result<Server, String> {
        let mut child = Command::new(program)
            .arg(SERVE_ARG)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .map(|out| BufReader::with_capacity(64 << 10, out));
        let (Some(stdin), Some(stdout)) = (stdin, stdout) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("no pipes to the server".into());
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
            server.stdout.read_line(line).map_err(|e| e.to_string())?;
        }
        if greeting[0].trim_end() != "ready" {
            return Err("the server did not start (no libespeak-ng?)".into());
        }
        if greeting[1].trim_end() != version {
            return Err(format!(
                "the library is {:?}, the program {version:?}",
                greeting[1].trim_end()
            ));
        }
        Ok(server)
    }

    /// Whether this server was started for `program` and `args`.
    pub fn serves(&self, program: &Path, args: &[String]) -> bool {
        self.program == program && self.args == args
    }

    /// Speaks `input` (what `espeak-ng` would read on stdin) into `wav`. After an error
    /// the server is of no further use.
    pub fn speak(&mut self, input: &str, ssml: bool, wav: &mut Vec<u8>) -> Result<(), String> {
        let stdin = &mut self.stdin;
        let kind = if ssml { "ssml" } else { "text" };
        // one write: the server wakes once
        let mut request = format!("{kind} {}\n", input.len());
        request.push_str(input);
        stdin
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        wav.clear();
        wav.extend_from_slice(&[0; 44]);
        let mut tag = [0u8; 1];
        let mut word = [0u8; 4];
        let rate = loop {
            self.stdout
                .read_exact(&mut tag)
                .map_err(|e| e.to_string())?;
            if tag[0] != b'C' && tag[0] != b'E' {
                break None;
            }
            self.stdout
                .read_exact(&mut word)
                .map_err(|e| e.to_string())?;
            let value = u32::from_le_bytes(word);
            if tag[0] == b'E' {
                self.stdout
                    .read_exact(&mut tag)
                    .map_err(|e| e.to_string())?;
                break Some(value);
            }
            let read = (&mut self.stdout)
                .take(u64::from(value))
                .read_to_end(wav)
                .map_err(|e| e.to_string())?;
            if read != value as usize {
                return Err("the answer ended early".into());
            }
        };
        let mut status = [0u8; 1];
        self.stdout
            .read_exact(&mut status)
            .map_err(|e| e.to_string())?;
        match (tag[0], status[0], rate) {
            (b'D', 0, Some(0)) => wav.clear(),
            (b'D', 0, Some(rate)) => {
                let header =
                    crate::audio::wav_header(crate::audio::WAV_PCM, 16, rate, wav.len() - 44);
                wav[..44].copy_from_slice(&header);
            }
            (b'D', _, _) => return Err("the forked speaker failed".into()),
            _ => return Err("the server's answer is garbled".into()),
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
