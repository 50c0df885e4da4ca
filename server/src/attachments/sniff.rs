//! What an upload is, from its first bytes rather than from what the client declared:
//! a declared type is a claim, and serving bytes under a type they are not is how a
//! file becomes a script in someone's browser.

use chat_protocol::v1::{IMAGE_MIME_TYPES, OTHER_MIME_TYPE};

/// How many leading bytes [`classify`] needs to recognise every type it knows.
pub const SNIFF_BYTES: usize = 64;

/// Declared types that claim nothing about the bytes.
const GENERIC_TYPES: [&str; 3] = ["", "application/octet-stream", "binary/octet-stream"];

/// The upload's type, or why its declared type is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// One of the image types chat shows (and makes thumbnails of).
    Image(&'static str),
    /// Anything else: kept and served as `application/octet-stream`, for download.
    File,
}

impl Classified {
    /// The `mime` stored and served.
    pub fn mime(&self) -> &'static str {
        match self {
            Self::Image(mime) => mime,
            Self::File => OTHER_MIME_TYPE,
        }
    }
}

/// Classifies an upload from its first bytes (`head`, up to [`SNIFF_BYTES`]) and the
/// type its request declared (`Content-Type`, parameters allowed).
///
/// # Errors
///
/// A message for the client when the declared type contradicts the bytes: an image
/// type that the bytes are not, or bytes that are an image declared as something else
/// specific.
pub fn classify(head: &[u8], declared: &str) -> Result<Classified, String> {
    let declared = normalise(declared);
    let sniffed = infer::get(head).map(|kind| kind.mime_type());
    let image = sniffed.and_then(|mime| IMAGE_MIME_TYPES.iter().copied().find(|m| *m == mime));
    if declared.starts_with("image/") && image != Some(declared.as_str()) {
        return Err(match image {
            Some(actual) => format!("the file is {actual}, not {declared} as declared"),
            None => format!(
                "the file is not {declared} as declared; images must be JPEG, PNG, WebP or \
                 GIF (upload other files as application/octet-stream)"
            ),
        });
    }
    match image {
        Some(actual) if !GENERIC_TYPES.contains(&declared.as_str()) && declared != actual => {
            Err(format!("the file is {actual}, not {declared} as declared"))
        }
        Some(actual) => Ok(Classified::Image(actual)),
        None => Ok(Classified::File),
    }
}

/// A `Content-Type` without parameters, in lower case, with the aliases of JPEG folded.
fn normalise(declared: &str) -> String {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_owned(),
        _ => essence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
    const PDF: &[u8] = b"%PDF-1.7\n";

    #[test]
    fn images_are_recognised_by_their_bytes_whatever_generic_type_was_declared() {
        assert_eq!(
            classify(PNG, "image/png"),
            Ok(Classified::Image("image/png"))
        );
        assert_eq!(classify(PNG, ""), Ok(Classified::Image("image/png")));
        assert_eq!(
            classify(JPEG, "application/octet-stream"),
            Ok(Classified::Image("image/jpeg"))
        );
        assert_eq!(
            classify(JPEG, "IMAGE/JPG; q=1"),
            Ok(Classified::Image("image/jpeg"))
        );
    }

    #[test]
    fn other_files_are_downloads_whatever_they_claim_to_be() {
        assert_eq!(classify(PDF, "application/pdf"), Ok(Classified::File));
        assert_eq!(
            classify(b"<html><script>", "text/html"),
            Ok(Classified::File)
        );
        assert_eq!(Classified::File.mime(), "application/octet-stream");
    }

    #[test]
    fn a_declared_type_that_contradicts_the_bytes_is_refused() {
        let refused = |head: &[u8], declared: &str| classify(head, declared).unwrap_err();
        assert!(refused(PNG, "image/jpeg").contains("image/png, not image/jpeg"));
        assert!(refused(PDF, "image/png").contains("not image/png"));
        assert!(refused(b"<svg xmlns=", "image/svg+xml").contains("JPEG, PNG, WebP or GIF"));
        assert!(refused(PNG, "application/pdf").contains("image/png, not application/pdf"));
    }
}
