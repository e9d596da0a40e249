//! Text in scripts a Mandarin voice does not read: Korean, Japanese kana, Cyrillic, Greek
//! words, Arabic, Thai, Hebrew, Devanagari.
//!
//! Normalization passes such text through as it is written (a rule that rewrote it would only
//! mangle it); this module finds it, so that ingest can warn the listener's editor where a
//! voice will skip or garble it.
//!
//! Example: `韩国歌手아이유在首尔` → one run, Korean, `아이유`.

/// A writing system other than Chinese and Latin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    Korean,
    Japanese,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Thai,
    Devanagari,
}

impl Script {
    /// The script's English name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Script::Korean => "Korean",
            Script::Japanese => "Japanese kana",
            Script::Cyrillic => "Cyrillic",
            Script::Greek => "Greek",
            Script::Arabic => "Arabic",
            Script::Hebrew => "Hebrew",
            Script::Thai => "Thai",
            Script::Devanagari => "Devanagari",
        }
    }

    fn of(c: char) -> Option<Script> {
        Some(match c {
            '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}' => {
                Script::Korean
            }
            // Kana; U+30FC (ー) and U+30FB (・) are used in Chinese text too, so they only
            // continue a run.
            '\u{3041}'..='\u{309F}' | '\u{30A1}'..='\u{30FA}' | '\u{FF66}'..='\u{FF9D}' => {
                Script::Japanese
            }
            '\u{0400}'..='\u{04FF}' => Script::Cyrillic,
            '\u{0370}'..='\u{03FF}' => Script::Greek,
            '\u{0600}'..='\u{06FF}' => Script::Arabic,
            '\u{0590}'..='\u{05FF}' => Script::Hebrew,
            '\u{0E00}'..='\u{0E7F}' => Script::Thai,
            '\u{0900}'..='\u{097F}' => Script::Devanagari,
            _ => return None,
        })
    }
}

/// A run of one foreign script in a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignRun {
    pub script: Script,
    /// The run as written, spaces between its words included.
    pub text: String,
}

/// The runs of foreign script in `line`, in order. A single Greek letter (`α`, `π`) is a
/// symbol, not a word, and is left out.
pub fn foreign_runs(line: &str) -> Vec<ForeignRun> {
    let mut runs: Vec<ForeignRun> = Vec::new();
    let mut current: Option<ForeignRun> = None;
    let mut pending_space = String::new();
    for c in line.chars() {
        let script = Script::of(c);
        let continues = current.as_ref().is_some_and(|run| {
            script == Some(run.script) || (run.script == Script::Japanese && "ー・゙゚".contains(c))
        });
        if continues {
            let run = current.as_mut().expect("checked above");
            run.text.push_str(&pending_space);
            pending_space.clear();
            run.text.push(c);
        } else if current.is_some() && c == ' ' {
            pending_space.push(c);
        } else {
            runs.extend(current.take());
            pending_space.clear();
            current = script.map(|script| ForeignRun {
                script,
                text: c.to_string(),
            });
        }
    }
    runs.extend(current);
    runs.retain(|r| r.script != Script::Greek || r.text.chars().count() > 1);
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_each_script_are_found_with_their_spaces() {
        let runs = foreign_runs("《Война и мир》和아이유、となりのトトロ");
        let found: Vec<(Script, &str)> = runs.iter().map(|r| (r.script, r.text.as_str())).collect();
        assert_eq!(
            found,
            [
                (Script::Cyrillic, "Война и мир"),
                (Script::Korean, "아이유"),
                (Script::Japanese, "となりのトトロ"),
            ]
        );
    }

    #[test]
    fn chinese_latin_and_single_greek_letters_are_not_foreign() {
        assert!(foreign_runs("圆周率π约为3.14，iPhone 16").is_empty());
        assert_eq!(foreign_runs("希腊语λόγος")[0].script, Script::Greek);
    }
}
