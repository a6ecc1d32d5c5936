//! `serve`: the emulator as a standalone server until Ctrl-C, over HTTP or (`--tls`) HTTPS.

use stytch_totp_emulator::{Emulator, EmulatorConfig, LocalCa};

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
    let emulator = Emulator::new(config);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("shutting down");
    };
    if !args.tls {
        print_settings(&format!("http://{addr}"), &args);
        return emulator
            .serve(listener, shutdown)
            .await
            .map_err(|e| e.to_string());
    }
    let ca = LocalCa::generate().map_err(|e| format!("could not make a CA: {e}"))?;
    let ca_path = args
        .ca_out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("stytch-totp-emulator-ca.pem"));
    ca.write_ca_cert(&ca_path)
        .map_err(|e| format!("could not write {}: {e}", ca_path.display()))?;
    print_settings(&format!("https://{addr}"), &args);
    let ca_path = ca_path.display();
    println!("  CA certificate (new at every start): {ca_path}");
    println!("  trust it: --ca-cert {ca_path} (this CLI), NODE_EXTRA_CA_CERTS={ca_path} (Node),");
    println!("            REQUESTS_CA_BUNDLE={ca_path} or SSL_CERT_FILE={ca_path} (Python)");
    println!("Press Ctrl-C to stop.");
    emulator
        .serve(ca.listener(listener), shutdown)
        .await
        .map_err(|e| e.to_string())
}

/// The first line ends with the base URL (scripts and tests read it from there).
fn print_settings(base_url: &str, args: &ServeArgs) {
    println!("Stytch TOTP emulator listening on {base_url}");
    println!("  STYTCH_BASE_URL={base_url}");
    println!("  STYTCH_PROJECT_ID={}", args.project_id);
    println!(
        "  STYTCH_SECRET={}   (a test credential for this emulator only)",
        args.secret
    );
    if !args.tls {
        println!("Press Ctrl-C to stop.");
    }
}
