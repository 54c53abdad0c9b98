//! What a scan is before it is stored: its type read from its first bytes (never from its
//! name alone), checked against its extension, and for images decoded, turned upright (EXIF
//! orientation), downscaled to [`ScanLimits::max_edge`] and re-encoded as JPEG with a
//! thumbnail; PDFs are kept byte for byte up to their own limit. Pure computation: callers
//! run it off the desk's main thread.

use std::io::Cursor;

use ariza_core::catalog::DocumentFormat;
use image::{DynamicImage, ImageDecoder, ImageReader};

/// The sizes a scan may have and the sizes it is stored at.
#[derive(Debug, Clone, Copy)]
pub struct ScanLimits {
    /// An image file as it arrives (a 12-megapixel phone photo is 3–8 MB).
    pub max_image_bytes: usize,
    pub max_pdf_bytes: usize,
    /// Pixels an image may decode to: a guard against decompression bombs.
    pub max_pixels: u64,
    /// The longest side an image is stored at: an A4 page at 200 dpi is 2339 px.
    pub max_edge: u32,
    pub thumbnail_edge: u32,
    pub jpeg_quality: u8,
}

impl Default for ScanLimits {
    fn default() -> ScanLimits {
        ScanLimits {
            max_image_bytes: 30 * 1024 * 1024,
            max_pdf_bytes: 15 * 1024 * 1024,
            max_pixels: 80_000_000,
            max_edge: 2400,
            thumbnail_edge: 240,
            jpeg_quality: 85,
        }
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Webp,
    Tiff,
    Pdf,
}

impl Sniffed {
    pub fn of(bytes: &[u8]) -> Option<Sniffed> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Sniffed::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Sniffed::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Sniffed::Webp)
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Some(Sniffed::Tiff)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Sniffed::Pdf)
        } else {
            None
        }
    }

    /// The type a file name's extension claims; `None` for a name without one.
    pub fn claimed_by(file_name: &str) -> Option<Result<Sniffed, String>> {
        let (_, extension) = file_name.rsplit_once('.')?;
        let extension = extension.to_ascii_lowercase();
        Some(match extension.as_str() {
            "jpg" | "jpeg" | "jpe" | "jfif" => Ok(Sniffed::Jpeg),
            "png" => Ok(Sniffed::Png),
            "webp" => Ok(Sniffed::Webp),
            "tif" | "tiff" => Ok(Sniffed::Tiff),
            "pdf" => Ok(Sniffed::Pdf),
            _ => Err(extension),
        })
    }

    pub fn format(self) -> DocumentFormat {
        match self {
            Sniffed::Pdf => DocumentFormat::Pdf,
            _ => DocumentFormat::Image,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "JPEG",
            Sniffed::Png => "PNG",
            Sniffed::Webp => "WebP",
            Sniffed::Tiff => "TIFF",
            Sniffed::Pdf => "PDF",
        }
    }
}

/// Why a file is not stored. Nothing was stored for any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("the file is empty")]
    Empty,
    /// Neither its content nor its extension is a type a scan may be.
    #[error("not an image or a PDF")]
    Unsupported,
    /// The extension claims one type and the content is another (or none).
    #[error("the file's name says {claimed}, its content is {found}")]
    NotWhatItSays { claimed: String, found: String },
    #[error("the file is larger than {limit_mib} MiB")]
    TooLarge { limit_mib: usize },
    #[error("the image is larger than {limit_megapixels} megapixels")]
    TooManyPixels { limit_megapixels: u64 },
    #[error("the file is damaged and cannot be read")]
    Corrupt,
    /// The file could not be opened or read (moved, deleted, no permission).
    #[error("the file cannot be read")]
    Unreadable,
}

/// A scan as it is stored.
#[derive(Debug, Clone)]
pub struct NormalizedScan {
    pub format: DocumentFormat,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    /// A small JPEG for the form, the detail screen and the receipt view (images only).
    pub thumbnail: Option<Vec<u8>>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub original_size: usize,
}

/// Reads `bytes` as the scan `file_name` says it is, and makes what is stored of it.
pub fn normalize(
    bytes: &[u8],
    file_name: &str,
    limits: &ScanLimits,
) -> Result<NormalizedScan, ScanError> {
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    let found = Sniffed::of(bytes);
    match (Sniffed::claimed_by(file_name), found) {
        (Some(Err(_)), None) | (None, None) => return Err(ScanError::Unsupported),
        (Some(Ok(claimed)), found) if Some(claimed) != found => {
            return Err(ScanError::NotWhatItSays {
                claimed: claimed.name().into(),
                found: found.map_or("something else", Sniffed::name).into(),
            });
        }
        (Some(Err(extension)), Some(found)) => {
            return Err(ScanError::NotWhatItSays {
                claimed: format!(".{extension}"),
                found: found.name().into(),
            });
        }
        _ => {}
    }
    let Some(found) = found else {
        return Err(ScanError::Unsupported);
    };
    if found == Sniffed::Pdf {
        pdf(bytes, limits)
    } else {
        image(bytes, limits)
    }
}

fn pdf(bytes: &[u8], limits: &ScanLimits) -> Result<NormalizedScan, ScanError> {
    if bytes.len() > limits.max_pdf_bytes {
        return Err(ScanError::TooLarge {
            limit_mib: limits.max_pdf_bytes / (1024 * 1024),
        });
    }
    // A PDF ends with its trailer: one cut short (an interrupted scan or copy) is refused.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(ScanError::Corrupt);
    }
    Ok(NormalizedScan {
        format: DocumentFormat::Pdf,
        media_type: "application/pdf",
        bytes: bytes.to_vec(),
        thumbnail: None,
        width: None,
        height: None,
        original_size: bytes.len(),
    })
}

fn image(bytes: &[u8], limits: &ScanLimits) -> Result<NormalizedScan, ScanError> {
    if bytes.len() > limits.max_image_bytes {
        return Err(ScanError::TooLarge {
            limit_mib: limits.max_image_bytes / (1024 * 1024),
        });
    }
    // The JPEG decoder fills a picture cut short with grey rather than failing; an upload or
    // a copy that stopped half-way must not be stored as if it were the scan.
    if Sniffed::of(bytes) == Some(Sniffed::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(ScanError::Corrupt);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| ScanError::Corrupt)?;
    let mut decode_limits = image::Limits::default();
    decode_limits.max_alloc = Some(limits.max_pixels.saturating_mul(4));
    reader.limits(decode_limits);
    let mut decoder = reader.into_decoder().map_err(|_| ScanError::Corrupt)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(ScanError::TooManyPixels {
            limit_megapixels: limits.max_pixels / 1_000_000,
        });
    }
    let orientation = decoder.orientation().map_err(|_| ScanError::Corrupt)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => ScanError::TooManyPixels {
            limit_megapixels: limits.max_pixels / 1_000_000,
        },
        _ => ScanError::Corrupt,
    })?;
    picture.apply_orientation(orientation);
    if picture.width().max(picture.height()) > limits.max_edge {
        picture = picture.resize(
            limits.max_edge,
            limits.max_edge,
            image::imageops::FilterType::Triangle,
        );
    }
    // Grey scans stay grey (a third of the bytes); anything else becomes RGB, its alpha
    // dropped (JPEG has none; scans and photos have none that matters).
    let picture = if picture.color().has_color() {
        DynamicImage::ImageRgb8(picture.to_rgb8())
    } else {
        DynamicImage::ImageLuma8(picture.to_luma8())
    };
    let thumbnail = picture.thumbnail(limits.thumbnail_edge, limits.thumbnail_edge);
    Ok(NormalizedScan {
        format: DocumentFormat::Image,
        media_type: "image/jpeg",
        bytes: jpeg(&picture, limits.jpeg_quality)?,
        thumbnail: Some(jpeg(&thumbnail, 75)?),
        width: Some(picture.width()),
        height: Some(picture.height()),
        original_size: bytes.len(),
    })
}

/// Whether the main picture of a JPEG is followed by its end marker. The segments before
/// the picture (EXIF, which may hold a thumbnail with end markers of its own) are skipped by
/// their lengths; anything after the end marker (a phone's motion video) is allowed.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if marker == 0xDA {
            let picture = &bytes[(at + 2 + length).min(bytes.len())..];
            return picture.windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        at += 2 + length;
    }
    false
}

fn jpeg(picture: &DynamicImage, quality: u8) -> Result<Vec<u8>, ScanError> {
    let mut out = Vec::new();
    picture
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, quality,
        ))
        .map_err(|_| ScanError::Corrupt)?;
    Ok(out)
}
