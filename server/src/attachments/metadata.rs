//! Removing what an image says about where and by whom it was taken (EXIF: GPS
//! position, camera, time; XMP; IPTC; comments) before it is served, without decoding
//! and encoding it again: the pixels a user sent are the pixels others get.
//!
//! The one tag kept is the EXIF orientation, written back alone, because without it a
//! phone's portrait photo shows on its side.

use axum::body::Bytes;
use image::metadata::Orientation;
use img_parts::ImageEXIF as _;
use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{CHUNK_VP8X, WebP};

/// JPEG segments kept: JFIF (APP0), ICC colour profiles (APP2), Adobe's colour
/// transform (APP14) and everything that is not an application segment or a comment.
fn keeps_jpeg_segment(marker: u8, contents: &[u8]) -> bool {
    match marker {
        markers::APP0 | markers::APP14 => true,
        // APP2 also holds MPF, the index of further images (depth maps, previews)
        // appended to the file; those go (below), so their index goes too.
        markers::APP2 => contents.starts_with(b"ICC_PROFILE\0"),
        markers::APP1..=markers::APP15 | markers::COM => false,
        _ => true,
    }
}

/// PNG chunks that carry metadata: EXIF, text (XMP lives in iTXt), the modification time.
const PNG_METADATA_CHUNKS: [[u8; 4]; 5] = [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"];

/// WebP chunks that carry metadata.
const WEBP_METADATA_CHUNKS: [[u8; 4]; 2] = [*b"EXIF", *b"XMP "];

/// The bit of the extended WebP header (`VP8X`) that says an XMP chunk follows.
const WEBP_XMP_FLAG: u8 = 0b0000_0100;

/// The image (`mime` one of the image types) without its metadata, and its EXIF
/// orientation. GIF carries none of these, and is returned as it is.
///
/// # Errors
///
/// The container is malformed.
pub fn strip(bytes: Bytes, mime: &str) -> Result<(Bytes, Orientation), img_parts::Error> {
    match mime {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => {
            let mut png = Png::from_bytes(bytes)?;
            let orientation = orientation_of(png.exif());
            for kind in PNG_METADATA_CHUNKS {
                png.remove_chunks_by_type(kind);
            }
            png.set_exif(orientation_exif(orientation));
            Ok((png.encoder().bytes(), orientation))
        }
        "image/webp" => {
            let mut webp = WebP::from_bytes(bytes)?;
            let orientation = orientation_of(webp.exif());
            for id in WEBP_METADATA_CHUNKS {
                webp.remove_chunks_by_id(id);
            }
            webp.set_exif(orientation_exif(orientation));
            clear_webp_xmp_flag(&mut webp);
            Ok((webp.encoder().bytes(), orientation))
        }
        _ => Ok((bytes, Orientation::NoTransforms)),
    }
}

fn strip_jpeg(bytes: Bytes) -> Result<(Bytes, Orientation), img_parts::Error> {
    let mut jpeg = Jpeg::from_bytes(bytes)?;
    let orientation = orientation_of(jpeg.exif());
    jpeg.segments_mut()
        .retain(|segment| keeps_jpeg_segment(segment.marker(), segment.contents()));
    jpeg.set_exif(orientation_exif(orientation));
    // Where the compressed image data starts: after the start-of-image marker and every
    // segment up to the first scan's header.
    let mut data_start = 2;
    for segment in jpeg.segments() {
        data_start += segment.len();
        if segment.marker() == markers::SOS {
            break;
        }
    }
    let encoded = jpeg.encoder().bytes();
    // The image ends at the first end-of-image marker (0xFF 0xD9 never occurs inside
    // compressed data); whatever follows is further images of a multi-picture file,
    // each with EXIF of its own.
    let end = encoded
        .get(data_start..)
        .and_then(|data| {
            data.windows(2)
                .position(|pair| pair == [0xFF, markers::EOI])
        })
        .map_or(encoded.len(), |at| data_start + at + 2);
    Ok((encoded.slice(..end), orientation))
}

/// img-parts brings the extended header's EXIF flag up to date but leaves its XMP flag
/// set after the XMP chunk is gone, and decoders then refuse the file for a missing
/// chunk: clear it (no XMP is ever kept).
fn clear_webp_xmp_flag(webp: &mut WebP) {
    let header = webp
        .chunks_mut()
        .iter_mut()
        .find(|chunk| chunk.id() == CHUNK_VP8X)
        .map(RiffChunk::content_mut);
    if let Some(RiffContent::Data(header)) = header
        && header
            .first()
            .is_some_and(|flags| flags & WEBP_XMP_FLAG != 0)
    {
        let mut cleared = header.to_vec();
        cleared[0] &= !WEBP_XMP_FLAG;
        *header = Bytes::from(cleared);
    }
}

fn orientation_of(exif: Option<Bytes>) -> Orientation {
    exif.and_then(|exif| Orientation::from_exif_chunk(&exif))
        .unwrap_or(Orientation::NoTransforms)
}

/// An EXIF block holding the orientation alone (TIFF, big-endian, one IFD of one
/// entry); `None` when the image needs no turning.
fn orientation_exif(orientation: Orientation) -> Option<Bytes> {
    if orientation == Orientation::NoTransforms {
        return None;
    }
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a"); // big-endian TIFF
    tiff.extend_from_slice(&8u32.to_be_bytes()); // the IFD follows the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&u16::from(orientation.to_exif()).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // the value's padding to four bytes
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no further IFD
    Some(Bytes::from(tiff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_orientation_block_reads_back_as_the_same_orientation() {
        for orientation in [
            Orientation::Rotate90,
            Orientation::Rotate180,
            Orientation::FlipHorizontal,
        ] {
            let exif = orientation_exif(orientation).expect("a block");
            assert_eq!(Orientation::from_exif_chunk(&exif), Some(orientation));
        }
        assert_eq!(orientation_exif(Orientation::NoTransforms), None);
    }
}
