//! Per-request text limits: an utterance longer than a service accepts is cut at
//! punctuation (sentence ends first, then clause marks, then spaces) into pieces that fit.

use serde::Deserialize;

/// How a service counts the length of a request's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    Gbk,
}

/// The most text one request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Chars(usize),
    Bytes(usize, TextEncoding),
}

impl Limit {
    fn max(self) -> usize {
        match self {
            Limit::Chars(n) | Limit::Bytes(n, _) => n,
        }
    }

    /// The size of one character under this limit.
    fn size(self, c: char) -> usize {
        match self {
            Limit::Chars(_) => 1,
            Limit::Bytes(_, TextEncoding::Utf8) => c.len_utf8(),
            Limit::Bytes(_, TextEncoding::Gbk) => {
                let mut buf = [0u8; 4];
                let (bytes, _, _) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
                bytes.len()
            }
        }
    }

    /// The size of `text` under this limit.
    pub fn measure(self, text: &str) -> usize {
        text.chars().map(|c| self.size(c)).sum()
    }
}

/// How good a place to cut after this character is: 0 best, `None` not a place.
fn break_level(c: char) -> Option<usize> {
    match c {
        '。' | '！' | '？' | '!' | '?' | '；' | ';' | '…' | '.' => Some(0),
        '，' | '、' | '：' | ',' | ':' | '）' | ')' | '”' | '」' | '—' => Some(1),
        c if c.is_whitespace() => Some(2),
        _ => None,
    }
}

/// Cuts `text` into pieces that each fit `limit`, at the best punctuation available; a
/// run without any is cut where it must. The pieces, joined, give back the text (less the
/// whitespace at the cuts).
pub fn split(text: &str, limit: Limit) -> Vec<&str> {
    let max = limit.max().max(1);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while limit.measure(rest) > max {
        let mut size = 0;
        let mut end = 0;
        let mut best: [Option<usize>; 3] = [None; 3];
        for (i, c) in rest.char_indices() {
            size += limit.size(c);
            if size > max {
                break;
            }
            end = i + c.len_utf8();
            if let Some(level) = break_level(c) {
                best[level] = Some(end);
            }
        }
        if end == 0 {
            // a single character larger than the limit: send it alone
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        // the strongest break in the second half of the window, else any break at all
        let cut = best
            .iter()
            .flatten()
            .copied()
            .find(|&b| b * 2 >= end)
            .or_else(|| best.iter().flatten().copied().max())
            .unwrap_or(end);
        let piece = rest[..cut].trim();
        if !piece.is_empty() {
            out.push(piece);
        }
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(pieces: &[&str]) -> String {
        pieces.concat().split_whitespace().collect()
    }

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split("你好。", Limit::Chars(10)), vec!["你好。"]);
    }

    #[test]
    fn long_text_is_cut_at_sentence_ends_first() {
        let text = "第一句话很短。第二句，有逗号，也不长。第三句。";
        let pieces = split(text, Limit::Chars(12));
        assert_eq!(
            pieces,
            vec!["第一句话很短。", "第二句，有逗号，也不长。", "第三句。"]
        );
    }

    #[test]
    fn every_piece_fits_and_nothing_is_lost() {
        let text = "长三角一体化发展，上海、江苏、浙江和安徽四地合作日益紧密；2020年的数据显示，区域经济总量超过二十万亿元。Hello world, this is a test of splitting.";
        for limit in [
            Limit::Chars(7),
            Limit::Bytes(20, TextEncoding::Utf8),
            Limit::Bytes(15, TextEncoding::Gbk),
        ] {
            let pieces = split(text, limit);
            assert!(pieces.iter().all(|p| limit.measure(p) <= 20), "{pieces:?}");
            assert!(
                pieces.iter().all(|p| limit.measure(p) <= limit.max()),
                "{limit:?} {pieces:?}"
            );
            assert_eq!(joined(&pieces), joined(&[text]), "{limit:?}");
        }
    }

    #[test]
    fn gbk_counts_two_bytes_per_hanzi() {
        assert_eq!(Limit::Bytes(0, TextEncoding::Gbk).measure("你好a"), 5);
        assert_eq!(Limit::Bytes(0, TextEncoding::Utf8).measure("你好a"), 7);
    }

    #[test]
    fn text_without_punctuation_is_cut_hard() {
        let pieces = split("一二三四五六七八九十", Limit::Chars(4));
        assert_eq!(pieces, vec!["一二三四", "五六七八", "九十"]);
    }
}
