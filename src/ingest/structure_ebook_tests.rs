//! Tests of `structure` on e-books as `pandoc -t plain` prints them: parts named without
//! 第 (`卷一`, `上篇：`), chapter titles that ask, the book's own contents page printed
//! last, and chapters set as one-line paragraphs under their parts.

use super::tests::titles;
use super::*;

const PROSE: &str = "要了解一个死去已经一千年的人，并不困难。试想，通常要了解与我们同住在一个城市的居民，或是要了解一个市长的生活，实在难之又难。";

/// 苏东坡传 as pandoc prints its EPUB: a volume named `卷一` over its chapters, and the
/// book's contents page (its spine's last part) after the text, titled in English, its
/// entries indented under their volumes.
#[test]
fn volumes_without_di_and_a_contents_printed_last() {
    let mut text = format!("译者序\n\n{PROSE}\n\n原序\n\n{PROSE}\n\n林语堂\n\n");
    for (volume, chapters) in [
        ("卷一 童年与青年", ["第一章 文忠公", "第二章 眉山"]),
        ("卷二 壮年", ["第三章 神、鬼、人", "第四章 王安石变法"]),
    ] {
        text.push_str(&format!(
            "{volume}\n\n宋仁宗景祐三年至嘉祐六年（1036-1061）\n\n"
        ));
        for chapter in chapters {
            text.push_str(&format!("{chapter}\n\n{PROSE}\n\n{PROSE}\n\n"));
        }
    }
    text.push_str("Table of Contents\n\n苏东坡传\n\n    林语堂\n\n    译者序\n\n    原序\n\n卷一 童年与青年\n\n    第一章 文忠公\n\n    第二章 眉山\n\n卷二 壮年\n\n    第三章 神、鬼、人\n\n    第四章 王安石变法\n");
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "译者序",
            "原序",
            "卷一 童年与青年",
            "第一章 文忠公",
            "第二章 眉山",
            "卷二 壮年",
            "第三章 神、鬼、人",
            "第四章 王安石变法"
        ]
    );
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.left_out == Some(LeftOut::Contents)),
        "{:?}",
        doc.warnings
    );
    let said: String = doc
        .sections
        .iter()
        .flat_map(|s| &s.paragraphs)
        .map(|p| p.text.as_str())
        .collect();
    assert!(
        !said.contains("Table of Contents") && !said.contains("苏东坡传"),
        "{said}"
    );
}

/// 红与黑: a chapter's label over a title that asks (`第八章` over `哪一种勋章使人与众不同？`),
/// a label with its question on one line, and `第一卷` over its first chapter `一、…`
/// (two headings, not one title).
#[test]
fn a_chapter_title_may_ask_and_a_volume_does_not_swallow_its_first_chapter() {
    let text = format!(
        "第七章 亲和力\n\n{PROSE}\n\n第八章\n哪一种勋章使人与众不同？\n\n{PROSE}\n\n第九章 他会是一个丹东吗？\n\n{PROSE}\n\n第二卷\n\n一、新的打击\n\n{PROSE}\n\n二、河滩广场\n\n{PROSE}\n"
    );
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "第七章 亲和力",
            "第八章 哪一种勋章使人与众不同？",
            "第九章 他会是一个丹东吗？",
            "第二卷",
            "一、新的打击",
            "二、河滩广场"
        ]
    );
}

/// 球状闪电: the book's parts (`上篇：大学`, `中篇：灯塔启示`, `下篇`) are the only headings
/// shaped as such; its chapters are one-line paragraphs over prose, and are found too.
#[test]
fn chapters_set_as_paragraphs_under_parts() {
    let mut text = String::new();
    for (part, chapters) in [
        ("上篇：大学", ["序曲", "异象之一"]),
        ("中篇：灯塔启示", ["林峰将军", "攻击蜂"]),
        ("下篇", ["龙卷风", "胜利"]),
    ] {
        text.push_str(&format!("{part}\n\n"));
        for chapter in chapters {
            text.push_str(&format!("{chapter}\n\n{PROSE}\n\n{PROSE}\n\n"));
        }
    }
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "上篇：大学",
            "序曲",
            "异象之一",
            "中篇：灯塔启示",
            "林峰将军",
            "攻击蜂",
            "下篇",
            "龙卷风",
            "胜利"
        ]
    );
    let levels: Vec<u8> = doc.sections.iter().map(|s| s.level).collect();
    assert_eq!(levels, [1, 2, 2, 1, 2, 2, 1, 2, 2]);
}

/// 遥远的救世主: a contents whose first entry (`扉页`) is not a heading in the text and whose
/// chapters have no names but their labels (`第一章`); 晚清七十年: chapters numbered under
/// their part's number (`【壹】一、…`), listed without it.
#[test]
fn contents_of_labels_alone_and_of_titles_under_a_part_number() {
    let mut text =
        String::from("遥远的救世主\n\n目录\n\n扉页\n\n第一章\n\n第二章\n\n第三章\n\n版权页\n\n");
    for chapter in ["第一章", "第二章", "第三章"] {
        text.push_str(&format!("{chapter}\n\n{PROSE}\n\n{PROSE}\n\n"));
    }
    let doc = parse(&text);
    assert_eq!(titles(&doc), ["遥远的救世主", "第一章", "第二章", "第三章"]);
    assert!(
        doc.sections[0].paragraphs.is_empty(),
        "{:?}",
        doc.sections[0]
    );

    let mut text = String::from(
        "目錄\n\n【壹】中國社會文化轉型綜論\n\n一、中國現代化運動的各階段\n\n二、中國國家轉型論提綱\n\n【貳】太平天國\n\n一、論晚清週期性內亂與洪楊悲劇\n\n",
    );
    for chapter in [
        "【壹】一、中國現代化運動的各階段",
        "【壹】二、中國國家轉型論提綱",
        "【貳】一、論晚清週期性內亂與洪楊悲劇",
    ] {
        text.push_str(&format!("{chapter}\n\n{PROSE}\n\n{PROSE}\n\n"));
    }
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "【壹】一、中國現代化運動的各階段",
            "【壹】二、中國國家轉型論提綱",
            "【貳】一、論晚清週期性內亂與洪楊悲劇"
        ]
    );
}

/// 战争与和平: the title page's short lines run straight into the contents, whose
/// volumes each list `第一部`, `第二部` again — a contents, not a table printed one cell a
/// line; its unnumbered entries (`俄罗斯文学的巨擘`) confirm the headings in the text.
#[test]
fn a_contents_after_the_title_page_is_no_table() {
    let mut text = String::from(
        "战争与和平\n\n托尔斯泰 著\n\n刘辽逸 译\n\n世界名著名译文库\n\n托尔斯泰集\n\n监　　制：吴　昊\n\n目录\n\n俄罗斯文学的巨擘\n\n第一卷\n\n第一部\n\n第二部\n\n第二卷\n\n第一部\n\n第二部\n\n第三卷\n\n第一部\n\n第二部\n\n托尔斯泰生平及创作年表\n\n",
    );
    text.push_str(&format!("俄罗斯文学的巨擘\n\n{PROSE}\n\n"));
    for volume in ["第一卷", "第二卷", "第三卷"] {
        text.push_str(&format!(
            "{volume}\n\n第一部\n\n{PROSE}\n\n第二部\n\n{PROSE}\n\n"
        ));
    }
    text.push_str(&format!("托尔斯泰生平及创作年表\n\n{PROSE}\n"));
    let doc = parse(&text);
    let found = titles(&doc);
    assert_eq!(found[..2], ["战争与和平", "俄罗斯文学的巨擘"]);
    assert_eq!(found.last(), Some(&"托尔斯泰生平及创作年表"));
    assert_eq!(
        found.iter().filter(|t| **t == "第一部").count(),
        3,
        "{found:?}"
    );
    assert!(
        !doc.warnings
            .iter()
            .any(|w| w.left_out == Some(LeftOut::Table)),
        "{:?}",
        doc.warnings
    );
}

/// 红楼梦's `校注前言`, 呼啸山庄's `译后记`: a book's named parts with a word before the
/// name are headings; a word that merely ends like one (`程序`, `命令说明`) is not.
#[test]
fn named_parts_with_a_word_before_the_name() {
    let text = format!(
        "校注前言\n\n{PROSE}\n\n第一回 甄士隐梦幻识通灵\n\n{PROSE}\n\n程序\n\n{PROSE}\n\n命令说明\n\n{PROSE}\n\n再版后记\n\n{PROSE}\n\n译者序\n\n{PROSE}\n"
    );
    assert_eq!(
        titles(&parse(&text)),
        ["校注前言", "第一回 甄士隐梦幻识通灵", "再版后记", "译者序"]
    );
}

/// 呼兰河传 as calibre prints its EPUB: a contents of each chapter's parts (`第六章 一`
/// over `二`…`十四`), whose runs of bare numerals are not seen as entries, is one contents
/// all the same; the front matter's quoted passages then are before the first chapter.
#[test]
fn a_contents_of_chapters_and_their_numbered_parts_is_one() {
    let text = include_str!(
        "../../tests/fixtures/documents/hulan-epub-calibre/hulan_he_zhuan.calibre.txt"
    );
    let doc = parse(text);
    let contents: Vec<&str> = doc
        .warnings
        .iter()
        .filter(|w| w.left_out == Some(LeftOut::Contents))
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(contents, ["table of contents not read aloud (lines 1–187)"]);
    // (the author's note before it untitled; no part numeral of the contents before it)
    assert_eq!(titles(&doc)[..3], ["<none>", "第一章", "一"]);
}
