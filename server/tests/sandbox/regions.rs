//! One tenancy in several regions: regional services keep their own resources, Identity is the
//! home region's, a region is reached under `/regions/{region}`, and the path a request was
//! signed for is the path it must be sent to.

use crate::cloud;
use crate::helpers::{PROD, topic_details};
use server::oci::identity::CreateCompartmentDetails;
use server::oci::ons::ListTopicsRequest;
use server::oci::region::Region;
use server::sandbox::SandboxConfig;
use server::sandbox::host::SandboxHost;
use server::sandbox::persist::Store;

fn list(compartment: &str) -> ListTopicsRequest {
    ListTopicsRequest { compartment_id: compartment.into(), ..Default::default() }
}

fn compartment(name: &str, parent: &str) -> CreateCompartmentDetails {
    CreateCompartmentDetails { compartment_id: parent.into(), name: name.into(), description: format!("{name} team") }
}

#[tokio::test]
async fn regions_keep_their_own_resources_and_share_identity() {
    let cloud = cloud::start(SandboxConfig::default(), "ocid1.user.oc1..regions").await;
    let fra = Region::parse("eu-frankfurt-1").expect("a region");
    let frankfurt = cloud.client.in_region(&fra);

    // A compartment made at home is known in Frankfurt, whose Identity is the home region's.
    let made = cloud.client.create_compartment(&compartment("payments", PROD)).await.expect("created").body;
    assert_eq!(made.compartment_id, PROD);
    let listed = frankfurt.list_compartments(PROD, false, None).await.expect("listed").body;
    assert!(listed.iter().any(|c| c.id == made.id), "Frankfurt lists the new compartment: {listed:?}");

    // A topic made in Frankfurt is Frankfurt's: its OCID names the region, home does not see it.
    let topic = frankfurt.create_topic(&topic_details("alerts", &made.id)).await.expect("created in fra").body;
    assert!(topic.topic_id.contains(".fra."), "a Frankfurt OCID: {}", topic.topic_id);
    assert!(cloud.client.list_topics(&list(&made.id)).await.expect("home list").body.is_empty());
    let there = frankfurt.list_topics(&list(&made.id)).await.expect("fra list").body;
    assert_eq!(there.iter().map(|t| t.topic_id.as_str()).collect::<Vec<_>>(), [topic.topic_id.as_str()]);
    // The same name is free at home: topic names are unique per region.
    cloud.client.create_topic(&topic_details("alerts", &made.id)).await.expect("the same name at home");

    // Home reached through its own prefix is home.
    let home = frankfurt.in_region(&Region::parse("us-ashburn-1").expect("a region"));
    assert_eq!(home.list_topics(&list(&made.id)).await.expect("home again").body.len(), 1);

    // A sibling of the same name is refused, under another parent it is not.
    let taken = cloud.client.create_compartment(&compartment("payments", PROD)).await.expect_err("taken");
    assert_eq!(taken.status(), Some(409), "{taken}");
    cloud.client.create_compartment(&compartment("payments", made.id.as_str())).await.expect("a nested namesake");
    let bad = cloud.client.create_compartment(&compartment("no spaces", PROD)).await.expect_err("a bad name");
    assert_eq!(bad.status(), Some(400), "{bad}");
    let orphan = cloud
        .client
        .create_compartment(&compartment("orphan", "ocid1.compartment.oc1..nosuchparent"))
        .await
        .expect_err("no parent");
    assert_eq!(orphan.status(), Some(400), "{orphan}");
}

#[tokio::test]
async fn unknown_regions_and_moved_signatures_are_refused() {
    let cloud = cloud::start(SandboxConfig::default(), "ocid1.user.oc1..regions").await;
    let http = reqwest::Client::builder().no_proxy().build().expect("a client");
    for path in
        ["/regions/xx-nowhere-1/20181201/topics", "/regions/IAD/20181201/topics", "/regions/", "/regions/%2e%2e/n/"]
    {
        let answer = http.get(format!("{}{path}", cloud.url)).send().await.expect("an answer");
        assert!(answer.status().is_client_error(), "{path}: {}", answer.status());
    }
    // A request signed for Frankfurt, replayed against Phoenix, is refused: the signature covers
    // the path as sent, prefix included.
    let url = format!("{}/regions/eu-frankfurt-1/20181201/topics?compartmentId={PROD}", cloud.url);
    let mut request = http::Request::get(&url).body(bytes::Bytes::new()).expect("a request");
    server::oci::signer::sign(&mut request, &cloud.api_key, chrono::Utc::now()).expect("signed");
    let mut moved =
        http::Request::get(url.replace("eu-frankfurt-1", "us-phoenix-1")).body(bytes::Bytes::new()).expect("a request");
    *moved.headers_mut() = request.headers().clone();
    let answer = http.execute(reqwest::Request::try_from(moved).expect("a request")).await.expect("an answer");
    assert_eq!(answer.status(), 401, "a signature moved to another region");
    let answer = http.execute(reqwest::Request::try_from(request).expect("a request")).await.expect("an answer");
    assert_eq!(answer.status(), 200, "the request as signed");
}

#[tokio::test]
async fn a_region_is_saved_and_restored() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("sandbox.db");
    let fra = Region::parse("eu-frankfurt-1").expect("a region");
    let tenancy = SandboxConfig::default().tenancy;
    let topic = {
        let host = SandboxHost::new(SandboxConfig::default());
        host.persist_to(Store::open(&path).await.expect("a store")).await.expect("persisted");
        let regional = host.regional_tenant(&tenancy, &fra);
        let (topic, _) = regional.world().create_topic(topic_details("kept", PROD), None, "").expect("created");
        regional.save_now().await;
        topic.topic_id
    };
    let host = SandboxHost::new(SandboxConfig::default());
    host.persist_to(Store::open(&path).await.expect("a store")).await.expect("restored");
    assert!(host.regional_tenant(&tenancy, &fra).world().get_topic(&topic).is_ok(), "Frankfurt's topic is back");
    assert!(host.default_tenant().world().get_topic(&topic).is_err(), "and only in Frankfurt");
}
