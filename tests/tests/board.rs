//! The public notice board end to end: a notice posted through the agency API is on the board of
//! the agency's node and of a node that mirrors its log, with the agency's objection instructions
//! from the membership file and links that lead to the notice's proof; the registrant's identity
//! is on neither.

mod common;

use common::{Agency, Network, notice, service, wait_mirrored};
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::record::{
    ApplicationKind, Registrant, RegistrantId, RegistrantRole, RegistrationType,
    identity_commitment,
};
use serde_json::Value;

/// How to object to agency A's notices, as its membership entry states it.
const OBJECTIONS: &str =
    "异议请以实名书面形式寄至玉溪市公共数据登记中心（玉溪市红塔区），并附证据。";

fn code() -> CertificateCode {
    CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 1).unwrap()
}

/// Writes A's objection instructions into its entry of the network's membership file.
fn state_objections(net: &Network) {
    let path = net.dir.path().join("network.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen(
        "name = \"a\"\n",
        &format!("name = \"a\"\nobjections = \"{OBJECTIONS}\"\n"),
        1,
    );
    assert_ne!(edited, text, "no entry of a in {text}");
    std::fs::write(&path, edited).unwrap();
}

/// What `node`'s board says of the notice of [`code`] in the log `origin`.
fn board_notice(node: &Agency, origin: &str) -> (Value, Value) {
    let page = node.get_json(&format!("/v1/board/notices?log={origin}"));
    let entry = page["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == code().as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{} shows no notice of {}: {page}", node.name, code()));
    (page, entry)
}

#[test]
fn a_notice_is_on_the_board_of_every_node() {
    let mut net = Network::create(&["a", "b"], None);
    state_objections(&net);
    net.start_all();
    let a = net.node("a");
    let origin = a.origin.clone();
    a.set_up(&service());
    a.apply_for(&code(), ApplicationKind::First);
    // An individual registrant: a name in clear, the identity document only as a commitment.
    let identity = identity_commitment(
        ledger_format::suite::Suite::Ed25519Sha256,
        &[9; 32],
        "resident-id:530402199001011234",
    );
    let person = Registrant {
        name: "王五".into(),
        id: RegistrantId::Individual(identity),
        role: RegistrantRole::DataHolder,
    };
    let mut body = notice(&code(), RegistrationType::First, a.today());
    body["NoticePublished"]["content"]["registrant"] = serde_json::to_value(&person).unwrap();
    let ends_on = body["NoticePublished"]["ends_on"].clone();
    let index = a.append(body)["index"].as_u64().unwrap();
    let size = index + 1;
    wait_mirrored(net.node("b"), &origin, size);
    wait_mirrored(a, &origin, size);

    for node in [net.node("a"), net.node("b")] {
        let (page, entry) = board_notice(node, &origin);
        assert_eq!(page["objections"], OBJECTIONS, "{}: {page}", node.name);
        assert_eq!(page["agency"], "a");
        assert_eq!(entry["registrant"], "王五");
        assert_eq!(entry["data_name"], "玉溪市公共交通客流数据");
        assert_eq!(entry["ends_on"], ends_on);
        assert_eq!(entry["index"], index);

        // The board lists A's log on both nodes, as its own on A only.
        let logs = node.get_json("/v1/board");
        let listed = logs["logs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["log"] == origin.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{} does not list {origin}: {logs}", node.name));
        assert_eq!(listed["own"], node.name == "a", "{logs}");
        assert_eq!(listed["objections"], OBJECTIONS);

        // The lookup by code finds the log by itself; the links lead to the notice's proof.
        let found = node.get_json(&format!("/v1/board/certificates/{}", code()));
        assert_eq!(found["status"], "in-notice", "{found}");
        assert_eq!(found["log"], origin.as_str());
        let record = node.get_json(entry["links"]["record"].as_str().unwrap());
        assert_eq!(record["index"], index);
        assert!(record["record"]["body"]["NoticePublished"].is_object());
        let proof = node.get_json(entry["links"]["inclusion"].as_str().unwrap());
        assert_eq!(proof["leaf_index"], index, "{proof}");
        assert_eq!(proof["tree_size"], size);

        // No board answer shows the identity commitment, nor the fixture's field commitments.
        let content = ledger_format::testing::content(ObjectKind::DataResource, None);
        let mut secrets = vec![identity.to_hex()];
        secrets.extend(content.fields.iter().map(|f| f.commitment.to_hex()));
        for path in [
            "/v1/board".to_owned(),
            format!("/v1/board/notices?log={origin}"),
            format!("/v1/board/announcements?log={origin}"),
            format!("/v1/board/certificates/{}", code()),
        ] {
            let text = node.get_text(&path);
            for secret in &secrets {
                assert!(!text.contains(secret.as_str()), "{path} shows {secret}");
            }
        }
    }
}
