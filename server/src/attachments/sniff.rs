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
/// type its request declared (`Content-Type`, parameters allowed). Only the image types
/// chat shows are ever served as what they are, so only they can be contradicted:
/// everything else (HEIC, SVG, PDF, whatever it claims) is a download.
///
/// # Errors
///
/// A message for the client when the declared type contradicts the bytes: one of the
/// image types that the bytes are not, or bytes that are one of them declared as
/// something else specific.
pub fn classify(head: &[u8], declared: &str) -> Result<Classified, String> {
    let declared = normalise(declared);
    let image = infer::get(head)
        .map(|kind| kind.mime_type())
        .and_then(|mime| IMAGE_MIME_TYPES.iter().copied().find(|m| *m == mime));
    let claims_image = IMAGE_MIME_TYPES.contains(&declared.as_str());
    match image {
        Some(actual) if actual == declared || GENERIC_TYPES.contains(&declared.as_str()) => {
            Ok(Classified::Image(actual))
        }
        Some(actual) => Err(format!("the file is {actual}, not {declared} as declared")),
        None if claims_image => Err(format!(
            "the file is not {declared} as declared; upload other files as \
             application/octet-stream"
        )),
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
        assert!(refused(PNG, "application/pdf").contains("image/png, not application/pdf"));
    }

    #[test]
    fn images_chat_does_not_show_are_files_whatever_they_claim() {
        // HEIC (a phone's photo) and SVG (a script host) are served as downloads.
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert_eq!(classify(heic, "image/heic"), Ok(Classified::File));
        assert_eq!(
            classify(b"<svg xmlns=", "image/svg+xml"),
            Ok(Classified::File)
        );
    }
}
