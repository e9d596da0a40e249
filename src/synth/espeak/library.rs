//! libespeak-ng, opened at run time (libloading): the calls the `espeak-ng` program makes
//! to speak stdin line by line into a WAV, for the batch server. Nothing is linked at build
//! time, so narrate builds and runs where the library is missing (it then starts the
//! program instead).

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};

use super::LINE_BUFFER;

const LIBRARY: &str = "libespeak-ng.so.1";

/// Why libespeak-ng cannot be used; the engine then starts the program.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("cannot open {LIBRARY}")]
    Open(#[source] libloading::Error),
    #[error("{LIBRARY} has no {name}")]
    Symbol {
        name: &'static str,
        #[source]
        source: libloading::Error,
    },
    #[error("voice name {0:?} holds a NUL byte")]
    VoiceName(String),
    #[error("{call} failed ({status:#x})")]
    Call { call: &'static str, status: c_uint },
    #[error("no voice {0}")]
    NoVoice(String),
}

/// `espeakCHARS_UTF8 | espeakPHONEMES | espeakENDPAUSE`: what `espeak-ng -b 1` passes.
const FLAGS_UTF8_TEXT: c_uint = 0x1 | 0x100 | 0x1000;
/// `espeakSSML`, added by `espeak-ng -m`.
const FLAG_SSML: c_uint = 0x10;
const ENOUTPUT_MODE_SYNCHRONOUS: c_uint = 1;
const POS_CHARACTER: c_int = 1;
const ESPEAK_RATE: c_int = 1;
const ESPEAK_PITCH: c_int = 3;
const EVENT_SAMPLERATE: c_int = 8;

/// `espeak_EVENT` (speak_lib.h); only `kind` and the first word of `id` are read.
#[repr(C)]
#[allow(dead_code)] // the fields lay the struct out as C does
struct Event {
    kind: c_int,
    unique_identifier: c_uint,
    text_position: c_int,
    length: c_int,
    audio_position: c_int,
    sample: c_int,
    user_data: *mut c_void,
    id_number: c_int,
    id_rest: c_int,
}

type SynthCallback = extern "C" fn(*mut i16, c_int, *mut Event) -> c_int;

/// The library's entry points narrate uses.
pub struct Library {
    /// Kept open: the entry points below point into it.
    _library: libloading::Library,
    initialize_path: unsafe extern "C" fn(*const c_char),
    initialize: unsafe extern "C" fn(*mut *mut c_void) -> c_uint,
    initialize_output: unsafe extern "C" fn(c_uint, c_int, *const c_char) -> c_uint,
    get_sample_rate: unsafe extern "C" fn() -> c_int,
    set_synth_callback: unsafe extern "C" fn(SynthCallback),
    set_voice_by_name: unsafe extern "C" fn(*const c_char) -> c_int,
    set_parameter: unsafe extern "C" fn(c_int, c_int, c_int) -> c_int,
    #[allow(clippy::type_complexity)]
    synth: unsafe extern "C" fn(
        *const c_void,
        usize,
        c_uint,
        c_int,
        c_uint,
        c_uint,
        *mut c_uint,
        *mut c_void,
    ) -> c_int,
    synchronize: unsafe extern "C" fn() -> c_int,
    info: unsafe extern "C" fn(*mut *const c_char) -> *const c_char,
}

/// Where speech goes as it comes: the WAV header's sample rate and a piece of audio.
pub type AudioSink = fn(rate: u32, samples: &[i16]);

/// Samples held before they go to the sink (128 kB).
const PIECE: usize = 64 << 10;

thread_local! {
    /// Speech the synth callback has been given and not yet passed on.
    static SAMPLES: RefCell<Vec<i16>> = const { RefCell::new(Vec::new()) };
    static SINK: Cell<Option<AudioSink>> = const { Cell::new(None) };
    /// The rate in force (a voice may change it with an event).
    static RATE: Cell<u32> = const { Cell::new(0) };
    /// The rate when the first audio came, which `espeak-ng` writes in its WAV header;
    /// 0 until then.
    static HEADER_RATE: Cell<u32> = const { Cell::new(0) };
}

/// Takes what espeak-ng says, as `espeak-ng --stdout` does (its `SynthCallback`).
extern "C" fn collect(wav: *mut i16, count: c_int, mut events: *mut Event) -> c_int {
    if wav.is_null() {
        return 0; // the end of the text
    }
    // SAFETY: espeak-ng passes a list of events ended by one of kind 0, and `count`
    // samples at `wav`.
    unsafe {
        while !events.is_null() && (*events).kind != 0 {
            if (*events).kind == EVENT_SAMPLERATE {
                RATE.set((*events).id_number.max(1) as u32);
            }
            events = events.add(1);
        }
        if HEADER_RATE.get() == 0 {
            HEADER_RATE.set(RATE.get());
        }
        if count > 0 {
            let samples = std::slice::from_raw_parts(wav, count as usize);
            SAMPLES.with_borrow_mut(|held| {
                held.extend_from_slice(samples);
                if held.len() >= PIECE {
                    pass_on(held);
                }
            });
        }
    }
    0
}

fn pass_on(held: &mut Vec<i16>) {
    if let Some(sink) = SINK.get()
        && !held.is_empty()
    {
        sink(HEADER_RATE.get(), held);
    }
    held.clear();
}

/// The entry point `name` as the function pointer type `F`.
///
/// # Safety
/// `F` must be a function pointer type matching the symbol's C signature, and the pointer
/// must not be called after `library` is closed.
unsafe fn function<F: Copy>(
    library: &libloading::Library,
    name: &'static str,
) -> Result<F, LibraryError> {
    // SAFETY: the caller vouches for the signature and the library's life
    unsafe { library.get::<F>(name.as_bytes()) }
        .map(|symbol| *symbol)
        .map_err(|source| LibraryError::Symbol { name, source })
}

impl Library {
    /// Opens libespeak-ng and finds its entry points.
    pub fn open() -> Result<Library, LibraryError> {
        use libloading::os::unix::{RTLD_LOCAL, RTLD_NOW};
        // SAFETY: loading libespeak-ng runs no initializer with effects beyond its own
        // static data; the handle is kept with the entry points.
        let library =
            unsafe { libloading::os::unix::Library::open(Some(LIBRARY), RTLD_NOW | RTLD_LOCAL) }
                .map_err(LibraryError::Open)?
                .into();
        // SAFETY: each symbol is cast to the signature speak_lib.h / espeak_ng.h give it,
        // and the library is kept open in the returned value.
        unsafe {
            Ok(Library {
                initialize_path: function(&library, "espeak_ng_InitializePath")?,
                initialize: function(&library, "espeak_ng_Initialize")?,
                initialize_output: function(&library, "espeak_ng_InitializeOutput")?,
                get_sample_rate: function(&library, "espeak_ng_GetSampleRate")?,
                set_synth_callback: function(&library, "espeak_SetSynthCallback")?,
                set_voice_by_name: function(&library, "espeak_SetVoiceByName")?,
                set_parameter: function(&library, "espeak_SetParameter")?,
                synth: function(&library, "espeak_Synth")?,
                synchronize: function(&library, "espeak_Synchronize")?,
                info: function(&library, "espeak_Info")?,
                _library: library,
            })
        }
    }

    /// Sets the library up as `espeak-ng -b 1 --stdout -v VOICE -s SPEED -p PITCH` does
    /// before it reads any text.
    pub fn start(&self, voice: &str, speed: u32, pitch: u32) -> Result<(), LibraryError> {
        let voice = CString::new(voice).map_err(|_| LibraryError::VoiceName(voice.to_owned()))?;
        // SAFETY: the calls and their order are those of espeak-ng's own main(); the
        // strings outlive the calls.
        unsafe {
            (self.initialize_path)(std::ptr::null());
            let mut context: *mut c_void = std::ptr::null_mut();
            let status = (self.initialize)(&mut context);
            if status != 0 {
                return Err(LibraryError::Call {
                    call: "espeak_ng_Initialize",
                    status,
                });
            }
            let status = (self.initialize_output)(ENOUTPUT_MODE_SYNCHRONOUS, 0, std::ptr::null());
            if status != 0 {
                return Err(LibraryError::Call {
                    call: "espeak_ng_InitializeOutput",
                    status,
                });
            }
            RATE.set((self.get_sample_rate)().max(1) as u32);
            (self.set_synth_callback)(collect);
            if (self.set_voice_by_name)(voice.as_ptr()) != 0 {
                return Err(LibraryError::NoVoice(voice.to_string_lossy().into_owned()));
            }
            (self.set_parameter)(ESPEAK_RATE, speed as c_int, 0);
            (self.set_parameter)(ESPEAK_PITCH, pitch as c_int, 0);
        }
        Ok(())
    }

    /// The line `espeak-ng --version` prints for this library.
    pub fn version_line(&self) -> String {
        let mut data: *const c_char = std::ptr::null();
        // SAFETY: espeak_Info returns static strings (or null).
        let (version, data) = unsafe {
            let version = (self.info)(&mut data);
            let text = |p: *const c_char| {
                if p.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(p).to_string_lossy().into_owned()
                }
            };
            (text(version), text(data))
        };
        format!("eSpeak NG text-to-speech: {version}  Data at: {data}")
    }

    /// Speaks `text` as `espeak-ng` speaks its stdin (one `fgets` line at a time, SSML
    /// when asked), passing the audio to `sink` a piece at a time. Returns the sample rate
    /// `espeak-ng` would write in its WAV header, or `None` when no audio came (and the
    /// program writes no WAV at all).
    pub fn speak(&self, text: &[u8], ssml: bool, sink: AudioSink) -> Option<u32> {
        SINK.set(Some(sink));
        HEADER_RATE.set(0);
        SAMPLES.with_borrow_mut(|held| {
            held.clear();
            held.reserve(PIECE + (PIECE >> 2));
        });
        let flags = FLAGS_UTF8_TEXT | if ssml { FLAG_SSML } else { 0 };
        let mut line = [0u8; LINE_BUFFER];
        let mut rest = text;
        while !rest.is_empty() {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |i| i + 1)
                .min(LINE_BUFFER - 1);
            line[..end].copy_from_slice(&rest[..end]);
            line[end] = 0;
            rest = &rest[end..];
            // SAFETY: `line` is NUL-terminated within its LINE_BUFFER bytes, as fgets leaves it.
            unsafe {
                (self.synth)(
                    line.as_ptr().cast(),
                    LINE_BUFFER,
                    0,
                    POS_CHARACTER,
                    0,
                    flags,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                );
            }
        }
        // SAFETY: no arguments; waits for nothing in synchronous mode
        unsafe {
            (self.synchronize)();
        }
        SAMPLES.with_borrow_mut(pass_on);
        SINK.set(None);
        match HEADER_RATE.get() {
            0 => None,
            rate => Some(rate),
        }
    }
}
