//! Structure on real documents of every kind narrate reads (PDF, EPUB, HTML, plain text,
//! text extracted from PDFs), scored against each document's own outline.
//!
//! `tests/fixtures/documents/*/gold.json` holds the title, the section titles in order
//! (from the PDF's bookmarks, the EPUB's navigation, the HTML's headings or the text's own
//! table of contents: `scripts/documents/make_gold.py`, never from narrate) and strings a
//! listener must never hear. Sections are matched in order (longest common subsequence)
//! by their titles without section numbers, chapter labels, spaces or punctuation.

use std::path::Path;

use serde_json::Value;

use crate::{fixture, has_poppler, plan_json_with};

/// A title as compared: `1.1. Debian 的社会驱动力`, `Chapter 1 正确的起点`, `第 1 章 定义`
/// lose their number or label; spaces and punctuation go; Latin letters lower case.
fn key(title: &str) -> String {
    let mut t = title.trim();
    // `Chapter 1`, `Appendix A`, `Part 2` and then the title
    let lower = t.to_lowercase();
    for word in ["chapter ", "appendix ", "part "] {
        if lower.starts_with(word) {
            t = t[word.len()..].trim_start();
            t = t.split_once(' ').map_or("", |(_, rest)| rest);
            break;
        }
    }
    // a section number: 1, 1.2, 1.2.3., A.1, B
    if let Some((number, rest)) = t.split_once(char::is_whitespace) {
        let mut parts = number.trim_end_matches('.').split('.');
        let first = parts.next().unwrap_or("");
        let first_ok = first.chars().all(|c| c.is_ascii_digit())
            || (first.len() == 1 && first.chars().all(|c| c.is_ascii_uppercase()));
        if !first.is_empty()
            && first_ok
            && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            t = rest;
        }
    }
    let t = t.trim();
    let t = if let Some(rest) = t.strip_prefix('第')
        && let Some(at) = rest.find(['章', '回', '节'])
        && rest[..at].chars().count() <= 6
    {
        rest[at..].chars().skip(1).collect()
    } else {
        t.to_owned()
    };
    let key: String = t
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    if key.is_empty() {
        title.to_owned()
    } else {
        key
    }
}

/// Entries of `a` not in the longest common subsequence with `b`.
fn unmatched(a: &[String], b: &[String]) -> Vec<String> {
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() {
        if j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && table[i][j + 1] >= table[i + 1][j] {
            j += 1;
        } else {
            out.push(a[i].clone());
            i += 1;
        }
    }
    out
}

/// Length of the longest common subsequence of two key lists.
fn common(a: &[String], b: &[String]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                row[j + 1].max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

struct Score {
    name: String,
    found: usize,
    gold: usize,
    matched: usize,
    noise: Vec<String>,
    title_right: Option<bool>,
}

fn score(folder: &Path) -> Score {
    let gold: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("gold.json")).unwrap()).unwrap();
    let file = folder.join(gold["file"].as_str().unwrap());
    let document =
        narrate::ingest::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let found: Vec<String> = document
        .sections
        .iter()
        .filter_map(|s| s.title.as_deref())
        .map(key)
        .collect();
    let expected: Vec<String> = gold["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| key(t.as_str().unwrap()))
        .collect();
    let plan = plan_json_with(&file, "zh-CN-espeak");
    let said: Vec<String> = plan["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["utterances"].as_array().unwrap().iter())
        .map(|u| u["text"].as_str().unwrap().to_owned())
        .collect();
    let strings = |field: &str| -> Vec<String> {
        gold[field]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    let mut noise: Vec<String> = said
        .iter()
        .filter(|u| {
            strings("never_spoken")
                .iter()
                .any(|n| u.contains(n.as_str()))
        })
        .cloned()
        .collect();
    for once in strings("spoken_at_most_once") {
        let times = said.iter().filter(|u| u.contains(once.as_str())).count();
        noise.extend((1..times).map(|_| format!("«{once}» again")));
    }
    // NARRATE_SCORE_DETAIL=1: what was found but is not in the outline, and what was missed
    if std::env::var_os("NARRATE_SCORE_DETAIL").is_some() {
        println!(
            "{}\n  extra: {:?}\n  missed: {:?}\n  noise: {:?}",
            folder.display(),
            unmatched(&found, &expected),
            unmatched(&expected, &found),
            noise
        );
    }
    Score {
        name: folder.file_name().unwrap().to_string_lossy().into_owned(),
        found: found.len(),
        gold: expected.len(),
        matched: common(&found, &expected),
        noise,
        title_right: gold["title"]
            .as_str()
            .map(|t| document.title.as_deref().map(key) == Some(key(t))),
    }
}

#[test]
fn sections_of_real_documents_match_their_own_outlines() {
    if !has_poppler() {
        return;
    }
    let mut folders: Vec<_> = std::fs::read_dir(fixture("documents"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("gold.json").exists())
        .collect();
    folders.sort();
    assert!(folders.len() >= 12, "{} documents", folders.len());
    let scores: Vec<Score> = folders.iter().map(|f| score(f)).collect();
    let mut table = String::from(
        "document                  found  gold  matched  precision  recall  noise  title\n",
    );
    for s in &scores {
        table += &format!(
            "{:<24} {:>6} {:>5} {:>8} {:>10.3} {:>7.3} {:>6}  {}\n",
            s.name,
            s.found,
            s.gold,
            s.matched,
            s.matched as f64 / s.found.max(1) as f64,
            s.matched as f64 / s.gold.max(1) as f64,
            s.noise.len(),
            match s.title_right {
                Some(true) => "right",
                Some(false) => "WRONG",
                None => "-",
            }
        );
    }
    let found: usize = scores.iter().map(|s| s.found).sum();
    let gold: usize = scores.iter().map(|s| s.gold).sum();
    let matched: usize = scores.iter().map(|s| s.matched).sum();
    let noise: Vec<&String> = scores.iter().flat_map(|s| &s.noise).collect();
    let precision = matched as f64 / found as f64;
    let recall = matched as f64 / gold as f64;
    table += &format!(
        "all                      {found:>6} {gold:>5} {matched:>8} {precision:>10.3} {recall:>7.3} {:>6}\n",
        noise.len()
    );
    println!("{table}");
    // The targets are 0.95 / 0.95 / no noise; this corpus measured 0.964 / 0.985 /
    // no noise / every title right when the test was last raised (the last noise, a PDF's
    // revision table printed one cell per line, is dropped as a table since).
    assert!(
        precision >= 0.95,
        "section precision {precision:.3}\n{table}"
    );
    assert!(recall >= 0.95, "section recall {recall:.3}\n{table}");
    assert!(noise.is_empty(), "noise spoken: {noise:?}\n{table}");
    let wrong: Vec<&str> = scores
        .iter()
        .filter(|s| s.title_right == Some(false))
        .map(|s| s.name.as_str())
        .collect();
    assert!(wrong.is_empty(), "wrong titles: {wrong:?}\n{table}");
}

#[test]
fn a_folder_of_mixed_formats_is_planned_file_by_file() {
    if !has_poppler() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let books = dir.path().join("books");
    std::fs::create_dir(&books).unwrap();
    for file in [
        "itil-epub/debian-edu-itil-manual.epub",
        "maint-guide-pdf/maint-guide.zh-cn.pdf",
        "maint-guide-html/first.zh-cn.html",
        "faq-txt/debian-faq.zh-cn.txt",
    ] {
        let from = fixture("documents").join(file);
        std::fs::copy(&from, books.join(from.file_name().unwrap())).unwrap();
    }
    std::fs::write(books.join("cover.png"), b"\x89PNG\r\n").unwrap();
    let out = crate::narrate_in(dir.path(), &["plan", "--voice", "zh-CN-espeak", "books"]);
    let text = crate::stdout(&out);
    assert!(out.status.success(), "{}", crate::stderr(&out));
    for (name, says) in [
        ("debian-edu-itil-manual.epub", "服务台"),
        ("maint-guide.zh-cn.pdf", "正确的起点"),
        ("first.zh-cn.html", "Debian 软件包制作流程"),
        ("debian-faq.zh-cn.txt", "本 FAQ 文档是什么"),
    ] {
        assert!(text.contains(name), "{name} not planned");
        assert!(text.contains(says), "{says} not in the plan");
    }
    assert!(!text.contains("cover.png"));
}

#[test]
fn keys_drop_numbers_and_labels() {
    assert_eq!(key("1.1. Debian 的社会驱动力"), key("Debian 的社会驱动力"));
    assert_eq!(key("Chapter 1 正确的起点"), key("正确的起点"));
    assert_eq!(key("第 1 章 定义和概览"), key("1. 定义和概览"));
    assert_ne!(key("第一回 宴桃园"), key("第二回 张翼德"));
    assert_eq!(key("A.1. 共享库"), key("共享库"));
    // a no-break space after the number (a bookmark made from HTML) is a space
    assert_eq!(
        key("1.4.\u{a0}Debian 只做 GNU/Linux 吗？"),
        key("Debian只做GNU/Linux吗？")
    );
    assert_eq!(key("Appendix A 高级打包"), key("高级打包"));
    // a word is not a section number
    assert_ne!(key("Debian 的社会驱动力"), key("的社会驱动力"));
    assert_eq!(
        common(
            &["a".into(), "b".into(), "c".into()],
            &["a".into(), "c".into()]
        ),
        2
    );
}
