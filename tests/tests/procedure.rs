//! The registration procedure on the ledger (format version 2), through the HTTP API of a real
//! node: a notice terminated, a change rejected, withdrawal, missing materials, a certificate that
//! lapsed long ago, one renewal per application, and a late act of the registrar. Each refusal is
//! asserted by its HTTP status and, where the rule has one, the article its JSON error names.
//!
//! One agency's node runs alone (no network is needed). Time moves by restarting the node with
//! its clock shifted (`--clock-offset-days`); every date a test needs is read from the node's
//! answers or computed from the node's today, so the tests hold on any day of the year.

mod common;

use common::{Agency, Network, Reply, client_verify, network_policy_text, now, service};
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::date::Date;
use ledger_format::hash::sha256;
use ledger_format::record::{
    ApplicationAct, ApplicationKind, ApplicationWithdrawn, Body, Issued, MaterialsRequested,
    MaterialsSupplied, NoticeTerminated, RefusalGround, RegistrationType, Renewed,
};
use ledger_format::testing;
use serde_json::{Value, json};

/// The region of agency `a` (Yuxi), whose codes its log issues.
const REGION: u32 = 530_400;

/// Agency `a`'s node alone, started with the real clock, set up (calendars, the `yuxi-2025`
/// profile, the evidence service) and given plain calendars up to 2031, so that a clock moved
/// three years ahead still counts working days.
fn lone_agency() -> Network {
    let mut net = Network::create(&["a"], None);
    // No peer will ever tell a lone node about its own log: do not wait for one at each restart.
    net.node("a").configure("restore_wait_secs", "1");
    net.agency("a").start(0);
    let a = net.node("a");
    a.set_up(&service());
    for year in 2028..=2031 {
        a.append(json!({"Calendar": {"year": year, "holidays": [], "makeup_workdays": []}}));
    }
    net
}

/// Restarts `a`'s node with its clock on `day` (China Standard Time).
fn restart_on(net: &mut Network, day: Date) {
    let real_today = Date::from_unix_cst(now()).unwrap();
    let a = net.agency("a");
    a.kill();
    a.start(real_today.days_until(day));
    assert_eq!(a.today(), day, "the node's clock was moved");
}

/// Certificate code number `serial` of a data resource first applied for on the node's today.
fn code(a: &Agency, serial: u64) -> CertificateCode {
    CertificateCode::new(REGION, a.today().year(), ObjectKind::DataResource, serial).unwrap()
}

/// `body` as `POST /v1/agency/records` takes it.
fn record(body: Body) -> Value {
    serde_json::to_value(body).unwrap()
}

/// Appends `body`; panics unless it is accepted. Returns its index.
fn append(a: &Agency, body: Body) -> u64 {
    a.append(record(body))["index"].as_u64().unwrap()
}

/// The current state of `code`.
fn state(a: &Agency, code: &CertificateCode) -> Value {
    a.get_json(&format!("/v1/certificates/{code}"))
}

/// A date the API printed (`"YYYY-MM-DD"`).
fn date(value: &Value) -> Date {
    testing::parse_date(
        value
            .as_str()
            .unwrap_or_else(|| panic!("not a date: {value}")),
    )
}

/// Asserts that `reply` is a refusal with `status` whose JSON error names `article` (the `rule`
/// field and the message), or names no article when `None`; returns the error message.
fn refusal(reply: &Reply, status: u16, article: Option<&str>) -> String {
    assert_eq!(reply.status, status, "{}", reply.body);
    let error: Value = serde_json::from_str(&reply.body).unwrap();
    let message = error["error"].as_str().unwrap().to_owned();
    match article {
        Some(article) => {
            assert_eq!(error["rule"], article, "{error}");
            assert!(message.starts_with(&format!("{article}: ")), "{error}");
        }
        None => assert_eq!(error["rule"], Value::Null, "{error}"),
    }
    message
}

/// The receipt of a first application for `code`, alone (not yet accepted); returns its index.
fn receive_first(a: &Agency, code: &CertificateCode) -> u64 {
    append(a, testing::application(code, ApplicationKind::First))
}

/// Takes `code` through its first registration and issues it once the notice is over (the node
/// restarts after the last day of the notice); returns the certificate's last valid day.
fn issue(net: &mut Network, code: &CertificateCode) -> Date {
    net.node("a").publish_first_notice(code);
    let ends_on = date(&state(net.node("a"), code)["notice"]["ends_on"]);
    restart_on(net, ends_on.next_day().unwrap());
    let a = net.node("a");
    let today = a.today();
    let valid_until = today.period_end_years(3).unwrap();
    append(
        a,
        Body::Issued(Issued {
            code: code.clone(),
            valid_from: today,
            valid_until,
        }),
    );
    assert_eq!(state(a, code)["status"], "Active");
    valid_until
}

#[test]
fn a_first_notice_terminated_in_error_leaves_the_registration_refused() {
    let net = lone_agency();
    let a = net.node("a");
    let code = code(a, 1);
    let notice = a.publish_first_notice(&code);
    assert_eq!(state(a, &code)["status"], "InNotice");

    // A refusal ground comes to light during the notice (R17): the notice ends without approval.
    append(
        a,
        Body::NoticeTerminated(NoticeTerminated {
            code: code.clone(),
            notice_index: notice,
            ground: RefusalGround::ProtectedData,
        }),
    );
    let refused = state(a, &code);
    assert_eq!(refused["status"], json!({"Refused": "ProtectedData"}));
    assert_eq!(refused["notice"], Value::Null);

    // Refused is final: no certificate may be issued, and nothing else happens to the code.
    let today = a.today();
    let issued = a.try_append(&record(Body::Issued(Issued {
        code: code.clone(),
        valid_from: today,
        valid_until: today.period_end_years(3).unwrap(),
    })));
    let message = refusal(&issued, 409, None);
    assert_eq!(message, "the registration is refused, which is final");
    let again = a.try_append(&record(testing::application(&code, ApplicationKind::First)));
    refusal(&again, 409, None);

    // The bank's view: the bundle, once checkpointed, verifies as REFUSED with ledger-client.
    let size = a.size_of(&a.origin);
    common::wait_for("the checkpoint of the termination", || {
        a.log(&a.origin)["checkpoint_size"].as_u64() == Some(size)
    });
    let files = tempfile::tempdir().unwrap();
    let (bundle, policy) = (
        files.path().join("refused.bundle"),
        files.path().join("policy.txt"),
    );
    std::fs::write(
        &bundle,
        a.get_bytes(&format!("/v1/certificates/{code}/bundle")),
    )
    .unwrap();
    std::fs::write(&policy, network_policy_text(a)).unwrap();
    let report = client_verify(&bundle, &policy, &code.to_string(), &[]);
    assert_eq!(report["verdict"], "refused", "{report}");
    assert_eq!(report["status"], "refused", "{report}");
    assert_eq!(report["reliable"], false, "{report}");
    assert_eq!(report["exit_code"], 19, "{report}");
}

#[test]
fn a_rejected_change_no_longer_blocks_the_next_change() {
    let mut net = lone_agency();
    let code = code(net.node("a"), 1);
    issue(&mut net, &code);
    let a = net.node("a");
    let today = a.today();

    // A change goes to notice; while it is pending no other application is received.
    a.apply_for(&code, ApplicationKind::Change);
    let change = a.append(common::notice(&code, RegistrationType::Change, today))["index"]
        .as_u64()
        .unwrap();
    let blocked = a.try_append(&record(testing::application(
        &code,
        ApplicationKind::Change,
    )));
    let message = refusal(&blocked, 409, None);
    assert!(message.contains("notice is already pending"), "{message}");

    // The change is rejected: the certificate stays as it was, and the notice no longer blocks.
    append(
        a,
        Body::NoticeTerminated(NoticeTerminated {
            code: code.clone(),
            notice_index: change,
            ground: RefusalGround::InterestedPartiesDisagree,
        }),
    );
    let after = state(a, &code);
    assert_eq!(after["status"], "Active");
    assert_eq!(after["notice"], Value::Null);
    assert_eq!(after["version"], 1);

    // A second change application and its notice are accepted.
    a.apply_for(&code, ApplicationKind::Change);
    let second = a.append(common::notice(&code, RegistrationType::Change, today))["index"]
        .as_u64()
        .unwrap();
    let pending = state(a, &code);
    assert_eq!(pending["notice"]["notice_index"], second);
    assert_eq!(pending["notice"]["registration_type"], "Change");
}

#[test]
fn an_application_is_withdrawn_before_its_notice_and_not_after() {
    let net = lone_agency();
    let a = net.node("a");

    // Before the notice (R18): withdrawn, and final.
    let early = code(a, 1);
    let application = a.apply_for(&early, ApplicationKind::First);
    let withdrawal = |code: &CertificateCode, application_index| {
        record(Body::ApplicationWithdrawn(ApplicationWithdrawn {
            code: code.clone(),
            application_index,
            deemed: false,
        }))
    };
    a.append(withdrawal(&early, application));
    let withdrawn = state(a, &early);
    assert_eq!(withdrawn["status"], "Withdrawn");
    assert_eq!(withdrawn["application"], Value::Null);

    // After the notice is published, the application is no longer pending: refused.
    let late = code(a, 2);
    let application = a.apply_for(&late, ApplicationKind::First);
    a.append(common::notice(&late, RegistrationType::First, a.today()));
    let reply = a.try_append(&withdrawal(&late, application));
    let message = refusal(&reply, 409, Some("R18"));
    assert!(message.contains("only before its notice"), "{message}");
    assert_eq!(state(a, &late)["status"], "InNotice");
}

#[test]
fn missing_materials_are_requested_once_and_supplied_in_time() {
    let mut net = lone_agency();
    let a = net.node("a");
    let request = |code: &CertificateCode, application_index| {
        record(Body::MaterialsRequested(MaterialsRequested {
            code: code.clone(),
            application_index,
            request: sha256(b"missing: proof of lawful acquisition"),
        }))
    };
    let supply = |code: &CertificateCode, application_index| {
        record(Body::MaterialsSupplied(MaterialsSupplied {
            code: code.clone(),
            application_index,
            materials: sha256(b"resubmitted materials"),
        }))
    };
    let deemed = |code: &CertificateCode, application_index| {
        record(Body::ApplicationWithdrawn(ApplicationWithdrawn {
            code: code.clone(),
            application_index,
            deemed: true,
        }))
    };

    // The control: requested, supplied the same day; the acceptance clock restarts.
    let prompt = code(a, 1);
    let index = receive_first(a, &prompt);
    a.append(request(&prompt, index));
    a.append(supply(&prompt, index));
    assert!(state(a, &prompt)["application"]["stage"]["Received"].is_object());

    // Requested once (R16): a second request is refused.
    let slow = code(a, 2);
    let index = receive_first(a, &slow);
    a.append(request(&slow, index));
    let second = a.try_append(&request(&slow, index));
    refusal(&second, 409, Some("R16"));
    let due = date(&state(a, &slow)["application"]["stage"]["AwaitingMaterials"]["due"]);
    // Not withdrawn while the registrant's time runs.
    let early = a.try_append(&deemed(&slow, index));
    let message = refusal(&early, 409, Some("R16"));
    assert!(message.contains(&due.to_string()), "{message}");

    // The day after the due day: a late supply is refused, and the application counts as
    // withdrawn.
    restart_on(&mut net, due.next_day().unwrap());
    let a = net.node("a");
    let late = a.try_append(&supply(&slow, index));
    let message = refusal(&late, 409, Some("R16"));
    assert!(message.contains(&due.to_string()), "{message}");
    a.append(deemed(&slow, index));
    assert_eq!(state(a, &slow)["status"], "Withdrawn");
}

#[test]
fn a_certificate_expired_long_ago_is_not_revived_and_lapses_by_itself() {
    let mut net = lone_agency();
    let code = code(net.node("a"), 1);
    let valid_until = issue(&mut net, &code);

    // Long after the renewal window closed (60 days past the last valid day), with the lapse task
    // off: a renewal application is refused, naming R23 and the window.
    net.node("a").configure("auto_lapse", "false");
    restart_on(&mut net, valid_until.add_days(61).unwrap());
    let a = net.node("a");
    let renewal = a.try_append(&record(testing::application(
        &code,
        ApplicationKind::Renewal,
    )));
    let message = refusal(&renewal, 409, Some("R23"));
    let opens = valid_until.add_days(-60).unwrap();
    assert!(
        message.starts_with(&format!(
            "R23: renewal must be applied for between {opens} and "
        )),
        "{message}"
    );
    assert_eq!(state(a, &code)["status"], "Active");

    // The lapse task, scanning every second, cancels it on its own (R23).
    let today = a.today();
    net.node("a").configure("auto_lapse", "true");
    net.node("a").configure("check_interval_secs", "1");
    restart_on(&mut net, today);
    let a = net.node("a");
    common::wait_for("the lapse task to cancel the certificate", || {
        state(a, &code)["status"] != "Active"
    });
    assert_eq!(state(a, &code)["status"], json!({"Cancelled": "Lapsed"}));
    let history = a.get_json(&format!("/v1/certificates/{code}/history"));
    let last = history["records"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last.to_string().contains("Lapsed") && last.to_string().contains("Cancelled"),
        "{last}"
    );
}

#[test]
fn one_renewal_application_renews_once() {
    let mut net = lone_agency();
    let code = code(net.node("a"), 1);
    let valid_until = issue(&mut net, &code);

    // Thirty days before the last valid day: inside the renewal window.
    restart_on(&mut net, valid_until.add_days(-30).unwrap());
    let a = net.node("a");
    let application = a.apply_for(&code, ApplicationKind::Renewal);
    let renewed = |until: Date| {
        record(Body::Renewed(Renewed {
            code: code.clone(),
            application_index: application,
            valid_until: until,
            operation_ends: None,
        }))
    };
    let extended = valid_until.period_end_years(3).unwrap();
    a.append(renewed(extended));
    let after = state(a, &code);
    assert_eq!(date(&after["validity"]["until"]), extended);
    assert_eq!(after["application"], Value::Null);

    // The same application does not renew twice.
    let again = a.try_append(&renewed(extended.period_end_years(3).unwrap()));
    let message = refusal(&again, 409, Some("R23"));
    assert!(
        message.contains("its own accepted application"),
        "{message}"
    );
    assert_eq!(date(&state(a, &code)["validity"]["until"]), extended);
}

#[test]
fn a_late_acceptance_is_recorded_and_counted() {
    let mut net = lone_agency();
    let a = net.node("a");
    let code = code(a, 1);
    let index = receive_first(a, &code);
    let due = date(&state(a, &code)["application"]["stage"]["Received"]["due"]);

    // The registrar decides after its three working days (R16): accepted, and counted as late.
    restart_on(&mut net, due.next_day().unwrap());
    let a = net.node("a");
    assert_eq!(a.metric("ledger_late_acts_total"), 0.0);
    append(
        a,
        Body::ApplicationAccepted(ApplicationAct {
            code: code.clone(),
            application_index: index,
        }),
    );
    assert_eq!(a.metric("ledger_late_acts_total"), 1.0);
    let samples = a.metric_samples("ledger_late_acts");
    assert!(
        samples
            .iter()
            .any(|(sample, value)| sample.contains("acceptance") && *value == 1.0),
        "{samples:?}"
    );
    let after = state(a, &code);
    assert_eq!(after["late_acts"], 1);
    assert!(after["application"]["stage"]["Accepted"].is_object());
}
