//! Published and golden vectors for certificate codes and unified social credit codes.

use ledger_format::code::{CertificateCode, CreditCode, ObjectKind, organisation_code_check};
use serde::Deserialize;

/// `tests/vectors/uscc.json`, copied from the project's shared vectors (source field inside).
#[derive(Deserialize)]
struct UsccVectors {
    source: String,
    valid: Vec<String>,
    invalid: Vec<String>,
}

#[derive(Deserialize)]
struct CertificateVectors {
    source: String,
    valid: Vec<ValidCertificate>,
    invalid: Vec<InvalidCertificate>,
}

#[derive(Deserialize)]
struct ValidCertificate {
    code: String,
    region: u32,
    year: u16,
    kind: ObjectKind,
    serial: u64,
}

#[derive(Deserialize)]
struct InvalidCertificate {
    code: String,
    error: String,
}

#[test]
fn uscc_vectors() {
    let vectors: UsccVectors = serde_json::from_str(include_str!("vectors/uscc.json")).unwrap();
    assert!(vectors.source.contains("GB 32100-2015"));
    for text in [
        "91350100M000100Y43",
        "91440300708461136T",
        "91110000802100433B",
        "11100000000013127D",
    ] {
        assert!(
            vectors.valid.iter().any(|v| v == text),
            "{text} missing from the vectors"
        );
    }
    for text in &vectors.valid {
        let code = CreditCode::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(code.as_str(), text);
        assert_eq!(&code.to_string(), text);
        // Finding: every valid vector's positions 9–17 also pass GB 11714. Parsing does not
        // require it (see docs/format/codes-and-calendar.md); this documents the data.
        assert!(code.has_valid_organisation_code(), "{text}");
        assert!(organisation_code_check(&text[8..17]));
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
    }
    assert!(!vectors.invalid.is_empty());
    for text in &vectors.invalid {
        assert!(CreditCode::parse(text).is_err(), "{text} was accepted");
        assert!(serde_json::from_value::<CreditCode>(text.as_str().into()).is_err());
    }
}

#[test]
fn certificate_code_vectors() {
    let vectors: CertificateVectors =
        serde_json::from_str(include_str!("vectors/certificate-codes.json")).unwrap();
    assert!(vectors.source.contains("independent"));
    for v in &vectors.valid {
        let built = CertificateCode::new(v.region, v.year, v.kind, v.serial).unwrap();
        assert_eq!(built.as_str(), v.code);
        let parsed: CertificateCode = v.code.parse().unwrap();
        assert_eq!(parsed, built);
        assert_eq!(
            (
                parsed.region(),
                parsed.year(),
                parsed.kind(),
                parsed.serial()
            ),
            (v.region, v.year, v.kind, v.serial)
        );
    }
    for v in &vectors.invalid {
        let err = CertificateCode::parse(&v.code).unwrap_err();
        assert_eq!(err.to_string(), v.error, "{}", v.code);
    }
}
