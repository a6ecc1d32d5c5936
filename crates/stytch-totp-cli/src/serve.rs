//! `serve`: the emulator as a standalone server until Ctrl-C.

use stytch_totp_emulator::EmulatorConfig;

use crate::args::ServeArgs;

pub async fn run(args: ServeArgs) -> Result<(), String> {
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} (not loopback); the emulator is for tests only",
            args.addr
        );
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("could not listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let config =
        EmulatorConfig::default().with_credentials(args.project_id.clone(), args.secret.clone());
    println!("Stytch TOTP emulator listening on http://{addr}");
    println!("  STYTCH_BASE_URL=http://{addr}");
    println!("  STYTCH_PROJECT_ID={}", args.project_id);
    println!(
        "  STYTCH_SECRET={}   (a test credential for this emulator only)",
        args.secret
    );
    println!("Press Ctrl-C to stop.");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("shutting down");
    };
    stytch_totp_emulator::serve(listener, config, shutdown)
        .await
        .map_err(|e| e.to_string())
}
