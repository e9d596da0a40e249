//! What was meant against what was heard, syllable by syllable.
//!
//! Both texts become toneless pinyin syllables through narrate's own reading
//! ([`pronounce`]): a homophone (殷 / 因), a traditional character (體 / 体) or a number
//! the recognizer wrote in digits (11月 / 十一月, normalized first) is not an error, and
//! Latin letters and words become the syllables narrate says for them on both sides. The
//! syllables are aligned by edit distance; runs of deleted or inserted syllables are the
//! spans the voice dropped or added.

use serde::{Deserialize, Serialize};

use crate::lexicon::Lexicon;
use crate::synth::mandarin::{pronounce, split_tone};

/// Runs of this many syllables or more are reported as dropped or inserted spans; shorter
/// ones are the recognizer's everyday slips.
pub const MIN_SPAN: usize = 3;

/// How one utterance's audio compares with its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Syllables in the text narrate sent.
    pub syllables: usize,
    pub substituted: usize,
    pub deleted: usize,
    pub inserted: usize,
    /// (substituted + deleted + inserted) / syllables; 0 for a text without syllables.
    pub error_rate: f64,
    /// Text the audio does not say: runs of [`MIN_SPAN`] or more syllables, as written.
    pub dropped: Vec<String>,
    /// Text the audio says beyond the utterance: runs of [`MIN_SPAN`] or more, as heard.
    pub extra: Vec<String>,
    /// Whether some extra span repeats text of the utterance (a voice that said a part twice).
    pub repeated: bool,
    /// Whether the audio ends before the text does: the last [`MIN_SPAN`] or more
    /// syllables, and at least a fifth of them, are missing.
    pub stopped_early: bool,
}

/// A syllable without its tone, and the text it was read from.
#[derive(Debug, Clone, PartialEq)]
struct Syllable {
    sound: String,
    ch: char,
}

impl Syllable {
    /// The same sound, or the same character: a polyphone the recognizer wrote as the text
    /// has it is heard right even where its neighbours make narrate read it otherwise
    /// (长酸角: zhang, not chang).
    fn same_as(&self, heard: &Syllable) -> bool {
        self.sound == heard.sound || self.ch == heard.ch
    }
}

/// The toneless syllables narrate reads `text` as.
fn syllables(text: &str) -> Vec<Syllable> {
    pronounce(text, &Lexicon::default())
        .syllables
        .into_iter()
        .map(|s| Syllable {
            sound: split_tone(&s.reading)
                .map_or(s.reading.as_str(), |(base, _)| base)
                .to_owned(),
            ch: s.ch,
        })
        .collect()
}

/// How many syllables narrate reads `text` as.
pub fn syllable_count(text: &str) -> usize {
    syllables(text).len()
}

/// One step of an alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Same,
    Substituted,
    /// A syllable of the text that was not heard.
    Deleted,
    /// A syllable heard that is not in the text.
    Inserted,
}

/// A least-cost alignment of `meant` with `heard` (Levenshtein, unit costs; among equal
/// costs, matches first), as steps in order.
fn align(meant: &[Syllable], heard: &[Syllable]) -> Vec<Step> {
    let (n, m) = (meant.len(), heard.len());
    let width = m + 1;
    let mut cost = vec![0u32; (n + 1) * width];
    for (j, first_row) in cost[..width].iter_mut().enumerate() {
        *first_row = j as u32;
    }
    for i in 1..=n {
        cost[i * width] = i as u32;
        for j in 1..=m {
            let same = meant[i - 1].same_as(&heard[j - 1]);
            let diagonal = cost[(i - 1) * width + j - 1] + u32::from(!same);
            let up = cost[(i - 1) * width + j] + 1;
            let left = cost[i * width + j - 1] + 1;
            cost[i * width + j] = diagonal.min(up).min(left);
        }
    }
    let mut steps = Vec::with_capacity(n.max(m));
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let here = cost[i * width + j];
        if i > 0 && j > 0 {
            let same = meant[i - 1].same_as(&heard[j - 1]);
            if cost[(i - 1) * width + j - 1] + u32::from(!same) == here {
                steps.push(if same { Step::Same } else { Step::Substituted });
                i -= 1;
                j -= 1;
                continue;
            }
        }
        if i > 0 && cost[(i - 1) * width + j] + 1 == here {
            steps.push(Step::Deleted);
            i -= 1;
        } else {
            steps.push(Step::Inserted);
            j -= 1;
        }
    }
    steps.reverse();
    steps
}

/// Compares the text narrate sent (`meant`) with the recognizer's transcript (`heard`).
pub fn compare(meant: &str, heard: &str) -> Comparison {
    let meant = syllables(meant);
    let heard = syllables(&crate::normalize::normalize(heard));
    let steps = align(&meant, &heard);
    let count = |step: Step| steps.iter().filter(|&&s| s == step).count();
    let (substituted, deleted, inserted) = (
        count(Step::Substituted),
        count(Step::Deleted),
        count(Step::Inserted),
    );
    let errors = substituted + deleted + inserted;

    // runs of deletions and of insertions, with the syllables they hold
    let mut dropped = Vec::new();
    let mut extra: Vec<Vec<&Syllable>> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut run_dropped: Vec<&Syllable> = Vec::new();
    let mut run_extra: Vec<&Syllable> = Vec::new();
    fn flush<'a>(run: &mut Vec<&'a Syllable>, into: &mut Vec<Vec<&'a Syllable>>) {
        if run.len() >= MIN_SPAN {
            into.push(std::mem::take(run));
        }
        run.clear();
    }
    let mut last_heard_at = 0; // syllables of the text before the last one heard
    for step in &steps {
        match step {
            Step::Deleted => {
                run_dropped.push(&meant[i]);
                i += 1;
                continue;
            }
            Step::Inserted => {
                run_extra.push(&heard[j]);
                j += 1;
            }
            Step::Same | Step::Substituted => {
                i += 1;
                j += 1;
                last_heard_at = i;
            }
        }
        flush(&mut run_dropped, &mut dropped);
        if *step != Step::Inserted {
            flush(&mut run_extra, &mut extra);
        }
    }
    flush(&mut run_dropped, &mut dropped);
    flush(&mut run_extra, &mut extra);

    let missing_at_end = meant.len() - last_heard_at;
    let stopped_early = missing_at_end >= MIN_SPAN && missing_at_end * 5 >= meant.len();
    fn sounds<'a>(run: &[&'a Syllable]) -> Vec<&'a str> {
        run.iter().map(|s| s.sound.as_str()).collect()
    }
    let meant_sounds: Vec<&str> = meant.iter().map(|s| s.sound.as_str()).collect();
    // a run said again is heard with the recognizer's usual slips: four in five of its
    // syllables matching some stretch of the text is a repeat. The alignment may put the
    // extra run anywhere in a doubled stretch (its end and then its start), so the
    // stretch is looked for in the text said twice.
    let twice = [meant_sounds.as_slice(), meant_sounds.as_slice()].concat();
    let repeated = extra.iter().any(|run| {
        let run = sounds(run);
        twice.windows(run.len()).any(|w| {
            let same = w.iter().zip(&run).filter(|(a, b)| a == b).count();
            same * 5 >= run.len() * 4
        })
    });
    let text = |run: &[&Syllable]| run.iter().map(|s| s.ch).collect::<String>();
    Comparison {
        syllables: meant.len(),
        substituted,
        deleted,
        inserted,
        error_rate: if meant.is_empty() {
            if heard.is_empty() { 0.0 } else { 1.0 }
        } else {
            errors as f64 / meant.len() as f64
        },
        dropped: dropped.iter().map(|run| text(run)).collect(),
        extra: extra.iter().map(|run| text(run)).collect(),
        repeated,
        stopped_early,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENTENCE: &str =
        "习近平总书记在上海主持召开深入推进长三角一体化发展座谈会并发表重要讲话。";

    #[test]
    fn homophones_traditional_characters_and_digits_are_not_errors() {
        // what Whisper base wrote for the neural voice: 因 for 殷, traditional characters,
        // the date in digits
        let c = compare("殷殷嘱托", "因因囑託");
        assert_eq!((c.error_rate, c.syllables), (0.0, 4), "{c:?}");
        let c = compare("十一月三十日，习近平总书记", "11月30日 習近平總書記");
        assert_eq!(c.error_rate, 0.0, "{c:?}");
        let c = compare("全国人大代表", "全國人大代表");
        assert_eq!(c.error_rate, 0.0, "{c:?}");
    }

    #[test]
    fn slips_count_but_are_no_spans() {
        // real transcript of the neural voice: 长酸角 (suan for san), 附地 (fu for fu)
        let c = compare("长三角腹地", "长酸角附地");
        assert_eq!((c.substituted, c.deleted, c.inserted), (1, 0, 0), "{c:?}");
        assert!(c.dropped.is_empty() && c.extra.is_empty() && !c.stopped_early);
        assert!((c.error_rate - 0.2).abs() < 1e-9);
    }

    #[test]
    fn audio_cut_in_half_stops_early_and_drops_the_rest() {
        let heard = "习近平总书记在上海主持召开深入推进";
        let c = compare(SENTENCE, heard);
        assert!(c.stopped_early, "{c:?}");
        assert_eq!(c.dropped, ["长三角一体化发展座谈会并发表重要讲话"], "{c:?}");
        assert!(c.error_rate > 0.45, "{c:?}");
    }

    #[test]
    fn words_said_twice_are_extra_and_repeated() {
        let heard = "习近平总书记在上海主持召开深入推进长三角一体化深入推进长三角一体化发展座谈会并发表重要讲话";
        let c = compare(SENTENCE, heard);
        assert_eq!(c.extra.len(), 1, "{c:?}");
        assert!(c.repeated && !c.stopped_early, "{c:?}");
        assert_eq!(c.deleted, 0);
    }

    #[test]
    fn a_repeat_heard_with_a_slip_is_still_a_repeat() {
        // Whisper's transcript of a doubled utterance of the seed, one syllable misheard
        // in the second saying (产 as 惨)
        let meant = "总书记指出，要充分发挥长三角产业体系完备和配套能力强的优势，";
        let heard = "總書記指出,要充分發揮長三角產業體系完備合配套能力強的優勢,總書記指出,要充分發揮長三角慘業體系完備合配套能力強的優勢。";
        let c = compare(meant, heard);
        assert!(c.repeated && c.extra.len() == 1, "{c:?}");
        assert!(c.error_rate > 0.9, "{c:?}");
        // slips alone are no repeat
        assert!(
            !compare(
                SENTENCE,
                "习近平总书记在上海主持召开深入推进长三角一体化发展座谈会"
            )
            .repeated
        );
    }

    #[test]
    fn a_dropped_middle_is_found_where_it_was() {
        let heard = "习近平总书记在上海主持召开座谈会并发表重要讲话";
        let c = compare(SENTENCE, heard);
        assert_eq!(c.dropped, ["深入推进长三角一体化发展"], "{c:?}");
        assert!(!c.stopped_early && !c.repeated, "{c:?}");
    }

    #[test]
    fn silence_and_another_sentence_are_all_wrong() {
        let c = compare(SENTENCE, "");
        assert_eq!(c.error_rate, 1.0);
        assert!(c.stopped_early);
        let c = compare(SENTENCE, "殷殷嘱托，谨记于心、笃之于行。");
        assert!(c.error_rate > 0.8, "{c:?}");
        // nothing to say, nothing heard
        assert_eq!(compare("", "").error_rate, 0.0);
        assert_eq!(compare("……", "谢谢观看").error_rate, 1.0);
    }

    #[test]
    fn latin_letters_are_compared_as_narrate_says_them() {
        let c = compare("GDP增长百分之五", "GDP增長5%");
        assert_eq!(c.error_rate, 0.0, "{c:?}");
    }
}
