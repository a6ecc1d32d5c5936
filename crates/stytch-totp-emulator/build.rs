//! Makes the emulator's default session-signing key when the crate is compiled, so that no
//! test process pays for RSA key generation (about a tenth of a second on average, and
//! ten times that at worst, where a whole first signed session should take milliseconds).
//!
//! The key is random, made afresh by each build of the crate (each user's, each clean
//! target directory), written only to `OUT_DIR` and embedded by `src/jwt.rs`
//! ([`SigningKey::process_default`]); it is never committed, printed or logged. It signs
//! test JWTs only: anyone holding a binary can read it, like any key of a local emulator.
//!
//! The build dependency is the aws-lc-rs the crate signs with, with the features rustls
//! gives it (`prebuilt-nasm`), so cargo builds aws-lc-sys's C code once for both uses when
//! their profiles agree (always in debug builds; release builds need the same `opt-level`
//! for `aws-lc-sys` in both, see `benches/Cargo.toml`).

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};

fn main() {
    // Made once per target directory: later builds keep the key.
    println!("cargo::rerun-if-changed=build.rs");
    let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA-2048 key generation");
    let pkcs8: Pkcs8V1Der<'static> = pair.as_der().expect("a PKCS#8 encoding of the new key");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("default_signing_key.p8"), pkcs8.as_ref())
        .expect("the default signing key written to OUT_DIR");
}
