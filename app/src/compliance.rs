//! The CIS Oracle Cloud Infrastructure Foundations Benchmark (v2.0.0), section 4 "Logging and
//! Monitoring": the recommendations an event rule with a notification satisfies, and the one a
//! topic with a subscription does. The built-in starter `cis-oci-monitoring` has one rule per
//! event recommendation here, its number and title in the rule's description; a test holds the two
//! together. A recommendation is judged by the event types it requires (a rule passes when its
//! condition matches an event of every one of them, whoever made the rule), not by names.
//!
//! The event types are the benchmark's remediation lists. Those the reference material confirms
//! are marked so in [`crate::catalogue`]; the others are there as unconfirmed.

/// The starter that deploys the pack.
pub const PACK_SLUG: &str = "cis-oci-monitoring";

/// The benchmark and section the recommendations come from.
pub const BENCHMARK: &str = "CIS Oracle Cloud Infrastructure Foundations Benchmark v2.0.0, section 4";

/// What satisfies a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// An enabled rule whose condition matches every one of these event types, with an enabled
    /// notification action to an ACTIVE topic with an ACTIVE subscription.
    Rule(&'static [&'static str]),
    /// An ACTIVE topic with at least one ACTIVE subscription.
    TopicWithSubscription,
}

/// One recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    /// Its number in the benchmark (`4.3`).
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What satisfies it.
    pub requirement: Requirement,
}

const IDENTITY: &str = "com.oraclecloud.identitycontrolplane.";

macro_rules! types {
    ($prefix:literal; $($name:literal),+ $(,)?) => {
        &[$(concat!($prefix, $name)),+]
    };
}

/// The recommendations, in the benchmark's order.
pub const RECOMMENDATIONS: &[Recommendation] = &[
    Recommendation {
        id: "4.2",
        title: "Create at least one notification topic and subscription to receive monitoring alerts",
        requirement: Requirement::TopicWithSubscription,
    },
    Recommendation {
        id: "4.3",
        title: "Ensure a notification is configured for Identity Provider changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.identitycontrolplane."; "createidentityprovider", "deleteidentityprovider", "updateidentityprovider"),
        ),
    },
    Recommendation {
        id: "4.4",
        title: "Ensure a notification is configured for IdP group mapping changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.identitycontrolplane."; "createidpgroupmapping", "deleteidpgroupmapping", "updateidpgroupmapping"),
        ),
    },
    Recommendation {
        id: "4.5",
        title: "Ensure a notification is configured for IAM group changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.identitycontrolplane."; "creategroup", "deletegroup", "updategroup"),
        ),
    },
    Recommendation {
        id: "4.6",
        title: "Ensure a notification is configured for IAM policy changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.identitycontrolplane."; "createpolicy", "deletepolicy", "updatepolicy"),
        ),
    },
    Recommendation {
        id: "4.7",
        title: "Ensure a notification is configured for user changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.identitycontrolplane."; "createuser", "deleteuser", "updateuser", "updateusercapabilities", "updateuserstate"),
        ),
    },
    Recommendation {
        id: "4.8",
        title: "Ensure a notification is configured for VCN changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.virtualnetwork."; "createvcn", "deletevcn", "updatevcn"),
        ),
    },
    Recommendation {
        id: "4.9",
        title: "Ensure a notification is configured for changes to route tables",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.virtualnetwork."; "changeroutetablecompartment", "createroutetable", "deleteroutetable", "updateroutetable"),
        ),
    },
    Recommendation {
        id: "4.10",
        title: "Ensure a notification is configured for security list changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.virtualnetwork."; "changesecuritylistcompartment", "createsecuritylist", "deletesecuritylist", "updatesecuritylist"),
        ),
    },
    Recommendation {
        id: "4.11",
        title: "Ensure a notification is configured for network security group changes",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.virtualnetwork."; "changenetworksecuritygroupcompartment", "createnetworksecuritygroup", "deletenetworksecuritygroup", "updatenetworksecuritygroup"),
        ),
    },
    Recommendation {
        id: "4.12",
        title: "Ensure a notification is configured for changes to network gateways",
        requirement: Requirement::Rule(&[
            "com.oraclecloud.virtualnetwork.createdrg",
            "com.oraclecloud.virtualnetwork.deletedrg",
            "com.oraclecloud.virtualnetwork.updatedrg",
            "com.oraclecloud.virtualnetwork.createdrgattachment",
            "com.oraclecloud.virtualnetwork.deletedrgattachment",
            "com.oraclecloud.virtualnetwork.updatedrgattachment",
            "com.oraclecloud.virtualnetwork.changeinternetgatewaycompartment",
            "com.oraclecloud.virtualnetwork.createinternetgateway",
            "com.oraclecloud.virtualnetwork.deleteinternetgateway",
            "com.oraclecloud.virtualnetwork.updateinternetgateway",
            "com.oraclecloud.virtualnetwork.changelocalpeeringgatewaycompartment",
            "com.oraclecloud.virtualnetwork.createlocalpeeringgateway",
            "com.oraclecloud.virtualnetwork.deletelocalpeeringgateway.end",
            "com.oraclecloud.virtualnetwork.updatelocalpeeringgateway",
            "com.oraclecloud.natgateway.changenatgatewaycompartment",
            "com.oraclecloud.natgateway.createnatgateway",
            "com.oraclecloud.natgateway.deletenatgateway",
            "com.oraclecloud.natgateway.updatenatgateway",
            "com.oraclecloud.servicegateway.attachserviceid",
            "com.oraclecloud.servicegateway.changeservicegatewaycompartment",
            "com.oraclecloud.servicegateway.createservicegateway",
            "com.oraclecloud.servicegateway.deleteservicegateway.end",
            "com.oraclecloud.servicegateway.detachserviceid",
            "com.oraclecloud.servicegateway.updateservicegateway",
        ]),
    },
    Recommendation {
        id: "4.15",
        title: "Ensure a notification is configured for Oracle Cloud Guard problems detected",
        requirement: Requirement::Rule(
            types!("com.oraclecloud.cloudguard."; "problemdetected", "problemdismissed", "problemremediated"),
        ),
    },
    Recommendation {
        id: "4.18",
        title: "Ensure a notification is configured for Local OCI User Authentication",
        requirement: Requirement::Rule(&["com.oraclecloud.identitysignon.interactivelogin"]),
    },
];

/// The recommendation numbered `id`.
pub fn find(id: &str) -> Option<&'static Recommendation> {
    RECOMMENDATIONS.iter().find(|r| r.id == id)
}

/// Whether `types` are Identity's (its events are emitted in the tenancy's home region only).
pub fn is_identity(types: &[&str]) -> bool {
    types.iter().all(|t| t.starts_with(IDENTITY) || t.starts_with("com.oraclecloud.identitysignon."))
}

/// A sample event of `event_type` in `compartment_id`, as the matcher judges a rule against it:
/// the catalogue's sample with the compartment put where OCI puts it.
pub fn probe_event(event_type: &str, compartment_id: &str) -> serde_json::Value {
    let known = crate::catalogue::find(event_type).copied().unwrap_or(crate::catalogue::EventType {
        name: "",
        service: "",
        description: "",
        confirmed: false,
    });
    let mut event = crate::catalogue::sample_event(&known);
    event["eventType"] = serde_json::Value::String(event_type.to_owned());
    event["data"]["compartmentId"] = serde_json::Value::String(compartment_id.to_owned());
    event["extensions"]["compartmentId"] = serde_json::Value::String(compartment_id.to_owned());
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Condition;
    use crate::template::starters::Starter;

    #[test]
    fn every_type_is_in_the_catalogue_and_the_pack_covers_every_recommendation() {
        for rec in RECOMMENDATIONS {
            if let Requirement::Rule(types) = rec.requirement {
                for t in types {
                    assert!(crate::catalogue::find(t).is_some(), "{}: {t} is not in the catalogue", rec.id);
                }
            }
        }
        let pack = Starter::find(PACK_SLUG).expect("the pack").template().expect("it parses");
        let rules: Vec<_> = RECOMMENDATIONS.iter().filter(|r| matches!(r.requirement, Requirement::Rule(_))).collect();
        assert_eq!(pack.rules.len(), rules.len(), "one rule per event recommendation");
        for rec in rules {
            let Requirement::Rule(types) = rec.requirement else { continue };
            let rule = pack
                .rules
                .iter()
                .find(|r| r.description.starts_with(&format!("CIS {} ", rec.id)))
                .unwrap_or_else(|| panic!("no rule's description starts with CIS {}", rec.id));
            assert!(rule.description.contains(rec.title), "{}: the description names the title", rec.id);
            let condition = Condition::parse(&rule.condition.to_string()).expect("the condition parses");
            for t in types {
                assert!(condition.matches(&probe_event(t, "ocid1.compartment.oc1..x")), "{}: {t} matched", rec.id);
            }
        }
    }

    #[test]
    fn a_probe_event_carries_its_type_and_compartment() {
        let event = probe_event("com.oraclecloud.virtualnetwork.createvcn", "ocid1.compartment.oc1..here");
        assert_eq!(event["eventType"], "com.oraclecloud.virtualnetwork.createvcn");
        assert_eq!(event["data"]["compartmentId"], "ocid1.compartment.oc1..here");
        assert!(is_identity(&["com.oraclecloud.identitysignon.interactivelogin"]));
        assert!(!is_identity(&["com.oraclecloud.virtualnetwork.createvcn"]));
    }
}
