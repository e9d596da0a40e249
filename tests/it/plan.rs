//! `narrate plan` on the seed newspaper page: structure, cleanup and encodings.

use serde_json::Value;

use crate::{fixture, narrate_in, plan_json, seed, stderr};

fn chapters(plan: &Value) -> &Vec<Value> {
    plan["chapters"].as_array().expect("chapters")
}

/// Written text of the body utterances (the heading is not body).
fn body(chapter: &Value) -> Vec<String> {
    chapter["utterances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["end"] != "heading")
        .map(|u| u["text"].as_str().unwrap().to_owned())
        .collect()
}

fn chapter<'a>(plan: &'a Value, title: &str) -> &'a Value {
    chapters(plan)
        .iter()
        .find(|c| c["title"] == title)
        .unwrap_or_else(|| panic!("no chapter titled {title}"))
}

#[test]
fn seed_gives_the_article_sections_in_order_with_exact_titles() {
    let plan = plan_json(&seed());
    let titles: Vec<&str> = chapters(&plan)
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    let wanted = [
        "推动一体化向更深层次更宽领域拓展",
        "牢记殷殷嘱托",
        "共筑示范标杆",
        "共建创新体系",
        "共享便利服务",
    ];
    let mut at = 0;
    for want in wanted {
        let found = titles[at..].iter().position(|t| *t == want);
        let Some(found) = found else {
            panic!("{want} missing or out of order in {titles:?}");
        };
        at += found + 1;
    }
    assert_eq!(titles[0], wanted[0]);
}

#[test]
fn seed_sections_start_and_end_with_the_right_sentences() {
    let plan = plan_json(&seed());
    let first = body(chapter(&plan, "推动一体化向更深层次更宽领域拓展"));
    assert!(
        first[0].starts_with("习近平总书记在上海主持召开深入推进长三角一体化发展座谈会"),
        "{}",
        first[0]
    );
    let second = body(chapter(&plan, "牢记殷殷嘱托"));
    assert!(
        second[0].starts_with("杨浦区委书记薛侃表示"),
        "{}",
        second[0]
    );
    let last = body(chapter(&plan, "共享便利服务"));
    let end = last
        .iter()
        .position(|u| u.ends_with("为深入推进长三角一体化发展贡献自己的力量。”"))
        .expect("the closing quote of 陈学广 is in 共享便利服务");
    assert!(end < last.len());
}

#[test]
fn seed_body_has_no_captions_bylines_or_digit_loss_noise() {
    let plan = plan_json(&seed());
    for chapter in chapters(&plan) {
        for text in body(chapter) {
            for junk in [
                "本报记者",
                "本报评论员",
                "周馨",
                "■",
                "﹃",
                "﹄",
                "  ",
                "全国.倍",
                "全国倍",
            ] {
                assert!(!text.contains(junk), "«{junk}» in body: {text}");
            }
            assert!(
                !text.starts_with('长') || text.chars().count() > 3,
                "{text}"
            );
            assert!(!text.contains("月日"), "lost date read as 月日: {text}");
            let chars: Vec<char> = text.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if *c == '.' {
                    let digit = |j: Option<&char>| j.is_some_and(|c| c.is_ascii_digit());
                    assert!(
                        i > 0 && digit(chars.get(i - 1)) && digit(chars.get(i + 1)),
                        "lone '.' in {text}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_lost_digit_gap_is_warned_about_with_its_line() {
    let text = std::fs::read_to_string(seed()).unwrap();
    // a gap is where digits vanished: two spaces in a row, or a '.' beside a space
    let damaged: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("  ") || l.contains(" .") || l.contains(". "))
        .map(|(i, _)| i + 1)
        .collect();
    assert!(damaged.len() >= 10, "{damaged:?}");
    let plan = plan_json(&seed());
    let warned: Vec<u64> = plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["line"].as_u64().unwrap())
        .collect();
    for line in damaged {
        assert!(
            warned.contains(&(line as u64)),
            "line {line} not warned: {warned:?}"
        );
    }
}

#[test]
fn gb18030_and_utf16_copies_plan_like_the_utf8_original() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(seed()).unwrap();
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let gb_path = dir.path().join("seed-gb18030.txt");
    std::fs::write(&gb_path, &gb).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let utf16_path = dir.path().join("seed-utf16.txt");
    std::fs::write(&utf16_path, &utf16).unwrap();

    let strip = |mut v: Value| {
        v["source"] = Value::Null;
        v
    };
    let original = strip(plan_json(&seed()));
    assert_eq!(strip(plan_json(&gb_path)), original);
    assert_eq!(strip(plan_json(&utf16_path)), original);
}

#[test]
fn png_renamed_to_txt_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("picture.txt");
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0".to_vec();
    bytes.extend((0..2000u32).map(|i| (i * 7919 % 251) as u8));
    std::fs::write(&png, bytes).unwrap();
    for args in [
        vec!["plan", png.to_str().unwrap()],
        vec!["-o", "out", png.to_str().unwrap()],
    ] {
        let out = narrate_in(dir.path(), &args);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("picture.txt"), "{err}");
    }
    assert!(
        !dir.path()
            .join("out/picture")
            .join("manifest.json")
            .exists()
    );
}

#[test]
fn voices_lists_the_bundled_voices_with_backend_and_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = narrate_in(dir.path(), &["voices"]);
    assert!(out.status.success());
    let text = crate::stdout(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not listed:\n{text}"))
    };
    let default = line("zh-CN");
    assert!(
        default.contains("(default)") && default.contains("neural"),
        "{default}"
    );
    let espeak = line("zh-CN-espeak");
    assert!(
        espeak.contains("espeak") && !espeak.contains("(default)"),
        "{espeak}"
    );
    assert!(text.lines().any(|l| l.starts_with("en-US")), "{text}");
}

#[test]
fn unknown_voice_names_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = narrate_in(
        dir.path(),
        &["--voice", "klingon", seed().to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("klingon") && err.contains("zh-CN"), "{err}");
}

#[test]
fn markdown_book_headings_become_chapters() {
    let plan = plan_json(&fixture("book-markdown.md"));
    let titles: Vec<&str> = chapters(&plan)
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["第一章 出发", "第二章 故障", "第三章 归来"]);
}

#[test]
fn normalize_prints_one_spoken_line_per_input_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_narrate"))
        .arg("normalize")
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all("2020年6月成立\n\n增长了45%，是1.5倍。\n".as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        crate::stdout(&out),
        "二零二零年六月成立\n\n增长了百分之四十五，是一点五倍。\n"
    );
}

#[test]
fn plan_reads_numbers_aloud_unless_told_not_to() {
    let seed = seed();
    let spoken = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["plan"];
        args.extend_from_slice(extra);
        args.push(seed.to_str().unwrap());
        crate::stdout(&narrate_in(dir.path(), &args))
    };
    let normal = spoken(&[]);
    assert!(
        normal.contains("二零二零年六月，长三角企业家联盟"),
        "{normal}"
    );
    let raw = spoken(&["--no-normalize"]);
    assert!(raw.contains("2020年6月，长三角企业家联盟"), "{raw}");
}

#[test]
fn seed_numbers_are_spoken_the_way_a_mandarin_reader_says_them() {
    let plan = plan_json(&seed());
    let spoken: Vec<String> = chapters(&plan)
        .iter()
        .flat_map(|c| c["utterances"].as_array().unwrap().clone())
        .map(|u| u["spoken"].as_str().unwrap().to_owned())
        .collect();
    let all = spoken.concat();
    for reading in [
        "十一月三十日",
        "二零二零年六月",
        "十五分钟",
        "一百余家",
        "十四个",
        "三批",
    ] {
        assert!(all.contains(reading), "{reading} missing");
    }
    for u in &spoken {
        assert!(!u.chars().any(|c| c.is_ascii_digit()), "digit left in {u}");
    }
}

#[test]
fn a_lexicon_replaces_words_in_what_is_spoken_and_a_bad_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "NASA发射了新的火箭。\n").unwrap();
    std::fs::write(dir.path().join("lex.tsv"), "# mine\nNASA\t美国航天局\n").unwrap();
    let out = narrate_in(
        dir.path(),
        &["plan", "--json", "--lexicon", "lex.tsv", "a.txt"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let utterance = &plan["chapters"][0]["utterances"][0];
    assert_eq!(utterance["text"], "NASA发射了新的火箭。", "{utterance}");
    assert_eq!(
        utterance["spoken"], "美国航天局发射了新的火箭。",
        "{utterance}"
    );

    // a voice file's own lexicon, beside it
    std::fs::write(
        dir.path().join("mine.toml"),
        "language = \"zh-CN\"\nbackend = \"espeak\"\nlexicon = \"lex.tsv\"\n",
    )
    .unwrap();
    let out = narrate_in(
        dir.path(),
        &["plan", "--json", "--voice", "./mine.toml", "a.txt"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        plan["chapters"][0]["utterances"][0]["spoken"],
        "美国航天局发射了新的火箭。"
    );

    std::fs::write(
        dir.path().join("bad.tsv"),
        "NASA\t美国航天局\n长三角\tchang2 san1\n",
    )
    .unwrap();
    let out = narrate_in(dir.path(), &["plan", "--lexicon", "bad.tsv", "a.txt"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("bad.tsv, line 2") && err.contains("3 characters but 2 syllables"),
        "{err}"
    );
}

#[test]
fn a_docbook_html_chapter_is_read_as_html_without_its_navigation_or_contents() {
    let plan = plan_json(&fixture("html/debian-reference-pr01.zh-cn.html"));
    assert_eq!(plan["title"], "序言");
    let chapters = plan["chapters"].as_array().unwrap();
    let titles: Vec<&str> = chapters
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    for heading in [
        "1. 免责声明",
        "2. 什么是 Debian",
        "3.1. 指导原则",
        "3.2. 预备知识",
    ] {
        assert!(
            titles.contains(&heading),
            "{heading} not a chapter: {titles:?}"
        );
    }
    let said: Vec<&str> = chapters
        .iter()
        .flat_map(|c| c["utterances"].as_array().unwrap())
        .map(|u| u["text"].as_str().unwrap())
        .collect();
    assert!(said.len() > 40, "{said:?}");
    for text in &said {
        assert!(
            !text.contains("</")
                && !text.contains("<?xml")
                && !text.contains("href")
                && !text.contains("上一页")
                && !text.contains("下一页"),
            "markup or navigation spoken: {text}"
        );
    }
    // the table of contents (目录, then every section's number and title) is not read: each
    // section title is heard once, as its chapter's heading
    assert!(!said.contains(&"目录"), "{said:?}");
    for heading in ["3.4. popcon 流行度", "3.5. 软件包大小"] {
        let heard = said.iter().filter(|t| **t == heading).count();
        assert_eq!(heard, 1, "{heading} heard {heard} times");
    }
    let warnings = plan["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["message"].as_str().unwrap().contains("table")),
        "{warnings:?}"
    );
}
