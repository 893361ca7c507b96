//! The published SM3 and SM2 examples (`tests/vectors/sm2-sm3/SOURCE.md`) against the `sm2-sm3`
//! suite (docs/format.md#suites): SM3 digests, ZA for the default distinguishing ID, the message
//! digest `e`, public keys derived from secrets, and signatures that verify under their ID and no
//! other, including one made by OpenSSL under a non-default ID.

use ledger_format::keys::SignatureError;
use ledger_format::suite::Suite;
use ledger_format::suite::sm2::{
    DEFAULT_DIST_ID, DistId, Sm2Error, Sm2PublicKey, Sm2Signature, Sm2SigningKey,
};

fn vectors() -> serde_json::Value {
    serde_json::from_str(include_str!("vectors/sm2-sm3/vectors.json")).unwrap()
}

fn hex_field<const N: usize>(case: &serde_json::Value, name: &str) -> [u8; N] {
    hex::decode(case[name].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn text_field<'a>(case: &'a serde_json::Value, name: &str) -> &'a [u8] {
    case[name].as_str().unwrap().as_bytes()
}

#[test]
fn sm3_examples_of_gb_t_32905() {
    let vectors = vectors();
    let cases = vectors["sm3"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let message = hex::decode(case["message_hex"].as_str().unwrap()).unwrap();
        let expected = case["digest"].as_str().unwrap();
        assert_eq!(ledger_format::sm3(&message).to_hex(), expected, "{case}");
        assert_eq!(Suite::Sm2Sm3.hash(&message).to_hex(), expected, "{case}");
    }
}

#[test]
fn sm2_signatures_verify_under_their_id_and_no_other() {
    let vectors = vectors();
    let cases = vectors["sm2"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let key = Sm2PublicKey(hex_field(case, "public"));
        let signature = Sm2Signature(hex_field(case, "signature"));
        let id = DistId::new(text_field(case, "id")).unwrap();
        let message = text_field(case, "message");
        assert_eq!(key.check_registrable(), Ok(()), "{case}");
        assert_eq!(
            key.verify_with_id(&id, message, &signature),
            Ok(()),
            "{case}"
        );
        if id.as_bytes() == DEFAULT_DIST_ID {
            assert_eq!(key.verify(message, &signature), Ok(()), "{case}");
        } else {
            assert_eq!(
                key.verify(message, &signature),
                Err(SignatureError::BadSignature),
                "{case}"
            );
        }
        let other_id = DistId::new(b"another id".to_vec()).unwrap();
        assert_eq!(
            key.verify_with_id(&other_id, message, &signature),
            Err(SignatureError::BadSignature),
            "{case}"
        );
        assert_eq!(
            key.verify_with_id(&id, b"another message", &signature),
            Err(SignatureError::BadSignature),
            "{case}"
        );
        for byte in [0, 31, 32, 63] {
            let mut flipped = signature;
            flipped.0[byte] ^= 0x01;
            assert_eq!(
                key.verify_with_id(&id, message, &flipped),
                Err(SignatureError::BadSignature),
                "{case} byte {byte}"
            );
        }
    }
}

#[test]
fn gb_t_32918_5_example_za_digest_and_key() {
    let vectors = vectors();
    let case = &vectors["sm2"][0];
    assert!(case["source"].as_str().unwrap().starts_with("GB/T 32918.5"));
    let secret = Sm2SigningKey::from_secret_bytes(&hex_field(case, "secret")).unwrap();
    let key = Sm2PublicKey(hex_field(case, "public"));
    assert_eq!(secret.public_key(), key);
    assert_eq!(secret.secret_bytes(), hex_field::<32>(case, "secret"));
    // ZA for the default ID, and e = SM3(ZA || M).
    assert_eq!(text_field(case, "id"), DEFAULT_DIST_ID);
    let id = DistId::default();
    assert_eq!(key.za(&id).unwrap().to_hex(), case["za"].as_str().unwrap());
    let message = text_field(case, "message");
    assert_eq!(
        key.message_digest(&id, message).unwrap().to_hex(),
        case["e"].as_str().unwrap()
    );
    // Our own signature (RFC 6979 nonce, not the appendix's k) verifies, and is deterministic.
    let ours = secret.sign(message).unwrap();
    assert_eq!(key.verify(message, &ours), Ok(()));
    assert_eq!(secret.sign(message).unwrap(), ours);
    assert_ne!(ours, Sm2Signature(hex_field(case, "signature")));
    assert_eq!(
        secret.sign_with_id(&id, message).unwrap(),
        ours,
        "the default ID is GB/T 35276's"
    );
}

#[test]
fn pinned_rfc6979_signature() {
    let vectors = vectors();
    let case = vectors["sm2"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["source"].as_str().unwrap().contains("RFC 6979"))
        .unwrap();
    let secret = Sm2SigningKey::from_secret_bytes(&hex_field(case, "secret")).unwrap();
    let id = DistId::new(text_field(case, "id")).unwrap();
    let signature = secret
        .sign_with_id(&id, text_field(case, "message"))
        .unwrap();
    assert_eq!(signature, Sm2Signature(hex_field(case, "signature")));
}

#[test]
fn keys_in_other_forms_and_off_the_curve_are_refused_with_what_is_wrong() {
    let vectors = vectors();
    let good: [u8; 65] = hex_field(&vectors["sm2"][0], "public");
    let message = b"message digest";
    let signature = Sm2Signature(hex_field(&vectors["sm2"][0], "signature"));
    let bad_key = |key: &Sm2PublicKey| match key.verify(message, &signature) {
        Err(SignatureError::BadSm2Key(reason)) => reason,
        other => panic!("{key:?}: {other:?}"),
    };
    // The compressed form of the same point (y is odd: 0x13), as bytes and as a slice.
    let mut compressed = vec![0x03];
    compressed.extend_from_slice(&good[1..33]);
    let err = Sm2PublicKey::from_slice(&compressed).unwrap_err();
    assert!(err.to_string().contains("compressed form"), "{err}");
    assert!(
        Sm2PublicKey::from_slice(&good[1..])
            .unwrap_err()
            .to_string()
            .contains("not 65 bytes")
    );
    assert_eq!(Sm2PublicKey::from_slice(&good), Ok(Sm2PublicKey(good)));
    // The hybrid form (0x07 for odd y) and other prefixes.
    let mut hybrid = good;
    hybrid[0] = 0x07;
    assert!(bad_key(&Sm2PublicKey(hybrid)).contains("hybrid"));
    let mut no_prefix = good;
    no_prefix[0] = 0x00;
    assert!(bad_key(&Sm2PublicKey(no_prefix)).contains("0x04"));
    // Off the curve, and a coordinate at or above p.
    let mut off = good;
    off[64] ^= 1;
    assert!(bad_key(&Sm2PublicKey(off)).contains("not a point"));
    let mut big = good;
    big[1..33].fill(0xff);
    assert!(bad_key(&Sm2PublicKey(big)).contains("not a point"));
    for key in [hybrid, off] {
        let key = Sm2PublicKey(key);
        assert!(matches!(
            key.check_registrable(),
            Err(SignatureError::BadSm2Key(_))
        ));
        assert!(matches!(
            key.za(&DistId::default()),
            Err(SignatureError::BadSm2Key(_))
        ));
        assert!(Sm2PublicKey::from_slice(&key.0).is_err());
    }
}

#[test]
fn signatures_outside_the_scalar_range_and_bad_secrets_are_refused() {
    let vectors = vectors();
    let case = &vectors["sm2"][0];
    let key = Sm2PublicKey(hex_field(case, "public"));
    let message = text_field(case, "message");
    let good = Sm2Signature(hex_field(case, "signature"));
    // r = 0, s = 0, r = n (GB/T 32918.2 §7.1 B1, B2).
    let order =
        hex::decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123").unwrap();
    let mut zero_r = good;
    zero_r.0[..32].fill(0);
    let mut zero_s = good;
    zero_s.0[32..].fill(0);
    let mut r_is_n = good;
    r_is_n.0[..32].copy_from_slice(&order);
    for bad in [zero_r, zero_s, r_is_n] {
        assert_eq!(key.verify(message, &bad), Err(SignatureError::BadSignature));
    }
    // Secrets: 0, n - 1 and n are refused; 1 and n - 2 are keys.
    let n_minus = |k: u8| {
        let mut bytes: [u8; 32] = order.clone().try_into().unwrap();
        bytes[31] -= k;
        bytes
    };
    for bad in [[0; 32], n_minus(1), n_minus(0), [0xff; 32]] {
        assert_eq!(
            Sm2SigningKey::from_secret_bytes(&bad).unwrap_err(),
            Sm2Error::SecretOutOfRange
        );
    }
    let mut one = [0; 32];
    one[31] = 1;
    for secret in [one, n_minus(2)] {
        let signer = Sm2SigningKey::from_secret_bytes(&secret).unwrap();
        let signature = signer.sign(b"edge").unwrap();
        assert_eq!(signer.public_key().verify(b"edge", &signature), Ok(()));
    }
}

#[test]
fn distinguishing_ids_are_bytes_up_to_the_entl_limit() {
    let secret = Sm2SigningKey::from_secret_bytes(&[0x42; 32]).unwrap();
    let key = secret.public_key();
    assert_eq!(
        DistId::new(vec![0; 8192]).unwrap_err(),
        Sm2Error::DistIdTooLong(8192)
    );
    for id in [vec![], vec![0xff, 0x00, 0x80], vec![b'a'; 8191]] {
        let id = DistId::new(id).unwrap();
        let signature = secret.sign_with_id(&id, b"m").unwrap();
        assert_eq!(key.verify_with_id(&id, b"m", &signature), Ok(()));
        assert_eq!(
            key.verify(b"m", &signature),
            Err(SignatureError::BadSignature)
        );
    }
    // ENTL is the bit length: IDs that differ only in length give different ZA.
    assert_ne!(
        key.za(&DistId::new(b"1".to_vec()).unwrap()).unwrap(),
        key.za(&DistId::new(b"1\0".to_vec()).unwrap()).unwrap()
    );
    assert_eq!(
        format!("{:?}", DistId::default()),
        "DistId(\"1234567812345678\")"
    );
}

#[test]
fn signing_key_debug_hides_the_secret() {
    let secret = Sm2SigningKey::from_secret_bytes(&[0x42; 32]).unwrap();
    let shown = format!("{secret:?}");
    assert!(shown.contains(&secret.public_key().to_hex()));
    assert!(!shown.contains(&"42".repeat(32)));
    assert!(!shown.to_lowercase().contains("4242"));
}
