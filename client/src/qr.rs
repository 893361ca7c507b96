//! A bundle as one QR code (feature `qr`): the bundle's bytes in a PNG image, and back.
//!
//! The encoder (`qrcode`) splits the bytes into the most compact segments (byte mode, with numeric
//! or alphanumeric runs where they are shorter); any conforming reader returns the same bytes.
//! Measured on the test fixture (6 certificates, 3 cosignatures): a 696-byte bundle without records
//! is a version 21 symbol at level M (15 % of the symbol may be lost, 101 × 101 modules) and version
//! 18 at level L. The CLI reports the version it produced.

use image::{ImageFormat, Luma};
use qrcode::{EcLevel, QrCode};

/// Pixels per QR module in the PNG: about 0.5 mm per module when printed at 300 dpi.
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
/// and returns its bytes.
///
/// # Errors
/// [`QrError::Image`], [`QrError::NotFound`] or [`QrError::Decode`].
pub fn decode_png(png: &[u8]) -> Result<Vec<u8>, QrError> {
    let image = image::load_from_memory_with_format(png, ImageFormat::Png)
        .map_err(|e| QrError::Image(e.to_string()))?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    let grid = grids.first().ok_or(QrError::NotFound)?;
    let mut bytes = Vec::new();
    grid.decode_to(&mut bytes)
        .map_err(|e| QrError::Decode(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
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
    }
}
