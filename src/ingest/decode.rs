//! Bytes → text: BOM-marked UTF-8/UTF-16, plain UTF-8, then GB18030/GBK by detection.
//!
//! The order is: a byte-order mark decides outright; otherwise NUL and other control bytes
//! mark the input as binary and it is refused (a rare NUL in UTF-8 text is dropped); otherwise valid UTF-8 is taken as UTF-8;
//! otherwise chardetng guesses a legacy encoding (GBK/GB18030 for Chinese), which must
//! decode without a single error. Line ends are normalized to `\n` in every case.

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

/// Decoded text and the encoding it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// encoding_rs name, e.g. "UTF-8", "UTF-16LE", "gb18030".
    pub encoding: &'static str,
}

/// Why bytes could not be taken as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A NUL or another control byte that text files do not contain (images, archives, PDFs).
    #[error(
        "not a text file: byte {byte:#04x} at offset {offset} is binary data (is it an image, a PDF or an archive? convert it to plain text first)"
    )]
    Binary { offset: usize, byte: u8 },
    /// Neither UTF-8 nor a detected legacy encoding decodes the bytes cleanly.
    #[error(
        "not a text file in a known encoding: invalid UTF-8 at byte offset {offset}, and {tried} does not fit either"
    )]
    Undecodable { offset: usize, tried: &'static str },
}

/// Control bytes allowed in text: tab, line feed, form feed (pdftotext page breaks),
/// carriage return and escape.
fn is_text_control(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1b)
}

/// Decodes one file's bytes. Empty input is empty text.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        // With a BOM the encoding is certain; malformed sequences (lone surrogates in
        // UTF-16, bad bytes in UTF-8) become U+FFFD rather than failing the whole file.
        let (text, _had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(Decoded {
            text: normalize_newlines(&text),
            encoding: encoding.name(),
        });
    }
    let stray = |b: &u8| (*b < 0x20 && !is_text_control(*b)) || *b == 0x7f;
    let strays = bytes.iter().filter(|b| stray(b)).count();
    let kept: Vec<u8>;
    let without_strays = if strays > 0 {
        kept = bytes.iter().copied().filter(|b| !stray(b)).collect();
        &kept[..]
    } else {
        bytes
    };
    // control bytes beyond one in a hundred are a binary file's, and so is a NUL unless it
    // is a rare one in otherwise valid UTF-8; a few stray ones in text are dropped
    // (pdftotext writes DEL for a glyph it cannot map, MuPDF a NUL)
    let nuls = bytes.iter().filter(|b| **b == 0).count();
    let binary = strays * 100 > bytes.len()
        || (nuls > 0
            && (nuls * 10_000 > bytes.len() || std::str::from_utf8(without_strays).is_err()));
    if let Some(offset) = bytes.iter().position(stray)
        && binary
    {
        return Err(DecodeError::Binary {
            offset,
            byte: bytes[offset],
        });
    }
    let bytes = without_strays;
    let invalid_at = match std::str::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Decoded {
                text: normalize_newlines(text),
                encoding: UTF_8.name(),
            });
        }
        Err(e) => e.valid_up_to(),
    };
    if mostly_utf8(bytes) {
        // a UTF-8 file with pasted-in GB18030 (or plain damage): keep every valid UTF-8
        // character, read the rest as GB18030, and mark what fits neither as U+FFFD
        return Ok(Decoded {
            text: normalize_newlines(&decode_mixed(bytes)),
            encoding: MIXED,
        });
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // GBK is decoded as its superset GB18030, so four-byte sequences are not lost.
    let encoding = if guess == GBK { GB18030 } else { guess };
    for candidate in [encoding, GB18030] {
        if let Some(text) = candidate.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok(Decoded {
                text: normalize_newlines(&text),
                encoding: candidate.name(),
            });
        }
    }
    Err(DecodeError::Undecodable {
        offset: invalid_at,
        tried: encoding.name(),
    })
}

/// The `encoding` of text that was UTF-8 with stretches of GB18030.
pub const MIXED: &str = "UTF-8 mixed with GB18030";

/// Whether at least half of the non-ASCII bytes belong to valid three-byte UTF-8
/// characters (where all CJK characters live). GB18030 text forms those only by accident,
/// a few percent of its bytes; two-byte UTF-8 is not counted, as GB18030 forms it often.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let non_ascii = bytes.iter().filter(|b| !b.is_ascii()).count();
    let mut in_utf8 = 0;
    let mut i = 0;
    while i < bytes.len() {
        if (0xe0..=0xef).contains(&bytes[i])
            && bytes.len() >= i + 3
            && std::str::from_utf8(&bytes[i..i + 3]).is_ok()
        {
            in_utf8 += 3;
            i += 3;
        } else {
            i += 1;
        }
    }
    non_ascii > 0 && in_utf8 * 2 >= non_ascii
}

/// Valid UTF-8 runs as they are; each invalid stretch decoded as GB18030 on its own.
fn decode_mixed(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                // the invalid stretch runs to where UTF-8 resumes for real: two three-byte
                // characters in a row, or valid UTF-8 to the end
                let end = (1..after.len())
                    .find(|&i| {
                        let tail = &after[i..];
                        (0xe0..=0xef).contains(&tail[0])
                            && (std::str::from_utf8(&tail[..tail.len().min(6)]).is_ok()
                                && (tail.len() >= 6 || std::str::from_utf8(tail).is_ok()))
                    })
                    .unwrap_or(after.len());
                let (stretch, _) = GB18030.decode_without_bom_handling(&after[..end]);
                out.push_str(&stretch);
                rest = &after[end..];
            }
        }
    }
    out
}

/// CRLF and lone CR become LF.
fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../tests/fixtures/seed-newspaper-pdf.txt");

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xfe, 0xff]
        } else {
            vec![0xff, 0xfe]
        };
        for unit in text.encode_utf16() {
            let bytes = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend_from_slice(&bytes);
        }
        out
    }

    #[test]
    fn utf8_with_a_pasted_gb18030_sentence_reads_both() {
        let mut bytes = "你好，世界。".as_bytes().to_vec();
        let (gb, _, _) = GB18030.encode("再见，朋友。");
        bytes.extend_from_slice(&gb);
        bytes.extend_from_slice("明天见。\n".as_bytes());
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "你好，世界。再见，朋友。明天见。\n");
        assert_eq!(d.encoding, MIXED);
    }

    #[test]
    fn plain_gb18030_is_not_taken_for_mixed() {
        let (gb, _, _) = GB18030.encode(SEED);
        assert!(!mostly_utf8(&gb));
    }

    #[test]
    fn plain_utf8_is_taken_as_is() {
        let d = decode("长三角一体化\n".as_bytes()).unwrap();
        assert_eq!(d.text, "长三角一体化\n");
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn utf8_bom_is_removed() {
        let mut bytes = vec![0xef, 0xbb, 0xbf];
        bytes.extend_from_slice("标题".as_bytes());
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "标题");
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn gb18030_copy_of_the_seed_decodes_to_the_same_text() {
        let (bytes, _, unmappable) = GB18030.encode(SEED);
        assert!(!unmappable);
        assert_ne!(
            &bytes[..],
            SEED.as_bytes(),
            "the copy must really be GB18030"
        );
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "gb18030");
        assert_eq!(d.text, SEED);
    }

    #[test]
    fn gbk_text_is_detected_and_decoded() {
        let text = "话说天下大势，分久必合，合久必分。周末七国分争，并入于秦。\r\n及秦灭之后，楚、汉分争，又并入于汉。";
        let (bytes, _, _) = GBK.encode(text);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, text.replace("\r\n", "\n"));
    }

    #[test]
    fn utf16_copies_of_the_seed_decode_to_the_same_text() {
        for big_endian in [false, true] {
            let d = decode(&utf16(SEED, big_endian)).unwrap();
            assert_eq!(d.text, SEED);
            assert_eq!(d.encoding, if big_endian { "UTF-16BE" } else { "UTF-16LE" });
        }
    }

    #[test]
    fn lone_surrogate_in_utf16_becomes_a_replacement_character() {
        let bytes = [0xff, 0xfe, 0x2d, 0x4e, 0x00, 0xd8, 0x87, 0x65];
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "中\u{fffd}文");
    }

    #[test]
    fn png_bytes_are_refused_as_binary_with_the_offset() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, b'I', b'H',
            b'D', b'R',
        ];
        let err = decode(&png).unwrap_err();
        assert_eq!(
            err,
            DecodeError::Binary {
                offset: 6,
                byte: 0x1a
            }
        );
        let message = err.to_string();
        assert!(message.starts_with("not a text file"), "{message}");
        assert!(message.contains("offset 6"), "{message}");
    }

    /// `pdftotext` of ctex-faq.pdf writes DEL (0x7f) for a glyph it cannot map, six in
    /// 97 kB: dropped, the text read; a file of many control bytes is still binary.
    #[test]
    fn a_few_stray_control_bytes_in_text_are_dropped() {
        let body = "符号表示后面的内容需要比较深的 LATEX 知识。\n".repeat(5);
        let d = decode(format!("{body}\x7f\n{body}\x01").as_bytes()).unwrap();
        assert_eq!(d.text, format!("{body}\n{body}"));
        let noisy: Vec<u8> = (0..200u8)
            .map(|i| if i % 10 == 0 { 0x02 } else { b'a' })
            .collect();
        assert_eq!(
            decode(&noisy).unwrap_err(),
            DecodeError::Binary { offset: 0, byte: 2 }
        );
    }

    /// MuPDF's text of lshort-zh-cn.pdf has two NULs in 600 kB of UTF-8, where a glyph had no
    /// Unicode: they are dropped; NULs in a short file or in non-UTF-8 bytes are binary.
    #[test]
    fn a_rare_nul_in_utf8_text_is_dropped() {
        let body = "你可以使用\\input 命令来把一个输入文件插入到另一个中。\n".repeat(200);
        let d = decode(format!("{body}特别地, 你可\0以\n{body}").as_bytes()).unwrap();
        assert_eq!(d.text, format!("{body}特别地, 你可以\n{body}"));
        let mut gb = GB18030.encode(&body).0.into_owned();
        gb.insert(10, 0);
        assert!(matches!(
            decode(&gb),
            Err(DecodeError::Binary { byte: 0, .. })
        ));
    }

    #[test]
    fn nul_byte_is_refused() {
        let err = decode(b"abc\0def").unwrap_err();
        assert_eq!(err, DecodeError::Binary { offset: 3, byte: 0 });
    }

    #[test]
    fn empty_input_is_empty_text() {
        let d = decode(b"").unwrap();
        assert_eq!(d.text, "");
    }

    #[test]
    fn crlf_and_lone_cr_become_lf() {
        let d = decode(b"a\r\nb\rc\n").unwrap();
        assert_eq!(d.text, "a\nb\nc\n");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap stand-in for fuzzing: every byte value in a few positions.
        for b in 0..=255u8 {
            for bytes in [
                vec![b],
                vec![0xe4, b],
                vec![b, 0x81, 0x30],
                vec![0xff, 0xfe, b],
            ] {
                let _ = decode(&bytes);
            }
        }
    }
}
