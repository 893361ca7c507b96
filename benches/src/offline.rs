//! P3 (offline bundle verification per core, beside raw signature verifications of the log's suite)
//! and P5 (bundle size at 10^6 records, built for real, and at 10^8, computed from the measured
//! proof depth).
//!
//! The bundle is the one a registrant carries in a QR code: a certificate's state, its status-map
//! proof, and the log's checkpoint with three witness cosignatures (fixture keys of
//! `ledger_format::testing` of the log's suite: real Ed25519 or SM2). Witnessing is not built into the node yet, so the
//! cosigned bundle is assembled with the format crate's `Ledger` fixture, exactly as the node's
//! exporter assembles one; its status map holds `keys` certificates.

use anyhow::{Result, bail};
use ledger_format::Canonical;
use ledger_format::bundle::{Bundle, TrustPolicy, VerdictKind, verify_bundle_bytes};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::keys::{PublicKey, SecretKey, Signature, Signer};
use ledger_format::map;
use ledger_format::record::{ApplicationKind, Body, Issued, Notice, RegistrationType};
use ledger_format::suite::Suite;
use ledger_format::testing::{self, Ledger, at, parse_date};

/// Witness cosignatures on the bundle's checkpoint.
pub const WITNESSES: u8 = 3;
/// Signature verifications one bundle needs: the log's signature and each witness cosignature.
pub const SIGNATURES_PER_BUNDLE: usize = 1 + WITNESSES as usize;

/// A real cosigned bundle over a status map of `keys` certificates, in a log of one suite.
#[derive(Debug)]
pub struct BundleFixture {
    /// The log's suite.
    pub suite: Suite,
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

/// Builds the bundle of one issued certificate in a status map of `keys` certificates, in a log of
/// `suite` (its agency and witnesses sign with fixture keys of the suite, its tree and map hash
/// with the suite's hash; the other certificates are random keys with random value hashes: map
/// paths depend only on how many keys there are), and samples the proof shape of `samples` keys.
///
/// # Errors
/// When the fixture's rules or the map refuse an update (they do not).
pub fn bundle_fixture(suite: Suite, keys: u64, samples: usize) -> Result<BundleFixture> {
    let mut ledger = Ledger::new(testing::ORIGIN, testing::agency_key_of(suite));
    let code = testing::code(2026, 1);
    certificate(&mut ledger, &code)?;
    let filler: Vec<Hash> = (1..keys).map(|n| suite.hash(&n.to_be_bytes())).collect();
    let mut updates: Vec<(Hash, Option<Hash>)> = filler
        .iter()
        .map(|k| (*k, Some(suite.hash(&k.0))))
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
        suite,
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

/// What the P3 floor of `suite` measures, for the report.
pub fn raw_floor_name(suite: Suite) -> String {
    let what = match suite {
        Suite::Ed25519Sha256 => "Ed25519 verify_strict (ed25519-dalek, keys decoded beforehand)",
        Suite::Sm2Sm3 => "SM2 verifications (PublicKey::verify, the sm2 path: ZA, SM3, sm2 crate)",
    };
    format!("{SIGNATURES_PER_BUNDLE} raw {what} per bundle")
}

/// A key of the floor, decoded as far as the suite's raw check allows before timing.
enum RawKey {
    /// ed25519-dalek's key, its point decompressed once.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An SM2 key: [`PublicKey::verify`] parses the point and hashes ZA on every call, as a bundle
    /// check does (about 1% of an SM2 verification).
    Sm2(PublicKey),
}

impl RawKey {
    fn new(key: PublicKey) -> Result<Self> {
        Ok(match key {
            PublicKey::Ed25519(bytes) => {
                RawKey::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(&bytes)?)
            }
            PublicKey::Sm2(_) => RawKey::Sm2(key),
        })
    }

    fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        match self {
            RawKey::Ed25519(key) => key
                .verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature.0))
                .is_ok(),
            RawKey::Sm2(key) => key.verify(message, signature).is_ok(),
        }
    }
}

/// The P3 floor: [`SIGNATURES_PER_BUNDLE`] raw verifications of the fixture's suite (Ed25519:
/// ed25519-dalek's strict check on keys decoded beforehand; SM2: [`PublicKey::verify`]), the
/// messages as long as the bundle's checkpoint note, per second on one core, counted as bundles.
///
/// # Errors
/// When a fixture key does not sign or decode (they do).
pub fn raw_signature_bundles_per_second(fixture: &BundleFixture, seconds: f64) -> Result<f64> {
    let note_len = fixture.bundle.checkpoint.checkpoint().body().len();
    let suite = fixture.suite;
    let signed = (0..SIGNATURES_PER_BUNDLE)
        .map(|n| {
            let key = SecretKey::from_secret_bytes(suite, &[0x90 + n as u8; 32])?;
            let message = vec![b'x' ^ n as u8; note_len];
            let signature = Signer::sign(&key, &message)?;
            Ok((RawKey::new(key.public_key())?, message, signature))
        })
        .collect::<Result<Vec<_>>>()?;
    for (key, message, signature) in &signed {
        if !key.verify(message, signature) {
            bail!("a floor signature of {} does not verify", suite.name());
        }
    }
    Ok(crate::stats::calls_per_second(seconds, || {
        for (key, message, signature) in &signed {
            let ok = key.verify(std::hint::black_box(message), signature);
            std::hint::black_box(ok);
        }
    }))
}
