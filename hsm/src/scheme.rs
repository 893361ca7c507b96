//! What the token is asked to sign for each suite, and how its answer is checked before anyone
//! sees it. Pure: the token is a closure here, so the SM2 path, which SoftHSM2 cannot run, is tested
//! with software stand-ins for a vendor's mechanism.
//!
//! - **Ed25519** (`ed25519-sha256`): the token signs the message itself with `CKM_EDDSA` (pure
//!   EdDSA, RFC 8032 §5.1.6; no parameters) and answers `R ‖ S`, 64 bytes.
//! - **SM2** (`sm2-sm3`): PKCS#11 has no SM2 mechanism, and vendors differ in what theirs hash. So
//!   the digest is computed here, `e = SM3(ZA ‖ M)` with the default distinguishing ID
//!   `1234567812345678` (GB/T 32918.2 §6.1, [`Sm2PublicKey::message_digest`]), and the token is
//!   asked only to sign the 32 bytes of `e` with the vendor's mechanism for that. Its answer may be
//!   `r ‖ s` (64 bytes), the DER `SEQUENCE { INTEGER r, INTEGER s }` of GM/T 0009, or the
//!   `ECCSignature` layout of GM/T 0018 (`r` and `s` each right-aligned in 64 bytes).
//!
//! In both suites every signature is verified under the key's public key before it is returned: a
//! mechanism number that hashes `e` again, a public key that is not the private key's, or a faulty
//! device gives an error, never a signature that does not verify.

use ledger_format::keys::{PublicKey, SIGNATURE_LEN, Signature};
use ledger_format::suite::sm2::{DistId, Sm2PublicKey};

use crate::der;

/// Length of the GM/T 0018-2012 `ECCSignature` structure: `r` and `s` in 64 bytes each
/// (`ECCref_MAX_LEN`), right-aligned with leading zeros for a 256-bit curve.
const GMT_0018_SIGNATURE_LEN: usize = 128;

/// The bytes the token signs for `message`: the message itself (Ed25519) or the SM2 digest `e`.
///
/// # Errors
/// The reason, when the SM2 public key is not a curve point.
pub(crate) fn token_input(public: &PublicKey, message: &[u8]) -> Result<Vec<u8>, String> {
    match public {
        PublicKey::Ed25519(_) => Ok(message.to_vec()),
        PublicKey::Sm2(key) => sm2_digest(key, message).map(|e| e.to_vec()),
    }
}

/// `e = SM3(ZA ‖ M)` under the default distinguishing ID (GB/T 32918.2 §6.1 steps A1–A2).
fn sm2_digest(key: &Sm2PublicKey, message: &[u8]) -> Result<[u8; 32], String> {
    key.message_digest(&DistId::default(), message)
        .map(|hash| hash.0)
        .map_err(|e| format!("cannot compute the sm2 digest: {e}"))
}

/// The signature in the token's answer `output`, once it verifies over `message` under `public`.
///
/// # Errors
/// The reason, when the answer is not a signature of the suite's form or does not verify.
pub(crate) fn checked_signature(
    public: &PublicKey,
    message: &[u8],
    output: &[u8],
) -> Result<Signature, String> {
    let signature = match public {
        PublicKey::Ed25519(_) => <[u8; SIGNATURE_LEN]>::try_from(output).map_err(|_| {
            format!(
                "the token answered {} bytes, not a 64-byte ed25519 signature",
                output.len()
            )
        })?,
        PublicKey::Sm2(_) => sm2_signature(output)?,
    };
    let signature = Signature(signature);
    public.verify(message, &signature).map_err(|e| {
        format!(
            "the token's signature does not verify under the key's public key ({e}): \
             check the mechanism (for sm2, one that signs a caller's digest) and that the public \
             key object belongs to the private key"
        )
    })?;
    Ok(signature)
}

/// `r ‖ s` from an SM2 mechanism's answer in any of the three layouts vendors use.
fn sm2_signature(output: &[u8]) -> Result<[u8; SIGNATURE_LEN], String> {
    if let Ok(raw) = <[u8; SIGNATURE_LEN]>::try_from(output) {
        return Ok(raw);
    }
    if output.len() == GMT_0018_SIGNATURE_LEN {
        let (r, s) = output.split_at(GMT_0018_SIGNATURE_LEN / 2);
        if r[..32].iter().chain(&s[..32]).all(|&b| b == 0) {
            let mut raw = [0u8; SIGNATURE_LEN];
            raw[..32].copy_from_slice(&r[32..]);
            raw[32..].copy_from_slice(&s[32..]);
            return Ok(raw);
        }
    }
    if output.first() == Some(&0x30) {
        return der::signature_from_der(output)
            .map_err(|e| format!("the token's DER sm2 signature is malformed: {e}"));
    }
    Err(format!(
        "the token answered {} bytes: not r || s (64), DER, or GM/T 0018 ECCSignature (128)",
        output.len()
    ))
}

/// Asks `token` to sign `message` for the key `public`, and returns the verified signature.
///
/// # Errors
/// The token's error, or why its answer was refused.
pub(crate) fn sign_with(
    public: &PublicKey,
    message: &[u8],
    token: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Signature, String> {
    let input = token_input(public, message)?;
    let output = token(&input)?;
    checked_signature(public, message, &output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::keys::SigningKey;
    use ledger_format::suite::sm2::Sm2SigningKey;
    use sm2::dsa::signature::hazmat::PrehashSigner;

    const SECRET: [u8; 32] = [0x5a; 32];

    /// A vendor's "sign this digest" mechanism in software: the token's side of the SM2 path.
    fn sm2_token(secret: &[u8; 32]) -> impl Fn(&[u8]) -> Vec<u8> {
        let key = sm2::dsa::SigningKey::from_slice("", secret).unwrap();
        move |digest: &[u8]| {
            let signature: sm2::dsa::Signature = key.sign_prehash(digest).unwrap();
            signature.to_bytes().to_vec()
        }
    }

    fn sm2_public(secret: &[u8; 32]) -> PublicKey {
        PublicKey::Sm2(
            Sm2SigningKey::from_secret_bytes(secret)
                .unwrap()
                .public_key(),
        )
    }

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` of `r ‖ s`, as GM/T 0009 writes it.
    fn to_der(raw: &[u8]) -> Vec<u8> {
        let integer = |half: &[u8]| {
            let trimmed: Vec<u8> = half.iter().copied().skip_while(|&b| b == 0).collect();
            let mut content = if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
                vec![0]
            } else {
                vec![]
            };
            content.extend(trimmed);
            [vec![0x02, content.len() as u8], content].concat()
        };
        let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
        [vec![0x30, body.len() as u8], body].concat()
    }

    #[test]
    fn the_sm2_token_signs_the_digest_of_the_default_id() {
        let public = sm2_public(&SECRET);
        let token = sm2_token(&SECRET);
        let message = b"checkpoint body\n";
        let input = token_input(&public, message).unwrap();
        assert_eq!(input.len(), 32);
        let PublicKey::Sm2(key) = public else {
            unreachable!()
        };
        assert_eq!(
            input,
            key.message_digest(&DistId::default(), message).unwrap().0
        );

        let signature = sign_with(&public, message, |e| Ok(token(e))).unwrap();
        public.verify(message, &signature).unwrap();
        // The same signature as an in-memory key's: both sign e with RFC 6979 nonces.
        let in_memory = Sm2SigningKey::from_secret_bytes(&SECRET)
            .unwrap()
            .sign(message)
            .unwrap();
        assert_eq!(signature.0, in_memory.0);
    }

    #[test]
    fn der_and_gmt_0018_answers_are_converted() {
        let public = sm2_public(&SECRET);
        let token = sm2_token(&SECRET);
        let message = b"evidence";
        let raw = token(&token_input(&public, message).unwrap());

        let der = to_der(&raw);
        assert_eq!(der[0], 0x30);
        let from_der = checked_signature(&public, message, &der).unwrap();
        assert_eq!(from_der.0.as_slice(), raw.as_slice());

        let mut gmt = vec![0u8; 128];
        gmt[32..64].copy_from_slice(&raw[..32]);
        gmt[96..].copy_from_slice(&raw[32..]);
        let from_gmt = checked_signature(&public, message, &gmt).unwrap();
        assert_eq!(from_gmt.0.as_slice(), raw.as_slice());
    }

    #[test]
    fn a_mechanism_that_hashes_again_is_refused() {
        // A wrong vendor mechanism: one that computes SM3 over its input (or ZA over it) before
        // signing, so the token signs SM3(e) instead of e.
        let public = sm2_public(&SECRET);
        let token = sm2_token(&SECRET);
        let error =
            sign_with(&public, b"m", |e| Ok(token(&ledger_format::hash::sm3(e).0))).unwrap_err();
        assert!(error.contains("does not verify"), "{error}");
    }

    #[test]
    fn a_signature_by_another_key_is_refused() {
        let public = sm2_public(&SECRET);
        let other = sm2_token(&[0x17; 32]);
        let error = sign_with(&public, b"m", |e| Ok(other(e))).unwrap_err();
        assert!(error.contains("does not verify"), "{error}");

        let ed = SigningKey::from_seed(&[1; 32]);
        let other = SigningKey::from_seed(&[2; 32]);
        let error =
            sign_with(&ed.public_key(), b"m", |m| Ok(other.sign(m).0.to_vec())).unwrap_err();
        assert!(error.contains("does not verify"), "{error}");
    }

    #[test]
    fn answers_of_other_shapes_are_refused() {
        let public = sm2_public(&SECRET);
        let token = sm2_token(&SECRET);
        let raw = token(&token_input(&public, b"m").unwrap());
        let mut padded_with_junk = vec![0u8; 128];
        padded_with_junk[0] = 1;
        padded_with_junk[32..64].copy_from_slice(&raw[..32]);
        padded_with_junk[96..].copy_from_slice(&raw[32..]);
        let cases = [
            vec![],
            raw[..63].to_vec(),
            [raw.as_slice(), &[0]].concat(),
            padded_with_junk,
            [to_der(&raw).as_slice(), &[0]].concat(),
        ];
        for output in cases {
            assert!(
                checked_signature(&public, b"m", &output).is_err(),
                "{output:02x?}"
            );
        }

        let ed = SigningKey::from_seed(&[1; 32]);
        let signature = ed.sign(b"m").0;
        let error = checked_signature(&ed.public_key(), b"m", &signature[..63]).unwrap_err();
        assert!(error.contains("63 bytes"), "{error}");
        assert!(checked_signature(&ed.public_key(), b"m", &signature).is_ok());
    }

    #[test]
    fn a_token_error_is_passed_on() {
        let ed = SigningKey::from_seed(&[1; 32]);
        let error = sign_with(&ed.public_key(), b"m", |_| Err("device busy".into())).unwrap_err();
        assert_eq!(error, "device busy");
    }
}
