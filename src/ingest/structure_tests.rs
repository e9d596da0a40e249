//! Tests of `structure`: plain text in, sections and paragraphs out.

use super::*;

/// An e-book's contents as pandoc prints it: titles under 目录, one a line, no page
/// numbers, some titles the same (`跋涉` in three stories): contents, not a table.
#[test]
fn contents_without_page_numbers_give_the_headings() {
    let stories = [
        "爱因斯坦赤道",
        "跋涉",
        "真空衰变",
        "跋涉",
        "山在那儿",
        "跋涉",
        "星空",
    ];
    let mut text = String::from("目录\n\n");
    for t in &stories {
        text += &format!("{t}\n\n");
    }
    // paragraphs of all lengths, as a book has them
    for (k, t) in stories.iter().enumerate() {
        let long = "在绿色草带的尽头，朝阳已升出了一半，它的光芒照花了人们的眼睛。".repeat(k + 1);
        text += &format!("{t}\n\n“有一句话我早就想对你们说了。”\n\n{long}\n\n好。\n\n");
    }
    let doc = parse(&text);
    let titles: Vec<&str> = doc
        .sections
        .iter()
        .filter_map(|s| s.title.as_deref())
        .collect();
    assert_eq!(titles, stories, "{:?}", doc.warnings);
}

#[test]
fn excerpts_in_the_front_matter_are_read_once_in_their_place() {
    let passages = [
        "看那马要站起来了，他们就喝彩。",
        "晚饭一过，火烧云就上来了。",
        "祖父到鸡架那里去放鸡，我也跟在后边。",
    ];
    let filler = "　　严冬一封锁了大地的时候，则大地满地裂着口。从南到北，从东到西，几尺长的，\
                  一丈长的，还有好几丈长的，它们毫无方向地，便随时随地。\n"
        .repeat(40);
    let mut text = String::from("呼兰河传\n\n");
    for p in passages {
        text += &format!("{p}\n\n");
    }
    text += "第一章\n\n";
    text += &filler;
    for p in passages {
        text += &format!("　　{p}后来的事情就不提了。\n");
    }
    let doc = parse(&text);
    let said: Vec<&str> = doc
        .sections
        .iter()
        .flat_map(|s| &s.paragraphs)
        .map(|p| p.text.as_str())
        .collect();
    for p in passages {
        let first = p.trim_end_matches('。');
        assert_eq!(said.iter().filter(|t| t.contains(first)).count(), 1, "{p}");
    }
    // two repeated lines (a verse the book quotes again) are no list of excerpts
    let mut text = String::from(
        "金瓶梅\n\n二八佳人体似酥，腰间仗剑斩愚夫。\n\n虽然不见人头落，暗里教君骨髓枯。\n\n第一回\n\n",
    );
    text += &filler;
    text += "　　二八佳人体似酥，腰间仗剑斩愚夫。\n　　虽然不见人头落，暗里教君骨髓枯。\n";
    let doc = parse(&text);
    let verses = doc
        .sections
        .iter()
        .flat_map(|s| &s.paragraphs)
        .filter(|p| p.text.contains("二八佳人"))
        .count();
    assert_eq!(verses, 2);
}

/// A Word thesis as `pdftotext` gives it (the shape of one from MinerU's test files):
/// the chapter's name as each page's running header, the chapter heading split into
/// its label and name, a regression table printed one cell per line right before a
/// numbered heading.
#[test]
fn a_thesis_chapter_header_label_and_table_of_figures() {
    let body = "中小企业在推动技术创新、扩大就业规模和促进社会财富积累等方面发挥着作用。\n";
    let mut text = String::new();
    text.push_str("\u{c}第一章 引言\n\n第一章\n\n引言\n\n1.1 研究背景\n");
    text.push_str(&body.repeat(3));
    text.push_str("\u{c}第一章 引言\n\n");
    text.push_str(&body.repeat(3));
    // a table of figures, one cell per line
    for cell in [
        "0.173", "", "0.208", "", "Constant", "", "YES", "", "YES", "", "0.385", "", "YES", "",
        "0.173", "", "YES", "",
    ] {
        text.push_str(cell);
        text.push('\n');
    }
    text.push_str("1.2 研究意义\n");
    text.push_str(&body.repeat(3));
    text.push_str("\u{c}第一章 引言\n\n");
    text.push_str(&body.repeat(2));
    // a long second chapter: its header recurs on more pages than the first's
    text.push_str("\u{c}第二章 方法\n\n第二章\n\n方法\n\n");
    for _ in 0..8 {
        text.push_str(&body.repeat(3));
        text.push_str("\u{c}第二章 方法\n\n");
    }
    text.push_str(&body.repeat(2));
    // the references: their heading heads the first page and is each later page's
    // header, over the page number of the page before
    for page in 0..3 {
        text.push_str(&format!("{}\n\n\u{c}参考文献\n", 54 + page));
        text.push_str(&"[1] 陈三毛,钱晓萍.2014.中国各省金融包容性指数及其测算[J].\n".repeat(6));
    }
    let doc = parse(&text);
    let titles: Vec<_> = doc
        .sections
        .iter()
        .filter_map(|s| s.title.as_deref())
        .collect();
    assert_eq!(
        titles,
        [
            "第一章 引言",
            "1.1 研究背景",
            "1.2 研究意义",
            "第二章 方法",
            "参考文献"
        ],
        "{:?}",
        doc.sections
    );
    for p in doc.sections.iter().flat_map(|s| &s.paragraphs) {
        assert!(
            !p.text.contains("0.173") && !p.text.contains("引言") && !p.text.contains("方法"),
            "{}",
            p.text
        );
    }
}

/// A newspaper page as `pdftotext` gives it (the LibreOffice newspaper of the scored
/// documents): the running header split over three lines (one digit lost on page 2),
/// the headline over its byline, a photo caption, a source line at the end.
#[test]
fn a_newspaper_header_and_bylines_in_extracted_text_are_not_read() {
    let text = include_str!(
        "../../tests/fixtures/documents/newspaper-lo-pdftotext/seed-newspaper.pdftotext.txt"
    );
    let doc = parse(text);
    assert_eq!(
        doc.title.as_deref(),
        Some("推动一体化向更深层次更宽领域拓展")
    );
    assert_eq!(doc.author.as_deref(), Some("本报评论员"));
    for p in doc.sections.iter().flat_map(|s| &s.paragraphs) {
        for never in ["星期五", "要闻", "本报评论员", "本报记者", "图为"] {
            assert!(!p.text.contains(never), "[{}] {}", p.line, p.text);
        }
    }
    assert!(
        doc.sections[0].paragraphs[0]
            .text
            .starts_with("习近平总书记在上海主持召开")
    );
    // subheads and the second headline over its subtitle, marked by nothing but their
    // shape (pdftotext put the columns' blocks out of order)
    let mut titles: Vec<String> = doc
        .sections
        .iter()
        .filter_map(|s| s.title.clone())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "习近平总书记重要讲话持续引发干部群众热烈反响共筑标杆 共谋创新 共享服务",
            "共享便利服务",
            "共建创新体系",
            "共筑示范标杆",
            "推动一体化向更深层次更宽领域拓展",
            "牢记殷殷嘱托"
        ]
    );
    // a diary's date over its weather is text: no 版 there
    let diary = parse("2023年1月1日 星期日\n晴\n\n今天去了公园，人很多。\n");
    let said: String = diary
        .sections
        .iter()
        .flat_map(|s| &s.paragraphs)
        .map(|p| p.text.clone())
        .collect();
    assert!(
        said.contains('晴')
            || diary
                .sections
                .iter()
                .any(|s| s.title.as_deref().is_some_and(|t| t.contains("星期日"))),
        "{diary:?}"
    );
}

const SEED: &str = include_str!("../../tests/fixtures/seed-newspaper-pdf.txt");

pub(crate) fn titles(doc: &Document) -> Vec<&str> {
    doc.sections
        .iter()
        .map(|s| s.title.as_deref().unwrap_or("<none>"))
        .collect()
}

/// Each titled section's title and level.
fn titled_levels(doc: &Document) -> Vec<(&str, u8)> {
    doc.sections
        .iter()
        .filter_map(|s| Some((s.title.as_deref()?, s.level)))
        .collect()
}

pub(crate) fn body(doc: &Document) -> impl Iterator<Item = &Paragraph> {
    doc.sections.iter().flat_map(|s| s.paragraphs.iter())
}

#[test]
fn seed_gives_the_five_sections_in_order() {
    let doc = parse(SEED);
    assert_eq!(
        titles(&doc),
        [
            "推动一体化向更深层次更宽领域拓展",
            "牢记殷殷嘱托",
            "共筑示范标杆",
            "共建创新体系",
            "共享便利服务"
        ]
    );
    assert_eq!(
        doc.title.as_deref(),
        Some("推动一体化向更深层次更宽领域拓展")
    );
}

/// The structure as text, for assertion messages.
fn outline(doc: &Document) -> String {
    let mut out = String::new();
    for s in &doc.sections {
        out += &format!("## {:?} @{}\n", s.title, s.line);
        for p in &s.paragraphs {
            out += &format!("  [{}] {}\n", p.line, p.text);
        }
    }
    for w in &doc.warnings {
        out += &format!("W {w}\n");
    }
    out
}

fn section<'a>(doc: &'a Document, title: &str) -> &'a Section {
    doc.sections
        .iter()
        .find(|s| s.title.as_deref() == Some(title))
        .unwrap_or_else(|| panic!("no section {title}:\n{}", outline(doc)))
}

#[test]
fn seed_first_section_starts_after_the_lost_date_with_a_warning() {
    let doc = parse(SEED);
    let first = &doc.sections[0].paragraphs[0];
    assert!(
        first
            .text
            .starts_with("习近平总书记在上海主持召开深入推进长三角一体化发展座谈会"),
        "{}",
        outline(&doc)
    );
    assert_eq!(first.line, 29);
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.line == 29 && w.message.contains("月□日")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn seed_subsections_start_and_end_where_the_article_does() {
    let doc = parse(SEED);
    let first = &section(&doc, "牢记殷殷嘱托").paragraphs[0];
    assert!(
        first.text.starts_with("杨浦区委书记薛侃表示"),
        "{}",
        first.text
    );
    let last = section(&doc, "共享便利服务");
    let ending = "为深入推进长三角一体化发展贡献自己的力量。”";
    assert!(
        last.paragraphs.iter().any(|p| p.text.contains(ending)),
        "{}",
        outline(&doc)
    );
    // The section runs on to the article's last sentence, before the byline.
    assert!(
        last.paragraphs[last.paragraphs.len() - 1]
            .text
            .ends_with("更有利于开展各项工作。”")
    );
}

#[test]
fn seed_bylines_become_the_author_and_never_body_text() {
    let doc = parse(SEED);
    let author = doc.author.as_deref().unwrap_or_default();
    assert!(author.contains("本报评论员"), "{author}");
    assert!(author.contains("孙云 毛丽君 解敏 吕倩雯"), "{author}");
    for p in body(&doc) {
        for byline in ["本报评论员", "本报记者", "孙云", "吕倩雯"] {
            assert!(!p.text.contains(byline), "[{}] {}", p.line, p.text);
        }
    }
}

#[test]
fn seed_body_has_no_caption_ornament_kicker_or_gap_residue() {
    let doc = parse(SEED);
    for p in body(&doc) {
        let t = &p.text;
        for bad in [
            "周馨",
            "馨摄",
            "﹃",
            "﹄",
            "一网通办﹄",
            "■",
            "  ",
            " ",
            ".",
            "全国倍",
            "全国.倍",
            "热烈反响",
            "共谋创新",
        ] {
            assert!(!t.contains(bad), "{bad:?} in [{}] {t}", p.line);
        }
        // The caption read downwards as its own paragraph would be 长三角一网通办.
        assert!(!t.starts_with("长三角一网通办"), "[{}] {t}", p.line);
    }
}

#[test]
fn seed_warns_once_for_every_lost_digit_gap_with_its_line() {
    let doc = parse(SEED);
    let mut gap_lines: Vec<usize> = doc
        .warnings
        .iter()
        .filter(|w| w.message.starts_with("digits lost"))
        .map(|w| w.line)
        .collect();
    gap_lines.sort_unstable();
    // Counted by hand in the fixture: one per run of spaces left by missing digits.
    assert_eq!(
        gap_lines,
        [29, 29, 33, 33, 33, 69, 71, 73, 77, 77, 81, 83, 83, 93, 107]
    );
}

#[test]
fn seed_damaged_sentences_stay_readable() {
    let doc = parse(SEED);
    let texts: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(
        texts.contains(&"基础设施和公共服务的“硬联通”，让长三角三省一市之间的人员流动更为便捷。")
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("此外，已实现异地就医门诊费用直接结算"))
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("发表重要讲话。这是继在合肥主持召开"))
    );
    // Wrapped lines are joined with no space between CJK characters.
    assert!(texts.iter().any(|t| t.contains("统筹龙头带动和各扬所长")));
}

#[test]
fn seed_paragraphs_break_where_the_newspaper_breaks_them() {
    let doc = parse(SEED);
    let starts: Vec<usize> = section(&doc, "牢记殷殷嘱托")
        .paragraphs
        .iter()
        .map(|p| p.line)
        .collect();
    assert_eq!(starts, [196, 206, 226, 240]);
    let starts: Vec<usize> = doc.sections[0].paragraphs.iter().map(|p| p.line).collect();
    assert_eq!(
        starts,
        [
            29, 43, 61, 67, 75, 83, 91, 97, 107, 117, 139, 145, 161, 169, 173
        ]
    );
}

#[test]
fn seed_in_gb18030_and_utf16_gives_the_same_document() {
    let utf8 = parse(SEED);
    let (gb, _, _) = encoding_rs::GB18030.encode(SEED);
    let from_gb = parse(&crate::ingest::decode::decode(&gb).unwrap().text);
    assert_eq!(from_gb, utf8);
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(SEED.encode_utf16().flat_map(u16::to_le_bytes));
    let from_utf16 = parse(&crate::ingest::decode::decode(&utf16).unwrap().text);
    assert_eq!(from_utf16, utf8);
}

#[test]
fn crlf_input_gives_the_same_structure_as_lf() {
    assert_eq!(parse(&SEED.replace('\n', "\r\n")), parse(SEED));
}

const AQ: &str = include_str!("../../tests/fixtures/ingest/luxun_a_q_zhengzhuan.txt");
const SANGUO: &str = include_str!("../../tests/fixtures/ingest/sanguo_yanyi_hui01-08.txt");
const HONGLOU: &str = include_str!("../../tests/fixtures/ingest/pdf_hongloumeng_hui01-05.txt");
const CONSTITUTION: &str = include_str!("../../tests/fixtures/ingest/constitution_prc_2018.txt");

#[test]
fn a_q_zhengzhuan_has_nine_chapters_from_crlf_text() {
    assert!(AQ.contains("\r\n"), "the fixture is the CRLF original");
    let doc = parse(AQ);
    let t = titles(&doc);
    assert_eq!(t.len(), 9, "{t:?}");
    assert_eq!(t[0], "第一章 序");
    assert_eq!(t[1], "第二章 优胜记略");
    assert_eq!(t[8], "第九章大团圆");
    assert_eq!(doc.title, None);
    // One line is one paragraph here; the indent is not kept.
    let first = &doc.sections[0].paragraphs[0];
    assert_eq!(first.line, 2);
    assert!(first.text.starts_with("我要给阿Q做正传"), "{}", first.text);
    assert!(body(&doc).all(|p| !p.text.contains('\r')));
    // a long line ending `喝道：` is its paragraph's end, not a wrap: the quote is the next
    let paragraphs: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
    let shout = paragraphs
        .iter()
        .position(|p| p.ends_with("满脸溅朱，喝道："))
        .expect("the paragraph that ends before the quote");
    assert!(paragraphs[shout + 1].starts_with("“阿Q，你这浑小子！"));
}

/// `pdftotext`'s text of the ITIL manual (debian-edu-doc-legacy-zh-cn, GPL-2+): lists,
/// tables and short lines make most lines short, so the text is not hard-wrapped as a
/// whole, but a line that fills the page's width and stops inside a word goes on below.
#[test]
fn a_line_cut_inside_a_word_at_the_page_width_goes_on_below() {
    let text = include_str!(
        "../../tests/fixtures/documents/itil-pdftotext/debian-edu-itil-manual.pdftotext.txt"
    );
    let doc = parse(text);
    let paragraphs: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
    let said = |start: &str| {
        *paragraphs
            .iter()
            .find(|p| p.starts_with(start))
            .unwrap_or_else(|| panic!("no paragraph opens with {start}"))
    };
    assert_eq!(
        said("小的组织"),
        "小的组织在实际中依赖个人，因而如果有人离开会受到伤害。因此，全面且有质量保证的系统管理手册\
         对保证运行实践稳定和持续是必要的。数字技能程序的首要目标开发一套推荐的运行方案，以向学校和\
         教育机构提供稳定性和可预测性为指导原则，从而计算机、网络和基本服务正常工作。"
    );
    assert!(said("ITIL 手册包含").ends_with("在运行组织之间分享专长和经验是完全必要的。"));
    // list items, short lines and lines ending in punctuation stay apart
    assert_eq!(said("很多人对文档"), "很多人对文档做出了贡献。");
    for member in ["Monica Larssen", "Aksel Celasun", "Stein Lier"] {
        let item = paragraphs.iter().find(|p| p.contains(member)).unwrap();
        assert_eq!(item.matches("——").count(), 1, "{item}");
    }
    let cut = paragraphs
        .iter()
        .filter(|p| p.ends_with("运行实") || p.starts_with("践稳定"))
        .count();
    assert_eq!(cut, 0);
}

/// The same page as the test above, alone: its lines are mostly wrapped at the page's
/// width, and a list's items are still paragraphs of their own.
#[test]
fn list_items_in_wrapped_text_stay_apart() {
    let page = "\
小的组织在实际中依赖个人，因而如果有人离开会受到伤害。因此，全面且有质量保证的系统管理手册对保证运行实
践稳定和持续是必要的。数字技能程序的首要目标开发一套推荐的运行方案，以向学校和教育机构提供稳定性和可预
测性为指导原则，从而计算机、网络和基本服务正常工作。
ITIL 手册包含基于“最佳实践”的指导原则，适应那些使用 Skolelinux 那样的自由软件来运行多所学校的集中网络的
自治市。这些指导原则适应自治市和地区管理中心。很多自治市在学校里仅有一个运行 ICT 的兼职职位。在挪威这里
有超过 300 座小的和中等规模的自治市；在每个自治市他们有 1-4 人以 ICT 为全职工作。因此，在运行组织之间分享
专长和经验是完全必要的。

许可证

本文档遵照 GNU 通用公共许可证第 3 版编写。这意味着您有：
• 使用本文档用于任何目的的自由（自由之 0）。
• 学习文档和为需要而改编的自由（自由之 1）。
这些自由在维基百科中解释。卑尔根大学法律系的 Torgeir Kielland 分析了 GNU 许可或非盈利版权的条款。他声明
GNU 许可是版权相关的。简单地说，您可以视情况使用本文档中的每一部分。您必须确保您的贡献也接受一般公共许
可。
Skolelinux Drift 有限公司的 Halvor Dhl 在委员会中，对结构、形式和内容做出不少贡献。此外，UNINETT ABC 的
Snorre Løvås、来自 BzzWare AB 的 Finn-Arne Johansen 和来自 LinuxLabs AB 的 Ragnar Wissløff 也做出了贡献，并且
参考组也加入撰写文档。后面的人参加了参考组：
• Monica Larssen ——Harstad 自治市
• Aksel Celasun ——Hurum 自治市
• Stein Lier ——Akershus 郡
本文档在维基中维护。这确保运行人员能够容易地寻找问题的解决方案，更新配置，以及诸如此类。
";
    let doc = parse(page);
    let paragraphs: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
    let at = |start: &str| {
        paragraphs
            .iter()
            .position(|p| p.starts_with(start))
            .unwrap_or_else(|| panic!("no paragraph opens with {start}: {paragraphs:#?}"))
    };
    assert!(paragraphs[at("小的组织")].ends_with("基本服务正常工作。"));
    assert!(paragraphs[at("这些自由")].ends_with("您必须确保您的贡献也接受一般公共许可。"));
    assert!(paragraphs[at("本文档遵照")].ends_with("这意味着您有："));
    assert!(paragraphs[at("Skolelinux Drift")].ends_with("后面的人参加了参考组："));
    assert_eq!(
        paragraphs[at("使用本文档") + 1],
        "学习文档和为需要而改编的自由（自由之 1）。"
    );
    let monica = at("Monica Larssen");
    assert_eq!(
        &paragraphs[monica..monica + 4],
        [
            "Monica Larssen ——Harstad 自治市",
            "Aksel Celasun ——Hurum 自治市",
            "Stein Lier ——Akershus 郡",
            "本文档在维基中维护。这确保运行人员能够容易地寻找问题的解决方案，更新配置，以及诸如此类。"
        ]
    );
}

#[test]
fn sanguo_has_eight_hui_and_joins_words_split_by_hard_wraps() {
    let doc = parse(SANGUO);
    let t = titles(&doc);
    assert_eq!(t.len(), 8, "{t:?}");
    assert_eq!(t[0], "第一回 宴桃园豪杰三结义 斩黄巾英雄首立功");
    assert_eq!(t[7], "第八回 王司徒巧使连环计 董太师大闹凤仪亭");
    let texts: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
    // "楚、汉\n分争" and "机事不\n密" are wrapped inside words in the file.
    let p = texts
        .iter()
        .find(|t| t.starts_with("话说天下大势"))
        .unwrap_or_else(|| panic!("{}", outline(&doc)));
    assert!(p.contains("楚、汉分争，又并入于汉。"), "{p}");
    assert!(
        p.ends_with("窦武、陈蕃谋诛之，机事不密，反为所害，中涓自此愈横。"),
        "{p}"
    );
    // Blank lines separate paragraphs: the next one starts on its own.
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("建宁二年四月望日，帝御温德殿。"))
    );
}

#[test]
fn hongloumeng_drops_page_markers_and_joins_across_them() {
    let doc = parse(HONGLOU);
    let hui: Vec<&str> = titles(&doc)
        .into_iter()
        .filter(|t| t.starts_with('第'))
        .collect();
    assert_eq!(
        hui,
        [
            "第一回 甄士隐梦幻识通灵 贾雨村风尘怀闺秀",
            "第二回 贾夫人仙逝扬州城 冷子兴演说荣国府",
            "第三回 托内兄如海荐西宾 接外孙贾母惜孤女",
            "第四回 薄命女偏逢薄命郎 葫芦僧判断葫芦案",
            "第五回 贾宝玉神游太虚境 警幻仙曲演红楼梦",
        ]
    );
    for p in body(&doc) {
        assert!(!p.text.contains("Page"), "[{}] {}", p.line, p.text);
        assert!(!p.text.contains("-----"), "[{}] {}", p.line, p.text);
        // the download site's banner and copyright notice at the top
        assert!(
            !p.text.contains("本站") && !p.text.contains("删除"),
            "[{}] {}",
            p.line,
            p.text
        );
    }
    assert_eq!(titles(&doc)[0], "第一回 甄士隐梦幻识通灵 贾雨村风尘怀闺秀");
    // Page 1 ends "虽不敢说强似", page 2 goes on "前代书中所有之人": one paragraph.
    assert!(
        body(&doc).any(|p| p.text.contains("虽不敢说强似前代书中所有之人")),
        "{}",
        outline(&doc)
    );
}

/// 三国演义 as a download site stamps it: its watermark under every heading and glued to
/// lines, its advert (with the chapter's own address) glued to each chapter's last line
/// and to lines here and there. Stamped or not, the same
/// chapters and the same paragraphs.
#[test]
fn a_site_s_watermarks_and_adverts_are_not_read() {
    const MARK: &str = "★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★";
    const ADVERT: &str = "请记住本书首发域名：www.biqukan.com。笔趣阁手机版阅读网址：m.biqukan.com";
    let lines: Vec<&str> = SANGUO.lines().collect();
    let mut stamped = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let last_of_chapter = lines
            .iter()
            .skip(i + 1)
            .find(|l| !l.trim().is_empty())
            .is_none_or(|l| l.starts_with('第'));
        // (glued to a chapter's last line, and to a line wrapped in mid-sentence here and there)
        if (last_of_chapter || i % 50 == 20) && !line.trim().is_empty() {
            // (the chapter's own address in front, as some sites print it)
            stamped.push(format!(
                "{line}(https://www.bqktxt.com/0_243/{}.html){ADVERT}",
                6578514 + i
            ));
        } else if i % 40 == 7 && !line.trim().is_empty() {
            stamped.push(format!("{line}\u{3000}\u{3000}{MARK}"));
        } else {
            stamped.push((*line).to_owned());
        }
        if line.starts_with('第') {
            stamped.push(MARK.to_owned());
        }
    }
    let clean = parse(SANGUO);
    let doc = parse(&stamped.join("\n"));
    assert_eq!(titles(&doc), titles(&clean));
    let said = |d: &Document| -> Vec<String> { body(d).map(|p| p.text.clone()).collect() };
    assert_eq!(said(&doc), said(&clean));
    let stamps: Vec<&str> = doc
        .warnings
        .iter()
        .filter(|w| w.message.contains("stamp"))
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(stamps.len(), 3, "{stamps:?}");
    assert!(stamps[1].contains("(30 times"), "{stamps:?}");
}

#[test]
fn constitution_chapters_are_sections_and_articles_are_not() {
    let doc = parse(CONSTITUTION);
    assert_eq!(doc.title.as_deref(), Some("中华人民共和国宪法"));
    assert_eq!(
        titles(&doc),
        [
            "中华人民共和国宪法",
            "序言",
            "第一章 总纲",
            "第二章 公民的基本权利和义务",
            "第三章 国家机构",
            "第一节 全国人民代表大会",
            "第二节 中华人民共和国主席",
            "第三节 国务院",
            "第四节 中央军事委员会",
            "第五节 地方各级人民代表大会和地方各级人民政府",
            "第六节 民族自治地方的自治机关",
            "第七节 监察委员会",
            "第八节 人民法院和人民检察院",
            "第四章 国旗、国歌、国徽、首都",
        ]
    );
    // every level of the law's own outline is a section (as h1–h6 are in HTML); its
    // articles (第…条) are not
    let chapter3 = section(&doc, "第三章 国家机构");
    assert!(chapter3.paragraphs.is_empty());
    let first = section(&doc, "第一节 全国人民代表大会");
    assert!(first.paragraphs[0].text.starts_with("第五十七条 "));
    // Each blank-separated line is a paragraph: not hard-wrapped, so nothing is joined.
    let preface = section(&doc, "序言");
    assert_eq!(
        preface.paragraphs[2].text,
        "二十世纪，中国发生了翻天覆地的伟大历史变革。"
    );
}

#[test]
fn chapter_headings_of_every_kind_start_sections() {
    let text = "第1回 开篇\n正文一。\n第十二回\n正文二。\nChapter 3: The Road\n正文三。\n";
    let doc = parse(text);
    assert_eq!(
        titles(&doc),
        ["第1回 开篇", "第十二回", "Chapter 3: The Road"]
    );
}

#[test]
fn heading_levels_are_ranks_among_the_shapes_a_book_uses() {
    let doc = parse("书名\n\n第一章 总则\n甲。\n第一节 起\n乙。\n第二章 附则\n丙。\n");
    let levels: Vec<_> = doc
        .sections
        .iter()
        .map(|s| (s.title.as_deref().unwrap_or(""), s.level))
        .collect();
    assert_eq!(
        levels,
        [
            ("书名", 0),
            ("第一章 总则", 1),
            ("第一节 起", 2),
            ("第二章 附则", 1)
        ]
    );
    let numbered = parse("1 概述\n\n甲。\n\n1.1 范围\n\n乙。\n");
    let levels: Vec<_> = numbered.sections.iter().map(|s| s.level).collect();
    assert_eq!(levels, [1, 2]);
}

#[test]
fn sections_alone_are_top_level_when_there_are_no_chapters() {
    let doc = parse("第一节 起\n甲。\n第十二节 终\n乙。\n");
    assert_eq!(titles(&doc), ["第一节 起", "第十二节 终"]);
}

#[test]
fn an_article_of_a_law_is_not_a_heading() {
    let doc = parse("第一章 总则\n第一百四十三条 本法自公布之日起施行\n第二条 其他\n");
    assert_eq!(titles(&doc), ["第一章 总则"]);
    assert_eq!(doc.sections[0].paragraphs.len(), 2);
}

#[test]
fn markdown_title_and_centred_heading() {
    let text = "# 一本书\n\n## 第一部分\n\n正文。\n\n                 尾声\n\n完。\n";
    let doc = parse(text);
    assert_eq!(doc.title.as_deref(), Some("一本书"));
    assert_eq!(titles(&doc), ["一本书", "第一部分", "尾声"]);
}

#[test]
fn wrapped_latin_words_get_one_space_and_hyphens_are_mended() {
    let line = "This is a line of English prose that wraps at a fixed width in the text";
    let text = format!(
        "{line}\n{line}\n{line}\n{line}\n{line}\nand a well-\nknown word, and an exam-\nple here.\n"
    );
    let doc = parse(&text);
    let t = &doc.sections[0].paragraphs[0].text;
    assert!(t.contains("the text This is"), "{t}");
    // A dictionary would be needed to keep "well-known" whole; for speech, a split word
    // ("exam ple") is worse than a lost hyphen, so the hyphen goes.
    assert!(t.contains("wellknown"), "{t}");
    assert!(t.contains("an example here."), "{t}");
}

#[test]
fn a_downloaded_novel_loses_its_site_marks() {
    let text = "《百年孤独》全集\n作者：加夫列尔·加西亚·马尔克斯\n\n                    正文 出版说明\n\n本书据<u>藏书网</u>初版排印，<span class=\"ter\">杨绛</span>校。\n\n                    正文 第一章\n\n多年以后，<u>藏书网</u>他想起&mdash;&mdash;<span>那个</span>下午。\n\n（本章完）\n\n                    正文 第二章\n\n十六世纪，<u>藏书网</u><span>海盗</span>来了。\n";
    let doc = parse(text);
    assert_eq!(doc.title.as_deref(), Some("《百年孤独》全集"));
    assert_eq!(doc.author.as_deref(), Some("加夫列尔·加西亚·马尔克斯"));
    assert_eq!(
        titles(&doc),
        ["《百年孤独》全集", "出版说明", "第一章", "第二章"]
    );
    let body: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
    assert_eq!(
        body,
        [
            "本书据初版排印，杨绛校。",
            "多年以后，他想起——那个下午。",
            "十六世纪，海盗来了。"
        ]
    );
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.message.contains("3 repeated watermark")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn a_contents_ends_before_the_preface_after_it_and_says_how_deep_headings_go() {
    let text = "目录\n\n1 概述 . . . . . . 1\n1.1 范围 . . . . . . 1\n1.2 术语 . . . . . . 2\n\
                2 安装 . . . . . . 3\n2.1 准备 . . . . . . 3\n2.2 步骤 . . . . . . 4\n\n\u{c}\
                前言\n\n本书介绍系统的安装和使用方法，适合初次接触的读者阅读。\n\
                书中的例子都在真实的机器上验证过，读者可以放心照做。\n\n\u{c}\
                1 概述\n\n本章说明系统是什么，以及它能为读者做些什么事情。\n\n\
                1.1 范围\n\n范围很广。\n\n1.1.1 细节\n\n细节很多。\n\n1.2 术语\n\n术语很少。\n\n\u{c}\
                2 安装\n\n安装很快。\n\n2.1 准备\n\n准备好。\n\n2.2 步骤\n\n照做。\n";
    // pages (form feeds): a printed document, whose outline is as deep as its contents
    let doc = parse(text);
    assert_eq!(
        titles(&doc),
        [
            "前言",
            "1 概述",
            "1.1 范围",
            "1.2 术语",
            "2 安装",
            "2.1 准备",
            "2.2 步骤"
        ]
    );
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    // the preface is read; `1.1.1`, deeper than the contents goes, is a line of text
    assert!(
        body.contains("本书介绍系统的安装") && body.contains("1.1.1 细节"),
        "{body}"
    );
    assert!(!body.contains(". . ."), "{body}");
    // no pages: a web page's dump, whose contents list fewer levels than its headings
    let doc = parse(&text.replace('\u{c}', ""));
    assert_eq!(
        titles(&doc),
        [
            "前言",
            "1 概述",
            "1.1 范围",
            "1.1.1 细节",
            "1.2 术语",
            "2 安装",
            "2.1 准备",
            "2.2 步骤"
        ]
    );
}

#[test]
fn a_directory_called_目录_in_a_table_swallows_no_chapters() {
    let text = "1 文件\n\n下表列出 ls -l 输出的第一个字符，每种文件类型各有一个字母。\n\n\
                说明\n普通文件\n目录\n符号链接\n字符设备节点\n\n\
                这些类型在后面的章节里还会一一讲到，读者先有个印象即可。\n\
                每一种类型都有它自己的用途，系统管理员需要熟悉它们。\n\
                目录是一种特殊的文件，里面记着别的文件的名字。\n\n\
                2 符号链接\n\n符号链接指向另一个文件。\n\n3 设备\n\n设备文件代表硬件。\n";
    let doc = parse(text);
    assert_eq!(titles(&doc), ["1 文件", "2 符号链接", "3 设备"]);
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(body.contains("系统管理员需要熟悉它们"), "{body}");
}

#[test]
fn shell_comments_at_the_margin_are_not_markdown_headings() {
    let text = "# 安装\n\n先装好软件。\n\n# use : and , as IFS\n# echo is a Bash builtin\nIFS=:,\n\n\
                # use /bin/sh to run commands\nSHELL=/bin/sh\n\n## 配置\n\n再改配置。\n";
    let doc = parse(text);
    assert_eq!(titles(&doc), ["安装", "配置"]);
}

/// `pandoc -t plain` of a Debian Reference chapter: prose at the margin, listings, tables
/// and lists set in, and more lines of those than of prose. The lead-in over a listing
/// (`尝试下列例子`) is no heading; the numbered headings are.
#[test]
fn a_lead_in_over_an_indented_listing_is_no_heading() {
    let mut text = String::from("第 1 章 GNU/Linux 教程\n\n");
    for (n, title) in (1..).zip(["文件系统", "文件权限", "时间戳", "链接", "设备", "管道"])
    {
        text += &format!(
            "1.{n}. {title}\n\n这一节讲文件系统的权限，你应该可以理解用数字模式值对文件权限的表示。\n\
             如果你需要在脚本中访问这些信息，你需要使用相关命令。如 test 和 stat。\n\
             这些命令的输出可以在脚本里直接使用，不必再去解析别的命令的输出。\n\n尝试下列例子\n\n"
        );
        for i in 0..12 {
            text += &format!("    $ chmod u=rw,go=r foo{i} && ls -l foo{i} bar{i} baz{i}\n");
        }
        text += "\n  ---------- ------------------------------------------------\n";
        for i in 0..8 {
            text += &format!("  [abc…]{i}      匹配在 “abc...” 中的任意字符，第 {i} 行\n");
        }
        text += "\n";
    }
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "第 1 章 GNU/Linux 教程",
            "1.1. 文件系统",
            "1.2. 文件权限",
            "1.3. 时间戳",
            "1.4. 链接",
            "1.5. 设备",
            "1.6. 管道"
        ]
    );
}

/// pandoc's text of a maint-guide chapter page: its own contents, then a first paragraph
/// wrapped at a link. The last entry is the contents', not that paragraph's heading.
#[test]
fn a_page_s_last_contents_entry_does_not_head_its_first_paragraph() {
    let text = "第 7 章 检查软件包中的错误\n\n目录\n\n7.1. 诡异可疑的改动\n\n7.2. 校验软件包安装过程\n\n\
                7.3. mc 命令\n\n本教程文档已被重写为另外的 Debian 维护者指导\n\
                文档，其中包含了更新的内容与更多实际例子。请使用新的教程作为主要的教程文档。\n\n\
                7.1. 诡异可疑的改动\n\n如果你在构建软件包后发现一个新的自动生成的补丁，那就修复它。\n\n\
                7.2. 校验软件包安装过程\n\n你必须测试软件包是否能够无冲突地安装。\n\n\
                7.3. mc 命令\n\n很多文件检查操作可以通过使用类似 mc 的文件管理器来完成。\n";
    let doc = parse(text);
    assert_eq!(
        titles(&doc),
        [
            "第 7 章 检查软件包中的错误",
            "7.1. 诡异可疑的改动",
            "7.2. 校验软件包安装过程",
            "7.3. mc 命令"
        ]
    );
    let first: String = doc.sections[0]
        .paragraphs
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert!(first.starts_with("本教程文档已被重写"), "{first}");
}

/// A root shell's command is never heading-shaped, so that a few of them over a heading
/// (lynx's text of Debian Reference ch. 9) make no run of headings, a contents.
#[test]
fn a_root_command_is_not_heading_shaped() {
    let lines =
        crate::ingest::repair::clean_lines("# losetup -f -v disk.img\n\n# 安装\n", &mut Vec::new());
    let levels: Vec<Option<u8>> = lines
        .iter()
        .map(crate::ingest::headings::heading_level)
        .collect();
    assert_eq!(levels, [None, Some(1)]);
    // nor a section number's title (pdftotext's Debian Reference: a listing's `1.6.6`)
    let doc = parse(
        "1.1 概述\n\n这是一段正文，写得足够长，像一本书里的一段话。\n\n1.6.6\n\n\
         # use ”:” and ”,” as IFS\n# echo is a Bash builtin\nIFS=:,\n",
    );
    assert_eq!(titles(&doc), ["1.1 概述"]);
}

#[test]
fn root_commands_over_a_heading_are_no_contents() {
    let text = "9.7.4. 压缩磁盘映像\n\n   如果 disk.img 位于 ext4，你也可以像下面那样使用 zerofree。\n\
                # losetup -f -v disk.img\nLoop device is /dev/loop3\n# zerofree /dev/loop3\n\
                # cp --sparse=always disk.img new.img\n\n9.7.5. 制作空的磁盘映像文件\n\n\
                   按下面的方式使用 dd，可以制作一个大小为 5GiB 的空磁盘映像文件。\n\n\
                9.7.6. 制作 ISO9660 镜像文件\n\n   这一节讲镜像文件。参见第 9.7.5 节“制作空的磁盘映像文件”。\n";
    let doc = parse(text);
    assert_eq!(
        titles(&doc),
        [
            "9.7.4. 压缩磁盘映像",
            "9.7.5. 制作空的磁盘映像文件",
            "9.7.6. 制作 ISO9660 镜像文件"
        ]
    );
}

/// pdfminer's text of Debian Reference sets each command of a root shell apart like a
/// paragraph; `# adduser fish` is no heading, a lower-case Markdown title with words is.
#[test]
fn root_prompts_set_apart_are_not_markdown_headings() {
    let text = "# 1 教程\n\n增加一个用户：\n\n# adduser fish\n\n删除它：\n\n\
                # deluser --remove-home fish\n\n# echo ”penguin\n\n# 2 其他 notes\n\n完。\n";
    let doc = parse(text);
    assert_eq!(titles(&doc), ["1 教程", "2 其他 notes"]);
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(
        body.contains("adduser fish") && body.contains("deluser"),
        "{body}"
    );
}

#[test]
fn angle_brackets_a_manual_never_closes_are_its_text() {
    let manual = "在 vim 里按 <Tab> 键补全，按 <CR> 确认，<leader>p 切换粘贴模式。\n\n\
                  邮件请寄 <tollef at add.no>，或写 <b>粗体</b> 试试。\n";
    let doc = parse(manual);
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(
        body.contains("<Tab>") && body.contains("<leader>") && body.contains("<b>粗体</b>"),
        "{body}"
    );
}

#[test]
fn a_first_line_that_is_also_the_running_header_is_the_title() {
    let page = |n: usize| {
        format!(
            "示例手册\n\n第{n}章 标题{n}\n\n这是第{n}章的正文，写得足够长，像一本书里的一段话。\n\n{n}\n"
        )
    };
    let text = format!(
        "示例手册\n张三、李四\n\n\u{c}{}\u{c}{}\u{c}{}",
        page(1),
        page(2),
        page(3)
    );
    let doc = parse(&text);
    assert_eq!(doc.title.as_deref(), Some("示例手册"), "{}", outline(&doc));
    // and only there: the headers on the pages are not read
    let headers = body(&doc).filter(|p| p.text == "示例手册").count();
    assert_eq!(headers, 0, "{}", outline(&doc));
}

#[test]
fn empty_and_blank_input_give_an_empty_document() {
    assert_eq!(parse(""), Document::default());
    assert_eq!(parse("\n\n  \n"), Document::default());
}

#[test]
fn odd_inputs_never_panic_and_never_leave_space_runs() {
    const TOKENS: [&str; 16] = [
        "长",
        "\n",
        "\n\n",
        "  ",
        " . ",
        ".",
        "。",
        "，",
        "第一章",
        "# ",
        "-",
        "abc",
        "■",
        "本报记者",
        "\u{3000}",
        "----- Page 2 -----",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..400 {
        let mut text = String::new();
        for _ in 0..60 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(TOKENS[(seed % TOKENS.len() as u64) as usize]);
        }
        let doc = parse(&text);
        for p in body(&doc) {
            assert!(!p.text.contains("  "), "{text:?} -> {:?}", p.text);
            assert!(!p.text.is_empty());
        }
    }
}

/// `pdftotext` of a LaTeX manual: contents entries whose number outgrew its box
/// (`1.10用 CD 升级`) or sits on its own line, page furniture, a table cell that says what a
/// numbered subsection says, and chapters that open a page right after the furniture.
#[test]
fn a_pdftotext_manual_keeps_its_place_in_the_contents() {
    let page = |n: usize| format!("\u{c}Debian Edu 手册\n\n{n} / 9\n\n");
    let prose = "这一段正文说明了本节的内容，读者可以按照这里的步骤一步一步地完成操作。";
    let mut text = String::from("Debian Edu 手册\n\n目录\n\n1 概述\n");
    for entry in [
        "1.1 范围 . . . . . . . . . . . . 1",
        "1.2\n\n角色 . . . . . . . . . . . . 2",
        "1.10用 CD 升级 . . . . . . . . . 3",
        "1.11自动清理 . . . . . . . . . . 3",
    ] {
        text += &format!("{entry}\n");
    }
    text += "2 Debian Edu 中的 Samba\n2.1 通过 Samba 存取文件 . . . . . . 4\n";
    text += &page(1);
    text += &format!("1 概述\n{prose}\n\n1.1 范围\n{prose}\n");
    // a table whose first cell is 角色, right after a page break
    text += &page(2);
    text += &format!("角色\n集中的操作人员\n\n{prose}\n\n1.2 角色\n{prose}\n");
    text += &page(3);
    text += &format!("1.10\n\n用 CD 升级\n{prose}\n\n1.11\n\n自动清理\n{prose}\n");
    text += "参见 https://example.org/how-to-configure-the-plugin\n";
    text += &page(4);
    text += &format!("2 Debian Edu 中的 Samba\n\n{prose}\n\n2.1 通过 Samba 存取文件\n{prose}\n");
    text += &page(5);
    text += &format!("{prose}\n");
    let doc = parse(&text);
    let headings = titles(&doc);
    for want in [
        "1 概述",
        "1.1 范围",
        "1.2 角色",
        "1.10 用 CD 升级",
        "1.11 自动清理",
        "2 Debian Edu 中的 Samba",
        "2.1 通过 Samba 存取文件",
    ] {
        assert!(headings.contains(&want), "{want} in {headings:?}");
    }
    assert!(!headings.contains(&"角色"), "{headings:?}");
}

/// Debian's plain-text rendering of a DocBook book in Traditional Chinese: `內容目錄`, a list
/// of its tables (`附表目錄`) whose entries come back only as captions (`表格 1.1. …`), and
/// chapters labelled `章 1.`.
#[test]
fn a_traditional_chinese_docbook_text_gives_its_chapters_and_not_its_lists() {
    let prose = "    這一段正文說明了本節的內容，讀者可以按照這裡的步驟完成操作。\n";
    let mut text = String::from("Debian 參考手冊\n\n內容目錄\n\n序\n    1. 免責聲明\n");
    text += "1. GNU/Linux 教學\n    1.1. 控制臺基礎\n    1.2. 類 Unix 檔案系統\n";
    text += "2. Debian 軟體包管理\n    2.1. 前提\n\n附表目錄\n\n";
    text += "1.1. 有趣的文本模式程序包列表\n1.2. 軟體包資訊文檔列表\n";
    text +=
        "2.1. 使用 apt(8), aptitude(8) 和 apt-get(8) / apt-cache(8) 的基\n    本軟體包管理操作\n";
    text += "2.2. Debian 檔案庫站點列表\n\n";
    text += &format!("序\n\n{prose}\n1. 免責聲明\n\n{prose}\n");
    text += &format!("章 1. GNU/Linux 教學\n\n{prose}\n1.1. 控制臺基礎\n\n{prose}\n");
    text += &format!("    表格 1.1. 有趣的文本模式程序包列表\n\n{prose}\n");
    text += &format!("1.2. 類 Unix 檔案系統\n\n{prose}\n    表格 1.2. 軟體包資訊文檔列表\n\n");
    text += &format!("章 2. Debian 軟體包管理\n\n{prose}\n2.1. 前提\n\n{prose}\n");
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "Debian 參考手冊",
            "序",
            "1. 免責聲明",
            "章 1. GNU/Linux 教學",
            "1.1. 控制臺基礎",
            "1.2. 類 Unix 檔案系統",
            "章 2. Debian 軟體包管理",
            "2.1. 前提"
        ]
    );
    let spoken: String = body(&doc).map(|p| p.text.as_str()).collect();
    for unspoken in ["目錄", "列表", "表格"] {
        assert!(!spoken.contains(unspoken), "{unspoken} in {spoken}");
    }
}

/// A section number alone on its line over a title that ends with the bracket it opened
/// (`一组用户的权限（组）`): one heading.
#[test]
fn a_title_may_end_with_its_closing_bracket() {
    let prose = "为了使组权限应用到一个特定用户，这个用户需要成为该组的成员。";
    let text = format!(
        "1.2.4\n\n控制新建文件的权限\n\n{prose}\n\n1.2.5\n\n一组用户的权限（组）\n\n{prose}\n\n\
         1.2.6\n\n时间戳\n\n{prose}\n"
    );
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "1.2.4 控制新建文件的权限",
            "1.2.5 一组用户的权限（组）",
            "1.2.6 时间戳"
        ]
    );
}

/// A byline centred under a centred headline is the author, not a heading, even where only
/// centring marks headings; the headline is the title.
#[test]
fn a_centred_byline_is_no_heading() {
    let text = "                      推动一体化向更深层次更宽领域拓展\n\
                \u{20}                                       本报评论员\n\n\
                习近平总书记在上海主持召开深入推进长三角一体化发展座谈会并发表重要讲话。\n";
    let doc = parse(text);
    assert_eq!(titles(&doc), ["推动一体化向更深层次更宽领域拓展"]);
    assert_eq!(doc.author.as_deref(), Some("本报评论员"));
    // and the headline over its byline is the document's title
    assert_eq!(
        doc.title.as_deref(),
        Some("推动一体化向更深层次更宽领域拓展")
    );
}

/// A console browser wraps a long numbered title at its width; alone between blank lines,
/// the two lines are one heading. A version comparison that opens with a number is not.
#[test]
fn a_numbered_title_wrapped_by_a_text_dump_is_one_heading() {
    let prose = "To upgrade from any older release, you will need to upgrade to the Bullseye\n\
                 based Debian Edu release first, before you can follow the instructions.\n";
    let text = format!(
        "12.2. 升级工作站\n\n{prose}\n12.3.\u{a0}Upgrades from older Debian Edu / Skolelinux installations (before\n\
         Bullseye)\n\n{prose}\n12.4. 其他\n\n{prose}\n\
         0.0 < 0.5 < 0.10 < 0.99 < 1 < 1.0~rc1 < 1.0 < 1.0+b1 < 1.0+nmu1 < 1.1 < 2.0 < 3.0\n\
         1.1 < 2.0\n\n{prose}"
    );
    let doc = parse(&text);
    assert_eq!(
        titles(&doc),
        [
            "12.2. 升级工作站",
            "12.3. Upgrades from older Debian Edu / Skolelinux installations (before Bullseye)",
            "12.4. 其他"
        ]
    );
}

/// A manual whose sections all have the same subsections (ITIL's `7.x.1 解决方案`, `7.x.2
/// 确认`, empty, as `w3m` prints them with a no-break space): headings, not a running line
/// that recurs with a changing number, nor a table printed one cell per line.
#[test]
fn subsections_of_one_title_under_every_section_are_headings() {
    let mut text = String::from("1. 设立基础设施\n\n");
    for (n, part) in ["网络架构", "交换机", "路由器", "防火墙"]
        .iter()
        .enumerate()
    {
        let n = n + 1;
        text += &format!(
            "1.{n}. {part}\n\n用户案例：应该配置什么\n\n\
             1.{n}.1.\u{a0}解决方案\n\n1.{n}.2.\u{a0}确认\n\n"
        );
    }
    let doc = parse(&text);
    let found = titles(&doc);
    assert_eq!(found.len(), 13, "{found:?}");
    assert_eq!(found.iter().filter(|t| t.ends_with("解决方案")).count(), 4);
    assert!(
        found.contains(&"1.4.2.\u{a0}确认") || found.contains(&"1.4.2. 确认"),
        "{found:?}"
    );
    assert!(!doc.warnings.iter().any(|w| w.message.contains("table")));
}

/// `html2text`'s dump of a manual page: headings between stars (`h1` with six), a bulleted
/// contents whose links have `_` for spaces, no blank line anywhere, a copyright paragraph
/// after the contents.
#[test]
fn html2text_headings_between_stars_and_its_contents() {
    let text = "****** KiCad ******\nThe KiCad Team\nTable of Contents\n    * 1._简介\n\
                \x20         o 1.1._系统要求\n    * 2._安装\n版权\n\
                本文件的版权由下列贡献者拥有。您可以根据 GNU 通用公共许可证发布\n\
                它和/或修改它，也可以按知识共享署名许可证的条款发布它。\n\
                ***** 1. 简介 *****\nKiCad 是一款用于创建电子电路原理图和印刷电路板的开源软件套件。\n\
                **** 1.1. 系统要求 ****\nKiCad 能够在多种硬件和操作系统上运行，但在低端硬件上会很慢。\n\
                ***** 2. 安装 *****\n安装很快，请按照说明一步一步地操作即可完成。\n\
                ** 音频插件 **\n这一行粗体不是标题，是维基导出时留下的。\n";
    let doc = parse(text);
    assert_eq!(doc.title.as_deref(), Some("KiCad"));
    assert_eq!(
        titles(&doc),
        ["KiCad", "1. 简介", "1.1. 系统要求", "2. 安装"]
    );
    let levels: Vec<u8> = doc.sections.iter().map(|s| s.level).collect();
    // as the page had them: h2, h3, h2
    assert_eq!(levels, [0, 2, 3, 2]);
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(
        body.contains("本文件的版权") && !body.contains("_简介"),
        "{body}"
    );
}

/// A contents entry that ends with a full stop (`7.4. 如何更改录制的乐段的音符音量。`, as a
/// translation left it) is an entry, not the first sentence after the contents.
#[test]
fn a_contents_entry_may_end_with_a_full_stop() {
    let text = "目录\n\n1. 简介\n2. 音符编辑\n    2.1. 如何更改谱号\n    2.2. 如何更改录制的乐段的音符音量。\n\
                \x20   2.3. 如何为大谱表划分乐段\n3. 计时器\n\n\
                1. 简介\n\n这个软件用来录制和编辑音乐，下面分几部分说明它的用法。\n\n\
                2. 音符编辑\n\n音符可以在乐谱编辑器里修改，修改之后马上就能听到。\n\n\
                2.1. 如何更改谱号\n\n双击谱号，会弹出菜单，从中选择新的谱号即可。\n\n\
                2.2. 如何更改录制的乐段的音符音量。\n\n选中音符，然后拖动音量滑块即可。\n\n\
                2.3. 如何为大谱表划分乐段\n\n选中乐段，然后选择划分命令即可。\n\n\
                3. 计时器\n\n计时器有时不稳定，可以换一个内核试试看。\n";
    let doc = parse(text);
    let found = titles(&doc);
    // and the entry's heading is one, at its number's depth
    assert_eq!(
        found,
        [
            "1. 简介",
            "2. 音符编辑",
            "2.1. 如何更改谱号",
            "2.2. 如何更改录制的乐段的音符音量。",
            "2.3. 如何为大谱表划分乐段",
            "3. 计时器"
        ]
    );
    let levels: Vec<u8> = doc.sections.iter().map(|s| s.level).collect();
    assert_eq!(levels, [1, 1, 2, 2, 2, 1]);
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert_eq!(body.matches("如何为大谱表划分乐段").count(), 0, "{body}");
}

/// `pdftotext -layout`: the text at the margin, a numbered list set in two spaces (a menu's
/// items), a numbered section at the margin.
#[test]
fn a_numbered_list_set_in_from_text_at_the_margin_is_no_heading() {
    let text = "9 如何在 Rosegarden 中更改节奏\n\n\
                可以有几种方式来进行，我会向您展示我认为最好用的方法。如果右击之下的线，会弹出菜单。\n\n\
                菜单如下：\n\n  1. 插入节奏更改\n  2. 在回放位置插入节奏更改\n\n  3. 删除节奏更改\n  4. 编辑节奏\n\n\
                9.1 插入节奏更改\n\n如果右击您想要更改节奏的线，然后选择“插入节奏更改”，会显示一个点。\n";
    let doc = parse(text);
    assert_eq!(
        titles(&doc),
        ["9 如何在 Rosegarden 中更改节奏", "9.1 插入节奏更改"]
    );
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(body.contains("删除节奏更改"), "{body}");
}

/// A web page's contents as `w3m` prints a nested list (`•`, then `□`): not read, and the
/// headings it lists are found (`3. Tutorial Part 1: Project` has a colon a numbered
/// listing would have, but the contents lists it).
#[test]
fn a_contents_printed_as_a_list_is_not_read() {
    let text = "KiCad 入门\n\nTable of Contents\n\n  • 1. KiCad 简介\n      □ 1.1. 下载和安装 KiCad\n\
                \x20     □ 1.2. 支持\n  • 2. Tutorial Part 1: Project\n\n\
                1. KiCad 简介\n\nKiCad 是一款用于创建电子电路原理图和印刷电路板的开源软件套件。\n\n\
                1.1. 下载和安装 KiCad\n\nKiCad 可以在官方网站上下载，安装方法见下面的说明。\n\n\
                1.2. 支持\n\n如果有问题，可以到论坛上提问，会有志愿者来回答你。\n\n\
                2. Tutorial Part 1: Project\n\nThe first thing to do is to create a new project.\n";
    let doc = parse(text);
    assert_eq!(
        titles(&doc)[1..],
        [
            "1. KiCad 简介",
            "1.1. 下载和安装 KiCad",
            "1.2. 支持",
            "2. Tutorial Part 1: Project"
        ]
    );
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(!body.contains('•') && !body.contains('□'), "{body}");
}

/// A contents printed after the text (the last node of a Texinfo manual's page, dumped
/// by `w3m`): its entries were the headings before it; it is not read either.
#[test]
fn a_contents_after_the_text_is_not_read() {
    let text = "1. Installing\n\nThis tutorial guides you through installing LilyPond.\n\n\
                1.1 Graphical setup\n\nDownload the package and open it with a double click.\n\n\
                2. 教程\n\n本章介绍如何书写 LilyPond 的输入文件，以及怎样编译它们。\n\n\
                2.1 编译文件\n\n编译文件的方法在这里说明，请按顺序操作。\n\n\
                目录\n\n  • 1. Installing\n      □ 1.1 Graphical setup\n  • 2. 教程\n      □ 2.1 编译文件\n\n\
                This page is for LilyPond-2.24.1.\n";
    let doc = parse(text);
    assert_eq!(
        titles(&doc),
        [
            "1. Installing",
            "1.1 Graphical setup",
            "2. 教程",
            "2.1 编译文件"
        ]
    );
    let body: String = body(&doc).map(|p| p.text.as_str()).collect();
    assert!(!body.contains("目录") && !body.contains('•'), "{body}");
    assert!(body.contains("This page is for"), "{body}");
}

/// `lynx -dump`: headings at the margin, the text set in three spaces; an unnumbered
/// heading (`预定义大小`) among numbered ones is one too, a level under the numbered one
/// before it — but not a line of a config file set at the margin, nor the front matter's
/// names before the first numbered heading.
#[test]
fn unnumbered_headings_at_the_margin_of_a_lynx_dump() {
    let text = "PCB 编辑器\n\n郑原真\n\n   这份手册介绍 PCB 编辑器的用法，请按章节顺序阅读每一部分。\n\n\
                1. 简介\n\n   PCB 编辑器用来设计印刷电路板，它和原理图编辑器一起工作。\n\n\
                1.1. 电路板设置\n\n   电路板设置对话框里有很多部分，下面一个一个地说明它们。\n\n\
                预定义大小\n\n   预定义的尺寸部分允许你定义你希望在布线时可用的布线和过孔尺寸。\n\n\
                [Network]\nDHCP=yes\n\n   一个静态网络配置能够通过创建文件来设置，比如下面这样。\n\n\
                网络类\n\n   网络类部分允许你为不同网类配置布线和清除规则，每个网络都属于一个类。\n\n\
                2. 布线\n\n   布线的时候可以用快捷键切换布线宽度，也可以用工具栏上的按钮。\n";
    let doc = parse(text);
    let found = titled_levels(&doc);
    assert_eq!(
        found,
        [
            ("PCB 编辑器", 0),
            ("1. 简介", 1),
            ("1.1. 电路板设置", 2),
            ("预定义大小", 3),
            ("网络类", 3),
            ("2. 布线", 1)
        ]
    );
}

/// Text dumps print a list's bullets (`•`, `□`, `*`); the items are read without them, as
/// list items, and a minus sign is no bullet.
#[test]
fn list_items_in_text_are_read_without_their_bullets() {
    let text = "标题\n\n正文第一段，说明一些事情。\n\n  • 第一项内容。\n  □ 第二项内容。\n  * 第三项内容。\n\n\
                -5 度的时候要注意保暖。\n";
    let doc = parse(text);
    let paragraphs: Vec<(BlockKind, &str)> =
        body(&doc).map(|p| (p.kind, p.text.as_str())).collect();
    assert_eq!(
        paragraphs,
        [
            (BlockKind::Paragraph, "正文第一段，说明一些事情。"),
            (BlockKind::ListItem, "第一项内容。"),
            (BlockKind::ListItem, "第二项内容。"),
            (BlockKind::ListItem, "第三项内容。"),
            (BlockKind::Paragraph, "-5 度的时候要注意保暖。"),
        ]
    );
}

/// `lynx -dump` of a page without numbered headings: `h2` at the margin, `h3` two columns
/// in, the text three; the page's first line is its title, an icon's name (`图标`) set in
/// with the text is text.
#[test]
fn unnumbered_headings_of_a_lynx_page() {
    let text = "连接符\n\n   图标\n\n   打开「连接符」工具栏，可以用此工具栏向当前幻灯片中的对象添加连接符。\n\n\
                首端为箭头的连接符\n\n   绘制具有一个或多个 90 度角弯曲且首端为箭头的连接符。\n\n\
                日期与时间格式\n\n  日期格式\n\n   要显示日期，请使用下表中列出的格式码组合。\n\n  时间格式\n\n\
                \x20  要显示小时、分钟和秒，请使用下列数字格式码。\n";
    let doc = parse(text);
    let found = titled_levels(&doc);
    assert_eq!(doc.title.as_deref(), Some("连接符"));
    assert_eq!(
        found,
        [
            ("连接符", 0),
            ("首端为箭头的连接符", 1),
            ("日期与时间格式", 1),
            ("日期格式", 2),
            ("时间格式", 2)
        ]
    );
    // a text set in two full-width spaces with a short line at the margin now and then is
    // no such page unless three of them stand so
    let novel = "　　他走了很远的路，终于到了那座城市的门口。\n\n后来\n\n　　城里的人都出来看他，没有人认识他。\n";
    assert!(
        parse(novel)
            .sections
            .iter()
            .all(|s| s.title.is_none() || s.level == 0)
    );
}
