//! QR code PNGs: drawing the `otpauth://` URI of a new TOTP, and reading one back.
//!
//! Drawn with `qrcode` (module matrix) and `png` (encoder) rather than an image library: a
//! 1-bit greyscale PNG needs nothing more, and the `image` crate would add about a minute to
//! every cold build of a test suite that depends on the emulator. Decoding uses `rqrr`, the
//! same detector a phone's camera app would need, so tests and the CLI check what was drawn.

use qrcode::{Color, EcLevel, QrCode};

/// Pixels per QR module: 8, as Stytch's and most authenticator apps' samples.
const MODULE_PIXELS: usize = 8;
/// Light modules around the code, as the QR standard asks (4).
const QUIET_ZONE_MODULES: usize = 4;

/// The PNG (1-bit greyscale, black on white, with a quiet zone) of a QR code of `text`, with
/// error correction level M; `None` only if `text` is too long for any QR code.
pub(crate) fn png(text: &str) -> Option<Vec<u8>> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE_MODULES) * MODULE_PIXELS;
    let row_bytes = side.div_ceil(8);
    // Bit 1 is white in 1-bit greyscale; start all white and clear the dark modules' bits.
    let mut pixels = vec![0xFFu8; row_bytes * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let x0 = (index % modules + QUIET_ZONE_MODULES) * MODULE_PIXELS;
        let y0 = (index / modules + QUIET_ZONE_MODULES) * MODULE_PIXELS;
        for y in y0..y0 + MODULE_PIXELS {
            for x in x0..x0 + MODULE_PIXELS {
                pixels[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    let side = u32::try_from(side).ok()?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(out)
}

/// The text of the (first) QR code in a PNG, as an authenticator app would read it: for a
/// TOTP's `qr_code` (base64-decoded after the `data:image/png;base64, ` prefix), its
/// `otpauth://totp/...` URI. Takes any PNG colour type and bit depth.
pub fn decode_png(png: &[u8]) -> Result<String, QrDecodeError> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    // Whatever the PNG's format, get 8-bit samples (grey, grey+alpha, RGB or RGBA).
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| QrDecodeError::NotPng(e.to_string()))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| QrDecodeError::NotPng("image too large".into()))?;
    let mut buffer = vec![0; size];
    let info = reader
        .next_frame(&mut buffer)
        .map_err(|e| QrDecodeError::NotPng(e.to_string()))?;
    let channels = info.color_type.samples();
    let (width, height, line) = (info.width as usize, info.height as usize, info.line_size);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        // The first sample is grey, or red for colour images: enough for black on white.
        buffer[y * line + x * channels]
    });
    let grid = prepared
        .detect_grids()
        .into_iter()
        .next()
        .ok_or(QrDecodeError::NoQrCode)?;
    let (_, content) = grid
        .decode()
        .map_err(|e| QrDecodeError::Undecodable(e.to_string()))?;
    Ok(content)
}

/// Why [`decode_png`] found no text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrDecodeError {
    /// The bytes are not a PNG the decoder can read.
    NotPng(String),
    /// The image holds no QR code.
    NoQrCode,
    /// A QR code was found but its data does not decode.
    Undecodable(String),
}

impl std::fmt::Display for QrDecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotPng(why) => write!(f, "not a readable PNG: {why}"),
            Self::NoQrCode => f.write_str("no QR code found in the PNG"),
            Self::Undecodable(why) => write!(f, "the QR code does not decode: {why}"),
        }
    }
}

impl std::error::Error for QrDecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_png_decodes_to_the_same_text() {
        let uri = "otpauth://totp/Stytch%20TOTP%20Emulator:jane%40example.com?secret=BTGNX5RKJRMQWQFRQKTG34JCF6XDRHZS&issuer=Stytch%20TOTP%20Emulator";
        let png = png(uri).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(decode_png(&png).unwrap(), uri);
    }

    #[test]
    fn quiet_zone_is_white_and_code_is_square() {
        let png = png("otpauth://totp/a:b?secret=ABCDEFGH").unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&png[..]))
            .read_info()
            .unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width as usize % MODULE_PIXELS, 0);
        let row_bytes = (info.width as usize).div_ceil(8);
        let quiet_rows = QUIET_ZONE_MODULES * MODULE_PIXELS;
        // The top quiet zone is all white; the first code row starts with a dark finder pattern.
        assert!(buffer[..quiet_rows * row_bytes].iter().all(|b| *b == 0xFF));
        let first_code_row = &buffer[quiet_rows * row_bytes..][..row_bytes];
        assert_eq!(first_code_row[quiet_rows / 8], 0x00);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert!(matches!(
            decode_png(b"not a png"),
            Err(QrDecodeError::NotPng(_))
        ));
        let blank = {
            let mut out = Vec::new();
            let mut encoder = png::Encoder::new(&mut out, 64, 64);
            encoder.set_color(png::ColorType::Grayscale);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&[255; 64 * 64]).unwrap();
            writer.finish().unwrap();
            out
        };
        assert_eq!(decode_png(&blank), Err(QrDecodeError::NoQrCode));
    }
}
