//! Checking a certificate code (一证一码) or a unified social credit code (GB 32100-2015) without a
//! bundle: the shape and check character only, with an explanation a person can act on. A valid
//! code says nothing about whether a certificate exists; only a verified bundle does.

use ledger_format::code::{CertificateCode, CodeError, CreditCode, ObjectKind};

use crate::report::Lang;

/// Parses a certificate code.
///
/// # Errors
/// The [`CodeError`]; [`explain`] turns it into a sentence.
pub fn check_certificate_code(text: &str) -> Result<CertificateCode, CodeError> {
    CertificateCode::parse(text.trim())
}

/// Parses a unified social credit code.
///
/// # Errors
/// The [`CodeError`]; [`explain`] turns it into a sentence.
pub fn check_credit_code(text: &str) -> Result<CreditCode, CodeError> {
    CreditCode::parse(text.trim())
}

/// What a valid certificate code says: region, year, object kind and serial.
pub fn describe_certificate_code(code: &CertificateCode, lang: Lang) -> String {
    let kind = match (code.kind(), lang) {
        (ObjectKind::DataResource, Lang::Zh) => "数据资源",
        (ObjectKind::DataResource, Lang::En) => "data resource",
        (ObjectKind::ProductOrService, Lang::Zh) => "数据产品或服务",
        (ObjectKind::ProductOrService, Lang::En) => "data product or service",
    };
    match lang {
        Lang::Zh => format!(
            "格式有效：登记机构行政区划 {:06}，{} 年，{}，序号 {}（格式有效不代表证书存在或有效，请用核验包核验）",
            code.region(),
            code.year(),
            kind,
            code.serial()
        ),
        Lang::En => format!(
            "well-formed: agency region {:06}, year {}, {}, serial {} (this does not show that the certificate exists or is valid: verify a bundle for that)",
            code.region(),
            code.year(),
            kind,
            code.serial()
        ),
    }
}

/// What a valid credit code says: its registration authority, organisation type and region.
pub fn describe_credit_code(code: &CreditCode, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "格式有效：登记管理部门代码 {}，机构类别代码 {}，行政区划 {}，主体标识码 {}",
            code.registration_authority(),
            code.organisation_type(),
            code.region(),
            code.organisation_code()
        ),
        Lang::En => format!(
            "well-formed: registration authority {}, organisation type {}, region {}, organisation code {}",
            code.registration_authority(),
            code.organisation_type(),
            code.region(),
            code.organisation_code()
        ),
    }
}

/// A sentence explaining `error` to the person who typed or scanned the code.
pub fn explain(error: &CodeError, lang: Lang) -> String {
    match (error, lang) {
        (CodeError::Length { expected, found }, Lang::Zh) => {
            format!("长度错误：应为 {expected} 位，实际 {found} 位（可能漏输或多输了字符）")
        }
        (CodeError::Length { expected, found }, Lang::En) => format!(
            "wrong length: {expected} characters expected, {found} found (a character is missing or extra)"
        ),
        (
            CodeError::Character {
                position,
                found,
                expected,
            },
            Lang::Zh,
        ) => format!(
            "第 {position} 位字符“{found}”不合规，该位应为{}（代码不使用字母 I、O、Z、S、V 及小写字母）",
            zh_expected(expected)
        ),
        (
            CodeError::Character {
                position,
                found,
                expected,
            },
            Lang::En,
        ) => format!(
            "character {found:?} at position {position} is not allowed: it must be {expected} (codes never use I, O, Z, S, V or lowercase)"
        ),
        (CodeError::CheckCharacter { expected, found }, Lang::Zh) => {
            format!("校验位错误：末位为“{found}”，按前面各位应为“{expected}”。代码输错或被伪造")
        }
        (CodeError::CheckCharacter { expected, found }, Lang::En) => format!(
            "check character is {found:?} but the other characters call for {expected:?}: the code was mistyped or forged"
        ),
        (CodeError::Region(region), Lang::Zh) => {
            format!("行政区划代码 {region:06} 不是大陆地区的 GB/T 2260 代码")
        }
        (CodeError::Region(region), Lang::En) => {
            format!("region {region:06} is not a mainland GB/T 2260 division code")
        }
        (CodeError::Year(year), Lang::Zh) => format!("年份 {year} 超出范围"),
        (CodeError::Year(year), Lang::En) => format!("year {year} is out of range"),
        (other, Lang::Zh) => format!("代码无效：{other}"),
        (other, Lang::En) => format!("invalid code: {other}"),
    }
}

fn zh_expected(expected: &str) -> &str {
    match expected {
        "a digit" => "数字",
        "R or P" => "R（数据资源）或 P（数据产品或服务）",
        "a code character" | "a credit code character" => {
            "代码字符（数字或 A–Y 中除 I、O、S、V、Z 外的大写字母）"
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::testing;

    #[test]
    fn valid_codes_are_described() {
        let code = testing::code(2026, 1);
        let parsed = check_certificate_code(&format!(" {code}\n")).unwrap();
        assert_eq!(parsed, code);
        let en = describe_certificate_code(&parsed, Lang::En);
        assert!(
            en.contains("region 530400, year 2026, data resource, serial 1"),
            "{en}"
        );
        assert!(describe_certificate_code(&parsed, Lang::Zh).contains("数据资源"));
        let credit = check_credit_code(testing::CREDIT_CODE).unwrap();
        assert!(describe_credit_code(&credit, Lang::En).contains("region 350100"));
        assert!(describe_credit_code(&credit, Lang::Zh).contains("行政区划 350100"));
    }

    #[test]
    fn errors_are_explained() {
        let code = testing::code(2026, 1).to_string();
        let mut wrong_check = code.clone();
        let last = if code.ends_with('0') { "1" } else { "0" };
        wrong_check.replace_range(19.., last);
        let e = check_certificate_code(&wrong_check).unwrap_err();
        assert!(explain(&e, Lang::En).contains("mistyped or forged"));
        assert!(explain(&e, Lang::Zh).contains("校验位错误"));
        let e = check_certificate_code(&code[..19]).unwrap_err();
        assert!(
            explain(&e, Lang::En).starts_with("wrong length: 20 characters expected, 19 found")
        );
        assert!(explain(&e, Lang::Zh).contains("应为 20 位"));
        let mut bad_char = code.clone();
        bad_char.replace_range(2..3, "O");
        let e = check_certificate_code(&bad_char).unwrap_err();
        assert!(
            explain(&e, Lang::En).contains("position 3"),
            "{}",
            explain(&e, Lang::En)
        );
        assert!(explain(&e, Lang::Zh).contains("第 3 位"));
        let e = check_credit_code("91350100M000100Y44").unwrap_err();
        assert!(explain(&e, Lang::En).contains("check character"));
    }
}
