//! The scan endpoint, in process: every route, every verdict the demo's
//! material gives, and malformed input of every kind. The material is the
//! demo's (`elicence demo`), made once per test binary.

#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use elicence::QrBase;
use elicence::server::{Server, ServerConfig, Sources};
use serde_json::Value;

include!("support/scan_server.rs");

/// The driving licence holder's identity number (examples/licences).
const PERSON_ID: &str = "110108199003071238";
/// The business licence's holder, issued into the demo registry.
const HOLDER_USCC: &str = "91110108MA0123456G";

#[test]
fn the_page_gives_each_demo_code_its_verdict_in_chinese_and_english() {
    let server = server();
    for (name, outcome, zh, en) in [
        ("business-licence", "valid", "有效", "Valid"),
        ("business-licence-revoked", "revoked", "已撤销", "Revoked"),
        ("business-licence-expired", "expired", "已过期", "Expired"),
        ("forged-driving-licence", "invalid", "无效", "Invalid"),
        ("licence-signed-by-seal-maker", "invalid", "无效", "Invalid"),
        (
            "driving-licence-old-key-after-rotation",
            "invalid",
            "无效",
            "Invalid",
        ),
    ] {
        let path = page_path(name);
        let page = get(&server, &path);
        assert_eq!(page.status, StatusCode::OK, "{name}");
        assert_eq!(
            verdict_of(&page.text()),
            (outcome.to_owned(), zh.to_owned()),
            "{name}"
        );
        assert!(page.text().contains("lang=\"zh-CN\""));
        let english = get(&server, &format!("{path}?lang=en"));
        assert_eq!(
            verdict_of(&english.text()),
            (outcome.to_owned(), en.to_owned()),
            "{name}"
        );
    }
    let revoked = get(&server, &page_path("business-licence-revoked")).text();
    assert!(revoked.contains("发证机关已撤销此证照。"), "{revoked}");
    assert!(revoked.contains("状态更新于"), "{revoked}");
    assert!(revoked.contains("北京市海淀区市场监督管理局"), "{revoked}");
}

#[test]
fn a_stale_status_list_makes_the_page_amber_not_green() {
    // Two days on, the demo's status lists (ttl one day) are stale.
    let server = server_at(config(), false, 2 * 86_400);
    let page = get(&server, &page_path("business-licence")).text();
    assert_eq!(verdict_of(&page).0, "unverifiable", "{page}");
    assert!(page.contains("class=\"verdict caution\""));
}

#[test]
fn the_page_masks_a_natural_persons_identity_number() {
    let server = server();
    let page = get(&server, &page_path("driving-licence"));
    let text = page.text();
    assert_eq!(verdict_of(&text).0, "valid", "{text}");
    assert!(!text.contains(PERSON_ID), "{text}");
    assert!(text.contains("110108********1238"), "{text}");
}

#[test]
fn the_page_is_locked_down() {
    let server = server();
    let page = get(&server, &page_path("business-licence"));
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert_eq!(page.header(header::REFERRER_POLICY), "no-referrer");
    assert_eq!(page.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(
        page.header(header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    let text = page.text();
    assert!(!text.contains("<script"), "{text}");
    assert!(
        !text.contains("http://") && !text.contains("https://"),
        "no outside resources: {text}"
    );
    let css = get(&server, "/assets/page.css");
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header(header::CONTENT_TYPE).starts_with("text/css"));
}

#[test]
fn malformed_codes_and_paths_get_clear_pages_never_errors() {
    let server = server();
    let valid = page_path("business-licence");
    let truncated = &valid[..valid.len() - 5];
    let page = get(&server, truncated);
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(verdict_of(&page.text()).0, "invalid");
    // One digit changed: a signature that no longer verifies.
    let mut flipped = valid.clone().into_bytes();
    let last = flipped.len() - 20;
    flipped[last] = if flipped[last] == b'1' { b'2' } else { b'1' };
    let page = get(&server, std::str::from_utf8(&flipped).unwrap());
    assert_eq!(verdict_of(&page.text()).0, "invalid");
    for (path, status) in [
        ("/c/", StatusCode::BAD_REQUEST),
        ("/c/12345x", StatusCode::BAD_REQUEST),
        (
            "/c/%3Cscript%3Ealert(1)%3C/script%3E",
            StatusCode::BAD_REQUEST,
        ),
        ("/c/0", StatusCode::OK),
        ("/c/123/456", StatusCode::BAD_REQUEST),
        ("/c/..%2F..%2Fetc%2Fpasswd", StatusCode::BAD_REQUEST),
        ("/nothing-here", StatusCode::NOT_FOUND),
        ("/", StatusCode::NOT_FOUND),
        ("/c", StatusCode::NOT_FOUND),
    ] {
        let page = get(&server, path);
        assert_eq!(page.status, status, "{path}");
        let text = page.text();
        assert!(text.starts_with("<!doctype html>"), "{path}: {text}");
        assert!(!text.contains("<script"), "{path} echoed: {text}");
    }
    // Digits far past any envelope: refused as too long, not decoded.
    let long = format!("/c/{}", "9".repeat(20_000));
    assert_eq!(verdict_of(&get(&server, &long).text()).0, "invalid");
    let not_get = post(&server, &valid, "text/plain", "x");
    assert_eq!(not_get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(not_get.header(header::ALLOW), "GET, HEAD");
}

fn verify_json(server: &Server, body: &str) -> Answer {
    post(
        server,
        "/api/v1/verify",
        "application/json",
        body.to_owned(),
    )
}

#[test]
fn the_api_gives_the_full_verdict_for_qr_text_and_envelopes() {
    let server = server();
    let body = serde_json::json!({ "qr": qr_text("business-licence-revoked") }).to_string();
    let answer = verify_json(&server, &body);
    assert_eq!(answer.status, StatusCode::OK);
    let verdict = answer.json();
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["outcome"]["code"], "revoked");
    assert_eq!(verdict["outcome"]["label"], "已撤销");
    assert_eq!(verdict["status"]["code"], "03");
    assert_eq!(verdict["reasons"][0]["code"], "revoked");
    assert_eq!(verdict["certified_issuer"], "北京市海淀区市场监督管理局");
    assert_eq!(verdict["log"]["included"], false);

    use base64ct::{Base64, Encoding};
    let envelope = fs::read(demo().join("trust/business-licence.cose")).unwrap();
    let body = serde_json::json!({ "envelope": Base64::encode_string(&envelope) }).to_string();
    let verdict = verify_json(&server, &body).json();
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["outcome"]["tone"], "good");
    assert_eq!(verdict["licence"]["holder"]["name"], "北京示例科技有限公司");

    let forged = serde_json::json!({ "qr": qr_text("forged-driving-licence") }).to_string();
    let verdict = verify_json(&server, &forged).json();
    assert_eq!(verdict["outcome"]["code"], "invalid");
    assert_eq!(verdict["licence"], Value::Null);
    assert_eq!(verdict["log"]["included"], Value::Null);
}

#[test]
fn the_api_refuses_malformed_requests_with_typed_errors() {
    let server = server();
    let qr = qr_text("business-licence");
    for (body, code) in [
        ("not json".to_owned(), "bad_json"),
        ("{}".to_owned(), "bad_request"),
        (
            serde_json::json!({ "qr": qr, "envelope": "AA==" }).to_string(),
            "bad_request",
        ),
        (
            serde_json::json!({ "qr": qr, "extra": 1 }).to_string(),
            "bad_json",
        ),
        (serde_json::json!({ "qr": 5 }).to_string(), "bad_json"),
        (
            serde_json::json!({ "envelope": "!!!" }).to_string(),
            "bad_base64",
        ),
        ("[1,2,3]".to_owned(), "bad_json"),
    ] {
        let answer = verify_json(&server, &body);
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.json()["error"]["code"], code, "{body}");
    }
    let wrong_type = post(
        &server,
        "/api/v1/verify",
        "text/plain",
        format!("{{\"qr\":\"{qr}\"}}"),
    );
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(wrong_type.json()["error"]["code"], "unsupported_media_type");
    let no_type = send(
        &server,
        Request::post("/api/v1/verify")
            .body(Body::from("{}"))
            .unwrap(),
    );
    assert_eq!(no_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = format!("{{\"qr\":\"{}\"}}", "1".repeat(20 * 1024));
    let answer = verify_json(&server, &big);
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json()["error"]["code"], "too_large");
    // Past the router's cap the body is not even read whole.
    let huge = vec![b'1'; 9 * 1024 * 1024];
    assert_eq!(
        post(&server, "/api/v1/verify", "application/json", huge).status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // A bad code inside good JSON is a verdict, not an error.
    let garbage = verify_json(&server, r#"{"qr":"https://example.com/c/123"}"#);
    assert_eq!(garbage.status, StatusCode::OK);
    assert_eq!(garbage.json()["outcome"]["code"], "invalid");
    let wrong_method = get(&server, "/api/v1/verify");
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.header(header::ALLOW), "POST");
    assert_eq!(wrong_method.json()["error"]["code"], "method_not_allowed");
}

#[test]
fn sealed_pdfs_are_judged_by_the_librarys_policy() {
    let mut small = config();
    small.max_pdf_body = 64 * 1024;
    let server = server_at(small, false, 0);
    let pdf = fs::read(demo().join("sealed/business-licence.pdf")).unwrap();
    let big = server_at(config(), false, 0);
    let answer = post(&big, "/api/v1/verify-pdf", "application/pdf", pdf.clone());
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["valid"], true, "{json}");
    assert_eq!(json["outcome"]["code"], "valid", "{json}");
    assert_eq!(json["explanations"], serde_json::json!([]), "{json}");
    assert!(json["log"]["included"].is_null(), "{json}");
    let mut changed = pdf.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x20;
    let answer = post(&big, "/api/v1/verify-pdf", "application/pdf", changed);
    let json = answer.json();
    assert_eq!(json["valid"], false);
    assert_eq!(json["outcome"]["code"], "invalid", "{json}");
    assert!(
        json["explanations"][0]["zh"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{json}"
    );
    let answer = post(
        &big,
        "/api/v1/verify-pdf",
        "application/pdf",
        b"not a pdf".to_vec(),
    );
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["valid"], false);
    assert_eq!(json["outcome"]["code"], "invalid", "{json}");
    assert_eq!(json["explanations"][0]["code"], "unreadable_pdf", "{json}");
    assert_eq!(
        post(&big, "/api/v1/verify-pdf", "application/json", pdf.clone()).status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let too_big = post(&server, "/api/v1/verify-pdf", "application/pdf", pdf);
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_big.text()
    );
}

#[test]
fn look_up_receipts_and_the_log_come_from_the_registry() {
    let server = server();
    let page = get(&server, &format!("/api/v1/licences?uscc={HOLDER_USCC}"));
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let found = page.json();
    let licences = found["licences"].as_array().unwrap();
    assert_eq!(licences.len(), 1, "{found}");
    let id = licences[0]["identifier"].as_str().unwrap().to_owned();
    let by_name = get(&server, "/api/v1/licences?name=%E5%8C%97%E4%BA%AC&limit=5").json();
    assert!(
        !by_name["licences"].as_array().unwrap().is_empty(),
        "{by_name}"
    );
    for (query, code) in [
        ("uscc=123", "bad_uscc"),
        ("", "bad_query"),
        (&format!("uscc={HOLDER_USCC}&name=x") as &str, "bad_query"),
        ("name=x&match=regex", "bad_query"),
        (
            &format!("uscc={HOLDER_USCC}&match=contains") as &str,
            "bad_query",
        ),
        ("name=%E5%8C%97&match=contains", "bad_query"),
        ("limit=abc&name=x", "bad_query"),
        ("unknown=1", "bad_query"),
    ] {
        let answer = get(&server, &format!("/api/v1/licences?{query}"));
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            answer.text()
        );
        assert_eq!(answer.json()["error"]["code"], code, "{query}");
    }
    let receipt = get(&server, &format!("/api/v1/licences/{id}/receipt"));
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.text());
    assert!(
        receipt.text().starts_with("c2sp.org/tlog-proof@v1\n"),
        "{}",
        receipt.text()
    );
    let unknown = get(&server, "/api/v1/licences/1.2.3/receipt");
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let checkpoint = get(&server, "/log/checkpoint");
    assert_eq!(checkpoint.status, StatusCode::OK);
    assert!(
        checkpoint
            .text()
            .starts_with("verify.example.gov.cn/log\n4\n"),
        "{}",
        checkpoint.text()
    );
    let tile = get(&server, "/log/tile/0/000.p/4");
    assert_eq!(tile.status, StatusCode::OK);
    assert_eq!(tile.body.len(), 4 * 32);
    assert_eq!(
        get(&server, "/log/tile/0/000.p/5").status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&server, "/log/tile/0/000").status,
        StatusCode::NOT_FOUND
    );
    let bundle = get(&server, "/log/tile/entries/000.p/4");
    assert_eq!(bundle.status, StatusCode::OK);
    // Four length-prefixed entries, exactly.
    let mut rest = &bundle.body[..];
    for _ in 0..4 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        rest = &rest[2 + len..];
    }
    assert!(rest.is_empty());
    for bad in [
        "/log/tile/0/0.p/4",
        "/log/tile/64/000",
        "/log/tile/0/000.p/0",
        "/log/tile/x",
    ] {
        assert_eq!(get(&server, bad).status, StatusCode::BAD_REQUEST, "{bad}");
    }

    let without = server_at(config(), false, 0);
    let answer = get(&without, &format!("/api/v1/licences?uscc={HOLDER_USCC}"));
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json()["error"]["code"], "no_registry");
    assert_eq!(
        get(&without, "/log/checkpoint").status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn lists_are_published_with_etags_and_cache_lifetimes() {
    let server = server();
    let list = get(&server, "/trust-list");
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.body,
        fs::read(demo().join("pki/trust-list.cose")).unwrap()
    );
    let etag = list.header(header::ETAG).to_owned();
    let cache = list.header(header::CACHE_CONTROL).to_owned();
    let max_age: i64 = cache
        .strip_prefix("public, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age > 0 && max_age <= 7 * 86_400, "{cache}");
    let again = send(
        &server,
        Request::get("/trust-list")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap(),
    );
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // A weakened tag among others still matches; another tag does not.
    for (tags, wanted) in [
        (format!("\"other\", W/{etag}"), StatusCode::NOT_MODIFIED),
        ("\"other\"".to_owned(), StatusCode::OK),
    ] {
        let answer = send(
            &server,
            Request::get("/trust-list")
                .header(header::IF_NONE_MATCH, &tags)
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(answer.status, wanted, "{tags}");
    }

    let status = get(&server, "/status/11110108MB1234567C/1");
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(
        status.body,
        fs::read(demo().join("status/11110108MB1234567C/1.cwt")).unwrap()
    );
    let cache = status.header(header::CACHE_CONTROL);
    let max_age: i64 = cache
        .strip_prefix("public, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age > 0 && max_age <= 86_400, "{cache}");
    for missing in [
        "/status/11110108MB1234567C/2",
        "/status/../pki/root.cert.pem",
        "/status/",
    ] {
        assert_eq!(
            get(&server, missing).status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[test]
fn health_readiness_and_metrics() {
    let server = server();
    assert_eq!(get(&server, "/healthz").status, StatusCode::OK);
    let ready = get(&server, "/readyz");
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    let stale = server_at(config(), false, 2 * 86_400);
    let answer = get(&stale, "/readyz");
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!answer.json()["stale"].as_array().unwrap().is_empty());

    let code = page_path("business-licence-revoked");
    get(&server, &code);
    get(&server, "/c/12x");
    let metrics = get(&server, "/metrics").text();
    assert!(
        metrics.contains("elicence_requests_total{route=\"page\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("elicence_verdicts_total{outcome=\"revoked\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("elicence_request_seconds_bucket{route=\"page\",le=\"+Inf\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("elicence_list_age_seconds{list=\"/trust-list\"}"),
        "{metrics}"
    );
    let digits = code.trim_start_matches("/c/");
    assert!(
        !metrics.contains(&digits[..40]),
        "the code leaked into the metrics"
    );
}

#[test]
fn lists_are_reloaded_when_they_change_and_a_bad_file_keeps_the_old_ones() {
    let dir = TempDir::new();
    let demo = demo();
    fs::create_dir_all(dir.join("pki")).unwrap();
    for file in ["pki/root.cert.pem", "pki/trust-list.cose"] {
        fs::copy(demo.join(file), dir.join(file)).unwrap();
    }
    let status = dir.join("status/11110108MB1234567C");
    fs::create_dir_all(&status).unwrap();
    let list = demo.join("status/11110108MB1234567C/1.cwt");
    fs::copy(&list, status.join("1.cwt")).unwrap();
    let server = Server::load_with_clock(config(), sources(&dir), None, Arc::new(now)).unwrap();
    assert!(!server.reload_if_due());
    // A file that is no status list: the reload fails, the old lists stay.
    std::thread::sleep(Duration::from_millis(20));
    fs::write(status.join("1.cwt"), b"garbage").unwrap();
    assert!(!server.reload_if_due());
    let ready = get(&server, "/readyz").json();
    assert!(
        ready["last_reload_error"]
            .as_str()
            .unwrap()
            .contains("status list refused"),
        "{ready}"
    );
    let page = get(&server, &page_path("business-licence-revoked")).text();
    assert_eq!(verdict_of(&page).0, "revoked");
    // The list put back: taken again.
    fs::copy(&list, status.join("1.cwt")).unwrap();
    assert!(server.reload_if_due());
    assert_eq!(
        get(&server, "/readyz").json()["last_reload_error"],
        Value::Null
    );
}

#[test]
fn the_server_refuses_to_start_on_bad_material() {
    let dir = TempDir::new();
    fs::write(dir.join("roots.pem"), b"no certificate here").unwrap();
    let error =
        Server::load(config(), Sources::new(vec![dir.join("roots.pem")]), None).unwrap_err();
    assert!(
        error.to_string().contains("no usable root certificate"),
        "{error}"
    );
    let missing =
        Server::load(config(), Sources::new(vec![dir.join("absent.pem")]), None).unwrap_err();
    assert!(missing.to_string().contains("absent.pem"), "{missing}");
    let demo = demo();
    let old = Sources::new(vec![demo.join("pki/root.cert.pem")])
        .with_trust_list(demo.join("pki/root.cert.pem"));
    assert!(Server::load(config(), old, None).is_err());
    let no_path = ServerConfig::new(QrBase::new("https://verify.example.gov.cn").unwrap());
    assert!(Server::load(no_path, sources(demo), None).is_err());
}

/// Over real sockets: one peer past its burst is told to slow down (on the
/// page, with a page), health checks are never refused, and a shutdown
/// lets the server finish.
#[test]
fn a_peer_past_its_rate_is_refused_and_shutdown_is_graceful() {
    use std::io::{Read, Write};
    let mut limited = config();
    limited.rate_per_second = 1;
    limited.rate_burst = 3;
    let server = server_at(limited, false, 0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = runtime.spawn(server.serve_on(listener, async {
        let _ = stopped.await;
    }));
    let fetch = |path: &str| {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply
    };
    let replies: Vec<String> = (0..6).map(|_| fetch("/c/0")).collect();
    let statuses: Vec<&str> = replies
        .iter()
        .map(|r| r.split(' ').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(&statuses[..3], ["200", "200", "200"], "{statuses:?}");
    assert!(statuses[3..].iter().all(|s| *s == "429"), "{statuses:?}");
    let refused = &replies[5];
    assert!(refused.contains("text/html"), "{refused}");
    assert!(refused.contains("请稍后再试"), "{refused}");
    // Its language link leads back to the page asked for.
    assert!(refused.contains(r#"href="/c/0?lang=en""#), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    for _ in 0..5 {
        let health = fetch("/healthz");
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    }
    stop.send(()).unwrap();
    runtime.block_on(serving).unwrap().unwrap();
}

/// With the log's key, a licence issued after the last checkpoint gets its
/// receipt at once: the server signs a checkpoint covering it, instead of
/// answering "no checkpoint" until someone fetches /log/checkpoint.
#[test]
fn a_receipt_for_a_licence_newer_than_the_checkpoint_is_signed_on_asking() {
    use elicence::log::NoteSigner;
    use elicence::registry::{IssueRequest, IssuingKey, Registry};
    use elicence::{Licence, SigningKey};
    const ORIGIN: &str = "verify.example.gov.cn/test-log";
    let dir = TempDir::new();
    let db = dir.path("registry.sqlite");
    let db = db.to_str().unwrap();
    let mut registry = Registry::create(db, ORIGIN).unwrap();
    let mut licence: Value =
        serde_json::from_str(include_str!("../examples/licences/business-licence.json")).unwrap();
    let fields = licence.as_object_mut().unwrap();
    fields.remove("identifier");
    fields.remove("status");
    let licence = Licence::from_json(&licence.to_string()).unwrap();
    let key = IssuingKey::new(SigningKey::from_seed(&[3; 32]), None).unwrap();
    let issued = registry
        .issue(&key, vec![IssueRequest::new("one", licence)], now())
        .unwrap();
    let id = issued[0].identifier().to_owned();
    drop(registry);
    let signer = NoteSigner::new(ORIGIN, SigningKey::from_seed(&[4; 32])).unwrap();
    let verifier = signer.verifier();
    let without_key =
        Server::load_with_clock(config(), sources(demo()), Some(db), Arc::new(now)).unwrap();
    let receipt_path = format!("/api/v1/licences/{id}/receipt");
    let before = get(&without_key, &receipt_path);
    assert_eq!(before.status, StatusCode::NOT_FOUND, "{}", before.text());
    assert_eq!(before.json()["error"]["code"], "no_checkpoint");
    let with_key = Server::load_with_clock(config(), sources(demo()), Some(db), Arc::new(now))
        .unwrap()
        .with_log_signer(signer);
    let receipt = get(&with_key, &receipt_path);
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.text());
    let receipt = elicence::log::Receipt::from_text(&receipt.text()).unwrap();
    elicence::log::verify_licence_receipt(issued[0].envelope(), &receipt, &verifier).unwrap();
}
