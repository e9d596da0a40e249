//! The batch server's own side (Linux: it forks): loads libespeak-ng once, then forks a
//! copy for every batch that speaks it and streams the audio back. The protocol and the
//! client are in [`super::server`].

use std::io::{BufRead, BufReader, IoSlice, Read, Write};
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicBool, Ordering};

use super::library::Library;
use super::server::{ServeError, parse_request};

/// Runs the server in this process until its stdin ends. `args` are those after
/// [`SERVE_ARG`](super::server::SERVE_ARG). The process must have no other threads: it forks.
pub fn serve(args: &[String]) -> Result<(), ServeError> {
    let [voice, speed, pitch] = args else {
        return Err(ServeError::Usage);
    };
    let number = |s: &str| {
        s.parse::<u32>()
            .map_err(|_| ServeError::NotANumber(s.to_owned()))
    };
    let library = Library::open()?;
    library.start(voice, number(speed)?, number(pitch)?)?;
    // libespeak-ng starts one thread for its asynchronous mode, which the synchronous mode
    // never wakes: it waits on a condition variable, holding no lock, so the forked copy
    // (which has only this thread) finds every lock free. Anything more is refused.
    let threads = std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count());
    if threads > 2 {
        return Err(ServeError::Threads(threads));
    }
    // SAFETY: fd 1 is this process's stdout, open for its whole life; ManuallyDrop keeps
    // it from being closed here.
    let mut out = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    // a batch's WAV (a few MB) then goes to the client in a few wake-ups, not hundreds
    // SAFETY: fcntl on an open descriptor; failure only leaves the pipe smaller.
    unsafe {
        libc::fcntl(1, libc::F_SETPIPE_SZ, 1 << 20);
    }
    writeln!(out, "ready\n{}", library.version_line())?;
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut header = String::new();
    let mut text = Vec::new();
    loop {
        header.clear();
        if input.read_line(&mut header)? == 0 {
            return Ok(());
        }
        let (ssml, len) =
            parse_request(&header).ok_or_else(|| ServeError::BadRequest(header.clone()))?;
        text.resize(len, 0);
        input.read_exact(&mut text)?;
        // SAFETY: this process has one thread (checked above), so the copy may do anything.
        match unsafe { libc::fork() } {
            -1 => return Err(std::io::Error::last_os_error().into()),
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
                out.write_all(&[b'D', u8::from(!ok)])?;
                if !ok {
                    return Err(ServeError::SpeakerFailed(status));
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
