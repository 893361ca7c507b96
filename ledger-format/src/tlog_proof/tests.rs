use proptest::prelude::*;

use super::*;
use crate::checkpoint::Checkpoint;
use crate::keys::SigningKey;

fn signed(size: u64, cosignatures: u8) -> SignedCheckpoint {
    let checkpoint = Checkpoint {
        origin: "ledger.example/log".into(),
        size,
        root: Hash([7; 32]),
        map_root: Hash([8; 32]),
        timestamp: 1_767_225_600,
    };
    let mut signed = SignedCheckpoint::sign(
        checkpoint,
        "ledger.example/log",
        &SigningKey::from_seed(&[1; 32]),
    )
    .unwrap();
    for n in 0..cosignatures {
        let key = SigningKey::from_seed(&[n + 2; 32]);
        signed
            .add_cosignature(&format!("witness{n}.example"), &key, 1_767_225_601)
            .unwrap();
    }
    signed
}

fn sample() -> TlogProof {
    TlogProof::new(
        b"leaf".to_vec(),
        5,
        vec![Hash([1; 32]), Hash([2; 32])],
        signed(6, 2),
    )
    .unwrap()
}

#[test]
fn text_layout() {
    let text = sample().to_text();
    let expected_head = format!(
        "c2sp.org/tlog-proof@v1\nextra bGVhZg==\nindex 5\n{}\n{}\n\n",
        Hash([1; 32]).to_base64(),
        Hash([2; 32]).to_base64()
    );
    assert!(text.starts_with(&expected_head), "{text}");
    assert_eq!(&text[expected_head.len()..], signed(6, 2).to_note_text());
    assert_eq!(TlogProof::parse(&text), Ok(sample()));
    let proof = sample().inclusion_proof();
    assert_eq!((proof.leaf_index, proof.tree_size), (5, 6));
}

#[test]
fn no_extra_no_path() {
    let proof = TlogProof::new(Vec::new(), 0, Vec::new(), signed(1, 0)).unwrap();
    let text = proof.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\nledger.example/log\n1\n"));
    assert_eq!(TlogProof::parse(&text), Ok(proof));
}

/// `text` with the first occurrence of `from` replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    let text = sample().to_text();
    assert!(text.contains(from), "{from:?} not in the sample");
    text.replacen(from, to, 1)
}

#[test]
fn tampered_text_is_refused() {
    let cases: Vec<(String, TlogProofError)> = vec![
        (
            edited("tlog-proof@v1", "tlog-proof@v2"),
            TlogProofError::WrongHeader,
        ),
        (
            format!("\n{}", sample().to_text()),
            TlogProofError::WrongHeader,
        ),
        (
            edited("extra bGVhZg==", "extra bGVhZh=="),
            TlogProofError::BadExtra("not base64"),
        ),
        (
            edited("extra bGVhZg==", "extra "),
            TlogProofError::BadExtra("empty (omit the line instead)"),
        ),
        (
            edited("extra bGVhZg==", "extra  bGVhZg=="),
            TlogProofError::BadExtra("not base64"),
        ),
        (
            edited("index 5", "index 05"),
            TlogProofError::BadIndex("leading zero"),
        ),
        (
            edited("index 5", "index -5"),
            TlogProofError::BadIndex("not a decimal number"),
        ),
        (
            edited("index 5\n", "index 5\r\n"),
            TlogProofError::BadIndex("not a decimal number"),
        ),
        (
            edited("index 5", "index 6"),
            TlogProofError::IndexOutOfRange { index: 6, size: 6 },
        ),
        (
            edited("index 5", "Index 5"),
            TlogProofError::BadIndex("expected `index <n>`"),
        ),
        (
            edited(&format!("{}\n", Hash([2; 32]).to_base64()), "AQID\n"),
            TlogProofError::BadProofLine { line: 5 },
        ),
        // Without its blank line, the checkpoint's lines read as proof lines.
        (
            edited("\n\n", "\n"),
            TlogProofError::BadProofLine { line: 6 },
        ),
        (
            format!("{TLOG_PROOF_HEADER}\nindex 0\n"),
            TlogProofError::MissingCheckpoint,
        ),
    ];
    for (text, error) in cases {
        assert_eq!(TlogProof::parse(&text), Err(error), "{text}");
    }
}

#[test]
fn trailing_and_truncated_text_is_refused() {
    let text = sample().to_text();
    let trailing = format!("{text}garbage\n");
    assert!(matches!(
        TlogProof::parse(&trailing),
        Err(TlogProofError::Checkpoint(_))
    ));
    assert!(matches!(
        TlogProof::parse(&format!("{text}\n")),
        Err(TlogProofError::Checkpoint(_))
    ));
    for cut in [
        text.len() - 1,
        text.len() - 30,
        text.find("\n\n").unwrap() + 1,
    ] {
        assert!(TlogProof::parse(&text[..cut]).is_err(), "cut at {cut}");
    }
    // A proof with its checkpoint's signature lines stripped is no note at all.
    let head_end = text.find("\n\n").unwrap() + 2;
    let body = signed(6, 0).checkpoint().body();
    assert!(matches!(
        TlogProof::parse(&format!("{}{body}", &text[..head_end])),
        Err(TlogProofError::Checkpoint(NoteError::MissingSignatures))
    ));
}

#[test]
fn oversize_input_is_refused() {
    let hashes = vec![Hash([1; 32]); MAX_INCLUSION_PROOF_LEN + 1];
    assert_eq!(
        TlogProof::new(Vec::new(), 0, hashes.clone(), signed(1, 0)),
        Err(TlogProofError::TooManyHashes {
            max: MAX_INCLUSION_PROOF_LEN
        })
    );
    let lines: String = hashes
        .iter()
        .map(|h| format!("{}\n", h.to_base64()))
        .collect();
    let text = format!(
        "{TLOG_PROOF_HEADER}\nindex 0\n{lines}\n{}",
        signed(1, 0).to_note_text()
    );
    assert_eq!(
        TlogProof::parse(&text),
        Err(TlogProofError::TooManyHashes {
            max: MAX_INCLUSION_PROOF_LEN
        })
    );
    assert_eq!(
        TlogProof::new(vec![1; MAX_EXTRA_LEN + 1], 0, Vec::new(), signed(1, 0)),
        Err(TlogProofError::BadExtra("too long"))
    );
    assert_eq!(
        MAX_TLOG_PROOF_LEN, 106_706,
        "docs/format.md#tlog-proof states it"
    );
    let big = vec![b'A'; MAX_TLOG_PROOF_LEN + 1];
    assert_eq!(
        TlogProof::from_bytes(&big),
        Err(TlogProofError::TooLarge {
            len: MAX_TLOG_PROOF_LEN + 1,
            max: MAX_TLOG_PROOF_LEN
        })
    );
    assert_eq!(
        TlogProof::from_bytes(b"c2sp.org/tlog-proof@v1\n\xff\n\n"),
        Err(TlogProofError::NotUtf8)
    );
    // The largest proof the limits allow parses.
    let largest = TlogProof::new(
        vec![9; MAX_EXTRA_LEN],
        u64::MAX - 1,
        vec![Hash([1; 32]); MAX_INCLUSION_PROOF_LEN],
        signed(u64::MAX, 3),
    )
    .unwrap();
    let text = largest.to_text();
    assert!(text.len() <= MAX_TLOG_PROOF_LEN);
    assert_eq!(TlogProof::from_bytes(text.as_bytes()), Ok(largest));
}

fn arb_proof() -> impl Strategy<Value = TlogProof> {
    (
        proptest::collection::vec(any::<u8>(), 0..300),
        1..u64::MAX,
        proptest::collection::vec(any::<[u8; 32]>(), 0..=MAX_INCLUSION_PROOF_LEN),
        0u8..4,
    )
        .prop_flat_map(|(extra, size, path, cosignatures)| {
            (0..size).prop_map(move |index| {
                TlogProof::new(
                    extra.clone(),
                    index,
                    path.iter().map(|h| Hash(*h)).collect(),
                    signed(size, cosignatures),
                )
                .unwrap()
            })
        })
}

proptest! {
    #[test]
    fn round_trip(proof in arb_proof()) {
        let text = proof.to_text();
        prop_assert_eq!(TlogProof::parse(&text), Ok(proof.clone()));
        prop_assert_eq!(TlogProof::from_bytes(text.as_bytes()), Ok(proof));
    }

    /// One text per proof: whatever a flipped byte leaves parseable writes back to the same bytes.
    #[test]
    fn parsed_text_is_canonical(proof in arb_proof(), at in any::<usize>(), bit in 0u8..8) {
        let mut bytes = proof.to_text().into_bytes();
        let at = at % bytes.len();
        bytes[at] ^= 1 << bit;
        if let Ok(parsed) = TlogProof::from_bytes(&bytes) {
            prop_assert_eq!(parsed.to_text().into_bytes(), bytes);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = TlogProof::from_bytes(&bytes);
    }
}
