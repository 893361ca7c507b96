//! Reports of a verdict: a text a loan officer reads (Chinese or English), a JSON object for a
//! bank's system, and one process exit code per verdict (client/README.md#exit-codes).

use ledger_format::bundle::{Cosigner, Verdict, VerdictKind};
use ledger_format::lifecycle::CertificateState;
use ledger_format::record::{CancellationReason, RefusalGround, RegistrantId, RevocationReason};
use serde::Serialize;

use crate::format_cst;
use crate::receipt::{ReceiptError, ReceiptInfo};
use ledger_format::Hash;

/// The language of a human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Lang {
    /// Simplified Chinese.
    #[default]
    Zh,
    /// English.
    En,
}

/// Exit code of a usage or I/O error (the same code clap uses for usage errors).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a verdict this version of the client does not know (never 0).
pub const EXIT_OTHER: u8 = 29;

/// The process exit code for a verdict: 0 only for [`VerdictKind::Valid`].
pub fn exit_code(kind: &VerdictKind) -> u8 {
    match kind {
        VerdictKind::Valid { .. } => 0,
        VerdictKind::Expired { .. } => 10,
        VerdictKind::NotYetValid { .. } => 11,
        VerdictKind::Cancelled(_) => 12,
        VerdictKind::Revoked(_) => 13,
        VerdictKind::Suspended => 14,
        VerdictKind::InNotice { .. } => 15,
        VerdictKind::Terminated => 16,
        VerdictKind::UnknownCertificate => 17,
        VerdictKind::Applied => 18,
        VerdictKind::Refused(_) => 19,
        VerdictKind::Withdrawn => 25,
        VerdictKind::Stale { .. } => 20,
        VerdictKind::Untrusted(_) => 21,
        VerdictKind::Tampered(_) => 22,
        VerdictKind::Malformed(_) => 23,
        _ => EXIT_OTHER,
    }
}

/// The JSON form of a verdict, for a bank's system. Field names are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonReport {
    /// The verdict's stable name ([`VerdictKind::name`]).
    pub verdict: &'static str,
    /// True only for `valid`: the certificate may be relied on on `checked_on`.
    pub reliable: bool,
    /// The process exit code of this verdict.
    pub exit_code: u8,
    /// The certificate code, when the bundle could be read.
    pub code: Option<String>,
    /// The origin of the log whose checkpoint the bundle carries, when the bundle could be read.
    pub log: Option<String>,
    /// The witnesses whose cosignatures counted towards the quorums, once the checkpoint is trusted.
    pub witnesses: Vec<WitnessJson>,
    /// The registrant's name, once the state is trusted.
    pub registrant: Option<String>,
    /// The registrant's unified social credit code.
    pub registrant_credit_code: Option<String>,
    /// The data resource, product or service's name.
    pub data_name: Option<String>,
    /// The status in the log (`in-notice`, `active`, `terminated`, `cancelled`, `revoked`).
    pub status: Option<&'static str>,
    /// First valid day, `YYYY-MM-DD`.
    pub valid_from: Option<String>,
    /// Last valid day, `YYYY-MM-DD`.
    pub valid_until: Option<String>,
    /// The certificate's version (1 at issue, +1 per change or correction).
    pub version: Option<u32>,
    /// Witnessed time the status is proven for, Unix seconds.
    pub as_of: Option<i64>,
    /// The same in China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub as_of_cst: Option<String>,
    /// The CST date the validity was judged on.
    pub checked_on: Option<String>,
    /// Why the verdict is not `valid`, in English (None for `valid`).
    pub reason: Option<String>,
    /// Whether the code printed on the certificate was compared with the bundle's: `true` with
    /// `--code` (a bundle for another code is `tampered`), `false` with `--any-code` (`code` is
    /// then only the bundle's own claim). Absent from [`json_report`], which does not know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_compared: Option<bool>,
}

/// Whether the code printed on the certificate was compared with the bundle's
/// ([`crate::verify_for_code`]), for the reports of [`text_report_for_code`] and
/// [`json_report_for_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The printed code was given and compared: a bundle for another code is tampered.
    Compared,
    /// The caller chose not to compare (`--any-code`): the code shown is the bundle's own, read
    /// from the file or the QR code, and a person must still compare it with the certificate.
    NotCompared,
}

/// One witness that vouched for the checkpoint, in a [`JsonReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WitnessJson {
    /// The witness's key name.
    pub name: String,
    /// `replica` (another agency's node: vouches for the status) or `consistency-only` (vouches
    /// for the tree).
    pub kind: &'static str,
    /// When it cosigned, Unix seconds.
    pub time: i64,
}

impl WitnessJson {
    fn new(cosigner: &Cosigner) -> Self {
        WitnessJson {
            name: cosigner.name.clone(),
            kind: if cosigner.consistency_only {
                "consistency-only"
            } else {
                "replica"
            },
            time: cosigner.timestamp,
        }
    }
}

/// Builds the JSON report of `verdict`.
pub fn json_report(verdict: &Verdict) -> JsonReport {
    let state = verdict.state.as_ref();
    let validity = state.and_then(|s| s.validity);
    let reason = (!matches!(verdict.kind, VerdictKind::Valid { .. }))
        .then(|| reason(&verdict.kind, Lang::En))
        .flatten();
    JsonReport {
        verdict: verdict.kind.name(),
        reliable: matches!(verdict.kind, VerdictKind::Valid { .. }),
        exit_code: exit_code(&verdict.kind),
        code: verdict.code.as_ref().map(ToString::to_string),
        log: verdict.log.clone(),
        witnesses: verdict.cosigners.iter().map(WitnessJson::new).collect(),
        registrant: state
            .and_then(|s| s.registrant.as_ref())
            .map(|r| r.name.clone()),
        registrant_credit_code: state
            .and_then(|s| s.registrant.as_ref())
            .and_then(|r| r.credit_code())
            .map(ToString::to_string),
        data_name: state.and_then(|s| s.data_name.clone()),
        status: state.map(|s| s.status.name()),
        valid_from: validity.map(|v| v.from.to_string()),
        valid_until: validity.map(|v| v.until.to_string()),
        version: state.map(|s| s.version),
        as_of: verdict.as_of,
        as_of_cst: verdict.as_of.map(format_cst),
        checked_on: verdict.checked_on.map(|d| d.to_string()),
        reason,
        code_compared: None,
    }
}

/// [`json_report`] with `code_compared` set from `check`.
pub fn json_report_for_code(verdict: &Verdict, check: CodeCheck) -> JsonReport {
    JsonReport {
        code_compared: Some(check == CodeCheck::Compared),
        ..json_report(verdict)
    }
}

/// The verdict's headline, e.g. `有效` / `VALID`.
pub fn headline(kind: &VerdictKind, lang: Lang) -> &'static str {
    let (zh, en) = match kind {
        VerdictKind::Valid { .. } => (
            "有效：证书真实，且在有效期内",
            "VALID: authentic and within its validity period",
        ),
        VerdictKind::Expired { .. } => ("已过期", "EXPIRED"),
        VerdictKind::NotYetValid { .. } => ("尚未生效", "NOT YET VALID"),
        VerdictKind::Cancelled(_) => ("已注销", "CANCELLED"),
        VerdictKind::Revoked(_) => ("已撤销", "REVOKED"),
        VerdictKind::Suspended => ("已中止：异议处理中", "SUSPENDED: an objection is pending"),
        VerdictKind::InNotice { .. } => (
            "公示中，尚未发证",
            "IN PUBLIC NOTICE: no certificate issued yet",
        ),
        VerdictKind::Terminated => (
            "登记已终止，未发证",
            "TERMINATED: registration ended without a certificate",
        ),
        VerdictKind::Applied => (
            "登记申请办理中，尚未发证",
            "APPLIED: the registration is in procedure, no certificate issued",
        ),
        VerdictKind::Refused(_) => ("登记未予通过，未发证", "REFUSED: no certificate issued"),
        VerdictKind::Withdrawn => (
            "登记申请已撤回，未发证",
            "WITHDRAWN: the application was withdrawn, no certificate issued",
        ),
        VerdictKind::UnknownCertificate => (
            "查无此证：登记机构的日志证明不存在该编码的证书",
            "UNKNOWN CERTIFICATE: the log proves it holds no certificate with this code",
        ),
        VerdictKind::Stale { .. } => (
            "证明过旧：请取得最新的核验包",
            "STALE: the proof is too old, obtain a fresh bundle",
        ),
        VerdictKind::Untrusted(_) => (
            "不可信：签名密钥、见证、时间或地区不符合信任策略",
            "UNTRUSTED: keys, witnesses, times or region do not meet the trust policy",
        ),
        VerdictKind::Tampered(_) => (
            "被篡改：签名或证明不成立",
            "TAMPERED: a signature or proof does not check out",
        ),
        VerdictKind::Malformed(_) => ("格式错误：不是有效的核验包", "MALFORMED: not a bundle"),
        _ => ("未知结论", "UNKNOWN VERDICT"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Why the verdict is what it is, when there is more to say than the headline.
pub fn reason(kind: &VerdictKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    let text = match kind {
        VerdictKind::Valid { .. }
        | VerdictKind::Suspended
        | VerdictKind::UnknownCertificate
        | VerdictKind::Applied
        | VerdictKind::Withdrawn => {
            return None;
        }
        VerdictKind::Refused(ground) => refusal(ground, lang),
        VerdictKind::Expired { valid_until } if zh => format!("有效期已于 {valid_until} 届满"),
        VerdictKind::Expired { valid_until } => format!("validity ended on {valid_until}"),
        VerdictKind::NotYetValid { valid_from } if zh => format!("自 {valid_from} 起生效"),
        VerdictKind::NotYetValid { valid_from } => format!("valid from {valid_from}"),
        VerdictKind::Cancelled(r) => cancellation(r, lang),
        VerdictKind::Revoked(r) => revocation(r, lang),
        VerdictKind::InNotice { ends_on } if zh => format!("公示期至 {ends_on}"),
        VerdictKind::InNotice { ends_on } => format!("the notice period ends on {ends_on}"),
        VerdictKind::Terminated if zh => "公示期内异议成立".into(),
        VerdictKind::Terminated => "an objection was upheld during the notice".into(),
        VerdictKind::Stale { age_seconds } if zh => {
            format!("见证时间距核验时间已过 {}", age_text(*age_seconds, lang))
        }
        VerdictKind::Stale { age_seconds } => {
            format!(
                "witnessed {} before the verification time",
                age_text(*age_seconds, lang)
            )
        }
        VerdictKind::Untrusted(r) | VerdictKind::Tampered(r) | VerdictKind::Malformed(r) if zh => {
            format!("技术原因：{r}")
        }
        VerdictKind::Untrusted(r) | VerdictKind::Tampered(r) | VerdictKind::Malformed(r) => {
            r.clone()
        }
        other => other.name().to_owned(),
    };
    Some(text)
}

fn cancellation(reason: &CancellationReason, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match reason {
        CancellationReason::DataLost if zh => "数据无法恢复或已灭失".into(),
        CancellationReason::DataLost => "the data is irrecoverable or lost".into(),
        CancellationReason::RightsEnded if zh => "登记主体放弃权利或权利期限届满".into(),
        CancellationReason::RightsEnded => {
            "the registrant gave up its rights, or their term ended".into()
        }
        CancellationReason::RegistrantTerminated if zh => {
            "登记主体解散、注销、破产或以其他方式终止".into()
        }
        CancellationReason::RegistrantTerminated => "the registrant has ceased to exist".into(),
        CancellationReason::OtherLegalGround(text) if zh => format!("其他法定事由：{text}"),
        CancellationReason::OtherLegalGround(text) => format!("another legal ground: {text}"),
        CancellationReason::Lapsed if zh => "有效期届满未续期".into(),
        CancellationReason::Lapsed => "not renewed before its validity ended".into(),
    }
}

fn refusal(ground: &RefusalGround, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let (z, e) = match ground {
        RefusalGround::IncompleteMaterials => (
            "申请材料不齐全或不符合要求（不予受理）",
            "the materials were incomplete or not as required (not accepted)",
        ),
        RefusalGround::ConditionsNotMet => (
            "不符合登记条件",
            "the conditions for registration were not met",
        ),
        RefusalGround::ProtectedData => (
            "涉及国家核心数据、国家秘密、商业秘密或个人隐私",
            "national core data, state or trade secrets, or personal privacy",
        ),
        RefusalGround::PublicOrder => ("违反公序良俗", "against public order and good morals"),
        RefusalGround::UnlawfulSource => (
            "数据来源不合法或缺少授权",
            "unlawfully acquired, or the source's authorisation is missing",
        ),
        RefusalGround::InterestedPartiesDisagree => {
            ("其他利害关系人不同意", "other interested parties disagree")
        }
        RefusalGround::OwnershipDispute => {
            ("权属存在争议", "an unresolved dispute over the rights")
        }
        RefusalGround::FalseMaterials => (
            "隐瞒事实或提供虚假材料",
            "facts concealed or false materials supplied",
        ),
        RefusalGround::OtherLegalGround(text) if zh => return format!("其他法定事由：{text}"),
        RefusalGround::OtherLegalGround(text) => return format!("another legal ground: {text}"),
    };
    if zh { z.into() } else { e.into() }
}

fn revocation(reason: &RevocationReason, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match reason {
        RevocationReason::FalseMaterials if zh => "隐瞒事实或提供虚假材料".into(),
        RevocationReason::FalseMaterials => "facts concealed or false materials supplied".into(),
        RevocationReason::TamperedOrForged if zh => "证书被篡改或伪造".into(),
        RevocationReason::TamperedOrForged => "the certificate was tampered with or forged".into(),
        RevocationReason::IllegalUse if zh => "证书被非法使用".into(),
        RevocationReason::IllegalUse => "the certificate was used illegally".into(),
        RevocationReason::OtherLegalGround(text) if zh => format!("其他法定事由：{text}"),
        RevocationReason::OtherLegalGround(text) => format!("another legal ground: {text}"),
    }
}

fn age_text(seconds: i64, lang: Lang) -> String {
    let hours = seconds / 3600;
    match lang {
        Lang::Zh if hours >= 48 => format!("{} 天", hours / 24),
        Lang::Zh if hours >= 1 => format!("{hours} 小时"),
        Lang::Zh => format!("{seconds} 秒"),
        Lang::En if hours >= 48 => format!("{} days", hours / 24),
        Lang::En if hours >= 1 => format!("{hours} hours"),
        Lang::En => format!("{seconds} seconds"),
    }
}

/// The labels of the text report, in order.
struct Labels {
    code: &'static str,
    printed_code: &'static str,
    compared: &'static str,
    not_compared: &'static str,
    verdict: &'static str,
    reason: &'static str,
    registrant: &'static str,
    data_name: &'static str,
    status: &'static str,
    validity: &'static str,
    as_of: &'static str,
    log: &'static str,
    witnesses: &'static str,
    replicas: &'static str,
    consistency_only: &'static str,
    checked_on: &'static str,
    note: &'static str,
}

const ZH: Labels = Labels {
    code: "证书编码",
    printed_code: "证书上的编码",
    compared: "已比对：核验的是证书上印的这个编码",
    not_compared: "未比对（--any-code）：请核对上面的编码与证书上印的编码一致",
    verdict: "核验结论",
    reason: "原因",
    registrant: "登记主体",
    data_name: "数据名称",
    status: "登记状态",
    validity: "有效期",
    as_of: "状态截至",
    log: "登记机构日志",
    witnesses: "见证方",
    replicas: "其他登记机构的节点",
    consistency_only: "仅见证日志一致性",
    checked_on: "核验日期",
    note: "只有“有效”表示该证书可在核验日期作为依据。",
};

const EN: Labels = Labels {
    code: "Certificate code",
    printed_code: "Code on the certificate",
    compared: "compared: the code printed on the certificate is the one verified",
    not_compared: "NOT COMPARED (--any-code): check that the code above is the one printed on \
                   the certificate",
    verdict: "Verdict",
    reason: "Reason",
    registrant: "Registrant",
    data_name: "Data name",
    status: "Status in the log",
    validity: "Validity",
    as_of: "Status as of",
    log: "Log",
    witnesses: "Witnessed by",
    replicas: "other agencies' nodes",
    consistency_only: "log consistency only",
    checked_on: "Checked on",
    note: "Only VALID means the certificate may be relied on on the date checked.",
};

/// The text report of `verdict` for a person, in `lang`.
pub fn text_report(verdict: &Verdict, lang: Lang) -> String {
    report_text(verdict, lang, None)
}

/// [`text_report`] with a line, after the code, saying whether the code printed on the
/// certificate was compared with the bundle's.
pub fn text_report_for_code(verdict: &Verdict, lang: Lang, check: CodeCheck) -> String {
    report_text(verdict, lang, Some(check))
}

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// The report's lines, `(label, value)`, in `lang`: what [`text_report`] and
/// [`text_report_for_code`] print one per line (before the closing note), and what the bank's page
/// shows as a table. `check` adds the line on the printed code after the code.
pub fn report_lines(
    verdict: &Verdict,
    lang: Lang,
    check: Option<CodeCheck>,
) -> Vec<(&'static str, String)> {
    let l = labels(lang);
    let mut lines: Vec<(&'static str, String)> = Vec::new();
    if let Some(code) = &verdict.code {
        lines.push((l.code, code.to_string()));
    }
    match check {
        Some(CodeCheck::Compared) => lines.push((l.printed_code, l.compared.to_owned())),
        Some(CodeCheck::NotCompared) => lines.push((l.printed_code, l.not_compared.to_owned())),
        None => {}
    }
    lines.push((l.verdict, headline(&verdict.kind, lang).to_owned()));
    if let Some(reason) = reason(&verdict.kind, lang) {
        lines.push((l.reason, reason));
    }
    if let Some(state) = &verdict.state {
        state_lines(&mut lines, l, state, lang);
    }
    if let Some(as_of) = verdict.as_of {
        let zone = if lang == Lang::Zh {
            "北京时间"
        } else {
            "CST (UTC+8)"
        };
        lines.push((l.as_of, format!("{} {zone}", format_cst(as_of))));
    }
    if let Some(log) = &verdict.log {
        lines.push((l.log, log.clone()));
    }
    if !verdict.cosigners.is_empty() {
        lines.push((l.witnesses, witnesses_text(&verdict.cosigners, l, lang)));
    }
    if let Some(day) = verdict.checked_on {
        lines.push((l.checked_on, day.to_string()));
    }
    lines
}

fn report_text(verdict: &Verdict, lang: Lang, check: Option<CodeCheck>) -> String {
    let l = labels(lang);
    let mut out = String::new();
    for (label, value) in report_lines(verdict, lang, check) {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out.push_str(l.note);
    out.push('\n');
    out
}

/// The witnesses that counted, replicas first, e.g.
/// `a.example, b.example (other agencies' nodes); w.example (log consistency only)`.
fn witnesses_text(cosigners: &[Cosigner], l: &Labels, lang: Lang) -> String {
    let (separator, open, close, between) = match lang {
        Lang::Zh => ("、", "（", "）", "；"),
        Lang::En => (", ", " (", ")", "; "),
    };
    let group = |consistency_only: bool, label: &str| {
        let names: Vec<&str> = cosigners
            .iter()
            .filter(|c| c.consistency_only == consistency_only)
            .map(|c| c.name.as_str())
            .collect();
        (!names.is_empty()).then(|| format!("{}{open}{label}{close}", names.join(separator)))
    };
    [group(false, l.replicas), group(true, l.consistency_only)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(between)
}

fn state_lines(
    lines: &mut Vec<(&'static str, String)>,
    l: &Labels,
    state: &CertificateState,
    lang: Lang,
) {
    if let Some(registrant) = &state.registrant {
        let id = match (&registrant.id, lang) {
            (RegistrantId::Organisation(code), _) => code.to_string(),
            (RegistrantId::Individual(_), Lang::Zh) => "自然人，身份信息未公开".into(),
            (RegistrantId::Individual(_), Lang::En) => "individual, identity not public".into(),
        };
        lines.push((l.registrant, format!("{} ({id})", registrant.name)));
    }
    if let Some(name) = &state.data_name {
        lines.push((l.data_name, name.clone()));
    }
    let status = match (lang, state.status.name()) {
        (Lang::Zh, "in-notice") => "公示中",
        (Lang::Zh, "active") => "已发证",
        (Lang::Zh, "terminated") => "已终止",
        (Lang::Zh, "cancelled") => "已注销",
        (Lang::Zh, "revoked") => "已撤销",
        (Lang::Zh, "applied") => "申请办理中",
        (Lang::Zh, "refused") => "未予登记",
        (Lang::Zh, "withdrawn") => "已撤回",
        (_, name) => name,
    };
    lines.push((l.status, status.to_owned()));
    if let Some(v) = state.validity {
        let joiner = if lang == Lang::Zh { " 至 " } else { " to " };
        lines.push((l.validity, format!("{}{joiner}{}", v.from, v.until)));
    }
}

/// The process exit code of a receipt check: 0 when it proves the hash, else as for bundles
/// (21 untrusted, 22 tampered, 23 malformed), and 24 for a receipt of another hash. A receipt
/// does not expire, so it is never stale (20).
pub fn receipt_exit_code(outcome: &Result<ReceiptInfo, ReceiptError>) -> u8 {
    match outcome {
        Ok(_) => 0,
        Err(ReceiptError::Untrusted(_)) => 21,
        Err(ReceiptError::Malformed(_)) => 23,
        Err(ReceiptError::WrongHash { .. }) => 24,
        // Tampered, not evidence, and any failure a later format version adds.
        Err(_) => 22,
    }
}

/// The JSON form of a receipt check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptJson {
    /// `anchored` when the receipt proves the hash, else `untrusted`, `tampered`, `malformed` or
    /// `wrong-hash`.
    pub verdict: &'static str,
    /// The process exit code.
    pub exit_code: u8,
    /// The hash asked about.
    pub hash: String,
    /// What the receipt proves, when it does.
    pub receipt: Option<ReceiptInfo>,
    /// The time the record was sequenced, CST.
    pub time_cst: Option<String>,
    /// Why it does not, in English.
    pub reason: Option<String>,
}

fn receipt_verdict(outcome: &Result<ReceiptInfo, ReceiptError>) -> &'static str {
    match receipt_exit_code(outcome) {
        0 => "anchored",
        21 => "untrusted",
        22 => "tampered",
        23 => "malformed",
        24 => "wrong-hash",
        _ => "unknown",
    }
}

/// Builds the JSON report of a receipt check for `hash`.
pub fn receipt_json(hash: &Hash, outcome: &Result<ReceiptInfo, ReceiptError>) -> ReceiptJson {
    ReceiptJson {
        verdict: receipt_verdict(outcome),
        exit_code: receipt_exit_code(outcome),
        hash: hash.to_hex(),
        receipt: outcome.as_ref().ok().cloned(),
        time_cst: outcome.as_ref().ok().map(|i| format_cst(i.time)),
        reason: outcome.as_ref().err().map(ToString::to_string),
    }
}

/// The lines of a receipt that proves its hash: (Chinese label, English label, value).
fn anchored_lines(info: &ReceiptInfo, zh: bool) -> Vec<(&'static str, &'static str, String)> {
    let cst = |time: i64| {
        format!(
            "{} {}",
            format_cst(time),
            if zh { "北京时间" } else { "CST (UTC+8)" }
        )
    };
    let verdict = if zh {
        "已存证：该哈希已记入登记机构日志"
    } else {
        "ANCHORED: the hash is in the agency's log"
    };
    let mut lines = vec![
        ("结论", "Verdict", verdict.to_owned()),
        ("日志", "Log", format!("{} #{}", info.origin, info.index)),
        ("存证时间", "Anchored at", cst(info.time)),
        ("提交方公钥", "Submitter key", info.submitter.to_hex()),
        ("证明截至", "Proven as of", cst(info.as_of)),
    ];
    if let Some(newer) = &info.consistent_with {
        let value = if zh {
            format!(
                "日志大小 {} 的检查点，见证于 {}",
                newer.size,
                cst(newer.as_of)
            )
        } else {
            format!(
                "checkpoint of size {}, witnessed as of {}",
                newer.size,
                cst(newer.as_of)
            )
        };
        lines.push(("一致性已验证至", "Consistent with", value));
    }
    lines
}

/// The text report of a receipt check for `hash`, in `lang`.
pub fn receipt_text(
    hash: &Hash,
    outcome: &Result<ReceiptInfo, ReceiptError>,
    lang: Lang,
) -> String {
    let zh = lang == Lang::Zh;
    let mut out = format!("{}: {hash}\n", if zh { "哈希" } else { "Hash" });
    match outcome {
        Ok(info) => {
            for (label_zh, label_en, value) in anchored_lines(info, zh) {
                out.push_str(&format!(
                    "{}: {value}\n",
                    if zh { label_zh } else { label_en }
                ));
            }
        }
        Err(e) => {
            let verdict = match (receipt_verdict(outcome), zh) {
                ("wrong-hash", true) => "不符：回执对应的是另一个哈希",
                ("untrusted", true) => "不可信",
                ("malformed", true) => "格式错误",
                (_, true) => "被篡改",
                ("wrong-hash", false) => "MISMATCH: the receipt is for another hash",
                ("untrusted", false) => "UNTRUSTED",
                ("malformed", false) => "MALFORMED",
                (_, false) => "TAMPERED",
            };
            out.push_str(&format!(
                "{}: {verdict}\n",
                if zh { "结论" } else { "Verdict" }
            ));
            out.push_str(&format!("{}: {e}\n", if zh { "原因" } else { "Reason" }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct_and_only_valid_is_zero() {
        let d = "2027-01-01".parse().unwrap();
        let kinds = [
            VerdictKind::Valid {
                valid_from: d,
                valid_until: d,
            },
            VerdictKind::Expired { valid_until: d },
            VerdictKind::NotYetValid { valid_from: d },
            VerdictKind::Cancelled(CancellationReason::DataLost),
            VerdictKind::Revoked(RevocationReason::IllegalUse),
            VerdictKind::Suspended,
            VerdictKind::InNotice { ends_on: d },
            VerdictKind::Terminated,
            VerdictKind::UnknownCertificate,
            VerdictKind::Stale { age_seconds: 1 },
            VerdictKind::Untrusted(String::new()),
            VerdictKind::Tampered(String::new()),
            VerdictKind::Malformed(String::new()),
        ];
        let mut codes: Vec<u8> = kinds.iter().map(exit_code).collect();
        assert_eq!(codes, [0, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23]);
        codes.dedup();
        assert_eq!(codes.len(), kinds.len());
        for kind in &kinds {
            assert!(!headline(kind, Lang::Zh).is_empty());
            assert!(headline(kind, Lang::En).is_ascii());
        }
    }

    #[test]
    fn reports_name_the_log_and_the_witnesses_that_counted() {
        let d = "2027-01-01".parse().unwrap();
        let cosigner = |name: &str, consistency_only, timestamp| Cosigner {
            name: name.into(),
            consistency_only,
            timestamp,
        };
        let verdict = Verdict {
            kind: VerdictKind::Valid {
                valid_from: d,
                valid_until: d,
            },
            code: None,
            log: Some("ledger.yuxi.example/2026".into()),
            cosigners: vec![
                cosigner("kunming.example", false, 20),
                cosigner("qujing.example", false, 10),
                cosigner("litewitness.example", true, 5),
            ],
            as_of: Some(5),
            checked_on: Some(d),
            state: None,
        };
        let en = text_report(&verdict, Lang::En);
        assert!(en.contains("Log: ledger.yuxi.example/2026\n"), "{en}");
        assert!(
            en.contains(
                "Witnessed by: kunming.example, qujing.example (other agencies' nodes); \
                 litewitness.example (log consistency only)\n"
            ),
            "{en}"
        );
        let zh = text_report(&verdict, Lang::Zh);
        assert!(
            zh.contains("登记机构日志: ledger.yuxi.example/2026\n"),
            "{zh}"
        );
        assert!(
            zh.contains("见证方: kunming.example、qujing.example（其他登记机构的节点）；"),
            "{zh}"
        );
        let json = serde_json::to_value(json_report(&verdict)).unwrap();
        assert_eq!(json["log"], "ledger.yuxi.example/2026");
        assert_eq!(
            json["witnesses"][2],
            serde_json::json!({"name": "litewitness.example", "kind": "consistency-only", "time": 5})
        );
        // An untrusted verdict still names the log, and no witness.
        let untrusted = Verdict {
            kind: VerdictKind::Untrusted("no".into()),
            cosigners: Vec::new(),
            as_of: None,
            ..verdict
        };
        let en = text_report(&untrusted, Lang::En);
        assert!(en.contains("Log: ledger.yuxi.example/2026\n"), "{en}");
        assert!(!en.contains("Witnessed by"), "{en}");
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age_text(59, Lang::En), "59 seconds");
        assert_eq!(age_text(86_401, Lang::En), "24 hours");
        assert_eq!(age_text(3 * 86_400, Lang::Zh), "3 天");
    }
}
