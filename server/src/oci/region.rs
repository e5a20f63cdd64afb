//! Regions, realms and the host names of each service.
//!
//! A region belongs to a realm, and the realm decides the second-level domain of every endpoint
//! (`oraclecloud.com` for the commercial realm `oc1`, `oraclegovcloud.uk` for `oc4`, ...). Hosts
//! follow the Python SDK's templates: Events and Functions use the `oci.` form
//! (`events.us-ashburn-1.oci.oraclecloud.com`), Notifications and Audit do not.
//!
//! The tables of realms and regions are the Python SDK's (`oci/regions_definitions.py`, 2.189.0),
//! and `.ci/sdk_regions_check.py` compares them, and the base URL of every service in every region,
//! with what the pinned SDK builds. A well-formed region id missing from the table is taken to be
//! in `oc1`, as the SDK does without `OCI_DEFAULT_REALM`. A region newer than the table is made
//! known the SDK's way, from `OCI_REGION_METADATA` or `~/.oci/regions-config.json`
//! ([`learn_from_environment`], at startup), so it is reached in its own realm.

use serde::Deserialize;
use std::fmt;
use std::sync::OnceLock;

/// An OCI realm and its second-level domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Realm {
    /// `oc1`, `oc2`, ...
    pub id: &'static str,
    /// `oraclecloud.com`, `oraclegovcloud.com`, ...
    pub domain: &'static str,
}

/// Every realm in the Python SDK's table.
pub const REALMS: &[Realm] = &[
    Realm { id: "oc1", domain: "oraclecloud.com" },
    Realm { id: "oc2", domain: "oraclegovcloud.com" },
    Realm { id: "oc3", domain: "oraclegovcloud.com" },
    Realm { id: "oc4", domain: "oraclegovcloud.uk" },
    Realm { id: "oc8", domain: "oraclecloud8.com" },
    Realm { id: "oc9", domain: "oraclecloud9.com" },
    Realm { id: "oc10", domain: "oraclecloud10.com" },
    Realm { id: "oc14", domain: "oraclecloud14.com" },
    Realm { id: "oc15", domain: "oraclecloud15.com" },
    Realm { id: "oc19", domain: "oraclecloud.eu" },
    Realm { id: "oc20", domain: "oraclecloud20.com" },
    Realm { id: "oc21", domain: "oraclecloud21.com" },
    Realm { id: "oc23", domain: "oraclecloud23.com" },
    Realm { id: "oc24", domain: "oraclecloud24.com" },
    Realm { id: "oc26", domain: "oraclecloud26.com" },
    Realm { id: "oc29", domain: "oraclecloud29.com" },
    Realm { id: "oc35", domain: "oraclecloud35.com" },
    Realm { id: "oc42", domain: "oraclecloud42.com" },
    Realm { id: "oc51", domain: "oraclecloud51.com" },
    Realm { id: "oc52", domain: "oraclecloud52.com" },
];

/// Every region of the Python SDK's table (2.189.0): (id, short code, realm), in its order.
/// `.ci/sdk_regions_check.py` compares this table and the endpoints built from it with the SDK's.
const REGIONS: &[(&str, &str, &str)] = &[
    ("ap-chuncheon-1", "yny", "oc1"),
    ("ap-hyderabad-1", "hyd", "oc1"),
    ("ap-melbourne-1", "mel", "oc1"),
    ("ap-mumbai-1", "bom", "oc1"),
    ("ap-osaka-1", "kix", "oc1"),
    ("ap-seoul-1", "icn", "oc1"),
    ("ap-sydney-1", "syd", "oc1"),
    ("ap-tokyo-1", "nrt", "oc1"),
    ("ca-montreal-1", "yul", "oc1"),
    ("ca-toronto-1", "yyz", "oc1"),
    ("eu-amsterdam-1", "ams", "oc1"),
    ("eu-frankfurt-1", "fra", "oc1"),
    ("eu-zurich-1", "zrh", "oc1"),
    ("me-jeddah-1", "jed", "oc1"),
    ("me-dubai-1", "dxb", "oc1"),
    ("sa-saopaulo-1", "gru", "oc1"),
    ("uk-cardiff-1", "cwl", "oc1"),
    ("uk-london-1", "lhr", "oc1"),
    ("us-ashburn-1", "iad", "oc1"),
    ("us-phoenix-1", "phx", "oc1"),
    ("us-sanjose-1", "sjc", "oc1"),
    ("sa-vinhedo-1", "vcp", "oc1"),
    ("sa-santiago-1", "scl", "oc1"),
    ("il-jerusalem-1", "mtz", "oc1"),
    ("eu-marseille-1", "mrs", "oc1"),
    ("ap-singapore-1", "sin", "oc1"),
    ("me-abudhabi-1", "auh", "oc1"),
    ("eu-milan-1", "lin", "oc1"),
    ("eu-stockholm-1", "arn", "oc1"),
    ("af-johannesburg-1", "jnb", "oc1"),
    ("eu-paris-1", "cdg", "oc1"),
    ("mx-queretaro-1", "qro", "oc1"),
    ("eu-madrid-1", "mad", "oc1"),
    ("us-chicago-1", "ord", "oc1"),
    ("mx-monterrey-1", "mty", "oc1"),
    ("us-saltlake-2", "aga", "oc1"),
    ("sa-bogota-1", "bog", "oc1"),
    ("sa-valparaiso-1", "vap", "oc1"),
    ("ap-singapore-2", "xsp", "oc1"),
    ("me-riyadh-1", "ruh", "oc1"),
    ("ap-delhi-1", "onm", "oc1"),
    ("ap-batam-1", "hsg", "oc1"),
    ("eu-madrid-3", "orf", "oc1"),
    ("eu-turin-1", "nrq", "oc1"),
    ("ap-kulai-2", "jbp", "oc1"),
    ("af-casablanca-1", "lej", "oc1"),
    ("us-langley-1", "lfi", "oc2"),
    ("us-luke-1", "luf", "oc2"),
    ("us-gov-ashburn-1", "ric", "oc3"),
    ("us-gov-chicago-1", "pia", "oc3"),
    ("us-gov-phoenix-1", "tus", "oc3"),
    ("uk-gov-london-1", "ltn", "oc4"),
    ("uk-gov-cardiff-1", "brs", "oc4"),
    ("ap-chiyoda-1", "nja", "oc8"),
    ("ap-ibaraki-1", "ukb", "oc8"),
    ("me-dcc-muscat-1", "mct", "oc9"),
    ("me-ibri-1", "ibr", "oc9"),
    ("ap-dcc-canberra-1", "wga", "oc10"),
    ("eu-dcc-milan-1", "bgy", "oc14"),
    ("eu-dcc-milan-2", "mxp", "oc14"),
    ("eu-dcc-dublin-2", "snn", "oc14"),
    ("eu-dcc-rating-2", "dtm", "oc14"),
    ("eu-dcc-rating-1", "dus", "oc14"),
    ("eu-dcc-dublin-1", "ork", "oc14"),
    ("ap-dcc-gazipur-1", "dac", "oc15"),
    ("eu-madrid-2", "vll", "oc19"),
    ("eu-frankfurt-2", "str", "oc19"),
    ("eu-jovanovac-1", "beg", "oc20"),
    ("me-dcc-doha-1", "doh", "oc21"),
    ("me-alrayyan-1", "vve", "oc21"),
    ("us-somerset-1", "ebb", "oc23"),
    ("us-thames-1", "ebl", "oc23"),
    ("eu-dcc-zurich-1", "avz", "oc24"),
    ("eu-crissier-1", "avf", "oc24"),
    ("me-abudhabi-3", "ahu", "oc26"),
    ("me-alain-1", "rba", "oc26"),
    ("me-abudhabi-2", "rkt", "oc29"),
    ("me-abudhabi-4", "shj", "oc29"),
    ("ap-seoul-2", "dtz", "oc35"),
    ("ap-suwon-1", "dln", "oc35"),
    ("ap-chuncheon-2", "bno", "oc35"),
    ("us-ashburn-2", "yxj", "oc42"),
    ("us-newark-1", "pgc", "oc42"),
    ("eu-budapest-1", "jsk", "oc51"),
    ("sa-riodejaneiro-1", "hnw", "oc52"),
];

/// The SDK's variable holding one region's metadata (a JSON object).
pub const METADATA_VARIABLE: &str = "OCI_REGION_METADATA";
/// The SDK's file of regions' metadata (a JSON array), below `$HOME`.
pub const METADATA_FILE: &str = ".oci/regions-config.json";

/// One region in the SDK's region metadata schema.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionMetadata {
    /// The realm, such as `OC1`.
    pub realm_key: String,
    /// Its domain, such as `oraclecloud.com`.
    pub realm_domain_component: String,
    /// The region's short code, such as `SYD`.
    pub region_key: String,
    /// The region id, such as `ap-sydney-1`.
    pub region_identifier: String,
}

/// A region learnt from metadata (lower-cased, as the SDK keeps them).
struct Learnt {
    id: String,
    code: String,
    realm_id: String,
    domain: String,
}

/// The regions learnt at startup; set once, so what it holds lives as long as the process.
static LEARNT: OnceLock<Vec<Learnt>> = OnceLock::new();

/// Makes regions missing from the table known, with their realms. The table wins where both name a
/// region, as in the SDK. Only the first call counts (the server makes it at startup); answers
/// whether it did.
pub fn learn(metadata: Vec<RegionMetadata>) -> bool {
    let learnt = metadata
        .into_iter()
        .map(|m| Learnt {
            id: m.region_identifier.to_ascii_lowercase(),
            code: m.region_key.to_ascii_lowercase(),
            realm_id: m.realm_key.to_ascii_lowercase(),
            domain: m.realm_domain_component.to_ascii_lowercase(),
        })
        .collect();
    LEARNT.set(learnt).is_ok()
}

/// Reads the SDK's region metadata sources (`~/.oci/regions-config.json`, then
/// `OCI_REGION_METADATA`) and [`learn`]s their regions. Answers what it could not use, a line each
/// naming the source and the fix, for the caller to log; the rest is still learnt.
pub fn learn_from_environment() -> Vec<String> {
    let file = std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(METADATA_FILE));
    let mut unreadable = None;
    let file_text = file.as_deref().filter(|path| path.is_file()).and_then(|path| {
        std::fs::read_to_string(path)
            .map_err(|err| unreadable = Some(format!("{} cannot be read: {err}", path.display())))
            .ok()
    });
    let variable = std::env::var(METADATA_VARIABLE).ok().filter(|text| !text.trim().is_empty());
    let (metadata, mut problems) = parse_metadata(file_text.as_deref(), variable.as_deref());
    problems.extend(unreadable);
    learn(metadata);
    problems
}

/// The usable entries of the regions-config file's text and of the variable's, and a line for each
/// that is not: not JSON of the schema, or with an empty field.
fn parse_metadata(file: Option<&str>, variable: Option<&str>) -> (Vec<RegionMetadata>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let schema = "{\"realmKey\", \"realmDomainComponent\", \"regionKey\", \"regionIdentifier\"}";
    if let Some(text) = file {
        match serde_json::from_str::<Vec<serde_json::Value>>(text) {
            Ok(items) => found.extend(items.into_iter().map(|item| (format!("~/{METADATA_FILE}"), item))),
            Err(err) => problems.push(format!("~/{METADATA_FILE} is not a JSON array of {schema}: {err}")),
        }
    }
    if let Some(text) = variable {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(item) => found.push((METADATA_VARIABLE.to_owned(), item)),
            Err(err) => problems.push(format!("{METADATA_VARIABLE} is not a JSON object {schema}: {err}")),
        }
    }
    let mut metadata = Vec::new();
    for (source, item) in found {
        match serde_json::from_value::<RegionMetadata>(item) {
            Ok(m)
                if [&m.realm_key, &m.realm_domain_component, &m.region_key, &m.region_identifier]
                    .iter()
                    .all(|field| !field.trim().is_empty()) =>
            {
                metadata.push(m)
            }
            Ok(m) => {
                problems.push(format!("{source}: {} has an empty field; fill in all of {schema}", m.region_identifier))
            }
            Err(err) => problems.push(format!("{source}: an entry is not {schema}: {err}")),
        }
    }
    (metadata, problems)
}

/// A region id (`us-ashburn-1`) with its realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    id: String,
    realm: Realm,
}

/// A region that is neither a known short code nor a well-formed region id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not an OCI region; use a region id such as us-ashburn-1 or a short code such as iad")]
pub struct RegionError(String);

/// Services the client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Events rules.
    Events,
    /// Notifications: topics (control plane), subscriptions and publishing (data plane).
    Notifications,
    /// Functions management (applications, functions).
    Functions,
    /// Audit events.
    Audit,
    /// Compute (instances), an event source in the sandbox.
    Compute,
    /// Identity: compartments, users, policies.
    Identity,
    /// Object Storage (no version prefix in paths).
    ObjectStorage,
    /// The identity auth service: security tokens for sessions and instance principals.
    Auth,
}

impl Service {
    /// Every service.
    pub const ALL: [Service; 8] = [
        Service::Events,
        Service::Notifications,
        Service::Functions,
        Service::Audit,
        Service::Compute,
        Service::Identity,
        Service::ObjectStorage,
        Service::Auth,
    ];

    /// Its name in `.ci/sdk_regions_check.py`'s comparison.
    pub fn name(self) -> &'static str {
        match self {
            Service::Events => "events",
            Service::Notifications => "notifications",
            Service::Functions => "functions",
            Service::Audit => "audit",
            Service::Compute => "compute",
            Service::Identity => "identity",
            Service::ObjectStorage => "objectstorage",
            Service::Auth => "auth",
        }
    }

    /// Host prefix and whether the host takes the `oci.` infix.
    fn host_parts(self) -> (&'static str, bool) {
        match self {
            Service::Events => ("events", true),
            Service::Notifications => ("notification", false),
            Service::Functions => ("functions", true),
            Service::Audit => ("audit", false),
            Service::Compute => ("iaas", false),
            Service::Identity => ("identity", true),
            Service::ObjectStorage => ("objectstorage", false),
            Service::Auth => ("auth", false),
        }
    }

    /// The API version path prefix the client speaks.
    pub fn api_version(self) -> &'static str {
        match self {
            Service::Events | Service::Notifications => "/20181201",
            // The version the current SDK and CLI call (oci 2.189); the sandbox also answers 20181201.
            Service::Functions => "/20260325",
            Service::Audit => "/20190901",
            Service::Compute | Service::Identity => "/20160918",
            Service::ObjectStorage => "",
            Service::Auth => "/v1",
        }
    }
}

impl Region {
    /// Accepts a region id or a short code, case-insensitively.
    pub fn parse(text: &str) -> Result<Self, RegionError> {
        let lower = text.trim().to_ascii_lowercase();
        if let Some((id, _, realm)) = REGIONS.iter().find(|(id, code, _)| *id == lower || *code == lower) {
            return Ok(Self { id: (*id).to_owned(), realm: realm_by_id(realm) });
        }
        if let Some(learnt) = LEARNT.get().and_then(|all| all.iter().find(|l| l.id == lower || l.code == lower)) {
            let realm = Realm { id: &learnt.realm_id, domain: &learnt.domain };
            return Ok(Self { id: learnt.id.clone(), realm });
        }
        if is_region_id(&lower) { Ok(Self { id: lower, realm: REALMS[0] }) } else { Err(RegionError(text.to_owned())) }
    }

    /// Every region of the table, in its order.
    pub fn known() -> impl Iterator<Item = Region> {
        REGIONS.iter().map(|(id, _, realm)| Self { id: (*id).to_owned(), realm: realm_by_id(realm) })
    }

    /// Its short code (`iad`), when the table has it.
    pub fn short_code(&self) -> Option<&'static str> {
        REGIONS.iter().find(|(id, _, _)| *id == self.id).map(|(_, code, _)| *code)
    }

    /// `https://<service host>/<API version>`: where the client sends this service's calls.
    pub fn base_url(&self, service: Service) -> String {
        format!("{}{}", self.endpoint(service), service.api_version())
    }

    /// The same region in an explicitly named realm (for regions missing from the table).
    pub fn with_realm(mut self, realm: Realm) -> Self {
        self.realm = realm;
        self
    }

    /// The region id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The realm the region belongs to.
    pub fn realm(&self) -> Realm {
        self.realm
    }

    /// `https://<service host>` for this region.
    pub fn endpoint(&self, service: Service) -> String {
        let (prefix, oci_infix) = service.host_parts();
        let infix = if oci_infix { "oci." } else { "" };
        format!("https://{prefix}.{}.{infix}{}", self.id, self.realm.domain)
    }
}

impl Default for Region {
    /// `us-ashburn-1`, the region the sandbox presents itself as.
    fn default() -> Self {
        Self { id: "us-ashburn-1".to_owned(), realm: REALMS[0] }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

fn realm_by_id(id: &str) -> Realm {
    REALMS.iter().copied().find(|r| r.id == id).unwrap_or(REALMS[0])
}

/// `<letters>-<letters>[-<letters>]-<digits>`, the shape of every region id.
fn is_region_id(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.last().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_the_sdk_templates() {
        let iad = Region::parse("us-ashburn-1").unwrap();
        assert_eq!(iad.endpoint(Service::Events), "https://events.us-ashburn-1.oci.oraclecloud.com");
        assert_eq!(iad.endpoint(Service::Notifications), "https://notification.us-ashburn-1.oraclecloud.com");
        assert_eq!(iad.endpoint(Service::Functions), "https://functions.us-ashburn-1.oci.oraclecloud.com");
        assert_eq!(iad.endpoint(Service::Audit), "https://audit.us-ashburn-1.oraclecloud.com");
        assert_eq!(
            Region::parse("eu-frankfurt-2").unwrap().endpoint(Service::Audit),
            "https://audit.eu-frankfurt-2.oraclecloud.eu"
        );
        assert_eq!(
            Region::parse("uk-gov-london-1").unwrap().endpoint(Service::Functions),
            "https://functions.uk-gov-london-1.oci.oraclegovcloud.uk"
        );
    }

    #[test]
    fn short_codes_and_case_are_accepted() {
        for (text, id) in
            [("iad", "us-ashburn-1"), ("PHX", "us-phoenix-1"), ("fra", "eu-frankfurt-1"), (" Lhr ", "uk-london-1")]
        {
            assert_eq!(Region::parse(text).unwrap().id(), id, "{text}");
        }
    }

    #[test]
    fn unknown_but_well_formed_regions_default_to_oc1() {
        let region = Region::parse("xx-newplace-1").unwrap();
        assert_eq!(region.realm().id, "oc1");
        let realm = REALMS.iter().copied().find(|r| r.id == "oc19").unwrap();
        assert_eq!(
            region.with_realm(realm).endpoint(Service::Notifications),
            "https://notification.xx-newplace-1.oraclecloud.eu"
        );
    }

    #[test]
    fn regions_newer_than_the_table_are_learnt_from_the_sdk_metadata() {
        let variable = r#"{"realmKey": "OC99", "realmDomainComponent": "oraclecloud99.com", "regionKey": "ZZL", "regionIdentifier": "zz-learnt-1"}"#;
        let file = r#"[
            {"realmKey": "oc98", "realmDomainComponent": "oraclecloud98.com", "regionKey": "zzf", "regionIdentifier": "zz-filed-1"},
            {"realmKey": "oc98", "realmDomainComponent": "", "regionKey": "zze", "regionIdentifier": "zz-empty-1"},
            {"realmKey": "oc98"}
        ]"#;
        let (metadata, problems) = parse_metadata(Some(file), Some(variable));
        assert_eq!(metadata.len(), 2, "{metadata:?}");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("zz-empty-1") && problems[0].contains("regionIdentifier"), "{problems:?}");
        assert!(problems[1].contains("regions-config.json"), "{problems:?}");
        assert!(learn(metadata));

        let learnt = Region::parse("ZZL").unwrap();
        assert_eq!(learnt.id(), "zz-learnt-1");
        assert_eq!(learnt.realm().id, "oc99");
        assert_eq!(learnt.endpoint(Service::Events), "https://events.zz-learnt-1.oci.oraclecloud99.com");
        let filed = Region::parse("zz-filed-1").unwrap();
        assert_eq!(filed.endpoint(Service::Notifications), "https://notification.zz-filed-1.oraclecloud98.com");
        assert_eq!(Region::parse("iad").unwrap().realm().id, "oc1", "the table is unchanged");

        let (_, problems) = parse_metadata(Some("{not json"), Some("[]"));
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn nonsense_is_refused_with_an_example() {
        for bad in ["", "ashburn", "us-ashburn", "us_ashburn_1", "us-ashburn-x", "https://x"] {
            let err = Region::parse(bad).unwrap_err();
            assert!(err.to_string().contains("us-ashburn-1"), "{bad}: {err}");
        }
    }

    #[test]
    fn every_realm_of_the_table_is_known() {
        for (id, _, realm) in REGIONS {
            assert!(REALMS.iter().any(|r| r.id == *realm), "{id} names unknown realm {realm}");
        }
    }
}
