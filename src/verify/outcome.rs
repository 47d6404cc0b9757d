//! What a person is told at a glance: a verdict reduced to one of a few
//! outcomes (有效, 已撤销, 暂扣, 已过期, 无效, 无法核验 …), and each reason
//! in plain words, in Chinese or English.
//!
//! This is policy, so it lives here and not in a page template: the scan
//! endpoint, the command line and the C ABI all say the same thing for the
//! same verdict.

use crate::status::LicenceStatus;

use super::{Reason, Verdict};

/// The language of plain-words text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Lang {
    /// Simplified Chinese (zh-CN), the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag: `zh-CN` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A verdict at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A genuine licence, in force (有效).
    Valid,
    /// A genuine licence that its issuer's status list says is not in
    /// force: suspended, revoked, cancelled, lapsed, transferred out,
    /// withdrawn, or another status.
    NotInForce(LicenceStatus),
    /// A genuine licence past its validity (已过期).
    Expired,
    /// A genuine licence whose validity has not started (尚未生效).
    NotYetValid,
    /// Not a genuine licence: malformed, forged, signed by an untrusted or
    /// revoked signer, or in another authority's name (无效).
    Invalid,
    /// Genuine as far as can be told, but its status cannot be known now:
    /// no status list, or a stale one (无法核验).
    Unverifiable,
}

/// How a person should read an outcome: the colour of the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tone {
    /// Green: in force.
    Good,
    /// Amber: cannot be told now; try again later or ask the issuer.
    Caution,
    /// Red: do not accept it.
    Bad,
}

impl Tone {
    /// A stable name: `good`, `caution` or `bad`.
    pub fn code(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Caution => "caution",
            Tone::Bad => "bad",
        }
    }
}

impl Outcome {
    /// A stable machine-readable name: `valid`, `suspended`, `revoked`, …,
    /// `expired`, `not_yet_valid`, `invalid`, `unverifiable`.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::NotInForce(status) => super::status_reason_code(status),
            Outcome::Expired => "expired",
            Outcome::NotYetValid => "not_yet_valid",
            Outcome::Invalid => "invalid",
            Outcome::Unverifiable => "unverifiable",
        }
    }

    /// The verdict as a person reads it: `有效`, `已撤销`, `暂扣`, … or
    /// `valid`, `revoked`, `suspended`, ….
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Outcome::Valid, Lang::Zh) => "有效",
            (Outcome::Valid, Lang::En) => "Valid",
            (Outcome::NotInForce(status), Lang::Zh) => status_label_zh(status),
            (Outcome::NotInForce(status), Lang::En) => status_label_en(status),
            (Outcome::Expired, Lang::Zh) => "已过期",
            (Outcome::Expired, Lang::En) => "Expired",
            (Outcome::NotYetValid, Lang::Zh) => "尚未生效",
            (Outcome::NotYetValid, Lang::En) => "Not yet valid",
            (Outcome::Invalid, Lang::Zh) => "无效",
            (Outcome::Invalid, Lang::En) => "Invalid",
            (Outcome::Unverifiable, Lang::Zh) => "无法核验",
            (Outcome::Unverifiable, Lang::En) => "Cannot be verified",
        }
    }

    /// Its colour.
    pub fn tone(self) -> Tone {
        match self {
            Outcome::Valid => Tone::Good,
            Outcome::Unverifiable | Outcome::NotYetValid => Tone::Caution,
            Outcome::NotInForce(LicenceStatus::Suspended) => Tone::Caution,
            Outcome::NotInForce(_) | Outcome::Expired | Outcome::Invalid => Tone::Bad,
        }
    }
}

fn status_label_zh(status: LicenceStatus) -> &'static str {
    match status {
        LicenceStatus::Valid => "有效",
        LicenceStatus::Suspended => "暂扣",
        LicenceStatus::Revoked => "已撤销",
        LicenceStatus::Cancelled => "已注销",
        LicenceStatus::Lapsed => "已失效",
        LicenceStatus::TransferredOut => "已迁出",
        LicenceStatus::Withdrawn => "已吊销",
        _ => "已停用",
    }
}

fn status_label_en(status: LicenceStatus) -> &'static str {
    match status {
        LicenceStatus::Valid => "Valid",
        LicenceStatus::Suspended => "Suspended",
        LicenceStatus::Revoked => "Revoked",
        LicenceStatus::Cancelled => "Cancelled",
        LicenceStatus::Lapsed => "Lapsed",
        LicenceStatus::TransferredOut => "Transferred out",
        LicenceStatus::Withdrawn => "Withdrawn",
        _ => "Not in force",
    }
}

/// How bad a reason is for the outcome: the worst reason decides it.
fn rank(reason: &Reason) -> (u8, Outcome) {
    match reason {
        Reason::Status { status } => (3, Outcome::NotInForce(*status)),
        Reason::Expired { .. } => (2, Outcome::Expired),
        Reason::NotYetValid { .. } => (2, Outcome::NotYetValid),
        Reason::StatusUnknown { .. }
        | Reason::StatusStale { .. }
        | Reason::StatusUnregistered { .. }
        | Reason::TrustListStale { .. } => (1, Outcome::Unverifiable),
        _ => (4, Outcome::Invalid),
    }
}

impl Verdict {
    /// The verdict at a glance. A code that is not genuine is
    /// [`Outcome::Invalid`] whatever else is wrong with it; for a genuine
    /// one, a status from its issuer outranks expiry, which outranks an
    /// unknown status.
    pub fn outcome(&self) -> Outcome {
        if self.is_valid() {
            return Outcome::Valid;
        }
        if self.licence().is_none() {
            return Outcome::Invalid;
        }
        self.reasons()
            .iter()
            .map(rank)
            .max_by_key(|(rank, _)| *rank)
            .map_or(Outcome::Invalid, |(_, outcome)| outcome)
    }
}

impl Reason {
    /// The reason in plain words for a citizen or an inspector, without
    /// key ids, list URIs or other detail (which [`Reason`]'s `Display`
    /// gives, for logs and engineers).
    pub fn explain(&self, lang: Lang) -> &'static str {
        let zh = lang == Lang::Zh;
        let (zh_text, en_text) = match self {
            Reason::MalformedText(_) | Reason::Malformed(_) => (
                "二维码内容不完整或不是电子证照二维码。",
                "The code is damaged or is not an electronic licence code.",
            ),
            Reason::UnknownKey { .. } | Reason::WeakKey { .. } => (
                "签发方不在本系统信任的签发机关之列。",
                "The signer is not one of the authorities this service trusts.",
            ),
            Reason::BadSignature { .. } => (
                "电子签名核验失败：证照内容被改动或系伪造。",
                "The signature does not match: the licence was altered or forged.",
            ),
            Reason::KeyNotValidAtIssuance { .. } | Reason::SignerNotValidAtIssuance { .. } => (
                "签名时签发机关的证书不在有效期内。",
                "The authority's certificate was not valid when the licence was signed.",
            ),
            Reason::Untrusted { .. } => (
                "签发机关的证书不受信任。",
                "The authority's certificate is not trusted.",
            ),
            Reason::AuthorityMismatch { .. } | Reason::IssuerNameMismatch { .. } => (
                "证照上的发证机关与签名机关不一致：冒用他人名义签发。",
                "The licence names another authority than the one that signed it.",
            ),
            Reason::TypeNotAllowed { .. } => (
                "签发机关无权签发此类证照。",
                "The authority may not issue this kind of licence.",
            ),
            Reason::SignerRevoked { .. } => (
                "签发机关的签名证书已被撤销。",
                "The authority's signing certificate was revoked.",
            ),
            Reason::SignerRetired { .. } => (
                "证照由已停用的签名密钥签发。",
                "The licence was signed with a key already retired.",
            ),
            Reason::TrustListStale { .. } => (
                "信任列表已过期，暂时无法确认签发机关。",
                "The trust list is out of date; the authority cannot be confirmed now.",
            ),
            Reason::Status { status } => match status {
                LicenceStatus::Suspended => (
                    "发证机关已暂扣此证照。",
                    "The issuer has suspended this licence.",
                ),
                LicenceStatus::Revoked => (
                    "发证机关已撤销此证照。",
                    "The issuer has revoked this licence.",
                ),
                LicenceStatus::Cancelled => (
                    "发证机关已注销此证照。",
                    "The issuer has cancelled this licence.",
                ),
                LicenceStatus::Lapsed => ("此证照已失效。", "This licence has lapsed."),
                LicenceStatus::TransferredOut => (
                    "此证照已迁出。",
                    "This licence was transferred to another authority.",
                ),
                LicenceStatus::Withdrawn => (
                    "发证机关已吊销此证照。",
                    "The issuer has withdrawn this licence.",
                ),
                _ => (
                    "发证机关已停用此证照。",
                    "The issuer says this licence is not in force.",
                ),
            },
            Reason::StatusUnregistered { .. } | Reason::StatusUnknown { .. } => (
                "暂时无法查询此证照的状态。",
                "The licence's status cannot be checked now.",
            ),
            Reason::StatusStale { .. } => (
                "状态信息已过期，暂时无法确认证照是否仍然有效。",
                "The status information is out of date; whether the licence is still in force cannot be told now.",
            ),
            Reason::IssuedInFuture { .. } => (
                "签名时间晚于当前时间。",
                "The licence says it was signed in the future.",
            ),
            Reason::NotYetValid { .. } => (
                "证照尚未到生效日期。",
                "The licence's validity has not started.",
            ),
            Reason::Expired { .. } => ("证照已超过有效期。", "The licence's validity has ended."),
        };
        if zh { zh_text } else { en_text }
    }
}
