//! Decoding an uploaded image under limits, and its two thumbnails: what a chat
//! bubble shows (small) and what a viewer shows before the original arrives (medium).

use std::io::Cursor;

use chat_protocol::v1::{THUMBNAIL_MEDIUM_PX, THUMBNAIL_SMALL_PX, ThumbnailSize};
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{
    DynamicImage, GenericImageView as _, ImageDecoder as _, ImageFormat, ImageReader, Limits,
};

/// JPEG quality of the thumbnails: small files that still look like the photo.
const THUMBNAIL_QUALITY: u8 = 80;

/// Bytes per pixel a decoded image may take (16-bit RGBA), for the allocation limit.
const MAX_BYTES_PER_PIXEL: u64 = 8;

/// A decoded image's size as displayed, and its thumbnails.
#[derive(Debug)]
pub struct Thumbnailed {
    /// Width and height as displayed (the orientation applied).
    pub dimensions: (u32, u32),
    /// `image/jpeg`, or `image/png` when the image has transparency.
    pub mime: &'static str,
    /// At most [`THUMBNAIL_SMALL_PX`] on the long side.
    pub small: Thumbnail,
    /// At most [`THUMBNAIL_MEDIUM_PX`] on the long side.
    pub medium: Thumbnail,
}

/// One encoded thumbnail.
#[derive(Debug)]
pub struct Thumbnail {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// Its size in pixels.
    pub size: ThumbnailSize,
}

/// Why an image cannot be taken.
#[derive(Debug, thiserror::Error)]
pub enum ImageRefusal {
    /// More pixels than `--max-image-pixels`: refused before decoding.
    #[error("the image has {pixels} pixels; at most {max} are accepted")]
    TooManyPixels {
        /// Width × height as the file declares it.
        pixels: u64,
        /// The limit.
        max: u64,
    },
    /// The bytes begin like an image but do not decode as one.
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
}

/// Decodes `bytes` (of `mime`, one of the image types) unless it declares more than
/// `max_pixels`, turns it as its EXIF `orientation` says, and makes its thumbnails.
/// CPU-bound: run it on a blocking thread.
///
/// # Errors
///
/// [`ImageRefusal`].
pub fn thumbnails(
    bytes: &[u8],
    mime: &str,
    orientation: Orientation,
    max_pixels: u64,
) -> Result<Thumbnailed, ImageRefusal> {
    let undecodable = |e: image::ImageError| ImageRefusal::Undecodable(e.to_string());
    let format = ImageFormat::from_mime_type(mime)
        .ok_or_else(|| ImageRefusal::Undecodable(format!("{mime} is not an image type")))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(MAX_BYTES_PER_PIXEL));
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(ImageRefusal::TooManyPixels {
            pixels,
            max: max_pixels,
        });
    }
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    image.apply_orientation(orientation);
    let transparent = image.color().has_alpha();
    let encode = |long_side| encode(&fit(&image, long_side), transparent).map_err(undecodable);
    Ok(Thumbnailed {
        dimensions: image.dimensions(),
        mime: if transparent {
            "image/png"
        } else {
            "image/jpeg"
        },
        small: encode(THUMBNAIL_SMALL_PX)?,
        medium: encode(THUMBNAIL_MEDIUM_PX)?,
    })
}

/// The image scaled down to at most `long_side` pixels on its long side (never up).
fn fit(image: &DynamicImage, long_side: u32) -> DynamicImage {
    let (width, height) = image.dimensions();
    if width.max(height) <= long_side {
        image.clone()
    } else {
        image.thumbnail(long_side, long_side)
    }
}

fn encode(image: &DynamicImage, transparent: bool) -> image::ImageResult<Thumbnail> {
    let mut bytes = Vec::new();
    if transparent {
        image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)?;
    } else {
        let encoder = JpegEncoder::new_with_quality(&mut bytes, THUMBNAIL_QUALITY);
        image.to_rgb8().write_with_encoder(encoder)?;
    }
    let (width, height) = image.dimensions();
    Ok(Thumbnail {
        bytes,
        size: ThumbnailSize { width, height },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(width, height);
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .expect("encode");
        bytes
    }

    #[test]
    fn thumbnails_keep_the_aspect_ratio_and_never_grow() {
        let made = thumbnails(
            &png(2000, 1000),
            "image/png",
            Orientation::NoTransforms,
            10_000_000,
        )
        .expect("thumbnails");
        assert_eq!(made.dimensions, (2000, 1000));
        assert_eq!(made.mime, "image/jpeg");
        assert_eq!(
            made.small.size,
            ThumbnailSize {
                width: 320,
                height: 160
            }
        );
        assert_eq!(
            made.medium.size,
            ThumbnailSize {
                width: 1280,
                height: 640
            }
        );
        let small = thumbnails(
            &png(100, 50),
            "image/png",
            Orientation::Rotate90,
            10_000_000,
        )
        .expect("thumbnails");
        // Turned as displayed, and not enlarged.
        assert_eq!(small.dimensions, (50, 100));
        assert_eq!(
            small.medium.size,
            ThumbnailSize {
                width: 50,
                height: 100
            }
        );
    }

    #[test]
    fn an_image_of_too_many_pixels_is_refused_before_it_is_decoded() {
        let refused = thumbnails(
            &png(1000, 1000),
            "image/png",
            Orientation::NoTransforms,
            999_999,
        )
        .unwrap_err();
        assert!(matches!(
            refused,
            ImageRefusal::TooManyPixels {
                pixels: 1_000_000,
                max: 999_999
            }
        ));
        let broken = thumbnails(
            b"\x89PNG\r\n\x1a\nnot really",
            "image/png",
            Orientation::NoTransforms,
            100,
        )
        .unwrap_err();
        assert!(matches!(broken, ImageRefusal::Undecodable(_)));
    }
}
