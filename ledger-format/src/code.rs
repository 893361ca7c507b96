//! Certificate codes (一证一码) and unified social credit codes (GB 32100-2015).
//!
//! Both identifiers are typed by people and checked offline before any lookup, so both carry a
//! check character over the same 31-character alphabet ([`ALPHABET`]) and the same algorithm:
//! weights `3^(i-1) mod 31` for positions `i = 1..n-1`, and the check character is the value `c`
//! with `(sum + c) mod 31 = 0`, i.e. `c = (31 - sum mod 31) mod 31` (docs/format.md#codes).
//!
//! Because 31 is prime and 3 is a primitive root modulo 31, the weights of positions 1 to 30 are
//! nonzero and pairwise distinct, and the check character's weight (1) differs from its
//! neighbour's; so the check detects every single-character substitution and every transposition
//! of two adjacent characters, including the check character itself.
//!
//! ```
//! use ledger_format::code::{CertificateCode, CreditCode, ObjectKind};
//!
//! let code = CertificateCode::new(530400, 2026, ObjectKind::DataResource, 1).unwrap();
//! assert_eq!(code.as_str(), "5304002026R00000001T");
//! assert_eq!("5304002026R00000001T".parse::<CertificateCode>().unwrap(), code);
//! assert!("5304002026R00000010T".parse::<CertificateCode>().is_err()); // transposed digits
//!
//! let credit: CreditCode = "91350100M000100Y43".parse().unwrap();
//! assert_eq!(credit.organisation_code(), "M000100Y4");
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::date::{MAX_YEAR, MIN_YEAR};

/// The 31 characters of GB 32100-2015 (`0-9A-Z` without `I O Z S V`), in value order: the
/// character at index `v` has value `v`. Both codes use it; the alphabet is in ASCII order, so
/// comparing fixed-width codes as strings compares their values.
pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Modulus of the check character: the size of [`ALPHABET`], a prime.
const MODULUS: u32 = 31;

/// Length of a [`CertificateCode`] in characters: region 6 + year 4 + kind 1 + serial 8 + check 1.
pub const CERTIFICATE_CODE_LEN: usize = 20;

/// Largest serial number of a [`CertificateCode`]: 8 decimal digits, 10^8 certificates per
/// agency per year (more than 31^5 ≈ 2.9 × 10^7, and far beyond any agency's yearly volume).
pub const MAX_SERIAL: u64 = 99_999_999;

/// Length of a [`CreditCode`] in characters.
pub const CREDIT_CODE_LEN: usize = 18;

/// Province-level prefixes of GB/T 2260 on the mainland, where these measures apply. GB/T 2260
/// also lists Taiwan (71), Hong Kong (81) and Macao (82), which have no registration agency.
const PROVINCE_CODES: [u32; 31] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65,
];

/// What is wrong with a certificate code or credit code. Positions count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// The text has the wrong number of characters.
    #[error("expected {expected} characters, found {found}")]
    Length {
        /// The code's fixed length.
        expected: usize,
        /// Characters in the input.
        found: usize,
    },
    /// A character is not allowed at its position.
    #[error("character {found:?} at position {position} is not {expected}")]
    Character {
        /// 1-based position of the character.
        position: usize,
        /// The character found.
        found: char,
        /// What the position requires, e.g. "a digit".
        expected: &'static str,
    },
    /// The check character does not match the rest of the code.
    #[error("check character is {found:?}, expected {expected:?}")]
    CheckCharacter {
        /// The check character the other characters call for.
        expected: char,
        /// The check character found.
        found: char,
    },
    /// The region is not a GB/T 2260 administrative division code of the mainland.
    #[error("region {0:06} is not a GB/T 2260 division code")]
    Region(u32),
    /// The year is outside the years of ledger dates ([`MIN_YEAR`]–[`MAX_YEAR`]).
    #[error("year {0} outside {MIN_YEAR}..={MAX_YEAR}")]
    Year(u16),
    /// The serial number does not fit in eight digits.
    #[error("serial {0} exceeds {MAX_SERIAL}")]
    Serial(u64),
}

/// Value of an [`ALPHABET`] character, or `None` for any other character (lowercase included).
fn alphabet_value(c: u8) -> Option<u32> {
    ALPHABET.bytes().position(|a| a == c).map(|v| v as u32)
}

/// Whether `c` is one of the 31 characters of [`ALPHABET`].
fn in_alphabet(c: char) -> bool {
    c.is_ascii() && alphabet_value(c as u8).is_some()
}

/// What position `i` (0-based) of a certificate code requires, if `c` is not allowed there.
fn certificate_position_rule(i: usize, c: char) -> Option<&'static str> {
    match i {
        10 => ObjectKind::from_letter(c).is_none().then_some("R or P"),
        19 => (!in_alphabet(c)).then_some("a code character"),
        _ => (!c.is_ascii_digit()).then_some("a digit"),
    }
}

/// The [`ALPHABET`] character of a value below 31.
fn alphabet_char(value: u32) -> char {
    ALPHABET
        .as_bytes()
        .get(value as usize)
        .map_or('?', |&b| char::from(b))
}

/// The weighted sum of `payload`: character values times weights `3^(i-1) mod 31` for positions
/// `i = 1, 2, ...`, not reduced. Characters outside the alphabet count as 0; callers reject them first.
fn weighted_sum(payload: &[u8]) -> u32 {
    let mut sum = 0;
    let mut weight = 1;
    for &c in payload {
        sum += weight * alphabet_value(c).unwrap_or(0);
        weight = weight * 3 % MODULUS;
    }
    sum
}

/// The check character for `payload` (every character but the check): `(31 - sum mod 31) mod 31`.
fn check_character(payload: &[u8]) -> char {
    alphabet_char((MODULUS - weighted_sum(payload) % MODULUS) % MODULUS)
}

/// Checks the length of `text` in characters and that every character satisfies `allowed` (given
/// the 0-based position and the character, returning `None` or what the position requires).
/// On success the text is ASCII, so byte positions are character positions.
fn check_chars(
    text: &str,
    expected: usize,
    allowed: impl Fn(usize, char) -> Option<&'static str>,
) -> Result<&[u8], CodeError> {
    let found = text.chars().count();
    if found != expected {
        return Err(CodeError::Length { expected, found });
    }
    for (i, c) in text.chars().enumerate() {
        if let Some(what) = allowed(i, c) {
            return Err(CodeError::Character {
                position: i + 1,
                found: c,
                expected: what,
            });
        }
    }
    Ok(text.as_bytes())
}

/// Compares the last character of `text` with the check character of the others.
fn verify_check(text: &[u8]) -> Result<(), CodeError> {
    let (payload, found) = match text.split_last() {
        Some((&last, payload)) => (payload, char::from(last)),
        None => return Ok(()),
    };
    let expected = check_character(payload);
    if expected == found {
        Ok(())
    } else {
        Err(CodeError::CheckCharacter { expected, found })
    }
}

/// The decimal value of a run of ASCII digits (already checked).
fn decimal(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u64::from(d.wrapping_sub(b'0')))
}

/// Whether `region` is shaped as a mainland GB/T 2260 code: a known province prefix, and no
/// county part under a province-level code (`xx00yy` does not exist).
///
/// This is a structural check, not membership in the current GB/T 2260 list, which changes
/// every year as divisions merge and split; certificate codes must stay valid across those changes.
pub fn is_region_code(region: u32) -> bool {
    let province = region / 10_000;
    let prefecture = region / 100 % 100;
    let county = region % 100;
    region <= 999_999 && PROVINCE_CODES.contains(&province) && (prefecture != 0 || county == 0)
}

/// Whether an agency that may issue for the GB/T 2260 division `listed` may issue a code of
/// `region`: the same code, or a division inside it (a province `xx0000` covers every `xx....`, a
/// prefecture `xxyy00` every `xxyy..`). A county-level code covers itself alone.
pub fn region_covers(listed: u32, region: u32) -> bool {
    if listed == region {
        return true;
    }
    if listed.is_multiple_of(10_000) {
        return listed / 10_000 == region / 10_000;
    }
    listed.is_multiple_of(100) && listed / 100 == region / 100
}

/// The kind of registered object (R12, A25): the letter at position 11 of a certificate code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub enum ObjectKind {
    /// A public data resource (公共数据资源), letter `R`.
    DataResource,
    /// A public data product or service (公共数据产品和服务), letter `P`.
    ProductOrService,
}

impl ObjectKind {
    /// The letter that stands for this kind in a certificate code.
    pub fn letter(self) -> char {
        match self {
            ObjectKind::DataResource => 'R',
            ObjectKind::ProductOrService => 'P',
        }
    }

    /// The kind a certificate-code letter stands for (uppercase only).
    pub fn from_letter(letter: char) -> Option<Self> {
        match letter {
            'R' => Some(ObjectKind::DataResource),
            'P' => Some(ObjectKind::ProductOrService),
            _ => None,
        }
    }
}

/// A certificate code (一证一码, R23): `RRRRRR YYYY K SSSSSSSS C` without spaces, 20 characters.
///
/// | positions | field | rule |
/// |---|---|---|
/// | 1–6 | region of the issuing agency | GB/T 2260 code (see [`is_region_code`]) |
/// | 7–10 | year of issue | four digits, 1970–9999 (the years of ledger dates) |
/// | 11 | object kind | `R` data resource, `P` product or service |
/// | 12–19 | serial | eight digits, unique per agency and year |
/// | 20 | check character | over [`ALPHABET`], see the module docs |
///
/// Serialized as its text (in JSON and in BCS); deserializing validates it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificateCode(String);

impl CertificateCode {
    /// Builds the code of certificate `serial` of `year` and `kind` issued by the agency of
    /// `region`, computing the check character.
    ///
    /// # Errors
    /// [`CodeError::Region`], [`CodeError::Year`] or [`CodeError::Serial`] when a field is out of range.
    pub fn new(region: u32, year: u16, kind: ObjectKind, serial: u64) -> Result<Self, CodeError> {
        if !is_region_code(region) {
            return Err(CodeError::Region(region));
        }
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CodeError::Year(year));
        }
        if serial > MAX_SERIAL {
            return Err(CodeError::Serial(serial));
        }
        let mut text = format!("{region:06}{year:04}{}{serial:08}", kind.letter());
        text.push(check_character(text.as_bytes()));
        Ok(CertificateCode(text))
    }

    /// Parses a code strictly: exactly 20 characters, uppercase, each field valid, check character right.
    ///
    /// # Errors
    /// The first [`CodeError`] found, checking length, then characters left to right, then
    /// region and year, then the check character.
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let bytes = check_chars(text, CERTIFICATE_CODE_LEN, certificate_position_rule)?;
        let region = decimal(&bytes[0..6]) as u32;
        if !is_region_code(region) {
            return Err(CodeError::Region(region));
        }
        let year = decimal(&bytes[6..10]) as u16;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CodeError::Year(year));
        }
        verify_check(bytes)?;
        Ok(CertificateCode(text.to_owned()))
    }

    /// The code's text, 20 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GB/T 2260 code of the issuing agency's region (positions 1–6).
    pub fn region(&self) -> u32 {
        decimal(&self.0.as_bytes()[0..6]) as u32
    }

    /// The year of issue (positions 7–10).
    pub fn year(&self) -> u16 {
        decimal(&self.0.as_bytes()[6..10]) as u16
    }

    /// The kind of registered object (position 11).
    pub fn kind(&self) -> ObjectKind {
        match self.0.as_bytes()[10] {
            b'P' => ObjectKind::ProductOrService,
            _ => ObjectKind::DataResource,
        }
    }

    /// The serial number within the agency and year (positions 12–19).
    pub fn serial(&self) -> u64 {
        decimal(&self.0.as_bytes()[11..19])
    }

    /// The check character (position 20).
    pub fn check(&self) -> char {
        char::from(self.0.as_bytes()[19])
    }
}

impl FromStr for CertificateCode {
    type Err = CodeError;

    fn from_str(text: &str) -> Result<Self, CodeError> {
        CertificateCode::parse(text)
    }
}

impl fmt::Display for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CertificateCode {
    type Error = CodeError;

    fn try_from(text: String) -> Result<Self, CodeError> {
        CertificateCode::parse(&text)
    }
}

impl From<CertificateCode> for String {
    fn from(code: CertificateCode) -> String {
        code.0
    }
}

/// A unified social credit code (统一社会信用代码, GB 32100-2015), 18 characters.
///
/// | positions | field |
/// |---|---|
/// | 1 | registration authority (登记管理部门) |
/// | 2 | organisation type (机构类别) |
/// | 3–8 | GB/T 2260 code of the registering authority's region |
/// | 9–17 | subject code: a GB 11714 organisation code with its own check character |
/// | 18 | check character over [`ALPHABET`] |
///
/// Parsing checks the alphabet and the check character, as GB 32100 defines them. It does not
/// require positions 9–17 to pass the GB 11714 check ([`CreditCode::has_valid_organisation_code`]),
/// nor the first two characters to come from a table: see docs/format.md#credit-codes for why.
///
/// Serialized as its text (in JSON and in BCS); deserializing validates it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a code strictly: 18 characters of [`ALPHABET`] (uppercase) with the right check character.
    ///
    /// # Errors
    /// [`CodeError::Length`], then [`CodeError::Character`] for the first character outside the
    /// alphabet, then [`CodeError::CheckCharacter`].
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let bytes = check_chars(text, CREDIT_CODE_LEN, |_, c| {
            (!in_alphabet(c)).then_some("a credit code character")
        })?;
        verify_check(bytes)?;
        Ok(CreditCode(text.to_owned()))
    }

    /// The code's text, 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration authority code (position 1), e.g. `9` for market regulation (工商).
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// The organisation type code (position 2), e.g. `1` for an enterprise under authority `9`.
    pub fn organisation_type(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// The region code of the registering authority (positions 3–8).
    pub fn region(&self) -> &str {
        &self.0[2..8]
    }

    /// The subject identifier, a GB 11714 organisation code (positions 9–17).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Whether positions 9–17 pass the GB 11714 check (see [`organisation_code_check`]).
    pub fn has_valid_organisation_code(&self) -> bool {
        organisation_code_check(self.organisation_code())
    }
}

impl FromStr for CreditCode {
    type Err = CodeError;

    fn from_str(text: &str) -> Result<Self, CodeError> {
        CreditCode::parse(text)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CodeError;

    fn try_from(text: String) -> Result<Self, CodeError> {
        CreditCode::parse(&text)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> String {
        code.0
    }
}

/// Whether `code` is a GB 11714 organisation code with a correct check character: eight
/// characters `0-9` or `A-Z` (valued 0–9 and A=10 … Z=35), weights `3 7 9 10 5 8 4 2`, then
/// the check `11 - sum mod 11`, written `X` for 10 and `0` for 11. Lowercase is rejected.
pub fn organisation_code_check(code: &str) -> bool {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let bytes = code.as_bytes();
    if bytes.len() != 9 {
        return false;
    }
    let mut sum = 0;
    for (&b, w) in bytes.iter().zip(WEIGHTS) {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        sum += w * value;
    }
    let expected = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        digit => b'0' + digit as u8,
    };
    bytes[8] == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_coverage_follows_the_division_tree() {
        assert!(region_covers(530400, 530400));
        assert!(region_covers(530400, 530402));
        assert!(region_covers(530000, 530402));
        assert!(region_covers(530000, 530100));
        assert!(!region_covers(530400, 530100));
        assert!(!region_covers(530402, 530400));
        assert!(!region_covers(530402, 530403));
        assert!(!region_covers(530000, 520000));
        assert!(!region_covers(530400, 640500));
    }

    /// A deterministic spread of valid certificate codes: regions from several provinces,
    /// both kinds, years and serials across their ranges.
    fn sample_codes() -> Vec<CertificateCode> {
        let regions = [
            110000, 110101, 310115, 440300, 530000, 530400, 530402, 650100,
        ];
        let mut codes = Vec::new();
        let mut serial: u64 = 0;
        for i in 0..320u64 {
            let region = regions[(i % 8) as usize];
            let year = 2020 + (i % 17) as u16;
            let kind = if i % 3 == 0 {
                ObjectKind::ProductOrService
            } else {
                ObjectKind::DataResource
            };
            serial = (serial * 7919 + i * 104_729 + 1) % (MAX_SERIAL + 1);
            codes.push(CertificateCode::new(region, year, kind, serial).unwrap());
        }
        codes
    }

    /// Whether the check character of `text` (any characters of the alphabet) is consistent.
    fn consistent(text: &[u8]) -> bool {
        let (last, payload) = text.split_last().unwrap();
        check_character(payload) == char::from(*last)
    }

    #[test]
    fn credit_code_worked_example() {
        let payload = b"91350100M000100Y4";
        assert_eq!(weighted_sum(payload), 1640);
        assert_eq!(1640 % 31, 28);
        assert_eq!(check_character(payload), '3');
        let code = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.organisation_type(), '1');
        assert_eq!(code.region(), "350100");
        assert_eq!(code.organisation_code(), "M000100Y4");
        assert!(code.has_valid_organisation_code());
    }

    #[test]
    fn credit_code_weights_are_the_standard_ones() {
        // GB 32100-2015 table: 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28.
        let expected = [
            1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
        ];
        for (i, w) in expected.iter().enumerate() {
            let mut payload = [b'0'; 17];
            payload[i] = b'1';
            assert_eq!(weighted_sum(&payload), *w, "position {}", i + 1);
        }
    }

    #[test]
    fn credit_code_errors() {
        let length = |found| CodeError::Length {
            expected: 18,
            found,
        };
        assert_eq!(CreditCode::parse("91350100M000100Y4"), Err(length(17)));
        assert_eq!(CreditCode::parse("91350100M000100Y433"), Err(length(19)));
        assert_eq!(CreditCode::parse(""), Err(length(0)));
        let character = |position, found| CodeError::Character {
            position,
            found,
            expected: "a credit code character",
        };
        assert_eq!(
            CreditCode::parse("91350100m000100y43"),
            Err(character(9, 'm'))
        );
        assert_eq!(
            CreditCode::parse("9135O100M000100Y43"),
            Err(character(5, 'O'))
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4S"),
            Err(character(18, 'S'))
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4３"),
            Err(character(18, '３'))
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CodeError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y44")
                .unwrap_err()
                .to_string(),
            "check character is '4', expected '3'"
        );
    }

    #[test]
    fn organisation_code_check_cases() {
        assert!(organisation_code_check("M000100Y4"));
        assert!(organisation_code_check("708461136"));
        assert!(organisation_code_check("00000006X"));
        assert!(organisation_code_check("000000000")); // 11 - 0 = 11 → '0'
        assert!(organisation_code_check("0000000A2")); // letter A = 10
        assert!(!organisation_code_check("000000069"));
        assert!(!organisation_code_check("00000006x"));
        assert!(!organisation_code_check("M000100Y"));
        assert!(!organisation_code_check("M000100Y45"));
        assert!(!organisation_code_check("m000100y4"));
        assert!(!organisation_code_check("M000100Y5"));
    }

    #[test]
    fn certificate_code_layout() {
        let code = CertificateCode::new(530400, 2026, ObjectKind::DataResource, 1).unwrap();
        assert_eq!(code.as_str(), "5304002026R00000001T");
        assert_eq!(weighted_sum(b"5304002026R00000001"), 997);
        assert_eq!(code.region(), 530400);
        assert_eq!(code.year(), 2026);
        assert_eq!(code.kind(), ObjectKind::DataResource);
        assert_eq!(code.serial(), 1);
        assert_eq!(code.check(), 'T');
        assert_eq!(code.to_string(), "5304002026R00000001T");
        let product =
            CertificateCode::new(530402, 2031, ObjectKind::ProductOrService, MAX_SERIAL).unwrap();
        assert_eq!(&product.as_str()[..19], "5304022031P99999999");
        assert_eq!(product.kind(), ObjectKind::ProductOrService);
        assert_eq!(product.serial(), MAX_SERIAL);
        assert_eq!(
            product.as_str().parse::<CertificateCode>(),
            Ok(product.clone())
        );
    }

    #[test]
    fn certificate_code_new_rejects_out_of_range_fields() {
        let kind = ObjectKind::DataResource;
        assert_eq!(
            CertificateCode::new(530400, 1969, kind, 1),
            Err(CodeError::Year(1969))
        );
        assert_eq!(
            CertificateCode::new(530400, 999, kind, 1),
            Err(CodeError::Year(999))
        );
        assert_eq!(
            CertificateCode::new(530400, 10000, kind, 1),
            Err(CodeError::Year(10000))
        );
        let too_big = MAX_SERIAL + 1;
        assert_eq!(
            CertificateCode::new(530400, 2026, kind, too_big),
            Err(CodeError::Serial(too_big))
        );
        for region in [
            0, 100000, 160000, 710000, 810000, 820000, 530004, 1_530_400, 99_999,
        ] {
            assert_eq!(
                CertificateCode::new(region, 2026, kind, 1),
                Err(CodeError::Region(region))
            );
        }
        assert_eq!(
            CodeError::Region(99_999).to_string(),
            "region 099999 is not a GB/T 2260 division code"
        );
    }

    #[test]
    fn certificate_code_parse_errors() {
        let parse = CertificateCode::parse;
        assert_eq!(
            parse("5304002026R00000001"),
            Err(CodeError::Length {
                expected: 20,
                found: 19
            })
        );
        assert_eq!(
            parse("5304002026R00000001TT"),
            Err(CodeError::Length {
                expected: 20,
                found: 21
            })
        );
        let character = |position, found, expected| CodeError::Character {
            position,
            found,
            expected,
        };
        assert_eq!(
            parse("5304002026r00000001T"),
            Err(character(11, 'r', "R or P"))
        );
        assert_eq!(
            parse("5304002026X00000001T"),
            Err(character(11, 'X', "R or P"))
        );
        assert_eq!(
            parse("53040A2026R00000001T"),
            Err(character(6, 'A', "a digit"))
        );
        assert_eq!(
            parse("5304002026R0000000１T"),
            Err(character(19, '１', "a digit"))
        );
        assert_eq!(
            parse("5304002026R00000001t"),
            Err(character(20, 't', "a code character"))
        );
        assert_eq!(
            parse("5304002026R00000001I"),
            Err(character(20, 'I', "a code character"))
        );
        assert_eq!(
            parse("5304002026R 0000001T"),
            Err(character(12, ' ', "a digit"))
        );
        assert_eq!(
            parse("5300102026R00000001T"),
            Err(CodeError::Region(530010))
        );
        assert_eq!(parse("5304000999R00000001T"), Err(CodeError::Year(999)));
        assert_eq!(parse("5304001969R00000001T"), Err(CodeError::Year(1969)));
        assert_eq!(
            parse("5304002026R00000001U"),
            Err(CodeError::CheckCharacter {
                expected: 'T',
                found: 'U'
            })
        );
        assert_eq!(
            parse("5304002026R00000010T").unwrap_err().to_string(),
            "check character is 'T', expected '8'"
        );
    }

    /// Every character of every sample code replaced by each of the 30 other alphabet
    /// characters breaks the check: the sum changes by `w * (a - b)`, never 0 mod 31.
    #[test]
    fn certificate_check_detects_every_substitution() {
        let alphabet = ALPHABET.as_bytes();
        let mut tried = 0;
        for code in sample_codes() {
            let original = code.as_str().as_bytes();
            assert!(consistent(original));
            for position in 0..CERTIFICATE_CODE_LEN {
                for &c in alphabet.iter().filter(|&&c| c != original[position]) {
                    let mut typo = original.to_vec();
                    typo[position] = c;
                    assert!(!consistent(&typo), "{code}: {c} at {position}");
                    let typo = String::from_utf8(typo).unwrap();
                    assert!(CertificateCode::parse(&typo).is_err(), "{typo} parsed");
                    tried += 1;
                }
            }
        }
        assert_eq!(tried, 320 * 20 * 30);
    }

    /// Swapping any two different adjacent characters (the check character included), or two
    /// characters one apart, breaks the check: `w_i != w_j` for those pairs.
    #[test]
    fn certificate_check_detects_every_transposition() {
        let mut tried = 0;
        for code in sample_codes() {
            let original = code.as_str().as_bytes();
            for distance in [1, 2] {
                for i in 0..CERTIFICATE_CODE_LEN - distance {
                    if original[i] == original[i + distance] {
                        continue;
                    }
                    let mut typo = original.to_vec();
                    typo.swap(i, i + distance);
                    assert!(!consistent(&typo), "{code}: swap {i} and {}", i + distance);
                    assert!(CertificateCode::parse(std::str::from_utf8(&typo).unwrap()).is_err());
                    tried += 1;
                }
            }
        }
        assert!(tried > 320 * 20, "only {tried} transpositions tried");
    }

    /// Detection holds for every alphabet string, not only the samples: the check equation is
    /// linear, so it is enough that each position's weight is nonzero and that the weights of
    /// positions 1 apart and 2 apart differ (and sum to nonzero, for twin errors `aa` → `bb`).
    #[test]
    fn weights_are_nonzero_and_distinct_where_needed() {
        let weight = |i: usize| -> u32 {
            if i == CERTIFICATE_CODE_LEN - 1 {
                1
            } else {
                (0..i).fold(1, |w, _| w * 3 % MODULUS)
            }
        };
        for i in 0..CERTIFICATE_CODE_LEN {
            assert_ne!(weight(i), 0);
            for d in [1, 2] {
                if i + d < CERTIFICATE_CODE_LEN {
                    assert_ne!(
                        weight(i),
                        weight(i + d),
                        "positions {} and {}",
                        i + 1,
                        i + d + 1
                    );
                    assert_ne!((weight(i) + weight(i + d)) % MODULUS, 0);
                }
            }
        }
    }

    #[test]
    fn codes_serialize_as_strings() {
        let code = CertificateCode::new(530400, 2026, ObjectKind::DataResource, 1).unwrap();
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            "\"5304002026R00000001T\""
        );
        assert_eq!(
            serde_json::from_str::<CertificateCode>("\"5304002026R00000001T\"").unwrap(),
            code
        );
        let err = serde_json::from_str::<CertificateCode>("\"5304002026R00000001U\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("check character is 'U', expected 'T'"),
            "{err}"
        );
        let bytes = bcs::to_bytes(&code).unwrap();
        assert_eq!(bytes[0], 20);
        assert_eq!(&bytes[1..], code.as_str().as_bytes());
        assert_eq!(bcs::from_bytes::<CertificateCode>(&bytes).unwrap(), code);
        let mut bad = bytes.clone();
        bad[20] = b'U';
        assert!(bcs::from_bytes::<CertificateCode>(&bad).is_err());

        let credit = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(
            serde_json::to_string(&credit).unwrap(),
            "\"91350100M000100Y43\""
        );
        assert_eq!(
            serde_json::from_str::<CreditCode>("\"91350100M000100Y43\"").unwrap(),
            credit
        );
        assert!(serde_json::from_str::<CreditCode>("\"91350100m000100y43\"").is_err());
        assert_eq!(
            bcs::from_bytes::<CreditCode>(&bcs::to_bytes(&credit).unwrap()).unwrap(),
            credit
        );

        assert_eq!(
            serde_json::to_string(&ObjectKind::DataResource).unwrap(),
            "\"DataResource\""
        );
        assert_eq!(bcs::to_bytes(&ObjectKind::ProductOrService).unwrap(), [1]);
    }

    #[test]
    fn text_order_is_field_order_within_a_kind() {
        let a = CertificateCode::new(530400, 2026, ObjectKind::DataResource, 9).unwrap();
        let b = CertificateCode::new(530400, 2026, ObjectKind::DataResource, 10).unwrap();
        let c = CertificateCode::new(530400, 2027, ObjectKind::DataResource, 1).unwrap();
        assert!(a < b && b < c);
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        fn region() -> impl Strategy<Value = u32> {
            (
                proptest::sample::select(PROVINCE_CODES.to_vec()),
                0u32..100,
                0u32..100,
            )
                .prop_map(|(p, pref, county)| {
                    p * 10_000 + pref * 100 + if pref == 0 { 0 } else { county }
                })
        }

        fn kind() -> impl Strategy<Value = ObjectKind> {
            prop_oneof![
                Just(ObjectKind::DataResource),
                Just(ObjectKind::ProductOrService)
            ]
        }

        proptest! {
            #[test]
            fn certificate_code_round_trips(
                region in region(), year in MIN_YEAR..=MAX_YEAR, kind in kind(), serial in 0..=MAX_SERIAL,
            ) {
                let code = CertificateCode::new(region, year, kind, serial).unwrap();
                prop_assert_eq!(CertificateCode::parse(&code.to_string()), Ok(code.clone()));
                prop_assert_eq!(
                    (code.region(), code.year(), code.kind(), code.serial()),
                    (region, year, kind, serial)
                );
                let json = serde_json::to_string(&code).unwrap();
                prop_assert_eq!(serde_json::from_str::<CertificateCode>(&json).unwrap(), code);
            }

            #[test]
            fn parse_never_panics(text in "\\PC{0,24}") {
                let _ = CertificateCode::parse(&text);
                let _ = CreditCode::parse(&text);
                let _ = organisation_code_check(&text);
            }

            #[test]
            fn credit_code_with_computed_check_parses(payload in "[0-9A-HJ-NP-RTUWXY]{17}") {
                let mut text = payload.clone();
                text.push(check_character(payload.as_bytes()));
                let code = CreditCode::parse(&text).unwrap();
                prop_assert_eq!(code.to_string(), text);
            }
        }
    }
}
