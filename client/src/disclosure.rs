//! Selective disclosure: checking a non-public registration field that the registrant reveals
//! (value and 32-byte salt) against its salted commitment (docs/format.md#records,
//! [`ledger_format::record::field_commitment`]).
//!
//! The commitment comes either from the approved content in a bundle with records (the notice
//! record whose content commitment equals the certificate state's, see [`approved_content`]) or is
//! given directly by the caller.

use ledger_format::Hash;
use ledger_format::bundle::Bundle;
use ledger_format::record::{Body, Content, FieldId, content_commitment, field_commitment};

/// Why a disclosed field could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisclosureError {
    /// The revealed value and salt do not open the commitment.
    #[error("the value and salt do not match the commitment to {0}")]
    Mismatch(&'static str),
    /// The content carries no commitment to this field.
    #[error("the registration commits to no {0} field")]
    NotCommitted(&'static str),
    /// The bundle carries no state, or no notice record with the state's content.
    #[error("the bundle carries no record of the approved content: ask for a bundle with records")]
    NoContent,
    /// The salt is not 64 hex digits.
    #[error("salt is not 32 bytes of hex")]
    Salt,
    /// The field name is not one of [`FIELD_NAMES`].
    #[error("unknown field {0:?}")]
    UnknownField(String),
}

/// The field names accepted on the command line, in [`FieldId`] order.
pub const FIELD_NAMES: [(&str, FieldId); 10] = [
    ("subject-and-purpose", FieldId::SubjectAndPurpose),
    ("industry", FieldId::Industry),
    ("application-scenarios", FieldId::ApplicationScenarios),
    ("source-and-lawfulness", FieldId::SourceAndLawfulness),
    ("structure-and-scale", FieldId::StructureAndScale),
    ("geographic-coverage", FieldId::GeographicCoverage),
    ("co-owners", FieldId::CoOwners),
    ("update-frequency", FieldId::UpdateFrequency),
    ("evidence-receipts", FieldId::EvidenceReceipts),
    ("operation-authorization", FieldId::OperationAuthorization),
];

/// Parses a field name of [`FIELD_NAMES`].
///
/// # Errors
/// [`DisclosureError::UnknownField`].
pub fn parse_field(name: &str) -> Result<FieldId, DisclosureError> {
    FIELD_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .ok_or_else(|| DisclosureError::UnknownField(name.to_owned()))
}

/// The command-line name of `field`.
pub fn field_name(field: FieldId) -> &'static str {
    FIELD_NAMES
        .iter()
        .find(|(_, f)| *f == field)
        .map_or("unknown", |(n, _)| n)
}

/// Parses a 32-byte salt written as 64 hex digits.
///
/// # Errors
/// [`DisclosureError::Salt`].
pub fn parse_salt(text: &str) -> Result<[u8; 32], DisclosureError> {
    let bytes = hex::decode(text.trim()).map_err(|_| DisclosureError::Salt)?;
    bytes.try_into().map_err(|_| DisclosureError::Salt)
}

/// Whether `value` with `salt` opens `commitment` for `field`.
pub fn opens(commitment: &Hash, field: FieldId, value: &str, salt: &[u8; 32]) -> bool {
    field_commitment(
        ledger_format::suite::Suite::Ed25519Sha256,
        field,
        salt,
        value,
    ) == *commitment
}

/// Where the commitment to check against comes from.
#[derive(Debug, Clone, Copy)]
pub enum Committed<'a> {
    /// The registration content (from a notice record): its commitment to the field is used.
    Content(&'a Content),
    /// A field commitment given directly.
    Commitment(&'a Hash),
}

/// Checks a revealed field against a content's commitment or a given commitment.
///
/// # Errors
/// [`DisclosureError::NotCommitted`] when the content commits to no such field,
/// [`DisclosureError::Mismatch`] when the value and salt do not open the commitment.
pub fn check_field(
    committed: Committed<'_>,
    field: FieldId,
    value: &str,
    salt: &[u8; 32],
) -> Result<(), DisclosureError> {
    let commitment = match committed {
        Committed::Commitment(hash) => *hash,
        Committed::Content(content) => content
            .fields
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.commitment)
            .ok_or(DisclosureError::NotCommitted(field_name(field)))?,
    };
    if opens(&commitment, field, value, salt) {
        Ok(())
    } else {
        Err(DisclosureError::Mismatch(field_name(field)))
    }
}

/// The certificate's approved content: the content of the bundle's latest notice record whose
/// content commitment equals the state's. Only meaningful for a bundle that
/// [`crate::verify`] trusted (any verdict with an `as_of` time).
///
/// # Errors
/// [`DisclosureError::NoContent`] when the bundle has no state or no such record.
pub fn approved_content(bundle: &Bundle) -> Result<&Content, DisclosureError> {
    let state = bundle.state.as_ref().ok_or(DisclosureError::NoContent)?;
    bundle
        .records
        .iter()
        .rev()
        .find_map(|proven| match &proven.record.body {
            Body::NoticePublished(notice)
                if content_commitment(
                    ledger_format::suite::Suite::Ed25519Sha256,
                    &notice.content,
                ) == state.content =>
            {
                Some(&notice.content)
            }
            _ => None,
        })
        .ok_or(DisclosureError::NoContent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::code::ObjectKind;
    use ledger_format::testing;

    #[test]
    fn names_round_trip() {
        for (name, field) in FIELD_NAMES {
            assert_eq!(parse_field(name), Ok(field));
            assert_eq!(field_name(field), name);
        }
        assert_eq!(
            parse_field("Industry"),
            Err(DisclosureError::UnknownField("Industry".into()))
        );
    }

    #[test]
    fn checks_against_content_and_commitment() {
        let content = testing::content(ObjectKind::DataResource, None);
        let salt = testing::salt(FieldId::Industry);
        let value = "I6450 互联网数据服务";
        assert_eq!(
            check_field(
                Committed::Content(&content),
                FieldId::Industry,
                value,
                &salt
            ),
            Ok(())
        );
        assert_eq!(
            check_field(
                Committed::Content(&content),
                FieldId::Industry,
                "I6450",
                &salt
            ),
            Err(DisclosureError::Mismatch("industry"))
        );
        assert_eq!(
            check_field(
                Committed::Content(&content),
                FieldId::CoOwners,
                value,
                &salt
            ),
            Err(DisclosureError::NotCommitted("co-owners"))
        );
        let commitment = content.fields[0].commitment;
        assert_eq!(
            check_field(
                Committed::Commitment(&commitment),
                FieldId::Industry,
                value,
                &salt
            ),
            Ok(())
        );
        // The same value and salt under another field name do not open it.
        assert!(!opens(
            &commitment,
            FieldId::GeographicCoverage,
            value,
            &salt
        ));
        let hex_salt = hex::encode(salt);
        assert_eq!(parse_salt(&hex_salt), Ok(salt));
        assert_eq!(parse_salt(&hex_salt[2..]), Err(DisclosureError::Salt));
        assert_eq!(parse_salt("zz"), Err(DisclosureError::Salt));
    }
}
