//! stytch-totp-emulator
