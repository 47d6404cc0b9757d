//! `elicence serve`: the scan endpoint, a thin caller of
//! [`elicence::server`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use elicence::QrBase;
use elicence::registry::Registry;
use elicence::server::{Server, ServerConfig, Sources};

use crate::log::note_signer;
use crate::registry::registry_failure;
use crate::{CliError, CliResult};

/// Serve the phone page, the JSON API, the lists and the log.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080 (TLS is terminated in front).
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,
    /// The QR base URL the codes carry (its path is the page's route).
    #[arg(long, value_name = "URL", value_parser = parse_base)]
    base: QrBase,
    /// Trusted root CA certificates (PEM); repeat for several files.
    #[arg(long, value_name = "ROOTS.pem", required = true)]
    roots: Vec<PathBuf>,
    /// The trust list (re-read when it changes or its next update comes).
    #[arg(long, value_name = "TL.cose")]
    trust_list: Option<PathBuf>,
    /// A directory of status lists (`*.cwt`, two levels deep).
    #[arg(long = "status", value_name = "DIR")]
    status_dir: Option<PathBuf>,
    /// The registry (SQLite file or postgres:// URL): look-up, receipts,
    /// the log, and whether a scanned licence was logged.
    #[arg(long, value_name = "DB")]
    db: Option<String>,
    /// The log's key: signs a fresh checkpoint when the log has grown.
    #[arg(long, value_name = "KEY.pem", requires = "db")]
    log_key: Option<PathBuf>,
    /// Largest PDF accepted by /api/v1/verify-pdf, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    max_pdf_bytes: usize,
    /// Requests per second one peer address may send on average (behind
    /// a proxy every client has the proxy's address: raise it, and limit
    /// at the proxy).
    #[arg(long, value_name = "N", default_value_t = 50)]
    rate: u32,
    /// Requests one peer address may send in a burst.
    #[arg(long, value_name = "N", default_value_t = 200)]
    burst: u32,
    /// Connections one peer address may hold at once (behind a proxy,
    /// raise it to --max-connections).
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_connections_per_peer: usize,
    /// Connections held at once; more wait in the kernel's backlog.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    max_connections: usize,
}

fn parse_base(text: &str) -> Result<QrBase, String> {
    QrBase::new(text).map_err(|e| e.to_string())
}

pub fn run(args: &ServeArgs) -> CliResult {
    let mut sources = Sources::new(args.roots.clone());
    if let Some(list) = &args.trust_list {
        sources = sources.with_trust_list(list.clone());
    }
    if let Some(dir) = &args.status_dir {
        sources = sources.with_status_dir(dir.clone());
    }
    let mut config = ServerConfig::new(args.base.clone());
    config.max_pdf_body = args.max_pdf_bytes;
    config.rate_per_second = args.rate;
    config.rate_burst = args.burst;
    config.max_connections = args.max_connections;
    config.max_connections_per_peer = args.max_connections_per_peer;
    let mut server = Server::load(config, sources, args.db.as_deref())
        .map_err(|e| CliError::new(e.to_string()))?;
    if let (Some(key), Some(db)) = (&args.log_key, &args.db) {
        let origin = Registry::open(db)
            .and_then(|mut r| r.log_origin())
            .map_err(registry_failure)?;
        server = server.with_log_signer(note_signer(key, &origin)?);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("starting the runtime: {e}")))?;
    runtime
        .block_on(server.serve(args.listen, shutdown_signal()))
        .map_err(|e| CliError::new(format!("serving on {}: {e}", args.listen)))?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM: stop taking connections, finish what is under way.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
