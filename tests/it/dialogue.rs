//! Quoted speech said by a second voice (`--dialogue-voice`, `[roles] dialogue`), on real
//! text (狂人日记) with espeak-ng voices that log what they are asked.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{fixture, narrate_in, stderr};

/// An espeak-ng voice named `name` at `speed` words a minute whose engine logs each text
/// it is asked for to `name.log`, one utterance a call (narrate's own probes of the
/// program send no text).
fn logging_espeak(dir: &Path, name: &str, speed: u32, extra: &str) -> PathBuf {
    let engine = dir.join(format!("{name}-espeak"));
    let log = dir.join(format!("{name}.log"));
    std::fs::write(
        &engine,
        format!(
            "#!/bin/sh\ntext=$(cat)\nprintf '%s\\n' \"$text\" >> '{}'\nprintf '%s' \"$text\" | exec espeak-ng \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&engine, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let voice = dir.join(format!("{name}.toml"));
    std::fs::write(
        &voice,
        format!(
            "language = \"zh-CN\"\nbackend = \"espeak\"\nprogram = \"{}\"\nspeed = {speed}\nbatch = 1\n{extra}",
            engine.display()
        ),
    )
    .unwrap();
    voice
}

fn logged(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("{name}.log")))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn utterances(book: &Path) -> Vec<Value> {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(book.join("manifest.json")).unwrap()).unwrap();
    manifest["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["utterances"].as_array().unwrap().clone())
        .collect()
}

/// Seconds per character of the utterances said by `voice`.
fn pace(utterances: &[Value], voice: &str) -> f64 {
    let (mut seconds, mut chars) = (0.0, 0);
    for u in utterances.iter().filter(|u| u["voice"] == voice) {
        seconds += u["end"].as_f64().unwrap() - u["start"].as_f64().unwrap();
        chars += u["text"]
            .as_str()
            .unwrap()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .count();
    }
    seconds / chars as f64
}

#[test]
fn quoted_speech_is_said_by_the_dialogue_voice_and_the_rest_by_the_narrator() {
    let dir = tempfile::tempdir().unwrap();
    let narrator = logging_espeak(dir.path(), "narrator", 140, "");
    logging_espeak(dir.path(), "dialogue", 280, "");
    let input = fixture("dialogue/kuangren-excerpt.txt");
    let args = [
        "--voice",
        narrator.to_str().unwrap(),
        "--dialogue-voice",
        "dialogue.toml",
        "--subtitles",
        "srt",
        input.to_str().unwrap(),
    ];
    let out = narrate_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("output/kuangren-excerpt");
    let said = utterances(&book);
    // every utterance names its voice; the quoted ones are the dialogue voice's
    for u in &said {
        let written = u["written"].as_str().unwrap();
        let quoted = written.starts_with('“');
        let voice = if quoted { "dialogue.toml" } else { "narrator" };
        assert_eq!(u["voice"], voice, "{u}");
    }
    let quotes: Vec<&str> = said
        .iter()
        .filter(|u| u["voice"] == "dialogue.toml")
        .map(|u| u["text"].as_str().unwrap())
        .collect();
    assert_eq!(quotes.len(), 6, "{quotes:?}");
    // quoted terms stay with the narrator
    assert!(
        said.iter()
            .any(|u| u["voice"] == "narrator"
                && u["written"].as_str().unwrap().contains("“仁义道德”"))
    );
    // each engine was asked for exactly its own utterances (in the order the parallel
    // workers got to them, which is not the book's)
    let mut asked_for_quotes = logged(dir.path(), "dialogue");
    asked_for_quotes.sort_unstable();
    let mut quotes_sorted: Vec<String> = quotes.iter().map(|q| q.to_string()).collect();
    quotes_sorted.sort_unstable();
    assert_eq!(asked_for_quotes, quotes_sorted);
    // (a text said twice, 我说, is asked once: the second comes from the cache)
    let narration: std::collections::BTreeSet<&str> = said
        .iter()
        .filter(|u| u["voice"] == "narrator")
        .map(|u| u["text"].as_str().unwrap())
        .collect();
    let asked = logged(dir.path(), "narrator");
    assert_eq!(asked.len(), narration.len(), "{asked:?}");
    assert!(
        asked.iter().all(|t| narration.contains(t.as_str())),
        "{asked:?}"
    );
    // and they sound different: the dialogue voice speaks twice as fast
    let (slow, fast) = (pace(&said, "narrator"), pace(&said, "dialogue.toml"));
    assert!(
        fast < slow * 0.75,
        "narrator {slow:.3} s/char, dialogue {fast:.3} s/char"
    );
    // the subtitles keep the quote marks
    let srt = std::fs::read_to_string(book.join("01-狂人日记（节选）.srt")).unwrap();
    assert!(srt.contains("“今天你仿佛很好。”"), "{srt}");

    // another dialogue voice: the chapter is made again, the narration from the cache
    logging_espeak(dir.path(), "dialogue", 320, "pitch = 80\n");
    let narrated_before = logged(dir.path(), "narrator").len();
    let out = narrate_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(logged(dir.path(), "narrator").len(), narrated_before);
    assert_eq!(logged(dir.path(), "dialogue").len(), 2 * quotes.len());
}

#[test]
fn a_voice_file_names_its_dialogue_voice_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let narrator = logging_espeak(
        dir.path(),
        "narrator",
        140,
        "[roles]\ndialogue = \"zh-CN-espeak\"\n",
    );
    let input = fixture("dialogue/kuangren-excerpt.txt");
    let out = narrate_in(
        dir.path(),
        &[
            "--voice",
            narrator.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = utterances(&dir.path().join("output/kuangren-excerpt"));
    assert_eq!(
        said.iter().filter(|u| u["voice"] == "zh-CN-espeak").count(),
        6
    );
    let out = narrate_in(
        dir.path(),
        &["--dialogue-voice", "klingon", input.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("dialogue voice `klingon`") && err.contains("zh-CN-espeak"),
        "{err}"
    );
}
