//! stytch-totp
