//! The C2SP CCTV Ed25519 edge-case vectors (914 cases; `tests/vectors/cctv-ed25519/SOURCE.md`)
//! against the ledger's one signature rule, ZIP-215 (docs/format.md#keys): for every case the
//! single check and the batch check agree, alone and mixed into a batch of good signatures, and
//! the outcome is the documented one: ZIP-215 accepts every vector whose `k` was computed from the
//! encodings as given, and refuses the `reencoded_k` ones (signed with `k` over the canonical
//! re-encoding of a non-canonical `A` or `R`) unless `A` is of low order, where the cofactored
//! equation drops `[k]A` (the expectation the vectors' own test states: CCTV
//! `ed25519/ed25519vectors_test.go`, "ZIP 215 rules accept all vectors where k is computed from
//! the provided R encoding"). The keys the vectors use are then held to the registration rule:
//! only canonical keys of prime order may be registered.

use ledger_format::keys::{PublicKey, Signature, SignatureError, SigningKey, verify_batch};

struct Case {
    number: u64,
    key: PublicKey,
    signature: Signature,
    message: Vec<u8>,
    flags: Vec<String>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("vectors/cctv-ed25519/ed25519vectors.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|case| Case {
            number: case["number"].as_u64().unwrap(),
            key: PublicKey::Ed25519(
                hex::decode(case["key"].as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap(),
            ),
            signature: Signature(
                hex::decode(case["sig"].as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap(),
            ),
            message: case["msg"].as_str().unwrap().as_bytes().to_vec(),
            flags: case["flags"]
                .as_array()
                .map(|f| f.iter().map(|f| f.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// Good signatures by ordinary keys, to mix a case into a batch.
fn good(n: u8) -> Vec<(PublicKey, Vec<u8>, Signature)> {
    (0..n)
        .map(|i| {
            let key = SigningKey::from_seed(&[i + 1; 32]);
            let message = format!("good message {i}").into_bytes();
            let signature = key.sign(&message);
            (key.public_key(), message, signature)
        })
        .collect()
}

fn batch(items: &[(PublicKey, Vec<u8>, Signature)]) -> Result<(), SignatureError> {
    verify_batch(items.iter().map(|(k, m, s)| (k, m.as_slice(), s)))
}

/// The documented outcome of a case under ZIP-215.
fn zip215_accepts(case: &Case) -> bool {
    let flag = |name: &str| case.flags.iter().any(|f| f == name);
    !flag("reencoded_k") || flag("low_order_A")
}

#[test]
fn every_vector_is_decided_alike_by_single_and_batch_checks() {
    let cases = cases();
    assert_eq!(cases.len(), 914, "the whole published set");
    let refused = cases.iter().filter(|c| !zip215_accepts(c)).count();
    assert!(refused > 0 && refused < 914, "both outcomes are exercised");
    let filler = good(3);
    for case in &cases {
        let single = case.key.verify(&case.message, &case.signature);
        let item = (case.key, case.message.clone(), case.signature);
        let alone = batch(std::slice::from_ref(&item));
        let mut mixed = filler.clone();
        mixed.insert(1, item);
        let in_batch = batch(&mixed);
        let expected = if zip215_accepts(case) {
            Ok(())
        } else {
            Err(SignatureError::BadSignature)
        };
        assert_eq!(single, expected, "case {} {:?}", case.number, case.flags);
        assert_eq!(alone, single, "case {}: batch of one", case.number);
        assert_eq!(in_batch, single, "case {}: mixed batch", case.number);
    }
}

#[test]
fn a_changed_message_fails_alike_in_single_and_batch_checks() {
    // Every vector's key has a low-order component or is low-order itself, except where the flags
    // say otherwise; a tampered message must still fail for the keys of prime order (for a
    // low-order key, ZIP-215's cofactored equation ignores the message: that is why such keys are
    // never registered).
    let filler = good(2);
    for case in cases() {
        let mut message = case.message.clone();
        message.push(b'!');
        let single = case.key.verify(&message, &case.signature);
        let mut mixed = filler.clone();
        mixed.push((case.key, message, case.signature));
        assert_eq!(batch(&mixed), single, "case {}", case.number);
        if !case.flags.iter().any(|f| f == "low_order_A") {
            assert_eq!(
                single,
                Err(SignatureError::BadSignature),
                "case {} {:?}",
                case.number,
                case.flags
            );
        }
    }
}

#[test]
fn only_canonical_keys_of_prime_order_may_be_registered() {
    let mut seen = [0usize; 2];
    for case in cases() {
        let weak = case.flags.iter().any(|f| {
            matches!(
                f.as_str(),
                "low_order_A" | "non_canonical_A" | "low_order_component_A"
            )
        });
        let verdict = case.key.check_registrable();
        assert_eq!(
            verdict.is_err(),
            weak,
            "case {} {:?}: {verdict:?}",
            case.number,
            case.flags
        );
        seen[usize::from(weak)] += 1;
    }
    assert!(
        seen[0] > 0 && seen[1] > 0,
        "both kinds are exercised: {seen:?}"
    );
    assert_eq!(
        SigningKey::from_seed(&[9; 32])
            .public_key()
            .check_registrable(),
        Ok(())
    );
}

#[test]
fn a_non_canonical_s_is_refused_alike() {
    // S + L verifies the same equation; ZIP-215, like RFC 8032, requires S < L.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let key = SigningKey::from_seed(&[5; 32]);
    let message = b"message";
    let mut signature = key.sign(message);
    let mut carry = 0u16;
    for (i, limb) in L.iter().enumerate() {
        let sum = u16::from(signature.0[32 + i]) + u16::from(*limb) + carry;
        signature.0[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L still fits in 256 bits for this key");
    let single = key.public_key().verify(message, &signature);
    assert_eq!(single, Err(SignatureError::BadSignature));
    let mut mixed = good(2);
    mixed.push((key.public_key(), message.to_vec(), signature));
    assert_eq!(batch(&mixed), single);
}
