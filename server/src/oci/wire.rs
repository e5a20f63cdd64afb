//! Wire types shared by the service modules: tags, sort order, compartment moves, and the
//! `oci_enum!` macro for OCI's string enums.
//!
//! OCI adds enum values over time (new lifecycle states, new protocols). Failing to read a whole
//! rule because of one new state would be worse than useless, so every OCI enum here keeps an
//! unknown value as `Unknown(String)` and serialises it back unchanged, like the SDKs'
//! `UNKNOWN_ENUM_VALUE` but without losing the text.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Free-form tags: `{"team": "ops"}`.
pub type FreeformTags = BTreeMap<String, String>;

/// Defined tags: `{"Operations": {"CostCenter": "42"}}`.
pub type DefinedTags = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// Defines an OCI string enum that keeps values it does not know.
macro_rules! oci_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of Signalbox does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(text) => text,
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match text.as_str() {
                    $($text => $name::$variant,)+
                    _ => $name::Unknown(text),
                }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use oci_enum;

oci_enum! {
    /// Sort direction of list operations.
    SortOrder { Asc = "ASC", Desc = "DESC" }
}

/// Body of every `.../actions/changeCompartment` operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeCompartmentDetails {
    /// The compartment to move the resource to.
    pub compartment_id: String,
}

/// Everything but RFC 3986's unreserved characters is escaped, so a space is `%20` as in
/// Oracle's published vectors.
const ESCAPED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes a query value or a path segment (OCIDs are plain, but ids come from users too).
pub fn escape(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, ESCAPED).to_string()
}

#[cfg(test)]
mod tests {
    oci_enum! {
        /// Test enum.
        Color { Red = "RED", Blue = "BLUE" }
    }

    #[test]
    fn unknown_values_survive_a_round_trip() {
        let colors: Vec<Color> = serde_json::from_str(r#"["RED","GREEN"]"#).unwrap();
        assert_eq!(colors, [Color::Red, Color::Unknown("GREEN".into())]);
        assert_eq!(serde_json::to_string(&colors).unwrap(), r#"["RED","GREEN"]"#);
        assert_eq!(Color::Blue.to_string(), "BLUE");
    }

    #[test]
    fn segments_are_escaped() {
        assert_eq!(super::escape("ocid1.eventrule.oc1.iad.abc"), "ocid1.eventrule.oc1.iad.abc");
        assert_eq!(super::escape("a/b c"), "a%2Fb%20c");
    }
}
