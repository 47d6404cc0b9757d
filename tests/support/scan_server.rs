// The scan endpoint on the demo's material, for the server test suites
// (`tests/server.rs`, `tests/server_attacks.rs`), shared through
// `include!`: the demo's output made once per test binary, servers over it
// with a shifted clock, and requests sent in process.

include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/temp_dir.rs"));

const BIN: &str = env!("CARGO_BIN_EXE_elicence");
const BASE: &str = "https://verify.example.gov.cn/c/";

/// The demo's output, made once.
fn demo() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = TempDir::new();
        let out = std::process::Command::new(BIN)
            .args(["demo", "--out"])
            .arg(&*dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// The demo's root, trust list and status lists under `dir`.
fn sources(dir: &std::path::Path) -> elicence::server::Sources {
    elicence::server::Sources::new(vec![dir.join("pki/root.cert.pem")])
        .with_trust_list(dir.join("pki/trust-list.cose"))
        .with_status_dir(dir.join("status"))
}

fn now() -> elicence::UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    elicence::UnixTime::from_secs(i64::try_from(secs).unwrap())
}

/// A server on the demo's material (with its registry if `registry`),
/// whose clock runs `offset_secs` ahead.
fn server_at(
    config: elicence::server::ServerConfig,
    registry: bool,
    offset_secs: i64,
) -> elicence::server::Server {
    let dir = demo();
    let db = dir.join("registry/registry.sqlite");
    let db = db.to_str().unwrap().to_owned();
    elicence::server::Server::load_with_clock(
        config,
        sources(dir),
        registry.then_some(db.as_str()),
        std::sync::Arc::new(move || elicence::UnixTime::from_secs(now().secs() + offset_secs)),
    )
    .unwrap()
}

fn config() -> elicence::server::ServerConfig {
    elicence::server::ServerConfig::new(elicence::QrBase::new(BASE).unwrap())
}

fn server() -> elicence::server::Server {
    server_at(config(), true, 0)
}

/// A response, read whole.
struct Answer {
    status: axum::http::StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    /// The body as UTF-8 text, which it must be.
    #[allow(dead_code)]
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The body as text, whatever it holds (lists and tiles are binary).
    #[allow(dead_code)]
    fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: axum::http::header::HeaderName) -> &str {
        self.headers.get(name).unwrap().to_str().unwrap()
    }
}

fn send(
    server: &elicence::server::Server,
    request: axum::http::Request<axum::body::Body>,
) -> Answer {
    use tower::ServiceExt;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = server.router().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    })
}

fn get(server: &elicence::server::Server, uri: &str) -> Answer {
    send(
        server,
        axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
}

fn post(
    server: &elicence::server::Server,
    uri: &str,
    content_type: &str,
    body: impl Into<axum::body::Body>,
) -> Answer {
    send(
        server,
        axum::http::Request::post(uri)
            .header(axum::http::header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap(),
    )
}

/// The QR text of a demo code in `trust/`.
fn qr_text(name: &str) -> String {
    std::fs::read_to_string(demo().join("trust").join(format!("{name}.qr.txt")))
        .unwrap()
        .trim()
        .to_owned()
}

/// The page path of QR text: without scheme and host.
fn path_of(qr: &str) -> String {
    qr.strip_prefix("https://verify.example.gov.cn")
        .unwrap()
        .to_owned()
}

/// The page path of a demo code.
fn page_path(name: &str) -> String {
    path_of(&qr_text(name))
}

/// The verdict's outcome code and heading on a page.
fn verdict_of(page: &str) -> (String, String) {
    let outcome = page
        .split("data-outcome=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let heading = page
        .split("<h1>")
        .nth(1)
        .and_then(|rest| rest.split("</h1>").next())
        .unwrap_or_default()
        .to_owned();
    (outcome, heading)
}
