//! Hostile and broken EPUB, PDF and zip files: a clear error that names the file and the
//! cause, never a panic, never a hang.

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::time::Duration;

use crate::bad_input::{no_panic, run_with_deadline};
use crate::{fixture, has_poppler, stderr};

const DEADLINE: Duration = Duration::from_secs(60);

/// `narrate plan FILE` fails without a panic, and its message names the file and says `cause`.
fn refused(dir: &Path, name: &str, cause: &str) {
    let out = run_with_deadline(dir, &["plan", name], DEADLINE);
    no_panic(&out);
    let err = stderr(&out);
    assert!(!out.status.success(), "{name} was accepted: {err}");
    assert!(err.contains(name), "{name} not named: {err}");
    assert!(err.contains(cause), "{name}: no «{cause}» in: {err}");
}

#[test]
fn an_encrypted_pdf_and_a_scan_are_refused_with_what_to_do() {
    if !has_poppler() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["encrypted.pdf", "scanned.pdf"] {
        std::fs::copy(fixture("pdf").join(name), dir.path().join(name)).unwrap();
    }
    refused(dir.path(), "encrypted.pdf", "encrypted with a password");
    refused(dir.path(), "scanned.pdf", "no text layer");
    refused(dir.path(), "scanned.pdf", "OCR");
}

#[test]
fn a_500_megabyte_pdf_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = std::fs::File::create(dir.path().join("huge.pdf")).unwrap();
    file.write_all(b"%PDF-1.7\n").unwrap();
    file.set_len(500 << 20).unwrap(); // sparse: no disk is used
    refused(dir.path(), "huge.pdf", "--max-input-mb");
}

/// The real ITIL manual EPUB (zipped one folder too deep), its entries and their bytes.
fn real_epub_entries() -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(fixture("documents/itil-epub/debian-edu-itil-manual.epub")).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|k| {
            let mut entry = zip.by_index(k).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn zipped(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, data) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[test]
fn a_drm_epub_a_cut_epub_and_a_stray_zip_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = real_epub_entries();
    let chapter = entries
        .iter()
        .find(|(n, _)| n.ends_with("ar01s02.html"))
        .map(|(n, _)| n.trim_start_matches("epub/").to_owned())
        .unwrap();
    entries.push((
        "epub/META-INF/encryption.xml".into(),
        format!(
            r#"<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><enc:CipherData><enc:CipherReference URI="{chapter}"/></enc:CipherData></enc:EncryptedData></encryption>"#
        )
        .into_bytes(),
    ));
    std::fs::write(dir.path().join("drm.epub"), zipped(&entries)).unwrap();
    refused(dir.path(), "drm.epub", "DRM");

    let whole = std::fs::read(fixture("documents/itil-epub/debian-edu-itil-manual.epub")).unwrap();
    std::fs::write(dir.path().join("cut.epub"), &whole[..whole.len() / 2]).unwrap();
    refused(dir.path(), "cut.epub", "zip");

    let stray = zipped(&[("notes.txt".into(), "你好。".as_bytes().to_vec())]);
    std::fs::write(dir.path().join("notes.zip"), stray).unwrap();
    refused(dir.path(), "notes.zip", "neither an EPUB nor a DOCX");
}

#[test]
fn a_chapter_of_broken_markup_is_read_as_browsers_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = real_epub_entries();
    let (_, chapter) = entries
        .iter_mut()
        .find(|(n, _)| n.ends_with("ar01s02.html"))
        .unwrap();
    // cut in the middle of a tag, unclosed elements, a stray entity
    let text = String::from_utf8(chapter.clone()).unwrap();
    let cut = text.char_indices().nth(text.chars().count() / 2).unwrap().0;
    *chapter = format!("{}<p>未闭合的段落 &bogus; <b><i>加粗", &text[..cut]).into_bytes();
    std::fs::write(dir.path().join("broken.epub"), zipped(&entries)).unwrap();
    let out = run_with_deadline(dir.path(), &["plan", "broken.epub"], DEADLINE);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(crate::stdout(&out).contains("未闭合的段落"));
}
