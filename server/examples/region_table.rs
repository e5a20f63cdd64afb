//! Prints Signalbox's realms, regions and the base URL of every service in every region as JSON,
//! for `.ci/sdk_regions_check.py` to compare with what the official OCI Python SDK builds.
//!
//! Usage: `cargo run -p server --example region_table`

use serde_json::{Map, Value, json};
use server::oci::region::{REALMS, Region, Service};

fn main() {
    let realms: Map<String, Value> = REALMS.iter().map(|r| (r.id.to_owned(), Value::from(r.domain))).collect();
    let regions: Vec<Value> = Region::known()
        .map(|region| {
            let base_urls: Map<String, Value> =
                Service::ALL.iter().map(|s| (s.name().to_owned(), Value::from(region.base_url(*s)))).collect();
            json!({
                "id": region.id(),
                "short": region.short_code(),
                "realm": region.realm().id,
                "base_urls": base_urls,
            })
        })
        .collect();
    println!("{}", json!({"realms": realms, "regions": regions}));
}
