//! The event types Signalbox knows: the seed workflow's, and the compute, block volume, object
//! storage, identity, networking, Cloud Guard, database and functions types of
//! `../shared/reference/oci-api.md` §6.3. Events has no API that lists types, so this list is what
//! the editor offers and what it checks conditions against: a type not in it is flagged, not
//! refused, because OCI adds types over time.
//!
//! Where the reference marks a type unconfirmed, so does this list (`confirmed: false`).

/// One event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// The full, lowercase type (`com.oraclecloud.computeapi.launchinstance.end`).
    pub name: &'static str,
    /// The service, as the editor groups them.
    pub service: &'static str,
    /// When it fires.
    pub description: &'static str,
    /// Whether Oracle's documentation or SDK examples confirm the name.
    pub confirmed: bool,
}

const fn t(name: &'static str, service: &'static str, description: &'static str) -> EventType {
    EventType { name, service, description, confirmed: true }
}

const fn unconfirmed(name: &'static str, service: &'static str, description: &'static str) -> EventType {
    EventType { name, service, description, confirmed: false }
}

/// Every known type, grouped by service.
pub const EVENT_TYPES: &[EventType] = &[
    t("com.oraclecloud.computeapi.launchinstance.begin", "Compute", "Instance launch starts"),
    t("com.oraclecloud.computeapi.launchinstance.end", "Compute", "Instance launch completes"),
    t("com.oraclecloud.computeapi.terminateinstance.begin", "Compute", "Instance termination starts"),
    t("com.oraclecloud.computeapi.terminateinstance.end", "Compute", "Instance terminated"),
    t("com.oraclecloud.computeapi.instanceaction.begin", "Compute", "Stop, start or reboot starts"),
    t("com.oraclecloud.computeapi.instanceaction.end", "Compute", "Stop, start or reboot finishes"),
    t("com.oraclecloud.computeapi.updateinstance", "Compute", "Instance updated"),
    t("com.oraclecloud.computeapi.changeinstancecompartment.begin", "Compute", "Instance moves compartment"),
    t("com.oraclecloud.computeapi.createimage.begin", "Compute", "Image creation starts"),
    t("com.oraclecloud.computeapi.deleteimage", "Compute", "Image deleted"),
    t("com.oraclecloud.computeapi.updateimage", "Compute", "Image updated"),
    t("com.oraclecloud.computeapi.detachvolume.begin", "Compute", "Volume detach starts"),
    t("com.oraclecloud.computeapi.detachbootvolume.begin", "Compute", "Boot volume detach starts"),
    t("com.oraclecloud.computeapi.instancemaintenance", "Compute", "Instance maintenance scheduled"),
    t("com.oraclecloud.blockvolumes.createvolume.begin", "Block Volume", "Volume creation starts"),
    t("com.oraclecloud.blockvolumes.createvolume.end", "Block Volume", "Volume created"),
    t("com.oraclecloud.blockvolumes.deletevolume.begin", "Block Volume", "Volume deletion starts"),
    t("com.oraclecloud.blockvolumes.deletevolume.end", "Block Volume", "Volume deleted"),
    t("com.oraclecloud.blockvolumes.updatevolume", "Block Volume", "Volume updated"),
    t("com.oraclecloud.objectstorage.createbucket", "Object Storage", "New bucket created"),
    t("com.oraclecloud.objectstorage.deletebucket", "Object Storage", "Bucket deleted"),
    unconfirmed("com.oraclecloud.objectstorage.updatebucket", "Object Storage", "Bucket updated"),
    t("com.oraclecloud.objectstorage.createobject", "Object Storage", "Object created"),
    t("com.oraclecloud.objectstorage.updateobject", "Object Storage", "Object updated"),
    unconfirmed("com.oraclecloud.objectstorage.deleteobject", "Object Storage", "Object deleted"),
    t("com.oraclecloud.identitycontrolplane.createuser", "Identity", "New user created"),
    t("com.oraclecloud.identitycontrolplane.deleteuser", "Identity", "User deleted"),
    t("com.oraclecloud.identitycontrolplane.updateuser", "Identity", "User updated"),
    t("com.oraclecloud.identitycontrolplane.updateusercapabilities", "Identity", "User capabilities changed"),
    t("com.oraclecloud.identitycontrolplane.updateuserstate", "Identity", "User blocked or unblocked"),
    t("com.oraclecloud.identitycontrolplane.creategroup", "Identity", "Group created"),
    t("com.oraclecloud.identitycontrolplane.deletegroup", "Identity", "Group deleted"),
    t("com.oraclecloud.identitycontrolplane.updategroup", "Identity", "Group updated"),
    t("com.oraclecloud.identitycontrolplane.addusertogroup", "Identity", "User added to a group"),
    t("com.oraclecloud.identitycontrolplane.createpolicy", "Identity", "Policy created"),
    t("com.oraclecloud.identitycontrolplane.deletepolicy", "Identity", "Policy deleted"),
    t("com.oraclecloud.identitycontrolplane.updatepolicy", "Identity", "IAM policy modified"),
    t("com.oraclecloud.identitycontrolplane.createdynamicgroup", "Identity", "Dynamic group created"),
    t("com.oraclecloud.identitycontrolplane.deletedynamicgroup", "Identity", "Dynamic group deleted"),
    t("com.oraclecloud.identitycontrolplane.updatedynamicgroup", "Identity", "Dynamic group updated"),
    t("com.oraclecloud.identitycontrolplane.createidentityprovider", "Identity", "Identity provider created"),
    t("com.oraclecloud.identitycontrolplane.deleteidentityprovider", "Identity", "Identity provider deleted"),
    t("com.oraclecloud.identitycontrolplane.updateidentityprovider", "Identity", "Identity provider updated"),
    t("com.oraclecloud.identitycontrolplane.updateauthenticationpolicy", "Identity", "Authentication policy changed"),
    t("com.oraclecloud.virtualnetwork.createvcn", "Networking", "VCN created"),
    t("com.oraclecloud.virtualnetwork.deletevcn", "Networking", "VCN deleted"),
    t("com.oraclecloud.virtualnetwork.updatevcn", "Networking", "VCN updated"),
    t("com.oraclecloud.virtualnetwork.createroutetable", "Networking", "Route table created"),
    t("com.oraclecloud.virtualnetwork.deleteroutetable", "Networking", "Route table deleted"),
    t("com.oraclecloud.virtualnetwork.updateroutetable", "Networking", "Route table updated"),
    t("com.oraclecloud.virtualnetwork.createsecuritylist", "Networking", "Security list created"),
    t("com.oraclecloud.virtualnetwork.deletesecuritylist", "Networking", "Security list deleted"),
    t("com.oraclecloud.virtualnetwork.updatesecuritylist", "Networking", "Security list updated"),
    t("com.oraclecloud.virtualnetwork.createnetworksecuritygroup", "Networking", "Network security group created"),
    t("com.oraclecloud.virtualnetwork.deletenetworksecuritygroup", "Networking", "Network security group deleted"),
    t("com.oraclecloud.virtualnetwork.updatenetworksecuritygroup", "Networking", "Network security group updated"),
    t("com.oraclecloud.virtualnetwork.createinternetgateway", "Networking", "Internet gateway created"),
    t("com.oraclecloud.virtualnetwork.deleteinternetgateway", "Networking", "Internet gateway deleted"),
    t("com.oraclecloud.virtualnetwork.updateinternetgateway", "Networking", "Internet gateway updated"),
    t("com.oraclecloud.virtualnetwork.createdrg", "Networking", "Dynamic routing gateway created"),
    t("com.oraclecloud.virtualnetwork.deletedrg", "Networking", "Dynamic routing gateway deleted"),
    t("com.oraclecloud.natgateway.createnatgateway", "Networking", "NAT gateway created"),
    t("com.oraclecloud.natgateway.deletenatgateway", "Networking", "NAT gateway deleted"),
    t("com.oraclecloud.servicegateway.createservicegateway", "Networking", "Service gateway created"),
    t("com.oraclecloud.cloudguard.problemdetected", "Cloud Guard", "Cloud Guard detected a problem"),
    t("com.oraclecloud.cloudguard.problemdismissed", "Cloud Guard", "A problem was dismissed"),
    t("com.oraclecloud.cloudguard.problemremediated", "Cloud Guard", "A problem was remediated"),
    t(
        "com.oraclecloud.databaseservice.autonomous.database.backup.end",
        "Database",
        "Autonomous database backup finished",
    ),
    t("com.oraclecloud.functions.updatefunction", "Functions", "Function updated"),
    unconfirmed("com.oraclecloud.functions.createfunction", "Functions", "Function created"),
    unconfirmed("com.oraclecloud.functions.deletefunction", "Functions", "Function deleted"),
    unconfirmed("com.oraclecloud.audit.event", "Audit", "Any auditable action (as the seed names it)"),
];

/// The known type with this name.
pub fn find(name: &str) -> Option<&'static EventType> {
    EVENT_TYPES.iter().find(|t| t.name == name)
}

/// The event types a condition names under `eventType` (one value or a list); text that is not
/// a JSON object names none.
pub fn named_types(condition: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(condition) else {
        return Vec::new();
    };
    match fields.get("eventType") {
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        Some(serde_json::Value::Array(many)) => many.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// The event types a condition names that are not in the catalogue. Values with a `*` wildcard
/// are skipped: they name families, not types.
pub fn unknown_types(condition: &str) -> Vec<String> {
    named_types(condition).into_iter().filter(|name| !name.contains('*') && find(name).is_none()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_types_are_known_and_typos_are_not() {
        for name in [
            "com.oraclecloud.computeapi.launchinstance.end",
            "com.oraclecloud.computeapi.terminateinstance.end",
            "com.oraclecloud.computeapi.instanceaction.end",
            "com.oraclecloud.objectstorage.createbucket",
            "com.oraclecloud.objectstorage.deleteobject",
            "com.oraclecloud.identitycontrolplane.createuser",
            "com.oraclecloud.identitycontrolplane.updatepolicy",
            "com.oraclecloud.audit.event",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
        let condition = r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.end", "com.oraclecloud.ComputeApi.LaunchInstance.End", "com.oraclecloud.objectstorage.*"]}"#;
        assert_eq!(unknown_types(condition), ["com.oraclecloud.ComputeApi.LaunchInstance.End"]);
        assert!(unknown_types("eventType = x").is_empty());
        let names: std::collections::HashSet<_> = EVENT_TYPES.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), EVENT_TYPES.len(), "no type is listed twice");
        assert!(EVENT_TYPES.iter().all(|t| t.name == t.name.to_lowercase()), "types are lowercase");
    }
}
