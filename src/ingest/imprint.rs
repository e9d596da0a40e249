//! A book's imprint (版权页): the publisher's catalogue data (`图书在版编目（CIP）数据`,
//! `ISBN`) and the lines of 开本, 印张, 字数, 版次, 定价 … An EPUB's copyright page is told by
//! these marks, and in text (an e-book through `pandoc`, a PDF through `pdftotext`) the
//! block of lines that says them is left out: a listener does not want the paper size.

use std::ops::Range;

use super::repair::{is_space, width};

/// What an imprint says, compared with the spaces of letter-spaced labels taken out
/// (`定　价`, `印 张`).
const MARKS: [&str; 14] = [
    "ISBN",
    "CIP",
    "定价",
    "印张",
    "开本",
    "版次",
    "印次",
    "字数",
    "出版发行",
    "责任编辑",
    "书号",
    "印刷",
    "经销",
    "著作权合同登记",
];

/// Other labels of an imprint's lines (`出 版 南海出版公司`, `发 行 …`, `邮编 570206`): they
/// hold its lines together but are said too often elsewhere to tell one.
const LABELS: [&str; 6] = ["出版", "发行", "邮编", "装帧", "排版", "印数"];

fn compact(text: &str) -> String {
    text.chars().filter(|&c| !is_space(c)).collect()
}

/// How many of the imprint's marks `text` says.
pub(crate) fn marks_in(text: &str) -> usize {
    let compact = compact(text);
    MARKS.iter().filter(|m| compact.contains(*m)).count()
}

/// The imprints among `raw`'s lines: a run of short lines, three or more of which say a
/// mark or a label, no more than six other lines between two of them (a title page
/// between the catalogue data and the imprint), saying three or more different marks in
/// all; with the rights line under them (`版权所有，…`).
pub(crate) fn imprint_blocks(raw: &[String]) -> Vec<Range<usize>> {
    let short = |i: usize| {
        let t = raw[i].trim_matches(is_space);
        width(t) <= 80 && !t.ends_with('。')
    };
    let marked: Vec<usize> = (0..raw.len())
        .filter(|&i| {
            short(i) && {
                let line = compact(&raw[i]);
                MARKS.iter().chain(&LABELS).any(|m| line.contains(m))
            }
        })
        .collect();
    let text_between = |a: usize, b: usize| {
        (a + 1..b)
            .filter(|&i| !raw[i].trim_matches(is_space).is_empty())
            .collect::<Vec<_>>()
    };
    let mut blocks = Vec::new();
    let mut k = 0;
    while k < marked.len() {
        let mut end = k;
        while end + 1 < marked.len() && {
            let between = text_between(marked[end], marked[end + 1]);
            between.len() <= 6 && between.iter().all(|&i| short(i))
        } {
            end += 1;
        }
        let (first, last) = (marked[k], marked[end]);
        let said: String = raw[first..=last].concat();
        if end - k >= 2 && marks_in(&said) >= 3 {
            let rights = (last + 1..raw.len().min(last + 4))
                .find(|&i| !raw[i].trim_matches(is_space).is_empty())
                .filter(|&i| {
                    ["版权所有", "侵权必究", "翻印必究"]
                        .iter()
                        .any(|r| raw[i].contains(r))
                });
            blocks.push(first..rights.unwrap_or(last) + 1);
        }
        k = end + 1;
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    /// 霍乱时期的爱情 as `pandoc` prints its EPUB: the catalogue data, then the imprint
    /// with letter-spaced labels, the rights line, and the dedication after it.
    #[test]
    fn an_imprint_and_its_rights_line_are_one_block() {
        let raw = lines(
            "霍乱时期的爱情\n\n图书在版编目（CIP) 数据\n\n霍乱时期的爱情/[哥伦]马尔克斯著；杨玲译.—海口：南海出版公司，2012.9\n\nISBN 978—7—5442—5897—5\n\n中国版本图书馆CIP数据核字（2012）第168818号\n\n出 版 南海出版公司\n\n责任编辑 黄宁群 刘灿灿\n\n印 刷 北京汇林印务有限公司\n\n开 本 850毫米×1168毫米 1/32\n\n定 价 39.50元\n\n版权所有，未经书面许可，不得转载、复制、翻印，违者必究。\n\n自然，此书献给梅塞德斯\n",
        );
        let blocks = imprint_blocks(&raw);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0], 2..21);
        assert!(raw[20].starts_with("版权所有"));
        assert_eq!(raw[22], "自然，此书献给梅塞德斯");
    }

    /// Prose that names a price and a printing is not an imprint, nor are two marks.
    #[test]
    fn prose_and_a_lone_mark_are_not() {
        let prose = lines(
            "那本书的定价是三块钱，印刷却很粗糙，版次也记不清了，字数大约二十万，这是我在旧书摊上买到的。\n\n定价：39元\n\n第一章\n\nISBN 978-7-02-000220-7\n",
        );
        assert!(imprint_blocks(&prose).is_empty());
    }
}
