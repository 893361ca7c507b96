//! P3 (offline bundle verification per core, beside raw Ed25519 verifications) and P5 (bundle size
//! at 10^6 records, built for real, and at 10^8, computed from the measured proof depth).
//!
//! The bundle is the one a registrant carries in a QR code: a certificate's state, its status-map
//! proof, and the log's checkpoint with three witness cosignatures (fixture keys of
//! `ledger_format::testing`, real Ed25519). Witnessing is not built into the node yet, so the
//! cosigned bundle is assembled with the format crate's `Ledger` fixture, exactly as the node's
//! exporter assembles one; its status map holds `keys` certificates.

use anyhow::{Result, bail};
use ledger_format::Canonical;
use ledger_format::bundle::{Bundle, TrustPolicy, VerdictKind, verify_bundle_bytes};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::keys::SigningKey;
use ledger_format::map;
use ledger_format::record::{ApplicationKind, Body, Issued, Notice, RegistrationType};
use ledger_format::testing::{self, Ledger, at, parse_date};

/// Witness cosignatures on the bundle's checkpoint.
pub const WITNESSES: u8 = 3;
/// Ed25519 verifications one bundle needs: the log's signature and each witness cosignature.
pub const SIGNATURES_PER_BUNDLE: usize = 1 + WITNESSES as usize;

/// A real cosigned bundle over a status map of `keys` certificates.
#[derive(Debug)]
pub struct BundleFixture {
    /// Its canonical bytes.
    pub bytes: Vec<u8>,
    /// The decoded bundle.
    pub bundle: Bundle,
    /// The policy that trusts it (quorum: every witness).
    pub policy: TrustPolicy,
    /// A time at which it verifies as valid.
    pub at: i64,
    /// Certificates in the status map.
    pub keys: u64,
    /// Depth and non-empty siblings of the proofs of a sample of keys.
    pub depths: Vec<(u16, usize)>,
}

fn certificate(ledger: &mut Ledger, code: &CertificateCode) -> Result<()> {
    ledger.apply_for("2026-11-23", code, ApplicationKind::First)?;
    let notice = Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type: RegistrationType::First,
        content: testing::content(code.kind(), None),
        ends_on: parse_date("2026-12-04"),
    });
    ledger.apply("2026-11-23", notice)?;
    let issued = Body::Issued(Issued {
        code: code.clone(),
        valid_from: parse_date("2026-12-07"),
        valid_until: parse_date("2029-12-07"),
    });
    ledger.apply("2026-12-07", issued)?;
    Ok(())
}

/// Builds the bundle of one issued certificate in a status map of `keys` certificates (the others
/// are random keys with random value hashes: map paths depend only on how many keys there are),
/// and samples the proof shape of `samples` keys.
///
/// # Errors
/// When the fixture's rules or the map refuse an update (they do not).
pub fn bundle_fixture(keys: u64, samples: usize) -> Result<BundleFixture> {
    let mut ledger = Ledger::default();
    let code = testing::code(2026, 1);
    certificate(&mut ledger, &code)?;
    let filler: Vec<Hash> = (1..keys)
        .map(|n| ledger_format::sha256(&n.to_be_bytes()))
        .collect();
    let mut updates: Vec<(Hash, Option<Hash>)> = filler
        .iter()
        .map(|k| (*k, Some(ledger_format::sha256(&k.0))))
        .collect();
    updates.sort_by_key(|u| u.0);
    let update = map::apply(&ledger.map, ledger.map.root(), &updates)?;
    ledger.map.apply_update(&update);
    let signed_at = at("2027-02-01", 9);
    let signed = ledger.checkpoint(signed_at, WITNESSES);
    let policy = ledger.policy(WITNESSES, usize::from(WITNESSES));
    let bundle = ledger.bundle(&code, &signed, &policy, false);
    let bytes = bundle.encode();
    let verify_at = signed_at + 3600;
    let verdict = verify_bundle_bytes(&bytes, &policy, verify_at);
    if !matches!(verdict.kind, VerdictKind::Valid { .. }) {
        bail!(
            "the fixture bundle does not verify: {}",
            verdict.kind.name()
        );
    }
    let root = ledger.map.root();
    let step = (filler.len() / samples.max(1)).max(1);
    let mut depths = Vec::with_capacity(samples);
    for key in filler.iter().step_by(step).take(samples) {
        let proof = map::prove(&ledger.map, root, *key)?;
        depths.push((proof.depth, proof.siblings.len()));
    }
    Ok(BundleFixture {
        bytes,
        bundle,
        policy,
        at: verify_at,
        keys,
        depths,
    })
}

/// The P5 size model: the bundle measured at `fixture.keys` certificates, its map proof grown to
/// `keys` certificates by log2(keys / fixture.keys) more levels, each a 32-byte sibling (levels
/// near the root are never empty), plus the bitmap's extra bytes.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct SizeEstimate {
    /// Certificates in the status map.
    pub keys: f64,
    /// Bundle bytes for a key of average depth.
    pub typical_bytes: f64,
    /// Bundle bytes for the deepest sampled key.
    pub worst_bytes: f64,
    /// Average map-proof depth.
    pub mean_depth: f64,
}

/// Extrapolates the bundle's size to a map of `keys` certificates from the measured fixture.
pub fn estimate_size(fixture: &BundleFixture, keys: f64) -> SizeEstimate {
    let extra_levels = (keys / fixture.keys as f64).log2().max(0.0);
    let proof = &fixture.bundle.map_proof;
    let base = fixture.bytes.len() as f64
        - proof.siblings.len() as f64 * 32.0
        - (f64::from(proof.depth) / 8.0).ceil();
    let n = fixture.depths.len().max(1) as f64;
    let mean_siblings = fixture.depths.iter().map(|d| d.1 as f64).sum::<f64>() / n + extra_levels;
    let mean_depth = fixture.depths.iter().map(|d| f64::from(d.0)).sum::<f64>() / n + extra_levels;
    let max_siblings = fixture.depths.iter().map(|d| d.1).max().unwrap_or(0) as f64 + extra_levels;
    let max_depth = f64::from(fixture.depths.iter().map(|d| d.0).max().unwrap_or(0)) + extra_levels;
    let bitmap = |depth: f64| (depth / 8.0).ceil();
    SizeEstimate {
        keys,
        typical_bytes: base + mean_siblings.round() * 32.0 + bitmap(mean_depth.round()),
        worst_bytes: base + max_siblings.ceil() * 32.0 + bitmap(max_depth.ceil()),
        mean_depth,
    }
}

/// P3: bundles verified per second on one core.
pub fn bundles_per_second(fixture: &BundleFixture, seconds: f64) -> f64 {
    crate::stats::calls_per_second(seconds, || {
        let verdict = verify_bundle_bytes(
            std::hint::black_box(&fixture.bytes),
            &fixture.policy,
            fixture.at,
        );
        std::hint::black_box(verdict);
    })
}

/// The P3 floor: [`SIGNATURES_PER_BUNDLE`] raw Ed25519 strict verifications (ed25519-dalek, the
/// messages as long as the bundle's checkpoint note) per second on one core, counted as bundles.
pub fn raw_signature_bundles_per_second(fixture: &BundleFixture, seconds: f64) -> f64 {
    let note_len = fixture.bundle.checkpoint.checkpoint().body().len();
    let signed: Vec<(
        ed25519_dalek::VerifyingKey,
        Vec<u8>,
        ed25519_dalek::Signature,
    )> = (0..SIGNATURES_PER_BUNDLE)
        .map(|n| {
            let key = SigningKey::from_seed(&[0x90 + n as u8; 32]);
            let message = vec![b'x' ^ n as u8; note_len];
            let signature = ed25519_dalek::Signature::from_bytes(&key.sign(&message).0);
            let public = ed25519_dalek::VerifyingKey::from_bytes(
                &key.public_key().as_bytes().try_into().expect("ed25519 key"),
            )
            .unwrap_or_else(|_| unreachable_key());
            (public, message, signature)
        })
        .collect();
    crate::stats::calls_per_second(seconds, || {
        for (key, message, signature) in &signed {
            let ok = key.verify_strict(std::hint::black_box(message), signature);
            std::hint::black_box(ok.is_ok());
        }
    })
}

/// A public key derived from a seed always decodes; this is never reached.
fn unreachable_key() -> ed25519_dalek::VerifyingKey {
    ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key()
}
