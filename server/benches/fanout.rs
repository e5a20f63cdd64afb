//! Plan + apply of the CIS monitoring pack fanned out to 50 compartments × 3 regions (150
//! targets, 14 resources each: a topic, a subscription and 12 rules) through the API, against the
//! built-in sandbox with 100 ms added to every call of every service in every region and its
//! persistence on, as `signalbox serve` runs it. Counts the OCI calls each phase made (every signed
//! call the sandbox's regions served) against the fewest that could do the job: for the apply,
//! one create per resource; for the plan, one compartment listing plus a read of each target's
//! rules, topics and subscriptions (what any plan that looks before it writes must read). Then
//! times the set's health check of every target, and a compliance check of the same scope,
//! against the reads each cannot do without.
//!
//! Run with `cargo bench -p server --bench fanout` (`make bench` runs it);
//! `SIGNALBOX_BENCH_FANOUT=10x2` picks compartments × regions.

#[path = "../tests/support/console.rs"]
mod console;

use console::Console;
use serde_json::json;
use server::Application;
use server::config::{Config, TEST_ADMIN_PASSWORD};
use server::oci::identity::CreateCompartmentDetails;
use server::oci::region::Region;
use server::sandbox::{FaultSpec, Sandbox};
use std::time::{Duration, Instant};

const LATENCY_MS: u64 = 100;
const REGIONS: [&str; 3] = ["us-ashburn-1", "eu-frankfurt-1", "uk-london-1"];
const SERVICES: [&str; 7] = ["events", "notifications", "functions", "audit", "compute", "identity", "objectstorage"];
/// Resources the pack makes in one target with one webhook.
const PER_TARGET: u64 = 14;
/// Rules among them.
const RULES_PER_TARGET: u64 = 12;

fn calls(regions: &[Sandbox]) -> u64 {
    regions.iter().map(Sandbox::calls_served).sum()
}

#[tokio::main]
async fn main() {
    let (compartments, region_count) = std::env::var("SIGNALBOX_BENCH_FANOUT")
        .ok()
        .and_then(|text| {
            let (c, r) = text.split_once('x')?;
            Some((c.parse().ok()?, r.parse().ok()?))
        })
        .unwrap_or((50usize, 3usize));
    let regions = &REGIONS[..region_count.min(REGIONS.len())];
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let config = Config { sandbox_persist: true, ..Config::for_tests(data_dir.path()) };
    let app = Application::build(config).await.expect("application starts");
    let base = format!("http://{}", app.local_addr().expect("bound address"));
    let builtin = app.builtin();
    tokio::spawn(app.run_until_stopped());
    let console = Console::login(&base, TEST_ADMIN_PASSWORD).await;
    let connection = console.get("/connections").await[0]["id"].as_i64().expect("sandbox connection");

    // The compartments, made before the latency is added.
    let mut ids = Vec::new();
    for n in 0..compartments {
        let details = CreateCompartmentDetails {
            compartment_id: "ocid1.compartment.oc1..sandboxprod".into(),
            name: format!("project-{n:02}"),
            description: "fan-out benchmark".into(),
        };
        ids.push(builtin.client.create_compartment(&details).await.expect("a compartment").body.id);
    }
    let tenancy = builtin.sandbox.tenancy().to_owned();
    let sandboxes: Vec<Sandbox> =
        regions.iter().map(|r| builtin.host.regional_tenant(&tenancy, &Region::parse(r).expect("a region"))).collect();
    let latency = FaultSpec { latency_ms: LATENCY_MS, ..FaultSpec::default() };
    for sandbox in &sandboxes {
        sandbox.set_faults(SERVICES.iter().map(|s| ((*s).to_owned(), latency)).collect()).expect("faults");
    }
    let created = console.post("/templates", json!({"source": {"starter": "cis-oci-monitoring"}})).await;
    let request = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": connection,
        "scope": {"regions": regions, "compartments": ids},
        "parameters": {"prefix": "cis", "webhooks": ["http://127.0.0.1:9/cis"]},
    });
    let targets = (compartments * regions.len()) as u64;
    println!(
        "CIS pack to {compartments} compartments × {} regions = {targets} targets ({} resources), {LATENCY_MS} ms added \
         to every call of every service, sandbox persistence on",
        regions.len(),
        targets * PER_TARGET
    );

    let before = calls(&sandboxes);
    let started = Instant::now();
    let review = console.post("/deployment-sets/plan", request.clone()).await;
    let plan_time = started.elapsed();
    let plan_calls = calls(&sandboxes) - before;
    assert_eq!(review["targets"].as_array().map(Vec::len), Some(targets as usize), "{review}");

    let mut body = request;
    body["name"] = json!("cis everywhere");
    body["digest"] = review["digest"].clone();
    let before = calls(&sandboxes);
    let started = Instant::now();
    let run = console.post("/deployment-sets", body).await;
    let set = run["set_id"].as_i64().expect("a set id");
    loop {
        let detail = console.get(&format!("/deployment-sets/{set}")).await;
        let states: Vec<&str> = detail["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["last_run"]["state"].as_str())
            .collect();
        if states.len() == targets as usize && states.iter().all(|s| *s != "running") {
            assert!(states.iter().all(|s| *s == "succeeded"), "{detail}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let apply_time = started.elapsed();
    let apply_calls = calls(&sandboxes) - before;

    let plan_minimum = 1 + 3 * targets;
    let apply_minimum = PER_TARGET * targets;
    let total = plan_time + apply_time;
    println!(
        "plan:  {:>7.2} s, {plan_calls:>6} OCI calls (fewest that could do: {plan_minimum})",
        plan_time.as_secs_f64()
    );
    println!(
        "apply: {:>7.2} s, {apply_calls:>6} OCI calls (fewest that could do: {apply_minimum})",
        apply_time.as_secs_f64()
    );
    println!(
        "plan + apply: {:.2} s, {} OCI calls ({:.2}x the fewest, {})",
        total.as_secs_f64(),
        plan_calls + apply_calls,
        (plan_calls + apply_calls) as f64 / (plan_minimum + apply_minimum) as f64,
        plan_minimum + apply_minimum
    );
    // At one call at a time, the fewest calls alone would take this long.
    let serial = Duration::from_millis(LATENCY_MS * (plan_minimum + apply_minimum));
    println!("the same calls one after another at {LATENCY_MS} ms: {:.0} s", serial.as_secs_f64());

    // The set's health, every target read in its region: its rules listed, each rule read (a
    // listing carries no actions), its topic read and the topic's subscriptions listed.
    let before = calls(&sandboxes);
    let started = Instant::now();
    let health = console.post(&format!("/deployment-sets/{set}/health"), json!({})).await;
    let health_time = started.elapsed();
    let health_calls = calls(&sandboxes) - before;
    let checked = health["targets"].as_array().map(Vec::len).unwrap_or_default();
    assert_eq!(checked, targets as usize, "{health}");
    assert!(health["targets"].as_array().into_iter().flatten().all(|t| t["error"].is_null()), "{health}");
    let health_minimum = (1 + RULES_PER_TARGET + 2) * targets;
    println!(
        "set health: {:>7.2} s, {health_calls:>6} OCI calls (fewest that could do: {health_minimum}), {} targets checked",
        health_time.as_secs_f64(),
        checked
    );

    // A compliance check of the same scope, judged cell by cell: per region, the rules of every
    // compartment and of the two above them (`prod`, the tenancy: a rule covers what is below
    // it), each rule read, the topics of every compartment listed, each topic read and its
    // subscriptions listed.
    let check = console
        .post(
            "/compliance",
            json!({"name": "cis", "connection_id": connection, "scope": {"regions": regions, "compartments": ids}}),
        )
        .await;
    let check_id = check["summary"]["id"].as_i64().expect("a check id");
    let before = calls(&sandboxes);
    let started = Instant::now();
    let judged = console.post(&format!("/compliance/{check_id}/check"), json!({})).await;
    let compliance_time = started.elapsed();
    let compliance_calls = calls(&sandboxes) - before;
    let cells = judged["cells"].as_array().map(Vec::len).unwrap_or_default();
    let per_region = (compartments as u64 + 2) + compartments as u64 * (RULES_PER_TARGET + 3);
    let compliance_minimum = per_region * regions.len() as u64;
    println!(
        "compliance: {:>7.2} s, {compliance_calls:>6} OCI calls (fewest that could do: {compliance_minimum}), {cells} cells judged",
        compliance_time.as_secs_f64()
    );
}
