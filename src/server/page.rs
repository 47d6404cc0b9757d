//! The phone page: server-rendered HTML, no script, one stylesheet from
//! this server, readable at 390 px. Everything from the code is escaped.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::UnixTime;
use crate::licence::{IdentityDocument, Licence};
use crate::verify::{Lang, Outcome, Verdict};

use super::{ApiError, AppState, Logged, logged};

const STYLESHEET: &str = r#"*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f4f5f7}
main{max-width:560px;margin:0 auto;padding:16px}
.verdict{border-radius:12px;padding:20px 16px;color:#fff;margin-bottom:16px}
.verdict h1{margin:0;font-size:44px;line-height:1.15;letter-spacing:.04em}
.verdict p{margin:8px 0 0;font-size:18px}
.good{background:#1e7b34}.caution{background:#b45f06}.bad{background:#b3261e}
dl{background:#fff;border-radius:12px;padding:4px 16px;margin:0 0 16px}
dt{color:#5f6368;font-size:14px;margin-top:12px}
dd{margin:2px 0 12px;font-size:18px;overflow-wrap:anywhere}
.note{color:#5f6368;font-size:14px}
nav{text-align:right;margin-bottom:8px}
a{color:#0b57d0}
"#;

/// `GET /assets/page.css`.
pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Escapes text for HTML element content and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The language asked for: `?lang=en` for English, Chinese otherwise.
fn lang_of(query: Option<&str>) -> Lang {
    let english = query.is_some_and(|q| q.split('&').any(|pair| pair == "lang=en"));
    if english { Lang::En } else { Lang::Zh }
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

/// China Standard Time, to the minute.
fn cst(time: UnixTime) -> String {
    let text = UnixTime::from_secs(time.secs().saturating_add(8 * 3600)).to_rfc3339_utc();
    let minute = text.get(..16).unwrap_or(&text).replace('T', " ");
    format!("{minute} UTC+8")
}

/// The page's security headers: nothing but this server's stylesheet may
/// load, nothing may frame it, and the URL (which is the code) is never
/// sent on as a referrer.
fn secure(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn html(lang: Lang, title: &str, body: &str, toggle: &str) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/assets/page.css\"></head>\
         <body><main>{toggle}{body}</main></body></html>\n",
        lang.tag(),
        escape(title)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// A link to the same page in the other language.
fn toggle(lang: Lang, path: &str) -> String {
    match lang {
        Lang::Zh => format!(
            "<nav><a href=\"{}?lang=en\">English</a></nav>",
            escape(path)
        ),
        _ => format!("<nav><a href=\"{}\">中文</a></nav>", escape(path)),
    }
}

/// A page that is not a verdict: an unknown path, or a code that is not one.
fn notice(lang: Lang, status: StatusCode, heading: &str, text: &str, path: &str) -> Response {
    let body = format!(
        "<section class=\"verdict caution\"><h1>{}</h1><p>{}</p></section>",
        escape(heading),
        escape(text)
    );
    secure(html(lang, heading, &body, &toggle(lang, path)), status)
}

/// The page for a request refused before it reached the page: too many
/// from this address, or too slow.
pub(super) fn refusal(uri: &axum::http::Uri, error: &ApiError) -> Response {
    let lang = lang_of(uri.query());
    let (status, heading, text) = match error {
        ApiError::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            t(lang, "请稍后再试", "Please try again shortly"),
            t(
                lang,
                "此网络地址的核验请求过多，请稍候片刻再扫描。",
                "Too many checks came from this network address; wait a moment and scan again.",
            ),
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            t(lang, "暂时无法核验", "Cannot check now"),
            t(
                lang,
                "核验服务繁忙，请稍后重新扫描。",
                "The service is busy; scan again in a moment.",
            ),
        ),
    };
    let status = match error {
        ApiError::TimedOut => StatusCode::REQUEST_TIMEOUT,
        _ => status,
    };
    // The language link leads back to the page asked for.
    let mut response = notice(lang, status, heading, text, uri.path());
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The fallback route: the page for `{base path}{digits}`, or 404.
pub(super) async fn page_or_not_found(
    State(state): State<Arc<AppState>>,
    request: Request,
) -> Response {
    let lang = lang_of(request.uri().query());
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(&state.base_path) else {
        return notice(
            lang,
            StatusCode::NOT_FOUND,
            t(lang, "页面不存在", "Page not found"),
            t(
                lang,
                "请用手机相机扫描电子证照上的二维码。",
                "Scan the QR code on an electronic licence with a phone camera.",
            ),
            &path,
        );
    };
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = notice(
            lang,
            StatusCode::METHOD_NOT_ALLOWED,
            t(lang, "不支持的请求", "Method not allowed"),
            t(
                lang,
                "此页面只能打开查看。",
                "This page can only be opened.",
            ),
            &path,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        state.metrics.record_outcome("not_a_code");
        return notice(
            lang,
            StatusCode::BAD_REQUEST,
            t(lang, "无法识别的二维码", "Not a licence code"),
            t(
                lang,
                "这个链接不是完整的电子证照核验码。请重新扫描证照上的二维码；若仍无法识别，请向发证机关核实。",
                "This link is not a complete licence code. Scan the code on the licence again; if it still fails, check with the issuing authority.",
            ),
            &path,
        );
    }
    let at = (state.clock)();
    let text = format!("{}{rest}", state.config.base.as_str());
    let verdict = state.material().verifier.verify_qr_text(&text, at);
    let logged = logged(&state, &verdict).await;
    state.metrics.record_outcome(verdict.outcome().code());
    let body = verdict_body(&verdict, logged, lang, at);
    let title = t(lang, "电子证照核验", "Licence check");
    secure(
        html(lang, title, &body, &toggle(lang, &path)),
        StatusCode::OK,
    )
}

/// A holder's document number as a stranger may see it.
fn shown_number(licence: &Licence) -> String {
    let document = licence.holder().document();
    let number = licence.number();
    // A driving licence's number is often the holder's identity number:
    // masked like it.
    if !matches!(document, IdentityDocument::Organisation(_)) && number == document.number() {
        document.masked()
    } else {
        number.to_owned()
    }
}

fn row(out: &mut String, label: &str, value: &str) {
    let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
}

fn verdict_body(verdict: &Verdict, logged: Logged, lang: Lang, at: UnixTime) -> String {
    let outcome = verdict.outcome();
    let tone = outcome.tone().code();
    let mut out = String::new();
    let _ = write!(
        out,
        "<section class=\"verdict {tone}\" id=\"verdict\" data-outcome=\"{}\"><h1>{}</h1>",
        outcome.code(),
        escape(outcome.label(lang))
    );
    let mut said = Vec::new();
    for reason in verdict.reasons() {
        let text = reason.explain(lang);
        if !said.contains(&text) {
            said.push(text);
            let _ = write!(out, "<p>{}</p>", escape(text));
        }
    }
    for warning in verdict.warnings() {
        let text = warning.explain(lang);
        if !said.contains(&text) {
            said.push(text);
            let _ = write!(out, "<p>⚠ {}</p>", escape(text));
        }
    }
    if outcome == Outcome::Valid {
        let _ = write!(
            out,
            "<p>{}</p>",
            t(
                lang,
                "证照真实，且在有效期内、状态正常。",
                "Genuine, within its validity, and in force."
            )
        );
    }
    out.push_str("</section>");
    let Some(licence) = verdict.licence() else {
        let _ = write!(
            out,
            "<p class=\"note\">{}</p>",
            t(
                lang,
                "无法确认此码出自发证机关，码中的内容不予显示。",
                "Nothing in this code can be shown: it cannot be traced to an issuing authority."
            )
        );
        return out;
    };
    // What an inspector compares with the face in front of them first:
    // who holds it, its number, until when, and who issued it.
    out.push_str("<dl>");
    row(
        &mut out,
        t(lang, "持证主体", "Holder"),
        licence.holder().name(),
    );
    row(
        &mut out,
        t(lang, "主体证件号码", "Holder's document number"),
        &licence.holder().document().masked(),
    );
    row(
        &mut out,
        t(lang, "证照编号", "Licence number"),
        &shown_number(licence),
    );
    row(
        &mut out,
        t(lang, "有效期", "Valid"),
        &format!("{} — {}", licence.valid_from(), valid_until(licence, lang)),
    );
    let issuer = verdict
        .certified_issuer()
        .unwrap_or(licence.issuer().name());
    row(
        &mut out,
        t(
            lang,
            "发证机关（经证书认证）",
            "Issuing authority (as certified)",
        ),
        &authority(lang, issuer, licence.issuer().code().as_str()),
    );
    for co in licence.co_issuers() {
        row(
            &mut out,
            t(lang, "联合发证机关", "Co-issuing authority"),
            &authority(lang, co.name(), co.code().as_str()),
        );
    }
    row(
        &mut out,
        t(lang, "发证日期", "Issued on"),
        &licence.issue_date().to_string(),
    );
    // The register's word on it (revoked, suspended…), apart from the
    // dates: an expired licence may still stand as 有效 in the register.
    match verdict.status() {
        Some(status) => row(
            &mut out,
            t(lang, "登记状态", "Status in the register"),
            &format!(
                "{}{}{} {}",
                if lang == Lang::Zh {
                    status.status.label()
                } else {
                    status.status.label_en()
                },
                t(lang, "，", ", "),
                t(lang, "状态更新于", "updated"),
                cst(status.updated),
            ),
        ),
        None => row(
            &mut out,
            t(lang, "登记状态", "Status in the register"),
            if licence.status().is_some() {
                t(lang, "暂时无法查询", "cannot be checked now")
            } else {
                t(
                    lang,
                    "发证机关不发布此证照的状态",
                    "the issuer publishes no status for this licence",
                )
            },
        ),
    }
    row(
        &mut out,
        t(lang, "透明日志", "Transparency log"),
        &match logged {
            Logged::Yes(index) => {
                format!("{} #{index}", t(lang, "已记录，条目", "recorded, entry"))
            }
            Logged::No => t(
                lang,
                "未在本系统的签发记录中找到",
                "not found in this service's issuance records",
            )
            .to_owned(),
            Logged::Unknown => t(
                lang,
                "本服务未接入签发记录",
                "this service holds no issuance records",
            )
            .to_owned(),
        },
    );
    row(
        &mut out,
        t(lang, "证照类型代码", "Licence type code"),
        &licence.type_code().to_string(),
    );
    if let Some(id) = licence.identifier() {
        row(
            &mut out,
            t(lang, "证照标识", "Licence identifier"),
            &id.to_string(),
        );
    }
    out.push_str("</dl>");
    let _ = write!(
        out,
        "<p class=\"note\">{} {}</p>",
        t(lang, "核验时间", "Checked at"),
        escape(&cst(at))
    );
    out
}

/// An authority's name and code, bracketed as each language does.
fn authority(lang: Lang, name: &str, code: &str) -> String {
    match lang {
        Lang::Zh => format!("{name}（{code}）"),
        _ => format!("{name} ({code})"),
    }
}

fn valid_until(licence: &Licence, lang: Lang) -> String {
    match licence.valid_until() {
        crate::licence::ValidUntil::Date(date) => date.to_string(),
        _ => t(lang, "长期", "long-term").to_owned(),
    }
}
