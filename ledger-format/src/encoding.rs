//! Canonical encoding: BCS with strict decoding (docs/format.md#encoding).
//!
//! Every value that is hashed, signed, stored or sent has exactly one encoding. We use BCS (Binary
//! Canonical Serialization, as specified by the Diem/Aptos/Sui projects) because it is canonical by
//! construction (no floats, no maps, ULEB128 lengths in their shortest form, booleans 0 or 1) and has
//! independent implementations in Java, Go, TypeScript and Python. [`Canonical::decode_exact`] adds
//! what BCS alone does not: a size limit, semantic validation (sorted lists, valid dates, ...), and a
//! re-encoding check, so that a decoded value re-encodes to exactly the input bytes.

use serde::{Serialize, de::DeserializeOwned};

/// Why bytes or text could not be decoded into a ledger value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The BCS layer rejected the bytes (truncated, trailing bytes, bad tag, non-canonical length...).
    #[error("malformed encoding: {0}")]
    Bcs(String),
    /// The input is longer than any valid value of this type.
    #[error("input of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Length of the input.
        len: usize,
        /// The type's limit.
        max: usize,
    },
    /// The value decoded but breaks a rule of the format.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which field or value.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The value decoded but does not re-encode to the same bytes.
    #[error("non-canonical encoding")]
    NonCanonical,
    /// The format version is not one this library reads.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u8),
}

impl DecodeError {
    /// Shorthand for [`DecodeError::Invalid`].
    pub fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::Invalid {
            what,
            reason: reason.into(),
        }
    }
}

impl From<bcs::Error> for DecodeError {
    fn from(e: bcs::Error) -> Self {
        DecodeError::Bcs(e.to_string())
    }
}

/// Deepest nesting of containers accepted while decoding; our types nest at most a few levels.
const MAX_CONTAINER_DEPTH: usize = 32;

/// A value with one canonical byte encoding.
pub trait Canonical: Serialize + DeserializeOwned {
    /// Decoding refuses inputs longer than this many bytes before parsing them.
    const MAX_ENCODED_LEN: usize;

    /// Checks the rules the type system cannot express (sorted lists, valid dates, lengths).
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] naming the first rule broken.
    fn validate(&self) -> Result<(), DecodeError> {
        Ok(())
    }

    /// The canonical bytes.
    ///
    /// # Panics
    /// Only if a sequence holds more than 2^31 elements, which no valid value does.
    fn encode(&self) -> Vec<u8> {
        to_bcs(self)
    }

    /// Decodes exactly `bytes`: rejects trailing bytes, non-canonical forms and invalid values.
    ///
    /// # Errors
    /// Any [`DecodeError`].
    fn decode_exact(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > Self::MAX_ENCODED_LEN {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                max: Self::MAX_ENCODED_LEN,
            });
        }
        let value: Self = bcs::from_bytes_with_limit(bytes, MAX_CONTAINER_DEPTH)?;
        value.validate()?;
        if value.encode() != bytes {
            return Err(DecodeError::NonCanonical);
        }
        Ok(value)
    }
}

/// The BCS bytes of `value`, for values that are part of a larger canonical message.
///
/// # Panics
/// Only if a sequence holds more than 2^31 elements, which no valid value does.
pub fn to_bcs<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    #[allow(
        clippy::expect_used,
        reason = "BCS fails only on sequences over 2^31 elements"
    )]
    bcs::to_bytes(value).expect("BCS encoding of a bounded value")
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Parses exactly `N` bytes of hex.
///
/// # Errors
/// [`DecodeError::Invalid`] when the text is not `2 * N` hex digits.
pub fn from_hex_array<const N: usize>(text: &str) -> Result<[u8; N], DecodeError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out)
        .map_err(|e| DecodeError::invalid("hex", format!("{e} (expected {} hex digits)", 2 * N)))?;
    Ok(out)
}

/// Parses hex of any even length (either case).
///
/// # Errors
/// [`DecodeError::Invalid`] when the text is not hex digits in pairs.
pub fn from_hex(text: &str) -> Result<Vec<u8>, DecodeError> {
    hex::decode(text).map_err(|e| DecodeError::invalid("hex", e.to_string()))
}

/// Standard base64 with padding.
pub fn to_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Parses standard base64 with padding, strictly (no whitespace, canonical trailing bits).
///
/// # Errors
/// [`DecodeError::Invalid`] when the text is not strict standard base64.
pub fn from_base64(text: &str) -> Result<Vec<u8>, DecodeError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| DecodeError::invalid("base64", e.to_string()))
}

/// Implements serde for a newtype over `[u8; N]`: raw bytes in binary formats (BCS writes a fixed
/// array with no length prefix), lowercase hex in human-readable formats (JSON).
macro_rules! fixed_bytes_serde {
    ($ty:ident, $len:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.serialize_str(&$crate::encoding::to_hex(&self.0))
                } else {
                    use serde::ser::SerializeTuple;
                    let mut t = s.serialize_tuple($len)?;
                    for b in &self.0 {
                        t.serialize_element(b)?;
                    }
                    t.end()
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = [u8; $len];
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "{} bytes", $len)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                        $crate::encoding::from_hex_array::<$len>(v).map_err(E::custom)
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut out = [0u8; $len];
                        for (i, slot) in out.iter_mut().enumerate() {
                            *slot = seq
                                .next_element()?
                                .ok_or_else(|| serde::de::Error::invalid_length(i, &self))?;
                        }
                        Ok(out)
                    }
                }
                let bytes = if d.is_human_readable() {
                    d.deserialize_str(V)?
                } else {
                    d.deserialize_tuple($len, V)?
                };
                Ok($ty(bytes))
            }
        }
    };
}
pub(crate) use fixed_bytes_serde;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sample {
        flag: bool,
        n: u64,
        name: String,
        items: Vec<u16>,
    }

    impl Canonical for Sample {
        const MAX_ENCODED_LEN: usize = 64;
    }

    fn sample() -> Sample {
        Sample {
            flag: true,
            n: 7,
            name: "ab".into(),
            items: vec![1, 2],
        }
    }

    #[test]
    fn decode_exact_round_trips() {
        let bytes = sample().encode();
        assert_eq!(Sample::decode_exact(&bytes).unwrap(), sample());
    }

    #[test]
    fn decode_exact_rejects_trailing_and_truncated_bytes() {
        let mut bytes = sample().encode();
        bytes.push(0);
        assert!(matches!(
            Sample::decode_exact(&bytes),
            Err(DecodeError::Bcs(_))
        ));
        bytes.truncate(bytes.len() - 2);
        assert!(matches!(
            Sample::decode_exact(&bytes),
            Err(DecodeError::Bcs(_))
        ));
    }

    #[test]
    fn decode_exact_rejects_non_canonical_bool_and_length() {
        let mut bytes = sample().encode();
        bytes[0] = 2; // a bool that is neither 0 nor 1
        assert!(Sample::decode_exact(&bytes).is_err());
        // The string length 2 written as a two-byte ULEB128 (0x82 0x00) is not canonical.
        let mut long = sample().encode();
        let at = 1 + 8;
        assert_eq!(long[at], 2);
        long.splice(at..=at, [0x82, 0x00]);
        assert!(Sample::decode_exact(&long).is_err());
    }

    #[test]
    fn decode_exact_rejects_oversized_input() {
        assert_eq!(
            Sample::decode_exact(&[0u8; 65]),
            Err(DecodeError::TooLarge { len: 65, max: 64 })
        );
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(from_base64("YWJj").unwrap(), b"abc");
        assert!(from_base64("YWJ j").is_err());
        assert!(from_base64("YWJ").is_err());
    }
}
