//! Any bytes through decode → structure → segment → normalize: no panic, no hang, and no
//! digit left for the engine to misread.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run text_stages -- -max_total_time=600`
#![no_main]

use libfuzzer_sys::fuzz_target;
use narrate::ingest::{decode, structure};
use narrate::segment::{self, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = decode::decode(data) else {
        return;
    };
    let document = structure::parse(&decoded.text);
    let limits = Limits {
        max_chars: 40,
        min_chars: 4,
    };
    for (i, section) in document.sections.iter().enumerate() {
        for utterance in segment::utterances(section, i, &limits) {
            assert!(!utterance.text.trim().is_empty());
            let spoken = narrate::normalize::normalize(&utterance.text);
            assert!(!spoken.chars().any(|c| c.is_ascii_digit()), "{spoken}");
        }
    }
});
