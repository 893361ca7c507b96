//! A bundle as one QR code: the bundle's bytes in a PNG image (feature `qr`), and back from a PNG
//! (`qr`) or from grey pixels (`qr-decode`: what the WebAssembly verifier reads a camera frame or a
//! photo with). Both readers are [`decode_grey`].
//!
//! The encoder (`qrcode`) splits the bytes into the most compact segments (byte mode, with numeric
//! or alphanumeric runs where they are shorter); any conforming reader returns the same bytes.
//! Measured on the test fixture (6 certificates, 3 cosignatures): a 696-byte bundle without records
//! is a version 21 symbol at level M (15 % of the symbol may be lost, 101 × 101 modules) and version
//! 18 at level L. The CLI reports the version it produced.

#[cfg(feature = "qr")]
use image::{ImageFormat, Luma};
#[cfg(feature = "qr")]
use qrcode::{EcLevel, QrCode};

/// Pixels per QR module in the PNG: about 0.5 mm per module when printed at 300 dpi.
#[cfg(feature = "qr")]
const MODULE_PIXELS: u32 = 6;

/// Why a QR code could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The data does not fit in a version 40 symbol at this level.
    #[error("{len} bytes do not fit in one QR code at level {level:?}")]
    TooLong {
        /// Bytes to encode.
        len: usize,
        /// The error correction level asked for.
        level: Level,
    },
    /// The PNG could not be written or read.
    #[error("PNG: {0}")]
    Image(String),
    /// No QR code was found in the image.
    #[error("no QR code found in the image")]
    NotFound,
    /// A QR code was found but could not be decoded.
    #[error("QR code unreadable: {0}")]
    Decode(String),
}

/// QR error correction level: the share of the symbol that may be damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// About 7 %: the smallest symbol.
    L,
    /// About 15 %: the default, for a printed certificate.
    #[default]
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

#[cfg(feature = "qr")]
impl Level {
    fn ec(self) -> EcLevel {
        match self {
            Level::L => EcLevel::L,
            Level::M => EcLevel::M,
            Level::Q => EcLevel::Q,
            Level::H => EcLevel::H,
        }
    }
}

/// What the encoder produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrInfo {
    /// The QR version, 1 to 40.
    pub version: i16,
    /// Modules per side, without the quiet zone.
    pub modules: usize,
    /// Width and height of the PNG in pixels.
    pub pixels: u32,
    /// The error correction level.
    pub level: Level,
}

/// The symbol for `data` at `level`, without rendering it.
#[cfg(feature = "qr")]
///
/// # Errors
/// [`QrError::TooLong`].
pub fn symbol_info(data: &[u8], level: Level) -> Result<QrInfo, QrError> {
    let code =
        QrCode::with_error_correction_level(data, level.ec()).map_err(|_| QrError::TooLong {
            len: data.len(),
            level,
        })?;
    Ok(info(&code, level, 0))
}

#[cfg(feature = "qr")]
fn info(code: &QrCode, level: Level, pixels: u32) -> QrInfo {
    let version = match code.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
    };
    QrInfo {
        version,
        modules: code.width(),
        pixels,
        level,
    }
}

/// Renders `data` as a QR code PNG (black on white, with the standard 4-module quiet zone).
#[cfg(feature = "qr")]
///
/// # Errors
/// [`QrError::TooLong`] or [`QrError::Image`].
pub fn encode_png(data: &[u8], level: Level) -> Result<(Vec<u8>, QrInfo), QrError> {
    let code =
        QrCode::with_error_correction_level(data, level.ec()).map_err(|_| QrError::TooLong {
            len: data.len(),
            level,
        })?;
    let image = code
        .render::<Luma<u8>>()
        .module_dimensions(MODULE_PIXELS, MODULE_PIXELS)
        .quiet_zone(true)
        .build();
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, ImageFormat::Png)
        .map_err(|e| QrError::Image(e.to_string()))?;
    Ok((png.into_inner(), info(&code, level, image.width())))
}

/// Reads the first QR code found in a PNG (or any image with a QR code on a light background)
/// and returns its bytes: the PNG's grey levels read by [`decode_grey`].
///
/// # Errors
/// [`QrError::Image`], [`QrError::NotFound`] or [`QrError::Decode`].
#[cfg(feature = "qr")]
pub fn decode_png(png: &[u8]) -> Result<Vec<u8>, QrError> {
    let image = image::load_from_memory_with_format(png, ImageFormat::Png)
        .map_err(|e| QrError::Image(e.to_string()))?
        .to_luma8();
    let (width, height) = (image.width() as usize, image.height() as usize);
    decode_grey(width, height, image.as_raw())
}

/// Reads the first QR code found in a `width` × `height` image of grey levels (one byte per
/// pixel, rows top to bottom) and returns its bytes. Any QR code in the picture, at any angle,
/// on a light background.
///
/// # Errors
/// [`QrError::Image`] when `grey` does not hold `width` × `height` pixels or the image is larger
/// than [`MAX_PIXELS`]; [`QrError::NotFound`] or [`QrError::Decode`].
pub fn decode_grey(width: usize, height: usize, grey: &[u8]) -> Result<Vec<u8>, QrError> {
    let pixels = width
        .checked_mul(height)
        .filter(|&n| n == grey.len() && n > 0)
        .ok_or_else(|| {
            QrError::Image(format!(
                "{} bytes of grey levels for a {width} x {height} image",
                grey.len()
            ))
        })?;
    if pixels > MAX_PIXELS {
        return Err(QrError::Image(format!(
            "a {width} x {height} image is larger than {MAX_PIXELS} pixels"
        )));
    }
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    let grids = prepared.detect_grids();
    let grid = grids.first().ok_or(QrError::NotFound)?;
    let mut bytes = Vec::new();
    grid.decode_to(&mut bytes)
        .map_err(|e| QrError::Decode(e.to_string()))?;
    Ok(bytes)
}

/// The largest image [`decode_grey`] reads: 40 million pixels (a 300 dpi scan of an A3 page is 17
/// million). The decoder's working memory is a few bytes per pixel; a larger image is refused
/// rather than risk exhausting a browser tab's memory.
pub const MAX_PIXELS: usize = 40_000_000;

#[cfg(all(test, feature = "qr"))]
mod tests {
    use super::*;

    #[test]
    fn binary_round_trip() {
        // Every byte value, including runs the encoder puts in numeric or alphanumeric mode.
        let mut data: Vec<u8> = (0..=255).collect();
        data.extend_from_slice(b"0123456789012345 ABCDEFGHIJ");
        for level in [Level::L, Level::M] {
            let (png, info) = encode_png(&data, level).unwrap();
            assert_eq!(&png[1..4], b"PNG");
            assert_eq!(info.modules as i16, 17 + 4 * info.version);
            assert_eq!(info.pixels, (info.modules as u32 + 8) * MODULE_PIXELS);
            assert_eq!(decode_png(&png).unwrap(), data);
        }
    }

    #[test]
    fn errors() {
        assert!(matches!(
            encode_png(&vec![0xA5; 3000], Level::M),
            Err(QrError::TooLong {
                len: 3000,
                level: Level::M
            })
        ));
        assert!(matches!(decode_png(b"not a png"), Err(QrError::Image(_))));
        let blank = image::GrayImage::from_pixel(100, 100, Luma([255]));
        let mut png = std::io::Cursor::new(Vec::new());
        blank.write_to(&mut png, ImageFormat::Png).unwrap();
        assert!(matches!(
            decode_png(&png.into_inner()),
            Err(QrError::NotFound)
        ));
        // Pixel counts that do not match the dimensions, and an empty image.
        assert!(matches!(
            decode_grey(10, 10, &[255; 99]),
            Err(QrError::Image(_))
        ));
        assert!(matches!(decode_grey(0, 0, &[]), Err(QrError::Image(_))));
        assert!(matches!(
            decode_grey(usize::MAX, 2, &[255; 4]),
            Err(QrError::Image(_))
        ));
        assert!(matches!(
            decode_grey(MAX_PIXELS + 1, 1, &vec![255; MAX_PIXELS + 1]),
            Err(QrError::Image(_))
        ));
    }
}
