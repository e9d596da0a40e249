//! libespeak-ng, opened at run time (`dlopen`): the calls the `espeak-ng` program makes to
//! speak stdin line by line into a WAV, for the batch server. Nothing is linked at build
//! time, so narrate builds and runs where the library is missing (it then starts the
//! program instead).

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};

const LIBRARY: &CStr = c"libespeak-ng.so.1";

/// `espeakCHARS_UTF8 | espeakPHONEMES | espeakENDPAUSE`: what `espeak-ng -b 1` passes.
const FLAGS_UTF8_TEXT: c_uint = 0x1 | 0x100 | 0x1000;
/// `espeakSSML`, added by `espeak-ng -m`.
const FLAG_SSML: c_uint = 0x10;
const ENOUTPUT_MODE_SYNCHRONOUS: c_uint = 1;
const POS_CHARACTER: c_int = 1;
const ESPEAK_RATE: c_int = 1;
const ESPEAK_PITCH: c_int = 3;
const EVENT_SAMPLERATE: c_int = 8;
/// The buffer `espeak-ng` reads each stdin line into with `fgets`.
pub(super) const LINE_BUFFER: usize = 1000;

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

/// A symbol's address as the function pointer type `F`.
///
/// # Safety
/// `F` must be a function pointer type matching the symbol's C signature.
unsafe fn function<F: Copy>(address: *mut c_void) -> F {
    assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: same size (checked); the caller vouches for the signature
    unsafe { std::mem::transmute_copy(&address) }
}

impl Library {
    /// Opens libespeak-ng and finds its entry points.
    pub fn open() -> Result<Library, String> {
        // SAFETY: dlopen with a constant name; the handle is kept for the process's life.
        let handle = unsafe { libc::dlopen(LIBRARY.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(format!("cannot open {}", LIBRARY.to_string_lossy()));
        }
        let symbol = |name: &CStr| {
            // SAFETY: a symbol lookup in a handle that stays open
            let address = unsafe { libc::dlsym(handle, name.as_ptr()) };
            if address.is_null() {
                Err(format!(
                    "{} has no {}",
                    LIBRARY.to_string_lossy(),
                    name.to_string_lossy()
                ))
            } else {
                Ok(address)
            }
        };
        // SAFETY: each symbol is cast to the signature speak_lib.h / espeak_ng.h give it.
        unsafe {
            Ok(Library {
                initialize_path: function(symbol(c"espeak_ng_InitializePath")?),
                initialize: function(symbol(c"espeak_ng_Initialize")?),
                initialize_output: function(symbol(c"espeak_ng_InitializeOutput")?),
                get_sample_rate: function(symbol(c"espeak_ng_GetSampleRate")?),
                set_synth_callback: function(symbol(c"espeak_SetSynthCallback")?),
                set_voice_by_name: function(symbol(c"espeak_SetVoiceByName")?),
                set_parameter: function(symbol(c"espeak_SetParameter")?),
                synth: function(symbol(c"espeak_Synth")?),
                synchronize: function(symbol(c"espeak_Synchronize")?),
                info: function(symbol(c"espeak_Info")?),
            })
        }
    }

    /// Sets the library up as `espeak-ng -b 1 --stdout -v VOICE -s SPEED -p PITCH` does
    /// before it reads any text.
    pub fn start(&self, voice: &str, speed: u32, pitch: u32) -> Result<(), String> {
        let voice = CString::new(voice).map_err(|_| "voice name with a NUL".to_string())?;
        // SAFETY: the calls and their order are those of espeak-ng's own main(); the
        // strings outlive the calls.
        unsafe {
            (self.initialize_path)(std::ptr::null());
            let mut context: *mut c_void = std::ptr::null_mut();
            let status = (self.initialize)(&mut context);
            if status != 0 {
                return Err(format!("espeak_ng_Initialize failed ({status:#x})"));
            }
            let status = (self.initialize_output)(ENOUTPUT_MODE_SYNCHRONOUS, 0, std::ptr::null());
            if status != 0 {
                return Err(format!("espeak_ng_InitializeOutput failed ({status:#x})"));
            }
            RATE.set((self.get_sample_rate)().max(1) as u32);
            (self.set_synth_callback)(collect);
            if (self.set_voice_by_name)(voice.as_ptr()) != 0 {
                return Err(format!("no voice {}", voice.to_string_lossy()));
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
