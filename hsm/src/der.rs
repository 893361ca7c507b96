//! The few DER structures a PKCS#11 token hands out for elliptic-curve keys (ITU-T X.690, strict
//! distinguished encoding only): the `CKA_EC_POINT` octet string, the `CKA_EC_PARAMS` curve name,
//! and the `SEQUENCE { INTEGER r, INTEGER s }` that some SM2 mechanisms return.
//!
//! Everything here is pure and refuses what is not exactly the expected structure (trailing bytes,
//! long-form lengths that fit the short form, non-minimal integers).

/// DER tag of an INTEGER.
const TAG_INTEGER: u8 = 0x02;
/// DER tag of an OCTET STRING.
const TAG_OCTET_STRING: u8 = 0x04;
/// DER tag of an OBJECT IDENTIFIER.
const TAG_OID: u8 = 0x06;
/// DER tag of a PrintableString.
const TAG_PRINTABLE_STRING: u8 = 0x13;
/// DER tag of a SEQUENCE (constructed).
const TAG_SEQUENCE: u8 = 0x30;

/// Splits one element of tag `tag` off `input`: its content and what follows it.
pub(crate) fn read_element(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), &'static str> {
    let (&first, rest) = input.split_first().ok_or("empty input")?;
    if first != tag {
        return Err("unexpected tag");
    }
    let (&len_byte, rest) = rest.split_first().ok_or("missing length")?;
    let (len, rest) = match len_byte {
        0..=0x7f => (usize::from(len_byte), rest),
        0x81 => {
            let (&len, rest) = rest.split_first().ok_or("truncated length")?;
            if len < 0x80 {
                return Err("length not in its shortest form");
            }
            (usize::from(len), rest)
        }
        0x82 => {
            let [hi, lo, rest @ ..] = rest else {
                return Err("truncated length");
            };
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            if len < 0x100 {
                return Err("length not in its shortest form");
            }
            (len, rest)
        }
        _ => return Err("unsupported length form"),
    };
    if rest.len() < len {
        return Err("content shorter than its length");
    }
    Ok(rest.split_at(len))
}

/// The whole of `input` as one element of tag `tag`: its content.
fn read_exact(input: &[u8], tag: u8) -> Result<&[u8], &'static str> {
    match read_element(input, tag)? {
        (content, []) => Ok(content),
        _ => Err("trailing bytes after the element"),
    }
}

/// The point in a `CKA_EC_POINT` value of a curve whose points are `len` bytes: the DER OCTET
/// STRING that PKCS#11 prescribes, or the raw point some modules return instead. The length tells
/// the two apart (a wrapped point is at least two bytes longer).
pub(crate) fn ec_point(value: &[u8], len: usize) -> Result<&[u8], &'static str> {
    if value.len() == len {
        return Ok(value);
    }
    let point = read_exact(value, TAG_OCTET_STRING)
        .map_err(|_| "neither the raw point nor a DER OCTET STRING holding it")?;
    if point.len() != len {
        return Err("the OCTET STRING does not hold a point of the curve's length");
    }
    Ok(point)
}

/// How `CKA_EC_PARAMS` names a curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CurveName<'a> {
    /// An OBJECT IDENTIFIER: its content octets.
    Oid(&'a [u8]),
    /// A PrintableString (PKCS#11 3.0 §2.3.10 allows `edwards25519` for Ed25519).
    Printable(&'a [u8]),
}

/// The curve named by a `CKA_EC_PARAMS` value (an OID or a printable name; explicit parameters
/// are refused).
pub(crate) fn curve_name(params: &[u8]) -> Result<CurveName<'_>, &'static str> {
    match params.first() {
        Some(&TAG_OID) => read_exact(params, TAG_OID).map(CurveName::Oid),
        Some(&TAG_PRINTABLE_STRING) => {
            read_exact(params, TAG_PRINTABLE_STRING).map(CurveName::Printable)
        }
        Some(_) => Err("neither a curve OID nor a curve name (explicit parameters?)"),
        None => Err("empty"),
    }
}

/// `r ‖ s` (32 bytes each, big-endian) from the DER `SEQUENCE { INTEGER r, INTEGER s }` of an
/// ECDSA-style signature (GM/T 0009-2012 §7.3 for SM2). Each integer must be positive, minimal, and
/// fit 32 bytes.
pub(crate) fn signature_from_der(der: &[u8]) -> Result<[u8; 64], &'static str> {
    let body = read_exact(der, TAG_SEQUENCE)?;
    let (r, rest) = read_element(body, TAG_INTEGER)?;
    let s = read_exact(rest, TAG_INTEGER)?;
    let mut out = [0u8; 64];
    copy_unsigned(r, &mut out[..32])?;
    copy_unsigned(s, &mut out[32..])?;
    Ok(out)
}

/// Writes the minimal DER INTEGER `content` (positive) right-aligned into `out`.
fn copy_unsigned(content: &[u8], out: &mut [u8]) -> Result<(), &'static str> {
    let magnitude = match content {
        [] => return Err("empty integer"),
        [0x00] => return Err("integer is zero"),
        [0x00, next, ..] if next & 0x80 == 0 => return Err("integer not minimal"),
        [0x00, rest @ ..] => rest,
        [first, ..] if first & 0x80 != 0 => return Err("integer is negative"),
        _ => content,
    };
    if magnitude.len() > out.len() {
        return Err("integer longer than 32 bytes");
    }
    let start = out.len() - magnitude.len();
    out[start..].copy_from_slice(magnitude);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_points_wrapped_or_raw() {
        let point = [7u8; 32];
        let wrapped = [&[0x04, 0x20][..], &point].concat();
        assert_eq!(ec_point(&wrapped, 32), Ok(&point[..]));
        assert_eq!(ec_point(&point, 32), Ok(&point[..]));

        let sm2 = [[0x04u8].as_slice(), &[9u8; 64]].concat();
        let wrapped = [&[0x04, 0x41][..], &sm2].concat();
        assert_eq!(ec_point(&wrapped, 65), Ok(&sm2[..]));
        assert_eq!(ec_point(&sm2, 65), Ok(&sm2[..]));
    }

    #[test]
    fn malformed_ec_points_are_refused() {
        let point = [7u8; 32];
        let cases: [&[u8]; 6] = [
            &[],
            &point[..31],
            &[&[0x04, 0x1f][..], &point[..31]].concat(),
            &[&[0x04, 0x20][..], &point, &[0]].concat(),
            &[&[0x03, 0x20][..], &point].concat(),
            &[&[0x04, 0x81, 0x20][..], &point].concat(),
        ];
        for case in cases {
            assert!(ec_point(case, 32).is_err(), "{case:02x?}");
        }
    }

    #[test]
    fn curve_names() {
        let ed25519_oid = [0x06, 0x03, 0x2b, 0x65, 0x70];
        assert_eq!(
            curve_name(&ed25519_oid),
            Ok(CurveName::Oid(&[0x2b, 0x65, 0x70]))
        );
        let mut printable = vec![0x13, 12];
        printable.extend_from_slice(b"edwards25519");
        assert_eq!(
            curve_name(&printable),
            Ok(CurveName::Printable(b"edwards25519"))
        );
        assert!(curve_name(&[0x30, 0x00]).is_err());
        assert!(curve_name(&[0x06, 0x03, 0x2b, 0x65]).is_err());
        assert!(curve_name(&[0x06, 0x03, 0x2b, 0x65, 0x70, 0x00]).is_err());
        assert!(curve_name(&[]).is_err());
    }

    #[test]
    fn der_signatures_convert_to_r_and_s() {
        // r with its top bit set (leading 0x00), s short (leading zero bytes dropped).
        let mut r = [0u8; 32];
        r[0] = 0x80;
        r[31] = 1;
        let mut s = [0u8; 32];
        s[30] = 0x12;
        s[31] = 0x34;
        let der = [
            &[0x30, 0x27, 0x02, 0x21, 0x00][..],
            &r,
            &[0x02, 0x02, 0x12, 0x34],
        ]
        .concat();
        let raw = signature_from_der(&der).unwrap();
        assert_eq!(&raw[..32], &r);
        assert_eq!(&raw[32..], &s);
    }

    #[test]
    fn non_canonical_der_signatures_are_refused() {
        let cases: [(&[u8], &str); 7] = [
            (
                &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00],
                "trailing bytes after the element",
            ),
            (
                &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01],
                "integer not minimal",
            ),
            (
                &[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01],
                "integer is negative",
            ),
            (
                &[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01],
                "integer is zero",
            ),
            (&[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01], "empty integer"),
            (
                &[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
                "length not in its shortest form",
            ),
            (
                &[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
                "unexpected tag",
            ),
        ];
        for (der, why) in cases {
            assert_eq!(signature_from_der(der), Err(why), "{der:02x?}");
        }
        let too_long = [
            &[0x30, 0x27, 0x02, 0x22, 0x01][..],
            &[0u8; 33],
            &[0x02, 0x01, 0x01],
        ]
        .concat();
        assert_eq!(
            signature_from_der(&too_long),
            Err("integer longer than 32 bytes")
        );
    }
}
