//! `verify --format text`: the verdict in plain words for a person at a
//! terminal. Every word about the verdict comes from the library
//! ([`Verdict::outcome`], [`Reason::explain`], the PDF verdict's
//! `explain`), so the tool says what the scan page and the C ABI say; only
//! the field labels are the tool's.

use std::fmt::Write;

use elicence::seal::pdf::LicencePdfVerdict;
use elicence::verify::{Lang, Outcome, Reason, Verdict};
use elicence::{Licence, ValidUntil};

/// The words the tool adds: field labels.
struct Labels {
    result: &'static str,
    warning: &'static str,
    licence: &'static str,
    holder: &'static str,
    issuer: &'static str,
    validity: &'static str,
    to: &'static str,
    seal: &'static str,
    seal_ok: &'static str,
    seal_failed: &'static str,
    long_term: &'static str,
    no_licence: &'static str,
}

const ZH: Labels = Labels {
    result: "核验结果",
    warning: "提示",
    licence: "证照",
    holder: "持证人",
    issuer: "发证机关",
    validity: "有效期",
    to: "至",
    seal: "印章",
    seal_ok: "有效",
    seal_failed: "未通过核验",
    long_term: "长期",
    no_licence: "无法确认此码出自发证机关，码中的内容不予显示。",
};

const EN: Labels = Labels {
    result: "Result",
    warning: "Warning",
    licence: "Licence",
    holder: "Holder",
    issuer: "Issued by",
    validity: "Valid",
    to: "to",
    seal: "Seal",
    seal_ok: "valid",
    seal_failed: "does not verify",
    long_term: "long-term",
    no_licence: "Nothing in this code can be shown: it cannot be traced to an issuing authority.",
};

fn labels(lang: Lang) -> &'static Labels {
    if lang == Lang::En { &EN } else { &ZH }
}

/// A licence's verdict: the outcome, the reasons and warnings once each,
/// then what the licence says (only if it is genuine).
pub fn licence(verdict: &Verdict, lang: Lang) -> String {
    let words = labels(lang);
    let mut out = String::new();
    outcome_line(&mut out, words, verdict.outcome(), lang);
    let mut said = Vec::new();
    explain_all(&mut out, &mut said, verdict, lang);
    licence_lines(&mut out, words, verdict);
    out.truncate(out.trim_end().len());
    out
}

/// A licence PDF's verdict: the file's outcome and reasons, the licence's
/// own reasons, then each seal.
pub fn pdf(verdict: &LicencePdfVerdict, lang: Lang) -> String {
    let words = labels(lang);
    let mut out = String::new();
    outcome_line(&mut out, words, verdict.outcome(), lang);
    let mut said = Vec::new();
    for reason in verdict.reasons() {
        say(&mut out, &mut said, "", reason.explain(lang));
    }
    if let Some(licence) = verdict.licence() {
        explain_all(&mut out, &mut said, licence, lang);
        licence_lines(&mut out, words, licence);
    }
    for seal in verdict.seals() {
        let info = seal.seal.as_ref().map(|s| s.info());
        let name = info.map_or(seal.field.as_str(), |i| i.name());
        let status = match &seal.status {
            Ok(()) => words.seal_ok.to_owned(),
            Err(failure) => format!("{} ({})", words.seal_failed, failure.code()),
        };
        let _ = writeln!(out, "{}: {name}: {status}", words.seal);
    }
    out.truncate(out.trim_end().len());
    out
}

fn outcome_line(out: &mut String, words: &Labels, outcome: Outcome, lang: Lang) {
    let _ = writeln!(
        out,
        "{}: {} ({})",
        words.result,
        outcome.label(lang),
        outcome.code()
    );
}

fn explain_all(out: &mut String, said: &mut Vec<&'static str>, verdict: &Verdict, lang: Lang) {
    let words = labels(lang);
    for reason in verdict.reasons() {
        say(out, said, "", Reason::explain(reason, lang));
    }
    for warning in verdict.warnings() {
        say(out, said, words.warning, warning.explain(lang));
    }
}

/// One line of explanation, unless the same words were said already (two
/// reasons may read the same to a person).
fn say(out: &mut String, said: &mut Vec<&'static str>, prefix: &str, text: &'static str) {
    if said.contains(&text) {
        return;
    }
    said.push(text);
    if prefix.is_empty() {
        let _ = writeln!(out, "  {text}");
    } else {
        let _ = writeln!(out, "  {prefix}: {text}");
    }
}

fn licence_lines(out: &mut String, words: &Labels, verdict: &Verdict) {
    let Some(licence) = verdict.licence() else {
        let _ = writeln!(out, "{}", words.no_licence);
        return;
    };
    let _ = writeln!(out, "{}", licence_summary(words, licence, verdict));
}

fn licence_summary(words: &Labels, licence: &Licence, verdict: &Verdict) -> String {
    let issuer = verdict
        .certified_issuer()
        .unwrap_or_else(|| licence.issuer().name());
    let until = match licence.valid_until() {
        ValidUntil::LongTerm => words.long_term.to_owned(),
        date => date.to_string(),
    };
    format!(
        "{}: {} {}\n{}: {}\n{}: {}\n{}: {} {} {}",
        words.licence,
        licence
            .type_name()
            .map_or_else(|| licence.type_code().to_string(), str::to_owned),
        // A person's ID number is not printed whole where anyone can read
        // it over a clerk's shoulder; the JSON form carries the licence.
        licence.masked_number(),
        words.holder,
        licence.holder().name(),
        words.issuer,
        issuer,
        words.validity,
        licence.valid_from(),
        words.to,
        until,
    )
}
