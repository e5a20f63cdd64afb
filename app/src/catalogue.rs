//! The event types Signalbox knows: the seed workflow's, and the compute, block volume, object
//! storage, identity, networking, Cloud Guard, database and functions types of
//! `../shared/reference/oci-api.md` §6.3, and the Events and Notifications services' own types
//! for their rules, topics and subscriptions ([`is_inventory_change`]). Events has no API that
//! lists types, so this list is what the editor offers and what it checks conditions against: a
//! type not in it is flagged, not refused, because OCI adds types over time.
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
    unconfirmed("com.oraclecloud.identitycontrolplane.removeuserfromgroup", "Identity", "User removed from a group"),
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
    unconfirmed(
        "com.oraclecloud.identitycontrolplane.createidpgroupmapping",
        "Identity",
        "Identity provider group mapping created",
    ),
    unconfirmed(
        "com.oraclecloud.identitycontrolplane.deleteidpgroupmapping",
        "Identity",
        "Identity provider group mapping deleted",
    ),
    unconfirmed(
        "com.oraclecloud.identitycontrolplane.updateidpgroupmapping",
        "Identity",
        "Identity provider group mapping updated",
    ),
    unconfirmed("com.oraclecloud.identitycontrolplane.createcompartment", "Identity", "Compartment created"),
    t("com.oraclecloud.identitysignon.interactivelogin", "Identity", "A local user signed in to the Console"),
    t("com.oraclecloud.virtualnetwork.createvcn", "Networking", "VCN created"),
    t("com.oraclecloud.virtualnetwork.deletevcn", "Networking", "VCN deleted"),
    t("com.oraclecloud.virtualnetwork.updatevcn", "Networking", "VCN updated"),
    t("com.oraclecloud.virtualnetwork.createroutetable", "Networking", "Route table created"),
    unconfirmed("com.oraclecloud.virtualnetwork.changeroutetablecompartment", "Networking", "Route table moved"),
    t("com.oraclecloud.virtualnetwork.deleteroutetable", "Networking", "Route table deleted"),
    t("com.oraclecloud.virtualnetwork.updateroutetable", "Networking", "Route table updated"),
    t("com.oraclecloud.virtualnetwork.createsecuritylist", "Networking", "Security list created"),
    unconfirmed("com.oraclecloud.virtualnetwork.changesecuritylistcompartment", "Networking", "Security list moved"),
    t("com.oraclecloud.virtualnetwork.deletesecuritylist", "Networking", "Security list deleted"),
    t("com.oraclecloud.virtualnetwork.updatesecuritylist", "Networking", "Security list updated"),
    t("com.oraclecloud.virtualnetwork.createnetworksecuritygroup", "Networking", "Network security group created"),
    unconfirmed(
        "com.oraclecloud.virtualnetwork.changenetworksecuritygroupcompartment",
        "Networking",
        "Network security group moved",
    ),
    t("com.oraclecloud.virtualnetwork.deletenetworksecuritygroup", "Networking", "Network security group deleted"),
    t("com.oraclecloud.virtualnetwork.updatenetworksecuritygroup", "Networking", "Network security group updated"),
    t("com.oraclecloud.virtualnetwork.createinternetgateway", "Networking", "Internet gateway created"),
    t("com.oraclecloud.virtualnetwork.deleteinternetgateway", "Networking", "Internet gateway deleted"),
    t("com.oraclecloud.virtualnetwork.updateinternetgateway", "Networking", "Internet gateway updated"),
    unconfirmed(
        "com.oraclecloud.virtualnetwork.changeinternetgatewaycompartment",
        "Networking",
        "Internet gateway moved",
    ),
    t("com.oraclecloud.virtualnetwork.createdrg", "Networking", "Dynamic routing gateway created"),
    t("com.oraclecloud.virtualnetwork.deletedrg", "Networking", "Dynamic routing gateway deleted"),
    unconfirmed("com.oraclecloud.virtualnetwork.updatedrg", "Networking", "Dynamic routing gateway updated"),
    unconfirmed("com.oraclecloud.virtualnetwork.createdrgattachment", "Networking", "DRG attachment created"),
    unconfirmed("com.oraclecloud.virtualnetwork.deletedrgattachment", "Networking", "DRG attachment deleted"),
    unconfirmed("com.oraclecloud.virtualnetwork.updatedrgattachment", "Networking", "DRG attachment updated"),
    unconfirmed(
        "com.oraclecloud.virtualnetwork.createlocalpeeringgateway",
        "Networking",
        "Local peering gateway created",
    ),
    unconfirmed(
        "com.oraclecloud.virtualnetwork.deletelocalpeeringgateway.end",
        "Networking",
        "Local peering gateway deleted",
    ),
    unconfirmed(
        "com.oraclecloud.virtualnetwork.updatelocalpeeringgateway",
        "Networking",
        "Local peering gateway updated",
    ),
    unconfirmed(
        "com.oraclecloud.virtualnetwork.changelocalpeeringgatewaycompartment",
        "Networking",
        "Local peering gateway moved",
    ),
    t("com.oraclecloud.natgateway.createnatgateway", "Networking", "NAT gateway created"),
    t("com.oraclecloud.natgateway.deletenatgateway", "Networking", "NAT gateway deleted"),
    unconfirmed("com.oraclecloud.natgateway.updatenatgateway", "Networking", "NAT gateway updated"),
    unconfirmed("com.oraclecloud.natgateway.changenatgatewaycompartment", "Networking", "NAT gateway moved"),
    t("com.oraclecloud.servicegateway.createservicegateway", "Networking", "Service gateway created"),
    unconfirmed("com.oraclecloud.servicegateway.deleteservicegateway.end", "Networking", "Service gateway deleted"),
    unconfirmed("com.oraclecloud.servicegateway.updateservicegateway", "Networking", "Service gateway updated"),
    unconfirmed("com.oraclecloud.servicegateway.attachserviceid", "Networking", "Service gateway gained a service"),
    unconfirmed("com.oraclecloud.servicegateway.detachserviceid", "Networking", "Service gateway lost a service"),
    unconfirmed(
        "com.oraclecloud.servicegateway.changeservicegatewaycompartment",
        "Networking",
        "Service gateway moved",
    ),
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
    unconfirmed("com.oraclecloud.eventsservice.createrule", "Events", "Rule created"),
    unconfirmed("com.oraclecloud.eventsservice.updaterule", "Events", "Rule updated"),
    unconfirmed("com.oraclecloud.eventsservice.deleterule", "Events", "Rule deleted"),
    unconfirmed("com.oraclecloud.eventsservice.changerulecompartment", "Events", "Rule moved to another compartment"),
    unconfirmed("com.oraclecloud.notification.createtopic", "Notifications", "Topic created"),
    unconfirmed("com.oraclecloud.notification.updatetopic", "Notifications", "Topic updated"),
    unconfirmed("com.oraclecloud.notification.deletetopic", "Notifications", "Topic deleted"),
    unconfirmed(
        "com.oraclecloud.notification.changetopiccompartment",
        "Notifications",
        "Topic moved to another compartment",
    ),
    unconfirmed("com.oraclecloud.notification.createsubscription", "Notifications", "Subscription created"),
    unconfirmed(
        "com.oraclecloud.notification.updatesubscription",
        "Notifications",
        "Subscription updated, confirmed or unsubscribed",
    ),
    unconfirmed("com.oraclecloud.notification.deletesubscription", "Notifications", "Subscription deleted"),
    unconfirmed("com.oraclecloud.audit.event", "Audit", "Any auditable action (as the seed names it)"),
];

/// Prefix of the types the Events service emits about its own rules.
pub const EVENTS_SERVICE_PREFIX: &str = "com.oraclecloud.eventsservice.";
/// Prefix of the types Notifications emits about its topics and subscriptions.
pub const NOTIFICATION_PREFIX: &str = "com.oraclecloud.notification.";

/// Whether an event of this type says that a rule, topic or subscription changed: the events the
/// inventory follows to show a change made elsewhere within seconds. The names (`createrule`,
/// `updatesubscription`, ...) follow the pattern of the confirmed types of other services; Oracle's
/// reference does not list them in the sources read, so they are unconfirmed and kept here, in
/// one place, with the sandbox emitting exactly these.
pub fn is_inventory_change(event_type: &str) -> bool {
    [EVENTS_SERVICE_PREFIX, NOTIFICATION_PREFIX].iter().any(|prefix| event_type.starts_with(prefix))
}

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

/// A realistic event of this type, in the envelope of `oci-api.md` §6.1, for the rule editor's
/// Test panel. Names and OCIDs are made up but shaped like OCI's; `additionalDetails` carries the
/// fields each service is known to send (object and bucket events as in §6.1; the others a
/// plausible minimum).
pub fn sample_event(event_type: &EventType) -> serde_json::Value {
    let resource = resource_of(event_type.name);
    let (compartment_id, compartment_name) =
        if resource.in_root { (TENANCY, "mytenancy") } else { ("ocid1.compartment.oc1..aaaaaaaaprodexample", "prod") };
    let mut data = serde_json::json!({
        "compartmentId": compartment_id,
        "compartmentName": compartment_name,
        "resourceName": resource.name,
        "resourceId": resource.id,
        "availabilityDomain": "Uocm:US-ASHBURN-AD-1",
        "freeformTags": {"team": "platform"},
        "definedTags": {"Operations": {"CostCenter": "42"}},
        "additionalDetails": (resource.details)(),
    });
    if resource.in_root
        && let Some(fields) = data.as_object_mut()
    {
        fields.remove("availabilityDomain");
    }
    serde_json::json!({
        "eventType": event_type.name,
        "cloudEventsVersion": "0.1",
        "eventTypeVersion": "2.0",
        "source": source_of(event_type.service),
        "eventTime": "2026-11-30T09:41:07.118Z",
        "contentType": "application/json",
        "data": data,
        "eventID": event_id(event_type.name),
        "extensions": {"compartmentId": compartment_id},
    })
}

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaamytenancyexample";

/// The `source` a service's events carry.
fn source_of(service: &str) -> &'static str {
    match service {
        "Compute" => "ComputeApi",
        "Block Volume" => "BlockVolumes",
        "Object Storage" => "ObjectStorage",
        "Identity" => "IdentityControlPlane",
        "Networking" => "VirtualNetwork",
        "Cloud Guard" => "CloudGuard",
        "Database" => "DatabaseService",
        "Functions" => "Functions",
        "Events" => "EventsService",
        "Notifications" => "NotificationService",
        _ => "Audit",
    }
}

/// The resource a sample event is about.
struct SampleResource {
    name: &'static str,
    id: &'static str,
    /// Identity resources live in the root compartment (the tenancy).
    in_root: bool,
    details: fn() -> serde_json::Value,
}

/// The resource named by a type, found by the words in its action (`createbucket`); the longest
/// names come first so `networksecuritygroup` is not taken for a `group`. Services whose types
/// all concern one kind of resource are recognised by the service part.
fn resource_of(event_type: &str) -> SampleResource {
    use serde_json::json;
    fn none() -> serde_json::Value {
        json!({})
    }
    let r = |name, id, details| SampleResource { name, id, in_root: false, details };
    let root = |name, id| SampleResource { name, id, in_root: true, details: none };
    let mut parts = event_type.strip_prefix("com.oraclecloud.").unwrap_or(event_type).split('.');
    let service = parts.next().unwrap_or_default();
    let action = parts.next().unwrap_or_default();
    match action {
        _ if service == "eventsservice" => r("bucket-alerts", "ocid1.eventrule.oc1.iad.aaaaaaaaexample", none),
        a if service == "notification" && a.contains("subscription") => r(
            "ocid1.onssubscription.oc1.iad.aaaaaaaaexample",
            "ocid1.onssubscription.oc1.iad.aaaaaaaaexample",
            || json!({"topicId": "ocid1.onstopic.oc1.iad.aaaaaaaaexample", "protocol": "EMAIL"}),
        ),
        _ if service == "notification" => r("ops-alerts", "ocid1.onstopic.oc1.iad.aaaaaaaaexample", none),
        a if a.contains("object") => {
            r("reports/2026-11-30.csv", "/n/mynamespace/b/inbound/o/reports/2026-11-30.csv", || {
                json!({"bucketName": "inbound", "bucketId": "ocid1.bucket.oc1.iad.aaaaaaaaexample",
                    "namespace": "mynamespace", "archivalState": "Available",
                    "eTag": "f5293af9-f123-4e9f-ac4a-438d81a0464c"})
            })
        }
        a if a.contains("bucket") => r("inbound", "/n/mynamespace/b/inbound", || {
            json!({"bucketName": "inbound", "publicAccessType": "NoPublicAccess", "namespace": "mynamespace",
                "eTag": "a1b2c3d4-0000-4e9f-ac4a-438d81a0464c"})
        }),
        a if a.contains("networksecuritygroup") => {
            r("web-nsg", "ocid1.networksecuritygroup.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        a if a.contains("dynamicgroup") => root("functions-dynamic-group", "ocid1.dynamicgroup.oc1..aaaaaaaaexample"),
        a if a.contains("identityprovider") => root("corporate-sso", "ocid1.saml2idp.oc1..aaaaaaaaexample"),
        a if a.contains("idpgroupmapping") => SampleResource {
            name: "corporate-sso admins",
            id: "ocid1.idpgroupmapping.oc1..aaaaaaaaexample",
            in_root: true,
            details: || json!({"idpId": "ocid1.saml2idp.oc1..aaaaaaaaexample", "groupId": "ocid1.group.oc1..aaaaaaaaexample"}),
        },
        a if a.contains("compartment") && service == "identitycontrolplane" => {
            root("payments", "ocid1.compartment.oc1..aaaaaaaapaymentsexample")
        }
        _ if service == "identitysignon" => SampleResource {
            name: "jdoe@example.com",
            id: "ocid1.user.oc1..aaaaaaaaexample",
            in_root: true,
            details: || json!({"authenticationType": "PASSWORD", "clientIp": "203.0.113.7", "result": "SUCCESS"}),
        },
        a if a.contains("authenticationpolicy") => root("mytenancy", TENANCY),
        a if a.contains("group") => root("ops-admins", "ocid1.group.oc1..aaaaaaaaexample"),
        a if a.contains("user") => root("jdoe@example.com", "ocid1.user.oc1..aaaaaaaaexample"),
        a if a.contains("policy") => root("network-admins-policy", "ocid1.policy.oc1..aaaaaaaaexample"),
        a if a.contains("image") => r("golden-image-2026-11", "ocid1.image.oc1.iad.aaaaaaaaexample", none),
        a if a.contains("bootvolume") => {
            r("web-01 (Boot Volume)", "ocid1.bootvolume.oc1.iad.abuwcljtexample", || json!({"instanceId": INSTANCE}))
        }
        a if a.contains("volume") => {
            r("data-volume-01", "ocid1.volume.oc1.iad.abuwcljtexample", || json!({"sizeInGBs": 1024, "vpusPerGB": 10}))
        }
        _ if service == "computeapi" => r(
            "web-01",
            INSTANCE,
            || json!({"imageId": "ocid1.image.oc1.iad.aaaaaaaaexample", "shape": "VM.Standard.E4.Flex", "type": "CustomerVmi"}),
        ),
        a if a.contains("vcn") => r("prod-vcn", VCN, || json!({"cidrBlocks": ["10.0.0.0/16"]})),
        a if a.contains("routetable") => {
            r("private-routes", "ocid1.routetable.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        a if a.contains("securitylist") => {
            r("default-security-list", "ocid1.securitylist.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        a if a.contains("internetgateway") => {
            r("prod-igw", "ocid1.internetgateway.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        a if a.contains("natgateway") => {
            r("prod-nat", "ocid1.natgateway.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        a if a.contains("servicegateway") => {
            r("prod-sgw", "ocid1.servicegateway.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        a if a.contains("drgattachment") => {
            r("hub-drg-attachment", "ocid1.drgattachment.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        a if a.contains("drg") => r("hub-drg", "ocid1.drg.oc1.iad.aaaaaaaaexample", none),
        a if a.contains("localpeeringgateway") => {
            r("prod-lpg", "ocid1.localpeeringgateway.oc1.iad.aaaaaaaaexample", || json!({"vcnId": VCN}))
        }
        _ if service == "cloudguard" => {
            r("Bucket is public", "ocid1.cloudguardproblem.oc1.iad.amaaaaaaexample", || {
                json!({"riskLevel": "CRITICAL", "problemType": "CONFIG_CHANGE", "status": "OPEN",
                "resourceType": "Bucket", "resourceName": "inbound", "region": "us-ashburn-1"})
            })
        }
        _ if service == "databaseservice" => r(
            "salesdb",
            "ocid1.autonomousdatabase.oc1.iad.anuwcljtexample",
            || json!({"backupType": "INCREMENTAL", "dbWorkload": "OLTP"}),
        ),
        _ if service == "functions" => r(
            "bucket-change-processor",
            "ocid1.fnfunc.oc1.iad.aaaaaaaaexample",
            || json!({"applicationId": "ocid1.fnapp.oc1.iad.aaaaaaaaexample", "applicationName": "signalbox-samples"}),
        ),
        _ => r(
            "GetInstance",
            INSTANCE,
            || json!({"principalName": "jdoe@example.com", "requestAction": "GET", "responseStatus": "200"}),
        ),
    }
}

const INSTANCE: &str = "ocid1.instance.oc1.iad.anuwcljtexample";
const VCN: &str = "ocid1.vcn.oc1.iad.amaaaaaaexample";

/// A UUID-shaped event id that stays the same for a type (FNV-1a of its name), so samples do
/// not change between renders and hydration.
fn event_id(name: &str) -> String {
    let hash = |seed: u64| name.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let (a, b) = (hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
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

#[cfg(test)]
mod sample_tests {
    use super::*;

    /// Every type has a sample with the whole §6.1 envelope, which a condition on its own type
    /// matches and a condition on another service's type does not.
    #[test]
    fn every_type_has_a_sample_its_own_condition_matches() {
        let mut ids = std::collections::HashSet::new();
        for event_type in EVENT_TYPES {
            let event = sample_event(event_type);
            for field in
                ["eventType", "cloudEventsVersion", "eventTypeVersion", "source", "eventTime", "contentType", "eventID"]
            {
                assert!(event[field].is_string(), "{}: {field}", event_type.name);
            }
            for field in ["compartmentId", "compartmentName", "resourceName", "resourceId"] {
                assert!(event["data"][field].is_string(), "{}: data.{field}", event_type.name);
            }
            assert!(event["data"]["additionalDetails"].is_object(), "{}", event_type.name);
            assert_eq!(event["extensions"]["compartmentId"], event["data"]["compartmentId"]);
            assert!(ids.insert(event["eventID"].as_str().unwrap_or_default().to_owned()), "ids differ");
            let own =
                crate::condition::Condition::parse(&format!(r#"{{"eventType": "{}"}}"#, event_type.name)).unwrap();
            assert!(own.matches(&event), "{}", event_type.name);
        }
        let bucket = sample_event(find("com.oraclecloud.objectstorage.createobject").unwrap());
        assert_eq!(bucket["data"]["additionalDetails"]["bucketName"], "inbound");
        assert_eq!(bucket["source"], "ObjectStorage");
        let nsg = sample_event(find("com.oraclecloud.virtualnetwork.createnetworksecuritygroup").unwrap());
        assert_eq!(nsg["data"]["resourceName"], "web-nsg");
        let user = sample_event(find("com.oraclecloud.identitycontrolplane.createuser").unwrap());
        assert_eq!(user["data"]["compartmentId"], TENANCY);
    }
}
