//! Showing a TOTP's QR code: decode Stytch's PNG, draw the same content in the terminal with
//! Unicode half blocks, and save the PNG for a phone to scan from the screen.

use std::path::{Path, PathBuf};

use base64::Engine;
use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;

/// The PNG bytes of a `data:image/png;base64, ...` QR code as Stytch returns it.
pub fn png_bytes(data_url: &str) -> Result<Vec<u8>, String> {
    let encoded = data_url
        .strip_prefix("data:image/png;base64,")
        .ok_or("qr_code is not a data:image/png;base64 URL")?
        .trim_start();
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| format!("qr_code is not valid base64: {e}"))
}

/// The text a QR code PNG encodes (for a TOTP: the `otpauth://totp/...` URI).
pub fn decode(png: &[u8]) -> Result<String, String> {
    let image = image::load_from_memory(png)
        .map_err(|e| format!("qr_code is not a PNG: {e}"))?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grid = prepared
        .detect_grids()
        .into_iter()
        .next()
        .ok_or("no QR code found in the PNG")?;
    let (_, content) = grid
        .decode()
        .map_err(|e| format!("the QR code does not decode: {e}"))?;
    Ok(content)
}

/// `content` drawn as a QR code with half blocks (two modules per character row).
pub fn render_terminal(content: &str) -> Result<String, String> {
    let code = QrCode::new(content.as_bytes()).map_err(|e| e.to_string())?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// Writes the PNG to `path` or, by default, to the temp dir, named after the TOTP.
pub fn save(png: &[u8], path: Option<&Path>, totp_id: &str) -> Result<PathBuf, String> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => std::env::temp_dir().join(format!("stytch-totp-{totp_id}.png")),
    };
    std::fs::write(&path, png).map_err(|e| format!("could not write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_png_round_trips_through_decode() {
        let uri = "otpauth://totp/Demo:jane%40example.com?secret=BTGNX5RKJRMQWQFRQKTG34JCF6XDRHZS&issuer=Demo";
        let code = QrCode::new(uri).unwrap();
        let (width, scale, border) = (code.width() as u32, 6u32, 4u32);
        let side = (width + 2 * border) * scale;
        let colors = code.to_colors();
        let image = image::GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = (
                (x / scale).wrapping_sub(border),
                (y / scale).wrapping_sub(border),
            );
            let dark = mx < width
                && my < width
                && colors[(my * width + mx) as usize] == qrcode::Color::Dark;
            image::Luma([if dark { 0 } else { 255 }])
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(image)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let data_url = format!(
            "data:image/png;base64, {}",
            base64::engine::general_purpose::STANDARD.encode(&png)
        );
        assert_eq!(decode(&png_bytes(&data_url).unwrap()).unwrap(), uri);
        let drawn = render_terminal(uri).unwrap();
        assert!(drawn.lines().count() > 10 && drawn.contains('▀'));
        assert!(png_bytes("data:text/plain,hi").is_err());
    }
}
