//! What a file is, read from its content alone: the types an issue or a forum may carry
//! (PDF, OFD, JPEG, PNG, DOCX, XLSX). The name a file was sent with and the type its sender
//! declared are never believed: an `.exe` renamed `.pdf` is still a program.
//!
//! PDF, JPEG and PNG open with their own signatures. DOCX, XLSX and OFD (GB/T 33190, the
//! national format of official electronic documents) are ZIP packages, told apart by the
//! parts their central directory names: `word/document.xml`, `xl/workbook.xml`, `OFD.xml`.

use std::io::Cursor;

/// A type of file the service keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Ofd,
    Jpeg,
    Png,
    Docx,
    Xlsx,
}

impl FileType {
    pub const ALL: [FileType; 6] = [
        FileType::Pdf,
        FileType::Ofd,
        FileType::Jpeg,
        FileType::Png,
        FileType::Docx,
        FileType::Xlsx,
    ];

    /// The media type a download is sent with.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Ofd => "application/ofd",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The type a stored media type names.
    pub fn from_media_type(media: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.media_type() == media)
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Ofd => "OFD",
            FileType::Jpeg => "JPEG",
            FileType::Png => "PNG",
            FileType::Docx => "DOCX",
            FileType::Xlsx => "XLSX",
        }
    }

    /// Whether a page may show it as a picture.
    pub fn is_image(self) -> bool {
        matches!(self, FileType::Jpeg | FileType::Png)
    }
}

/// A file's size as people read it: 812 B, 35.2 KB, 4.7 MB, 10 MB.
pub fn size_words(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    let (n, unit) = if b < KB {
        return format!("{bytes} B");
    } else if b < KB * KB {
        (b / KB, "KB")
    } else {
        (b / KB / KB, "MB")
    };
    let n = format!("{n:.1}");
    format!("{} {unit}", n.strip_suffix(".0").unwrap_or(&n))
}

/// The type of a file, from its bytes; None for any other content.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileType::Png);
    }
    if bytes.starts_with(b"\xff\xd8\xff") {
        return Some(FileType::Jpeg);
    }
    // A PDF's header may follow a little leading matter (readers look in the first 1,024
    // bytes), but a file that is something else first is not a PDF.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") && !starts_as_program(bytes) {
        return Some(FileType::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return package(bytes);
    }
    None
}

/// Windows and Linux programs and scripts: never a PDF, whatever else they hold.
fn starts_as_program(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MZ") || bytes.starts_with(b"\x7fELF") || bytes.starts_with(b"#!")
}

/// The kind of ZIP package, by the parts its central directory names.
fn package(bytes: &[u8]) -> Option<FileType> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("OFD.xml") {
        return Some(FileType::Ofd);
    }
    if has("[Content_Types].xml") {
        if has("word/document.xml") {
            return Some(FileType::Docx);
        }
        if has("xl/workbook.xml") {
            return Some(FileType::Xlsx);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            for n in names {
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored);
                if w.start_file(*n, options).is_err() || w.write_all(b"<x/>").is_err() {
                    return Vec::new();
                }
            }
            if w.finish().is_err() {
                return Vec::new();
            }
        }
        out.into_inner()
    }

    #[test]
    fn a_file_is_what_its_content_says() {
        let docx = zip_of(&["[Content_Types].xml", "word/document.xml"]);
        let xlsx = zip_of(&["[Content_Types].xml", "xl/workbook.xml"]);
        let ofd = zip_of(&["OFD.xml", "Doc_0/Document.xml"]);
        let other_zip = zip_of(&["readme.txt"]);
        let cases: Vec<(&str, Vec<u8>, Option<FileType>)> = vec![
            (
                "pdf",
                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj".to_vec(),
                Some(FileType::Pdf),
            ),
            (
                "pdf after leading matter",
                b"\n\n%PDF-1.4\n".to_vec(),
                Some(FileType::Pdf),
            ),
            (
                "png",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
                Some(FileType::Png),
            ),
            (
                "jpeg",
                b"\xff\xd8\xff\xe0\0\x10JFIF".to_vec(),
                Some(FileType::Jpeg),
            ),
            ("docx", docx, Some(FileType::Docx)),
            ("xlsx", xlsx, Some(FileType::Xlsx)),
            ("ofd", ofd, Some(FileType::Ofd)),
            ("another zip", other_zip, None),
            ("a broken zip", b"PK\x03\x04garbage".to_vec(), None),
            (
                "an exe named .pdf",
                b"MZ\x90\0\x03\0\0\0%PDF-1.4".to_vec(),
                None,
            ),
            ("an elf", b"\x7fELF\x02\x01\x01".to_vec(), None),
            ("a script", b"#!/bin/sh\n%PDF-".to_vec(), None),
            ("html", b"<html><script>alert(1)</script>".to_vec(), None),
            ("text", "答复函".as_bytes().to_vec(), None),
            ("empty", Vec::new(), None),
            ("a gif", b"GIF89a".to_vec(), None),
        ];
        for (what, bytes, want) in cases {
            assert_eq!(sniff(&bytes), want, "{what}");
        }
    }

    #[test]
    fn a_stored_media_type_names_its_type() {
        for t in FileType::ALL {
            assert_eq!(FileType::from_media_type(t.media_type()), Some(t));
        }
        assert_eq!(FileType::from_media_type("text/html"), None);
    }
}
