//! OCIDs: `ocid1.<resource type>.<realm>.[region][.future use].<unique id>`, as OCI's
//! documentation draws them. [`Ocid::parse`] is the one shape check that every layer uses: the
//! console's forms, template parameters, the server's handlers and the sandbox. It checks the
//! shape only; whether the resource exists is for OCI to say.
//!
//! The OCI config file is the exception, on purpose: [`is_sdk_config_ocid`] takes exactly what the
//! Python SDK's config validator takes, so a file that works with the SDK and CLI works here too.

use std::fmt;

/// An OCID whose shape was checked, borrowed from the text it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ocid<'a> {
    text: &'a str,
    resource_type: &'a str,
}

impl<'a> Ocid<'a> {
    /// The OCID in `text`, if it has OCI's shape: at least five dot-separated parts, the first
    /// `ocid1`, a resource type, a unique id at the end, and nothing but ASCII letters, digits,
    /// `.`, `-` and `_`. The region part may be empty (`ocid1.tenancy.oc1..aaaa…`).
    pub fn parse(text: &'a str) -> Option<Self> {
        let charset = text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        let mut parts = text.split('.');
        let (Some("ocid1"), Some(resource_type)) = (parts.next(), parts.next()) else {
            return None;
        };
        let rest: Vec<&str> = parts.collect();
        let shaped = charset
            && !resource_type.is_empty()
            && rest.len() >= 3
            && rest.last().is_some_and(|unique| !unique.is_empty());
        shaped.then_some(Self { text, resource_type })
    }

    /// The OCID in `text` if it has OCI's shape and one of `types` (`"compartment"`, `"fnfunc"`…).
    pub fn parse_of(text: &'a str, types: &[&str]) -> Option<Self> {
        Self::parse(text).filter(|ocid| types.contains(&ocid.resource_type))
    }

    /// Its resource type, such as `onstopic` or `eventrule`.
    pub fn resource_type(&self) -> &'a str {
        self.resource_type
    }

    /// The OCID as written.
    pub fn as_str(&self) -> &'a str {
        self.text
    }
}

impl fmt::Display for Ocid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// Whether the Python SDK's config validator takes `text` as a `user` or `tenancy` OCID: its
/// pattern `^([0-9a-zA-Z-_]+[.:])([0-9a-zA-Z-_]*[.:]){3,}([0-9a-zA-Z-_]+)$`, which admits `:` as a
/// separator and any first part.
pub fn is_sdk_config_ocid(text: &str) -> bool {
    let charset = text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-' | b'_'));
    let parts: Vec<&str> = text.split(['.', ':']).collect();
    charset
        && parts.len() >= 5
        && parts.first().is_some_and(|p| !p.is_empty())
        && parts.last().is_some_and(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{Ocid, is_sdk_config_ocid};

    #[test]
    fn an_ocid_has_oci_shape() {
        let topic = Ocid::parse("ocid1.onstopic.oc1.iad.aaaa").expect("an OCID");
        assert_eq!(topic.resource_type(), "onstopic");
        assert_eq!(topic.to_string(), "ocid1.onstopic.oc1.iad.aaaa");
        assert!(Ocid::parse("ocid1.tenancy.oc1..aaaa").is_some(), "an empty region");
        assert!(Ocid::parse("ocid1.fnfunc.oc1.iad.aaaa.future").is_some(), "a future-use part");
        for bad in [
            "",
            "ocid1",
            "ocid1.tenancy",
            "ocid1.tenancy.oc1",
            "ocid1.tenancy.oc1..",
            "ocid1..oc1..aaaa",
            "ocid2.tenancy.oc1..aaaa",
            "OCID1.tenancy.oc1..aaaa",
            "ocid1.tenancy.oc1..a a",
            "ocid1.tenancy.oc1..aaaa\n",
            "ocid1:tenancy:oc1::aaaa",
            "ocid1.tenancy.oc1..aa/aa",
            "ocid1.tenancy.oc1..ааа",
            " ocid1.tenancy.oc1..aaaa",
        ] {
            assert!(Ocid::parse(bad).is_none(), "{bad:?} is not an OCID");
        }
    }

    #[test]
    fn an_ocid_of_a_type_has_that_type() {
        assert!(Ocid::parse_of("ocid1.compartment.oc1..aaaa", &["compartment", "tenancy"]).is_some());
        assert!(Ocid::parse_of("ocid1.tenancy.oc1..aaaa", &["compartment", "tenancy"]).is_some());
        assert!(Ocid::parse_of("ocid1.user.oc1..aaaa", &["tenancy"]).is_none(), "another type");
        assert!(Ocid::parse_of("ocid1.fnfuncx.oc1..aaaa", &["fnfunc"]).is_none(), "a longer type");
        assert!(Ocid::parse_of("ocid1.fnfunc.oc1..aaaa", &[]).is_none(), "no type asked for");
    }

    #[test]
    fn the_config_file_takes_what_the_sdk_takes() {
        assert!(is_sdk_config_ocid("ocid1.user.oc1..aaaa"));
        assert!(is_sdk_config_ocid("ocid1:user:oc1::aaaa"), "the SDK admits ':'");
        assert!(!is_sdk_config_ocid("ocid1.user.oc1.aaaa"), "four parts");
        assert!(!is_sdk_config_ocid(".user.oc1..aaaa"), "an empty first part");
        assert!(!is_sdk_config_ocid("ocid1.user.oc1..aaaa."), "an empty last part");
        assert!(!is_sdk_config_ocid("ocid1.user.oc1..a+a"), "a character outside the pattern");
    }
}
