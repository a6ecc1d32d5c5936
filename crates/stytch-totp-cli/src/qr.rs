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
    stytch_totp_emulator::qr::decode_png(png).map_err(|e| format!("qr_code: {e}"))
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
    fn an_emulator_qr_code_round_trips_through_decode() {
        let png = include_bytes!("../tests/data/qr.png");
        let data_url = format!(
            "data:image/png;base64, {}",
            base64::engine::general_purpose::STANDARD.encode(png)
        );
        let uri = decode(&png_bytes(&data_url).unwrap()).unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        let drawn = render_terminal(&uri).unwrap();
        assert!(drawn.lines().count() > 10 && drawn.contains('▀'));
        assert!(png_bytes("data:text/plain,hi").is_err());
        assert!(decode(b"not a png")
            .unwrap_err()
            .starts_with("qr_code: not a readable PNG"));
    }
}
